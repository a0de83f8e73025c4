use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::inspect::ImageInfo;
use crate::db::time::to_ms;
use crate::db::{Db, Tx};
use crate::{on_tx, with_db};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AssetMeta {
    pub id: String,
    pub content_type: String,
    pub width: i64,
    pub height: i64,
    pub byte_size: i64,
    pub sha256: String,
}

pub async fn insert(
    tx: &mut Tx<'_>,
    info: &ImageInfo,
    bytes: &[u8],
    created_by: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<AssetMeta> {
    let meta = AssetMeta {
        id: uuid::Uuid::now_v7().simple().to_string(),
        content_type: info.content_type.to_owned(),
        width: info.width.into(),
        height: info.height.into(),
        byte_size: bytes.len() as i64,
        sha256: hex::encode(Sha256::digest(bytes)),
    };
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO assets (id, content_type, width, height, byte_size, sha256, data, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&meta.id)
        .bind(&meta.content_type)
        .bind(meta.width)
        .bind(meta.height)
        .bind(meta.byte_size)
        .bind(&meta.sha256)
        .bind(bytes)
        .bind(created_by)
        .bind(to_ms(now))
        .execute(&mut *conn)
        .await
        .context("storing an asset")?;
    });
    Ok(meta)
}

pub async fn meta(db: &Db, id: &str) -> anyhow::Result<Option<AssetMeta>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT id, content_type, width, height, byte_size, sha256 FROM assets WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await
        .context("reading an asset's size")
    })
}

/// An asset with exactly these bytes (by their SHA-256), if one is stored.
pub async fn by_sha256(db: &Db, sha256: &str) -> anyhow::Result<Option<AssetMeta>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT id, content_type, width, height, byte_size, sha256 FROM assets WHERE sha256 = $1 ORDER BY created_at, id LIMIT 1",
        )
        .bind(sha256)
        .fetch_optional(pool)
        .await
        .context("finding an asset by its digest")
    })
}

pub async fn data(db: &Db, id: &str) -> anyhow::Result<Option<(String, Vec<u8>)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as("SELECT content_type, data FROM assets WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
            .context("reading an asset")
    })
}

use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::time::to_ms;
use crate::db::Db;
use crate::with_db;

/// What a token may do: `admin` all, `marketer` campaigns, `finance` money, `viewer` read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Marketer,
    Finance,
    Viewer,
}

crate::text_enum!(Role {
    Admin = "admin",
    Marketer = "marketer",
    Finance = "finance",
    Viewer = "viewer",
});

const PREFIX: &str = "fsn_";

#[derive(Debug, Clone)]
pub struct TokenOwner {
    pub id: String,
    pub name: String,
    pub role: Role,
}

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates a token and returns its secret text; only the digest is kept.
pub async fn create(db: &Db, name: &str, role: Role, now: DateTime<Utc>) -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let id = uuid::Uuid::now_v7().to_string();
    with_db!(db, write, |pool| {
        sqlx::query("INSERT INTO api_tokens (id, name, role, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&id)
            .bind(name)
            .bind(role)
            .bind(digest(&secret))
            .bind(to_ms(now))
            .execute(pool)
            .await?;
    });
    Ok(secret)
}

/// Finds the live token with this secret. The lookup is by digest, so the secret itself
/// is never compared or stored.
pub async fn authenticate(db: &Db, secret: &str) -> Result<Option<TokenOwner>, sqlx::Error> {
    if !secret.starts_with(PREFIX) || secret.len() > 128 {
        return Ok(None);
    }
    let row: Option<(String, String, Role)> = with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT id, name, role FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(digest(secret))
        .fetch_optional(pool)
        .await?
    });
    Ok(row.map(|(id, name, role)| TokenOwner { id, name, role }))
}

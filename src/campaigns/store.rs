//! Campaign rows: the body's fields as columns, the rest as one JSON document (`spec`).

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::model::{Campaign, CampaignInput, Spec, Status};
use super::money::{default_currency, Budget};
use super::slug::Slug;
use crate::db::time::{from_ms, to_ms};
use crate::db::{is_unique_violation, Db, Tx};
use crate::{on_tx, with_db};

#[derive(sqlx::FromRow)]
struct CampaignRow {
    id: String,
    slug: String,
    title: String,
    status: Status,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    spec: String,
    currency: String,
    budget_amount: Option<i64>,
    budget_granted: i64,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str =
    "id, slug, title, status, starts_at, ends_at, spec, currency, budget_amount, \
                       budget_granted, version, created_at, updated_at";

impl TryFrom<CampaignRow> for Campaign {
    type Error = anyhow::Error;
    fn try_from(row: CampaignRow) -> anyhow::Result<Campaign> {
        let spec: Spec = serde_json::from_str(&row.spec).context("reading a campaign's spec")?;
        let currency = row
            .currency
            .clone()
            .try_into()
            .map_err(anyhow::Error::msg)?;
        Ok(Campaign {
            slug: Slug::parse(&row.slug)
                .ok_or_else(|| anyhow::anyhow!("stored slug {}", row.slug))?,
            status: row.status,
            budget: row.budget_amount.map(|amount| Budget { amount, currency }),
            id: row.id,
            title: row.title,
            starts_at: row.starts_at.map(from_ms),
            ends_at: row.ends_at.map(from_ms),
            budget_granted: row.budget_granted,
            spec,
            version: row.version,
            created_at: from_ms(row.created_at),
            updated_at: from_ms(row.updated_at),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a campaign with this slug exists")]
    SlugTaken,
    #[error("the campaign changed meanwhile; read it again")]
    Stale,
    #[error(transparent)]
    Storage(#[from] anyhow::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        StoreError::Storage(err.into())
    }
}

pub async fn insert(
    tx: &mut Tx<'_>,
    slug: &Slug,
    input: &CampaignInput,
    now: DateTime<Utc>,
) -> Result<Campaign, StoreError> {
    let id = uuid::Uuid::now_v7().to_string();
    let spec = serde_json::to_string(&input.spec).map_err(anyhow::Error::from)?;
    let currency = input.budget.map_or_else(default_currency, |b| b.currency);
    let sql = format!(
        "INSERT INTO campaigns ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 1, $10, $10) RETURNING {COLUMNS}"
    );
    let row: Result<CampaignRow, sqlx::Error> = on_tx!(tx, |conn| {
        sqlx::query_as(&sql)
            .bind(&id)
            .bind(slug.as_str())
            .bind(input.title.trim())
            .bind(input.status.unwrap_or(Status::Active))
            .bind(input.starts_at.map(to_ms))
            .bind(input.ends_at.map(to_ms))
            .bind(&spec)
            .bind(currency.as_str())
            .bind(input.budget.map(|b| b.amount))
            .bind(to_ms(now))
            .fetch_one(&mut *conn)
            .await
    });
    match row {
        Ok(row) => Ok(row.try_into()?),
        Err(e) if is_unique_violation(&e) => Err(StoreError::SlugTaken),
        Err(e) => Err(anyhow::Error::from(e)
            .context("inserting a campaign")
            .into()),
    }
}

/// Replaces a campaign's fields if nobody changed it since `current` was read.
pub async fn update(
    tx: &mut Tx<'_>,
    current: &Campaign,
    input: &CampaignInput,
    now: DateTime<Utc>,
) -> Result<Campaign, StoreError> {
    let spec = serde_json::to_string(&input.spec).map_err(anyhow::Error::from)?;
    let currency = input.budget.map_or_else(default_currency, |b| b.currency);
    let sql = format!(
        "UPDATE campaigns SET title = $1, status = $2, starts_at = $3, ends_at = $4, spec = $5, currency = $6, \
         budget_amount = $7, version = version + 1, updated_at = $8 WHERE id = $9 AND version = $10 RETURNING {COLUMNS}"
    );
    let row: Option<CampaignRow> = on_tx!(tx, |conn| {
        sqlx::query_as(&sql)
            .bind(input.title.trim())
            .bind(input.status.unwrap_or(current.status))
            .bind(input.starts_at.map(to_ms))
            .bind(input.ends_at.map(to_ms))
            .bind(&spec)
            .bind(currency.as_str())
            .bind(input.budget.map(|b| b.amount))
            .bind(to_ms(now))
            .bind(&current.id)
            .bind(current.version)
            .fetch_optional(&mut *conn)
            .await
            .context("updating a campaign")?
    });
    Ok(row.ok_or(StoreError::Stale)?.try_into()?)
}

pub async fn by_slug(db: &Db, slug: &str) -> anyhow::Result<Option<Campaign>> {
    let sql = format!("SELECT {COLUMNS} FROM campaigns WHERE slug = $1");
    let row: Option<CampaignRow> = with_db!(db, read, |pool| sqlx::query_as(&sql)
        .bind(slug)
        .fetch_optional(pool)
        .await
        .context("reading a campaign by slug")?);
    row.map(Campaign::try_from).transpose()
}

pub async fn by_id(db: &Db, id: &str) -> anyhow::Result<Option<Campaign>> {
    let sql = format!("SELECT {COLUMNS} FROM campaigns WHERE id = $1");
    let row: Option<CampaignRow> = with_db!(db, read, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await
        .context("reading a campaign by id")?);
    row.map(Campaign::try_from).transpose()
}

pub async fn list(
    db: &Db,
    status: Option<Status>,
    limit: i64,
    offset: i64,
) -> anyhow::Result<Vec<Campaign>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM campaigns WHERE ($1 IS NULL OR status = $1) ORDER BY created_at DESC, id LIMIT $2 OFFSET $3"
    );
    let rows: Vec<CampaignRow> = with_db!(db, read, |pool| {
        sqlx::query_as(&sql)
            .bind(status)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await
            .context("listing campaigns")?
    });
    rows.into_iter().map(Campaign::try_from).collect()
}

//! Payout batches as finance lists them: each with its lines counted by result.

use anyhow::Context;

use crate::db::Db;
use crate::with_db;

/// A batch as finance lists it: its lines counted by result.
#[derive(Debug, sqlx::FromRow)]
pub struct BatchSummary {
    pub id: String,
    pub campaign_slug: String,
    pub campaign_title: String,
    pub count: i64,
    pub total: i64,
    pub currency: String,
    pub created_by: String,
    pub created_at: i64,
    pub pending: i64,
    pub paid: i64,
    pub failed: i64,
    /// The amount of the lines paid (minor units).
    pub paid_amount: i64,
}

const SUMMARY: &str = "SELECT p.id, c.slug AS campaign_slug, c.title AS campaign_title, p.count, p.total, \
     p.currency, p.created_by, p.created_at, \
     COUNT(CASE WHEN l.status = 'pending' THEN 1 END) AS pending, \
     COUNT(CASE WHEN l.status = 'paid' THEN 1 END) AS paid, \
     COUNT(CASE WHEN l.status = 'failed' THEN 1 END) AS failed, \
     CAST(COALESCE(SUM(CASE WHEN l.status = 'paid' THEN l.amount ELSE 0 END), 0) AS BIGINT) AS paid_amount \
     FROM payouts p JOIN campaigns c ON c.id = p.campaign_id LEFT JOIN payout_lines l ON l.payout_id = p.id";
const SUMMARY_GROUP: &str =
    "GROUP BY p.id, c.slug, c.title, p.count, p.total, p.currency, p.created_by, p.created_at";

/// The newest `limit` batches of a campaign (its id), or of every campaign for `None`.
pub async fn summaries(
    db: &Db,
    campaign_id: Option<&str>,
    limit: i64,
) -> anyhow::Result<Vec<BatchSummary>> {
    let sql = format!(
        "{SUMMARY} WHERE ($1 = '' OR p.campaign_id = $1) {SUMMARY_GROUP} \
         ORDER BY p.created_at DESC, p.id DESC LIMIT $2"
    );
    with_db!(db, read, |pool| {
        sqlx::query_as(&sql)
            .bind(campaign_id.unwrap_or_default())
            .bind(limit)
            .fetch_all(pool)
            .await
            .context("listing payout batches")
    })
}

/// One batch's summary, if it exists.
pub async fn summary(db: &Db, payout_id: &str) -> anyhow::Result<Option<BatchSummary>> {
    let sql = format!("{SUMMARY} WHERE p.id = $1 {SUMMARY_GROUP}");
    with_db!(db, read, |pool| {
        sqlx::query_as(&sql)
            .bind(payout_id)
            .fetch_optional(pool)
            .await
            .context("reading a payout batch's summary")
    })
}

//! Reading grants, stock and coupon pools; importing coupon codes.

use anyhow::Context;

use super::model::{Grant, GrantStatus, LedgerEvent, LineStatus};
use crate::db::{Db, Tx};
use crate::with_db;

pub async fn grants_of(db: &Db, participant_id: &str) -> anyhow::Result<Vec<Grant>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT id, rule_id, reason, reward_type, amount, currency, coupon_code, sku, status, flag, shipping, granted_at, paid_at, revoked_at \
             FROM grants WHERE participant_id = $1 ORDER BY granted_at, id",
        )
        .bind(participant_id)
        .fetch_all(pool)
        .await
        .context("reading a participant's grants")
    })
}

/// Grants that stand, cash granted and cash paid (minor units).
pub async fn money_totals(db: &Db, campaign_id: &str) -> anyhow::Result<(i64, i64, i64)> {
    with_db!(db, read, |pool| {
        // The counters migration 0024 keeps beside the grants, not a walk over them.
        sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN figure = 'grants' THEN n ELSE 0 END), 0) AS BIGINT), \
                    CAST(COALESCE(SUM(CASE WHEN figure = 'cash' THEN n ELSE 0 END), 0) AS BIGINT), \
                    CAST(COALESCE(SUM(CASE WHEN figure = 'paid_cash' THEN n ELSE 0 END), 0) AS BIGINT) \
             FROM campaign_counts WHERE campaign_id = $1 AND figure IN ('grants', 'cash', 'paid_cash')",
        )
        .bind(campaign_id)
        .fetch_one(pool)
        .await
        .context("summing a campaign's grants")
    })
}

/// Standing grants per rule.
pub async fn standing_by_rule(db: &Db, campaign_id: &str) -> anyhow::Result<Vec<(String, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT bucket, CAST(SUM(n) AS BIGINT) FROM campaign_counts \
             WHERE campaign_id = $1 AND figure = 'grants' GROUP BY bucket HAVING SUM(n) <> 0",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .context("counting grants per rule")
    })
}

/// Physical stock a rule has used.
pub async fn stock_used(db: &Db, campaign_id: &str, rule_id: &str) -> anyhow::Result<i64> {
    let used: Option<i64> = with_db!(db, read, |pool| {
        sqlx::query_scalar("SELECT used FROM reward_stock WHERE campaign_id = $1 AND rule_id = $2")
            .bind(campaign_id)
            .bind(rule_id)
            .fetch_optional(pool)
            .await
            .context("reading used stock")?
    });
    Ok(used.unwrap_or(0))
}

/// Codes of a pool not yet given out.
pub async fn codes_available(db: &Db, campaign_id: &str, pool_name: &str) -> anyhow::Result<i64> {
    with_db!(db, read, |pool| {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM coupon_codes WHERE campaign_id = $1 AND pool = $2 AND grant_id IS NULL",
        )
        .bind(campaign_id)
        .bind(pool_name)
        .fetch_one(pool)
        .await
        .context("counting available coupon codes")
    })
}

/// Stores new codes in one transaction; codes the pool has are skipped. Returns how
/// many were new.
pub async fn import_codes(
    tx: &mut Tx<'_>,
    campaign_id: &str,
    pool_name: &str,
    codes: &[String],
    now: i64,
) -> anyhow::Result<u64> {
    let mut imported = 0;
    for chunk in codes.chunks(500) {
        imported += crate::on_tx!(tx, |conn| {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO coupon_codes (campaign_id, pool, code, imported_at) ",
            );
            q.push_values(chunk, |mut row, code| {
                row.push_bind(campaign_id)
                    .push_bind(pool_name)
                    .push_bind(code)
                    .push_bind(now);
            });
            q.push(" ON CONFLICT (campaign_id, pool, code) DO NOTHING");
            q.build()
                .execute(&mut *conn)
                .await
                .context("importing coupon codes")?
                .rows_affected()
        });
    }
    Ok(imported)
}

/// Cash grants for reconciliation: (rule, status, granted_at, amount).
pub async fn cash_grants(
    db: &Db,
    campaign_id: &str,
) -> anyhow::Result<Vec<(String, GrantStatus, i64, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT rule_id, status, granted_at, amount FROM grants WHERE campaign_id = $1 AND reward_type = 'cash'",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .context("reading cash grants")
    })
}

/// Grants flagged for finance.
pub async fn flagged(db: &Db, campaign_id: &str) -> anyhow::Result<Vec<String>> {
    with_db!(db, read, |pool| {
        sqlx::query_scalar(
            "SELECT id FROM grants WHERE campaign_id = $1 AND flag IS NOT NULL ORDER BY id",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .context("reading flagged grants")
    })
}

/// The journal's entries on cash grants, summed by kind.
pub async fn journal_sums(db: &Db, campaign_id: &str) -> anyhow::Result<Vec<(LedgerEvent, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT e.event, CAST(SUM(e.amount) AS BIGINT) FROM ledger_entries e JOIN grants g ON g.id = e.grant_id \
             WHERE e.campaign_id = $1 AND g.reward_type = 'cash' GROUP BY e.event",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .context("summing the journal")
    })
}

/// The journal's entries on cash grants, summed by kind and by the reporting day
/// (a day number since 1970 at `offset_ms`) the grant was made.
pub async fn journal_sums_by_day(
    db: &Db,
    campaign_id: &str,
    offset_ms: i64,
) -> anyhow::Result<Vec<(i64, LedgerEvent, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT CAST((g.granted_at + $2) / 86400000 AS BIGINT), e.event, CAST(SUM(e.amount) AS BIGINT) \
             FROM ledger_entries e JOIN grants g ON g.id = e.grant_id \
             WHERE e.campaign_id = $1 AND g.reward_type = 'cash' GROUP BY 1, 2",
        )
        .bind(campaign_id)
        .bind(offset_ms)
        .fetch_all(pool)
        .await
        .context("summing the journal per day")
    })
}

/// Payout lines of the campaign, summed by result.
pub async fn result_sums(db: &Db, campaign_id: &str) -> anyhow::Result<Vec<(LineStatus, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT l.status, CAST(SUM(l.amount) AS BIGINT) FROM payout_lines l JOIN payouts p ON p.id = l.payout_id \
             WHERE p.campaign_id = $1 GROUP BY l.status",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .context("summing payout results")
    })
}

//! Reading grants, stock and coupon pools; importing coupon codes.

use anyhow::Context;

use super::model::{Grant, GrantStatus, JournalRow, LedgerEvent, LedgerRow, LineStatus};
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
        sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT), \
                    CAST(COALESCE(SUM(CASE WHEN reward_type = 'cash' THEN amount ELSE 0 END), 0) AS BIGINT), \
                    CAST(COALESCE(SUM(CASE WHEN reward_type = 'cash' AND status = 'paid' THEN amount ELSE 0 END), 0) AS BIGINT) \
             FROM grants WHERE campaign_id = $1 AND status <> 'revoked'",
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
            "SELECT rule_id, CAST(COUNT(*) AS BIGINT) FROM grants \
             WHERE campaign_id = $1 AND status <> 'revoked' GROUP BY rule_id",
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

pub const EXPORT_PAGE: i64 = 5000;

/// One page of the ledger export after the cursor (granted_at, id).
pub async fn ledger_page(
    db: &Db,
    campaign_id: &str,
    after: &(i64, String),
) -> anyhow::Result<Vec<LedgerRow>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT g.id, p.code, p.phone, g.rule_id, g.reward_type, g.amount, g.currency, g.status, g.granted_at, g.paid_at, g.payout_id \
             FROM grants g JOIN participants p ON p.id = g.participant_id \
             WHERE g.campaign_id = $1 AND (g.granted_at, g.id) > ($2, $3) \
             ORDER BY g.granted_at, g.id LIMIT $4",
        )
        .bind(campaign_id)
        .bind(after.0)
        .bind(&after.1)
        .bind(EXPORT_PAGE)
        .fetch_all(pool)
        .await
        .context("reading a page of the ledger")
    })
}

/// One page of the journal (ledger entries in the order written) after entry `after`.
pub async fn journal_page(
    db: &Db,
    campaign_id: &str,
    after: i64,
) -> anyhow::Result<Vec<JournalRow>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT e.id, e.at, e.grant_id, p.code, p.phone, e.event, e.amount, e.actor, e.note \
             FROM ledger_entries e JOIN grants g ON g.id = e.grant_id JOIN participants p ON p.id = g.participant_id \
             WHERE e.campaign_id = $1 AND e.id > $2 ORDER BY e.id LIMIT $3",
        )
        .bind(campaign_id)
        .bind(after)
        .bind(EXPORT_PAGE)
        .fetch_all(pool)
        .await
        .context("reading a page of the journal")
    })
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

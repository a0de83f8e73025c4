//! Payout batches, their lines and the ledger entries they write. Functions taking a
//! [`Tx`] run inside the caller's write transaction (see `payouts.rs`).

use anyhow::Context;

use super::model::{LedgerEvent, LineStatus, PayoutLine};
use crate::db::{Db, Tx};
use crate::{on_tx, with_db};

/// A ledger entry to append.
pub struct Entry<'a> {
    pub grant_id: &'a str,
    pub campaign_id: &'a str,
    pub event: LedgerEvent,
    pub amount: i64,
    pub actor: &'a str,
    pub note: &'a str,
    pub at: i64,
}

pub async fn append(tx: &mut Tx<'_>, e: &Entry<'_>) -> anyhow::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("INSERT INTO ledger_entries (grant_id, campaign_id, event, amount, actor, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(e.grant_id)
            .bind(e.campaign_id)
            .bind(e.event)
            .bind(e.amount)
            .bind(e.actor)
            .bind(e.note)
            .bind(e.at)
            .execute(conn)
            .await
            .context("appending to the ledger")?;
    });
    Ok(())
}

/// Moves every granted, unbatched cash grant of the campaign into the batch.
pub async fn take_granted(
    tx: &mut Tx<'_>,
    payout_id: &str,
    campaign_id: &str,
) -> anyhow::Result<Vec<(String, i64)>> {
    on_tx!(tx, |conn| {
        sqlx::query_as(
            "UPDATE grants SET status = 'paying', payout_id = $1 \
             WHERE campaign_id = $2 AND reward_type = 'cash' AND status = 'granted' RETURNING id, amount",
        )
        .bind(payout_id)
        .bind(campaign_id)
        .fetch_all(conn)
        .await
        .context("taking grants into a payout batch")
    })
}

pub struct NewPayout<'a> {
    pub id: &'a str,
    pub campaign_id: &'a str,
    pub count: i64,
    pub total: i64,
    pub currency: &'a str,
    pub created_by: &'a str,
    pub at: i64,
}

pub async fn insert_payout(tx: &mut Tx<'_>, p: &NewPayout<'_>) -> anyhow::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("INSERT INTO payouts (id, campaign_id, count, total, currency, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(p.id)
            .bind(p.campaign_id)
            .bind(p.count)
            .bind(p.total)
            .bind(p.currency)
            .bind(p.created_by)
            .bind(p.at)
            .execute(conn)
            .await
            .context("storing a payout batch")?;
    });
    Ok(())
}

pub async fn insert_line(
    tx: &mut Tx<'_>,
    payout_id: &str,
    grant_id: &str,
    (line_no, out_detail_no): (i64, &str),
    amount: i64,
    at: i64,
) -> anyhow::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("INSERT INTO payout_lines (payout_id, grant_id, line_no, out_detail_no, amount, status, updated_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6)")
            .bind(payout_id)
            .bind(grant_id)
            .bind(line_no)
            .bind(out_detail_no)
            .bind(amount)
            .bind(at)
            .execute(conn)
            .await
            .context("storing a payout line")?;
    });
    Ok(())
}

/// How a result names its line: by grant (the JSON results) or by the merchant detail
/// id the batch file carried (a provider's result file).
pub enum LineKey {
    Grant(String),
    Detail(String),
}

/// A line's grant, status and amount.
pub async fn line(
    tx: &mut Tx<'_>,
    payout_id: &str,
    key: &LineKey,
) -> anyhow::Result<Option<(String, LineStatus, i64)>> {
    let (sql, value) = match key {
        LineKey::Grant(id) => (
            "SELECT grant_id, status, amount FROM payout_lines WHERE payout_id = $1 AND grant_id = $2",
            id,
        ),
        LineKey::Detail(no) => (
            "SELECT grant_id, status, amount FROM payout_lines WHERE payout_id = $1 AND out_detail_no = $2",
            no,
        ),
    };
    on_tx!(tx, |conn| {
        sqlx::query_as(sql)
            .bind(payout_id)
            .bind(value)
            .fetch_optional(conn)
            .await
            .context("reading a payout line")
    })
}

/// Keeps a result that contradicts the line's earlier one, for reconciliation.
pub async fn note_conflict(
    tx: &mut Tx<'_>,
    payout_id: &str,
    grant_id: &str,
    note: &str,
) -> anyhow::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE payout_lines SET result_note = $1 WHERE payout_id = $2 AND grant_id = $3",
        )
        .bind(note)
        .bind(payout_id)
        .bind(grant_id)
        .execute(conn)
        .await
        .context("noting a conflicting payout result")?;
    });
    Ok(())
}

pub async fn settle_line(
    tx: &mut Tx<'_>,
    payout_id: &str,
    grant_id: &str,
    status: LineStatus,
    provider_ref: Option<&str>,
    at: i64,
) -> anyhow::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE payout_lines SET status = $1, provider_ref = $2, updated_at = $3 WHERE payout_id = $4 AND grant_id = $5")
            .bind(status)
            .bind(provider_ref)
            .bind(at)
            .bind(payout_id)
            .bind(grant_id)
            .execute(conn)
            .await
            .context("recording a payout result")?;
    });
    Ok(())
}

pub async fn mark_paid(
    tx: &mut Tx<'_>,
    grant_id: &str,
    provider_ref: Option<&str>,
    at: i64,
) -> anyhow::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE grants SET status = 'paid', paid_at = $1, provider_ref = $2 WHERE id = $3 AND status = 'paying'")
            .bind(at)
            .bind(provider_ref)
            .bind(grant_id)
            .execute(conn)
            .await
            .context("marking a grant paid")?;
    });
    Ok(())
}

/// Puts a grant whose line failed back in the queue for the next batch. A grant revoked
/// while it was in the batch (flagged then) is revoked now instead, its amount back in
/// the budget, and never paid. Returns the amount revoked, if it was.
pub async fn requeue(tx: &mut Tx<'_>, grant_id: &str, at: i64) -> anyhow::Result<Option<i64>> {
    on_tx!(tx, |conn| {
        let queued = sqlx::query(
            "UPDATE grants SET status = 'granted', payout_id = NULL WHERE id = $1 AND status = 'paying' AND flag IS NULL",
        )
        .bind(grant_id)
        .execute(&mut *conn)
        .await
        .context("returning a failed grant to the queue")?;
        if queued.rows_affected() > 0 {
            return Ok(None);
        }
        let revoked: Option<(String, i64)> = sqlx::query_as(
            "UPDATE grants SET status = 'revoked', revoked_at = $1, payout_id = NULL, flag = NULL \
             WHERE id = $2 AND status = 'paying' AND flag = 'revoked_after_payment' RETURNING campaign_id, amount",
        )
        .bind(at)
        .bind(grant_id)
        .fetch_optional(&mut *conn)
        .await
        .context("revoking a failed grant that was revoked in its batch")?;
        let Some((campaign_id, amount)) = revoked else {
            return Ok(None);
        };
        sqlx::query("UPDATE campaigns SET budget_granted = budget_granted - $1 WHERE id = $2")
            .bind(amount)
            .bind(&campaign_id)
            .execute(&mut *conn)
            .await
            .context("returning a revoked grant's amount to the budget")?;
        Ok(Some(amount))
    })
}

/// A batch's campaign id and title, if the batch exists.
pub async fn batch(db: &Db, payout_id: &str) -> anyhow::Result<Option<(String, String)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT c.id, c.title FROM payouts p JOIN campaigns c ON c.id = p.campaign_id WHERE p.id = $1",
        )
        .bind(payout_id)
        .fetch_optional(pool)
        .await
        .context("reading a payout batch")
    })
}

/// The campaign a batch belongs to, if the batch exists.
pub async fn campaign_of(db: &Db, payout_id: &str) -> anyhow::Result<Option<String>> {
    with_db!(db, read, |pool| {
        sqlx::query_scalar("SELECT campaign_id FROM payouts WHERE id = $1")
            .bind(payout_id)
            .fetch_optional(pool)
            .await
            .context("reading a payout batch")
    })
}

pub async fn lines(db: &Db, payout_id: &str) -> anyhow::Result<Vec<PayoutLine>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT l.line_no, l.out_detail_no, l.grant_id, p.code, p.phone, p.name, l.amount, g.currency, l.status FROM payout_lines l \
             JOIN grants g ON g.id = l.grant_id JOIN participants p ON p.id = g.participant_id \
             WHERE l.payout_id = $1 ORDER BY l.line_no",
        )
        .bind(payout_id)
        .fetch_all(pool)
        .await
        .context("reading payout lines")
    })
}

/// Lines whose results contradicted each other: (payout, grant, note).
pub async fn conflicts(
    db: &Db,
    campaign_id: &str,
) -> anyhow::Result<Vec<(String, String, Option<String>)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT l.payout_id, l.grant_id, l.result_note FROM payout_lines l JOIN payouts p ON p.id = l.payout_id \
             WHERE p.campaign_id = $1 AND l.result_note IS NOT NULL ORDER BY l.payout_id, l.line_no",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .context("reading conflicting payout results")
    })
}

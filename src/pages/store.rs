//! What the phone pages write themselves: the shipping address of a physical prize.

use anyhow::Context;

use crate::db::{Db, Tx};
use crate::on_tx;

/// Where a participant's physical prizes go. Fills only grants without an address (an
/// address once given is changed by staff, not by whoever holds the page), and writes an
/// `address_given` ledger entry for each, in one transaction. Returns the grants filled.
pub async fn save_shipping(
    db: &Db,
    participant_id: &str,
    campaign_id: &str,
    shipping: String,
    now_ms: i64,
) -> anyhow::Result<Vec<String>> {
    let (participant, campaign) = (participant_id.to_owned(), campaign_id.to_owned());
    db.write_tx(move |tx| {
        Box::pin(async move { fill(tx, &participant, &campaign, &shipping, now_ms).await })
    })
    .await
    .context("saving a shipping address")
}

async fn fill(
    tx: &mut Tx<'_>,
    participant_id: &str,
    campaign_id: &str,
    shipping: &str,
    now_ms: i64,
) -> Result<Vec<String>, sqlx::Error> {
    on_tx!(tx, |conn| {
        let ids: Vec<String> = sqlx::query_scalar(
            "UPDATE grants SET shipping = $1 WHERE participant_id = $2 AND reward_type = 'physical' \
             AND shipping IS NULL AND status <> 'revoked' RETURNING id",
        )
        .bind(shipping)
        .bind(participant_id)
        .fetch_all(&mut *conn)
        .await?;
        for id in &ids {
            sqlx::query(
                "INSERT INTO ledger_entries (grant_id, campaign_id, event, amount, actor, note, at) \
                 VALUES ($1, $2, 'address_given', 0, 'participant', NULL, $3)",
            )
            .bind(id)
            .bind(campaign_id)
            .bind(now_ms)
            .execute(&mut *conn)
            .await?;
        }
        Ok(ids)
    })
}

/// One of an inviter's referrals, for their page.
#[derive(sqlx::FromRow)]
pub struct InviteeRow {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub state: String,
    pub cancel_reason: Option<String>,
    pub hold_until: Option<i64>,
    pub created_at: i64,
}

/// The people a participant invited, newest first (at most `limit`).
pub async fn invitees(db: &Db, inviter_id: &str, limit: i64) -> anyhow::Result<Vec<InviteeRow>> {
    crate::with_db!(db, read, |pool| sqlx::query_as(
        "SELECT p.name, p.phone, r.state, r.cancel_reason, r.hold_until, r.created_at \
         FROM referrals r JOIN participants p ON p.id = r.invitee_id \
         WHERE r.inviter_id = $1 ORDER BY r.created_at DESC LIMIT $2"
    )
    .bind(inviter_id)
    .bind(limit)
    .fetch_all(pool)
    .await)
    .context("listing an inviter's invitees")
}

//! What privacy requests read and write: a person's own data and its erasure.

use anyhow::Context;

use super::model::ConsentChannel;
use crate::db::{Db, Tx};
use crate::{on_tx, with_db};

/// The personal columns of a participant row, unmasked.
#[derive(Debug, sqlx::FromRow)]
pub struct PersonalRow {
    pub phone: Option<String>,
    pub name: Option<String>,
    pub visitor_hash: Option<String>,
    pub ip_hash: Option<String>,
    pub consent_at: Option<i64>,
    pub consent_text_sha256: Option<String>,
    pub consent_channel: Option<ConsentChannel>,
    pub erased_at: Option<i64>,
}

pub async fn personal(db: &Db, participant_id: &str) -> anyhow::Result<PersonalRow> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT phone, name, visitor_hash, ip_hash, consent_at, consent_text_sha256, consent_channel, erased_at \
             FROM participants WHERE id = $1",
        )
        .bind(participant_id)
        .fetch_one(pool)
        .await
        .context("reading a participant's personal data")
    })
}

/// A "提醒我" sign-up of the person's phone for the campaign: stored as typed until the
/// reminder is sent, then as its keyed hash (`hashed`, see `pages::reminders`).
#[derive(Debug, sqlx::FromRow)]
pub struct ReminderRow {
    pub phone: String,
    pub consent_text_sha256: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub failed_at: Option<i64>,
}

/// The phone as a reminder row holds it: before sending, and after (its keyed hash).
pub struct ReminderPhone {
    pub campaign_id: String,
    pub phone: String,
    pub hashed: String,
}

pub async fn reminders(db: &Db, who: &ReminderPhone) -> anyhow::Result<Vec<ReminderRow>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT phone, consent_text_sha256, created_at, sent_at, failed_at FROM campaign_reminders \
             WHERE campaign_id = $1 AND phone IN ($2, $3) ORDER BY created_at",
        )
        .bind(&who.campaign_id)
        .bind(&who.phone)
        .bind(&who.hashed)
        .fetch_all(pool)
        .await
        .context("reading a person's reminder sign-ups")
    })
}

/// The referral that brought the person in.
#[derive(Debug, sqlx::FromRow)]
pub struct ReferralRow {
    pub state: String,
    pub created_at: i64,
    pub joined_at: Option<i64>,
    pub hold_until: Option<i64>,
    pub qualified_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub cancel_reason: Option<String>,
}

pub async fn referral(db: &Db, participant_id: &str) -> anyhow::Result<Option<ReferralRow>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT state, created_at, joined_at, hold_until, qualified_at, cancelled_at, cancel_reason \
             FROM referrals WHERE invitee_id = $1",
        )
        .bind(participant_id)
        .fetch_optional(pool)
        .await
        .context("reading the referral of a participant")
    })
}

/// A group event about the person, with the identifiers the group tool sent.
#[derive(Debug, sqlx::FromRow)]
pub struct GroupEventRow {
    pub group_id: String,
    pub kind: String,
    pub member_ref: Option<String>,
    pub phone: Option<String>,
    pub occurred_at: i64,
}

pub async fn group_events(db: &Db, participant_id: &str) -> anyhow::Result<Vec<GroupEventRow>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT group_id, kind, member_ref, phone, occurred_at FROM group_events \
             WHERE participant_id = $1 ORDER BY occurred_at, id",
        )
        .bind(participant_id)
        .fetch_all(pool)
        .await
        .context("reading a participant's group events")
    })
}

pub async fn member_refs(db: &Db, participant_id: &str) -> anyhow::Result<Vec<String>> {
    with_db!(db, read, |pool| {
        sqlx::query_scalar(
            "SELECT member_ref FROM member_refs WHERE participant_id = $1 ORDER BY created_at",
        )
        .bind(participant_id)
        .fetch_all(pool)
        .await
        .context("reading a participant's member references")
    })
}

/// One ledger entry of one of the person's grants.
#[derive(Debug, sqlx::FromRow)]
pub struct LedgerRow {
    pub grant_id: String,
    pub event: String,
    pub amount: i64,
    pub actor: String,
    pub note: Option<String>,
    pub at: i64,
}

pub async fn ledger(db: &Db, participant_id: &str) -> anyhow::Result<Vec<LedgerRow>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT l.grant_id, l.event, l.amount, l.actor, l.note, l.at FROM ledger_entries l \
             JOIN grants g ON g.id = l.grant_id WHERE g.participant_id = $1 ORDER BY l.at, l.grant_id",
        )
        .bind(participant_id)
        .fetch_all(pool)
        .await
        .context("reading a participant's ledger entries")
    })
}

/// Erases the person's phone, name, shipping addresses, device hashes, WeChat openid, the
/// identifiers group tools sent for them and their "提醒我" sign-ups for the campaign. The
/// row stays as a tombstone (id, code, chain), so grants and the ledger keep their
/// amounts. Returns when the person was erased (the first erasure's time when it is
/// repeated).
pub async fn erase(
    tx: &mut Tx<'_>,
    participant_id: &str,
    reminder: Option<&ReminderPhone>,
    now_ms: i64,
) -> sqlx::Result<i64> {
    crate::wechat::identity_store::forget(tx, participant_id).await?;
    on_tx!(tx, |conn| {
        // A reminder sign-up is the phone and the consent to one message: it goes whole.
        if let Some(r) = reminder {
            sqlx::query(
                "DELETE FROM campaign_reminders WHERE campaign_id = $1 AND phone IN ($2, $3)",
            )
            .bind(&r.campaign_id)
            .bind(&r.phone)
            .bind(&r.hashed)
            .execute(&mut *conn)
            .await?;
        }
        let erased_at: i64 = sqlx::query_scalar(
            "UPDATE participants SET phone = NULL, name = NULL, avatar_asset = NULL, visitor_hash = NULL, ip_hash = NULL, \
             device_id = NULL, net_hint = NULL, ua_profile = NULL, \
             erased_at = COALESCE(erased_at, $2) WHERE id = $1 RETURNING erased_at",
        )
        .bind(participant_id)
        .bind(now_ms)
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query(
            "UPDATE grants SET shipping = NULL WHERE participant_id = $1 AND shipping IS NOT NULL",
        )
        .bind(participant_id)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "UPDATE group_events SET phone = NULL, member_ref = NULL WHERE participant_id = $1",
        )
        .bind(participant_id)
        .execute(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM member_refs WHERE participant_id = $1")
            .bind(participant_id)
            .execute(&mut *conn)
            .await?;
        Ok(erased_at)
    })
}

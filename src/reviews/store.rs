//! The queue's reads and a decision's writes. Every write is conditional on the
//! referral still being held, so of two reviewers exactly one decides.

use anyhow::Context;

use super::model::Decision;
use crate::audit::{Actor, ActorKind};
use crate::db::{Db, Tx};
use crate::fraud::store::FlagRow;
use crate::participants::model::ReferralState;
use crate::participants::qualification::{ON_APPROVED, ON_REJECTED};
use crate::{on_tx, with_db};

/// A held referral with the evidence a reviewer weighs.
#[derive(Debug, sqlx::FromRow)]
pub struct HeldRow {
    pub invitee_id: String,
    pub invitee_code: String,
    pub phone: Option<String>,
    pub channel: String,
    pub inviter_code: String,
    pub created_at: i64,
    /// When a rule held it (a hold at sign-up has none: then `created_at`).
    pub held_at: Option<i64>,
    /// The invitee is in a group of the campaign now.
    pub in_group: bool,
    /// Milliseconds since the inviter's previous invitee signed up (bursts).
    pub since_previous_ms: Option<i64>,
    pub inviter_invitees: i64,
    pub inviter_held: i64,
}

const HELD: &str = "SELECT r.invitee_id, p.code AS invitee_code, p.phone, p.channel, i.code AS inviter_code, \
     r.created_at, r.cancelled_at AS held_at, \
     EXISTS (SELECT 1 FROM group_assignments g WHERE g.participant_id = r.invitee_id AND g.state = 'joined') AS in_group, \
     r.created_at - (SELECT MAX(o.created_at) FROM referrals o WHERE o.inviter_id = r.inviter_id \
        AND o.created_at < r.created_at) AS since_previous_ms, \
     (SELECT COUNT(*) FROM referrals o WHERE o.inviter_id = r.inviter_id) AS inviter_invitees, \
     (SELECT COUNT(*) FROM referrals o WHERE o.inviter_id = r.inviter_id AND o.state = 'held') AS inviter_held \
     FROM referrals r JOIN participants p ON p.id = r.invitee_id JOIN participants i ON i.id = r.inviter_id \
     WHERE r.campaign_id = $1 AND r.state = 'held'";

/// Up to `limit` held referrals of a campaign after the cursor, oldest first.
pub async fn held(
    db: &Db,
    campaign_id: &str,
    after: Option<&(i64, String)>,
    limit: i64,
) -> anyhow::Result<Vec<HeldRow>> {
    let (at, id) = after.cloned().unwrap_or((i64::MIN, String::new()));
    let sql = format!(
        "{HELD} AND (r.created_at > $2 OR (r.created_at = $2 AND r.invitee_id > $3)) \
         ORDER BY r.created_at, r.invitee_id LIMIT {limit}"
    );
    with_db!(db, read, |pool| {
        sqlx::query_as(&sql)
            .bind(campaign_id)
            .bind(at)
            .bind(&id)
            .fetch_all(pool)
            .await
            .context("reading the review queue")
    })
}

/// The held referrals of a campaign a bulk decision covers: flagged by `rule`, and/or
/// invited by the participant with code `inviter`.
pub async fn held_matching(
    db: &Db,
    campaign_id: &str,
    rule: Option<&str>,
    inviter: Option<&str>,
) -> anyhow::Result<Vec<String>> {
    with_db!(db, read, |pool| {
        sqlx::query_scalar(
            "SELECT p.code FROM referrals r JOIN participants p ON p.id = r.invitee_id \
             JOIN participants i ON i.id = r.inviter_id WHERE r.campaign_id = $1 AND r.state = 'held' \
             AND ($2 IS NULL OR EXISTS (SELECT 1 FROM fraud_flags f WHERE f.participant_id = r.invitee_id AND f.rule = $2)) \
             AND ($3 IS NULL OR i.code = $3) ORDER BY r.created_at, r.invitee_id",
        )
        .bind(campaign_id)
        .bind(rule)
        .bind(inviter)
        .fetch_all(pool)
        .await
        .context("finding held referrals for a bulk decision")
    })
}

/// The fraud flags of these participants, oldest first.
pub async fn flags(db: &Db, participant_ids: &[String]) -> anyhow::Result<Vec<FlagRow>> {
    crate::fraud::store::flags(db, participant_ids)
        .await
        .context("reading fraud flags")
}

/// The invitee's earliest current group join in the campaign.
pub async fn first_join(tx: &mut Tx<'_>, invitee_id: &str) -> sqlx::Result<Option<i64>> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar(
            "SELECT MIN(joined_at) FROM group_assignments WHERE participant_id = $1 AND state = 'joined'",
        )
        .bind(invitee_id)
        .fetch_one(&mut *conn)
        .await
    })
}

/// The referral's state now (inside the deciding transaction).
pub async fn state(tx: &mut Tx<'_>, invitee_id: &str) -> sqlx::Result<Option<ReferralState>> {
    on_tx!(tx, |conn| {
        sqlx::query_scalar("SELECT state FROM referrals WHERE invitee_id = $1")
            .bind(invitee_id)
            .fetch_optional(&mut *conn)
            .await
    })
}

/// Moves a held referral on; false when it is no longer held (someone decided first).
pub async fn approve(
    tx: &mut Tx<'_>,
    invitee_id: &str,
    next: (&str, Option<i64>, Option<i64>, Option<i64>),
) -> sqlx::Result<bool> {
    let (state, joined_at, hold_until, qualified_at) = next;
    on_tx!(tx, |conn| {
        let done = sqlx::query(ON_APPROVED)
            .bind(state)
            .bind(joined_at)
            .bind(hold_until)
            .bind(qualified_at)
            .bind(invitee_id)
            .execute(&mut *conn)
            .await?;
        Ok(done.rows_affected() == 1)
    })
}

/// Cancels a held referral; false when it is no longer held.
pub async fn reject(tx: &mut Tx<'_>, invitee_id: &str, now_ms: i64) -> sqlx::Result<bool> {
    on_tx!(tx, |conn| {
        let done = sqlx::query(ON_REJECTED)
            .bind(now_ms)
            .bind(invitee_id)
            .execute(&mut *conn)
            .await?;
        Ok(done.rows_affected() == 1)
    })
}

/// A decision as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DecisionRow {
    pub decision: Decision,
    pub note: String,
    pub actor_kind: ActorKind,
    pub actor_id: String,
    pub actor: String,
    pub decided_at: i64,
}

pub async fn decision(tx: &mut Tx<'_>, invitee_id: &str) -> sqlx::Result<Option<DecisionRow>> {
    on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT decision, note, actor_kind, actor_id, actor, decided_at FROM referral_reviews WHERE invitee_id = $1",
        )
        .bind(invitee_id)
        .fetch_optional(&mut *conn)
        .await
    })
}

/// Records the decision (replacing an earlier one about a referral held again).
pub async fn save(
    tx: &mut Tx<'_>,
    invitee_id: &str,
    campaign_id: &str,
    d: &DecisionRow,
) -> sqlx::Result<()> {
    on_tx!(tx, |conn| {
        sqlx::query(
            "INSERT INTO referral_reviews (invitee_id, campaign_id, decision, note, actor_kind, actor_id, actor, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (invitee_id) DO UPDATE SET \
             decision = excluded.decision, note = excluded.note, actor_kind = excluded.actor_kind, \
             actor_id = excluded.actor_id, actor = excluded.actor, decided_at = excluded.decided_at",
        )
        .bind(invitee_id)
        .bind(campaign_id)
        .bind(d.decision)
        .bind(&d.note)
        .bind(d.actor_kind)
        .bind(&d.actor_id)
        .bind(&d.actor)
        .bind(d.decided_at)
        .execute(&mut *conn)
        .await
        .map(|_| ())
    })
}

impl DecisionRow {
    pub fn new(decision: Decision, note: &str, actor: &Actor, at_ms: i64) -> DecisionRow {
        DecisionRow {
            decision,
            note: note.to_owned(),
            actor_kind: actor.kind,
            actor_id: actor.id.clone(),
            actor: actor.name.clone(),
            decided_at: at_ms,
        }
    }
}

use anyhow::Context;

use crate::fraud::store::FlagRow;

use super::model::{ParticipantKind, ParticipantStatus, ReferralState};
use crate::db::Db;
use crate::with_db;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Participant {
    pub id: String,
    pub campaign_id: String,
    pub code: String,
    pub phone: Option<String>,
    pub name: Option<String>,
    pub kind: ParticipantKind,
    pub channel: String,
    pub inviter_id: Option<String>,
    pub generation: i64,
    pub status: ParticipantStatus,
    pub visitor_hash: Option<String>,
    pub created_at: i64,
}

pub const COLUMNS: &str =
    "id, campaign_id, code, phone, name, kind, channel, inviter_id, generation, status, visitor_hash, created_at";

impl Participant {
    /// What a poster or a leaderboard may show: the nickname, else the masked phone.
    pub fn display_name(&self) -> String {
        match (&self.name, &self.phone) {
            (Some(name), _) if !name.is_empty() => name.clone(),
            (_, Some(phone)) => super::phone::mask(phone),
            _ => String::new(),
        }
    }

    pub fn phone_masked(&self) -> Option<String> {
        self.phone.as_deref().map(super::phone::mask)
    }
}

pub async fn by_code(
    db: &Db,
    campaign_id: &str,
    code: &str,
) -> anyhow::Result<Option<Participant>> {
    let sql = format!("SELECT {COLUMNS} FROM participants WHERE code = $1 AND campaign_id = $2");
    with_db!(db, read, |pool| sqlx::query_as(&sql)
        .bind(code)
        .bind(campaign_id)
        .fetch_optional(pool)
        .await)
    .context("finding a participant by invite code")
}

/// How many people left their number in a campaign (seeds are staff, not counted).
pub async fn count_leads(db: &Db, campaign_id: &str) -> anyhow::Result<i64> {
    with_db!(db, read, |pool| {
        sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM participants WHERE campaign_id = $1 AND kind = 'lead'"
    )
    .bind(campaign_id)
    .fetch_one(pool)
    .await
    })
    .context("counting a campaign's participants")
}

pub async fn by_id(db: &Db, id: &str) -> anyhow::Result<Option<Participant>> {
    let sql = format!("SELECT {COLUMNS} FROM participants WHERE id = $1");
    with_db!(db, read, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await)
    .context("finding a participant by id")
}

/// The first seed participants of a campaign.
pub async fn seeds(db: &Db, campaign_id: &str, limit: i64) -> anyhow::Result<Vec<Participant>> {
    let sql = format!("SELECT {COLUMNS} FROM participants WHERE campaign_id = $1 AND kind = 'seed' ORDER BY created_at, id LIMIT $2");
    with_db!(db, read, |pool| sqlx::query_as(&sql)
        .bind(campaign_id)
        .bind(limit)
        .fetch_all(pool)
        .await)
    .context("reading a campaign's seed participants")
}

pub async fn by_phone(
    db: &Db,
    campaign_id: &str,
    phone: &str,
) -> anyhow::Result<Option<Participant>> {
    let sql = format!("SELECT {COLUMNS} FROM participants WHERE campaign_id = $1 AND phone = $2");
    with_db!(db, write, |pool| sqlx::query_as(&sql)
        .bind(campaign_id)
        .bind(phone)
        .fetch_optional(pool)
        .await)
    .context("finding a participant by phone")
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InviteeRow {
    pub code: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub status: ParticipantStatus,
    pub channel: String,
    pub created_at: i64,
    pub referral_state: ReferralState,
    pub hold_until: Option<i64>,
    pub cancel_reason: Option<String>,
}

pub async fn invitees(db: &Db, inviter_id: &str, limit: i64) -> anyhow::Result<Vec<InviteeRow>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT p.code, p.name, p.phone, p.status, p.channel, p.created_at, r.state AS referral_state, \
                    r.hold_until, r.cancel_reason \
             FROM referrals r JOIN participants p ON p.id = r.invitee_id \
             WHERE r.inviter_id = $1 ORDER BY r.created_at LIMIT $2",
        )
        .bind(inviter_id)
        .bind(limit)
        .fetch_all(pool)
        .await
    })
    .context("reading an inviter's invitees")
}

/// An inviter's referrals by state: (qualified, pending or holding).
pub async fn referral_counts(db: &Db, inviter_id: &str) -> anyhow::Result<(i64, i64)> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN state = 'qualified' THEN 1 ELSE 0 END), 0) AS BIGINT), \
                    CAST(COALESCE(SUM(CASE WHEN state IN ('pending', 'holding') THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM referrals WHERE inviter_id = $1",
        )
        .bind(inviter_id)
        .fetch_one(pool)
        .await
    })
    .context("counting an inviter's referrals")
}

/// A participant's fraud flags, oldest first.
pub async fn fraud_flags(db: &Db, participant_id: &str) -> anyhow::Result<Vec<FlagRow>> {
    crate::fraud::store::flags(db, &[participant_id.to_owned()])
        .await
        .context("reading a participant's fraud flags")
}

/// The fraud rules that flagged an inviter's invitees, for the chain's "why":
/// (invitee code, rule).
pub async fn invitee_flags(db: &Db, inviter_id: &str) -> anyhow::Result<Vec<(String, String)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT p.code, f.rule FROM fraud_flags f \
             JOIN referrals r ON r.invitee_id = f.participant_id JOIN participants p ON p.id = f.participant_id \
             WHERE r.inviter_id = $1 ORDER BY f.created_at",
        )
        .bind(inviter_id)
        .fetch_all(pool)
        .await
        .context("reading the fraud flags of an inviter's invitees")
    })
}

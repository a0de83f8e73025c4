//! Lead capture: a phone number left on a campaign page becomes a participant, credited
//! to the first valid inviter. Idempotent per phone per campaign; never re-attributed.

use chrono::{DateTime, Utc};

use super::code::{Channel, InviteCode};
use super::phone::Phone;
use super::store::{self, Participant, COLUMNS};
use crate::campaigns::{Campaign, Openness};
use crate::db::time::{day, to_ms};
use crate::db::{is_unique_violation, Db};
use crate::fraud::{lead_flags, LeadSignals};
use crate::with_db;

#[derive(Debug)]
pub struct Lead {
    pub phone: Phone,
    pub name: Option<String>,
    pub inviter: Option<InviteCode>,
    pub channel: Channel,
    pub visitor_hash: Option<String>,
    pub ip_hash: Option<String>,
}

#[derive(Debug)]
pub enum Captured {
    /// A new participant; `inviter` is the code credited, if any.
    New { participant: Participant, inviter: Option<String> },
    /// This phone already took part: same participant, no new credit.
    Existing { participant: Participant, inviter: Option<String> },
}

impl Captured {
    pub fn participant(&self) -> &Participant {
        match self {
            Captured::New { participant, .. } | Captured::Existing { participant, .. } => participant,
        }
    }
    pub fn inviter_code(&self) -> Option<&str> {
        match self {
            Captured::New { inviter, .. } | Captured::Existing { inviter, .. } => inviter.as_deref(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LeadError {
    #[error("the campaign is not open ({0:?})")]
    Closed(Openness),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

#[derive(sqlx::FromRow)]
struct InviterRow {
    id: String,
    code: String,
    generation: i64,
    visitor_hash: Option<String>,
    channel: String,
}

/// The state a new referral starts in, from the campaign's qualification terms.
fn initial_referral(campaign: &Campaign, now: DateTime<Utc>) -> (&'static str, Option<i64>, Option<i64>) {
    let q = campaign.spec.qualification;
    let hold_until = to_ms(now) + i64::from(q.hold_hours) * 3_600_000;
    match (q.require_group_join, q.hold_hours) {
        (true, _) => ("pending", None, None),
        (false, 0) => ("qualified", None, Some(to_ms(now))),
        (false, _) => ("holding", Some(hold_until), None),
    }
}

pub async fn capture(
    db: &Db,
    campaign: &Campaign,
    lead: &Lead,
    now: DateTime<Utc>,
    day_offset_minutes: i32,
) -> Result<Captured, LeadError> {
    let openness = campaign.openness(now);
    if openness != Openness::Open {
        return Err(LeadError::Closed(openness));
    }
    for _attempt in 0..3 {
        match try_insert(db, campaign, lead, now, day_offset_minutes).await {
            Ok(Some(captured)) => return Ok(captured),
            Ok(None) => break,
            // Two fresh codes colliding is a ~2^-49 event; try again with a new one.
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    let participant = store::by_phone(db, &campaign.id, lead.phone.as_str())
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let inviter = match &participant.inviter_id {
        Some(id) => store::by_id(db, id).await?.map(|p| p.code),
        None => None,
    };
    Ok(Captured::Existing { participant, inviter })
}

/// One transaction: find the inviter, insert the participant unless the phone is known,
/// record the referral. `Ok(None)` means the phone already took part.
async fn try_insert(
    db: &Db,
    campaign: &Campaign,
    lead: &Lead,
    now: DateTime<Utc>,
    day_offset_minutes: i32,
) -> Result<Option<Captured>, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    let code = InviteCode::generate();
    let (state, hold_until, qualified_at) = initial_referral(campaign, now);
    let fraud = &campaign.spec.fraud;
    let insert = format!(
        "INSERT INTO participants (id, campaign_id, code, phone, name, kind, channel, inviter_id, generation, status, \
         visitor_hash, ip_hash, created_at, created_day) \
         VALUES ($1, $2, $3, $4, $5, 'lead', $6, $7, $8, 'lead', $9, $10, $11, $12) \
         ON CONFLICT (campaign_id, phone) DO NOTHING RETURNING {COLUMNS}"
    );
    with_db!(db, write |pool| {
        let mut tx = pool.begin().await?;
        let inviter: Option<InviterRow> = match &lead.inviter {
            Some(code) => {
                sqlx::query_as("SELECT id, code, generation, visitor_hash, channel FROM participants WHERE code = $1 AND campaign_id = $2")
                    .bind(code.as_str())
                    .bind(&campaign.id)
                    .fetch_optional(&mut *tx)
                    .await?
            }
            None => None,
        };
        let participant: Option<Participant> = sqlx::query_as(&insert)
            .bind(&id)
            .bind(&campaign.id)
            .bind(code.as_str())
            .bind(lead.phone.as_str())
            .bind(lead.name.as_deref())
            // Friends of a staff member's poster belong to that staff member's channel.
            .bind(match (&inviter, lead.channel.as_str()) {
                (Some(i), "") => i.channel.as_str(),
                (_, channel) => channel,
            })
            .bind(inviter.as_ref().map(|i| i.id.as_str()))
            .bind(inviter.as_ref().map_or(0, |i| i.generation + 1))
            .bind(lead.visitor_hash.as_deref())
            .bind(lead.ip_hash.as_deref())
            .bind(to_ms(now))
            .bind(day(now, day_offset_minutes))
            .fetch_optional(&mut *tx)
            .await?;
        let Some(participant) = participant else {
            tx.rollback().await?;
            return Ok(None);
        };
        let recent_from_same_ip: i64 = match &lead.ip_hash {
            Some(ip_hash) => {
                let since = to_ms(now) - i64::from(fraud.ip_burst_minutes) * 60_000;
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM participants WHERE campaign_id = $1 AND ip_hash = $2 AND created_at >= $3 AND id <> $4",
                )
                .bind(&campaign.id)
                .bind(ip_hash)
                .bind(since)
                .bind(&participant.id)
                .fetch_one(&mut *tx)
                .await?
            }
            None => 0,
        };
        let signals = LeadSignals {
            visitor_hash: lead.visitor_hash.as_deref(),
            inviter_visitor_hash: inviter.as_ref().and_then(|i| i.visitor_hash.as_deref()),
            recent_from_same_ip,
        };
        let flags = lead_flags(&signals, fraud);
        for flag in &flags {
            sqlx::query(
                "INSERT INTO fraud_flags (id, participant_id, campaign_id, rule, reason, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (participant_id, rule) DO NOTHING",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(&participant.id)
            .bind(&campaign.id)
            .bind(flag.rule)
            .bind(&flag.reason)
            .bind(to_ms(now))
            .execute(&mut *tx)
            .await?;
        }
        // A flagged referral is held for review instead of counting.
        let (state, hold_until, qualified_at) = if flags.is_empty() { (state, hold_until, qualified_at) } else { ("held", None, None) };
        if let Some(inviter) = &inviter {
            sqlx::query(
                "INSERT INTO referrals (invitee_id, inviter_id, campaign_id, state, created_at, hold_until, qualified_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&participant.id)
            .bind(&inviter.id)
            .bind(&campaign.id)
            .bind(state)
            .bind(to_ms(now))
            .bind(hold_until)
            .bind(qualified_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(Captured::New { participant, inviter: inviter.map(|i| i.code) }))
    })
}

/// Seeds: staff and KOC participants who start the chains, one channel per batch.
pub async fn create_seeds(
    db: &Db,
    campaign: &Campaign,
    channel: &Channel,
    names: &[String],
    now: DateTime<Utc>,
    day_offset_minutes: i32,
) -> Result<Vec<Participant>, sqlx::Error> {
    let insert = format!(
        "INSERT INTO participants (id, campaign_id, code, name, kind, channel, generation, status, created_at, created_day) \
         VALUES ($1, $2, $3, $4, 'seed', $5, 0, 'seed', $6, $7) RETURNING {COLUMNS}"
    );
    with_db!(db, write |pool| {
        let mut tx = pool.begin().await?;
        let mut seeds = Vec::with_capacity(names.len());
        for name in names {
            let seed: Participant = sqlx::query_as(&insert)
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(&campaign.id)
                .bind(InviteCode::generate().as_str())
                .bind(name)
                .bind(channel.as_str())
                .bind(to_ms(now))
                .bind(day(now, day_offset_minutes))
                .fetch_one(&mut *tx)
                .await?;
            seeds.push(seed);
        }
        tx.commit().await?;
        Ok(seeds)
    })
}

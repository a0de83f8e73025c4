//! Lead capture: a phone number left on a campaign page becomes a participant, credited
//! to the first valid inviter. Idempotent per phone per campaign; never re-attributed.

use chrono::{DateTime, Utc};

use super::code::{Channel, InviteCode};
use super::lead_write::{self, NewLead};
use super::model::Consent;
use super::phone::Phone;
use super::store::{self, Participant};
use crate::campaigns::{Campaign, Openness};
use crate::db::time::{day, to_ms};
use crate::db::{is_deadlock, is_unique_violation, Db};
use crate::fraud::device::Device;
use crate::fraud::signals::Member;
use crate::groups::model::Group;
use crate::groups::routing::RouteTerms;
use crate::with_db;

#[derive(Debug)]
pub struct Lead {
    pub phone: Phone,
    pub name: Option<String>,
    pub inviter: Option<InviteCode>,
    pub channel: Channel,
    /// The device it came from (visitor cookie, or the network hint).
    pub device: Device,
    pub ip_hash: Option<String>,
    /// The participant this browser already joined as (its participant cookie), if any.
    pub me_code: Option<String>,
    /// Recorded with a new participant; a phone that had joined keeps its first consent.
    pub consent: Consent,
}

#[derive(Debug)]
pub enum Captured {
    /// A new participant; `inviter` is the code credited, if any.
    New {
        participant: Participant,
        inviter: Option<String>,
    },
    /// This phone already took part: same participant, no new credit.
    Existing {
        participant: Participant,
        inviter: Option<String>,
    },
}

impl Captured {
    pub fn participant(&self) -> &Participant {
        match self {
            Captured::New { participant, .. } | Captured::Existing { participant, .. } => {
                participant
            }
        }
    }
    pub fn inviter_code(&self) -> Option<&str> {
        match self {
            Captured::New { inviter, .. } | Captured::Existing { inviter, .. } => {
                inviter.as_deref()
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LeadError {
    #[error("the campaign is not open ({0:?})")]
    Closed(Openness),
    /// A storage failure, with what was being done when it failed.
    #[error(transparent)]
    Db(#[from] anyhow::Error),
}

impl From<sqlx::Error> for LeadError {
    fn from(err: sqlx::Error) -> Self {
        LeadError::Db(anyhow::Error::new(err).context("capturing a lead"))
    }
}

#[derive(sqlx::FromRow)]
struct InviterRow {
    id: String,
    code: String,
    generation: i64,
    channel: String,
}

/// The state a new referral starts in, from the campaign's qualification terms.
fn initial_referral(
    campaign: &Campaign,
    now: DateTime<Utc>,
) -> (&'static str, Option<i64>, Option<i64>) {
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
    let (captured, _) = capture_in(db, campaign, lead, now, day_offset_minutes, false).await?;
    Ok(captured)
}

/// Captures the lead and routes the person to a group (the live code), `None` when no
/// group is open for them. A new person's seat is taken in the same write as the lead.
pub async fn capture_and_route(
    db: &Db,
    campaign: &Campaign,
    lead: &Lead,
    now: DateTime<Utc>,
    day_offset_minutes: i32,
) -> Result<(Captured, Option<Group>), LeadError> {
    let (captured, group) = capture_in(db, campaign, lead, now, day_offset_minutes, true).await?;
    let group = match &captured {
        Captured::New { .. } => group,
        Captured::Existing { participant, .. } => {
            crate::groups::routing::route(db, campaign, &participant.id, now).await?
        }
    };
    Ok((captured, group))
}

async fn capture_in(
    db: &Db,
    campaign: &Campaign,
    lead: &Lead,
    now: DateTime<Utc>,
    day_offset_minutes: i32,
    route: bool,
) -> Result<(Captured, Option<Group>), LeadError> {
    let openness = campaign.openness(now);
    if openness != Openness::Open {
        return Err(LeadError::Closed(openness));
    }
    const ATTEMPTS: u32 = 5;
    for attempt in 1..=ATTEMPTS {
        match try_insert(db, campaign, lead, now, day_offset_minutes, route).await {
            Ok(Some(new)) => return Ok(new),
            Ok(None) => break,
            // Two fresh codes colliding is a ~2^-49 event; two batches on PostgreSQL
            // waiting on each other's rows (the same inviter's or phone's) lose one to
            // the deadlock detector. Either way the lead is tried again; when every
            // attempt lost, the last error is the answer (not a lookup of a phone that
            // was never stored).
            Err(e) if (is_unique_violation(&e) || is_deadlock(&e)) && attempt < ATTEMPTS => {
                continue
            }
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
    let existing = Captured::Existing {
        participant,
        inviter,
    };
    Ok((existing, None))
}

/// Reads what the lead needs to know (the inviter, its neighbourhood for the fraud rules)
/// on the read pool, then writes the participant, its flags and its referral in one short
/// transaction (with the person's seat when `route`). `Ok(None)` means the phone already
/// took part.
async fn try_insert(
    db: &Db,
    campaign: &Campaign,
    lead: &Lead,
    now: DateTime<Utc>,
    day_offset_minutes: i32,
    route: bool,
) -> Result<Option<(Captured, Option<Group>)>, sqlx::Error> {
    let inviter = match &lead.inviter {
        Some(code) => find_inviter(db, &campaign.id, code).await?,
        None => None,
    };
    let id = uuid::Uuid::now_v7().to_string();
    let (device, named_by_cookie) = crate::fraud::service::lead_device(
        db,
        &campaign.id,
        &lead.device,
        lead.me_code.as_deref(),
        lead.phone.as_str(),
    )
    .await?;
    let candidate = Member {
        id: id.clone(),
        inviter_id: inviter.as_ref().map(|i| i.id.clone()),
        phone: Some(lead.phone.as_str().to_owned()),
        device_id: Some(device.id.clone()),
        device_source: Some(device.source.as_str().to_owned()),
        ua_profile: Some(device.ua_profile.clone()),
        net_hint: Some(device.net_hint.clone()),
        ip_hash: lead.ip_hash.clone(),
        created_at: to_ms(now),
        quick_left: false,
        returned: false,
    };
    let flags = crate::fraud::service::judge_new_lead(
        db,
        campaign,
        candidate.clone(),
        named_by_cookie,
        now,
    )
    .await?;
    let score = crate::fraud::risk_score(flags.iter().map(|f| f.weight));
    // A referral the rules doubt starts held for review instead of counting.
    let (state, hold_until, qualified_at) = match campaign.spec.fraud.verdict(score) {
        crate::fraud::Verdict::Pass => initial_referral(campaign, now),
        _ => ("held", None, None),
    };
    // Friends of a staff member's poster belong to that staff member's channel.
    let channel = match (&inviter, lead.channel.as_str()) {
        (Some(i), "") => i.channel.clone(),
        (_, channel) => channel.to_owned(),
    };
    let seat = route.then(|| RouteTerms::new(campaign, &id, now));
    let new = NewLead {
        id,
        campaign_id: campaign.id.clone(),
        code: InviteCode::generate(),
        phone: lead.phone.as_str().to_owned(),
        name: lead.name.clone(),
        channel,
        generation: inviter.as_ref().map_or(0, |i| i.generation + 1),
        device,
        ip_hash: lead.ip_hash.clone(),
        consent: lead.consent.clone(),
        created_at: to_ms(now),
        created_day: day(now, day_offset_minutes),
        referral: inviter
            .as_ref()
            .map(|i| (i.id.clone(), state, hold_until, qualified_at)),
        flags,
    };
    let stored = lead_write::store(db, new, seat, campaign.spec.fraud).await?;
    let Some((participant, group)) = stored else {
        return Ok(None);
    };
    // The lead as stored: new, so neither back on the page nor gone from a group yet.
    crate::fraud::service::look_back(db, campaign, candidate, now).await;
    let captured = Captured::New {
        participant,
        inviter: inviter.map(|i| i.code),
    };
    Ok(Some((captured, group)))
}

/// An inviter never changes what is read here, so the read pool is as good as the writer.
async fn find_inviter(
    db: &Db,
    campaign_id: &str,
    code: &InviteCode,
) -> Result<Option<InviterRow>, sqlx::Error> {
    with_db!(db, read, |pool| {
        sqlx::query_as("SELECT id, code, generation, channel FROM participants WHERE code = $1 AND campaign_id = $2")
            .bind(code.as_str())
            .bind(campaign_id)
            .fetch_optional(pool)
            .await
    })
}

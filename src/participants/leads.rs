//! Lead capture: a phone number left on a campaign page becomes a participant, credited
//! to the first valid inviter. Idempotent per phone per campaign; never re-attributed.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};

use super::code::{Channel, InviteCode};
use super::model::{Consent, ParticipantKind, ParticipantStatus};
use super::phone::Phone;
use super::store::{self, Participant, COLUMNS};
use crate::campaigns::{Campaign, Openness};
use crate::db::direct::{self, Direct, Param};
use crate::db::time::{day, to_ms};
use crate::db::{is_deadlock, is_unique_violation, Db, Tx};
use crate::fraud::device::Device;
use crate::fraud::signals::{Found, Member};
use crate::groups::model::Group;
use crate::groups::routing::{route_new, route_new_direct, RouteTerms};
use crate::{on_tx, with_db};

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
    // The lead joins a group commit (a savepoint in a transaction shared with the leads
    // queued with it), on both backends. On SQLite an unflagged lead's statements are
    // stepped straight on the writer's handle.
    let stored = match (db.direct_writer(), new.flags.is_empty()) {
        (Some(writer), true) => {
            writer
                .write(move |direct| write_direct(direct, &new, seat.as_ref()))
                .await?
        }
        _ => {
            let fraud = campaign.spec.fraud;
            db.write_batched(move |tx| {
                Box::pin(async move {
                    let Some(participant) = insert_lead(tx, &new, &fraud).await? else {
                        return Ok(None);
                    };
                    let group = match &seat {
                        Some(terms) => route_new(tx, terms).await?,
                        None => None,
                    };
                    Ok::<_, sqlx::Error>(Some((participant, group)))
                })
            })
            .await?
        }
    };
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

/// Everything one new lead writes: the participant, its fraud flags, its referral.
struct NewLead {
    id: String,
    campaign_id: String,
    code: InviteCode,
    phone: String,
    name: Option<String>,
    channel: String,
    generation: i64,
    device: Device,
    ip_hash: Option<String>,
    consent: Consent,
    created_at: i64,
    created_day: String,
    /// (inviter id, state, hold_until, qualified_at)
    referral: Option<(String, &'static str, Option<i64>, Option<i64>)>,
    flags: Vec<Found>,
}

/// The participant's row, written by both ways of storing a lead; `$1`-`$19` are
/// [`NewLead::participant_params`].
macro_rules! insert_participant {
    () => {
        "INSERT INTO participants (id, campaign_id, code, phone, name, kind, channel, inviter_id, generation, status, \
         visitor_hash, ip_hash, created_at, created_day, consent_at, consent_text_sha256, consent_channel, \
         device_id, device_source, ua_profile, net_hint) \
         VALUES ($1, $2, $3, $4, $5, 'lead', $6, $7, $8, 'lead', $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
         ON CONFLICT (campaign_id, phone) DO NOTHING"
    };
}

static INSERT_PARTICIPANT: LazyLock<String> =
    LazyLock::new(|| format!(concat!(insert_participant!(), " RETURNING {}"), COLUMNS));

const INSERT_REFERRAL: &str =
    "INSERT INTO referrals (invitee_id, inviter_id, campaign_id, state, created_at, hold_until, qualified_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// An unflagged lead with its referral (and its seat, with `seat`), stepped straight on
/// SQLite's handle; `None` when the phone already took part. The participant is built
/// from what was inserted: the row holds nothing else yet.
fn write_direct(
    direct: &mut Direct,
    new: &NewLead,
    seat: Option<&RouteTerms>,
) -> direct::Result<Option<(Participant, Option<Group>)>> {
    let inserted = direct.execute(insert_participant!(), &new.participant_params())?;
    if inserted == 0 {
        return Ok(None);
    }
    if let Some((inviter_id, state, hold_until, qualified_at)) = &new.referral {
        direct.execute(
            INSERT_REFERRAL,
            &[
                new.id.as_str().into(),
                inviter_id.as_str().into(),
                new.campaign_id.as_str().into(),
                (*state).into(),
                new.created_at.into(),
                (*hold_until).into(),
                (*qualified_at).into(),
            ],
        )?;
    }
    let group = match seat {
        Some(terms) => route_new_direct(direct, terms)?,
        None => None,
    };
    let participant = Participant {
        id: new.id.clone(),
        campaign_id: new.campaign_id.clone(),
        code: new.code.as_str().to_owned(),
        phone: Some(new.phone.clone()),
        name: new.name.clone(),
        kind: ParticipantKind::Lead,
        channel: new.channel.clone(),
        inviter_id: new.referral.as_ref().map(|r| r.0.clone()),
        generation: new.generation,
        status: ParticipantStatus::Lead,
        visitor_hash: Some(new.device.id.clone()),
        created_at: new.created_at,
    };
    Ok(Some((participant, group)))
}

impl NewLead {
    /// `$1`-`$19` of [`insert_participant!`], for a statement stepped directly.
    fn participant_params(&self) -> [Param<'_>; 19] {
        [
            self.id.as_str().into(),
            self.campaign_id.as_str().into(),
            self.code.as_str().into(),
            self.phone.as_str().into(),
            self.name.as_deref().into(),
            self.channel.as_str().into(),
            self.referral.as_ref().map(|r| r.0.as_str()).into(),
            self.generation.into(),
            self.device.id.as_str().into(),
            self.ip_hash.as_deref().into(),
            self.created_at.into(),
            self.created_day.as_str().into(),
            self.consent.at_ms.into(),
            self.consent.text_sha256.as_str().into(),
            self.consent.channel.as_str().into(),
            self.device.id.as_str().into(),
            self.device.source.as_str().into(),
            self.device.ua_profile.as_str().into(),
            self.device.net_hint.as_str().into(),
        ]
    }
}

/// Writes a lead with its flags and referral; `None` when the phone already took part.
async fn insert_lead(
    tx: &mut Tx<'_>,
    new: &NewLead,
    fraud: &crate::fraud::FraudSettings,
) -> Result<Option<Participant>, sqlx::Error> {
    let participant: Option<Participant> = on_tx!(tx, |conn| {
        let participant: Option<Participant> = sqlx::query_as(&INSERT_PARTICIPANT)
            .bind(&new.id)
            .bind(&new.campaign_id)
            .bind(new.code.as_str())
            .bind(&new.phone)
            .bind(new.name.as_deref())
            .bind(&new.channel)
            .bind(new.referral.as_ref().map(|r| r.0.as_str()))
            .bind(new.generation)
            .bind(&new.device.id)
            .bind(new.ip_hash.as_deref())
            .bind(new.created_at)
            .bind(&new.created_day)
            .bind(new.consent.at_ms)
            .bind(&new.consent.text_sha256)
            .bind(new.consent.channel)
            .bind(&new.device.id)
            .bind(new.device.source)
            .bind(&new.device.ua_profile)
            .bind(&new.device.net_hint)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(participant) = participant else {
            return Ok(None);
        };
        if let Some((inviter_id, state, hold_until, qualified_at)) = &new.referral {
            sqlx::query(INSERT_REFERRAL)
                .bind(&participant.id)
                .bind(inviter_id)
                .bind(&new.campaign_id)
                .bind(*state)
                .bind(new.created_at)
                .bind(*hold_until)
                .bind(*qualified_at)
                .execute(&mut *conn)
                .await?;
        }
        Some(participant)
    });
    if participant.is_some() && !new.flags.is_empty() {
        crate::fraud::store::record(tx, &new.campaign_id, &new.flags, fraud, new.created_at)
            .await?;
    }
    Ok(participant)
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

//! Writing a new lead: the participant, its referral, its fraud flags and (when routed)
//! its seat, in one atomic job of the writer's group commit. On SQLite an unflagged lead
//! is stepped straight on the writer's handle ([`crate::db::direct`]); a flagged one, and
//! every lead on PostgreSQL, goes through sqlx in a savepoint of the batch.

use std::sync::LazyLock;

use super::code::InviteCode;
use super::model::{Consent, ParticipantKind, ParticipantStatus};
use super::store::{Participant, COLUMNS};
use crate::db::direct::Direct;
use crate::db::statement::{self, Param};
use crate::db::{Db, Tx};
use crate::fraud::device::Device;
use crate::fraud::signals::Found;
use crate::fraud::FraudSettings;
use crate::groups::model::Group;
use crate::groups::routing::{route_new, route_new_direct, RouteTerms};
use crate::on_tx;

/// Stores `new` (with its seat when `seat`); `None` when the phone already took part.
pub(super) async fn store(
    db: &Db,
    new: NewLead,
    seat: Option<RouteTerms>,
    fraud: FraudSettings,
) -> Result<Option<(Participant, Option<Group>)>, sqlx::Error> {
    if let (Some(writer), true) = (db.direct_writer(), new.flags.is_empty()) {
        return writer
            .write(move |direct| write_direct(direct, &new, seat.as_ref()))
            .await;
    }
    db.write_batched(move |tx| {
        Box::pin(async move {
            let Some(participant) = insert_lead(tx, &new, &fraud).await? else {
                return Ok(None);
            };
            let group = match &seat {
                Some(terms) => route_new(tx, terms).await?,
                None => None,
            };
            Ok(Some((participant, group)))
        })
    })
    .await
}

/// Everything one new lead writes: the participant, its fraud flags, its referral.
pub(super) struct NewLead {
    pub(super) id: String,
    pub(super) campaign_id: String,
    pub(super) code: InviteCode,
    pub(super) phone: String,
    pub(super) name: Option<String>,
    pub(super) channel: String,
    pub(super) generation: i64,
    pub(super) device: Device,
    pub(super) ip_hash: Option<String>,
    pub(super) consent: Consent,
    pub(super) created_at: i64,
    pub(super) created_day: String,
    /// (inviter id, state, hold_until, qualified_at)
    pub(super) referral: Option<(String, &'static str, Option<i64>, Option<i64>)>,
    pub(super) flags: Vec<Found>,
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
) -> statement::Result<Option<(Participant, Option<Group>)>> {
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
    fraud: &FraudSettings,
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

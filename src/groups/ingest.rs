//! Joins and leaves reported by the group tooling (webhook or member-list import).
//! Every event is stored once by its id; a matched one moves the person's membership,
//! the group's counts and the referral's qualification in the same transaction. Events
//! can arrive late and out of order: an event older than the last one applied to the
//! same person and group changes nothing.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::apply::apply_event;
use super::credit::Terms;
use super::event_store::{self, NewEvent};
use super::model::{EventStatus, Group, GroupEvent, Source};
use crate::audit::{self, Actor};
use crate::campaigns::Campaign;
use crate::db::time::to_ms;
use crate::db::{Db, Tx};
use crate::participants::{store as participants, InviteCode, Phone};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// Older than what was already applied: kept, changes nothing.
    Stale,
    Duplicate,
    Unmatched,
}

/// Who an event is about: by participant code, then phone, then a member reference
/// learnt from an earlier event. Returns the participant id and how it matched.
pub async fn match_participant(
    db: &Db,
    campaign_id: &str,
    e: &GroupEvent,
) -> anyhow::Result<Option<(String, &'static str)>> {
    if let Some(code) = e.participant_code.as_deref().and_then(InviteCode::parse) {
        if let Some(p) = participants::by_code(db, campaign_id, code.as_str()).await? {
            return Ok(Some((p.id, "code")));
        }
    }
    if let Some(phone) = e.phone.as_deref().and_then(|p| Phone::parse(p).ok()) {
        if let Some(p) = participants::by_phone(db, campaign_id, phone.as_str()).await? {
            return Ok(Some((p.id, "phone")));
        }
    }
    if let Some(member_ref) = &e.member_ref {
        let id = event_store::member_ref_owner(db, campaign_id, member_ref).await?;
        return Ok(id.map(|id| (id, "member_ref")));
    }
    Ok(None)
}

/// Stores the event once and applies it when its person is known.
pub async fn ingest(
    db: &Db,
    group: &Group,
    campaign: &Campaign,
    e: &GroupEvent,
    source: Source,
    now: DateTime<Utc>,
) -> anyhow::Result<Outcome> {
    let incoming = Incoming {
        group: Some(group),
        campaign: Some(campaign),
        event: e,
    };
    let outcomes = ingest_batch(db, &[incoming], source, now).await?;
    Ok(outcomes.into_iter().next().unwrap_or(Outcome::Duplicate))
}

/// One event of a batch with the group and campaign it names, when they exist.
pub struct Incoming<'a> {
    pub group: Option<&'a Group>,
    pub campaign: Option<&'a Campaign>,
    pub event: &'a GroupEvent,
}

/// An event ready to be written: who it is about and what status it is stored with.
struct Prepared<'a> {
    incoming: &'a Incoming<'a>,
    matched: Option<(String, &'static str)>,
    status: EventStatus,
    terms: Option<Terms>,
}

/// Stores and applies a batch, in order. Matching reads come first; on SQLite the writes
/// are then one transaction on the single writer (one commit for the batch); on
/// PostgreSQL each event is its own short transaction, so concurrent batches never hold
/// locks on each other's people and groups.
pub async fn ingest_batch(
    db: &Db,
    batch: &[Incoming<'_>],
    source: Source,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Outcome>> {
    let mut prepared = Vec::with_capacity(batch.len());
    // Member references linked by earlier events of this batch, which are not written yet.
    let mut learnt: HashMap<(String, String), String> = HashMap::new();
    for incoming in batch {
        let mut matched = match (incoming.group, incoming.campaign) {
            (Some(_), Some(c)) => match_participant(db, &c.id, incoming.event).await?,
            _ => None,
        };
        if let (Some(c), Some(member_ref)) = (incoming.campaign, &incoming.event.member_ref) {
            let key = (c.id.clone(), member_ref.clone());
            match &matched {
                None => matched = learnt.get(&key).map(|id| (id.clone(), "member_ref")),
                Some((id, _)) => {
                    learnt.entry(key).or_insert_with(|| id.clone());
                }
            }
        }
        let status = match (incoming.group, &matched) {
            (None, _) => EventStatus::UnknownGroup,
            (_, None) => EventStatus::Unmatched,
            (_, Some(_)) => EventStatus::Applied,
        };
        prepared.push(Prepared {
            incoming,
            matched,
            status,
            terms: incoming.campaign.map(Terms::of),
        });
    }
    let received_at = to_ms(now);
    let outcomes = db
        .write_each(&prepared, |tx, p| {
            Box::pin(store_and_apply(tx, p, source, received_at))
        })
        .await
        .context("storing and applying group events")?;
    Ok(outcomes)
}

/// Stores one event by its id (a replay is a duplicate) and applies it when matched.
async fn store_and_apply(
    tx: &mut Tx<'_>,
    p: &Prepared<'_>,
    source: Source,
    received_at: i64,
) -> Result<Outcome, sqlx::Error> {
    let e = p.incoming.event;
    let new = NewEvent {
        event: e,
        campaign_id: p.incoming.campaign.map(|c| c.id.as_str()),
        source,
        received_at,
        matched: p.matched.as_ref().map(|(id, by)| (id.as_str(), *by)),
        status: p.status,
    };
    if !event_store::insert(tx, &new).await? {
        return Ok(Outcome::Duplicate);
    }
    let (Some((participant_id, _)), Some(group), Some(terms)) =
        (&p.matched, p.incoming.group, &p.terms)
    else {
        return Ok(Outcome::Unmatched);
    };
    if apply_event(tx, participant_id, group, terms, e).await? {
        return Ok(Outcome::Applied);
    }
    event_store::mark_stale(tx, &e.id).await?;
    Ok(Outcome::Stale)
}

/// Applies a stored, unmatched event to the participant a marketer chose, audited
/// (`after` says what was matched); false when someone applied it meanwhile.
pub async fn match_by_hand(
    db: &Db,
    group: &Group,
    campaign: &Campaign,
    participant_id: &str,
    e: &GroupEvent,
    actor: &Actor,
    after: serde_json::Value,
) -> anyhow::Result<bool> {
    let terms = Terms::of(campaign);
    let (group, participant_id, e) = (group.clone(), participant_id.to_owned(), e.clone());
    let (actor, campaign_id) = (actor.clone(), campaign.id.clone());
    let claimed = db
        .write_tx(move |tx| {
            Box::pin(async move {
                if !event_store::claim_by_hand(tx, &e.id, &participant_id).await? {
                    return Ok::<_, sqlx::Error>(false);
                }
                if !apply_event(tx, &participant_id, &group, &terms, &e).await? {
                    event_store::mark_stale(tx, &e.id).await?;
                }
                let campaign = Some(campaign_id.as_str());
                audit::record(
                    tx,
                    &actor,
                    "group_event.matched",
                    campaign,
                    &e.id,
                    None,
                    Some(after),
                )
                .await?;
                Ok(true)
            })
        })
        .await
        .context("applying a group event matched by hand")?;
    Ok(claimed)
}

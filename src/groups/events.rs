//! Joins and leaves reported by the group tooling (webhook or member-list import).
//! Every event is stored once by its id; a matched one moves the person's membership,
//! the group's counts and the referral's qualification in the same transaction. Events
//! can arrive late and out of order: an event older than the last one applied to the
//! same person and group changes nothing.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::model::Group;
use crate::campaigns::Campaign;
use crate::db::time::to_ms;
use crate::db::{Db, Tx};
use crate::participants::qualification::{
    ON_FLAGGED_OPEN, ON_FLAGGED_QUALIFIED, ON_JOINED, ON_LEFT,
};
use crate::participants::{store as participants, InviteCode, Phone};
use crate::{on_tx, with_db};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    MemberJoined,
    MemberLeft,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::MemberJoined => "member_joined",
            EventKind::MemberLeft => "member_left",
        }
    }
}

#[derive(Debug, Clone)]
pub struct GroupEvent {
    pub id: String,
    pub kind: EventKind,
    pub group_id: String,
    pub participant_code: Option<String>,
    pub phone: Option<String>,
    pub member_ref: Option<String>,
    pub at: DateTime<Utc>,
}

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
) -> Result<Option<(String, &'static str)>, sqlx::Error> {
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
        let id: Option<String> = with_db!(db, read, |pool| {
            sqlx::query_scalar(
                "SELECT participant_id FROM member_refs WHERE campaign_id = $1 AND member_ref = $2",
            )
            .bind(campaign_id)
            .bind(member_ref)
            .fetch_optional(pool)
            .await?
        });
        return Ok(id.map(|id| (id, "member_ref")));
    }
    Ok(None)
}

/// Stores the event once and applies it when its person is known.
pub async fn ingest(
    db: &Db,
    group: Option<&Group>,
    campaign: Option<&Campaign>,
    e: &GroupEvent,
    source: &'static str,
    now: DateTime<Utc>,
) -> Result<Outcome, sqlx::Error> {
    let outcomes = ingest_batch(
        db,
        &[Incoming {
            group,
            campaign,
            event: e,
        }],
        source,
        now,
    )
    .await?;
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
    status: &'static str,
    terms: Option<Terms>,
}

/// Stores and applies a batch, in order. Matching reads come first; on SQLite the writes
/// are then one transaction on the single writer (one commit for the batch); on
/// PostgreSQL each event is its own short transaction, so concurrent batches never hold
/// locks on each other's people and groups.
pub async fn ingest_batch(
    db: &Db,
    batch: &[Incoming<'_>],
    source: &'static str,
    now: DateTime<Utc>,
) -> Result<Vec<Outcome>, sqlx::Error> {
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
            (None, _) => "unknown_group",
            (_, None) => "unmatched",
            (_, Some(_)) => "applied",
        };
        prepared.push(Prepared {
            incoming,
            matched,
            status,
            terms: incoming.campaign.map(Terms::of),
        });
    }
    db.write_each(&prepared, |tx, p| {
        Box::pin(store_and_apply(tx, p, source, now))
    })
    .await
}

/// Stores one event by its id (a replay is a duplicate) and applies it when matched.
async fn store_and_apply(
    tx: &mut Tx<'_>,
    p: &Prepared<'_>,
    source: &'static str,
    now: DateTime<Utc>,
) -> Result<Outcome, sqlx::Error> {
    let e = p.incoming.event;
    let stored: Option<String> = on_tx!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO group_events (id, group_id, campaign_id, kind, participant_code, phone, member_ref, occurred_at, \
             received_at, source, participant_id, status, matched_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING RETURNING id",
        )
        .bind(&e.id)
        .bind(&e.group_id)
        .bind(p.incoming.campaign.map(|c| c.id.as_str()))
        .bind(e.kind.as_str())
        .bind(e.participant_code.as_deref())
        .bind(e.phone.as_deref())
        .bind(e.member_ref.as_deref())
        .bind(to_ms(e.at))
        .bind(to_ms(now))
        .bind(source)
        .bind(p.matched.as_ref().map(|m| m.0.as_str()))
        .bind(p.status)
        .bind(p.matched.as_ref().map(|m| m.1))
        .fetch_optional(conn)
        .await?
    });
    if stored.is_none() {
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
    mark_stale(tx, &e.id).await?;
    Ok(Outcome::Stale)
}

async fn mark_stale(tx: &mut Tx<'_>, event_id: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE group_events SET status = 'stale' WHERE id = $1")
            .bind(event_id)
            .execute(conn)
            .await?;
    });
    Ok(())
}

/// Applies a stored, unmatched event to the participant a marketer chose.
pub async fn match_by_hand(
    db: &Db,
    event_id: &str,
    group: &Group,
    campaign: &Campaign,
    participant_id: &str,
    e: &GroupEvent,
) -> Result<bool, sqlx::Error> {
    let terms = Terms::of(campaign);
    let (event_id, group, participant_id, e) = (
        event_id.to_owned(),
        group.clone(),
        participant_id.to_owned(),
        e.clone(),
    );
    db.write_tx(move |tx| {
        Box::pin(async move {
            let claimed = on_tx!(tx, |conn| {
                sqlx::query(
                    "UPDATE group_events SET status = 'applied', participant_id = $1, matched_by = 'manual' \
                     WHERE id = $2 AND status = 'unmatched'",
                )
                .bind(&participant_id)
                .bind(&event_id)
                .execute(conn)
                .await?
                .rows_affected()
            });
            if claimed == 0 {
                return Ok(false);
            }
            if !apply_event(tx, &participant_id, &group, &terms, &e).await? {
                mark_stale(tx, &event_id).await?;
            }
            Ok(true)
        })
    })
    .await
}

/// What applying an event needs from its campaign.
pub struct Terms {
    hold_hours: u32,
    quick_leave_ms: i64,
}

impl Terms {
    fn of(c: &Campaign) -> Terms {
        Terms {
            hold_hours: c.spec.qualification.hold_hours,
            quick_leave_ms: i64::from(c.spec.fraud.quick_leave_minutes) * 60_000,
        }
    }
}

#[derive(sqlx::FromRow)]
struct Current {
    state: String,
    joined_at: Option<i64>,
    last_event_at: Option<i64>,
}

/// Moves one membership inside the caller's transaction; written once for both backends.
/// Returns false when the event is older than the last one applied.
async fn apply_event(
    tx: &mut Tx<'_>,
    participant_id: &str,
    group: &Group,
    terms: &Terms,
    e: &GroupEvent,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, |tx| {
        let at = to_ms(e.at);
        sqlx::query("UPDATE participants SET status = status WHERE id = $1")
            .bind(participant_id)
            .execute(&mut *tx)
            .await?;
        // Locks the membership (PostgreSQL) before reading it, so the reservation-expiry
        // job cannot release the same seat this join converts into a member.
        sqlx::query("UPDATE group_assignments SET state = state WHERE participant_id = $1 AND group_id = $2")
                .bind(participant_id)
                .bind(&group.id)
                .execute(&mut *tx)
                .await?;
        let current: Option<Current> = sqlx::query_as(
                "SELECT state, joined_at, last_event_at FROM group_assignments WHERE participant_id = $1 AND group_id = $2",
            )
            .bind(participant_id)
            .bind(&group.id)
            .fetch_optional(&mut *tx)
            .await?;
        if current
            .as_ref()
            .and_then(|c| c.last_event_at)
            .is_some_and(|last| last > at)
        {
            return Ok(false);
        }
        let state = current.as_ref().map(|c| c.state.as_str());
        let (new_state, members_delta, reserved_delta) = match (e.kind, state) {
            (EventKind::MemberJoined, Some("joined")) => ("joined", 0, 0),
            (EventKind::MemberJoined, Some("reserved")) => ("joined", 1, -1),
            (EventKind::MemberJoined, _) => ("joined", 1, 0),
            (EventKind::MemberLeft, Some("joined")) => ("left", -1, 0),
            (EventKind::MemberLeft, Some("reserved")) => ("left", 0, -1),
            (EventKind::MemberLeft, _) => ("left", 0, 0),
        };
        let joined_at = match (e.kind, state) {
            (EventKind::MemberJoined, Some("joined")) => current.as_ref().and_then(|c| c.joined_at),
            (EventKind::MemberJoined, _) => Some(at),
            _ => current.as_ref().and_then(|c| c.joined_at),
        };
        let left_at = (e.kind == EventKind::MemberLeft).then_some(at);
        sqlx::query(
                "INSERT INTO group_assignments (participant_id, group_id, campaign_id, state, assigned_at, joined_at, left_at, last_event_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (participant_id, group_id) DO UPDATE SET \
                 state = excluded.state, joined_at = excluded.joined_at, left_at = excluded.left_at, last_event_at = excluded.last_event_at, \
                 reserved_until = NULL",
            )
            .bind(participant_id)
            .bind(&group.id)
            .bind(&group.campaign_id)
            .bind(new_state)
            .bind(at)
            .bind(joined_at)
            .bind(left_at)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        if members_delta != 0 || reserved_delta != 0 {
            // Counts never go below zero, whatever the tooling reports.
            sqlx::query(
                    "UPDATE groups SET members = CASE WHEN members + $1 < 0 THEN 0 ELSE members + $1 END, \
                     reserved = CASE WHEN reserved + $2 < 0 THEN 0 ELSE reserved + $2 END WHERE id = $3",
                )
                .bind(members_delta)
                .bind(reserved_delta)
                .bind(&group.id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(member_ref) = &e.member_ref {
            sqlx::query(
                    "INSERT INTO member_refs (campaign_id, member_ref, participant_id, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (campaign_id, member_ref) DO NOTHING",
                )
                .bind(&group.campaign_id)
                .bind(member_ref)
                .bind(participant_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        match e.kind {
            EventKind::MemberJoined => {
                sqlx::query("UPDATE participants SET status = 'joined' WHERE id = $1")
                    .bind(participant_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(ON_JOINED)
                    .bind(at)
                    .bind(i64::from(terms.hold_hours) * 3_600_000)
                    .bind(participant_id)
                    .execute(&mut *tx)
                    .await?;
            }
            EventKind::MemberLeft => {
                let still_in: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM group_assignments WHERE participant_id = $1 AND campaign_id = $2 AND state = 'joined'",
                    )
                    .bind(participant_id)
                    .bind(&group.campaign_id)
                    .fetch_one(&mut *tx)
                    .await?;
                if still_in == 0 {
                    sqlx::query("UPDATE participants SET status = 'left' WHERE id = $1 AND status = 'joined'")
                            .bind(participant_id)
                            .execute(&mut *tx)
                            .await?;
                }
                let quick = joined_at
                    .is_some_and(|j| state == Some("joined") && at - j < terms.quick_leave_ms);
                if quick {
                    let minutes = (at - joined_at.unwrap_or(at)) / 60_000;
                    sqlx::query(
                            "INSERT INTO fraud_flags (id, participant_id, campaign_id, rule, reason, created_at) \
                             VALUES ($1, $2, $3, 'quick_leave', $4, $5) ON CONFLICT (participant_id, rule) DO NOTHING",
                        )
                        .bind(uuid::Uuid::now_v7().to_string())
                        .bind(participant_id)
                        .bind(&group.campaign_id)
                        .bind(format!("入群{minutes}分钟内退群 (left the group {minutes} minutes after joining)"))
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(ON_FLAGGED_OPEN)
                        .bind(at)
                        .bind("fraud:quick_leave")
                        .bind(participant_id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(ON_FLAGGED_QUALIFIED)
                        .bind(at)
                        .bind("fraud:quick_leave")
                        .bind(participant_id)
                        .execute(&mut *tx)
                        .await?;
                } else {
                    sqlx::query(ON_LEFT)
                        .bind(at)
                        .bind(participant_id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        Ok(true)
    })
}

//! Member-list import: the safety net for callbacks that never came. A group tool's
//! export (see [`super::member_list`]) is compared with what fission knew and turned into
//! joins and leaves with stable ids, so importing the same list again changes nothing.
//! The comparison is a [`Plan`]: a dry run predicts each event's outcome from what is
//! stored, `apply` ingests the same events; both tally them the same way.
//!
//! Whether a leave takes a referral's credit back depends on when it happened (inside
//! the hold it does, however late the news), so each leave carries the best evidence
//! of its time:
//! - a row with `left_at` (a former member, as tools that keep them export): that time.
//!   It also re-dates a leave fission had only dated by an earlier upload.
//! - a member fission knew who is missing from the list: the upload time. The list
//!   proves they are gone now, not since when; dating the leave earlier (at the last
//!   list or event that still had them) would take credit back on a guess, while the
//!   upload is the latest time they can have left. Exports with `left_at`, or the
//!   webhook, give the real time.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::ingest::{self, Incoming, Outcome};
use super::member_list::Row;
use super::model::{EventKind, Group, GroupEvent, Source};
use super::store::{self, MembershipNow};
use super::views::{ImportReport, MemberChange};
use super::{event_store, import_predict};
use crate::campaigns::Campaign;
use crate::db::Db;

/// How an event's outcome counts in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counts {
    /// A row naming someone already in the group: no event.
    AlreadyMember,
    /// The join of a former member fission missed, before their leave: not counted.
    Silent,
    Join,
    Leave,
    /// A member fission knew who is missing from the list.
    Missing,
}

struct Step {
    event: Option<GroupEvent>,
    participant_id: Option<String>,
    counts: Counts,
}

/// The events a member list means for a group, with what they are counted as.
pub struct Plan {
    rows: usize,
    matched: usize,
    steps: Vec<Step>,
    /// Memberships as they stand, before any of the plan's events.
    memberships: HashMap<String, Option<MembershipNow>>,
}

pub async fn plan(
    db: &Db,
    group: &Group,
    campaign: &Campaign,
    rows: &[Row],
    now: DateTime<Utc>,
) -> anyhow::Result<Plan> {
    let mut plan = Plan {
        rows: rows.len(),
        matched: 0,
        steps: Vec::new(),
        memberships: HashMap::new(),
    };
    let mut present = HashSet::new();
    // Member references linked by earlier rows, as the batch ingest links them.
    let mut learnt: HashMap<String, String> = HashMap::new();
    for row in rows {
        let key = row
            .member_ref
            .clone()
            .or_else(|| row.phone.clone())
            .unwrap_or_default();
        let mut event = GroupEvent {
            id: String::new(),
            kind: EventKind::MemberJoined,
            group_id: group.id.clone(),
            participant_code: None,
            phone: row.phone.clone(),
            member_ref: row.member_ref.clone(),
            at: row.joined_at.unwrap_or(now),
        };
        let mut matched = ingest::match_participant(db, &campaign.id, &event)
            .await?
            .map(|(id, _)| id);
        if let Some(member_ref) = &row.member_ref {
            match &matched {
                None => matched = learnt.get(member_ref).cloned(),
                Some(id) => {
                    learnt
                        .entry(member_ref.clone())
                        .or_insert_with(|| id.clone());
                }
            }
        }
        let mut joined = false;
        if let Some(id) = &matched {
            present.insert(id.clone());
            plan.matched += 1;
            if !plan.memberships.contains_key(id) {
                let now = store::membership_now(db, id, &group.id).await?;
                plan.memberships.insert(id.clone(), now);
            }
            joined = plan.joined(id, &plan.steps);
        }
        let step = |event: Option<GroupEvent>, counts| Step {
            event,
            participant_id: matched.clone(),
            counts,
        };
        if let Some(left_at) = row.left_at {
            // A former member: their join if fission missed it, then the leave at its time
            // (which also re-dates a leave fission had only dated by an earlier upload).
            if let (Some(joined_at), false) = (row.joined_at, joined) {
                event.id = format!("import:{}:{}:{}", group.id, key, joined_at.timestamp());
                plan.steps.push(step(Some(event.clone()), Counts::Silent));
            }
            let leave = GroupEvent {
                id: format!("import:{}:{}:left:{}", group.id, key, left_at.timestamp()),
                kind: EventKind::MemberLeft,
                at: left_at,
                ..event
            };
            plan.steps.push(step(Some(leave), Counts::Leave));
            continue;
        }
        // Already a member: nothing to apply, whatever time the export shows.
        if joined {
            plan.steps.push(step(None, Counts::AlreadyMember));
            continue;
        }
        // Stable ids make a re-import a no-op; a row without a joined time that matches
        // nobody is one event, however often the list is uploaded.
        event.id = match (row.joined_at, &matched) {
            (Some(at), _) => format!("import:{}:{}:{}", group.id, key, at.timestamp()),
            (None, Some(_)) => format!("import:{}:{}:{}", group.id, key, now.timestamp_millis()),
            (None, None) => format!("import:{}:{}", group.id, key),
        };
        plan.steps.push(step(Some(event), Counts::Join));
    }
    // Members fission knew who are missing from the list left by the upload at the latest.
    let members = store::joined_members(db, &group.id).await?;
    for (participant_id, code) in members.into_iter().filter(|(id, _)| !present.contains(id)) {
        let membership = store::membership_now(db, &participant_id, &group.id).await?;
        plan.memberships.insert(participant_id.clone(), membership);
        let event = GroupEvent {
            id: format!(
                "import:{}:{}:left:{}",
                group.id,
                participant_id,
                now.timestamp_millis()
            ),
            kind: EventKind::MemberLeft,
            group_id: group.id.clone(),
            participant_code: Some(code),
            phone: None,
            member_ref: None,
            at: now,
        };
        plan.steps.push(Step {
            event: Some(event),
            participant_id: Some(participant_id),
            counts: Counts::Missing,
        });
    }
    Ok(plan)
}

impl Plan {
    /// Whether the person is in the group after the steps planned so far: a join row
    /// planned earlier in the file counts, as the import applies rows in order.
    fn joined(&self, participant_id: &str, steps: &[Step]) -> bool {
        let planned = steps
            .iter()
            .rev()
            .find(|s| s.participant_id.as_deref() == Some(participant_id) && s.event.is_some());
        match planned.and_then(|s| s.event.as_ref()) {
            Some(e) => e.kind == EventKind::MemberJoined,
            None => self.memberships[participant_id]
                .as_ref()
                .is_some_and(|m| m.state == "joined"),
        }
    }
}

/// What the import would do, applying nothing.
pub async fn dry_run(db: &Db, plan: &Plan) -> anyhow::Result<ImportReport> {
    let mut stored = HashSet::new();
    for event in plan.steps.iter().filter_map(|s| s.event.as_ref()) {
        if event_store::exists(db, &event.id).await? {
            stored.insert(event.id.clone());
        }
    }
    let steps: Vec<_> = plan
        .steps
        .iter()
        .map(|s| (s.event.as_ref(), s.participant_id.as_deref()))
        .collect();
    let outcomes = import_predict::outcomes(&steps, &plan.memberships, &stored);
    tally(db, plan, &outcomes, true).await
}

/// Ingests the plan's events in order and reports what they did.
pub async fn apply(
    db: &Db,
    group: &Group,
    campaign: &Campaign,
    plan: &Plan,
    now: DateTime<Utc>,
) -> anyhow::Result<ImportReport> {
    let batch: Vec<Incoming> = plan
        .steps
        .iter()
        .filter_map(|s| s.event.as_ref())
        .map(|event| Incoming {
            group: Some(group),
            campaign: Some(campaign),
            event,
        })
        .collect();
    let mut applied = ingest::ingest_batch(db, &batch, Source::Import, now)
        .await?
        .into_iter();
    let outcomes: Vec<Option<Outcome>> = plan
        .steps
        .iter()
        .map(|s| s.event.as_ref().and_then(|_| applied.next()))
        .collect();
    tally(db, plan, &outcomes, false).await
}

/// Lists at most this many people per kind of change; the counts are always complete.
const LISTED: usize = 500;

async fn tally(
    db: &Db,
    plan: &Plan,
    outcomes: &[Option<Outcome>],
    dry_run: bool,
) -> anyhow::Result<ImportReport> {
    let mut report = ImportReport {
        rows: plan.rows,
        matched: plan.matched,
        dry_run,
        ..ImportReport::default()
    };
    for (step, outcome) in plan.steps.iter().zip(outcomes) {
        let (counts, outcome) = match (step.counts, outcome) {
            (Counts::AlreadyMember, _) => {
                report.unchanged += 1;
                continue;
            }
            (counts, Some(outcome)) => (counts, *outcome),
            _ => continue,
        };
        let list = match (counts, outcome) {
            (Counts::Silent, _) | (Counts::Missing, Outcome::Stale | Outcome::Duplicate) => None,
            (Counts::Missing | Counts::Leave, Outcome::Applied) => {
                report.left += 1;
                Some(&mut report.leaves)
            }
            (Counts::Join, Outcome::Applied) => {
                report.joined += 1;
                Some(&mut report.joins)
            }
            (_, Outcome::Stale | Outcome::Duplicate) => {
                report.unchanged += 1;
                None
            }
            (_, Outcome::Unmatched) => {
                report.unmatched += 1;
                Some(&mut report.unmatched_rows)
            }
            (Counts::AlreadyMember, _) => None,
        };
        if let (Some(list), Some(event)) = (list, &step.event) {
            if list.len() < LISTED {
                list.push(change(db, step, event).await?);
            }
        }
    }
    Ok(report)
}

async fn change(db: &Db, step: &Step, event: &GroupEvent) -> anyhow::Result<MemberChange> {
    let participant = match &step.participant_id {
        Some(id) => crate::participants::store::by_id(db, id).await?,
        None => None,
    };
    Ok(MemberChange::new(participant.as_ref(), event))
}

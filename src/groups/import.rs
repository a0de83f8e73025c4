//! Member-list import: the safety net for callbacks that never came. A group tool's
//! export (see [`super::member_list`]) is compared with what fission knew; joins and
//! leaves are applied as events with stable ids, so importing the same list again
//! changes nothing.
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

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::ingest::{self, Outcome};
use super::member_list::Row;
use super::model::{EventKind, Group, GroupEvent, Source};
use super::store;
use super::views::ImportReport;
use crate::campaigns::Campaign;
use crate::db::Db;

pub async fn apply(
    db: &Db,
    group: &Group,
    campaign: &Campaign,
    rows: &[Row],
    now: DateTime<Utc>,
) -> anyhow::Result<ImportReport> {
    let mut report = ImportReport {
        rows: rows.len(),
        ..ImportReport::default()
    };
    let mut present = HashSet::new();
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
        let matched = ingest::match_participant(db, &campaign.id, &event).await?;
        let mut state = None;
        if let Some((participant_id, _)) = &matched {
            present.insert(participant_id.clone());
            report.matched += 1;
            state = store::membership_state(db, participant_id, &group.id).await?;
        }
        if let Some(left_at) = row.left_at {
            // A former member: their join if fission missed it, then the leave at its time
            // (which also re-dates a leave fission had only dated by an earlier upload).
            if let (Some(joined_at), false) = (row.joined_at, state.as_deref() == Some("joined")) {
                event.id = format!("import:{}:{}:{}", group.id, key, joined_at.timestamp());
                ingest::ingest(db, group, campaign, &event, Source::Import, now).await?;
            }
            let leave = GroupEvent {
                id: format!("import:{}:{}:left:{}", group.id, key, left_at.timestamp()),
                kind: EventKind::MemberLeft,
                at: left_at,
                ..event
            };
            match ingest::ingest(db, group, campaign, &leave, Source::Import, now).await? {
                Outcome::Applied => report.left += 1,
                Outcome::Stale | Outcome::Duplicate => report.unchanged += 1,
                Outcome::Unmatched => report.unmatched += 1,
            }
            continue;
        }
        // Already a member: nothing to apply, whatever time the export shows.
        if state.as_deref() == Some("joined") {
            report.unchanged += 1;
            continue;
        }
        // Stable ids make a re-import a no-op; a row without a joined time that matches
        // nobody is one event, however often the list is uploaded.
        event.id = match (row.joined_at, &matched) {
            (Some(at), _) => format!("import:{}:{}:{}", group.id, key, at.timestamp()),
            (None, Some(_)) => format!("import:{}:{}:{}", group.id, key, now.timestamp_millis()),
            (None, None) => format!("import:{}:{}", group.id, key),
        };
        match ingest::ingest(db, group, campaign, &event, Source::Import, now).await? {
            Outcome::Applied => report.joined += 1,
            Outcome::Stale | Outcome::Duplicate => report.unchanged += 1,
            Outcome::Unmatched => report.unmatched += 1,
        }
    }
    // Members fission knew who are missing from the list left by the upload at the latest.
    let members = store::joined_members(db, &group.id).await?;
    for (participant_id, code) in members.into_iter().filter(|(id, _)| !present.contains(id)) {
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
        if ingest::ingest(db, group, campaign, &event, Source::Import, now).await?
            == Outcome::Applied
        {
            report.left += 1;
        }
    }
    Ok(report)
}

//! A member-list import's dry run: what each planned event would do if it were ingested
//! now, by the rules of [`super::apply`] (a replayed id changes nothing; an event older
//! than the last one applied to the same membership is stale, unless it re-dates the
//! leave that ended it), simulated on the memberships as they stand.

use std::collections::{HashMap, HashSet};

use super::ingest::Outcome;
use super::model::{EventKind, GroupEvent};
use super::store::MembershipNow;
use crate::db::time::to_ms;

/// One outcome per step (`None` for a step without an event).
pub fn outcomes(
    steps: &[(Option<&GroupEvent>, Option<&str>)],
    memberships: &HashMap<String, Option<MembershipNow>>,
    stored: &HashSet<String>,
) -> Vec<Option<Outcome>> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut now: HashMap<&str, Option<MembershipNow>> = memberships
        .iter()
        .map(|(id, m)| (id.as_str(), m.clone()))
        .collect();
    steps
        .iter()
        .map(|(event, participant)| {
            let event = (*event)?;
            if stored.contains(&event.id) || !seen.insert(event.id.as_str()) {
                return Some(Outcome::Duplicate);
            }
            let Some(membership) = participant.and_then(|p| now.get_mut(p)) else {
                return Some(Outcome::Unmatched);
            };
            Some(step(membership, event))
        })
        .collect()
}

/// The outcome of one matched event, moving the simulated membership as applying would.
fn step(membership: &mut Option<MembershipNow>, e: &GroupEvent) -> Outcome {
    let at = to_ms(e.at);
    let current = membership.as_ref();
    if current
        .and_then(|c| c.last_event_at)
        .is_some_and(|last| last > at)
    {
        let redates = e.kind == EventKind::MemberLeft
            && current.is_some_and(|c| c.state == "left" && c.joined_at.is_some_and(|j| j <= at));
        return if redates {
            Outcome::Applied
        } else {
            Outcome::Stale
        };
    }
    let was_joined = current.is_some_and(|c| c.state == "joined");
    let joined_at = match e.kind {
        EventKind::MemberJoined if was_joined => current.and_then(|c| c.joined_at),
        EventKind::MemberJoined => Some(at),
        EventKind::MemberLeft => current.and_then(|c| c.joined_at),
    };
    let state = match e.kind {
        EventKind::MemberJoined => "joined",
        EventKind::MemberLeft => "left",
    };
    *membership = Some(MembershipNow {
        state: state.to_owned(),
        joined_at,
        last_event_at: Some(at),
    });
    Outcome::Applied
}

//! Applying a matched join or leave, inside the caller's transaction: the person's
//! membership, the group's counts and a learnt member reference move together with
//! what the event means for the referral's credit ([`credit`]). Written once for both
//! backends.

use super::credit::{self, Stay, Terms};
use super::model::{EventKind, Group, GroupEvent};
use crate::db::time::to_ms;
use crate::db::Tx;
use crate::on_tx;

#[derive(sqlx::FromRow)]
struct Current {
    state: String,
    joined_at: Option<i64>,
    last_event_at: Option<i64>,
}

/// A leave of a membership that has ended, at a time after it began.
fn redates(e: &GroupEvent, c: &Current, at: i64) -> bool {
    e.kind == EventKind::MemberLeft && c.state == "left" && c.joined_at.is_some_and(|j| j <= at)
}

/// Moves one membership inside the caller's transaction; written once for both backends.
/// Returns false when the event is older than the last one applied.
pub async fn apply_event(
    tx: &mut Tx<'_>,
    participant_id: &str,
    group: &Group,
    terms: &Terms,
    e: &GroupEvent,
) -> Result<bool, sqlx::Error> {
    let at = to_ms(e.at);
    let (was_member, joined_at) = on_tx!(tx, |tx| 'moved: {
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
            // Older than the last event: stale, unless it is an earlier time for the leave
            // that ended this membership (a member list's `left_at` after an upload dated
            // the leave at the upload). Then the leave is re-dated and judged again.
            let Some(c) = current.as_ref().filter(|c| redates(e, c, at)) else {
                return Ok(false);
            };
            sqlx::query("UPDATE group_assignments SET left_at = $1 WHERE participant_id = $2 AND group_id = $3")
                .bind(at)
                .bind(participant_id)
                .bind(&group.id)
                .execute(&mut *tx)
                .await?;
            break 'moved (true, c.joined_at);
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
            }
        }
        (state == Some("joined"), joined_at)
    });
    let stay = Stay {
        participant_id,
        group,
        joined_at,
        was_member,
        at,
    };
    match e.kind {
        EventKind::MemberJoined => credit::on_joined(tx, &stay, terms).await?,
        EventKind::MemberLeft => credit::on_left(tx, &stay, terms).await?,
    }
    Ok(true)
}

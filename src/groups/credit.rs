//! What a join or leave means for the person's referral, inside the transaction that
//! moved their membership. Credit follows "still in a group of this campaign", judged at
//! the event's own time, not when the news arrives:
//! - a leave while the person was a member of another group of the campaign is a move,
//!   and changes nothing;
//! - a leave minutes after joining is flagged as fraud (`quick_leave`);
//! - any other leave inside the hold cancels the referral, even one that has qualified
//!   meanwhile; the reward engine then revokes its unpaid grants and flags paid ones for
//!   finance (`rewards::engine::revoke_cancelled`). A leave after the hold changes nothing.

use super::model::Group;
use crate::campaigns::Campaign;
use crate::db::Tx;
use crate::on_tx;
use crate::participants::qualification::{
    ON_FLAGGED_OPEN, ON_FLAGGED_QUALIFIED, ON_JOINED, ON_LEFT,
};

/// What judging an event needs from its campaign.
pub struct Terms {
    hold_hours: u32,
    quick_leave_ms: i64,
}

impl Terms {
    pub fn of(c: &Campaign) -> Terms {
        Terms {
            hold_hours: c.spec.qualification.hold_hours,
            quick_leave_ms: i64::from(c.spec.fraud.quick_leave_minutes) * 60_000,
        }
    }
}

/// One person's membership of one group, as the event left it.
pub struct Stay<'a> {
    pub participant_id: &'a str,
    pub group: &'a Group,
    /// When this membership began, in ms.
    pub joined_at: Option<i64>,
    /// Whether the person was a member of the group when the event came.
    pub was_member: bool,
    /// The event's time, in ms.
    pub at: i64,
}

/// A join starts the hold of a referral waiting for one.
pub async fn on_joined(tx: &mut Tx<'_>, s: &Stay<'_>, terms: &Terms) -> Result<(), sqlx::Error> {
    on_tx!(tx, |tx| {
        sqlx::query(ON_JOINED)
            .bind(s.at)
            .bind(i64::from(terms.hold_hours) * 3_600_000)
            .bind(s.participant_id)
            .execute(&mut *tx)
            .await?;
    });
    Ok(())
}

/// A leave: a move between groups, a quick leave, or a leave inside or after the hold.
pub async fn on_left(tx: &mut Tx<'_>, s: &Stay<'_>, terms: &Terms) -> Result<(), sqlx::Error> {
    let quick = on_tx!(tx, |tx| {
        // Members of another group of the campaign at the leave's time: joined by then,
        // and still there or left later.
        let elsewhere: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM group_assignments WHERE participant_id = $1 AND campaign_id = $2 \
             AND group_id <> $3 AND joined_at IS NOT NULL AND joined_at <= $4 \
             AND (state = 'joined' OR left_at > $4)",
        )
        .bind(s.participant_id)
        .bind(&s.group.campaign_id)
        .bind(&s.group.id)
        .bind(s.at)
        .fetch_one(&mut *tx)
        .await?;
        if elsewhere > 0 {
            return Ok(());
        }
        let stayed = s.joined_at.filter(|_| s.was_member).map(|j| s.at - j);
        if let Some(stayed) = stayed.filter(|ms| *ms < terms.quick_leave_ms) {
            for flagged in [ON_FLAGGED_OPEN, ON_FLAGGED_QUALIFIED] {
                sqlx::query(flagged)
                    .bind(s.at)
                    .bind("fraud:quick_leave")
                    .bind(s.participant_id)
                    .execute(&mut *tx)
                    .await?;
            }
            Some(stayed / 60_000)
        } else {
            sqlx::query(ON_LEFT)
                .bind(s.at)
                .bind(s.participant_id)
                .execute(&mut *tx)
                .await?;
            None
        }
    });
    if let Some(minutes) = quick {
        let campaign_id = &s.group.campaign_id;
        crate::fraud::store::quick_leave(tx, s.participant_id, campaign_id, minutes, s.at).await?;
    }
    Ok(())
}

//! When a referral counts. One row per invitee in `referrals`, moving through:
//!
//! ```text
//! pending  --joined-->            holding (hold_hours > 0) | qualified (hold_hours = 0)
//! holding  --hold_until passed--> qualified            (settle_expired_holds)
//! pending --left-->               cancelled (left_during_hold)
//! holding | qualified --left before hold_until--> cancelled (left_during_hold)
//! pending | holding --flagged-->  held (a marketer decides; never paid meanwhile)
//! qualified --flagged-->          cancelled (fraud:<rule>; unpaid grants are revoked)
//! held     --approved-->          pending (joining required, not in a group yet)
//!                                 | holding (the hold from the decision) | qualified (no hold)
//! held     --rejected-->          cancelled (rejected; unpaid grants are revoked)
//! ```
//! A referral starts `pending` when the campaign requires a group join, else `holding`
//! or `qualified` at once. A leave is judged by its own time, not by when the news
//! arrives: one inside the hold cancels even a referral that has qualified meanwhile
//! (the reward engine then revokes its unpaid grants and flags paid ones); one after the
//! hold changes nothing. Every transition is one conditional UPDATE, so replays and
//! several servers cannot apply one twice.

use chrono::{DateTime, Utc};

use crate::db::time::to_ms;
use crate::db::Db;
use crate::with_db;

/// Binds: $1 joined_at ms, $2 hold ms, $3 invitee id.
pub const ON_JOINED: &str = "UPDATE referrals SET \
     state = CASE WHEN $1 + $2 <= $1 THEN 'qualified' ELSE 'holding' END, \
     joined_at = $1, hold_until = $1 + $2, \
     qualified_at = CASE WHEN $1 + $2 <= $1 THEN $1 ELSE NULL END \
     WHERE invitee_id = $3 AND state = 'pending'";

/// Binds: $1 left_at ms (when the person left), $2 invitee id.
pub const ON_LEFT: &str = "UPDATE referrals SET state = 'cancelled', cancelled_at = $1, \
     cancel_reason = 'left_during_hold' WHERE invitee_id = $2 AND (state = 'pending' \
     OR (state IN ('holding', 'qualified') AND hold_until > $1 AND COALESCE(joined_at, created_at) <= $1))";

/// Binds: $1 at ms, $2 reason, $3 invitee id.
pub const ON_FLAGGED_OPEN: &str =
    "UPDATE referrals SET state = 'held', cancel_reason = $2, cancelled_at = $1 \
     WHERE invitee_id = $3 AND state IN ('pending', 'holding')";

/// Binds: $1 at ms, $2 reason, $3 invitee id.
pub const ON_FLAGGED_QUALIFIED: &str =
    "UPDATE referrals SET state = 'cancelled', cancel_reason = $2, cancelled_at = $1 \
     WHERE invitee_id = $3 AND state = 'qualified'";

/// A reviewer approved a held referral. Binds: $1 state (`pending`, `holding` or
/// `qualified`), $2 joined_at ms, $3 hold_until ms, $4 qualified_at ms, $5 invitee id.
pub const ON_APPROVED: &str = "UPDATE referrals SET state = $1, joined_at = $2, hold_until = $3, \
     qualified_at = $4, cancelled_at = NULL, cancel_reason = NULL \
     WHERE invitee_id = $5 AND state = 'held'";

/// A reviewer rejected a held referral. Binds: $1 at ms, $2 invitee id.
pub const ON_REJECTED: &str = "UPDATE referrals SET state = 'cancelled', cancelled_at = $1, \
     cancel_reason = 'rejected' WHERE invitee_id = $2 AND state = 'held'";

/// Where an approved referral goes: a hold restarts at the decision, since the
/// referral did not count while it was held. `first_join` is the invitee's earliest
/// current group join. Returns (state, joined_at, hold_until, qualified_at).
pub fn approved(
    require_group_join: bool,
    hold_hours: u32,
    first_join: Option<i64>,
    now_ms: i64,
) -> (&'static str, Option<i64>, Option<i64>, Option<i64>) {
    let hold_until = now_ms + i64::from(hold_hours) * 3_600_000;
    match (require_group_join && first_join.is_none(), hold_hours) {
        (true, _) => ("pending", None, None, None),
        (false, 0) => ("qualified", first_join, Some(now_ms), Some(now_ms)),
        (false, _) => ("holding", first_join, Some(hold_until), None),
    }
}

pub async fn on_joined(
    db: &Db,
    invitee_id: &str,
    hold_hours: u32,
    at: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    with_db!(db, write, |pool| {
        let done = sqlx::query(ON_JOINED)
            .bind(to_ms(at))
            .bind(i64::from(hold_hours) * 3_600_000)
            .bind(invitee_id)
            .execute(pool)
            .await?;
        Ok(done.rows_affected())
    })
}

pub async fn on_left(db: &Db, invitee_id: &str, at: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    with_db!(db, write, |pool| {
        let done = sqlx::query(ON_LEFT)
            .bind(to_ms(at))
            .bind(invitee_id)
            .execute(pool)
            .await?;
        Ok(done.rows_affected())
    })
}

/// A fraud flag on the invitee: an open referral is held, a qualified one cancelled.
pub async fn on_flagged(
    db: &Db,
    invitee_id: &str,
    rule: &str,
    at: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let reason = format!("fraud:{rule}");
    with_db!(db, write, |pool| {
        let mut tx = pool.begin().await?;
        let held = sqlx::query(ON_FLAGGED_OPEN)
            .bind(to_ms(at))
            .bind(&reason)
            .bind(invitee_id)
            .execute(&mut *tx)
            .await?;
        let cancelled = sqlx::query(ON_FLAGGED_QUALIFIED)
            .bind(to_ms(at))
            .bind(&reason)
            .bind(invitee_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(held.rows_affected() + cancelled.rows_affected())
    })
}

/// Referrals one settling statement qualifies. Each statement is a short write of its
/// own, so a backlog (a campaign paused for days, a bulk import) is worked off in slices
/// with leads and webhooks taking SQLite's one writer in between, instead of one long
/// statement that holds it for seconds.
const SETTLE_SLICE: i64 = 500;

/// Holds that have run their time qualify. Safe to run anywhere, any number of times:
/// each slice is found through `referrals_holding` (a partial index on the hold's end)
/// and changed by the same conditional UPDATE, so two servers never settle one twice.
pub async fn settle_expired_holds(db: &Db, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    settle_in_slices(db, now, SETTLE_SLICE).await
}

/// [`settle_expired_holds`] with the slice size given (tests use small ones).
pub async fn settle_in_slices(db: &Db, now: DateTime<Utc>, slice: i64) -> Result<u64, sqlx::Error> {
    crate::db::slices::in_slices(slice, || settle_slice(db, now, slice)).await
}

/// One slice of [`settle_in_slices`]: the referrals it qualified.
async fn settle_slice(db: &Db, now: DateTime<Utc>, slice: i64) -> Result<u64, sqlx::Error> {
    Ok(with_db!(db, write, |pool| {
        sqlx::query(
            "UPDATE referrals SET state = 'qualified', qualified_at = hold_until \
             WHERE invitee_id IN (SELECT invitee_id FROM referrals \
                 WHERE state = 'holding' AND hold_until <= $1 ORDER BY hold_until LIMIT $2) \
             AND state = 'holding' AND hold_until <= $1",
        )
        .bind(to_ms(now))
        .bind(slice)
        .execute(pool)
        .await?
        .rows_affected()
    }))
}

#[cfg(test)]
mod tests {
    use super::approved;

    #[test]
    fn an_approved_referral_waits_for_its_join_and_its_hold() {
        let now = 10_000_000;
        assert_eq!(approved(true, 72, None, now), ("pending", None, None, None));
        assert_eq!(
            approved(true, 2, Some(5), now),
            ("holding", Some(5), Some(now + 7_200_000), None)
        );
        assert_eq!(
            approved(false, 0, None, now),
            ("qualified", None, Some(now), Some(now))
        );
        assert_eq!(
            approved(false, 1, None, now),
            ("holding", None, Some(now + 3_600_000), None)
        );
    }
}

//! When a referral counts. One row per invitee in `referrals`, moving through:
//!
//! ```text
//! pending  --joined-->            holding (hold_hours > 0) | qualified (hold_hours = 0)
//! holding  --hold_until passed--> qualified            (settle_expired_holds)
//! pending --left-->               cancelled (left_during_hold)
//! holding | qualified --left before hold_until--> cancelled (left_during_hold)
//! pending | holding --flagged-->  held (a marketer decides; never paid meanwhile)
//! qualified --flagged-->          cancelled (fraud:<rule>; unpaid grants are revoked)
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

/// Holds that have run their time qualify. Safe to run anywhere, any number of times.
pub async fn settle_expired_holds(db: &Db, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    with_db!(db, write, |pool| {
        let done = sqlx::query(
            "UPDATE referrals SET state = 'qualified', qualified_at = hold_until \
             WHERE state = 'holding' AND hold_until <= $1",
        )
        .bind(to_ms(now))
        .execute(pool)
        .await?;
        Ok(done.rows_affected())
    })
}

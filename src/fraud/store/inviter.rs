//! The inviter's side of a neighbourhood: the inviter and their latest invitees (read once
//! for the leads of one inviter asking together), and the campaign's pace that a busy
//! inviter's is judged against (read from the per-minute counts).

use std::sync::Arc;

use super::{members, MEMBER};
use crate::db::Db;
use crate::fraud::signals::Member;
use crate::with_db;

/// How many of an inviter's invitees are read: the latest, newest first.
const INVITEES_READ: usize = 500;

/// An inviter and their latest invitees, as the rules read them, with whether each came
/// back read for those who signed up at or before `settled`.
#[derive(Clone)]
pub(super) struct Invitees {
    pub(super) inviter: Option<Member>,
    pub(super) invitees: Vec<Member>,
    settled: i64,
}

/// The inviter and their latest invitees, the came-back facts read for those past the
/// no-return window at `now`. Requests asking at once (a popular inviter's friends arriving
/// together) share one read that began after each of them asked
/// ([`crate::db::shared_read`]); its window ends at its own start, so it holds the facts of
/// everyone a sharer's window does, unless the sharer judges at a later time than the clock
/// (a job told another time), which then reads for itself.
pub(super) async fn invitees(
    db: &Db,
    inviter_id: &str,
    no_return_hours: u32,
    now: i64,
) -> sqlx::Result<Arc<Invitees>> {
    let window = i64::from(no_return_hours) * 3_600_000;
    let key = format!("invitees {inviter_id} {no_return_hours}");
    let shared = db
        .shared_reads()
        .read(&key, || {
            let at = now.max(chrono::Utc::now().timestamp_millis());
            read_invitees(db, inviter_id, at - window)
        })
        .await?;
    if shared.settled >= now - window {
        return Ok(shared);
    }
    Ok(Arc::new(read_invitees(db, inviter_id, now - window).await?))
}

/// The inviter and their latest invitees in one statement. The inviter's came-back fact
/// follows the same window as the invitees' (no rule reads an inviter's).
async fn read_invitees(db: &Db, inviter_id: &str, settled: i64) -> sqlx::Result<Invitees> {
    let filter = format!(
        "p.id = $1 UNION ALL SELECT * FROM ({MEMBER}p.inviter_id = $1 \
         ORDER BY p.created_at DESC LIMIT {INVITEES_READ}) AS latest"
    );
    let mut invitees = members(db, &filter, inviter_id, settled).await?;
    let inviter = invitees
        .iter()
        .position(|m| m.id == inviter_id)
        .map(|at| invitees.remove(at));
    Ok(Invitees {
        inviter,
        invitees,
        settled,
    })
}

/// The pace's window starts at the whole minute `since` falls in (`referral_pace.minute`).
fn first_minute(since: i64) -> i64 {
    since.div_euclid(60_000)
}

/// How many of the inviter's referrals fall in the pace's window, from their invitees as
/// read (the lead being judged is among them once it is stored, as in the counts).
#[derive(Clone, Copy)]
pub(super) enum Own {
    Counted(i64),
    /// Every invitee read is in the window, so there may be more: they are counted.
    Uncounted,
}

impl Own {
    pub(super) fn among(invitees: &[Member], since: i64) -> Own {
        let start = first_minute(since) * 60_000;
        let k = invitees.iter().filter(|m| m.created_at >= start).count() as i64;
        if invitees.len() >= INVITEES_READ && k == invitees.len() as i64 {
            Own::Uncounted
        } else {
            Own::Counted(k)
        }
    }
}

/// Invitees per active inviter in the campaign since the minute `since` falls in, this
/// inviter left out: `own` of the referrals counted there are theirs (as their invitees
/// were read). Read from the per-minute counts (`referral_pace`), at most eleven minutes'
/// rows whatever the campaign's traffic.
pub(super) async fn normal_pace(
    db: &Db,
    campaign_id: &str,
    inviter_id: &str,
    own: Own,
    since: i64,
) -> sqlx::Result<f64> {
    let minute = first_minute(since);
    let (invites, inviters): (i64, i64) = with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(referrals), 0) AS BIGINT), CAST(COALESCE(SUM(inviters), 0) AS BIGINT) \
             FROM referral_pace WHERE campaign_id = $1 AND minute >= $2",
        )
        .bind(campaign_id)
        .bind(minute)
        .fetch_one(pool)
        .await?
    });
    let own = match own {
        Own::Counted(k) => k,
        Own::Uncounted => with_db!(db, read, |pool| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM referrals WHERE inviter_id = $1 AND created_at >= $2",
            )
            .bind(inviter_id)
            .bind(minute * 60_000)
            .fetch_one(pool)
            .await?
        }),
    };
    let others = (invites - own).max(0);
    let active = (inviters - i64::from(own > 0)).max(0);
    Ok(if active > 0 {
        others as f64 / active as f64
    } else {
        0.0
    })
}

/// How long the per-minute pace is kept: the rules read its last eleven minutes; a day is
/// kept for whoever looks at it by hand.
pub const PACE_KEPT_MINUTES: i64 = 24 * 60;

/// Deletes the per-minute pace older than [`PACE_KEPT_MINUTES`] before `now_ms` (a
/// campaign's busy month left about 43,000 rows a month otherwise). Safe beside the
/// triggers: an inviter whose latest minute was deleted moves into the current minute as
/// before (SQLite's decrement finds no row; PostgreSQL's writes a row of -1 at that old
/// minute, which the next run deletes again), and no read sums minutes that old.
pub async fn prune_pace(db: &Db, now_ms: i64) -> sqlx::Result<u64> {
    let cutoff = first_minute(now_ms) - PACE_KEPT_MINUTES;
    // Most ticks find nothing; asking on the read side keeps SQLite's writer free.
    let due: Option<i64> = with_db!(db, read, |pool| {
        sqlx::query_scalar("SELECT minute FROM referral_pace WHERE minute < $1 LIMIT 1")
            .bind(cutoff)
            .fetch_optional(pool)
            .await?
    });
    if due.is_none() {
        return Ok(0);
    }
    Ok(with_db!(db, write, |pool| {
        sqlx::query("DELETE FROM referral_pace WHERE minute < $1")
            .bind(cutoff)
            .execute(pool)
            .await?
            .rows_affected()
    }))
}

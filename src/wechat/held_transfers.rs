//! Transfers held back by the payee's daily limit are tried again when their day is over
//! (`lease_until` holds the start of the next reporting day), and those held for the
//! payee's real name once it is given: still within today's limit, the transfer is
//! released to be sent like a new one, its `held_reason` kept as history; over it, it
//! waits for the next day; if its grant was meanwhile paid by file or revoked, it is
//! superseded. The conditional claim decides which server does it.

use anyhow::Context;

use super::transfer_store::{self as store, GrantTaken};
use crate::db::{Db, Tx};
use crate::{on_tx, with_db};

pub const DAILY_LIMIT: &str = "user_daily_limit";
/// The held transfers a release may send (`user_daily_limit`, and `real_name_required`
/// with the name given).
macro_rules! releasable {
    () => {
        "state = 'held' AND (held_reason = 'user_daily_limit' \
         OR (held_reason = 'real_name_required' AND user_name_cipher IS NOT NULL))"
    };
}

/// What became of a held transfer tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Released: sent by the next round like a new transfer.
    Released,
    /// Still over the day's limit: tried again the next day.
    StillHeld,
    /// Its grant is no longer waiting (paid by file, revoked): never sent.
    Superseded,
    /// Another server took it first.
    Elsewhere,
}

/// The day a release is tried on (ms).
#[derive(Debug, Clone, Copy)]
pub struct Day {
    pub now: i64,
    pub start: i64,
    pub next: i64,
}

/// Held transfers whose day is over, oldest first.
pub async fn due(db: &Db, now: i64, limit: i64) -> anyhow::Result<Vec<String>> {
    with_db!(db, read, |pool| {
        sqlx::query_scalar(concat!(
            "SELECT out_bill_no FROM wechat_transfers WHERE ",
            releasable!(),
            " AND lease_until <= $1 ORDER BY created_at LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await
        .context("finding held transfers due")
    })
}

#[derive(sqlx::FromRow)]
struct Held {
    grant_id: String,
    campaign_id: String,
    openid: String,
    amount: i64,
    held_reason: String,
}

/// Tries one held transfer again; `over_limit` is given its amount and what the payee
/// was sent today.
pub async fn release(
    tx: &mut Tx<'_>,
    out_bill_no: &str,
    day: Day,
    over_limit: impl FnOnce(i64, i64) -> bool,
) -> anyhow::Result<Release> {
    // Taken until the next day first: whatever follows, no other server tries it today.
    let held: Option<Held> = on_tx!(tx, |conn| {
        sqlx::query_as(concat!(
            "UPDATE wechat_transfers SET lease_until = $1, updated_at = $2 WHERE out_bill_no = $3 AND ",
            releasable!(),
            " AND lease_until <= $2 RETURNING grant_id, campaign_id, openid, amount, held_reason"
        ))
        .bind(day.next)
        .bind(day.now)
        .bind(out_bill_no)
        .fetch_optional(&mut *conn)
        .await
        .context("claiming a held transfer")?
    });
    let Some(held) = held else {
        return Ok(Release::Elsewhere);
    };
    let sent = store::sent_today(tx, &held.openid, day.start, out_bill_no).await?;
    if over_limit(held.amount, sent) {
        return Ok(Release::StillHeld);
    }
    let grant = GrantTaken {
        grant_id: &held.grant_id,
        campaign_id: &held.campaign_id,
        amount: held.amount,
        out_bill_no,
    };
    let note = format!(
        "wechat transfer {out_bill_no}, held back earlier ({})",
        held.held_reason
    );
    let released = store::take_grant(tx, &grant, &note, day.now).await?;
    let (state, released_at, settled_at) = if released {
        ("created", Some(day.now), None)
    } else {
        ("superseded", None, Some(day.now))
    };
    on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE wechat_transfers SET state = $1, released_at = $2, settled_at = $3, lease_until = 0 \
             WHERE out_bill_no = $4",
        )
        .bind(state)
        .bind(released_at)
        .bind(settled_at)
        .bind(out_bill_no)
        .execute(&mut *conn)
        .await
        .context("releasing a held transfer")?;
    });
    Ok(if released {
        Release::Released
    } else {
        Release::Superseded
    })
}

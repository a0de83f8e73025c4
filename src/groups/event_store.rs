//! Group event rows: stored once by their id, listed for marketers, claimed when matched
//! by hand. The functions taking a [`Tx`] run inside the caller's transaction.

use anyhow::Context;

use super::model::{EventKind, EventStatus, GroupEvent, Source};
use crate::db::time::to_ms;
use crate::db::{Db, Tx};
use crate::{on_tx, with_db};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredEvent {
    pub id: String,
    pub group_id: String,
    pub campaign_id: Option<String>,
    pub kind: EventKind,
    pub participant_code: Option<String>,
    pub phone: Option<String>,
    pub member_ref: Option<String>,
    pub occurred_at: i64,
    pub received_at: i64,
    pub source: Source,
    pub status: EventStatus,
    pub matched_by: Option<String>,
}

const COLUMNS: &str = "id, group_id, campaign_id, kind, participant_code, phone, member_ref, occurred_at, received_at, source, status, matched_by";

/// One page of events, newest first, and where the next one starts.
pub struct EventPage {
    pub events: Vec<StoredEvent>,
    /// The last event's (received_at, id); `None` on the last page.
    pub next: Option<(i64, String)>,
}

impl EventPage {
    /// The page from up to `limit + 1` rows (the one more says a next page exists).
    fn of(mut events: Vec<StoredEvent>, limit: i64) -> Self {
        let next = if events.len() as i64 > limit {
            events.truncate(limit as usize);
            events.last().map(|e| (e.received_at, e.id.clone()))
        } else {
            None
        };
        EventPage { events, next }
    }
}

/// Where a page starts: after the (received_at, id) of the previous page's last event, or
/// at the newest.
fn start(after: Option<&(i64, String)>) -> (i64, &str) {
    after.map_or((i64::MAX, ""), |(at, id)| (*at, id.as_str()))
}

/// A campaign's events with one status, newest first (ties by id), after `after`.
pub async fn by_status(
    db: &Db,
    campaign_id: &str,
    status: EventStatus,
    after: Option<&(i64, String)>,
    limit: i64,
) -> anyhow::Result<EventPage> {
    let (at, id) = start(after);
    let sql = format!(
        "SELECT {COLUMNS} FROM group_events WHERE campaign_id = $1 AND status = $2 \
         AND (received_at < $3 OR (received_at = $3 AND id > $4)) ORDER BY received_at DESC, id LIMIT $5"
    );
    let rows = with_db!(db, read, |pool| sqlx::query_as(&sql)
        .bind(campaign_id)
        .bind(status)
        .bind(at)
        .bind(id)
        .bind(limit + 1)
        .fetch_all(pool)
        .await)
    .context("listing group events")?;
    Ok(EventPage::of(rows, limit))
}

/// Events of every campaign (and of none) with one of `statuses`, newest first (ties by
/// id), after `after`.
pub async fn any_campaign(
    db: &Db,
    statuses: &[EventStatus],
    after: Option<&(i64, String)>,
    limit: i64,
) -> anyhow::Result<EventPage> {
    let (first, last) = match statuses {
        [] => return Ok(EventPage::of(Vec::new(), limit)),
        [one] => (*one, *one),
        [first, .., last] => (*first, *last),
    };
    anyhow::ensure!(statuses.len() <= 2, "at most two statuses");
    let (at, id) = start(after);
    let sql = format!(
        "SELECT {COLUMNS} FROM group_events WHERE status IN ($1, $2) \
         AND (received_at < $3 OR (received_at = $3 AND id > $4)) ORDER BY received_at DESC, id LIMIT $5"
    );
    let rows = with_db!(db, read, |pool| sqlx::query_as(&sql)
        .bind(first)
        .bind(last)
        .bind(at)
        .bind(id)
        .bind(limit + 1)
        .fetch_all(pool)
        .await)
    .context("listing unmatched group events")?;
    Ok(EventPage::of(rows, limit))
}

pub async fn in_campaign(
    db: &Db,
    campaign_id: &str,
    id: &str,
) -> anyhow::Result<Option<StoredEvent>> {
    let sql = format!("SELECT {COLUMNS} FROM group_events WHERE id = $1 AND campaign_id = $2");
    with_db!(db, read, |pool| sqlx::query_as(&sql)
        .bind(id)
        .bind(campaign_id)
        .fetch_optional(pool)
        .await)
    .context("reading a group event")
}

/// Whether an event with this id is stored (a replay would change nothing).
pub async fn exists(db: &Db, id: &str) -> anyhow::Result<bool> {
    let found: Option<i64> = with_db!(db, read, |pool| sqlx::query_scalar(
        "SELECT CAST(1 AS BIGINT) FROM group_events WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await)
    .context("looking up a group event")?;
    Ok(found.is_some())
}

/// The participant a member reference was learnt for.
pub async fn member_ref_owner(
    db: &Db,
    campaign_id: &str,
    member_ref: &str,
) -> anyhow::Result<Option<String>> {
    with_db!(db, read, |pool| sqlx::query_scalar(
        "SELECT participant_id FROM member_refs WHERE campaign_id = $1 AND member_ref = $2",
    )
    .bind(campaign_id)
    .bind(member_ref)
    .fetch_optional(pool)
    .await)
    .context("looking up a member reference")
}

/// How a new event is stored.
pub struct NewEvent<'a> {
    pub event: &'a GroupEvent,
    pub campaign_id: Option<&'a str>,
    pub source: Source,
    pub received_at: i64,
    /// The participant and how they matched ("code", "phone", "member_ref").
    pub matched: Option<(&'a str, &'a str)>,
    pub status: EventStatus,
}

/// Stores an event; false when its id was already stored (a replay).
pub async fn insert(tx: &mut Tx<'_>, n: &NewEvent<'_>) -> Result<bool, sqlx::Error> {
    let e = n.event;
    let stored: Option<String> = on_tx!(tx, |conn| {
        sqlx::query_scalar(
            "INSERT INTO group_events (id, group_id, campaign_id, kind, participant_code, phone, member_ref, occurred_at, \
             received_at, source, participant_id, status, matched_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING RETURNING id",
        )
        .bind(&e.id)
        .bind(&e.group_id)
        .bind(n.campaign_id)
        .bind(e.kind)
        .bind(e.participant_code.as_deref())
        .bind(e.phone.as_deref())
        .bind(e.member_ref.as_deref())
        .bind(to_ms(e.at))
        .bind(n.received_at)
        .bind(n.source)
        .bind(n.matched.map(|m| m.0))
        .bind(n.status)
        .bind(n.matched.map(|m| m.1))
        .fetch_optional(conn)
        .await?
    });
    Ok(stored.is_some())
}

pub async fn mark_stale(tx: &mut Tx<'_>, event_id: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, |conn| {
        sqlx::query("UPDATE group_events SET status = 'stale' WHERE id = $1")
            .bind(event_id)
            .execute(conn)
            .await?;
    });
    Ok(())
}

/// Claims an unmatched event for the participant a marketer chose; false when it was
/// no longer unmatched.
pub async fn claim_by_hand(
    tx: &mut Tx<'_>,
    event_id: &str,
    participant_id: &str,
) -> Result<bool, sqlx::Error> {
    let claimed = on_tx!(tx, |conn| {
        sqlx::query(
            "UPDATE group_events SET status = 'applied', participant_id = $1, matched_by = 'manual' \
             WHERE id = $2 AND status = 'unmatched'",
        )
        .bind(participant_id)
        .bind(event_id)
        .execute(conn)
        .await?
        .rows_affected()
    });
    Ok(claimed == 1)
}

//! The live code (群活码): which group a person is sent to. Sticky (the same person gets
//! the same group), filled in order, never past capacity counting seats held for people
//! routed but not yet joined. Seats are taken with one conditional UPDATE, so several
//! servers routing at once cannot overfill a group.
//!
//! The next open group is read from a partial index of the groups with a seat left
//! (migration 0010) in fill order, a few at a time, so routing costs the same with ten
//! open groups or ten thousand. A new lead takes its seat in the lead's own write.

use chrono::{DateTime, Utc};

use std::sync::LazyLock;

use super::model::{Group, Kind, COLUMNS};
use crate::campaigns::Campaign;
use crate::db::direct::Direct;
use crate::db::statement::{self, Columns, Param};
use crate::db::time::to_ms;
use crate::db::{Db, Tx};
use crate::{on_tx, with_db};

#[derive(sqlx::FromRow)]
struct Assignment {
    group_id: String,
    state: String,
    reserved_until: Option<i64>,
}

/// The group for this participant, taking a seat if needed; `None` when no group is open
/// or the person has reached the campaign's limit of groups.
pub async fn route(
    db: &Db,
    campaign: &Campaign,
    participant_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<Group>, sqlx::Error> {
    // A campaign without groups routes nobody: answer without taking the writer.
    let has_groups: bool = with_db!(db, read, |pool| {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM groups WHERE campaign_id = $1)")
            .bind(&campaign.id)
            .fetch_one(pool)
            .await?
    });
    if !has_groups {
        return Ok(None);
    }
    let terms = RouteTerms::new(campaign, participant_id, now);
    // On SQLite the seat joins the group commit of the single writer, like leads do.
    db.write_tx(move |tx| Box::pin(async move { route_in(tx, &terms).await }))
        .await
}

/// Where a pool read stopped: the fill order's key of the last group it returned.
#[derive(sqlx::FromRow)]
struct PoolKey {
    id: String,
    position: i64,
    created_at: i64,
}

/// Pool groups read per round; the first one nearly always has the seat.
const POOL_BATCH: i64 = 4;

/// The conditions of a group in the pool with a seat left, given the placeholders of the
/// campaign and of the time. They contain the predicate of the partial index
/// `groups_open_in_fill_order`, written identically so both planners use it: SQLite's
/// reads the seat count (`capacity > members + reserved`), PostgreSQL's the stored
/// `has_seat` (the same test, kept with the row), so that taking a seat, which changes no
/// indexed column until the group fills, is an update in place (migration 0028).
macro_rules! open_group {
    ($campaign:literal, $now:literal) => {
        concat!(
            "campaign_id = ",
            $campaign,
            " AND NOT closed AND kind <> 'vip' AND capacity > members + reserved AND has_seat \
             AND (expires_at IS NULL OR expires_at > ",
            $now,
            ")"
        )
    };
}
pub(crate) use open_group;

/// The next open groups in fill order after the cursor (`$3` NULL: from the start),
/// skipping groups the person left.
const NEXT_OPEN: &str = concat!(
    "SELECT id, position, created_at FROM groups WHERE ",
    open_group!("$1", "$2"),
    " AND ($3 IS NULL OR (position, created_at, id) > ($3, $4, $5)) \
     AND NOT EXISTS (SELECT 1 FROM group_assignments a \
                     WHERE a.participant_id = $6 AND a.group_id = groups.id AND a.state = 'left') \
     ORDER BY position, created_at, id LIMIT $7"
);

/// The seat of someone with no group yet, in one statement: the first open group in fill
/// order takes it. The seat is re-checked on the row itself, so a group another server
/// filled in between takes nobody (PostgreSQL re-reads the locked row). `$when` is a
/// further condition (with its `AND`), or empty.
macro_rules! first_seat {
    ($campaign:literal, $now:literal, $when:literal) => {
        concat!(
            "UPDATE groups SET reserved = reserved + 1 WHERE ",
            $when,
            "id = (SELECT id FROM groups WHERE ",
            open_group!($campaign, $now),
            " ORDER BY position, created_at, id LIMIT 1) AND NOT closed AND (expires_at IS NULL OR expires_at > ",
            $now,
            ") AND members + reserved < capacity RETURNING "
        )
    };
}

const FIRST_SEAT: &str = first_seat!("$1", "$2", "");

/// What routing one person needs to know.
pub struct RouteTerms {
    campaign_id: String,
    participant_id: String,
    now_ms: i64,
    until: i64,
    max_groups: i64,
}

impl RouteTerms {
    /// `$24` and `$25` of [`SEAT_CTES`]: the time and the reservation's end.
    pub fn seat_params(&self) -> [Param<'static>; 2] {
        [self.now_ms.into(), self.until.into()]
    }

    pub fn new(campaign: &Campaign, participant_id: &str, now: DateTime<Utc>) -> Self {
        RouteTerms {
            campaign_id: campaign.id.clone(),
            participant_id: participant_id.to_owned(),
            now_ms: to_ms(now),
            until: to_ms(now) + i64::from(campaign.spec.groups.reservation_minutes) * 60_000,
            max_groups: i64::from(campaign.spec.groups.max_per_person),
        }
    }
}

/// Routes a participant created in this same transaction: they hold no seat and have
/// left no group, so the first open group in fill order is theirs, found and taken in one
/// statement; the pool is read only when that group filled in between.
pub async fn route_new(tx: &mut Tx<'_>, t: &RouteTerms) -> Result<Option<Group>, sqlx::Error> {
    let first_seat = format!("{FIRST_SEAT}{COLUMNS}");
    let group: Option<Group> = on_tx!(tx, |conn| {
        sqlx::query_as(&first_seat)
            .bind(&t.campaign_id)
            .bind(t.now_ms)
            .fetch_optional(&mut *conn)
            .await?
    });
    match group {
        Some(group) => {
            assign(tx, t, &group.id).await?;
            Ok(Some(group))
        }
        None => route_new_from_pool(tx, t).await,
    }
}

/// [`route_new`] as the tail of one PostgreSQL statement that inserted the person in a CTE
/// `p` (one row, or none when the phone had taken part): CTE `g` takes the first open
/// group's seat and returns the group ([`COLUMNS`]), `a` records the person's seat. `$1`
/// is the person, `$2` the campaign, `$24` the time and `$25` the reservation's end.
/// When `g` is empty though the person was inserted, the group filled in between (another
/// server): [`route_new_from_pool`] reads the pool.
pub static SEAT_CTES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "g AS ({FIRST_SEAT}{COLUMNS}), \
         a AS (INSERT INTO group_assignments (participant_id, group_id, campaign_id, state, assigned_at, reserved_until) \
               SELECT $1, g.id, $2, 'reserved', $24, $25 FROM g)",
        FIRST_SEAT = FIRST_SEAT_AFTER_INSERT
    )
});

/// [`FIRST_SEAT`] taken only when the person was inserted (CTE `p`), with [`SEAT_CTES`]'
/// placeholders.
const FIRST_SEAT_AFTER_INSERT: &str = first_seat!("$2", "$24", "EXISTS (SELECT 1 FROM p) AND ");

/// A new person whose first open group filled between the read and the seat: the pool,
/// in fill order.
pub async fn route_new_from_pool(
    tx: &mut Tx<'_>,
    t: &RouteTerms,
) -> Result<Option<Group>, sqlx::Error> {
    seat_from_pool(tx, t, Vec::new(), t.max_groups > 0).await
}

/// [`route_new`] stepped straight on SQLite's handle. The writer is the only one, so the
/// group the first-seat statement chose cannot fill in between: no group means none is
/// open.
pub fn route_new_direct(direct: &mut Direct, t: &RouteTerms) -> statement::Result<Option<Group>> {
    static FIRST_SEAT_ROW: LazyLock<String> = LazyLock::new(|| format!("{FIRST_SEAT}{COLUMNS}"));
    let group = direct.row(
        &FIRST_SEAT_ROW,
        &[t.campaign_id.as_str().into(), t.now_ms.into()],
        read_group,
    )?;
    if let Some(group) = &group {
        direct.execute(
            ASSIGN,
            &[
                t.participant_id.as_str().into(),
                group.id.as_str().into(),
                t.campaign_id.as_str().into(),
                t.now_ms.into(),
                t.until.into(),
            ],
        )?;
    }
    Ok(group)
}

/// A group read in [`COLUMNS`]' order.
fn read_group(row: &Columns) -> statement::Result<Group> {
    Ok(Group {
        id: row.text(0)?,
        campaign_id: row.text(1)?,
        name: row.text(2)?,
        kind: row.parsed(3, Kind::parse)?,
        capacity: row.int(4)?,
        qr_asset: row.text(5)?,
        expires_at: row.opt_int(6)?,
        position: row.int(7)?,
        closed: row.int(8)? != 0,
        members: row.int(9)?,
        reserved: row.int(10)?,
    })
}

/// Routing inside the caller's transaction; written once for both backends.
async fn route_in(tx: &mut Tx<'_>, t: &RouteTerms) -> Result<Option<Group>, sqlx::Error> {
    let group_sql = format!("SELECT {COLUMNS} FROM groups WHERE id = $1");
    let assignments: Vec<Assignment> = on_tx!(tx, |tx| {
        // Serialises routing of one person (a row lock on PostgreSQL; SQLite has one writer).
        sqlx::query("UPDATE participants SET status = status WHERE id = $1")
            .bind(&t.participant_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query_as(
            "SELECT group_id, state, reserved_until FROM group_assignments \
             WHERE participant_id = $1 AND campaign_id = $2 ORDER BY assigned_at DESC",
        )
        .bind(&t.participant_id)
        .bind(&t.campaign_id)
        .fetch_all(&mut *tx)
        .await?
    });
    let held = assignments.iter().find(|a| {
        a.state == "joined"
            || (a.state == "reserved" && a.reserved_until.is_some_and(|u| u > t.now_ms))
    });
    if let Some(a) = held {
        return on_tx!(tx, |tx| sqlx::query_as(&group_sql)
            .bind(&a.group_id)
            .fetch_optional(&mut *tx)
            .await);
    }
    // A seat held past its time but not yet released is still counted: extend it.
    if let Some(a) = assignments.iter().find(|a| a.state == "reserved") {
        let extended = on_tx!(tx, |tx| sqlx::query(
            "UPDATE group_assignments SET reserved_until = $1 \
             WHERE participant_id = $2 AND group_id = $3 AND state = 'reserved'",
        )
        .bind(t.until)
        .bind(&t.participant_id)
        .bind(&a.group_id)
        .execute(&mut *tx)
        .await?
        .rows_affected());
        if extended == 1 {
            return on_tx!(tx, |tx| sqlx::query_as(&group_sql)
                .bind(&a.group_id)
                .fetch_optional(&mut *tx)
                .await);
        }
    }
    let used = assignments.iter().filter(|a| a.state != "expired").count() as i64;
    // The person's earlier group first (sticky), then the pool in fill order.
    let earlier: Vec<String> = assignments
        .iter()
        .filter(|a| a.state == "expired")
        .map(|a| a.group_id.clone())
        .take(1)
        .collect();
    seat_from_pool(tx, t, earlier, used < t.max_groups).await
}

/// Takes a seat in the first of `candidates` with one left, then (when `pool_left`) in the
/// pool in fill order. The cursor only moves forward, so a group that filled between the
/// read and the conditional UPDATE (another server) costs one more read, never a loop.
async fn seat_from_pool(
    tx: &mut Tx<'_>,
    t: &RouteTerms,
    mut candidates: Vec<String>,
    mut pool_left: bool,
) -> Result<Option<Group>, sqlx::Error> {
    let take_seat = format!(
        "UPDATE groups SET reserved = reserved + 1 WHERE id = $1 AND campaign_id = $2 AND NOT closed \
         AND (expires_at IS NULL OR expires_at > $3) AND members + reserved < capacity RETURNING {COLUMNS}"
    );
    let mut after: Option<PoolKey> = None;
    loop {
        for group_id in candidates.drain(..) {
            let group: Option<Group> = on_tx!(tx, |conn| sqlx::query_as(&take_seat)
                .bind(&group_id)
                .bind(&t.campaign_id)
                .bind(t.now_ms)
                .fetch_optional(&mut *conn)
                .await?);
            let Some(group) = group else { continue };
            assign(tx, t, &group.id).await?;
            return Ok(Some(group));
        }
        if !pool_left {
            return Ok(None);
        }
        let mut batch: Vec<PoolKey> = on_tx!(tx, |conn| sqlx::query_as(NEXT_OPEN)
            .bind(&t.campaign_id)
            .bind(t.now_ms)
            .bind(after.as_ref().map(|k| k.position))
            .bind(after.as_ref().map(|k| k.created_at))
            .bind(after.as_ref().map(|k| k.id.clone()))
            .bind(&t.participant_id)
            .bind(POOL_BATCH)
            .fetch_all(&mut *conn)
            .await?);
        pool_left = batch.len() as i64 == POOL_BATCH;
        candidates = batch.iter().map(|k| k.id.clone()).collect();
        after = batch.pop();
    }
}

/// The person's seat in a group whose seat count was just taken.
const ASSIGN: &str =
    "INSERT INTO group_assignments (participant_id, group_id, campaign_id, state, assigned_at, reserved_until) \
     VALUES ($1, $2, $3, 'reserved', $4, $5) ON CONFLICT (participant_id, group_id) \
     DO UPDATE SET state = 'reserved', reserved_until = excluded.reserved_until";

/// Records the person's seat in a group whose seat count was just taken.
async fn assign(tx: &mut Tx<'_>, t: &RouteTerms, group_id: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, |conn| {
        sqlx::query(ASSIGN)
            .bind(&t.participant_id)
            .bind(group_id)
            .bind(&t.campaign_id)
            .bind(t.now_ms)
            .bind(t.until)
            .execute(&mut *conn)
            .await?;
    });
    Ok(())
}

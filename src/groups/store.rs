//! Group rows and memberships.

use anyhow::Context;

use super::model::{Group, GroupInput, COLUMNS};
use super::routing::open_group;
use crate::db::time::to_ms;
use crate::db::{Db, Tx};
use crate::{on_tx, with_db};

pub async fn insert(
    tx: &mut Tx<'_>,
    campaign_id: &str,
    input: &GroupInput,
    now_ms: i64,
) -> anyhow::Result<Group> {
    let sql = format!(
        "INSERT INTO groups (id, campaign_id, name, kind, capacity, qr_asset, expires_at, position, closed, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, \
                 COALESCE($8, (SELECT COALESCE(MAX(position), -1) + 1 FROM groups WHERE campaign_id = $2)), $9, $10, $10) \
         RETURNING {COLUMNS}"
    );
    on_tx!(tx, |conn| {
        sqlx::query_as(&sql)
            .bind(uuid::Uuid::now_v7().simple().to_string())
            .bind(campaign_id)
            .bind(input.name.trim())
            .bind(input.kind)
            .bind(input.capacity)
            .bind(&input.qr_asset)
            .bind(input.expires_at.map(to_ms))
            .bind(input.position)
            .bind(input.closed)
            .bind(now_ms)
            .fetch_one(&mut *conn)
            .await
    })
    .context("adding a group")
}

pub async fn update(
    tx: &mut Tx<'_>,
    group_id: &str,
    input: &GroupInput,
    now_ms: i64,
) -> anyhow::Result<Option<Group>> {
    let sql = format!(
        "UPDATE groups SET name = $1, kind = $2, capacity = $3, qr_asset = $4, expires_at = $5, \
         position = COALESCE($6, position), closed = $7, updated_at = $8 WHERE id = $9 RETURNING {COLUMNS}"
    );
    on_tx!(tx, |conn| {
        sqlx::query_as(&sql)
            .bind(input.name.trim())
            .bind(input.kind)
            .bind(input.capacity)
            .bind(&input.qr_asset)
            .bind(input.expires_at.map(to_ms))
            .bind(input.position)
            .bind(input.closed)
            .bind(now_ms)
            .bind(group_id)
            .fetch_optional(&mut *conn)
            .await
    })
    .context("changing a group")
}

pub async fn by_campaign(db: &Db, campaign_id: &str) -> anyhow::Result<Vec<Group>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM groups WHERE campaign_id = $1 ORDER BY position, created_at, id"
    );
    with_db!(db, read, |pool| sqlx::query_as(&sql)
        .bind(campaign_id)
        .fetch_all(pool)
        .await)
    .context("listing a campaign's groups")
}

/// Up to `limit` groups of a campaign in fill order (position, then id: ids are
/// time-ordered uuids, so this is creation order within a position), after `after`.
pub async fn page(
    db: &Db,
    campaign_id: &str,
    after: Option<&(i64, String)>,
    limit: i64,
) -> anyhow::Result<Vec<Group>> {
    let (position, id) = after.map_or((i64::MIN, ""), |(p, id)| (*p, id.as_str()));
    let sql = format!(
        "SELECT {COLUMNS} FROM groups WHERE campaign_id = $1 \
         AND (position > $2 OR (position = $3 AND id > $4)) ORDER BY position, id LIMIT $5"
    );
    with_db!(db, read, |pool| sqlx::query_as(&sql)
        .bind(campaign_id)
        .bind(position)
        .bind(position)
        .bind(id)
        .bind(limit)
        .fetch_all(pool)
        .await)
    .context("paging a campaign's groups")
}

/// Whether anyone can be routed: an open group in the pool, found through the
/// open-groups index ([`open_group!`]) rather than by reading the pool.
pub async fn any_open(db: &Db, campaign_id: &str, now_ms: i64) -> anyhow::Result<bool> {
    with_db!(db, read, |pool| sqlx::query_scalar(concat!(
        "SELECT EXISTS (SELECT 1 FROM groups WHERE ",
        open_group!("$1", "$2"),
        ")"
    ))
    .bind(campaign_id)
    .bind(now_ms)
    .fetch_one(pool)
    .await)
    .context("asking whether a campaign has an open group")
}

/// Moves a group one place earlier (`up`) or later in its campaign's fill order, by
/// swapping it with its neighbour; positions are renumbered 0.. on the way, so groups that
/// shared a position get distinct ones. False when it is already first (or last).
pub async fn move_one(
    tx: &mut Tx<'_>,
    campaign_id: &str,
    group_id: &str,
    up: bool,
    now_ms: i64,
) -> Result<bool, sqlx::Error> {
    let mut order: Vec<(String, i64)> = on_tx!(tx, |conn| {
        sqlx::query_as(
            "SELECT id, position FROM groups WHERE campaign_id = $1 ORDER BY position, created_at, id",
        )
        .bind(campaign_id)
        .fetch_all(&mut *conn)
        .await?
    });
    let Some(at) = order.iter().position(|(id, _)| id == group_id) else {
        return Ok(false);
    };
    let Some(other) =
        (if up { at.checked_sub(1) } else { Some(at + 1) }).filter(|&o| o < order.len())
    else {
        return Ok(false);
    };
    order.swap(at, other);
    for (new, (id, old)) in order.iter().enumerate() {
        let new = new as i64;
        if *old != new {
            on_tx!(tx, |conn| {
                sqlx::query("UPDATE groups SET position = $1, updated_at = $2 WHERE id = $3")
                    .bind(new)
                    .bind(now_ms)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
            });
        }
    }
    Ok(true)
}

pub async fn by_id(db: &Db, id: &str) -> anyhow::Result<Option<Group>> {
    let sql = format!("SELECT {COLUMNS} FROM groups WHERE id = $1");
    with_db!(db, read, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await)
    .context("reading a group")
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Membership {
    pub group_id: String,
    pub group_name: String,
    pub state: String,
    pub assigned_at: i64,
    pub joined_at: Option<i64>,
    pub left_at: Option<i64>,
}

/// One person's membership in one group as it stands.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MembershipNow {
    /// 'reserved', 'joined' or 'left'.
    pub state: String,
    pub joined_at: Option<i64>,
    pub last_event_at: Option<i64>,
}

pub async fn membership_now(
    db: &Db,
    participant_id: &str,
    group_id: &str,
) -> anyhow::Result<Option<MembershipNow>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT state, joined_at, last_event_at FROM group_assignments WHERE participant_id = $1 AND group_id = $2",
        )
        .bind(participant_id)
        .bind(group_id)
        .fetch_optional(pool)
        .await
    })
    .context("reading a membership")
}

/// A participant's groups, oldest first.
pub async fn memberships(db: &Db, participant_id: &str) -> anyhow::Result<Vec<Membership>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT a.group_id, g.name AS group_name, a.state, a.assigned_at, a.joined_at, a.left_at \
             FROM group_assignments a JOIN groups g ON g.id = a.group_id WHERE a.participant_id = $1 ORDER BY a.assigned_at",
        )
        .bind(participant_id)
        .fetch_all(pool)
        .await
    })
    .context("reading a participant's groups")
}

/// Who is a member of a group now: participant id and code.
pub async fn joined_members(db: &Db, group_id: &str) -> anyhow::Result<Vec<(String, String)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT a.participant_id, p.code FROM group_assignments a JOIN participants p ON p.id = a.participant_id \
             WHERE a.group_id = $1 AND a.state = 'joined'",
        )
        .bind(group_id)
        .fetch_all(pool)
        .await
    })
    .context("listing a group's members")
}

//! The leaderboard (比): inviters ranked by qualified invites, ties going to whoever got
//! there first. Only real, qualified referrals count; nothing is padded. This is the
//! leaderboard's store: the ranking is SQL over `inviter_standings`, the per-inviter count
//! that triggers keep exact (migration 0022), so the top of the board and a person's rank
//! are index lookups however large the campaign.

use anyhow::Context;
use serde::Serialize;

use crate::db::Db;
use crate::participants::phone::mask;
use crate::with_db;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Entry {
    pub code: String,
    pub qualified_invites: i64,
    #[serde(skip)]
    pub reached_at: i64,
    #[serde(skip)]
    pub participant_id: String,
    #[serde(skip)]
    pub name: Option<String>,
    #[serde(skip)]
    pub phone: Option<String>,
}

impl Entry {
    pub fn masked_name(&self) -> String {
        match (&self.name, &self.phone) {
            (Some(n), _) if !n.is_empty() => {
                let first: String = n.chars().take(1).collect();
                format!("{first}**")
            }
            (_, Some(p)) => mask(p),
            _ => "***".into(),
        }
    }
}

pub async fn top(db: &Db, campaign_id: &str, limit: i64) -> Result<Vec<Entry>, sqlx::Error> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT p.code, s.qualified AS qualified_invites, s.reached_at, p.id AS participant_id, p.name, p.phone \
             FROM inviter_standings s JOIN participants p ON p.id = s.inviter_id \
             WHERE s.campaign_id = $1 AND s.qualified > 0 \
             ORDER BY s.qualified DESC, s.reached_at ASC, p.code ASC LIMIT $2",
        )
        .bind(campaign_id)
        .bind(limit)
        .fetch_all(pool)
        .await
    })
}

/// 1-based rank of an inviter, or `None` without qualified invites.
pub async fn rank_of(
    db: &Db,
    campaign_id: &str,
    inviter_id: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let mine: Option<(i64, i64)> = with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT qualified, reached_at FROM inviter_standings WHERE inviter_id = $1 AND qualified > 0",
        )
        .bind(inviter_id)
        .fetch_optional(pool)
        .await?
    });
    let Some((n, t)) = mine else { return Ok(None) };
    let ahead: i64 = with_db!(db, read, |pool| {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM inviter_standings \
             WHERE campaign_id = $1 AND (qualified > $2 OR (qualified = $3 AND reached_at < $4))",
        )
        .bind(campaign_id)
        .bind(n)
        .bind(n)
        .bind(t)
        .fetch_one(pool)
        .await?
    });
    Ok(Some(ahead + 1))
}

/// Campaigns with a leaderboard that have ended by `now`, each with the moment it ended
/// (unix ms): `ends_at`, or when its status was set to `ended` if that came first.
pub async fn ended(db: &Db, now: i64) -> anyhow::Result<Vec<(String, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT id, CAST(CASE WHEN ended_at IS NULL THEN COALESCE(ends_at, updated_at) \
                                  WHEN ends_at IS NULL OR ended_at < ends_at THEN ended_at \
                                  ELSE ends_at END AS BIGINT) \
             FROM campaigns WHERE (status = 'ended' OR (ends_at IS NOT NULL AND ends_at <= $1)) \
             AND spec LIKE '%\"leaderboard\"%'",
        )
        .bind(now)
        .fetch_all(pool)
        .await
        .context("finding ended campaigns with a leaderboard")
    })
}

//! The counts the funnel is made of, read from the counters the database keeps beside the
//! rows (migration 0024: `campaign_counts`, `quarter_hour_counts`) and the visit counters.

use anyhow::Context;

use crate::db::Db;
use crate::with_db;

/// A quarter hour in unix milliseconds: the grain of the time counters.
pub const QUARTER_MS: i64 = 900_000;

/// The kept counts of one campaign, summed over shards: (figure, bucket, count), only
/// counts that are not zero.
pub struct Figures(Vec<(String, String, i64)>);

impl Figures {
    /// (bucket, count) of one figure: a channel, a day, a generation or a rule id.
    pub fn of<'a>(&'a self, figure: &'a str) -> impl Iterator<Item = (&'a str, i64)> + 'a {
        self.0
            .iter()
            .filter(move |(f, _, _)| f == figure)
            .map(|(_, bucket, n)| (bucket.as_str(), *n))
    }
}

/// Every figure but the per-group ones (see [`groups`]).
pub async fn figures(db: &Db, campaign_id: &str) -> anyhow::Result<Figures> {
    let rows = with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT figure, bucket, CAST(SUM(n) AS BIGINT) FROM campaign_counts \
             WHERE campaign_id = $1 AND figure IN ('participants', 'leads', 'joined', 'invited', 'qualified', 'rewarded', \
                 'holder_cash', 'leads_on', 'generation', 'grants', 'cash', 'paid_cash') \
             GROUP BY figure, bucket HAVING SUM(n) <> 0",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .context("reading a campaign's counters")
    })?;
    Ok(Figures(rows))
}

/// (channel, day, visits, unique visitors, bot visits) per counter row.
pub async fn visit_counters(
    db: &Db,
    campaign_id: &str,
) -> anyhow::Result<Vec<(String, String, i64, i64, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as("SELECT channel, day, visits, unique_visitors, bot_visits FROM visit_counters WHERE campaign_id = $1")
            .bind(campaign_id)
            .fetch_all(pool)
            .await
            .context("reading visit counters")
    })
}

/// Leads per campaign on one reporting day ("2026-12-03"), for the campaign list.
pub async fn leads_on_day(db: &Db, day: &str) -> anyhow::Result<Vec<(String, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT campaign_id, CAST(SUM(n) AS BIGINT) FROM campaign_counts WHERE figure = 'leads_on' AND bucket = $1 \
             GROUP BY campaign_id",
        )
        .bind(day)
        .fetch_all(pool)
        .await
        .context("counting leads per campaign on a day")
    })
}

/// (day number since 1970 at the reporting offset, people whose first group join fell on
/// it, referrals that qualified on it); `offset_ms` is a whole number of quarter hours.
pub async fn quarter_hours_by_day(
    db: &Db,
    campaign_id: &str,
    offset_ms: i64,
) -> anyhow::Result<Vec<(i64, i64, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT CAST((quarter * 900000 + $2) / 86400000 AS BIGINT) AS day_no, \
                    CAST(SUM(first_joins) AS BIGINT), CAST(SUM(qualified) AS BIGINT) \
             FROM quarter_hour_counts WHERE campaign_id = $1 GROUP BY 1 \
             HAVING SUM(first_joins) <> 0 OR SUM(qualified) <> 0",
        )
        .bind(campaign_id)
        .bind(offset_ms)
        .fetch_all(pool)
        .await
        .context("counting group joins and qualified referrals per day")
    })
}

/// The first `limit` groups in the live code's order: id, name, members now, seats held,
/// people who ever joined it. Each group's joins are summed from its own counter rows
/// (the counters' primary key), so the cost follows `limit`, not the pool.
pub async fn groups(
    db: &Db,
    campaign_id: &str,
    limit: i64,
) -> anyhow::Result<Vec<(String, String, i64, i64, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT g.id, g.name, g.members, g.reserved, \
                    CAST(COALESCE((SELECT SUM(c.n) FROM campaign_counts c \
                                   WHERE c.campaign_id = $1 AND c.figure = 'group_joined' AND c.bucket = g.id), 0) AS BIGINT) \
             FROM groups g WHERE g.campaign_id = $1 ORDER BY g.position, g.created_at LIMIT $2",
        )
        .bind(campaign_id)
        .bind(limit)
        .fetch_all(pool)
        .await
        .context("counting group members")
    })
}

/// Groups of a campaign, open or not.
pub async fn group_count(db: &Db, campaign_id: &str) -> anyhow::Result<i64> {
    with_db!(db, read, |pool| {
        sqlx::query_scalar("SELECT COUNT(*) FROM groups WHERE campaign_id = $1")
            .bind(campaign_id)
            .fetch_one(pool)
            .await
            .context("counting groups")
    })
}

//! The counts the funnel is made of.

use anyhow::Context;

use crate::db::Db;
use crate::with_db;

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

/// (channel, leads, joined, participants) per channel.
pub async fn people_by_channel(
    db: &Db,
    campaign_id: &str,
) -> anyhow::Result<Vec<(String, i64, i64, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT channel, \
                CAST(SUM(CASE WHEN kind = 'lead' THEN 1 ELSE 0 END) AS BIGINT), \
                CAST(SUM(CASE WHEN status IN ('joined', 'left') THEN 1 ELSE 0 END) AS BIGINT), \
                CAST(COUNT(*) AS BIGINT) \
             FROM participants WHERE campaign_id = $1 GROUP BY channel",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .context("counting participants per channel")
    })
}

/// Qualified referrals per channel of the invitee.
pub async fn qualified_by_channel(
    db: &Db,
    campaign_id: &str,
) -> anyhow::Result<Vec<(String, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT p.channel, CAST(COUNT(*) AS BIGINT) FROM referrals r JOIN participants p ON p.id = r.invitee_id \
             WHERE r.campaign_id = $1 AND r.state = 'qualified' GROUP BY p.channel",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .context("counting qualified referrals per channel")
    })
}

pub async fn leads_by_day(db: &Db, campaign_id: &str) -> anyhow::Result<Vec<(String, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT created_day, CAST(COUNT(*) AS BIGINT) FROM participants WHERE campaign_id = $1 AND kind = 'lead' GROUP BY created_day",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .context("counting leads per day")
    })
}

/// Leads per campaign on one reporting day ("2026-12-03"), for the campaign list.
pub async fn leads_on_day(db: &Db, day: &str) -> anyhow::Result<Vec<(String, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT campaign_id, CAST(COUNT(*) AS BIGINT) FROM participants WHERE created_day = $1 AND kind = 'lead' GROUP BY campaign_id",
        )
        .bind(day)
        .fetch_all(pool)
        .await
        .context("counting leads per campaign on a day")
    })
}

/// (participants brought by someone, deepest generation).
pub async fn reach(db: &Db, campaign_id: &str) -> anyhow::Result<(i64, i64)> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN inviter_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
                    CAST(COALESCE(MAX(generation), 0) AS BIGINT) FROM participants WHERE campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_one(pool)
        .await
        .context("measuring the referral chains")
    })
}

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

/// (channel, participants holding a standing grant, standing cash granted) per channel of
/// the grant's holder.
pub async fn rewards_by_channel(
    db: &Db,
    campaign_id: &str,
) -> anyhow::Result<Vec<(String, i64, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT p.channel, CAST(COUNT(DISTINCT g.participant_id) AS BIGINT), \
                    CAST(COALESCE(SUM(CASE WHEN g.reward_type = 'cash' THEN g.amount ELSE 0 END), 0) AS BIGINT) \
             FROM grants g JOIN participants p ON p.id = g.participant_id \
             WHERE g.campaign_id = $1 AND g.status <> 'revoked' GROUP BY p.channel",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .context("counting rewarded participants per channel")
    })
}

/// (day number since 1970 at the reporting offset, people) by the day of each person's
/// first group join.
pub async fn joins_by_day(
    db: &Db,
    campaign_id: &str,
    offset_ms: i64,
) -> anyhow::Result<Vec<(i64, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT CAST((f.first_join + $2) / 86400000 AS BIGINT), CAST(COUNT(*) AS BIGINT) \
             FROM (SELECT MIN(joined_at) AS first_join FROM group_assignments \
                   WHERE campaign_id = $1 AND joined_at IS NOT NULL GROUP BY participant_id) f GROUP BY 1",
        )
        .bind(campaign_id)
        .bind(offset_ms)
        .fetch_all(pool)
        .await
        .context("counting group joins per day")
    })
}

/// (day number since 1970 at the reporting offset, referrals) by the day they qualified.
pub async fn qualified_by_day(
    db: &Db,
    campaign_id: &str,
    offset_ms: i64,
) -> anyhow::Result<Vec<(i64, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT CAST((qualified_at + $2) / 86400000 AS BIGINT), CAST(COUNT(*) AS BIGINT) FROM referrals \
             WHERE campaign_id = $1 AND state = 'qualified' AND qualified_at IS NOT NULL GROUP BY 1",
        )
        .bind(campaign_id)
        .bind(offset_ms)
        .fetch_all(pool)
        .await
        .context("counting qualified referrals per day")
    })
}

/// (standing grants, standing cash) per reward rule.
pub async fn spend_by_rule(db: &Db, campaign_id: &str) -> anyhow::Result<Vec<(String, i64, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT rule_id, CAST(COUNT(*) AS BIGINT), \
                    CAST(COALESCE(SUM(CASE WHEN reward_type = 'cash' THEN amount ELSE 0 END), 0) AS BIGINT) \
             FROM grants WHERE campaign_id = $1 AND status <> 'revoked' GROUP BY rule_id",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .context("summing grants per rule")
    })
}

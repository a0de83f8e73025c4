//! How far the chains reach and how long people stay in the groups: the deepest chain
//! and the retention windows.

use anyhow::Context;

use super::store::QUARTER_MS;
use crate::db::Db;
use crate::with_db;

/// The invite codes of the deepest chain (the earliest person of `generation`, the deepest
/// there is, and their inviters), first participant first. The earliest moment is asked
/// first: it is one step down participants_by_generation, where ordering the generation's
/// people by time would walk a large part of the campaign.
pub async fn longest_chain(
    db: &Db,
    campaign_id: &str,
    generation: i64,
) -> anyhow::Result<Vec<String>> {
    with_db!(db, read, |pool| {
        sqlx::query_scalar(
            "WITH RECURSIVE chain (id, code, inviter_id, generation) AS ( \
                SELECT id, code, inviter_id, generation FROM participants WHERE id = ( \
                    SELECT id FROM participants WHERE campaign_id = $1 AND generation = $2 AND created_at = ( \
                        SELECT MIN(created_at) FROM participants WHERE campaign_id = $1 AND generation = $2) \
                    ORDER BY id LIMIT 1) \
                UNION ALL \
                SELECT p.id, p.code, p.inviter_id, p.generation FROM participants p JOIN chain c ON p.id = c.inviter_id) \
             SELECT code FROM chain ORDER BY generation",
        )
        .bind(campaign_id)
        .bind(generation)
        .fetch_all(pool)
        .await
        .context("following the longest referral chain")
    })
}

/// The counter column of people still in a group `days` after their first join.
fn kept_column(days: i64) -> anyhow::Result<&'static str> {
    match days {
        1 => Ok("kept_1d"),
        7 => Ok("kept_7d"),
        30 => Ok("kept_30d"),
        _ => {
            anyhow::bail!("no retention counter for {days} days (migration 0024 keeps 1, 7 and 30)")
        }
    }
}

/// (people whose first group join is at least `days` old, those of them still in a group
/// `days` after it): a person counts as still in when some membership is current or the
/// last one ended at least `days` after the first join. Whole quarter hours before the
/// window's edge come from the counters, the quarter hour it falls in from the people.
pub async fn retention(
    db: &Db,
    campaign_id: &str,
    days: i64,
    now_ms: i64,
) -> anyhow::Result<(i64, i64)> {
    let span = days * 86_400_000;
    let edge = now_ms - span;
    let edge_quarter = edge.div_euclid(QUARTER_MS);
    let counted = format!(
        "SELECT CAST(COALESCE(SUM(first_joins), 0) AS BIGINT), CAST(COALESCE(SUM({}), 0) AS BIGINT) \
         FROM quarter_hour_counts WHERE campaign_id = $1 AND quarter < $2",
        kept_column(days)?
    );
    let (joined, kept): (i64, i64) = with_db!(db, read, |pool| {
        sqlx::query_as(&counted)
            .bind(campaign_id)
            .bind(edge_quarter)
            .fetch_one(pool)
            .await
            .context("summing the retention counters")
    })?;
    let (edge_joined, edge_kept): (i64, i64) = with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT), \
                    CAST(COALESCE(SUM(CASE WHEN still_in OR last_left >= first_join + $4 THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM group_stays WHERE campaign_id = $1 AND first_join >= $2 AND first_join <= $3",
        )
        .bind(campaign_id)
        .bind(edge_quarter * QUARTER_MS)
        .bind(edge)
        .bind(span)
        .fetch_one(pool)
        .await
        .context("measuring retention at the window's edge")
    })?;
    Ok((joined + edge_joined, kept + edge_kept))
}

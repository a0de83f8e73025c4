//! How far the chains reach: people per generation, whom each channel brought, the
//! deepest chain and how long people stay in the groups.

use anyhow::Context;

use crate::db::Db;
use crate::with_db;

/// (generation, participants) per generation.
pub async fn generations(db: &Db, campaign_id: &str) -> anyhow::Result<Vec<(i64, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT generation, CAST(COUNT(*) AS BIGINT) FROM participants WHERE campaign_id = $1 GROUP BY generation",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .context("counting participants per generation")
    })
}

/// (channel of the inviter, people brought) per channel.
pub async fn invited_by_channel(db: &Db, campaign_id: &str) -> anyhow::Result<Vec<(String, i64)>> {
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT i.channel, CAST(COUNT(*) AS BIGINT) FROM participants p JOIN participants i ON i.id = p.inviter_id \
             WHERE p.campaign_id = $1 GROUP BY i.channel",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .context("counting invitees per channel of the inviter")
    })
}

/// The invite codes of the deepest chain (the earliest of the deepest people and their
/// inviters), first participant first.
pub async fn longest_chain(db: &Db, campaign_id: &str) -> anyhow::Result<Vec<String>> {
    with_db!(db, read, |pool| {
        sqlx::query_scalar(
            "WITH RECURSIVE chain (id, code, inviter_id, generation) AS ( \
                SELECT id, code, inviter_id, generation FROM participants WHERE id = ( \
                    SELECT id FROM participants WHERE campaign_id = $1 \
                    ORDER BY generation DESC, created_at, id LIMIT 1) \
                UNION ALL \
                SELECT p.id, p.code, p.inviter_id, p.generation FROM participants p JOIN chain c ON p.id = c.inviter_id) \
             SELECT code FROM chain ORDER BY generation",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .context("following the longest referral chain")
    })
}

/// (people whose first group join is at least `days` old, those of them still in a group
/// `days` after it): a person counts as still in when some membership is current or the
/// last one ended at least `days` after the first join.
pub async fn retention(
    db: &Db,
    campaign_id: &str,
    days: i64,
    now_ms: i64,
) -> anyhow::Result<(i64, i64)> {
    let span = days * 86_400_000;
    with_db!(db, read, |pool| {
        sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT), \
                    CAST(COALESCE(SUM(CASE WHEN m.still_in = 1 OR m.last_left >= m.first_join + $2 THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM (SELECT MIN(joined_at) AS first_join, MAX(CASE WHEN state = 'joined' THEN 1 ELSE 0 END) AS still_in, \
                          MAX(left_at) AS last_left \
                   FROM group_assignments WHERE campaign_id = $1 AND joined_at IS NOT NULL GROUP BY participant_id) m \
             WHERE m.first_join <= $3",
        )
        .bind(campaign_id)
        .bind(span)
        .bind(now_ms - span)
        .fetch_one(pool)
        .await
        .context("measuring group retention")
    })
}

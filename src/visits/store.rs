use std::collections::{HashMap, HashSet};

use anyhow::Context;

use super::model::Visit;
use crate::db::Db;
use crate::with_db;

const ROWS_PER_STATEMENT: usize = 500;

#[derive(Default)]
struct Tally {
    visits: i64,
    unique_visitors: i64,
    bot_visits: i64,
}

/// Writes raw visits, first sightings of visitors and the day counters in one transaction.
pub async fn write_batch(db: &Db, batch: &[Visit]) -> Result<(), sqlx::Error> {
    // Only people count as unique visitors; the first sighting in this batch wins.
    let mut seen = HashSet::new();
    let candidates: Vec<&Visit> = batch
        .iter()
        .filter(|v| !v.is_bot && seen.insert((v.campaign_id.as_str(), v.visitor_hash.as_str())))
        .collect();
    with_db!(db, write, |pool| {
        let mut tx = pool.begin().await?;
        for chunk in batch.chunks(ROWS_PER_STATEMENT) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO visits (campaign_id, channel, ref_code, visitor_hash, device_id, is_bot, user_agent, visited_at) ",
            );
            q.push_values(chunk, |mut row, v| {
                row.push_bind(&v.campaign_id)
                    .push_bind(&v.channel)
                    .push_bind(v.ref_code.as_deref())
                    .push_bind(&v.visitor_hash)
                    // The page always carries the visitor cookie: its key is the device.
                    .push_bind(&v.visitor_hash)
                    .push_bind(v.is_bot)
                    .push_bind(&v.user_agent)
                    .push_bind(v.at_ms);
            });
            q.build().execute(&mut *tx).await?;
        }
        // visitor hash -> campaign id of the first sightings stored now (a visitor's hash
        // is keyed by its campaign, so the hash alone finds it; the campaign is checked).
        let mut new_visitors: HashMap<String, String> = HashMap::new();
        for chunk in candidates.chunks(ROWS_PER_STATEMENT) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO visitors (campaign_id, visitor_hash, first_seen_at) ",
            );
            q.push_values(chunk, |mut row, v| {
                row.push_bind(&v.campaign_id)
                    .push_bind(&v.visitor_hash)
                    .push_bind(v.at_ms);
            });
            q.push(" ON CONFLICT (campaign_id, visitor_hash) DO NOTHING RETURNING campaign_id, visitor_hash");
            let rows: Vec<(String, String)> = q.build_query_as().fetch_all(&mut *tx).await?;
            new_visitors.extend(rows.into_iter().map(|(campaign, hash)| (hash, campaign)));
        }
        let mut tallies: HashMap<(&str, &str, &str), Tally> = HashMap::new();
        for v in batch {
            let t = tallies
                .entry((&v.campaign_id, &v.channel, &v.day))
                .or_default();
            if v.is_bot {
                t.bot_visits += 1;
            } else {
                t.visits += 1;
            }
        }
        for v in &candidates {
            if new_visitors
                .remove(v.visitor_hash.as_str())
                .is_some_and(|campaign| campaign == v.campaign_id)
            {
                tallies
                    .entry((&v.campaign_id, &v.channel, &v.day))
                    .or_default()
                    .unique_visitors += 1;
            }
        }
        for ((campaign_id, channel, day), t) in &tallies {
            sqlx::query(
                "INSERT INTO visit_counters (campaign_id, channel, day, visits, unique_visitors, bot_visits) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (campaign_id, channel, day) DO UPDATE SET \
                 visits = visit_counters.visits + excluded.visits, \
                 unique_visitors = visit_counters.unique_visitors + excluded.unique_visitors, \
                 bot_visits = visit_counters.bot_visits + excluded.bot_visits",
            )
            .bind(campaign_id)
            .bind(channel)
            .bind(day)
            .bind(t.visits)
            .bind(t.unique_visitors)
            .bind(t.bot_visits)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    })
}

/// Rows one retention statement deletes, so a large backlog never holds a long lock.
const DELETE_CHUNK: i64 = 5000;

/// Deletes raw visits (user agent, visitor hash) older than `cutoff_ms`; the day counters
/// and the first sightings of visitors stay. Returns the rows deleted.
pub async fn delete_raw_before(db: &Db, cutoff_ms: i64) -> anyhow::Result<u64> {
    // The jobs run every second; most of the time nothing is due, and asking on the read
    // side keeps the single SQLite writer free for leads.
    let due: Option<i64> = with_db!(db, read, |pool| {
        sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM visits WHERE visited_at < $1 LIMIT 1")
            .bind(cutoff_ms)
            .fetch_optional(pool)
            .await
            .context("looking for raw visits past retention")?
    });
    if due.is_none() {
        return Ok(0);
    }
    let mut deleted = 0;
    loop {
        let rows = with_db!(db, write, |pool| {
            sqlx::query(
                "DELETE FROM visits WHERE id IN \
                 (SELECT id FROM visits WHERE visited_at < $1 ORDER BY visited_at LIMIT $2)",
            )
            .bind(cutoff_ms)
            .bind(DELETE_CHUNK)
            .execute(pool)
            .await
            .context("deleting raw visits past retention")?
            .rows_affected()
        });
        deleted += rows;
        if rows < DELETE_CHUNK as u64 {
            return Ok(deleted);
        }
    }
}

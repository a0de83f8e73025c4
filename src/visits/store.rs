use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::Context;

use super::model::Visit;
use crate::db::Db;
use crate::with_db;

const ROWS_PER_STATEMENT: usize = 500;
const DAY_MS: i64 = 86_400_000;

/// The visits of one batch that share a day counter row.
#[derive(Default)]
struct Tally<'a> {
    visits: i64,
    bot_visits: i64,
    /// People seen for the first time in this batch (their first visit here).
    firsts: Vec<&'a Visit>,
}

/// Writes batches of visits. It remembers the reporting day it last computed, so a day's
/// name is formatted once a day, not once per view.
pub struct Writer {
    offset_minutes: i32,
    /// [start, end) in ms of the day last named, and its name.
    day: (i64, i64, Arc<str>),
}

impl Writer {
    pub fn new(day_offset_minutes: i32) -> Self {
        Writer {
            offset_minutes: day_offset_minutes,
            day: (0, 0, Arc::from("")),
        }
    }

    /// The reporting day (`YYYY-MM-DD` at the configured offset) of an instant.
    fn day_of(&mut self, at_ms: i64) -> Arc<str> {
        let (start, end, name) = &self.day;
        if (*start..*end).contains(&at_ms) {
            return name.clone();
        }
        let offset_ms = i64::from(self.offset_minutes) * 60_000;
        let local = at_ms + offset_ms;
        let start = local - local.rem_euclid(DAY_MS) - offset_ms;
        let name: Arc<str> =
            crate::db::time::day(crate::db::time::from_ms(at_ms), self.offset_minutes).into();
        self.day = (start, start + DAY_MS, name.clone());
        name
    }

    /// Writes raw visits, first sightings of visitors and the day counters in one
    /// transaction.
    pub async fn write_batch(&mut self, db: &Db, batch: &[Visit]) -> Result<(), sqlx::Error> {
        let days: Vec<Arc<str>> = batch.iter().map(|v| self.day_of(v.at_ms)).collect();
        // Only people count as unique visitors; the first sighting in this batch wins and
        // counts for its own (campaign, channel, day).
        let mut seen = HashSet::new();
        let mut tallies: HashMap<(&str, &str, &str), Tally> = HashMap::new();
        for (v, day) in batch.iter().zip(&days) {
            let t = tallies
                .entry((&v.campaign_id, &v.channel, day))
                .or_default();
            if v.is_bot {
                t.bot_visits += 1;
            } else {
                t.visits += 1;
                if seen.insert((v.campaign_id.as_str(), v.visitor_hash.as_str())) {
                    t.firsts.push(v);
                }
            }
        }
        with_db!(db, write, |pool| {
            let mut tx = pool.begin().await?;
            for chunk in batch.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO visits (campaign_id, channel, ref_code, visitor_hash, is_bot, user_agent, visited_at) ",
                );
                q.push_values(chunk, |mut row, v| {
                    row.push_bind(&v.campaign_id)
                        .push_bind(&v.channel)
                        .push_bind(v.ref_code.as_deref())
                        .push_bind(&v.visitor_hash)
                        .push_bind(v.is_bot)
                        .push_bind(&v.user_agent)
                        .push_bind(v.at_ms);
                });
                q.build().execute(&mut *tx).await?;
            }
            for ((campaign_id, channel, day), t) in &tallies {
                // A first sighting stored now is a unique visitor of this counter row; one
                // already stored (an earlier batch, another server) is not.
                let mut unique_visitors = 0;
                for chunk in t.firsts.chunks(ROWS_PER_STATEMENT) {
                    let mut q = sqlx::QueryBuilder::new(
                        "INSERT INTO visitors (campaign_id, visitor_hash, first_seen_at) ",
                    );
                    q.push_values(chunk, |mut row, v| {
                        row.push_bind(&v.campaign_id)
                            .push_bind(&v.visitor_hash)
                            .push_bind(v.at_ms);
                    });
                    q.push(" ON CONFLICT (campaign_id, visitor_hash) DO NOTHING");
                    unique_visitors += q.build().execute(&mut *tx).await?.rows_affected() as i64;
                }
                sqlx::query(
                    "INSERT INTO visit_counters (campaign_id, channel, day, visits, unique_visitors, bot_visits) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (campaign_id, channel, day) DO UPDATE SET \
                     visits = visit_counters.visits + excluded.visits, \
                     unique_visitors = visit_counters.unique_visitors + excluded.unique_visitors, \
                     bot_visits = visit_counters.bot_visits + excluded.bot_visits",
                )
                .bind(*campaign_id)
                .bind(*channel)
                .bind(*day)
                .bind(t.visits)
                .bind(unique_visitors)
                .bind(t.bot_visits)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await
        })
    }
}

/// Rows one retention statement deletes, so a large backlog never holds a long lock.
const DELETE_CHUNK: i64 = 5000;

/// Deletes raw visits (user agent, visitor hash) older than `cutoff_ms`; the day counters
/// and the first sightings of visitors stay. Returns the rows deleted.
///
/// Visits are written in the order they were queued, so the table's start (by id) holds
/// the oldest ones, to within a batch's linger or a retry's wait; the job deletes from
/// there, a chunk at a time, and stops at the first chunk that is not all past retention.
/// A visit at most seconds newer than one behind it can hold that one back for as long,
/// and no index on the time is written by every page view for the job's sake.
pub async fn delete_raw_before(db: &Db, cutoff_ms: i64) -> anyhow::Result<u64> {
    // The jobs run every second; most of the time nothing is due, and asking on the read
    // side keeps the single SQLite writer free for leads.
    let oldest: Option<i64> = with_db!(db, read, |pool| {
        sqlx::query_scalar("SELECT visited_at FROM visits ORDER BY id LIMIT 1")
            .fetch_optional(pool)
            .await
            .context("looking for raw visits past retention")?
    });
    if oldest.is_none_or(|at| at >= cutoff_ms) {
        return Ok(0);
    }
    let one_chunk = || async {
        Ok::<_, anyhow::Error>(with_db!(db, write, |pool| {
            sqlx::query(
                "DELETE FROM visits WHERE id IN (SELECT id FROM visits ORDER BY id LIMIT $2) \
                 AND visited_at < $1",
            )
            .bind(cutoff_ms)
            .bind(DELETE_CHUNK)
            .execute(pool)
            .await
            .context("deleting raw visits past retention")?
            .rows_affected()
        }))
    };
    crate::db::slices::in_slices(DELETE_CHUNK, one_chunk).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_named_at_the_reporting_offset_and_remembered_until_it_ends() {
        let mut writer = Writer::new(480);
        let ms = |t: &str| crate::db::time::to_ms(t.parse().unwrap());
        assert_eq!(
            &*writer.day_of(ms("2026-11-23T15:59:59.999Z")),
            "2026-11-23"
        );
        assert_eq!(&*writer.day_of(ms("2026-11-23T16:00:00Z")), "2026-11-24");
        assert_eq!(
            &*writer.day_of(ms("2026-11-24T15:59:59.999Z")),
            "2026-11-24"
        );
        // Out of order (a view queued a moment before midnight, written after it).
        assert_eq!(&*writer.day_of(ms("2026-11-23T12:00:00Z")), "2026-11-23");
        let mut utc = Writer::new(0);
        assert_eq!(&*utc.day_of(ms("2026-11-23T23:59:59Z")), "2026-11-23");
        assert_eq!(&*utc.day_of(ms("1969-12-31T23:00:00Z")), "1969-12-31");
    }
}

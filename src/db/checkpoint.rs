//! SQLite's WAL checkpoints, mostly off the writer's commit path.
//!
//! By default the connection whose commit takes the write-ahead log past 1,000 pages copies
//! the log back into the database file inside that commit, two `fsync`s included. With one
//! writer running group commits, every lead queued behind that commit waits for it: under
//! lead capture a batch's commit averaged 880 µs against 430 µs for its leads' own work.
//! Here a task copies the log back from a reader connection every [`EVERY`] with a
//! `PASSIVE` checkpoint, which never waits for the writer and never blocks it. The writer
//! still checkpoints inline, but only past [`WRITER_PAGES`]: a checkpoint running beside
//! commits never reaches their last frames, and only one taken under the write lock lets
//! the log start over from its beginning, so this bounds the log's size. Durability is
//! unchanged: a commit is in the log either way, and a checkpoint syncs the log before it
//! copies.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sqlx::SqlitePool;

/// How often the background checkpoint runs.
pub const EVERY: Duration = Duration::from_millis(100);

/// The writer's own checkpoint threshold (`wal_autocheckpoint`), in pages: 40 MiB of log
/// at the default page size.
pub const WRITER_PAGES: u32 = 10_000;

/// Checkpoints `pool`'s database until the pool closes. `database` is its file: a tick
/// after which the log file has not changed (an idle server, a log already copied back)
/// does nothing, so an idle server is not woken ten times a second for nothing.
pub fn spawn(pool: SqlitePool, database: &Path) {
    let mut log = database.as_os_str().to_owned();
    log.push("-wal");
    let log = PathBuf::from(log);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut copied = None;
        loop {
            tick.tick().await;
            if pool.is_closed() {
                return;
            }
            // No log file (an in-memory database, or nothing written yet): nothing to copy.
            let Some(seen) = log_state(&log) else {
                continue;
            };
            if copied == Some(seen) {
                continue;
            }
            // Busy (another server's checkpoint on the same file) and a closing pool are
            // both fine: the next tick or the writer's own threshold catches up.
            match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                Ok(_) => copied = Some(seen),
                Err(_) if pool.is_closed() => return,
                Err(e) => tracing::debug!(error = %e, "background WAL checkpoint"),
            }
        }
    });
}

/// The log file's length and last change, or `None` when there is no log file.
fn log_state(log: &Path) -> Option<(u64, SystemTime)> {
    let meta = std::fs::metadata(log).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use crate::config::DatabaseUrl;
    use crate::db::Db;

    /// What the writer commits reaches the database file through the background task, far
    /// below the writer's own threshold.
    #[tokio::test]
    async fn the_log_is_copied_back_without_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoint.db");
        let url = DatabaseUrl::Sqlite(format!("sqlite://{}", path.display()));
        let db = Db::connect(&url, 2).await.unwrap();
        let Db::Sqlite { writer, .. } = &db else {
            unreachable!("a SQLite URL")
        };
        sqlx::query("CREATE TABLE t (v BLOB)")
            .execute(writer)
            .await
            .unwrap();
        let size = || std::fs::metadata(&path).unwrap().len();
        let before = size();
        // About 100 pages of log, a hundredth of the writer's threshold.
        for _ in 0..50 {
            sqlx::query("INSERT INTO t VALUES (randomblob(6000))")
                .execute(writer)
                .await
                .unwrap();
        }
        let deadline = Instant::now() + 20 * super::EVERY;
        while size() < before + 50 * 6000 && Instant::now() < deadline {
            tokio::time::sleep(super::EVERY / 2).await;
        }
        assert!(
            size() >= before + 50 * 6000,
            "the database file grew from {before} to only {} bytes",
            size()
        );
        db.close().await;
    }
}

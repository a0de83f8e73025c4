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

/// The writer's own checkpoint threshold (`wal_autocheckpoint`), in pages: 200 MiB of log
/// at the default page size.
///
/// In a large campaign each lead changes pages all over the participants' indexes (its
/// phone, code, device, address), so a commit logs many more pages than in a small one and
/// the log reached 10,000 pages several times a second; each time the writer copied it back
/// itself, `fsync`s included, with every queued lead waiting (25 µs a lead at 1M
/// participants, a third of the writer thread's time). At 50,000 the background task does
/// most of that copying: lead capture into a campaign of 1M participants went from 3,600 to
/// 4,100 leads/s (BENCHMARKS.md, "A longer log"). The cost is disk: the log file keeps the
/// largest size it reached, and recovery after a crash reads it through.
pub const WRITER_PAGES: u32 = 50_000;

/// The background checkpoint of one database: it stops when its pool closes, or when
/// this is dropped (a [`super::Db`] dropped without being closed leaves no task behind
/// holding its readers open).
pub struct Checkpointer(tokio::task::AbortHandle);

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Checkpoints `pool`'s database until the pool closes or the [`Checkpointer`] is dropped.
/// `database` is its file: a tick after which the log file has not changed (an idle
/// server, a log already copied back) does nothing, so an idle server is not woken ten
/// times a second for nothing.
pub fn spawn(pool: SqlitePool, database: &Path) -> Checkpointer {
    let mut log = database.as_os_str().to_owned();
    log.push("-wal");
    let log = PathBuf::from(log);
    let task = tokio::spawn(async move {
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
    Checkpointer(task.abort_handle())
}

/// The log file's length and last change, or `None` when there is no log file.
fn log_state(log: &Path) -> Option<(u64, SystemTime)> {
    let meta = std::fs::metadata(log).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Instant;

    use sqlx::{Connection, SqliteConnection};

    use crate::config::DatabaseUrl;
    use crate::db::Db;

    const ROWS: u64 = 50;
    const ROW_BYTES: u64 = 6000;

    async fn open(path: &Path) -> Db {
        let url = DatabaseUrl::Sqlite(format!("sqlite://{}", path.display()));
        Db::connect(&url, 2).await.unwrap()
    }

    /// About 100 pages of log through `conn`, far below the writer's threshold.
    async fn write_log(conn: &mut SqliteConnection) {
        for _ in 0..ROWS {
            sqlx::query("INSERT INTO t VALUES (randomblob($1))")
                .bind(ROW_BYTES as i64)
                .execute(&mut *conn)
                .await
                .unwrap();
        }
    }

    fn size(path: &Path) -> u64 {
        std::fs::metadata(path).unwrap().len()
    }

    /// What the writer commits reaches the database file through the background task, far
    /// below the writer's own threshold.
    #[tokio::test]
    async fn the_log_is_copied_back_without_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoint.db");
        let db = open(&path).await;
        let Db::Sqlite { writer, .. } = &db else {
            unreachable!("a SQLite URL")
        };
        let mut conn = writer.acquire().await.unwrap();
        sqlx::query("CREATE TABLE t (v BLOB)")
            .execute(&mut *conn)
            .await
            .unwrap();
        let before = size(&path);
        write_log(&mut conn).await;
        drop(conn);
        let deadline = Instant::now() + 20 * super::EVERY;
        while size(&path) < before + ROWS * ROW_BYTES && Instant::now() < deadline {
            tokio::time::sleep(super::EVERY / 2).await;
        }
        assert!(
            size(&path) >= before + ROWS * ROW_BYTES,
            "the database file grew from {before} to only {} bytes",
            size(&path)
        );
        db.close().await;
    }

    /// A database dropped without being closed takes its checkpoint task with it: what
    /// another connection writes afterwards stays in the log.
    #[tokio::test]
    async fn a_dropped_database_stops_checkpointing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dropped.db");
        let db = open(&path).await;
        let url = format!("sqlite://{}", path.display());
        let mut other = SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("CREATE TABLE t (v BLOB)")
            .execute(&mut other)
            .await
            .unwrap();
        drop(db);
        // A checkpoint the task had already handed to SQLite's thread when it was aborted
        // still finishes there (the suite's load once made it land after `before`).
        tokio::time::sleep(3 * super::EVERY).await;
        let before = size(&path);
        write_log(&mut other).await;
        tokio::time::sleep(5 * super::EVERY).await;
        assert_eq!(
            size(&path),
            before,
            "nothing but the dropped database's task copies the log back here"
        );
        other.close().await.unwrap();
    }
}

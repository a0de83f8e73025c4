//! One storage layer over two backends: SQLite (embedded default) and PostgreSQL
//! (several servers). Queries are written once with `$n` placeholders and run on either
//! pool through [`with_db!`]; statements that differ are written twice side by side.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use crate::config::DatabaseUrl;

/// Changed rows after which a table never analysed is analysed ([`Db::analyze_new_tables`]):
/// enough for its statistics to tell its indexes apart.
pub const FIRST_ANALYZE_ROWS: i64 = 500;

pub enum Db {
    /// Reads use a small pool; every write goes through one connection, so SQLite never
    /// answers "database is locked" to a transaction that reads before it writes.
    Sqlite {
        reader: SqlitePool,
        writer: SqlitePool,
        batcher: batch::Batcher,
        /// Copies the write-ahead log back into the database file, off the writer.
        checkpointer: checkpoint::Checkpointer,
        shared: shared_read::SharedReads,
    },
    /// Small, frequent writes (leads) may share a transaction and its commit through the
    /// batcher; everything else takes a transaction of its own from the pool.
    Postgres {
        pool: PgPool,
        batcher: batch::Batcher,
        /// Reads every lead makes, made together with those asked at the same time.
        reader: set_read::SetReader,
        shared: shared_read::SharedReads,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `$body` with `$pool` bound to the pool of the active backend. The body is
/// compiled once per backend, so it must use only SQL both understand.
#[macro_export]
macro_rules! with_db {
    ($db:expr, read, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite { reader, .. } => {
                let $pool = reader;
                $body
            }
            $crate::db::Db::Postgres { pool: pg, .. } => {
                let $pool = pg;
                $body
            }
        }
    };
    ($db:expr, write, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite { writer, .. } => {
                let $pool = writer;
                $body
            }
            $crate::db::Db::Postgres { pool: pg, .. } => {
                let $pool = pg;
                $body
            }
        }
    };
}

impl Db {
    pub async fn connect(url: &DatabaseUrl, max_connections: u32) -> anyhow::Result<Db> {
        match url {
            DatabaseUrl::Sqlite(raw) => {
                sqlite_library::tune_library();
                let options = SqliteConnectOptions::from_str(raw)
                    .context("parsing the SQLite database URL")?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                // A pooled SQLite connection is a file handle in this process: there is no
                // network for it to go stale over, so it is not pinged before each use (a
                // ping is a round trip to the connection's thread, two task switches,
                // several times per lead).
                //
                // The writer runs group commits: each job in a savepoint, and a savepoint
                // keeps the original of every page it changes in a sub-journal. SQLite keeps
                // a sub-journal in memory up to a threshold ([`sqlite_library::tune_library`]
                // raises it to a lead's worth of pages, in one block) and only then spills
                // it to a temporary file; it only ever serves rolling back one savepoint of
                // a live transaction, so nothing durable depends on it. The writer
                // checkpoints the log itself only past a high mark; a background task does
                // the usual copying ([`checkpoint`]).
                //
                // The group commit keeps statements prepared on the writer's connection
                // ([`direct::Prepared`]): the connection is serialized, so they can be
                // finalized from any thread, and never recycled, so it outlives them.
                let writer = SqlitePoolOptions::new()
                    .max_connections(1)
                    .test_before_acquire(false)
                    .max_lifetime(None)
                    .idle_timeout(None)
                    .connect_with(
                        options
                            .clone()
                            .pragma("wal_autocheckpoint", checkpoint::WRITER_PAGES.to_string())
                            .serialized(true),
                    )
                    .await
                    .context("opening the SQLite database")?;
                let database = options.get_filename().to_owned();
                let reader = SqlitePoolOptions::new()
                    .max_connections(max_connections.max(2))
                    .test_before_acquire(false)
                    .connect_with(options.read_only(false))
                    .await
                    .context("opening the SQLite database for reading")?;
                let batcher = batch::Batcher::sqlite(writer.clone());
                let checkpointer = checkpoint::spawn(reader.clone(), &database);
                Ok(Db::Sqlite {
                    reader,
                    writer,
                    batcher,
                    checkpointer,
                    shared: shared_read::SharedReads::default(),
                })
            }
            DatabaseUrl::Postgres(raw) => {
                let options =
                    PgConnectOptions::from_str(raw).context("parsing the PostgreSQL URL")?;
                let pool = PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .context("connecting to PostgreSQL")?;
                let batcher = batch::Batcher::postgres(pool.clone());
                let reader = set_read::SetReader::postgres(pool.clone());
                Ok(Db::Postgres {
                    pool,
                    batcher,
                    reader,
                    shared: shared_read::SharedReads::default(),
                })
            }
        }
    }

    /// Applies pending migrations. PostgreSQL migrations hold an advisory lock, so servers
    /// starting together take turns.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite { writer, .. } => {
                sqlx::migrate!("migrations/sqlite")
                    .run(writer)
                    .await
                    .context("migrating the SQLite database")?;
                self.optimize().await?;
            }
            Db::Postgres { pool, .. } => sqlx::migrate!("migrations/postgres")
                .run(pool)
                .await
                .context("migrating the PostgreSQL database")?,
        }
        Ok(())
    }

    /// Keeps SQLite's planner statistics fresh, as SQLite advises for long-lived
    /// connections (`PRAGMA optimize=0x10002` at start, plain `optimize` now and then):
    /// tables with indexes never analysed, or changed a lot since, are analysed within
    /// `analysis_limit` rows per index. Without it, statistics older than an index (an
    /// upgrade adding one, a manual ANALYZE) send the planner past it: the reward job's
    /// partial index lost to a skip-scan of every qualified referral (110 ms a tick at
    /// 1M). PostgreSQL's autovacuum analyses on its own.
    pub async fn optimize(&self) -> anyhow::Result<()> {
        if let Db::Sqlite { writer, .. } = self {
            let mut conn = writer.acquire().await.context("optimizing SQLite")?;
            sqlx::query("PRAGMA analysis_limit = 1000")
                .execute(&mut *conn)
                .await
                .context("setting SQLite's analysis limit")?;
            sqlx::query("PRAGMA optimize = 0x10002")
                .execute(&mut *conn)
                .await
                .context("refreshing SQLite's planner statistics")?;
        }
        Ok(())
    }

    /// PostgreSQL: analyses each table never analysed yet once [`FIRST_ANALYZE_ROWS`] of
    /// its rows have changed; returns the tables analysed. A new database's tables have no
    /// statistics, and the plans each connection caches for its prepared statements while
    /// a table is nearly empty stay until it is analysed: on a fresh database the fraud
    /// rules' neighbour lookups walked every participant of the campaign (through an index
    /// on another column) and lead capture ran at 270 leads/s instead of 630 until
    /// autovacuum came by, a minute or more later. Analysing invalidates those plans;
    /// autovacuum keeps the statistics from then on. Several servers may run it at once
    /// (`SKIP_LOCKED`: a table another one is analysing is left to it).
    pub async fn analyze_new_tables(&self) -> anyhow::Result<Vec<String>> {
        let Db::Postgres { pool, .. } = self else {
            return Ok(Vec::new());
        };
        let tables: Vec<String> = sqlx::query_scalar(
            // This schema's tables first, then their statistics: pg_stat_user_tables
            // reads the statistics of every table in the database (20 ms a tick on a
            // database shared by many schemas).
            "WITH mine AS MATERIALIZED (SELECT c.oid, c.relname FROM pg_class c \
               JOIN pg_namespace n ON n.oid = c.relnamespace \
               WHERE n.nspname = current_schema() AND c.relkind = 'r') \
             SELECT format('%I', relname) FROM mine \
             WHERE pg_stat_get_last_analyze_time(oid) IS NULL \
             AND pg_stat_get_last_autoanalyze_time(oid) IS NULL \
             AND pg_stat_get_mod_since_analyze(oid) >= $1 ORDER BY relname",
        )
        .bind(FIRST_ANALYZE_ROWS)
        .fetch_all(pool)
        .await
        .context("finding tables never analysed")?;
        for table in &tables {
            // The name is quoted by format('%I'): an identifier, not text to run.
            sqlx::query(&format!("ANALYZE (SKIP_LOCKED) {table}"))
                .execute(pool)
                .await
                .with_context(|| format!("analysing {table}"))?;
        }
        Ok(tables)
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        with_db!(self, read, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Reads of one key asked at once, made once ([`shared_read`]).
    pub fn shared_reads(&self) -> &shared_read::SharedReads {
        match self {
            Db::Sqlite { shared, .. } | Db::Postgres { shared, .. } => shared,
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres { .. } => Backend::Postgres,
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite {
                reader,
                writer,
                batcher,
                ..
            } => {
                batcher.close().await;
                reader.close().await;
                writer.close().await;
            }
            Db::Postgres { pool, .. } => pool.close().await,
        }
    }
}

/// True when the error is a violation of a UNIQUE constraint (both backends).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// True when PostgreSQL's deadlock detector chose this statement (SQLSTATE 40P01); the
/// transaction can be tried again.
pub fn is_deadlock(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.code().as_deref() == Some("40P01"))
}
mod batch;
mod checkpoint;
pub mod direct;
pub mod set;
pub mod set_read;
pub mod shared_read;
pub mod slices;
mod sqlite_library;
pub mod statement;
mod text_enum;
pub mod time;
mod tx;

pub use tx::{DirectWriter, Tx};

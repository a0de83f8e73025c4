//! Group commit. When many small transactions queue for the writer, running them together
//! in one transaction (a savepoint each) and committing once turns thousands of commits
//! (each an fsync) a second into a few hundred. Each job learns whether the shared commit
//! succeeded before its caller is answered, so nothing is answered before it is durable.
//!
//! On SQLite a job may also be direct ([`Work::Direct`]): its statements are stepped on
//! the writer's handle by the runner's own thread ([`super::direct`]), all of a batch's
//! under one lock of the handle, instead of one message to sqlx's thread per statement.
//! On PostgreSQL a write may be set-wise ([`Work::Set`]): written with the batch's other
//! writes of its type in one statement ([`super::set`]).

use std::any::{Any, TypeId};
use std::sync::Arc;

use futures_util::future::BoxFuture;
use sqlx::{
    Connection, Database, PgConnection, PgPool, Pool, Postgres, Sqlite, SqliteConnection,
    SqlitePool, Transaction,
};
use tokio::sync::{mpsc, oneshot, Mutex};

use super::direct::{Direct, Prepared};
use super::Tx;

/// Called after the batch's commit with its outcome.
pub type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;
/// Runs its statements on the batch's transaction and says how to answer its caller.
pub type Job = Box<dyn for<'c, 't> FnOnce(&'c mut Tx<'t>) -> BoxFuture<'c, Finish> + Send>;
/// The same, stepped straight on SQLite's handle ([`Direct`]): no task switch per statement.
pub type DirectJob = Box<dyn for<'p> FnOnce(&mut Direct<'p>) -> Finish + Send>;

/// What the writer is asked to run.
pub enum Work {
    Job(Job),
    /// SQLite only: the PostgreSQL batcher is never given one.
    Direct(DirectJob),
    /// PostgreSQL only ([`set`]): written with the batch's other items of its type.
    Set(SetJob),
    /// The database is closing: finalize the statements kept prepared, then answer.
    Close(oneshot::Sender<()>),
}

/// A set-wise write ([`super::set`]), its type erased so that the batch can carry writes of
/// any type: the batch hands all the writes of one `kind` to that kind's `run`.
pub struct SetJob {
    pub(super) kind: TypeId,
    pub(super) run: for<'c> fn(&'c mut PgConnection, Vec<SetJob>) -> BoxFuture<'c, Vec<Finish>>,
    /// The write and how to answer its caller, for `run` to take back.
    pub(super) item: Box<dyn Any + Send>,
}

/// Runs a batch's set-wise writes, each kind's together, adding their [`Finish`]es.
async fn run_sets(conn: &mut PgConnection, mut jobs: Vec<SetJob>, finishes: &mut Vec<Finish>) {
    while let Some(first) = jobs.first() {
        let (kind, run) = (first.kind, first.run);
        let (same, rest) = jobs.into_iter().partition(|job| job.kind == kind);
        jobs = rest;
        finishes.extend(run(conn, same).await);
    }
}

const MAX_BATCH: usize = 256;

/// One batch at a time on PostgreSQL too: a second runner's batch only waited for the
/// first one's lock on the group whose seats both take (routed leads 884 / 843 leads/s with
/// two, 1,033 / 982 with one), and took a connection from the readers.
const POSTGRES_RUNNERS: usize = 1;

#[derive(Clone)]
pub struct Batcher {
    queue: mpsc::Sender<Work>,
}

type Queue = Arc<Mutex<mpsc::Receiver<Work>>>;

/// What a batch runner needs of its backend.
trait Writer: Database {
    /// Opens the batch's transaction.
    fn begin(
        conn: &mut Self::Connection,
    ) -> BoxFuture<'_, Result<Transaction<'_, Self>, sqlx::Error>>;
    /// The transaction as the jobs see it.
    fn tx(conn: &mut Self::Connection) -> Tx<'_>;
    /// Before the commit: fails when the transaction can no longer commit (PostgreSQL
    /// answers a COMMIT of an aborted transaction with a rollback, not an error).
    fn check<'a>(conn: &'a mut Self::Connection) -> BoxFuture<'a, Result<(), sqlx::Error>>;
    /// Runs the batch's direct jobs, adding each one's [`Finish`].
    fn run_direct<'a>(
        conn: &'a mut Self::Connection,
        jobs: Vec<DirectJob>,
        prepared: &'a mut Prepared,
        finishes: &'a mut Vec<Finish>,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>>;
    /// Runs the batch's set-wise writes, adding their [`Finish`]es.
    fn run_sets<'a>(
        conn: &'a mut Self::Connection,
        jobs: Vec<SetJob>,
        finishes: &'a mut Vec<Finish>,
    ) -> BoxFuture<'a, ()>;
}

impl Writer for Sqlite {
    /// Takes the write lock at the start (`IMMEDIATE`), waiting for it (the busy timeout)
    /// on sqlx's thread: the direct jobs then never wait for a lock while they hold the
    /// runtime's thread, where a wait could stall whoever holds the lock.
    fn begin(
        conn: &mut SqliteConnection,
    ) -> BoxFuture<'_, Result<Transaction<'_, Sqlite>, sqlx::Error>> {
        Box::pin(conn.begin_with("BEGIN IMMEDIATE"))
    }

    fn tx(conn: &mut SqliteConnection) -> Tx<'_> {
        sqlite_tx(conn)
    }

    /// SQLite reports a failed COMMIT as an error.
    fn check<'a>(_: &'a mut SqliteConnection) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        Box::pin(async { Ok(()) })
    }

    /// Locks sqlx's thread out of the connection once for all the batch's direct jobs,
    /// each in a savepoint of its own inside the batch's transaction.
    fn run_direct<'a>(
        conn: &'a mut SqliteConnection,
        jobs: Vec<DirectJob>,
        prepared: &'a mut Prepared,
        finishes: &'a mut Vec<Finish>,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        Box::pin(async move {
            if jobs.is_empty() {
                return Ok(());
            }
            let mut handle = conn.lock_handle().await?;
            // From here to the end nothing awaits: the handle is this thread's until dropped.
            let mut direct = Direct::new(handle.as_raw_handle(), prepared);
            for job in jobs {
                // The jobs not run yet are dropped: their callers hear the batch failed.
                if !direct.in_transaction() {
                    return Err(sqlx::Error::Protocol(
                        "SQLite ended the batch's transaction".into(),
                    ));
                }
                finishes.push(job(&mut direct));
            }
            Ok(())
        })
    }

    /// SQLite has no set-wise writes (its leads are direct jobs); one sent here by mistake
    /// is dropped, and its caller hears that its write was dropped.
    fn run_sets<'a>(
        _: &'a mut SqliteConnection,
        jobs: Vec<SetJob>,
        _: &'a mut Vec<Finish>,
    ) -> BoxFuture<'a, ()> {
        if !jobs.is_empty() {
            tracing::error!(jobs = jobs.len(), "set-wise writes were sent to SQLite");
        }
        Box::pin(async {})
    }
}

impl Writer for Postgres {
    fn begin(
        conn: &mut PgConnection,
    ) -> BoxFuture<'_, Result<Transaction<'_, Postgres>, sqlx::Error>> {
        Box::pin(conn.begin())
    }

    fn tx(conn: &mut PgConnection) -> Tx<'_> {
        postgres_tx(conn)
    }

    /// Any statement fails in an aborted transaction (SQLSTATE 25P02).
    fn check<'a>(conn: &'a mut PgConnection) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        Box::pin(async move { sqlx::query("SELECT 1").execute(conn).await.map(|_| ()) })
    }

    /// PostgreSQL has no direct jobs ([`Work::Direct`] is SQLite's); one sent here by
    /// mistake is dropped, and its caller hears that its write was dropped.
    fn run_direct<'a>(
        _: &'a mut PgConnection,
        jobs: Vec<DirectJob>,
        _: &'a mut Prepared,
        _: &'a mut Vec<Finish>,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        if !jobs.is_empty() {
            tracing::error!(
                jobs = jobs.len(),
                "direct SQLite jobs were sent to PostgreSQL"
            );
        }
        Box::pin(async { Ok(()) })
    }

    fn run_sets<'a>(
        conn: &'a mut PgConnection,
        jobs: Vec<SetJob>,
        finishes: &'a mut Vec<Finish>,
    ) -> BoxFuture<'a, ()> {
        Box::pin(run_sets(conn, jobs, finishes))
    }
}

impl Batcher {
    /// SQLite's single writer connection runs one batch at a time.
    pub fn sqlite(writer: SqlitePool) -> Self {
        let (batcher, rx) = Batcher::queue();
        let prepared = Prepared::new(Some(writer.clone()));
        tokio::spawn(run(writer, prepared, rx));
        batcher
    }

    pub fn postgres(pool: PgPool) -> Self {
        let (batcher, rx) = Batcher::queue();
        for _ in 0..POSTGRES_RUNNERS {
            let prepared = Prepared::new(None);
            tokio::spawn(run(pool.clone(), prepared, rx.clone()));
        }
        batcher
    }

    fn queue() -> (Batcher, Queue) {
        let (queue, rx) = mpsc::channel(4096);
        (Batcher { queue }, Arc::new(Mutex::new(rx)))
    }

    /// Queues work; false when the writer has stopped.
    pub async fn submit(&self, work: Work) -> bool {
        self.queue.send(work).await.is_ok()
    }

    /// Before the pool closes: the statements kept prepared on its connection are
    /// finalized (a connection closed with statements left fails to close).
    pub async fn close(&self) {
        let (done, finalized) = oneshot::channel();
        if self.submit(Work::Close(done)).await {
            let _ = finalized.await;
        }
    }
}

pub(super) fn sqlite_tx(conn: &mut SqliteConnection) -> Tx<'_> {
    Tx::Sqlite(conn)
}

pub(super) fn postgres_tx(conn: &mut PgConnection) -> Tx<'_> {
    Tx::Postgres(conn)
}

async fn run<DB: Writer>(pool: Pool<DB>, mut prepared: Prepared, rx: Queue) {
    let mut work = Vec::with_capacity(MAX_BATCH);
    // A runner waits for the queue only while no other runner is taking from it.
    while rx.lock().await.recv_many(&mut work, MAX_BATCH).await > 0 {
        let mut finishes = Vec::with_capacity(work.len());
        let mut jobs = Vec::with_capacity(work.len());
        let mut direct = Vec::new();
        let mut sets = Vec::new();
        let mut closing = Vec::new();
        // The callers queued together, so their order within the batch is free: the jobs
        // on sqlx first, then the set-wise ones, then the direct ones under one lock of
        // the handle.
        for item in work.drain(..) {
            match item {
                Work::Job(job) => jobs.push(job),
                Work::Direct(job) => direct.push(job),
                Work::Set(job) => sets.push(job),
                Work::Close(done) => closing.push(done),
            }
        }
        let outcome = async {
            let mut conn = pool.acquire().await?;
            let work = Batch { jobs, direct, sets };
            let done = batch::<DB>(&mut conn, work, &mut prepared, &mut finishes).await;
            if done.is_err() {
                // The connection may be closed on its way back to the pool: nothing of
                // ours may be left on it then.
                prepared.clear();
            }
            done
        }
        .await
        .map_err(|e: sqlx::Error| e.to_string());
        prepared.batch_done();
        if !closing.is_empty() {
            prepared.close();
            for done in closing {
                let _ = done.send(());
            }
        }
        if let Err(e) = &outcome {
            tracing::error!(error = %e, jobs = finishes.len(), "a batch of writes failed");
        }
        for finish in finishes {
            finish(outcome.clone());
        }
    }
}

/// The work of one group commit, by how it is run.
struct Batch {
    jobs: Vec<Job>,
    direct: Vec<DirectJob>,
    sets: Vec<SetJob>,
}

/// One group commit on `conn`: every job in the batch's transaction, then its commit.
async fn batch<DB: Writer>(
    conn: &mut DB::Connection,
    work: Batch,
    prepared: &mut Prepared,
    finishes: &mut Vec<Finish>,
) -> Result<(), sqlx::Error> {
    let mut tx = DB::begin(conn).await?;
    for job in work.jobs {
        finishes.push(job(&mut DB::tx(&mut tx)).await);
    }
    DB::run_sets(&mut tx, work.sets, finishes).await;
    DB::run_direct(&mut tx, work.direct, prepared, finishes).await?;
    DB::check(&mut tx).await?;
    tx.commit().await
}

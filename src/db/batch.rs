//! Group commit. When many small transactions queue for the writer, running them together
//! in one transaction (a savepoint each) and committing once turns thousands of commits
//! (each an fsync) a second into a few hundred. Each job learns whether the shared commit
//! succeeded before its caller is answered, so nothing is answered before it is durable.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use sqlx::{Connection, Database, PgConnection, PgPool, Pool, SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, Mutex};

use super::Tx;

/// Called after the batch's commit with its outcome.
pub type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;
/// Runs its statements on the batch's transaction and says how to answer its caller.
pub type Job = Box<dyn for<'c, 't> FnOnce(&'c mut Tx<'t>) -> BoxFuture<'c, Finish> + Send>;

const MAX_BATCH: usize = 256;

/// On PostgreSQL one batch runs while the one before it commits. More would only queue on
/// the same rows (a group's seats) and take connections from the readers.
const POSTGRES_RUNNERS: usize = 2;

#[derive(Clone)]
pub struct Batcher {
    queue: mpsc::Sender<Job>,
}

type Queue = Arc<Mutex<mpsc::Receiver<Job>>>;

impl Batcher {
    /// SQLite's single writer connection runs one batch at a time.
    pub fn sqlite(writer: SqlitePool) -> Self {
        let (batcher, rx) = Batcher::queue();
        tokio::spawn(run(writer, sqlite_tx, rx));
        batcher
    }

    pub fn postgres(pool: PgPool) -> Self {
        let (batcher, rx) = Batcher::queue();
        for _ in 0..POSTGRES_RUNNERS {
            tokio::spawn(run(pool.clone(), postgres_tx, rx.clone()));
        }
        batcher
    }

    fn queue() -> (Batcher, Queue) {
        let (queue, rx) = mpsc::channel(4096);
        (Batcher { queue }, Arc::new(Mutex::new(rx)))
    }

    /// Queues a job; false when the writer has stopped.
    pub async fn submit(&self, job: Job) -> bool {
        self.queue.send(job).await.is_ok()
    }
}

pub(super) fn sqlite_tx(conn: &mut SqliteConnection) -> Tx<'_> {
    Tx::Sqlite(conn)
}

pub(super) fn postgres_tx(conn: &mut PgConnection) -> Tx<'_> {
    Tx::Postgres(conn)
}

async fn run<DB: Database>(
    pool: Pool<DB>,
    wrap: for<'a> fn(&'a mut DB::Connection) -> Tx<'a>,
    rx: Queue,
) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    // A runner waits for the queue only while no other runner is taking from it.
    while rx.lock().await.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let mut finishes = Vec::with_capacity(jobs.len());
        let outcome = async {
            let mut conn = pool.acquire().await?;
            let mut tx = conn.begin().await?;
            for job in jobs.drain(..) {
                finishes.push(job(&mut wrap(&mut *tx)).await);
            }
            tx.commit().await
        }
        .await
        .map_err(|e: sqlx::Error| e.to_string());
        if let Err(e) = &outcome {
            tracing::error!(error = %e, jobs = finishes.len(), "a batch of writes failed");
        }
        jobs.clear();
        for finish in finishes {
            finish(outcome.clone());
        }
    }
}

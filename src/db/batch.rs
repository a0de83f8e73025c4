//! Group commit for SQLite. Every write goes through one connection; when many small
//! transactions queue for it, running them together in one transaction and committing
//! once turns thousands of commits a second into a few hundred. Each job learns whether
//! the shared commit succeeded before its caller is answered.

use futures_util::future::BoxFuture;
use sqlx::{Connection, SqliteConnection, SqlitePool};
use tokio::sync::mpsc;

/// Called after the batch's commit with its outcome.
pub type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;
/// Runs its statements on the batch's transaction and says how to answer its caller.
pub type Job = Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Finish> + Send>;

const MAX_BATCH: usize = 256;

#[derive(Clone)]
pub struct SqliteBatcher {
    queue: mpsc::Sender<Job>,
}

impl SqliteBatcher {
    pub fn start(writer: SqlitePool) -> Self {
        let (queue, rx) = mpsc::channel(4096);
        tokio::spawn(run(writer, rx));
        SqliteBatcher { queue }
    }

    /// Queues a job; false when the writer has stopped.
    pub async fn submit(&self, job: Job) -> bool {
        self.queue.send(job).await.is_ok()
    }
}

async fn run(writer: SqlitePool, mut rx: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let mut finishes = Vec::with_capacity(jobs.len());
        let outcome = async {
            let mut conn = writer.acquire().await?;
            let mut tx = conn.begin().await?;
            for job in jobs.drain(..) {
                finishes.push(job(&mut tx).await);
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

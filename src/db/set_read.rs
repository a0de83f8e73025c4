//! Set-wise reads on PostgreSQL. A read that every lead makes (twice: the fraud rules'
//! neighbours, before its write and after its commit) costs PostgreSQL more in the protocol
//! and the backend's per-statement work than in the reading itself. A read that implements
//! [`SetRead`] is instead queued with the others of its type waiting at the same time, and
//! a runner reads them all in one statement (arrays through `unnest`, one lateral subquery
//! per item). Nothing waits to gather a batch: a read finding the runners idle is read at
//! once, alone; reads arriving while a runner is busy are read together next.
//!
//! Each item's answer is what its own statement would have read: the statement starts after
//! every item in it was queued, so it sees whatever each caller had committed before asking
//! (the look back after a lead's commit relies on that). When a set-wise read fails, its
//! items are read again one by one, so one bad item fails alone.

use std::any::{Any, TypeId};
use std::sync::Arc;

use futures_util::future::BoxFuture;
use sqlx::{PgConnection, PgPool};
use tokio::sync::{mpsc, oneshot, Mutex};

use super::set::{one_each, unpack};

/// A read made together with the others of its type queued with it ([`SetReader::read`]).
pub trait SetRead: Sized + Send + Sync + 'static {
    type Output: Send + 'static;

    /// Reads for every item (at least one): one output per item, in the items' order.
    fn read_all<'c>(
        conn: &'c mut PgConnection,
        items: &'c [Self],
    ) -> BoxFuture<'c, Result<Vec<Self::Output>, sqlx::Error>>;
}

/// A queued read, its type erased so that one queue carries reads of every type: a runner
/// hands all the reads of one `kind` to that kind's `run`, which answers their callers.
struct ReadJob {
    kind: TypeId,
    run: for<'c> fn(&'c mut PgConnection, Vec<ReadJob>) -> BoxFuture<'c, ()>,
    /// The read and where to send its answer, for `run` to take back.
    item: Box<dyn Any + Send>,
}

type Reply<S> = oneshot::Sender<Result<<S as SetRead>::Output, sqlx::Error>>;

/// At most this many reads in one statement.
const MAX_READS: usize = 64;

/// Two runners: while one waits for PostgreSQL the other gathers the next reads; with one,
/// every read waited for the statement before it.
const RUNNERS: usize = 2;

/// PostgreSQL's queue of set-wise reads (`Db::Postgres`'s `reader`).
#[derive(Clone)]
pub struct SetReader {
    queue: mpsc::Sender<ReadJob>,
}

type Queue = Arc<Mutex<mpsc::Receiver<ReadJob>>>;

impl SetReader {
    pub fn postgres(pool: PgPool) -> Self {
        let (queue, rx) = mpsc::channel(4096);
        let rx: Queue = Arc::new(Mutex::new(rx));
        for _ in 0..RUNNERS {
            tokio::spawn(run(pool.clone(), rx.clone()));
        }
        SetReader { queue }
    }

    /// Reads `item` with the other reads of its type queued with it.
    pub async fn read<S: SetRead>(&self, item: S) -> Result<S::Output, sqlx::Error> {
        let (reply, answer) = oneshot::channel::<Result<S::Output, sqlx::Error>>();
        let job = ReadJob {
            kind: TypeId::of::<S>(),
            run: run_set::<S>,
            item: Box::new((item, reply)),
        };
        // A read dropped unanswered: the runners stopped, or found no connection (logged).
        let unmade = || sqlx::Error::Protocol("the read was not made (see the log)".into());
        self.queue.send(job).await.map_err(|_| unmade())?;
        answer.await.map_err(|_| unmade())?
    }
}

async fn run(pool: PgPool, rx: Queue) {
    let mut jobs = Vec::with_capacity(MAX_READS);
    // A runner waits for the queue only while no other runner is taking from it.
    while rx.lock().await.recv_many(&mut jobs, MAX_READS).await > 0 {
        let mut conn = match pool.acquire().await {
            Ok(conn) => conn,
            Err(e) => {
                // Dropping the jobs answers their callers that the read was not made.
                tracing::error!(error = %e, reads = jobs.len(), "no connection for reads");
                jobs.clear();
                continue;
            }
        };
        while let Some(first) = jobs.first() {
            let (kind, run) = (first.kind, first.run);
            let (same, rest) = jobs.drain(..).partition(|job| job.kind == kind);
            jobs = rest;
            run(&mut conn, same).await;
        }
    }
}

/// All the runner's reads of type `S`: together, or when that fails, one by one.
fn run_set<S: SetRead>(conn: &mut PgConnection, jobs: Vec<ReadJob>) -> BoxFuture<'_, ()> {
    Box::pin(async move {
        let (items, replies): (Vec<S>, Vec<Reply<S>>) = unpack(jobs.into_iter().map(|j| j.item));
        match read_checked(conn, &items).await {
            Ok(outputs) => {
                for (reply, output) in replies.into_iter().zip(outputs) {
                    let _ = reply.send(Ok(output));
                }
            }
            Err(e) if items.len() == 1 => {
                let _ = replies.into_iter().next().map(|reply| reply.send(Err(e)));
            }
            Err(e) => {
                tracing::debug!(items = items.len(), error = %e, "reading one by one");
                for (item, reply) in items.iter().zip(replies) {
                    let alone = read_checked(conn, std::slice::from_ref(item))
                        .await
                        .and_then(|outputs| {
                            outputs.into_iter().next().ok_or(sqlx::Error::RowNotFound)
                        });
                    let _ = reply.send(alone);
                }
            }
        }
    })
}

/// An answer for each item, or an error.
async fn read_checked<S: SetRead>(
    conn: &mut PgConnection,
    items: &[S],
) -> Result<Vec<S::Output>, sqlx::Error> {
    one_each(S::read_all(conn, items).await?, items.len(), "read")
}

//! Write transactions on either backend. Domain code hands a job to [`Db::write_tx`] and
//! reaches its connection through [`on_tx!`]; how the backend commits is decided here:
//! SQLite joins the group commit of its single writer inside a savepoint, PostgreSQL
//! runs the job in a transaction of its own unless it asks to be batched too.

use futures_util::future::BoxFuture;
use sqlx::{Connection, PgConnection, SqliteConnection};
use tokio::sync::oneshot;

use super::batch::{postgres_tx, sqlite_tx, Batcher, Finish, Job, Work};
use super::direct::Direct;
use super::statement;
use super::Db;

/// The connection of a running write transaction.
pub enum Tx<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

/// Runs `$body` with `$conn` bound to the transaction's connection (`&mut SqliteConnection`
/// or `&mut PgConnection`). The body is compiled once per backend, so it must use only SQL
/// both understand.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(inner) => {
                let $conn: &mut ::sqlx::SqliteConnection = &mut **inner;
                $body
            }
            $crate::db::Tx::Postgres(inner) => {
                let $conn: &mut ::sqlx::PgConnection = &mut **inner;
                $body
            }
        }
    };
}

impl Db {
    /// Runs `job` as one atomic write. On SQLite it joins the writer's group commit (one
    /// commit for many small writes) and learns the shared commit's outcome before
    /// returning; on PostgreSQL it is a transaction of its own.
    pub async fn write_tx<T, E, F>(&self, job: F) -> Result<T, E>
    where
        F: for<'c, 't> FnOnce(&'c mut Tx<'t>) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: From<sqlx::Error> + Send + 'static,
    {
        match self {
            Db::Sqlite { batcher, .. } => in_batch(batcher, job).await,
            Db::Postgres { pool, .. } => {
                let mut tx = pool.begin().await?;
                let value = job(&mut Tx::Postgres(&mut tx)).await?;
                tx.commit().await?;
                Ok(value)
            }
        }
    }

    /// [`Db::write_tx`] for small, frequent writes that take no lock another job of the
    /// batch could wait for (a lead and its seat): on PostgreSQL too the job shares one
    /// transaction (a savepoint of its own) and one commit with the jobs queued with it,
    /// and learns that commit's outcome before returning.
    pub async fn write_batched<T, E, F>(&self, job: F) -> Result<T, E>
    where
        F: for<'c, 't> FnOnce(&'c mut Tx<'t>) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: From<sqlx::Error> + Send + 'static,
    {
        match self {
            Db::Sqlite { batcher, .. } | Db::Postgres { batcher, .. } => {
                in_batch(batcher, job).await
            }
        }
    }

    /// SQLite's writer, for small frequent writes whose statements are stepped straight on
    /// its handle inside the group commit (a task switch per batch, not per statement);
    /// `None` on PostgreSQL, whose callers use [`Db::write_batched`].
    pub fn direct_writer(&self) -> Option<DirectWriter<'_>> {
        match self {
            Db::Sqlite { batcher, .. } => Some(DirectWriter(batcher)),
            Db::Postgres { .. } => None,
        }
    }

    /// Runs `job` once per item, in order. SQLite's single writer takes them all in one
    /// transaction (one commit); PostgreSQL gives each item a short transaction of its
    /// own, so concurrent callers never hold locks on each other's rows for long. An
    /// item whose transaction PostgreSQL's deadlock detector chose is rolled back and run
    /// again (up to three times), as two servers applying related events (or an event
    /// and a background job) can lock the same referral and counter rows in opposite
    /// orders; the caller sees the error only if every attempt lost.
    pub async fn write_each<I, T>(
        &self,
        items: &[I],
        job: impl for<'c, 't> Fn(&'c mut Tx<'t>, &'c I) -> BoxFuture<'c, Result<T, sqlx::Error>>,
    ) -> Result<Vec<T>, sqlx::Error> {
        let mut out = Vec::with_capacity(items.len());
        match self {
            Db::Sqlite { writer, .. } => {
                let mut conn = writer.acquire().await?;
                let mut tx = conn.begin().await?;
                for item in items {
                    out.push(job(&mut Tx::Sqlite(&mut tx), item).await?);
                }
                tx.commit().await?;
            }
            Db::Postgres { pool, .. } => {
                for item in items {
                    let mut attempt = 1;
                    loop {
                        let mut tx = pool.begin().await?;
                        let done = match job(&mut Tx::Postgres(&mut tx), item).await {
                            Ok(value) => tx.commit().await.map(|()| value),
                            Err(e) => Err(e),
                        };
                        match done {
                            Ok(value) => {
                                out.push(value);
                                break;
                            }
                            Err(e) if super::is_deadlock(&e) && attempt < 3 => attempt += 1,
                            Err(e) => return Err(e),
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Queues `job` for the batcher, in a savepoint of its own, and waits for the batch's
/// commit.
async fn in_batch<T, E, F>(batcher: &Batcher, job: F) -> Result<T, E>
where
    F: for<'c, 't> FnOnce(&'c mut Tx<'t>) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: From<sqlx::Error> + Send + 'static,
{
    let (reply, answer) = oneshot::channel();
    let batched: Job = Box::new(move |tx| {
        Box::pin(async move { answer_after_commit(reply, in_savepoint(tx, job).await) })
    });
    submit_and_wait(batcher, Work::Job(batched), answer).await
}

/// Answers a job's caller once the batch's commit is known: the job's own outcome when
/// the commit succeeded, the commit's error otherwise.
pub(super) fn answer_after_commit<T, E>(
    reply: oneshot::Sender<Result<T, E>>,
    outcome: Result<T, E>,
) -> Finish
where
    T: Send + 'static,
    E: From<sqlx::Error> + Send + 'static,
{
    Box::new(move |commit: Result<(), String>| {
        let _ = reply.send(match commit {
            Ok(()) => outcome,
            Err(why) => Err(E::from(sqlx::Error::Protocol(why))),
        });
    })
}

pub(super) async fn submit_and_wait<T, E: From<sqlx::Error>>(
    batcher: &Batcher,
    work: Work,
    answer: oneshot::Receiver<Result<T, E>>,
) -> Result<T, E> {
    if !batcher.submit(work).await {
        return Err(E::from(sqlx::Error::PoolClosed));
    }
    answer.await.unwrap_or_else(|_| {
        Err(E::from(sqlx::Error::Protocol(
            "the write batch was dropped".into(),
        )))
    })
}

/// SQLite's writer for jobs stepped straight on its handle (see [`Db::direct_writer`]).
pub struct DirectWriter<'d>(&'d Batcher);

impl DirectWriter<'_> {
    /// Runs `job` in a savepoint of the writer's next group commit, and returns once that
    /// commit is durable (or has failed). A job that fails leaves nothing written.
    pub async fn write<T, F>(&self, job: F) -> Result<T, sqlx::Error>
    where
        F: FnOnce(&mut Direct<'_>) -> statement::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let work = Work::Direct(Box::new(move |direct: &mut Direct<'_>| {
            answer_after_commit(reply, direct.in_savepoint(job).map_err(sqlx::Error::from))
        }));
        submit_and_wait(self.0, work, answer).await
    }
}

/// The job inside a savepoint of the batch's transaction: a failing job rolls back its
/// own writes and leaves the others in the batch alone.
async fn in_savepoint<T, E, F>(tx: &mut Tx<'_>, job: F) -> Result<T, E>
where
    F: for<'c, 't> FnOnce(&'c mut Tx<'t>) -> BoxFuture<'c, Result<T, E>>,
    E: From<sqlx::Error>,
{
    match tx {
        Tx::Sqlite(conn) => sqlite_savepoint(conn, job).await,
        Tx::Postgres(conn) => postgres_savepoint(conn, job).await,
    }
}

/// On PostgreSQL a job's savepoint is never released: the batch's commit commits them
/// all, and a failing job rolls back to its own (the latest of that name: PostgreSQL keeps
/// the earlier ones, nested). One round trip per job instead of two, in the part of the
/// batch where every lead waits for the one before it. A job that kept a failed
/// statement's error to itself and returned `Ok` would leave the batch's transaction
/// aborted with no rollback to its savepoint: the batch's check before its commit then
/// fails every job of the batch, rather than PostgreSQL quietly rolling the commit back.
async fn postgres_savepoint<T, E, F>(conn: &mut PgConnection, job: F) -> Result<T, E>
where
    F: for<'c, 't> FnOnce(&'c mut Tx<'t>) -> BoxFuture<'c, Result<T, E>>,
    E: From<sqlx::Error>,
{
    savepoint(conn).await?;
    match job(&mut postgres_tx(conn)).await {
        Ok(value) => Ok(value),
        Err(e) => {
            rollback_to_savepoint(conn).await?;
            Err(e)
        }
    }
}

/// Opens a batch job's savepoint on PostgreSQL ([`postgres_savepoint`]).
pub(super) async fn savepoint(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SAVEPOINT batch_job").execute(conn).await?;
    Ok(())
}

/// Undoes what a failed job wrote since its savepoint ([`savepoint`]).
pub(super) async fn rollback_to_savepoint(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("ROLLBACK TO SAVEPOINT batch_job")
        .execute(conn)
        .await?;
    Ok(())
}

/// On SQLite a job's savepoint is released when it succeeds and rolled back (by sqlx, as
/// the savepoint is dropped) when it fails.
async fn sqlite_savepoint<T, E, F>(conn: &mut SqliteConnection, job: F) -> Result<T, E>
where
    F: for<'c, 't> FnOnce(&'c mut Tx<'t>) -> BoxFuture<'c, Result<T, E>>,
    E: From<sqlx::Error>,
{
    let mut savepoint = conn.begin().await?;
    let value = job(&mut sqlite_tx(&mut savepoint)).await?;
    savepoint.commit().await?;
    Ok(value)
}

//! Set-wise writes on PostgreSQL. Inside a group commit every job waits for the one before
//! it, and on PostgreSQL each of a job's statements is a round trip between the server and
//! the database: a batch of leads spent most of its time on round trips, not on writing.
//! A write that implements [`SetWrite`] is instead queued with the others of its type and
//! the batch writes them all at once (one statement, or a few), in a savepoint; when that
//! fails, the batch rolls back to the savepoint and writes them one by one, each in a
//! savepoint of its own, so one bad item fails alone, as it would have in a job.

use std::any::{Any, TypeId};

use futures_util::future::BoxFuture;
use sqlx::postgres::PgArguments;
use sqlx::PgConnection;
use tokio::sync::oneshot;

use super::batch::{Batcher, Finish, SetJob, Work};
use super::statement::Param;
use super::tx::{answer_after_commit, rollback_to_savepoint, savepoint, submit_and_wait};
use super::Db;

/// A write the PostgreSQL batch makes together with the others of its type queued with
/// it ([`SetWriter::write`]).
pub trait SetWrite: Sized + Send + Sync + 'static {
    type Output: Send + 'static;

    /// Writes every item (at least one) on the batch's transaction: one output per item,
    /// in the items' order. An error leaves the transaction for the batch to roll back.
    fn write_all<'c>(
        conn: &'c mut PgConnection,
        items: &'c [Self],
    ) -> BoxFuture<'c, Result<Vec<Self::Output>, sqlx::Error>>;
}

type Reply<S> = oneshot::Sender<Result<<S as SetWrite>::Output, sqlx::Error>>;

/// PostgreSQL's batcher, for set-wise writes ([`Db::set_writer`]).
pub struct SetWriter<'d>(&'d Batcher);

impl Db {
    /// PostgreSQL's batcher for writes made set-wise with the others of their type queued
    /// with them (leads); `None` on SQLite, whose callers use [`Db::direct_writer`].
    pub fn set_writer(&self) -> Option<SetWriter<'_>> {
        match self {
            Db::Postgres { batcher, .. } => Some(SetWriter(batcher)),
            Db::Sqlite { .. } => None,
        }
    }
}

impl SetWriter<'_> {
    /// Queues `item` with the batch's other items of its type and returns its output once
    /// the batch's commit succeeded (or the error that kept it from being written).
    pub async fn write<S: SetWrite>(&self, item: S) -> Result<S::Output, sqlx::Error> {
        let (reply, answer) = oneshot::channel::<Result<S::Output, sqlx::Error>>();
        let job = SetJob {
            kind: TypeId::of::<S>(),
            run: run_set::<S>,
            item: Box::new((item, reply)),
        };
        submit_and_wait(self.0, Work::Set(job), answer).await
    }
}

/// All the batch's items of type `S`: together in a savepoint, or when that fails, one by
/// one in savepoints of their own.
fn run_set<S: SetWrite>(conn: &mut PgConnection, jobs: Vec<SetJob>) -> BoxFuture<'_, Vec<Finish>> {
    Box::pin(async move {
        let (items, replies): (Vec<S>, Vec<Reply<S>>) = unpack(jobs.into_iter().map(|j| j.item));
        match in_savepoint(conn, &items).await {
            Ok(outputs) => replies
                .into_iter()
                .zip(outputs)
                .map(|(reply, output)| answer_after_commit(reply, Ok(output)))
                .collect(),
            // One item: its error is its answer.
            Err(e) if items.len() == 1 => replies
                .into_iter()
                .zip(std::iter::once(e))
                .map(|(reply, e)| answer_after_commit(reply, Err(e)))
                .collect(),
            Err(e) => {
                tracing::debug!(items = items.len(), error = %e, "writing one by one");
                let mut finishes = Vec::with_capacity(items.len());
                for (item, reply) in items.iter().zip(replies) {
                    // One output for one item: [`in_savepoint`] checks the count.
                    let alone = in_savepoint(conn, std::slice::from_ref(item))
                        .await
                        .and_then(|outputs| {
                            outputs.into_iter().next().ok_or(sqlx::Error::RowNotFound)
                        });
                    finishes.push(answer_after_commit(reply, alone));
                }
                finishes
            }
        }
    })
}

/// `items` written together in a savepoint of the batch, rolled back when they fail.
async fn in_savepoint<S: SetWrite>(
    conn: &mut PgConnection,
    items: &[S],
) -> Result<Vec<S::Output>, sqlx::Error> {
    savepoint(conn).await?;
    // An answer for each item, or it is undone like a failure: a write must never be
    // kept and then written again one by one.
    let written = S::write_all(conn, items)
        .await
        .and_then(|outputs| one_each(outputs, items.len(), "write"));
    if written.is_err() {
        rollback_to_savepoint(conn).await?;
    }
    written
}

/// The items of one type and their callers' replies, out of type-erased jobs grouped by
/// type, so every item is a `(T, R)`; one that were not would be dropped, and its caller
/// would hear that its write or read was dropped.
pub(super) fn unpack<T: 'static, R: 'static>(
    items: impl Iterator<Item = Box<dyn Any + Send>>,
) -> (Vec<T>, Vec<R>) {
    items
        .filter_map(|item| item.downcast::<(T, R)>().ok())
        .map(|pair| *pair)
        .unzip()
}

/// A set-wise `what`'s outputs when there is one for each of its `items`: a short answer
/// would leave callers answered with another item's output.
pub(super) fn one_each<O>(
    outputs: Vec<O>,
    items: usize,
    what: &str,
) -> Result<Vec<O>, sqlx::Error> {
    if outputs.len() == items {
        Ok(outputs)
    } else {
        Err(sqlx::Error::Protocol(format!(
            "a set-wise {what} answered for {} of {items} items",
            outputs.len()
        )))
    }
}

/// Many rows' parameters (every row the same length, each position of one type) as
/// PostgreSQL arrays, one per position, for a statement that reads them back as rows with
/// `unnest($1::text[], $2::bigint[], ...)`.
pub fn array_arguments<'q>(rows: &[&[Param<'q>]]) -> Result<PgArguments, sqlx::error::BoxDynError> {
    use sqlx::Arguments as _;
    let width = rows.first().map_or(0, |row| row.len());
    let mut args = PgArguments::default();
    for column in 0..width {
        let cells = rows.iter().map(|row| row.get(column).copied());
        match rows[0][column] {
            Param::Text(_) | Param::NullText => {
                let texts = cells
                    .map(|cell| match cell {
                        Some(Param::Text(text)) => Ok(Some(text)),
                        Some(Param::NullText) => Ok(None),
                        _ => Err(format!("parameter {} is not text in every row", column + 1)),
                    })
                    .collect::<Result<Vec<Option<&str>>, String>>()?;
                args.add(texts)?;
            }
            Param::Int(_) | Param::NullInt => {
                let ints = cells
                    .map(|cell| match cell {
                        Some(Param::Int(n)) => Ok(Some(n)),
                        Some(Param::NullInt) => Ok(None),
                        _ => Err(format!(
                            "parameter {} is not an integer in every row",
                            column + 1
                        )),
                    })
                    .collect::<Result<Vec<Option<i64>>, String>>()?;
                args.add(ints)?;
            }
        }
    }
    Ok(args)
}

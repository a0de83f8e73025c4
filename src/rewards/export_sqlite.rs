//! The exports' pages on SQLite, stepped straight on a pooled connection's handle.
//! Through sqlx every value of every row is copied twice and every row crosses from the
//! connection's thread to the server's through a channel; on the million-row ledger
//! that was most of the export's time. Here the statement is stepped where the rows are
//! built. PostgreSQL keeps sqlx: its rows arrive in bulk.

use sqlx::SqlitePool;

use crate::db::statement::Statement;
pub use crate::db::statement::{Columns, Param};

/// Every row of `sql` with `params` bound, each read by `read` as it is stepped.
pub async fn rows<T>(
    pool: &SqlitePool,
    sql: &str,
    params: &[Param<'_>],
    mut read: impl FnMut(&Columns) -> anyhow::Result<T>,
) -> anyhow::Result<Vec<T>> {
    let mut conn = pool.acquire().await?;
    // While the handle is locked the connection's own thread leaves it alone.
    let mut handle = conn.lock_handle().await?;
    let statement = Statement::prepare(handle.as_raw_handle(), sql)?;
    statement.bind(params)?;
    let mut rows = Vec::new();
    while statement.step()? {
        rows.push(read(&statement.columns())?);
    }
    Ok(rows)
}

//! The exports' pages on SQLite, stepped straight on a pooled connection's handle.
//! Through sqlx every value of every row is copied twice and every row crosses from the
//! connection's thread to the server's through a channel; on the million-row ledger
//! that was most of the export's time. Here the statement is stepped where the rows are
//! built. PostgreSQL keeps sqlx: its rows arrive in bulk.

use std::ffi::{c_int, CStr};
use std::ptr::{self, NonNull};

use anyhow::{anyhow, bail, Context};
use libsqlite3_sys as ffi;
use sqlx::SqlitePool;

/// A value for a query's `$n` placeholder, on either backend.
#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    Text(&'a str),
    Int(i64),
}

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
        rows.push(read(&Columns(&statement))?);
    }
    Ok(rows)
}

/// A prepared statement, finalized when dropped (before the handle is unlocked).
struct Statement {
    raw: NonNull<ffi::sqlite3_stmt>,
    db: NonNull<ffi::sqlite3>,
}

impl Statement {
    fn prepare(db: NonNull<ffi::sqlite3>, sql: &str) -> anyhow::Result<Statement> {
        let mut raw = ptr::null_mut();
        let len = c_int::try_from(sql.len())?;
        // SAFETY: `db` is open and locked for this thread; `sql` is valid for `len` bytes.
        let code = unsafe {
            ffi::sqlite3_prepare_v2(
                db.as_ptr(),
                sql.as_ptr().cast(),
                len,
                &mut raw,
                ptr::null_mut(),
            )
        };
        check(db, code)?;
        let raw = NonNull::new(raw).context("the export's SQL has no statement")?;
        Ok(Statement { raw, db })
    }

    /// Binds `$n` to `params[n - 1]`, wherever `$n` first appears in the SQL.
    fn bind(&self, params: &[Param<'_>]) -> anyhow::Result<()> {
        // SAFETY (all calls here): `raw` is a live statement of this connection.
        let count = unsafe { ffi::sqlite3_bind_parameter_count(self.raw.as_ptr()) };
        for index in 1..=count {
            let name = unsafe { ffi::sqlite3_bind_parameter_name(self.raw.as_ptr(), index) };
            let name = (!name.is_null()).then(|| unsafe { CStr::from_ptr(name) });
            let param = name
                .and_then(|n| n.to_str().ok()?.strip_prefix('$')?.parse::<usize>().ok())
                .and_then(|n| params.get(n.checked_sub(1)?))
                .with_context(|| format!("no value for parameter {name:?}"))?;
            let code = match *param {
                Param::Int(n) => unsafe { ffi::sqlite3_bind_int64(self.raw.as_ptr(), index, n) },
                // SQLite copies the text (SQLITE_TRANSIENT) before this returns.
                Param::Text(s) => unsafe {
                    ffi::sqlite3_bind_text(
                        self.raw.as_ptr(),
                        index,
                        s.as_ptr().cast(),
                        c_int::try_from(s.len())?,
                        ffi::SQLITE_TRANSIENT(),
                    )
                },
            };
            check(self.db, code)?;
        }
        Ok(())
    }

    /// Steps to the next row: false when there are no more.
    fn step(&self) -> anyhow::Result<bool> {
        // SAFETY: a live statement; the connection's busy timeout applies.
        match unsafe { ffi::sqlite3_step(self.raw.as_ptr()) } {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => Ok(false),
            code => check(self.db, code).and(Err(anyhow!("SQLite step returned {code}"))),
        }
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: finalized once, here; nothing borrows it any more.
        unsafe { ffi::sqlite3_finalize(self.raw.as_ptr()) };
    }
}

fn check(db: NonNull<ffi::sqlite3>, code: c_int) -> anyhow::Result<()> {
    if code == ffi::SQLITE_OK {
        return Ok(());
    }
    // SAFETY: the connection is open; its message lives until its next call.
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr())) };
    bail!("SQLite error {code}: {}", message.to_string_lossy())
}

/// The current row of a statement being stepped; columns are counted from 0.
pub struct Columns<'s>(&'s Statement);

impl Columns<'_> {
    fn kind(&self, column: usize) -> anyhow::Result<(c_int, c_int)> {
        let index = c_int::try_from(column)?;
        // SAFETY: the statement is on a row; an index out of range reads as NULL.
        Ok((index, unsafe {
            ffi::sqlite3_column_type(self.0.raw.as_ptr(), index)
        }))
    }

    pub fn opt_int(&self, column: usize) -> anyhow::Result<Option<i64>> {
        match self.kind(column)? {
            (_, ffi::SQLITE_NULL) => Ok(None),
            // SAFETY: the statement is on a row and the column holds an integer.
            (index, ffi::SQLITE_INTEGER) => Ok(Some(unsafe {
                ffi::sqlite3_column_int64(self.0.raw.as_ptr(), index)
            })),
            (_, kind) => bail!("column {column} is of type {kind}, not an integer"),
        }
    }

    pub fn int(&self, column: usize) -> anyhow::Result<i64> {
        self.opt_int(column)?
            .with_context(|| format!("column {column} is NULL"))
    }

    pub fn opt_str(&self, column: usize) -> anyhow::Result<Option<&str>> {
        let index = match self.kind(column)? {
            (_, ffi::SQLITE_NULL) => return Ok(None),
            (index, ffi::SQLITE_TEXT) => index,
            (_, kind) => bail!("column {column} is of type {kind}, not text"),
        };
        let raw = self.0.raw.as_ptr();
        // SAFETY: text first, then its length, as SQLite asks; the bytes stay valid
        // until the statement steps again, which the borrow of `self` forbids.
        let bytes = unsafe {
            let text = ffi::sqlite3_column_text(raw, index);
            let len = usize::try_from(ffi::sqlite3_column_bytes(raw, index))?;
            if text.is_null() {
                &[][..]
            } else {
                std::slice::from_raw_parts(text, len)
            }
        };
        Ok(Some(std::str::from_utf8(bytes)?))
    }

    pub fn opt_text(&self, column: usize) -> anyhow::Result<Option<String>> {
        Ok(self.opt_str(column)?.map(str::to_owned))
    }

    pub fn text(&self, column: usize) -> anyhow::Result<String> {
        self.opt_text(column)?
            .with_context(|| format!("column {column} is NULL"))
    }

    /// A text column read as one of an enum's names.
    pub fn parsed<E>(&self, column: usize, parse: fn(&str) -> Option<E>) -> anyhow::Result<E> {
        let raw = self.opt_str(column)?.unwrap_or_default();
        parse(raw).with_context(|| format!("column {column} holds {raw:?}"))
    }
}

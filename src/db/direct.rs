//! SQLite statements stepped straight on a connection's handle, while sqlx's thread for
//! that connection is locked out ([`sqlx::SqliteConnection::lock_handle`]).
//!
//! Through sqlx every statement is a message to the connection's own thread and an answer
//! back: two task switches, tens of microseconds on a virtual machine, more than SQLite
//! takes to run a small insert. The group commit's direct jobs (leads) and the exports'
//! pages run here instead; everything else stays on sqlx.

use std::ffi::{c_int, CStr};
use std::ptr::{self, NonNull};

use libsqlite3_sys as ffi;

/// Turns SQLite's memory statistics off for the process, before its first connection:
/// with them on, every allocation SQLite makes takes one process-wide mutex, which the
/// writer and the readers' threads fought over (a quarter of the writer's time under
/// lead capture). Nothing here reads the statistics or sets a soft heap limit. Once
/// SQLite is running the setting can no longer change (SQLite answers "misuse"), so
/// only the first call does anything.
pub fn tune_library() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: SQLITE_CONFIG_MEMSTATUS takes one int; before initialization nothing
        // else is using the library's configuration.
        let code = unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int) };
        if code != ffi::SQLITE_OK {
            tracing::debug!(
                code,
                "SQLite was already initialized; its memory statistics stay on"
            );
        }
    });
}

/// A value for a statement's `$n` placeholder.
#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    Text(&'a str),
    Int(i64),
    Null,
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(s: &'a str) -> Self {
        Param::Text(s)
    }
}

impl From<i64> for Param<'_> {
    fn from(n: i64) -> Self {
        Param::Int(n)
    }
}

impl<'a, T: Into<Param<'a>>> From<Option<T>> for Param<'a> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Param::Null, Into::into)
    }
}

/// What SQLite (or a value read back) refused, with SQLite's extended result code.
#[derive(Debug, thiserror::Error)]
#[error("SQLite error {code}: {message}")]
pub struct DirectError {
    code: c_int,
    message: String,
}

impl DirectError {
    /// A misuse on this side (a parameter without a value, a column of another type).
    fn misuse(message: String) -> Self {
        DirectError {
            code: ffi::SQLITE_MISUSE,
            message,
        }
    }
}

impl sqlx::error::DatabaseError for DirectError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
        Some(self.code.to_string().into())
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> sqlx::error::ErrorKind {
        use sqlx::error::ErrorKind;
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

pub type Result<T> = std::result::Result<T, DirectError>;

/// A prepared statement, finalized when dropped (before the handle is unlocked).
pub struct Statement {
    raw: NonNull<ffi::sqlite3_stmt>,
    db: NonNull<ffi::sqlite3>,
}

impl Statement {
    /// Prepares `sql` on `db`, which the caller has locked for this thread.
    pub fn prepare(db: NonNull<ffi::sqlite3>, sql: &str) -> Result<Statement> {
        let mut raw = ptr::null_mut();
        let len =
            c_int::try_from(sql.len()).map_err(|_| DirectError::misuse("SQL too long".into()))?;
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
        let raw = NonNull::new(raw)
            .ok_or_else(|| DirectError::misuse("no statement in the SQL".into()))?;
        Ok(Statement { raw, db })
    }

    /// Binds `$n` to `params[n - 1]`, wherever `$n` appears in the SQL.
    pub fn bind(&self, params: &[Param<'_>]) -> Result<()> {
        // SAFETY (all calls here): `raw` is a live statement of this connection.
        let count = unsafe { ffi::sqlite3_bind_parameter_count(self.raw.as_ptr()) };
        for index in 1..=count {
            let name = unsafe { ffi::sqlite3_bind_parameter_name(self.raw.as_ptr(), index) };
            let name = (!name.is_null()).then(|| unsafe { CStr::from_ptr(name) });
            let param = name
                .and_then(|n| n.to_str().ok()?.strip_prefix('$')?.parse::<usize>().ok())
                .and_then(|n| params.get(n.checked_sub(1)?))
                .ok_or_else(|| DirectError::misuse(format!("no value for parameter {name:?}")))?;
            let code = match *param {
                Param::Int(n) => unsafe { ffi::sqlite3_bind_int64(self.raw.as_ptr(), index, n) },
                Param::Null => unsafe { ffi::sqlite3_bind_null(self.raw.as_ptr(), index) },
                // SQLite copies the text (SQLITE_TRANSIENT) before this returns.
                Param::Text(s) => unsafe {
                    ffi::sqlite3_bind_text(
                        self.raw.as_ptr(),
                        index,
                        s.as_ptr().cast(),
                        c_int::try_from(s.len())
                            .map_err(|_| DirectError::misuse("text too long".into()))?,
                        ffi::SQLITE_TRANSIENT(),
                    )
                },
            };
            check(self.db, code)?;
        }
        Ok(())
    }

    /// Steps to the next row: false when there are no more.
    pub fn step(&self) -> Result<bool> {
        // SAFETY: a live statement; the connection's busy timeout applies.
        match unsafe { ffi::sqlite3_step(self.raw.as_ptr()) } {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => Ok(false),
            _ => Err(error(self.db)),
        }
    }

    /// Ready to run again; the bindings are replaced by the next [`Statement::bind`].
    fn reset(&self) {
        // SAFETY: a live statement. Its return repeats the last step's error, already seen.
        unsafe { ffi::sqlite3_reset(self.raw.as_ptr()) };
    }

    /// The current row.
    pub fn columns(&self) -> Columns<'_> {
        Columns(self)
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: finalized once, here; nothing borrows it any more.
        unsafe { ffi::sqlite3_finalize(self.raw.as_ptr()) };
    }
}

fn check(db: NonNull<ffi::sqlite3>, code: c_int) -> Result<()> {
    if code == ffi::SQLITE_OK {
        return Ok(());
    }
    Err(error(db))
}

/// The connection's last error, by its extended code (a unique violation, not only a
/// constraint).
fn error(db: NonNull<ffi::sqlite3>) -> DirectError {
    // SAFETY: the connection is open; its message lives until its next call.
    let (code, message) = unsafe {
        (
            ffi::sqlite3_extended_errcode(db.as_ptr()),
            CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr())),
        )
    };
    DirectError {
        code,
        message: message.to_string_lossy().into_owned(),
    }
}

/// The current row of a statement being stepped; columns are counted from 0.
pub struct Columns<'s>(&'s Statement);

impl Columns<'_> {
    fn kind(&self, column: usize) -> Result<(c_int, c_int)> {
        let index =
            c_int::try_from(column).map_err(|_| DirectError::misuse("no such column".into()))?;
        // SAFETY: the statement is on a row; an index out of range reads as NULL.
        Ok((index, unsafe {
            ffi::sqlite3_column_type(self.0.raw.as_ptr(), index)
        }))
    }

    pub fn opt_int(&self, column: usize) -> Result<Option<i64>> {
        match self.kind(column)? {
            (_, ffi::SQLITE_NULL) => Ok(None),
            // SAFETY: the statement is on a row and the column holds an integer.
            (index, ffi::SQLITE_INTEGER) => Ok(Some(unsafe {
                ffi::sqlite3_column_int64(self.0.raw.as_ptr(), index)
            })),
            (_, kind) => Err(DirectError::misuse(format!(
                "column {column} is of type {kind}, not an integer"
            ))),
        }
    }

    pub fn int(&self, column: usize) -> Result<i64> {
        self.opt_int(column)?
            .ok_or_else(|| DirectError::misuse(format!("column {column} is NULL")))
    }

    pub fn opt_str(&self, column: usize) -> Result<Option<&str>> {
        let index = match self.kind(column)? {
            (_, ffi::SQLITE_NULL) => return Ok(None),
            (index, ffi::SQLITE_TEXT) => index,
            (_, kind) => {
                return Err(DirectError::misuse(format!(
                    "column {column} is of type {kind}, not text"
                )))
            }
        };
        let raw = self.0.raw.as_ptr();
        // SAFETY: text first, then its length, as SQLite asks; the bytes stay valid
        // until the statement steps again, which the borrow of `self` forbids.
        let bytes = unsafe {
            let text = ffi::sqlite3_column_text(raw, index);
            let len = usize::try_from(ffi::sqlite3_column_bytes(raw, index)).unwrap_or(0);
            if text.is_null() {
                &[][..]
            } else {
                std::slice::from_raw_parts(text, len)
            }
        };
        std::str::from_utf8(bytes)
            .map(Some)
            .map_err(|e| DirectError::misuse(format!("column {column}: {e}")))
    }

    pub fn opt_text(&self, column: usize) -> Result<Option<String>> {
        Ok(self.opt_str(column)?.map(str::to_owned))
    }

    pub fn text(&self, column: usize) -> Result<String> {
        self.opt_text(column)?
            .ok_or_else(|| DirectError::misuse(format!("column {column} is NULL")))
    }

    /// A text column read as one of an enum's names.
    pub fn parsed<E>(&self, column: usize, parse: fn(&str) -> Option<E>) -> Result<E> {
        let raw = self.opt_str(column)?.unwrap_or_default();
        parse(raw).ok_or_else(|| DirectError::misuse(format!("column {column} holds {raw:?}")))
    }
}

/// The statements the writer keeps prepared from one group commit to the next: preparing
/// a lead's insert compiles its table's triggers and foreign keys (about 0.3 ms, a third
/// of the writer's time when done once per batch).
///
/// They belong to the writer's connection, which is opened in SQLite's serialized mode and
/// never recycled by its pool, so finalizing them (when this is dropped, from whichever
/// thread) is safe while sqlx's thread uses the connection, and the connection outlives
/// them: this holds the pool open until its statements are finalized (fields drop in
/// order), as a connection closed with statements left fails to close.
pub struct Prepared {
    statements: Vec<(&'static str, Statement)>,
    /// The handle they were prepared on.
    db: Option<NonNull<ffi::sqlite3>>,
    /// False once the database is closing: statements are not kept from one batch to
    /// the next.
    keep: bool,
    _pool: Option<sqlx::SqlitePool>,
}

// SAFETY: the statements are stepped only while the handle is locked for the stepping
// thread ([`Direct`]); finalizing them takes the serialized connection's own mutex.
unsafe impl Send for Prepared {}

impl Prepared {
    /// For the writer of `pool`, whose connection must be serialized and never recycled.
    pub fn new(pool: Option<sqlx::SqlitePool>) -> Self {
        Prepared {
            statements: Vec::new(),
            db: None,
            keep: true,
            _pool: pool,
        }
    }

    /// Finalizes every statement, and keeps none from now on (the pool is closing).
    pub(super) fn close(&mut self) {
        self.keep = false;
        self.clear();
    }

    /// Finalizes every statement; the next batch prepares what it needs again.
    pub(super) fn clear(&mut self) {
        self.statements.clear();
    }

    /// After a batch: its statements are kept for the next one unless the pool is closing.
    pub(super) fn batch_done(&mut self) {
        if !self.keep {
            self.clear();
        }
    }
}

/// The writer's handle during a group commit's direct jobs, with the statements it keeps
/// prepared.
pub struct Direct<'p> {
    db: NonNull<ffi::sqlite3>,
    prepared: &'p mut Prepared,
}

impl<'p> Direct<'p> {
    /// `db` must stay locked for this thread until the `Direct` is dropped.
    pub(super) fn new(db: NonNull<ffi::sqlite3>, prepared: &'p mut Prepared) -> Self {
        if prepared.db != Some(db) {
            // Another connection (never, with a pool that does not recycle it): the old
            // statements cannot run here.
            prepared.statements.clear();
            prepared.db = Some(db);
        }
        Direct { db, prepared }
    }

    fn statement(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<&Statement> {
        let statements = &mut self.prepared.statements;
        let at = match statements.iter().position(|(s, _)| ptr::eq(*s, sql)) {
            Some(at) => at,
            None => {
                statements.push((sql, Statement::prepare(self.db, sql)?));
                statements.len() - 1
            }
        };
        let statement = &statements[at].1;
        statement.reset();
        statement.bind(params)?;
        Ok(statement)
    }

    /// False when SQLite has ended the transaction on its own (some errors roll it all
    /// back): a job run now would be committed by itself, outside the batch.
    pub fn in_transaction(&self) -> bool {
        // SAFETY: the connection is open and locked for this thread.
        unsafe { ffi::sqlite3_get_autocommit(self.db.as_ptr()) == 0 }
    }

    /// Runs a statement that returns no rows; how many rows it changed (not counting
    /// triggers' changes).
    pub fn execute(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<u64> {
        let db = self.db;
        let statement = self.statement(sql, params)?;
        let stepped =
            std::iter::repeat_with(|| statement.step()).find(|row| !matches!(row, Ok(true)));
        statement.reset();
        stepped.unwrap_or(Ok(false))?;
        // SAFETY: the connection is open and locked for this thread.
        Ok(u64::try_from(unsafe { ffi::sqlite3_changes64(db.as_ptr()) }).unwrap_or(0))
    }

    /// The first row of a statement, read by `read`; the rest are not stepped to.
    pub fn row<T>(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
        read: impl FnOnce(&Columns) -> Result<T>,
    ) -> Result<Option<T>> {
        let statement = self.statement(sql, params)?;
        let row = match statement.step() {
            Ok(true) => read(&statement.columns()).map(Some),
            Ok(false) => Ok(None),
            Err(e) => Err(e),
        };
        // A statement that writes (RETURNING) finishes its writes on the first step.
        statement.reset();
        row
    }

    /// Runs `job` in a savepoint: its writes are kept when it succeeds, undone when it
    /// fails, and the transaction goes on either way.
    pub fn in_savepoint<T>(&mut self, job: impl FnOnce(&mut Direct<'_>) -> Result<T>) -> Result<T> {
        self.execute("SAVEPOINT direct", &[])?;
        match job(self) {
            Ok(value) => {
                self.execute("RELEASE direct", &[])?;
                Ok(value)
            }
            Err(e) => {
                // Fails only when SQLite already ended the transaction (then the batch's
                // commit fails too, and every job in it hears so).
                let _ = self
                    .execute("ROLLBACK TO direct", &[])
                    .and_then(|_| self.execute("RELEASE direct", &[]));
                Err(e)
            }
        }
    }
}

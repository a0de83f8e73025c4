//! SQLite's C API, thinly: statements prepared, bound, stepped and read on a connection's
//! handle while sqlx's thread for that connection is locked out
//! ([`sqlx::SqliteConnection::lock_handle`]).
//!
//! Through sqlx every statement is a message to the connection's own thread and an answer
//! back: two task switches, tens of microseconds on a virtual machine, more than SQLite
//! takes to run a small insert. The group commit's direct jobs ([`super::direct`]) and the
//! exports' pages run here instead; everything else stays on sqlx.

use std::ffi::{c_int, CStr};
use std::ptr::{self, NonNull};

use libsqlite3_sys as ffi;

/// A value for a statement's `$n` placeholder, stepped on SQLite's handle or bound through
/// sqlx ([`bind_all`]). A NULL keeps its column's type: PostgreSQL types every parameter,
/// and a NULL sent as text does not go into a BIGINT column.
#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    Text(&'a str),
    Int(i64),
    NullText,
    NullInt,
}

/// The typed NULL of a parameter's type.
pub trait Nullable {
    const NULL: Param<'static>;
}

impl Nullable for &str {
    const NULL: Param<'static> = Param::NullText;
}

impl Nullable for i64 {
    const NULL: Param<'static> = Param::NullInt;
}

/// `params` as sqlx's arguments, in order, for either backend (`sqlx::query_with`,
/// `query_as_with`): one list of a statement's values serves the direct SQLite path and
/// sqlx.
pub fn arguments<'q, DB>(
    params: &[Param<'q>],
) -> std::result::Result<<DB as sqlx::Database>::Arguments<'q>, sqlx::error::BoxDynError>
where
    DB: sqlx::Database,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q str>: sqlx::Encode<'q, DB>,
    Option<i64>: sqlx::Encode<'q, DB>,
{
    use sqlx::Arguments as _;
    let mut args = <DB as sqlx::Database>::Arguments::<'q>::default();
    for param in params {
        match *param {
            Param::Text(text) => args.add(text)?,
            Param::Int(n) => args.add(n)?,
            Param::NullText => args.add(None::<&'q str>)?,
            Param::NullInt => args.add(None::<i64>)?,
        }
    }
    Ok(args)
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

impl<'a, T: Into<Param<'a>> + Nullable> From<Option<T>> for Param<'a> {
    fn from(value: Option<T>) -> Self {
        value.map_or(T::NULL, Into::into)
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
                Param::NullText | Param::NullInt => unsafe {
                    ffi::sqlite3_bind_null(self.raw.as_ptr(), index)
                },
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
    pub(super) fn reset(&self) {
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

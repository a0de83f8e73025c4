//! The group commit's direct jobs: SQLite statements stepped by the batch runner's own
//! thread on the writer's handle ([`super::statement`]), with the statements it keeps
//! prepared from one batch to the next.

use std::ptr::{self, NonNull};

use libsqlite3_sys as ffi;

use super::statement::{Columns, Param, Result, Statement};

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

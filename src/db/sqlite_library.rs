//! The SQLite library itself, set up once for the process before its first connection:
//! how it allocates, whether it keeps memory statistics, where savepoints' sub-journals
//! live, and (checked by a test) how the bundled library was compiled.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr;

use libsqlite3_sys as ffi;

/// Tunes the SQLite library for the process, before its first connection: its error log
/// into the server's ([`log`]), memory statistics off, savepoints' sub-journals in memory
/// in one block ([`SUB_JOURNAL_IN_MEMORY`]), and SQLite's allocations on mimalloc (the
/// binary's allocator).
///
/// With statistics on, every allocation SQLite makes takes one process-wide mutex, which
/// the writer and the readers' threads fought over (a quarter of the writer's time under
/// lead capture). Nothing here reads the statistics or sets a soft heap limit. SQLite's
/// default allocator is glibc's malloc, a tenth of the lead writer's time (`_int_malloc`,
/// `_int_free`, `malloc_consolidate`); mimalloc's thread-local free lists serve the same
/// small, short-lived allocations for less. Once SQLite is running the settings can no
/// longer change (SQLite answers "misuse"), so only the first call does anything.
pub fn tune_library() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let methods = mimalloc_methods();
        // SAFETY: each option gets the argument it takes (an int, an int, a pointer to
        // the methods, which SQLite copies); before initialization nothing else is using
        // the library's configuration.
        let codes = unsafe {
            [
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int),
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_STMTJRNL_SPILL, SUB_JOURNAL_IN_MEMORY),
                ffi::sqlite3_config(
                    ffi::SQLITE_CONFIG_MALLOC,
                    &methods as *const ffi::sqlite3_mem_methods,
                ),
                ffi::sqlite3_config(
                    ffi::SQLITE_CONFIG_LOG,
                    log as unsafe extern "C" fn(*mut c_void, c_int, *const c_char),
                    ptr::null_mut::<c_void>(),
                ),
            ]
        };
        if codes.iter().any(|&code| code != ffi::SQLITE_OK) {
            tracing::debug!(
                ?codes,
                "SQLite was already initialized; it keeps its default settings"
            );
        }
    });
}

/// SQLite's error log ([`ffi::SQLITE_CONFIG_LOG`]) into the server's: the library's own
/// account of a failure names what failed where (the file and line of a failed write,
/// the statement a constraint stopped), which the error code alone does not. Failures the
/// server expects and handles (a constraint it retries or answers with 409, a statement
/// re-prepared after a schema change) and SQLite's notices go to debug; the rest warn.
/// The message is copied only for a line that is written (tracing evaluates an event's
/// fields after its level check), so expected failures cost nothing at the usual level.
///
/// A statement prepared on a connection whose copy of the schema predates a change (a
/// reader opened while the migrations ran, on a first start) fails to compile, and SQLite's
/// parser logs that as a plain error ("no such table: ...") before the prepare finds the
/// schema changed, reloads it and compiles the statement again, successfully. Those two
/// messages go to debug too: a table or column that is really missing also fails the
/// statement, and its caller reports that error.
unsafe extern "C" fn log(_: *mut c_void, code: c_int, message: *const c_char) {
    // SAFETY: SQLite passes a NUL-terminated message that lives for the call.
    let message = unsafe { CStr::from_ptr(message) };
    let stale_schema = code == ffi::SQLITE_ERROR
        && [&b"no such table: "[..], b"no such column: "]
            .iter()
            .any(|start| message.to_bytes().starts_with(start));
    match code & 0xff {
        _ if stale_schema => {
            tracing::debug!(target: "sqlite", code, message = %message.to_string_lossy())
        }
        ffi::SQLITE_CONSTRAINT | ffi::SQLITE_SCHEMA | ffi::SQLITE_NOTICE | ffi::SQLITE_WARNING => {
            tracing::debug!(target: "sqlite", code, message = %message.to_string_lossy())
        }
        _ => tracing::warn!(target: "sqlite", code, message = %message.to_string_lossy()),
    }
}

/// How much of a savepoint's sub-journal SQLite keeps in memory before it spills to a
/// temporary file (`SQLITE_CONFIG_STMTJRNL_SPILL`, 64 KiB by default). A routed lead
/// changes a few dozen pages (its row, its index entries, the counters, the seat), and
/// the in-memory journal then is one block instead of a 1 KiB chunk per write: with the
/// writer's journal held in 1 KiB chunks (`temp_store=MEMORY`), their allocations were a
/// twentieth of the lead writer's time.
///
/// It is [`LARGEST_WRITE`], the most the spill can write to the file in its one call. At
/// 256 KiB a larger block became a write of nothing, reported as `SQLITE_FULL`, "database
/// or disk is full": it refused the leads whose savepoint outgrew memory (on a database of
/// a million participants, up to a few a second under load) and failed the jobs that did
/// the same (`tests/api/sqlite_journal.rs`).
const SUB_JOURNAL_IN_MEMORY: c_int = LARGEST_WRITE;

/// The longest write SQLite's unix layer makes in one call: it masks every write's length
/// to 17 bits (`seekAndWriteFd`, `nBuf &= 0x1ffff`), as its own buffers never reach 128 KiB.
const LARGEST_WRITE: c_int = 0x1ffff;

/// SQLite's allocator interface over mimalloc. SQLite never asks for a negative size; a
/// size that does not fit is refused (null), as its own allocator would.
fn mimalloc_methods() -> ffi::sqlite3_mem_methods {
    use libmimalloc_sys as mi;

    unsafe extern "C" fn malloc(n: c_int) -> *mut c_void {
        match usize::try_from(n) {
            // SAFETY: mi_malloc takes any size and returns null when it cannot serve it.
            Ok(n) => unsafe { mi::mi_malloc(n) },
            Err(_) => ptr::null_mut(),
        }
    }
    unsafe extern "C" fn free(p: *mut c_void) {
        // SAFETY: SQLite frees only what `malloc`/`realloc` above returned.
        unsafe { mi::mi_free(p) }
    }
    unsafe extern "C" fn realloc(p: *mut c_void, n: c_int) -> *mut c_void {
        match usize::try_from(n) {
            // SAFETY: as `free`; on failure mi_realloc leaves `p` allocated, as SQLite expects.
            Ok(n) => unsafe { mi::mi_realloc(p, n) },
            Err(_) => ptr::null_mut(),
        }
    }
    unsafe extern "C" fn size(p: *mut c_void) -> c_int {
        // SAFETY: as `free`. What SQLite may use of the block; a block is never near 2 GiB
        // (SQLite caps one allocation below that), so the size fits.
        let n = unsafe { mi::mi_usable_size(p) };
        c_int::try_from(n).unwrap_or(c_int::MAX)
    }
    unsafe extern "C" fn roundup(n: c_int) -> c_int {
        // The default allocator's rounding; SQLite uses it only for accounting.
        n.saturating_add(7) & !7
    }
    unsafe extern "C" fn init(_: *mut c_void) -> c_int {
        ffi::SQLITE_OK
    }
    unsafe extern "C" fn shutdown(_: *mut c_void) {}

    ffi::sqlite3_mem_methods {
        xMalloc: Some(malloc),
        xFree: Some(free),
        xRealloc: Some(realloc),
        xSize: Some(size),
        xRoundup: Some(roundup),
        xInit: Some(init),
        xShutdown: Some(shutdown),
        pAppData: ptr::null_mut(),
    }
}

#[cfg(test)]
mod tests {
    use super::ffi;

    /// The bundled SQLite is built as `.cargo/config.toml` asks: without the option that
    /// puts every connection's page cache behind one process-wide lock. A build that
    /// loses the setting (a `LIBSQLITE3_FLAGS` of one's own in the environment overrides
    /// it) fails here rather than only in a benchmark.
    #[test]
    fn connections_keep_page_caches_of_their_own() {
        // SAFETY: the argument is a NUL-terminated string; the call reads no other state.
        let used = unsafe { ffi::sqlite3_compileoption_used(c"ENABLE_MEMORY_MANAGEMENT".as_ptr()) };
        assert_eq!(used, 0, "SQLITE_ENABLE_MEMORY_MANAGEMENT is compiled in");
        // The check itself works: an option the build does set is seen.
        let threadsafe = unsafe { ffi::sqlite3_compileoption_used(c"THREADSAFE=1".as_ptr()) };
        assert_eq!(threadsafe, 1);
    }

    /// What SQLite's error log hook writes, at which level: each line as the fmt layer
    /// prints it (level, target, fields).
    fn logged(code: std::ffi::c_int, message: &std::ffi::CStr) -> String {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Lines(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Lines {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .without_time()
            .with_writer(move || writer.clone())
            .finish();
        // SAFETY: a NUL-terminated message that lives for the call, as SQLite passes.
        tracing::subscriber::with_default(subscriber, || unsafe {
            super::log(std::ptr::null_mut(), code, message.as_ptr())
        });
        let text = lines.0.lock().unwrap().clone();
        String::from_utf8(text).unwrap()
    }

    /// Failures the server expects (a unique phone, a schema change, a statement compiled
    /// against a stale copy of the schema) are debug lines; a failure it does not (the
    /// write of nothing reported as a full disk, found this way; a syntax error) warns,
    /// with SQLite's own words and code, extended codes included.
    #[test]
    fn sqlite_log_lines_warn_only_for_what_the_server_does_not_expect() {
        let cases = [
            (
                ffi::SQLITE_CONSTRAINT_UNIQUE,
                c"abort at 42 in [INSERT INTO participants]: UNIQUE constraint failed: participants.phone",
                "DEBUG sqlite: code=2067",
            ),
            (
                ffi::SQLITE_SCHEMA,
                c"statement aborts at 1: database schema has changed",
                "DEBUG sqlite: code=17",
            ),
            (
                ffi::SQLITE_ERROR,
                c"no such table: campaigns in \"SELECT id FROM campaigns WHERE slug = $1\"",
                "DEBUG sqlite: code=1",
            ),
            (
                ffi::SQLITE_ERROR,
                c"near \"SELEC\": syntax error in \"SELEC 1\"",
                " WARN sqlite: code=1",
            ),
            (
                ffi::SQLITE_FULL,
                c"statement aborts at 38: [INSERT INTO referrals] database or disk is full",
                " WARN sqlite: code=13",
            ),
            (
                ffi::SQLITE_IOERR_WRITE,
                c"os_unix.c:38012: (28) write(/tmp/x.db-wal) - ",
                " WARN sqlite: code=778",
            ),
        ];
        for (code, message, starts) in cases {
            let line = logged(code, message);
            assert!(line.starts_with(starts), "{line}");
            assert!(line.contains(message.to_str().unwrap()), "{line}");
        }
    }
}

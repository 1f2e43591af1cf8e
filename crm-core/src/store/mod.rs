//! The only place with SQL. Connection set-up, the schema and its migrations, and one module of queries
//! per concept. Functions here take a connection or transaction and plain values; they decide nothing.

pub(crate) mod activities;
pub(crate) mod analytics;
pub(crate) mod calls;
pub(crate) mod care;
pub(crate) mod catalog;
pub(crate) mod clients;
pub(crate) mod convert;
pub(crate) mod deals;
pub(crate) mod dedup;
pub(crate) mod distribution;
pub(crate) mod events;
mod filter;
pub(crate) mod imports;
pub(crate) mod leads;
pub(crate) mod orders;
pub(crate) mod plans;
pub(crate) mod ports;
pub(crate) mod reports;
pub(crate) mod retention;
pub(crate) mod rhythm;
pub mod schema;
pub(crate) mod segments;

use std::path::Path;
use std::time::Duration;

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::error::Result;
use crate::segment;

/// How long a writer waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens (creating if needed) and migrates a database file.
pub(crate) fn open(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_URI;
    let mut conn = Connection::open_with_flags(path, flags)?;
    configure(&conn)?;
    // The version is checked (and the schema migrated) before the file is switched to WAL: switching
    // rewrites the header, and a file from a newer crmkit must be left untouched.
    schema::migrate(&mut conn)?;
    use_wal(&conn)?;
    Ok(conn)
}

/// Opens a private in-memory database, migrated.
pub(crate) fn open_in_memory() -> Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    configure(&conn)?;
    schema::migrate(&mut conn)?;
    Ok(conn)
}

/// Every connection is set up here and nowhere else (WAL comes after the version check, in `open`).
pub(crate) fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Statement journals and temporary indexes stay in memory rather than in temporary files.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // A page cache of up to 64 MiB (SQLite's default is 2 MiB): a segment over a large base reads
    // index and rollup pages again and again. Memory is taken only as pages are read.
    conn.pragma_update(None, "cache_size", -65_536)?;
    // SQLite built with STAT4 (as the bundled one is) recompiles a statement whenever a value bound
    // against an indexed column changes, in case the value changes the plan; crmkit keeps no statistics
    // for it to use, so that is pure cost (a quarter of a capture's time, measured by the routing
    // benchmark). The query planner stability guarantee turns it off: a cached statement keeps its plan.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    conn.set_prepared_statement_cache_capacity(128);
    register_functions(conn)?;
    Ok(())
}

/// The text of argument `i`, if it is text (a missing value is `None`).
fn text_arg<'a>(ctx: &'a Context<'_>, i: usize) -> Option<&'a str> {
    match ctx.get_raw(i) {
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).ok(),
        _ => None,
    }
}

/// The segment language's case-insensitive text tests, as SQL functions, so that SQL and the
/// in-memory evaluation fold text with the same code (SQLite's own `lower` and `LIKE` fold ASCII only).
/// Each returns NULL for a missing value, as a comparison would.
pub(crate) fn register_functions(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("crm_fold", 1, flags, |ctx| {
        Ok(text_arg(ctx, 0).map(segment::fold))
    })?;
    conn.create_scalar_function("crm_contains", 2, flags, |ctx| {
        Ok(match (text_arg(ctx, 0), text_arg(ctx, 1)) {
            (Some(text), Some(needle)) => Some(segment::contains(text, needle)),
            _ => None,
        })
    })?;
    conn.create_scalar_function("crm_starts_with", 2, flags, |ctx| {
        Ok(match (text_arg(ctx, 0), text_arg(ctx, 1)) {
            (Some(text), Some(prefix)) => Some(segment::starts_with(text, prefix)),
            _ => None,
        })
    })?;
    Ok(())
}

/// WAL lets readers in other processes (a report, a SQLite browser) work while the host writes.
fn use_wal(conn: &Connection) -> Result<()> {
    let _mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    // With synchronous=NORMAL a commit does not wait for the disk; a checkpoint does (two syncs). A
    // command writes ~20 pages (a row, its indexes, its event), so SQLite's default of a checkpoint
    // every 1,000 pages would sync every ~50 commands. Every 8,000 pages (32 MiB of log) syncs eight
    // times less often and copies each often-rewritten index page once; the log is cut back to 64 MiB.
    conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)?;
    conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    Ok(())
}

/// How many WAL pages trigger an automatic checkpoint.
const WAL_CHECKPOINT_PAGES: i64 = 8_000;

/// Begins a write transaction, taking the write lock at once so two writers never deadlock on an
/// upgrade from reading to writing. It rolls back when dropped without a commit.
pub(crate) fn begin(conn: &mut Connection) -> Result<Transaction<'_>> {
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}

/// Runs `f` in one write transaction and commits only if it returns `Ok`; on `Err` or a panic
/// everything is rolled back.
pub(crate) fn write<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> Result<T>,
) -> Result<T> {
    let tx = begin(conn)?;
    let value = f(&tx)?;
    tx.commit()?;
    Ok(value)
}

/// Runs `f` in a write transaction that commits when `f` returns `(value, true)` and rolls back when
/// it returns `(value, false)` or an error.
pub(crate) fn write_keep<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> Result<(T, bool)>,
) -> Result<T> {
    let tx = begin(conn)?;
    let (value, keep) = f(&tx)?;
    if keep {
        tx.commit()?;
    } else {
        tx.rollback()?;
    }
    Ok(value)
}

/// Runs `f` inside a savepoint of the open transaction: on `Err` (or a panic) only its own writes are
/// undone, so a command that fails inside a caller's transaction leaves nothing behind. The error
/// returned is always `f`'s own.
pub(crate) fn savepoint<T>(conn: &Connection, f: impl FnOnce() -> Result<T>) -> Result<T> {
    conn.execute_batch("SAVEPOINT command")?;
    let mut undo = UndoOnDrop { conn, armed: true };
    let result = f();
    undo.armed = false;
    match result {
        Ok(value) => {
            conn.execute_batch("RELEASE command")?;
            Ok(value)
        }
        Err(e) => {
            // After some failures (a full disk, an interrupt) SQLite has rolled back the whole
            // transaction itself; then there is no savepoint left to roll back to.
            if in_transaction(conn) {
                let _ = conn.execute_batch("ROLLBACK TO command; RELEASE command");
            }
            Err(e)
        }
    }
}

/// Rolls a savepoint back if the command inside it panicked.
struct UndoOnDrop<'a> {
    conn: &'a Connection,
    armed: bool,
}

impl Drop for UndoOnDrop<'_> {
    fn drop(&mut self) {
        if self.armed && in_transaction(self.conn) {
            let _ = self
                .conn
                .execute_batch("ROLLBACK TO command; RELEASE command");
        }
    }
}

/// Whether a transaction is open on the connection (SQLite ends one by itself after some failures).
pub(crate) fn in_transaction(conn: &Connection) -> bool {
    !conn.is_autocommit()
}

/// Closes a connection: a checkpoint first, so the database file alone holds everything.
pub(crate) fn close(conn: Connection) -> Result<()> {
    // An in-memory database has no log; the pragma answers harmlessly there.
    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    conn.close().map_err(|(_, e)| e.into())
}

/// Runs `f` in one read transaction, so several queries see one consistent state.
pub(crate) fn read<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> Result<T>,
) -> Result<T> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
    let value = f(&tx)?;
    tx.commit()?;
    Ok(value)
}

/// Runs `PRAGMA integrity_check` and returns its lines (`["ok"]` when the file is sound).
pub(crate) fn integrity_check(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The schema version of the open database.
pub(crate) fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

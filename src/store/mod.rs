//! Conversations on disk: one SQLite database (WAL, foreign keys, FTS5) in the data dir.
//!
//! This module owns the file: opening it safely (a locked, damaged or newer file is an error
//! naming it, and is never overwritten; a data dir that cannot be written still opens for
//! reading), creating and migrating it (safe when several rockchats start at once), and the
//! queries. The app never calls it on the UI path: writes go through the `writer` thread.

pub mod archive;
mod attachments;
pub mod import;
mod learned;
mod lease;
mod queries;
mod schema;
mod search;
pub mod stats;
mod tool_calls;
pub mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

pub use queries::{
    Appended, ConversationSummary, MessageFields, Opening, StoredConversation, StoredMessage,
};
pub use schema::CURRENT_VERSION;
pub use search::SearchHit;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{path} was written by a newer rockchat (schema {found}, this build knows {known}); it was left untouched"
    )]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error(
        "{path} is damaged (SQLite says: {message}); it was left untouched. Save what can still be read with `rockchat backup FILE` (or `sqlite3 {path} .recover`), then restore a backup in its place"
    )]
    Corrupt { path: PathBuf, message: String },
    #[error("{path} is not a rockchat database ({message}); it was left untouched")]
    NotADatabase { path: PathBuf, message: String },
    #[error("{path} is locked by another program; try again in a moment")]
    Locked { path: PathBuf },
    #[error(
        "{path} cannot be written ({message}); the reading commands (list, show, search, export, backup) still work"
    )]
    ReadOnly { path: PathBuf, message: String },
    #[error("cannot use the database {path}: {message}")]
    Other { path: PathBuf, message: String },
    #[error("no conversation with id {0}")]
    NotFound(i64),
    #[error("{} already exists; backup writes a new file (remove it, or name another)", .0.display())]
    BackupExists(PathBuf),
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Opened for reading only: nothing is migrated, recovered or written.
    read_only: bool,
    /// This process's writer lease, taken when it first saves a reply as it streams.
    lease: Option<lease::Lease>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// Who hears how far a one-time search index rebuild has got (done, total): the command
/// line sets one that writes to stderr; by default it is only logged.
static INDEXING: std::sync::OnceLock<fn(u64, u64)> = std::sync::OnceLock::new();

/// Reports a one-time rebuild of the search index (after an upgrade) to `report`.
pub fn on_indexing(report: fn(u64, u64)) {
    let _ = INDEXING.set(report);
}

fn report_indexing(done: u64, total: u64) {
    tracing::info!(done, total, "indexing messages for search");
    if let Some(report) = INDEXING.get() {
        report(done, total);
    }
}

/// The most SQLite's page cache holds, in KiB.
const PAGE_CACHE_KIB: i64 = 512;

/// How long a command waits for another program's write to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl Store {
    /// Opens (creating if missing) and migrates the database at `path`, for writing.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| read_only_or_other(path, &e))?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| classify(path, &e))?;
        let mut store = Store { conn, path: path.to_owned(), read_only: false, lease: None };
        store.conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| store.fail(e))?;
        // The version is checked before anything (even the journal mode) is written.
        let version = store.version()?;
        // SQLite opens a file it may not write read-only without a word: say so now, before
        // a save fails.
        if store.conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
            return Err(StoreError::ReadOnly {
                path: path.to_owned(),
                message: "no permission to write it".into(),
            });
        }
        store.configure()?;
        store.migrate(version)?;
        store.conn.pragma_update(None, "foreign_keys", true).map_err(|e| store.fail(e))?;
        store.recover_interrupted()?;
        Ok(store)
    }

    /// Opens the database for the reading commands: as `open` does when the file can be
    /// written (so a reply a crash left streaming is marked), read-only when it cannot.
    pub fn open_for_reading(path: &Path) -> Result<Store, StoreError> {
        match Store::open(path) {
            Err(error @ (StoreError::ReadOnly { .. } | StoreError::Other { .. })) => {
                Store::open_read_only(path).map_err(|read_error| {
                    tracing::info!(%read_error, "could not open read-only either");
                    error
                })
            }
            other => other,
        }
    }

    /// The file as it is, read-only (nothing migrated, nothing written): for reading where
    /// the directory cannot be written, and for shell completion.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(other(path, "no conversations are saved there yet"));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let open = |uri: &str| -> Result<Store, StoreError> {
            let conn = Connection::open_with_flags(uri, flags).map_err(|e| classify(path, &e))?;
            let store = Store { conn, path: path.to_owned(), read_only: true, lease: None };
            store.conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| store.fail(e))?;
            let version = store.version()?;
            if version < CURRENT_VERSION {
                return Err(StoreError::ReadOnly {
                    path: path.to_owned(),
                    message: format!(
                        "it needs upgrading from schema {version} to {CURRENT_VERSION} first"
                    ),
                });
            }
            Ok(store)
        };
        match open(&file_uri(path, "mode=ro")) {
            Ok(store) => Ok(store),
            // A WAL database needs its `-shm` file, which a read-only directory cannot get.
            // With no `-wal` left over, the file alone is the whole database, and reading it
            // as immutable is exact.
            Err(error) => {
                let wal = PathBuf::from(format!("{}-wal", path.display()));
                let wal_empty = std::fs::metadata(&wal).map_or(true, |m| m.len() == 0);
                if !wal_empty {
                    return Err(error);
                }
                open(&file_uri(path, "immutable=1"))
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether it was opened for reading only.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    fn configure(&self) -> Result<(), StoreError> {
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| classify(&self.path, &e))?;
        // Opening a long conversation reads every page of it once; SQLite's default cache
        // (2 MB) then holds pages that are not read again for the whole run. The kernel
        // caches the file anyway, so a small cache costs a system call per page, not a read.
        self.conn
            .pragma_update(None, "cache_size", -PAGE_CACHE_KIB)
            .map_err(|e| classify(&self.path, &e))?;
        // journal_mode answers with a row, so it is queried rather than updated. Switching a
        // fresh file to WAL needs it to itself for a moment, and SQLite answers "busy" at once,
        // without the busy timeout, when another rockchat is opening it too: try again.
        let started = std::time::Instant::now();
        let mode: String = loop {
            match self.conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)) {
                Err(error)
                    if error.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                        && started.elapsed() < BUSY_TIMEOUT =>
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                other => break other.map_err(|e| classify(&self.path, &e))?,
            }
        };
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(%mode, "database is not in WAL mode");
        }
        Ok(())
    }

    fn version(&self) -> Result<i64, StoreError> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(|e| classify(&self.path, &e))?;
        if version > CURRENT_VERSION {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known: CURRENT_VERSION,
            });
        }
        Ok(version)
    }

    /// Brings the file to `CURRENT_VERSION`. Another rockchat may be doing the same right now
    /// (two started together on a fresh data dir): the steps run under the write lock, from
    /// the version read under it, so the second finds the work done.
    fn migrate(&mut self, version: i64) -> Result<(), StoreError> {
        if version == CURRENT_VERSION {
            return Ok(());
        }
        // Off outside the transaction (it cannot change inside one): a step that rebuilds a
        // table drops the old one, which must not cascade to the rows that point at it.
        self.conn.pragma_update(None, "foreign_keys", false).map_err(|e| self.fail(e))?;
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| classify(&path, &e))?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(|e| classify(&path, &e))?;
        if version > CURRENT_VERSION {
            return Err(StoreError::TooNew { path, found: version, known: CURRENT_VERSION });
        }
        for step in schema::MIGRATIONS.iter().skip(version.max(0) as usize) {
            tx.execute_batch(step).map_err(|e| classify(&path, &e))?;
            if *step == schema::V12 {
                let mut report = |done, total| report_indexing(done, total);
                schema::fill_trigrams(&tx, &mut report).map_err(|e| classify(&path, &e))?;
            }
        }
        tx.pragma_update(None, "user_version", CURRENT_VERSION)
            .and_then(|()| tx.commit())
            .map_err(|e| classify(&path, &e))
    }

    /// A reply that was streaming when its writer died is kept, marked interrupted. A reply
    /// another rockchat is streaming right now (its lease is held) is left alone.
    fn recover_interrupted(&self) -> Result<(), StoreError> {
        let writers: Vec<Option<String>> = self
            .conn
            .prepare("SELECT DISTINCT writer FROM messages WHERE status = 'streaming'")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| self.fail(e))?;
        let leases = self.leases_dir();
        for writer in writers {
            if !lease::is_gone(&leases, writer.as_deref()) {
                continue;
            }
            self.conn
                .execute(
                    "UPDATE messages SET status = 'interrupted', writer = NULL,
                         error = 'rockchat closed before the reply finished'
                     WHERE status = 'streaming' AND writer IS ?1",
                    [&writer],
                )
                .map_err(|e| self.fail(e))?;
        }
        // Tool calls left waiting or running belong to no one once no other rockchat lives.
        let own = self.lease.as_ref().map(|lease| lease.token().to_owned());
        if !lease::others_live(&leases, own.as_deref()) {
            tool_calls::recover_interrupted(&self.conn).map_err(|e| self.fail(e))?;
        }
        Ok(())
    }

    /// Where the writers' leases live: beside the database, like its `-wal` file.
    fn leases_dir(&self) -> PathBuf {
        PathBuf::from(format!("{}-writers", self.path.display()))
    }

    /// The lease a row being streamed records, taken on first use. Without one (the lease
    /// directory cannot be made) the row names no writer, and an open after a crash marks
    /// it as before.
    pub(crate) fn lease_token(&mut self) -> Option<String> {
        if self.lease.is_none() {
            match lease::Lease::take(&self.leases_dir()) {
                Ok(lease) => self.lease = Some(lease),
                Err(error) => tracing::warn!(%error, "no writer lease"),
            }
        }
        self.lease.as_ref().map(|lease| lease.token().to_owned())
    }

    /// Before an answer of "nothing there" (no such conversation, no conversations, no
    /// match): whether the file is damaged, which would make that answer a lie.
    pub fn check_intact(&self) -> Result<(), StoreError> {
        let verdict: String = self
            .conn
            .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
            .map_err(|e| self.fail(e))?;
        if verdict == "ok" {
            return Ok(());
        }
        // "*** in database main ***\nPage 14: never used": the finding, on one line.
        let finding: Vec<&str> = verdict.lines().filter(|l| !l.starts_with("***")).collect();
        Err(StoreError::Corrupt { path: self.path.clone(), message: finding.join("; ") })
    }
}

/// A `file:` URI for `path` with `query`, for SQLite's URI parameters.
fn file_uri(path: &Path, query: &str) -> String {
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' => uri.push_str(&format!("%{:02X}", c as u32)),
            c => uri.push(c),
        }
    }
    uri.push('?');
    uri.push_str(query);
    uri
}

fn read_only_or_other(path: &Path, error: &std::io::Error) -> StoreError {
    match error.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            StoreError::ReadOnly { path: path.to_owned(), message: error.to_string() }
        }
        _ => other(path, &error.to_string()),
    }
}

fn other(path: &Path, message: &str) -> StoreError {
    StoreError::Other { path: path.to_owned(), message: message.to_owned() }
}

/// Turns SQLite's codes into the errors a user can act on.
fn classify(path: &Path, error: &rusqlite::Error) -> StoreError {
    use rusqlite::ffi::ErrorCode;
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            StoreError::Locked { path: path.to_owned() }
        }
        Some(ErrorCode::DatabaseCorrupt) => {
            StoreError::Corrupt { path: path.to_owned(), message: error.to_string() }
        }
        Some(ErrorCode::NotADatabase) => {
            StoreError::NotADatabase { path: path.to_owned(), message: error.to_string() }
        }
        Some(ErrorCode::ReadOnly) => {
            StoreError::ReadOnly { path: path.to_owned(), message: error.to_string() }
        }
        _ => other(path, &error.to_string()),
    }
}

/// Milliseconds since the Unix epoch, the store's clock.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests;

//! Conversations on disk: one SQLite database (WAL, foreign keys, FTS5) in the data dir.
//!
//! This module owns the file: opening it safely (a locked, corrupt or newer file is an
//! error naming it, and is never overwritten), migrating it, and the queries. The app never
//! calls it on the UI path: writes go through the `writer` thread.

mod attachments;
pub mod import;
mod learned;
mod queries;
mod schema;
mod search;
mod tool_calls;
pub mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use queries::{ConversationSummary, MessageFields, StoredConversation, StoredMessage};
pub use schema::CURRENT_VERSION;
pub use search::SearchHit;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{path} was written by a newer rockchat (schema {found}, this build knows {known}); it was left untouched"
    )]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error("{path} is not a rockchat database or is damaged ({message}); it was left untouched")]
    Corrupt { path: PathBuf, message: String },
    #[error("{path} is locked by another program; try again in a moment")]
    Locked { path: PathBuf },
    #[error("cannot use the database {path}: {message}")]
    Other { path: PathBuf, message: String },
    #[error("no conversation with id {0}")]
    NotFound(i64),
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if missing) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| other(path, &e.to_string()))?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| classify(path, &e))?;
        let mut store = Store { conn, path: path.to_owned() };
        // The version is checked before anything (even the journal mode) is written.
        let version = store.version()?;
        store.configure()?;
        store.migrate(version)?;
        store.recover_interrupted()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn configure(&self) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(Duration::from_secs(5))
            .and_then(|()| self.conn.pragma_update(None, "foreign_keys", true))
            .and_then(|()| self.conn.pragma_update(None, "synchronous", "NORMAL"))
            .map_err(|e| classify(&self.path, &e))?;
        // journal_mode answers with a row, so it is queried rather than updated.
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(|e| classify(&self.path, &e))?;
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

    fn migrate(&mut self, version: i64) -> Result<(), StoreError> {
        for (from, step) in schema::MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            let tx = self.conn.transaction().map_err(|e| classify(&self.path, &e))?;
            tx.execute_batch(step)
                .and_then(|()| tx.pragma_update(None, "user_version", from as i64 + 1))
                .and_then(|()| tx.commit())
                .map_err(|e| classify(&self.path, &e))?;
        }
        Ok(())
    }

    /// A reply that was streaming when rockchat died is kept, marked interrupted.
    fn recover_interrupted(&self) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE messages SET status = 'interrupted',
                     error = 'rockchat closed before the reply finished'
                 WHERE status = 'streaming'",
                [],
            )
            .and_then(|_| tool_calls::recover_interrupted(&self.conn))
            .map(drop)
            .map_err(|e| classify(&self.path, &e))
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
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            StoreError::Corrupt { path: path.to_owned(), message: error.to_string() }
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

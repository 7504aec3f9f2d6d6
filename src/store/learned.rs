//! What was learned about each model on each provider (its window, how its tokenizer
//! compares with the estimate, whether it takes images), one row per provider and model,
//! so a restart or `-c` starts from what the last run knew instead of from nothing.
//!
//! Its own table and its own migration step; nothing here reads or writes conversations.

use rusqlite::{Connection, params};

use super::{Store, StoreError, classify};
use crate::chat::learned::{Learned, Learnings};

/// The migration step that adds the table.
pub const SCHEMA: &str = "
CREATE TABLE learned (
    provider    TEXT NOT NULL,
    model       TEXT NOT NULL,
    window      INTEGER,
    ratio_milli INTEGER,
    images      INTEGER,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (provider, model)
);
";

/// Replaces what is known of one model.
pub fn save(
    conn: &Connection,
    provider: &str,
    model: &str,
    learned: &Learned,
    at: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO learned (provider, model, window, ratio_milli, images, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (provider, model) DO UPDATE SET
             window = excluded.window, ratio_milli = excluded.ratio_milli,
             images = excluded.images, updated_at = excluded.updated_at",
        params![
            provider,
            model,
            learned.window.map(|w| w as i64),
            learned.ratio_milli,
            learned.images,
            at
        ],
    )
    .map(drop)
}

impl Store {
    /// Everything learned so far; a row that no longer makes sense is skipped.
    pub fn learned(&self) -> Result<Learnings, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT provider, model, window, ratio_milli, images FROM learned")
            .map_err(|e| classify(&self.path, &e))?;
        let rows = statement
            .query_map([], |row| {
                let window: Option<i64> = row.get(2)?;
                let ratio: Option<i64> = row.get(3)?;
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    Learned {
                        window: window.and_then(|w| usize::try_from(w).ok()).filter(|&w| w > 0),
                        ratio_milli: ratio.and_then(|r| u32::try_from(r).ok()),
                        images: row.get(4)?,
                    },
                ))
            })
            .map_err(|e| classify(&self.path, &e))?;
        let mut learnings = Learnings::default();
        for (provider, model, learned) in rows.flatten() {
            learnings.insert(provider, model, learned);
        }
        Ok(learnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_learned_is_there_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rockchat.db");
        let learned = Learned { window: Some(512), ratio_milli: Some(1_340), images: Some(false) };
        {
            let mut store = Store::open(&path).unwrap();
            save(store.connection(), "local", "tiny-llama", &learned, 1).unwrap();
            let changed = Learned { window: Some(4_096), ..learned };
            save(store.connection(), "local", "tiny-llama", &changed, 2).unwrap();
        }
        let store = Store::open(&path).unwrap();
        let learnings = store.learned().unwrap();
        assert_eq!(learnings.get("local", "tiny-llama").window, Some(4_096));
        assert_eq!(learnings.get("local", "tiny-llama").ratio(), Some(1.34));
        assert_eq!(learnings.get("local", "tiny-llama").images, Some(false));
        assert_eq!(learnings.get("local", "other"), Learned::default());
    }
}

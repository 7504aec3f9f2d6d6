//! Finding text in the store: full-text search (FTS5) over every message, as hits for
//! `rockchat search` and as conversations for the list's filter. User words are always
//! quoted, so no query can break the FTS5 syntax, and a word found nearly everywhere is
//! listed newest first rather than ranked, so a search never costs more than a frame.

use rusqlite::params;

use super::queries::ConversationSummary;
use super::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub conversation_id: i64,
    pub title: String,
    pub message_id: i64,
    /// The matching text around the hit, the match wrapped in `[` `]`.
    pub snippet: String,
}

impl Store {
    /// Full-text search over every message, best matches first.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        let Some(query) = fts_query(query) else { return Ok(Vec::new()) };
        let order = self.search_order(&query)?;
        let sql = format!(
            "SELECT m.conversation_id, c.title, m.id,
                    snippet(messages_fts, 0, '[', ']', '…', 12)
             FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
             JOIN conversations c ON c.id = m.conversation_id
             WHERE messages_fts MATCH ?1 ORDER BY {order} LIMIT ?2"
        );
        let mut statement = self.conn.prepare_cached(&sql).map_err(|e| self.fail(e))?;
        let hits = statement
            .query_map(params![query, limit as i64], |r| {
                Ok(SearchHit {
                    conversation_id: r.get(0)?,
                    title: r.get(1)?,
                    message_id: r.get(2)?,
                    snippet: r.get(3)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.fail(e))?;
        Ok(hits)
    }

    /// Best match first while the matches are few enough to rank within a frame; a word found
    /// nearly everywhere ranks every message the same anyway, so those come newest first,
    /// which FTS5 reads straight off its index.
    fn search_order(&self, fts: &str) -> Result<&'static str, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM
                 (SELECT 1 FROM messages_fts WHERE messages_fts MATCH ?1 LIMIT ?2)",
            )
            .map_err(|e| self.fail(e))?;
        let matches: i64 = statement
            .query_row(params![fts, RANKED_MATCHES_MAX + 1], |r| r.get(0))
            .map_err(|e| self.fail(e))?;
        Ok(if matches > RANKED_MATCHES_MAX {
            "messages_fts.rowid DESC"
        } else {
            "bm25(messages_fts)"
        })
    }

    /// Conversations for the list: newest first, or for a query the best match of each
    /// conversation first, its snippet standing in for the preview.
    pub fn find(&self, query: &str, limit: usize) -> Result<Vec<ConversationSummary>, StoreError> {
        let Some(fts) = fts_query(query) else { return self.list(limit) };
        let order = self.search_order(&fts)?;
        let sql = format!(
            "SELECT c.id, c.title, snippet(messages_fts, 0, '[', ']', '…', 10), c.model,
                    c.updated_at
             FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
             JOIN conversations c ON c.id = m.conversation_id
             WHERE messages_fts MATCH ?1 ORDER BY {order} LIMIT ?2"
        );
        let mut statement = self.conn.prepare_cached(&sql).map_err(|e| self.fail(e))?;
        let rows = statement
            .query_map(params![fts, (limit * 8) as i64], |r| {
                Ok(ConversationSummary {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    preview: r.get(2)?,
                    model: r.get(3)?,
                    updated_at: r.get(4)?,
                    messages: 0,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.fail(e))?;
        let mut seen = std::collections::HashSet::new();
        Ok(rows.into_iter().filter(|c| seen.insert(c.id)).take(limit).collect())
    }
}

/// Beyond this many matches, ranking them all would cost more than a frame (measured in
/// benches/store.rs: ranking 100,000 matches takes ~30 ms).
pub(super) const RANKED_MATCHES_MAX: i64 = 5_000;

/// User words become quoted FTS5 terms, so `C++`, `don't` or `AND` never break the syntax.
fn fts_query(query: &str) -> Option<String> {
    let terms: Vec<String> =
        query.split_whitespace().map(|word| format!("\"{}\"", word.replace('"', "\"\""))).collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

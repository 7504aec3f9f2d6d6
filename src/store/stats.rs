//! Tokens and cost over a period, grouped by day, model or provider, for `rockchat stats`:
//! read straight from the replies' rows through the index made for it (no text is read and
//! nothing is kept besides). A reply's cost is the one stored when it arrived; a reply
//! without one is counted as unpriced, never guessed.

use super::{Store, StoreError};

/// What the rows are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    /// The local calendar day the reply arrived.
    Day,
    Model,
    Provider,
}

/// One group's replies, added up. Token counts are the servers' own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsRow {
    /// The day (`YYYY-MM-DD`), the model or the provider, as stored.
    pub key: String,
    pub replies: i64,
    pub prompt_tokens: i64,
    pub cached_tokens: i64,
    pub completion_tokens: i64,
    pub reasoning_tokens: i64,
    /// The cost of the priced replies, in pico-dollars.
    pub cost: i64,
    /// Replies whose cost is unknown (left out of `cost`).
    pub unpriced: i64,
}

impl StatsRow {
    /// Adds `other` in, for a total.
    pub fn add(&mut self, other: &StatsRow) {
        self.replies += other.replies;
        self.prompt_tokens += other.prompt_tokens;
        self.cached_tokens += other.cached_tokens;
        self.completion_tokens += other.completion_tokens;
        self.reasoning_tokens += other.reasoning_tokens;
        self.cost = self.cost.saturating_add(other.cost);
        self.unpriced += other.unpriced;
    }
}

impl Store {
    /// The replies that reported usage since `since_ms` (milliseconds since the epoch),
    /// grouped: days oldest first, models and providers costliest first.
    pub fn stats(&self, since_ms: i64, by: GroupBy) -> Result<Vec<StatsRow>, StoreError> {
        let (key, order) = match by {
            GroupBy::Day => ("date(m.created_at / 1000, 'unixepoch', 'localtime')", "key"),
            GroupBy::Model => ("COALESCE(m.model, '')", "cost DESC, tokens DESC, key"),
            // Rows from before replies kept their provider fall back to the conversation's.
            GroupBy::Provider => {
                ("COALESCE(m.provider, c.provider, '')", "cost DESC, tokens DESC, key")
            }
        };
        let join = match by {
            GroupBy::Provider => "JOIN conversations c ON c.id = m.conversation_id",
            _ => "",
        };
        let sql = format!(
            "SELECT {key} AS key, count(*), sum(m.prompt_tokens),
                    sum(COALESCE(m.cached_tokens, 0)), sum(COALESCE(m.completion_tokens, 0)),
                    sum(COALESCE(m.reasoning_tokens, 0)), sum(COALESCE(m.cost, 0)) AS cost,
                    count(*) - count(m.cost),
                    sum(m.prompt_tokens) + sum(COALESCE(m.completion_tokens, 0)) AS tokens
             FROM messages m INDEXED BY messages_usage_by_time {join}
             WHERE m.role = 'assistant' AND m.prompt_tokens IS NOT NULL AND m.created_at >= ?1
             GROUP BY 1 ORDER BY {order}"
        );
        let read = || -> rusqlite::Result<Vec<StatsRow>> {
            let mut statement = self.conn.prepare(&sql)?;
            let rows = statement.query_map([since_ms], |r| {
                Ok(StatsRow {
                    key: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                    replies: r.get(1)?,
                    prompt_tokens: r.get(2)?,
                    cached_tokens: r.get(3)?,
                    completion_tokens: r.get(4)?,
                    reasoning_tokens: r.get(5)?,
                    cost: r.get(6)?,
                    unpriced: r.get(7)?,
                })
            })?;
            rows.collect()
        };
        read().map_err(|error| self.fail(error))
    }
}

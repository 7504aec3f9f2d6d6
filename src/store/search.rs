//! Finding text in the store, as hits for `rockchat search` and as conversations for the
//! list's filter: one row per conversation, its best match first, with a snippet of it.
//!
//! Each word of the query must appear in the message, anywhere in it: a word of three or
//! more characters through the trigram index (so `rend` finds "render", `caf` "café" and
//! `漢字テ` "漢字テXスト"); a shorter one as the start of a word through the word index (so
//! typing `re` already narrows the list), or, when it is not a plain word (`漢字`, `C+`), as
//! text anywhere in the message. User words are always quoted, so no query can break the
//! FTS5 syntax; a trailing `*` is taken as "a word beginning with", which is what every word
//! already is.
//!
//! A conversation whose title holds every word is listed first (newest first), with its
//! best matching message or, when only the title matches, its preview.
//!
//! Matches are ranked (bm25 over the trigram index) while they are few enough to rank within
//! a frame; a query holding a word found nearly everywhere lists newest first, which the
//! index reads straight off. Deleted messages and replies still streaming are not searched.

use rusqlite::{OptionalExtension, params_from_iter};

use super::queries::ConversationSummary;
use super::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub conversation_id: i64,
    pub title: String,
    pub message_id: i64,
    /// The matching text around the hit, each match wrapped in `[` `]`.
    pub snippet: String,
}

/// Beyond this many matches, ranking them all would cost more than a frame (measured in
/// benches/store.rs).
pub(super) const RANKED_MATCHES_MAX: i64 = 5_000;

/// How many characters of context a snippet shows around its first match.
const SNIPPET_CONTEXT: usize = 36;

/// A query, sorted by how each word is found.
#[derive(Debug, Default, PartialEq, Eq)]
struct Terms {
    /// The words as typed (without a trailing `*`), for the snippet.
    words: Vec<String>,
    /// Three characters or more: a trigram MATCH expression, every word quoted.
    substrings: Option<String>,
    /// The same words, each quoted on its own, to count how often each is found.
    phrases: Vec<String>,
    /// Short plain words: a word-index MATCH expression of prefixes.
    prefixes: Option<String>,
    /// Short words that are not plain words: LIKE patterns.
    anywhere: Vec<String>,
}

fn quoted(word: &str) -> String {
    format!("\"{}\"", word.replace('"', "\"\""))
}

/// A LIKE pattern finding `word` anywhere (ignoring ASCII case), its wildcards escaped.
fn anywhere(word: &str) -> String {
    let escaped: String = word
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

/// A word under three characters, letters and digits only: found as the start of a word.
fn is_short_plain(word: &str) -> bool {
    word.chars().count() < 3 && word.chars().all(|c| c.is_ascii_alphanumeric())
}

fn terms(query: &str) -> Option<Terms> {
    let mut terms = Terms::default();
    let (mut substrings, mut prefixes) = (Vec::new(), Vec::new());
    for word in query.split_whitespace() {
        let word = word.trim_end_matches('*');
        if word.is_empty() {
            continue;
        }
        terms.words.push(word.to_owned());
        if word.chars().count() >= 3 {
            substrings.push(quoted(word));
        } else if is_short_plain(word) {
            prefixes.push(format!("{}*", quoted(word)));
        } else {
            terms.anywhere.push(anywhere(word));
        }
    }
    if terms.words.is_empty() {
        return None;
    }
    terms.substrings = (!substrings.is_empty()).then(|| substrings.join(" "));
    terms.phrases = substrings;
    terms.prefixes = (!prefixes.is_empty()).then(|| prefixes.join(" "));
    Some(terms)
}

/// Why a conversation is listed: a message of it matched (its id), or only its title did.
enum Found {
    Message(i64),
    Title(i64),
}

/// One matching message, before conversations are merged.
struct Row {
    message_id: i64,
    conversation_id: i64,
    title: String,
    content: String,
    model: String,
    updated_at: i64,
}

impl Store {
    /// Every conversation with a message that matches, best first, once each, with the
    /// best matching message's snippet.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        let Some(terms) = terms(query) else { return Ok(Vec::new()) };
        let rows = self.matching(&terms, limit)?;
        Ok(rows
            .into_iter()
            .map(|row| SearchHit {
                conversation_id: row.conversation_id,
                title: row.title,
                message_id: row.message_id,
                snippet: snippet(&row.content, &terms.words),
            })
            .collect())
    }

    /// Conversations for the list: newest first, or for a query the best match of each
    /// conversation first, its snippet standing in for the preview.
    pub fn find(&self, query: &str, limit: usize) -> Result<Vec<ConversationSummary>, StoreError> {
        let Some(terms) = terms(query) else { return self.list(limit) };
        let rows = self.matching(&terms, limit)?;
        Ok(rows
            .into_iter()
            .map(|row| ConversationSummary {
                id: row.conversation_id,
                title: row.title,
                preview: snippet(&row.content, &terms.words),
                model: row.model,
                updated_at: row.updated_at,
                messages: 0,
            })
            .collect())
    }

    /// Conversations whose title holds every word, newest first: typing a title's words
    /// means that conversation, so these lead the results. A scan of the titles (one row
    /// per conversation, far fewer than messages).
    fn titled(&self, terms: &Terms, limit: usize) -> Result<Vec<i64>, StoreError> {
        let mut sql = String::from("SELECT id FROM conversations WHERE 1");
        let mut patterns = Vec::new();
        for word in &terms.words {
            let n = patterns.len() + 1;
            // As in messages: a short plain word is the start of a word.
            if is_short_plain(word) {
                let escaped = anywhere(word);
                let start = &escaped[1..];
                patterns.push(start.to_owned());
                patterns.push(format!("% {start}"));
                sql.push_str(&format!(
                    " AND (title LIKE ?{n} ESCAPE '\\' OR title LIKE ?{} ESCAPE '\\')",
                    n + 1
                ));
            } else {
                patterns.push(anywhere(word));
                sql.push_str(&format!(" AND title LIKE ?{n} ESCAPE '\\'"));
            }
        }
        sql.push_str(&format!(" ORDER BY updated_at DESC, id DESC LIMIT {limit}"));
        let mut statement = self.conn.prepare_cached(&sql).map_err(|e| self.fail(e))?;
        let ids = statement
            .query_map(params_from_iter(patterns.iter()), |r| r.get(0))
            .and_then(|rows| rows.collect::<Result<Vec<i64>, _>>())
            .map_err(|e| self.fail(e))?;
        Ok(ids)
    }

    /// The best matching message of each of the first `limit` conversations, those whose
    /// title matches first (with their best message, or their preview when only the title
    /// matches).
    fn matching(&self, terms: &Terms, limit: usize) -> Result<Vec<Row>, StoreError> {
        let mut args: Vec<String> = Vec::new();
        // Ids only while matching and ordering; the text of the few rows kept is read after.
        let mut sql = String::from("SELECT m.id, m.conversation_id FROM ");
        let order = match &terms.substrings {
            Some(expression) => {
                sql.push_str("messages_trigram t JOIN messages m ON m.id = t.rowid ");
                args.push(expression.clone());
                match self.ranks(&terms.phrases)? {
                    true => "bm25(messages_trigram)",
                    false => "t.rowid DESC",
                }
            }
            None => {
                sql.push_str("messages m ");
                "m.id DESC"
            }
        };
        sql.push_str("WHERE m.hidden = 0 AND m.status != 'streaming'");
        if terms.substrings.is_some() {
            sql.push_str(" AND messages_trigram MATCH ?1");
        }
        if let Some(prefixes) = &terms.prefixes {
            args.push(prefixes.clone());
            sql.push_str(&format!(
                " AND m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?{})",
                args.len()
            ));
        }
        for pattern in &terms.anywhere {
            args.push(pattern.clone());
            sql.push_str(&format!(" AND m.content LIKE ?{} ESCAPE '\\'", args.len()));
        }
        // Enough rows that one busy conversation does not crowd the others out.
        let fetch = limit.saturating_mul(8).max(64);
        sql.push_str(&format!(" ORDER BY {order} LIMIT {fetch}"));
        let mut statement = self.conn.prepare_cached(&sql).map_err(|e| self.fail(e))?;
        let mut seen = std::collections::HashMap::new();
        let mut best = Vec::new();
        let mut rows = statement.query(params_from_iter(args.iter())).map_err(|e| self.fail(e))?;
        while let Some(row) = rows.next().map_err(|e| self.fail(e))? {
            let (message, conversation): (i64, i64) =
                (row.get(0).map_err(|e| self.fail(e))?, row.get(1).map_err(|e| self.fail(e))?);
            if let std::collections::hash_map::Entry::Vacant(slot) = seen.entry(conversation) {
                slot.insert(message);
                best.push((conversation, message));
                if best.len() == limit {
                    break;
                }
            }
        }
        drop(rows);
        let titled = self.titled(terms, limit)?;
        let titled_set: std::collections::HashSet<i64> = titled.iter().copied().collect();
        let mut ordered: Vec<Found> = titled
            .iter()
            .map(|id| seen.get(id).map_or(Found::Title(*id), |message| Found::Message(*message)))
            .collect();
        ordered.extend(
            best.into_iter()
                .filter(|(conversation, _)| !titled_set.contains(conversation))
                .map(|(_, message)| Found::Message(message)),
        );
        ordered.truncate(limit);
        let mut read = self
            .conn
            .prepare_cached(
                "SELECT m.id, m.conversation_id, c.title, m.content, c.model, c.updated_at
                 FROM messages m JOIN conversations c ON c.id = m.conversation_id
                 WHERE m.id = ?1",
            )
            .map_err(|e| self.fail(e))?;
        let mut read_title = self
            .conn
            .prepare_cached(
                "SELECT coalesce((SELECT max(m.id) FROM messages m WHERE m.conversation_id = c.id),
                                 0),
                        c.id, c.title, c.preview, c.model, c.updated_at
                 FROM conversations c WHERE c.id = ?1",
            )
            .map_err(|e| self.fail(e))?;
        // A row the index names may be gone from a damaged file: it is left out, and the
        // caller checks the file before saying nothing matched.
        ordered
            .into_iter()
            .filter_map(|found| {
                let (read, id) = match found {
                    Found::Message(id) => (&mut read, id),
                    Found::Title(id) => (&mut read_title, id),
                };
                read.query_row([id], |r| {
                    Ok(Row {
                        message_id: r.get(0)?,
                        conversation_id: r.get(1)?,
                        title: r.get(2)?,
                        content: r.get(3)?,
                        model: r.get(4)?,
                        updated_at: r.get(5)?,
                    })
                })
                .optional()
                .map_err(|e| self.fail(e))
                .transpose()
            })
            .collect()
    }

    /// Whether the matches are few enough to rank within a frame. Each word is counted on
    /// its own: bm25 weighs a word by how many messages hold it, which reads every match of
    /// that word, so one common word in a query of rare ones (`w42 lantern`) would cost as
    /// much as ranking the common word alone.
    fn ranks(&self, phrases: &[String]) -> Result<bool, StoreError> {
        for phrase in phrases {
            if self.matches_over_ranked(phrase)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Whether `expression` matches more messages than can be ranked in a frame; it stops
    /// counting there.
    fn matches_over_ranked(&self, expression: &str) -> Result<bool, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM
                 (SELECT 1 FROM messages_trigram WHERE messages_trigram MATCH ?1 LIMIT ?2)",
            )
            .map_err(|e| self.fail(e))?;
        let matches: i64 = statement
            .query_row(rusqlite::params![expression, RANKED_MATCHES_MAX + 1], |r| r.get(0))
            .map_err(|e| self.fail(e))?;
        Ok(matches > RANKED_MATCHES_MAX)
    }
}

/// Where each of `words` occurs in `text`, ignoring case: byte ranges, in order, not
/// overlapping.
fn occurrences(text: &str, words: &[String]) -> Vec<(usize, usize)> {
    // Lowercased char by char, so every position maps back to the original text.
    let lower: Vec<(usize, char)> =
        text.char_indices().map(|(i, c)| (i, c.to_lowercase().next().unwrap_or(c))).collect();
    let mut found = Vec::new();
    for word in words {
        let needle: Vec<char> =
            word.chars().map(|c| c.to_lowercase().next().unwrap_or(c)).collect();
        if needle.is_empty() || needle.len() > lower.len() {
            continue;
        }
        let mut at = 0;
        while at + needle.len() <= lower.len() {
            if lower[at..at + needle.len()].iter().map(|(_, c)| *c).eq(needle.iter().copied()) {
                let start = lower[at].0;
                let end = lower.get(at + needle.len()).map_or(text.len(), |(i, _)| *i);
                found.push((start, end));
                at += needle.len();
            } else {
                at += 1;
            }
        }
    }
    found.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in found {
        match merged.last_mut() {
            Some(last) if start < last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// The text around the first match, each match in `[` `]`, on one line.
fn snippet(text: &str, words: &[String]) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let found = occurrences(&text, words);
    let first = found.first().map_or(0, |(start, _)| *start);
    let from = text[..first]
        .char_indices()
        .rev()
        .nth(SNIPPET_CONTEXT.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    let to = text[first..]
        .char_indices()
        .nth(SNIPPET_CONTEXT * 2)
        .map_or(text.len(), |(i, _)| first + i);
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut at = from;
    for &(start, end) in found.iter().filter(|(start, end)| *start >= from && *end <= to) {
        out.push_str(&text[at..start]);
        out.push('[');
        out.push_str(&text[start..end]);
        out.push(']');
        at = end;
    }
    out.push_str(&text[at..to]);
    if to < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_sorted_by_how_they_are_found() {
        let t = terms("rend a* 漢字 C+ \"x\"").unwrap();
        assert_eq!(t.substrings.as_deref(), Some("\"rend\" \"\"\"x\"\"\""));
        assert_eq!(t.prefixes.as_deref(), Some("\"a\"*"));
        assert_eq!(t.anywhere, ["%漢字%", "%C+%"]);
        assert_eq!(terms("  * "), None);
        assert_eq!(terms("50%").unwrap().substrings.as_deref(), Some("\"50%\""));
        assert_eq!(terms("%_").unwrap().anywhere, ["%\\%\\_%"]);
    }

    #[test]
    fn a_snippet_marks_every_match_around_the_first_ignoring_case() {
        assert_eq!(snippet("Borrowing lends it.", &["lends".into()]), "Borrowing [lends] it.");
        assert_eq!(snippet("漢字テXスト", &["字テ".into()]), "漢[字テ]Xスト");
        let long = format!("{} Render here {}", "a ".repeat(40), "b ".repeat(60));
        let shown = snippet(&long, &["rend".into()]);
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(shown.contains("[Rend]er here"), "{shown}");
    }
}

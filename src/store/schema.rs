//! The database schema and its migrations, keyed on `PRAGMA user_version`.
//!
//! Each step moves the file from version N to N+1 inside one transaction; a file from a newer
//! rockchat is refused, never touched. Steps run with foreign keys off (a step may rebuild a
//! table, and dropping the old one must not cascade), so each keeps the rows consistent itself.

/// The steps, in order: `MIGRATIONS[n]` upgrades a version-`n` file to `n + 1`.
pub const MIGRATIONS: &[&str] =
    &[V1, V2, V3, V4, V5, super::learned::SCHEMA, V7, V8, V9, V10, V11, V12];

/// The version this build writes.
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// Conversations carry their list-view fields (title, preview, updated) so the list never
/// reads messages. Messages are append-only and parent-linked: a retried reply is a sibling
/// of the one it replaced, and `leaf_id` marks the branch on screen.
const V1: &str = "
CREATE TABLE conversations (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL DEFAULT '',
    system_prompt TEXT NOT NULL DEFAULT '',
    provider      TEXT NOT NULL DEFAULT '',
    model         TEXT NOT NULL DEFAULT '',
    preview       TEXT NOT NULL DEFAULT '',
    leaf_id       INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX conversations_by_update ON conversations(updated_at DESC, id DESC);

CREATE TABLE messages (
    id                INTEGER PRIMARY KEY,
    conversation_id   INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    parent_id         INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    role              TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content           TEXT NOT NULL DEFAULT '',
    reasoning         TEXT NOT NULL DEFAULT '',
    model             TEXT,
    status            TEXT NOT NULL
                      CHECK (status IN ('complete', 'streaming', 'stopped', 'error', 'interrupted')),
    error             TEXT,
    finish_reason     TEXT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE INDEX messages_by_parent ON messages(parent_id);

CREATE VIRTUAL TABLE messages_fts USING fts5(
    content, content = 'messages', content_rowid = 'id', tokenize = 'unicode61'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
";

/// Images sent with a message, in a side table so message text stays searchable text and a
/// conversation list never reads image bytes.
const V2: &str = "
CREATE TABLE attachments (
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    mime       TEXT NOT NULL,
    data       BLOB NOT NULL
);
CREATE INDEX attachments_by_message ON attachments(message_id, position);
";

/// Per-conversation request parameters (F4): a JSON object of the fields set, `{}` for none.
const V3: &str = "
ALTER TABLE conversations ADD COLUMN params TEXT NOT NULL DEFAULT '{}';
";

/// Pinned messages are never trimmed from a request. A deleted message is hidden, not
/// removed: its row may be the parent of the rest of the conversation (removing it would
/// cascade to every later message), and nothing a user wrote is lost by a slip of a key.
const V4: &str = "
ALTER TABLE messages ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
";

/// The text typed but not sent, per conversation, so quitting or switching loses no draft;
/// conversation 0 is the one not started yet.
const V5: &str = "
CREATE TABLE drafts (
    conversation_id INTEGER PRIMARY KEY,
    text            TEXT NOT NULL
);
";

/// Ids are never reused: a deleted conversation's id (or a message's) is never handed out
/// again, so nothing that still names it (an open window, a script, a user's note) can reach
/// another conversation. SQLite reuses the highest id unless a table is `AUTOINCREMENT`, which
/// needs the table rebuilt; the rows, their ids, the full-text index (keyed by message id) and
/// every index and trigger are kept. Ids deleted before this step cannot be known: the
/// sequence starts at the highest id now in use.
///
/// Two columns come with the rebuild: `messages.writer`, the lease of the process streaming a
/// row (see `lease`), so an open marks interrupted only the replies whose writer is gone; and
/// `conversations.source`, where an imported conversation came from, so importing a file again
/// adds nothing twice.
const V7: &str = "
CREATE TABLE conversations_v7 (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    title         TEXT NOT NULL DEFAULT '',
    system_prompt TEXT NOT NULL DEFAULT '',
    provider      TEXT NOT NULL DEFAULT '',
    model         TEXT NOT NULL DEFAULT '',
    preview       TEXT NOT NULL DEFAULT '',
    leaf_id       INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    params        TEXT NOT NULL DEFAULT '{}',
    source        TEXT
);
INSERT INTO conversations_v7 (id, title, system_prompt, provider, model, preview, leaf_id,
                              created_at, updated_at, params)
SELECT id, title, system_prompt, provider, model, preview, leaf_id, created_at, updated_at, params
FROM conversations;
DROP TABLE conversations;
ALTER TABLE conversations_v7 RENAME TO conversations;
CREATE INDEX conversations_by_update ON conversations(updated_at DESC, id DESC);
CREATE UNIQUE INDEX conversations_by_source ON conversations(source) WHERE source IS NOT NULL;

CREATE TABLE messages_v7 (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id   INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    parent_id         INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    role              TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content           TEXT NOT NULL DEFAULT '',
    reasoning         TEXT NOT NULL DEFAULT '',
    model             TEXT,
    status            TEXT NOT NULL
                      CHECK (status IN ('complete', 'streaming', 'stopped', 'error', 'interrupted')),
    error             TEXT,
    finish_reason     TEXT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    pinned            INTEGER NOT NULL DEFAULT 0,
    hidden            INTEGER NOT NULL DEFAULT 0,
    writer            TEXT
);
INSERT INTO messages_v7 (id, conversation_id, parent_id, role, content, reasoning, model, status,
                         error, finish_reason, prompt_tokens, completion_tokens, created_at,
                         updated_at, pinned, hidden)
SELECT id, conversation_id, parent_id, role, content, reasoning, model, status, error,
       finish_reason, prompt_tokens, completion_tokens, created_at, updated_at, pinned, hidden
FROM messages;
DROP TABLE messages;
ALTER TABLE messages_v7 RENAME TO messages;
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE INDEX messages_by_parent ON messages(parent_id);
CREATE INDEX messages_streaming ON messages(writer) WHERE status = 'streaming';
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
";

/// Tool calls, in a side table keyed on the reply that made them: a call and its result
/// are one row, so they are kept, trimmed and exported together. A conversation remembers
/// which MCP servers it uses (a JSON list; NULL: the config's choice).
const V8: &str = "
CREATE TABLE tool_calls (
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    call_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    server     TEXT,
    arguments  TEXT NOT NULL,
    state      TEXT NOT NULL,
    result     TEXT,
    UNIQUE (message_id, position)
);
ALTER TABLE conversations ADD COLUMN tools TEXT;
";

/// An assistant turn the user wrote (a few-shot example, a rewritten reply), and how a reply
/// asked for as JSON checked out: NULL not checked, '' valid, else what failed and where.
/// Saved presets (system message, few-shot turns, model, parameters) by name, as JSON.
const V9: &str = "
ALTER TABLE messages ADD COLUMN authored INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN json_check TEXT;
CREATE TABLE presets (
    name       TEXT PRIMARY KEY,
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
";

/// A reply is indexed for search once, when it stops streaming, not at every save while it
/// streams: each save rewrote the whole reply into the index, so the cost of a save grew
/// with the reply. What streaming rows an older rockchat indexed leave the index here.
const V10: &str = "
INSERT INTO messages_fts(messages_fts, rowid, content)
    SELECT 'delete', id, content FROM messages WHERE status = 'streaming';
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.status != 'streaming' BEGIN
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.status != 'streaming' BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, status ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content)
        SELECT 'delete', old.id, old.content WHERE old.status != 'streaming';
    INSERT INTO messages_fts(rowid, content)
        SELECT new.id, new.content WHERE new.status != 'streaming';
END;
";

/// What replies cost (issue 21): the usage details servers report (cached prompt tokens,
/// reasoning tokens), the cost in pico-dollars at the prices known when the reply came (NULL:
/// unknown, never guessed), and the provider that wrote it (older rows: NULL, and `stats`
/// falls back to the conversation's). The index lets `stats` read a period's replies without
/// the messages' text.
const V11: &str = "
ALTER TABLE messages ADD COLUMN cached_tokens INTEGER;
ALTER TABLE messages ADD COLUMN reasoning_tokens INTEGER;
ALTER TABLE messages ADD COLUMN cost INTEGER;
ALTER TABLE messages ADD COLUMN provider TEXT;
CREATE INDEX messages_usage_by_time
    ON messages(created_at, conversation_id, model, provider, prompt_tokens, completion_tokens,
                cached_tokens, reasoning_tokens, cost)
    WHERE role = 'assistant' AND prompt_tokens IS NOT NULL;
";

/// Where a conversation was held: a conversation started on a `--base-url` server remembers
/// that URL (credentials stripped) and reopens on it. (Who wrote each reply, its provider,
/// came with step 11.)
///
/// And search that finds any part of a word: a trigram index beside the word index, kept by
/// the same rule (a reply is indexed once, when it stops streaming). It starts empty; the
/// messages already there are indexed by [`fill_trigrams`], once, in batches, right after
/// this step and in its transaction, with progress reported.
pub const V12: &str = "
ALTER TABLE conversations ADD COLUMN base_url TEXT;
CREATE VIRTUAL TABLE messages_trigram USING fts5(
    content, content = 'messages', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER messages_trigram_insert AFTER INSERT ON messages WHEN new.status != 'streaming'
BEGIN
    INSERT INTO messages_trigram(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_trigram_delete AFTER DELETE ON messages WHEN old.status != 'streaming'
BEGIN
    INSERT INTO messages_trigram(messages_trigram, rowid, content)
        VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_trigram_update AFTER UPDATE OF content, status ON messages BEGIN
    INSERT INTO messages_trigram(messages_trigram, rowid, content)
        SELECT 'delete', old.id, old.content WHERE old.status != 'streaming';
    INSERT INTO messages_trigram(rowid, content)
        SELECT new.id, new.content WHERE new.status != 'streaming';
END;
";

/// Indexes the messages already stored into the trigram index, `BATCH` at a time, telling
/// `progress` how many of how many are done.
pub fn fill_trigrams(
    conn: &rusqlite::Connection,
    progress: &mut dyn FnMut(u64, u64),
) -> rusqlite::Result<()> {
    const BATCH: i64 = 5_000;
    let total: u64 =
        conn.query_row("SELECT count(*) FROM messages WHERE status != 'streaming'", [], |r| {
            r.get::<_, i64>(0)
        })? as u64;
    if total == 0 {
        return Ok(());
    }
    let mut last_of_batch = conn.prepare(
        "SELECT max(id) FROM (SELECT id FROM messages
                              WHERE status != 'streaming' AND id > ?1 ORDER BY id LIMIT ?2)",
    )?;
    let mut index = conn.prepare(
        "INSERT INTO messages_trigram(rowid, content)
         SELECT id, content FROM messages WHERE status != 'streaming' AND id > ?1 AND id <= ?2",
    )?;
    let (mut last, mut done) = (0i64, 0u64);
    progress(0, total);
    while let Some(upto) =
        last_of_batch.query_row(rusqlite::params![last, BATCH], |r| r.get::<_, Option<i64>>(0))?
    {
        done += index.execute(rusqlite::params![last, upto])? as u64;
        last = upto;
        progress(done.min(total), total);
    }
    Ok(())
}

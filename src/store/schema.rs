//! The database schema and its migrations, keyed on `PRAGMA user_version`.
//!
//! Each step moves the file from version N to N+1 inside one transaction; a file from a newer
//! rockchat is refused, never touched.

/// The steps, in order: `MIGRATIONS[n]` upgrades a version-`n` file to `n + 1`.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, super::learned::SCHEMA, V7];

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

/// A reply is indexed for search once, when it stops streaming, not at every save while it
/// streams: each save rewrote the whole reply into the index, so the cost of a save grew
/// with the reply. What streaming rows an older rockchat indexed leave the index here.
const V7: &str = "
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

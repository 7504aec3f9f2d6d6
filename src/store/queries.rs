//! The store's reads and writes. Writes take a `&Connection` so the writer can batch many
//! into one transaction; reads are methods on `Store` for the CLI and for loading. Finding
//! text is `search`'s.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::import::Imported;
use super::{Store, StoreError, classify};
use crate::chat::Role;

/// A conversation as the list shows it, without its messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationSummary {
    pub id: i64,
    pub title: String,
    pub preview: String,
    pub model: String,
    pub updated_at: i64,
    pub messages: i64,
}

/// One stored message, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub role: Role,
    pub content: String,
    pub reasoning: String,
    pub model: Option<String>,
    /// `complete`, `streaming`, `stopped`, `error` or `interrupted`.
    pub status: String,
    pub error: Option<String>,
    pub finish_reason: Option<String>,
    pub prompt_tokens: Option<i64>,
    pub completion_tokens: Option<i64>,
    /// Of the prompt, read from the provider's cache; of the completion, reasoning.
    pub cached_tokens: Option<i64>,
    pub reasoning_tokens: Option<i64>,
    /// What the reply cost in pico-dollars, at the prices known then; `None`: unknown.
    pub cost: Option<i64>,
    /// The provider that wrote a reply; `None` in rows from before it was kept.
    pub provider: Option<String>,
    pub created_at: i64,
    /// Images sent with the message, in order.
    pub attachments: Vec<crate::chat::attachment::Attachment>,
    pub pinned: bool,
    /// Deleted by the user: kept, since later messages may follow it, but not shown.
    pub hidden: bool,
    /// The tools a reply called, each with its result as stored.
    pub tool_calls: Vec<crate::chat::tools::ToolCall>,
    /// An assistant turn the user wrote.
    pub authored: bool,
    /// A JSON reply's check: `Some("")` valid, `Some(why)` not, `None` not checked.
    pub json_check: Option<String>,
}

/// A conversation with the branch on screen: root to current leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConversation {
    pub id: i64,
    pub title: String,
    pub system_prompt: String,
    pub provider: String,
    /// The server's URL when `provider` was no configured provider (`--base-url`).
    pub base_url: Option<String>,
    pub model: String,
    /// The conversation's request parameters as stored (a JSON object).
    pub params: String,
    /// What the user had typed and not sent when they left it.
    pub draft: String,
    /// The MCP servers it uses, as a JSON list; `None`: the config's choice.
    pub tools: Option<String>,
    pub messages: Vec<StoredMessage>,
    /// The messages on other branches (edited prompts' old continuations, retried
    /// replies), oldest first.
    pub other_branches: Vec<StoredMessage>,
}

/// The fields a writer sets on a message row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageFields {
    pub role: Role,
    pub content: String,
    pub reasoning: String,
    pub model: Option<String>,
    pub status: &'static str,
    pub error: Option<String>,
    pub finish_reason: Option<String>,
    pub prompt_tokens: Option<i64>,
    pub completion_tokens: Option<i64>,
    pub cached_tokens: Option<i64>,
    pub reasoning_tokens: Option<i64>,
    /// Pico-dollars; `None`: unknown.
    pub cost: Option<i64>,
    pub provider: Option<String>,
    pub pinned: bool,
    pub hidden: bool,
    pub authored: bool,
    pub json_check: Option<String>,
}

impl MessageFields {
    /// A complete message of `role` with `content` and `model`, nothing else known (no
    /// usage, cost, provider or flags): what imports, tests and benches start from.
    pub fn complete(role: Role, content: String, model: Option<String>) -> Self {
        MessageFields {
            role,
            content,
            reasoning: String::new(),
            model,
            status: "complete",
            error: None,
            finish_reason: None,
            prompt_tokens: None,
            completion_tokens: None,
            cached_tokens: None,
            reasoning_tokens: None,
            cost: None,
            provider: None,
            pinned: false,
            hidden: false,
            authored: false,
            json_check: None,
        }
    }
}

pub fn insert_conversation(
    conn: &Connection,
    title: &str,
    system_prompt: &str,
    provider: &str,
    model: &str,
    at: i64,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO conversations (title, system_prompt, provider, model, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![title, system_prompt, provider, model, at],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Adds a message; `writer` is the lease of the process streaming it, if it is streaming.
pub fn insert_message(
    conn: &Connection,
    conversation_id: i64,
    parent_id: Option<i64>,
    fields: &MessageFields,
    at: i64,
    writer: Option<&str>,
) -> rusqlite::Result<i64> {
    let mut statement = conn.prepare_cached(
        "INSERT INTO messages (conversation_id, parent_id, role, content, reasoning, model, status,
                               error, finish_reason, prompt_tokens, completion_tokens,
                               created_at, updated_at, pinned, hidden, writer, authored,
                               json_check, cached_tokens, reasoning_tokens, cost, provider)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21)",
    )?;
    statement.execute(params![
        conversation_id,
        parent_id,
        role_name(fields.role),
        fields.content,
        fields.reasoning,
        fields.model,
        fields.status,
        fields.error,
        fields.finish_reason,
        fields.prompt_tokens,
        fields.completion_tokens,
        at,
        fields.pinned,
        fields.hidden,
        writer_of(fields, writer),
        fields.authored,
        fields.json_check,
        fields.cached_tokens,
        fields.reasoning_tokens,
        fields.cost,
        fields.provider
    ])?;
    let id = conn.last_insert_rowid();
    touch_conversation(conn, conversation_id, Some(id), fields, at)?;
    Ok(id)
}

/// New text or state of message `id`; false if there is no such row (its conversation was
/// deleted meanwhile).
pub fn update_message(
    conn: &Connection,
    id: i64,
    fields: &MessageFields,
    at: i64,
    writer: Option<&str>,
) -> rusqlite::Result<bool> {
    let mut statement = conn.prepare_cached(
        "UPDATE messages SET content = ?2, reasoning = ?3, model = ?4, status = ?5, error = ?6,
                finish_reason = ?7, prompt_tokens = ?8, completion_tokens = ?9, updated_at = ?10,
                pinned = ?11, hidden = ?12, writer = ?13, authored = ?14, json_check = ?15,
                cached_tokens = ?16, reasoning_tokens = ?17, cost = ?18, provider = ?19
         WHERE id = ?1",
    )?;
    let changed = statement.execute(params![
        id,
        fields.content,
        fields.reasoning,
        fields.model,
        fields.status,
        fields.error,
        fields.finish_reason,
        fields.prompt_tokens,
        fields.completion_tokens,
        at,
        fields.pinned,
        fields.hidden,
        writer_of(fields, writer),
        fields.authored,
        fields.json_check,
        fields.cached_tokens,
        fields.reasoning_tokens,
        fields.cost,
        fields.provider
    ])?;
    if changed == 0 {
        return Ok(false);
    }
    let conversation: Option<i64> = conn
        .prepare_cached("SELECT conversation_id FROM messages WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    if let Some(conversation) = conversation {
        touch_conversation(conn, conversation, None, fields, at)?;
    }
    Ok(true)
}

/// Only a row being streamed names its writer; a finished one names none.
fn writer_of<'a>(fields: &MessageFields, writer: Option<&'a str>) -> Option<&'a str> {
    writer.filter(|_| fields.status == "streaming")
}

/// Whether the conversation row is still there (another program may have deleted it).
pub fn conversation_exists(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM conversations WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()
        .map(|row| row.is_some())
}

/// Which message ends the branch a conversation reopens on.
pub fn set_leaf(conn: &Connection, conversation: i64, leaf: i64) -> rusqlite::Result<()> {
    conn.execute("UPDATE conversations SET leaf_id = ?2 WHERE id = ?1", params![conversation, leaf])
        .map(drop)
}

pub fn rename_conversation(conn: &Connection, id: i64, title: &str) -> rusqlite::Result<()> {
    conn.execute("UPDATE conversations SET title = ?2 WHERE id = ?1", params![id, title]).map(drop)
}

pub fn delete_conversation(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM drafts WHERE conversation_id = ?1", [id])?;
    conn.execute("DELETE FROM conversations WHERE id = ?1", [id]).map(drop)
}

/// Keeps `text` as the draft of conversation `id` (0: the one not started); an empty text
/// removes it.
pub fn set_draft(conn: &Connection, id: i64, text: &str) -> rusqlite::Result<()> {
    if text.is_empty() {
        return conn.execute("DELETE FROM drafts WHERE conversation_id = ?1", [id]).map(drop);
    }
    conn.execute(
        "INSERT INTO drafts (conversation_id, text) VALUES (?1, ?2) \
         ON CONFLICT(conversation_id) DO UPDATE SET text = excluded.text",
        params![id, text],
    )
    .map(drop)
}

/// Saves a preset under `name` (as `Preset::to_json` wrote it), replacing one so named.
pub fn save_preset(conn: &Connection, name: &str, body: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO presets (name, body, updated_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT(name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        params![name, body, super::now_ms()],
    )
    .map(drop)
}

pub fn set_system_prompt(conn: &Connection, conversation: i64, text: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE conversations SET system_prompt = ?2 WHERE id = ?1",
        params![conversation, text],
    )
    .map(drop)
}

/// The provider and model the conversation talks to now (the user switched).
pub fn set_target(
    conn: &Connection,
    conversation: i64,
    provider: &str,
    model: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE conversations SET provider = ?2, model = ?3 WHERE id = ?1",
        params![conversation, provider, model],
    )
    .map(drop)
}

pub fn set_params(conn: &Connection, conversation: i64, json: &str) -> rusqlite::Result<()> {
    conn.execute("UPDATE conversations SET params = ?2 WHERE id = ?1", params![conversation, json])
        .map(drop)
}

/// Keeps the list-view fields current: updated time, preview, model and the leaf.
fn touch_conversation(
    conn: &Connection,
    conversation: i64,
    leaf: Option<i64>,
    fields: &MessageFields,
    at: i64,
) -> rusqlite::Result<()> {
    let preview: String = fields.content.split_whitespace().collect::<Vec<_>>().join(" ");
    let preview: String = preview.chars().take(120).collect();
    conn.prepare_cached(
        "UPDATE conversations SET updated_at = ?2,
                preview = CASE WHEN ?3 = '' THEN preview ELSE ?3 END,
                model = COALESCE(?4, model),
                leaf_id = COALESCE(?5, leaf_id)
         WHERE id = ?1",
    )?
    .execute(params![conversation, at, preview, fields.model, leaf])
    .map(drop)
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Assistant => "assistant",
        // A tool's result is stored with its call, never as a row of its own.
        Role::User | Role::System | Role::Tool => "user",
    }
}

/// The columns `message_from_row` reads, in its order: read by position, since looking a
/// column up by name costs more than the value itself over 10,000 rows.
const MESSAGE_COLUMNS: &str = "id, parent_id, role, content, reasoning, model, status, error, \
     finish_reason, prompt_tokens, completion_tokens, created_at, pinned, hidden, authored, json_check, \
     cached_tokens, reasoning_tokens, cost, provider";

fn message_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredMessage> {
    let role: String = row.get(2)?;
    Ok(StoredMessage {
        id: row.get(0)?,
        parent_id: row.get(1)?,
        role: if role == "assistant" { Role::Assistant } else { Role::User },
        content: row.get(3)?,
        reasoning: row.get(4)?,
        model: row.get(5)?,
        status: row.get(6)?,
        error: row.get(7)?,
        finish_reason: row.get(8)?,
        prompt_tokens: row.get(9)?,
        completion_tokens: row.get(10)?,
        created_at: row.get(11)?,
        cached_tokens: row.get(16)?,
        reasoning_tokens: row.get(17)?,
        cost: row.get(18)?,
        provider: row.get(19)?,
        attachments: Vec::new(),
        pinned: row.get(12)?,
        hidden: row.get(13)?,
        tool_calls: Vec::new(),
        authored: row.get(14)?,
        json_check: row.get(15)?,
    })
}

impl Store {
    pub(crate) fn connection(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub(super) fn fail(&self, error: rusqlite::Error) -> StoreError {
        classify(&self.path, &error)
    }

    /// Newest first.
    pub fn list(&self, limit: usize) -> Result<Vec<ConversationSummary>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT c.id, c.title, c.preview, c.model, c.updated_at,
                        (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)
                 FROM conversations c ORDER BY c.updated_at DESC, c.id DESC LIMIT ?1",
            )
            .map_err(|e| self.fail(e))?;
        let rows = statement
            .query_map([limit as i64], |r| {
                Ok(ConversationSummary {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    preview: r.get(2)?,
                    model: r.get(3)?,
                    updated_at: r.get(4)?,
                    messages: r.get(5)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.fail(e))?;
        // A damaged file can read as empty without an error: "no conversations" is only said
        // of a whole one (cheap, as a file with nothing listed is small unless damaged).
        if rows.is_empty() {
            self.check_intact()?;
        }
        Ok(rows)
    }

    /// The models recent conversations used, most recent first, each once.
    pub fn recent_models(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT model FROM conversations WHERE model != ''
                 GROUP BY model ORDER BY max(updated_at) DESC LIMIT ?1",
            )
            .map_err(|e| self.fail(e))?;
        let rows = statement.query_map([limit as i64], |r| r.get(0)).map_err(|e| self.fail(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.fail(e))
    }

    /// The most recently updated conversation, for `--continue`.
    pub fn latest(&self) -> Result<Option<i64>, StoreError> {
        let latest = self
            .conn
            .query_row(
                "SELECT id FROM conversations ORDER BY updated_at DESC, id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.fail(e))?;
        if latest.is_none() {
            self.check_intact()?;
        }
        Ok(latest)
    }

    /// The user's newest `limit` prompts across every conversation, oldest first, for the
    /// prompt history (deleted ones left out).
    pub fn recent_prompts(&self, limit: usize) -> Result<Vec<String>, StoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT content FROM messages WHERE role = 'user' AND hidden = 0 AND content != '' \
                 ORDER BY id DESC LIMIT ?1",
            )
            .map_err(|e| self.fail(e))?;
        let rows = statement
            .query_map([limit as i64], |row| row.get::<_, String>(0))
            .and_then(Iterator::collect::<rusqlite::Result<Vec<String>>>)
            .map_err(|e| self.fail(e))?;
        Ok(rows.into_iter().rev().collect())
    }

    /// The conversation and its current branch, root first.
    pub fn load(&self, id: i64) -> Result<StoredConversation, StoreError> {
        let (mut conversation, leaf) = self.head(id)?;
        // The tree first (two numbers a row) and a walk from the leaf in memory, far cheaper
        // than a recursive query per message; then one scan puts each row straight into its
        // list, each allocated once at its size. Collecting every row and sorting them out
        // after held the conversation three times over (13 MB at 10,000 messages).
        let tree = self.tree(id)?;
        let index: std::collections::HashMap<i64, usize> =
            tree.iter().enumerate().map(|(i, &(row, _))| (row, i)).collect();
        let mut on_branch = vec![false; tree.len()];
        let mut branch = 0;
        let mut cursor = leaf.and_then(|leaf| index.get(&leaf).copied());
        while let Some(i) = cursor {
            on_branch[i] = true;
            branch += 1;
            // A parent can only be older; this also ends any cycle a damaged file might hold.
            cursor = tree[i].1.and_then(|p| index.get(&p).copied()).filter(|&p| p < i);
        }
        // Rows come oldest first, and a parent is older than its children: the branch's rows
        // in that order are its path from the root to the leaf.
        let mut messages = Vec::with_capacity(branch);
        let mut other_branches = Vec::with_capacity(tree.len() - branch);
        let mut statement = self
            .conn
            .prepare_cached(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 ORDER BY id"
            ))
            .map_err(|e| self.fail(e))?;
        let mut rows = statement.query([id]).map_err(|e| self.fail(e))?;
        while let Some(row) = rows.next().map_err(|e| self.fail(e))? {
            let message = message_from_row(row).map_err(|e| self.fail(e))?;
            // A row written since the tree was read (another rockchat) is on no branch shown.
            match index.get(&message.id).is_some_and(|&i| on_branch[i]) {
                true => messages.push(message),
                false => other_branches.push(message),
            }
        }
        drop(rows);
        self.fill(id, 0, &mut messages)?;
        if !other_branches.is_empty() {
            self.fill(id, 0, &mut other_branches)?;
        }
        conversation.messages = messages;
        conversation.other_branches = other_branches;
        Ok(conversation)
    }

    /// The newest `limit` messages of conversation `id`'s current branch, oldest first, and
    /// whether they are the whole conversation: what the first frame of a long conversation
    /// needs, read with one query that walks up from the leaf (a lookup per message, however
    /// long the conversation). Its other branches are not read.
    pub fn load_tail(
        &self,
        id: i64,
        limit: usize,
    ) -> Result<(StoredConversation, bool), StoreError> {
        let (mut conversation, leaf) = self.head(id)?;
        let Some(leaf) = leaf else {
            let whole = self.count_messages(id)? == 0;
            return Ok((conversation, whole));
        };
        // CROSS JOIN keeps SQLite walking the path and looking each row up by its id: left
        // to choose, it scans the whole conversation for every step (a second, not a
        // millisecond, at 10,000 messages).
        let mut statement = self
            .conn
            .prepare_cached(&format!(
                "WITH RECURSIVE path(row, depth) AS (
                     SELECT ?2, 1
                     UNION ALL
                     SELECT m.parent_id, p.depth + 1 FROM path p CROSS JOIN messages m ON m.id = p.row
                     WHERE m.parent_id IS NOT NULL AND m.parent_id < m.id AND p.depth < ?3
                 )
                 SELECT {MESSAGE_COLUMNS} FROM path CROSS JOIN messages ON messages.id = path.row
                 WHERE messages.conversation_id = ?1 ORDER BY messages.id"
            ))
            .map_err(|e| self.fail(e))?;
        let limit = i64::try_from(limit.max(1)).unwrap_or(i64::MAX);
        let mut messages = statement
            .query_map(params![id, leaf, limit], message_from_row)
            .and_then(|rows| rows.collect::<Result<Vec<StoredMessage>, _>>())
            .map_err(|e| self.fail(e))?;
        let from = messages.first().map_or(0, |m| m.id);
        self.fill(id, from, &mut messages)?;
        // The whole of it when the walk reached the root and nothing lies off the branch.
        let rooted = messages.first().is_some_and(|m| m.parent_id.is_none());
        let whole = rooted && self.count_messages(id)? == messages.len();
        conversation.messages = messages;
        Ok((conversation, whole))
    }

    /// A conversation's own row (with its draft, no messages) and its leaf.
    fn head(&self, id: i64) -> Result<(StoredConversation, Option<i64>), StoreError> {
        let head = self
            .conn
            .query_row(
                "SELECT title, system_prompt, provider, model, leaf_id, params, tools, base_url
                 FROM conversations WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?),
                        r.get::<_, Option<i64>>(4)?,
                        (r.get(5)?, r.get::<_, Option<String>>(6)?, r.get::<_, Option<String>>(7)?),
                    ))
                },
            )
            .optional()
            .map_err(|e| self.fail(e))?;
        let Some(((title, system_prompt, provider, model), leaf, (params, tools, base_url))) = head
        else {
            // A damaged file can lose a row without an error; absence is only said of a whole one.
            self.check_intact()?;
            return Err(StoreError::NotFound(id));
        };
        let conversation = StoredConversation {
            id,
            title,
            system_prompt,
            provider,
            base_url,
            model,
            params,
            draft: self.draft(id)?,
            tools,
            messages: Vec::new(),
            other_branches: Vec::new(),
        };
        Ok((conversation, leaf))
    }

    /// Gives `messages` (rows of conversation `id` from row `from` on) their attachments and
    /// tool calls.
    fn fill(&self, id: i64, from: i64, messages: &mut [StoredMessage]) -> Result<(), StoreError> {
        super::attachments::fill(&self.conn, id, from, messages).map_err(|e| self.fail(e))?;
        super::tool_calls::fill(&self.conn, id, from, messages).map_err(|e| self.fail(e))
    }

    /// Each message of conversation `id` with its parent, oldest first.
    fn tree(&self, id: i64) -> Result<Vec<(i64, Option<i64>)>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT id, parent_id FROM messages WHERE conversation_id = ?1 ORDER BY id",
            )
            .map_err(|e| self.fail(e))?;
        let rows = statement
            .query_map([id], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(|e| self.fail(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.fail(e))
    }

    fn count_messages(&self, id: i64) -> Result<usize, StoreError> {
        self.conn
            .prepare_cached("SELECT count(*) FROM messages WHERE conversation_id = ?1")
            .and_then(|mut s| s.query_row([id], |r| r.get::<_, i64>(0)))
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(|e| self.fail(e))
    }

    /// The draft kept for conversation `id` (0: the one not started yet); empty if none.
    /// The presets saved from conversations, by name, as stored (`Preset::from_json` reads
    /// each; a damaged one is the caller's to report, not a failed read of the rest).
    pub fn presets(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT name, body FROM presets ORDER BY name")
            .map_err(|e| self.fail(e))?;
        let rows =
            statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(|e| self.fail(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.fail(e))
    }

    pub fn draft(&self, id: i64) -> Result<String, StoreError> {
        self.conn
            .query_row("SELECT text FROM drafts WHERE conversation_id = ?1", [id], |r| r.get(0))
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|e| self.fail(e))
    }

    /// Deletes a conversation and all its messages; false if there was none.
    pub fn delete(&self, id: i64) -> Result<bool, StoreError> {
        self.conn
            .execute("DELETE FROM conversations WHERE id = ?1", [id])
            .map(|n| n > 0)
            .map_err(|e| self.fail(e))
    }

    /// Adds an imported conversation whole, in one transaction (a kill halfway leaves none of
    /// it), unless one from the same source is there already: then `None`.
    pub fn add_imported(&mut self, imported: &Imported) -> Result<Option<i64>, StoreError> {
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| classify(&path, &e);
        let tx =
            self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(fail)?;
        let there = tx
            .query_row("SELECT 1 FROM conversations WHERE source = ?1", [&imported.source], |_| {
                Ok(())
            })
            .optional()
            .map_err(fail)?;
        if there.is_some() {
            return Ok(None);
        }
        let at = super::now_ms();
        tx.execute(
            "INSERT INTO conversations (title, system_prompt, provider, model, source, created_at,
                                        updated_at)
             VALUES (?1, ?2, '', ?3, ?4, ?5, ?5)",
            params![imported.title, imported.system_prompt, imported.model, imported.source, at],
        )
        .map_err(fail)?;
        let id = tx.last_insert_rowid();
        let mut parent = None;
        for (index, (role, content, model)) in imported.messages.iter().enumerate() {
            let fields = MessageFields::complete(*role, content.clone(), model.clone());
            let row = insert_message(&tx, id, parent, &fields, at, None).map_err(fail)?;
            let images: Vec<_> = imported
                .attachments
                .iter()
                .filter(|(at, _)| *at == index)
                .map(|(_, image)| image.clone())
                .collect();
            super::attachments::insert(&tx, row, &images).map_err(fail)?;
            parent = Some(row);
        }
        tx.commit().map_err(fail)?;
        Ok(Some(id))
    }

    /// A consistent copy of the whole database (`VACUUM INTO`).
    pub fn backup(&self, to: &std::path::Path) -> Result<(), StoreError> {
        // SQLite would blame the source database; the fault is the target's.
        if to.exists() {
            return Err(StoreError::BackupExists(to.to_owned()));
        }
        self.conn
            .execute("VACUUM INTO ?1", [to.to_string_lossy()])
            .map(drop)
            .map_err(|e| self.fail(e))
    }
}

/// Where a conversation `ask` saves is held, and how it starts.
#[derive(Debug, Clone, Default)]
pub struct Opening {
    pub title: String,
    pub system_prompt: String,
    pub provider: String,
    /// The server's URL when it is not a configured provider (credentials stripped).
    pub base_url: Option<String>,
    pub model: String,
    /// The request parameters (a JSON object).
    pub params: String,
}

/// A message to append, with what was attached to it and the tools it called.
pub type Appended =
    (MessageFields, Vec<crate::chat::attachment::Attachment>, Vec<crate::chat::tools::ToolCall>);

impl Store {
    /// Appends `messages` in one transaction, each the child of the one before, the first
    /// the child of `parent`: to conversation `id`, or to a new one that `opening` describes.
    /// Returns the conversation's id.
    pub fn append(
        &mut self,
        id: Option<i64>,
        opening: &Opening,
        parent: Option<i64>,
        messages: &[Appended],
    ) -> Result<i64, StoreError> {
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| classify(&path, &e);
        let tx =
            self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(fail)?;
        let at = super::now_ms();
        let id = match id {
            Some(id) => {
                set_target(&tx, id, &opening.provider, &opening.model).map_err(fail)?;
                id
            }
            None => {
                let id = insert_conversation(
                    &tx,
                    &opening.title,
                    &opening.system_prompt,
                    &opening.provider,
                    &opening.model,
                    at,
                )
                .map_err(fail)?;
                set_params(&tx, id, &opening.params).map_err(fail)?;
                id
            }
        };
        tx.execute(
            "UPDATE conversations SET base_url = ?2 WHERE id = ?1",
            params![id, opening.base_url],
        )
        .map_err(fail)?;
        let mut parent = parent;
        for (fields, attached, calls) in messages {
            let row = insert_message(&tx, id, parent, fields, at, None).map_err(fail)?;
            super::attachments::insert(&tx, row, attached).map_err(fail)?;
            if !calls.is_empty() {
                super::tool_calls::replace(&tx, row, calls).map_err(fail)?;
            }
            parent = Some(row);
        }
        tx.commit().map_err(fail)?;
        Ok(id)
    }

    /// The URL a conversation was held on, when it was not a configured provider.
    pub fn base_url(&self, id: i64) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT base_url FROM conversations WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.fail(e))
    }
}

impl Store {
    /// New conversations made through this connection (the app's, through its writer)
    /// remember `url` as where they were held: a `--base-url` server is no configured
    /// provider, so reopening one goes back to the URL. A temporary trigger, so no write
    /// path needs to know.
    pub fn hold_new_conversations_at(&self, url: &str) -> Result<(), StoreError> {
        self.conn
            .execute_batch(
                "CREATE TEMP TABLE IF NOT EXISTS held_at (url TEXT NOT NULL);
                 DELETE FROM temp.held_at;
                 CREATE TEMP TRIGGER IF NOT EXISTS conversations_held_at
                 AFTER INSERT ON main.conversations
                 WHEN new.base_url IS NULL AND new.source IS NULL BEGIN
                     UPDATE conversations SET base_url = (SELECT url FROM held_at)
                     WHERE id = new.id;
                 END;",
            )
            .and_then(|()| self.conn.execute("INSERT INTO temp.held_at (url) VALUES (?1)", [url]))
            .map(drop)
            .map_err(|e| self.fail(e))
    }
}

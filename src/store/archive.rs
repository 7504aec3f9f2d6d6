//! The archive: every row of a conversation written out as JSON, and read back into a new
//! conversation with nothing lost: every branch, pins, deletions, parameters, attachments
//! (bytes as base64), tool calls, timestamps, and the provider and model of each reply.
//!
//! It reads rows, not the app's view of them, so nothing the app leaves out (a branch not
//! on screen, a row's `updated_at`) is missed. Text is sanitised on the way out and on the
//! way in (an archive is a file anyone may have edited); attachments are checked as any
//! attached file is, and one that is not an image, a URL or text is refused. Never touches
//! the screen.

use base64::Engine as _;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, classify};
use crate::chat::attachment::Attachment;
use crate::sanitize::{one_line, sanitize};

/// The value of the top-level `rockchat` key that marks a file as an archive.
pub const MARK: &str = "archive";

/// The archive format's version; a newer one is refused with a word.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Archive {
    pub rockchat: String,
    pub version: u32,
    pub conversations: Vec<Conversation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub title: String,
    pub system_prompt: String,
    pub provider: String,
    #[serde(default)]
    pub base_url: Option<String>,
    pub model: String,
    /// The request parameters (`temperature`, `top_p`, `max_tokens`, `seed`…): a JSON
    /// object, kept as the text stored, so it comes back byte for byte.
    #[serde(default = "no_params")]
    pub params: String,
    /// The MCP servers it uses; `null`: the config's choice.
    #[serde(default)]
    pub tools: Option<serde_json::Value>,
    #[serde(default)]
    pub draft: String,
    /// The list's one-line preview, as it was.
    #[serde(default)]
    pub preview: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The archive id of the message the conversation reopens on.
    #[serde(default)]
    pub leaf: Option<i64>,
    /// Every message of every branch, parents before children.
    pub messages: Vec<Message>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Its id in the archive (the one it had where it was exported); parents name it.
    pub id: i64,
    pub parent: Option<i64>,
    pub role: String,
    pub content: String,
    #[serde(default)]
    pub reasoning: String,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    pub status: String,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub finish_reason: Option<String>,
    #[serde(default)]
    pub prompt_tokens: Option<i64>,
    #[serde(default)]
    pub completion_tokens: Option<i64>,
    /// Of the prompt tokens, those the server had cached.
    #[serde(default)]
    pub cached_tokens: Option<i64>,
    /// Of the completion tokens, those spent reasoning.
    #[serde(default)]
    pub reasoning_tokens: Option<i64>,
    /// What the reply cost, in pico-dollars; absent: unknown.
    #[serde(default)]
    pub cost: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(default)]
    pub pinned: bool,
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub authored: bool,
    #[serde(default)]
    pub json_check: Option<String>,
    #[serde(default)]
    pub attachments: Vec<Attached>,
    #[serde(default)]
    pub tool_calls: Vec<Call>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attached {
    pub name: String,
    pub mime: String,
    /// The bytes, base64.
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub server: Option<String>,
    pub arguments: String,
    pub state: String,
    #[serde(default)]
    pub result: Option<String>,
}

fn no_params() -> String {
    "{}".into()
}

const STATUSES: &[&str] = &["complete", "stopped", "error", "interrupted"];

fn clean(text: &str) -> String {
    sanitize(text).into_owned()
}

fn clean_opt(text: Option<String>) -> Option<String> {
    text.map(|t| clean(&t))
}

fn line(text: &str) -> String {
    one_line(text, 500).into_owned()
}

impl Store {
    /// Conversation `id` as an archive entry.
    pub fn archive(&self, id: i64) -> Result<Conversation, StoreError> {
        read(&self.conn, id).map_err(|e| self.fail(e))?.ok_or_else(|| match self.check_intact() {
            Err(error) => error,
            Ok(()) => StoreError::NotFound(id),
        })
    }

    /// Every conversation's id, oldest first, for an archive of them all.
    pub fn ids(&self) -> Result<Vec<i64>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT id FROM conversations ORDER BY id")
            .map_err(|e| self.fail(e))?;
        let ids = statement
            .query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect::<Result<Vec<i64>, _>>())
            .map_err(|e| self.fail(e))?;
        Ok(ids)
    }

    /// Adds an archived conversation whole, in one transaction, unless the same one was
    /// imported before (then `None`). Returns its id and how many messages it has.
    pub fn add_archived(
        &mut self,
        archived: &Conversation,
    ) -> Result<Option<(i64, usize)>, StoreError> {
        let source = format!("archive:{}", fingerprint(archived));
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| classify(&path, &e);
        let tx =
            self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(fail)?;
        let there = tx
            .query_row("SELECT 1 FROM conversations WHERE source = ?1", [&source], |_| Ok(()))
            .optional()
            .map_err(fail)?;
        if there.is_some() {
            return Ok(None);
        }
        let id = write(&tx, archived, &source).map_err(fail)?;
        tx.commit().map_err(fail)?;
        Ok(Some((id, archived.messages.len())))
    }
}

fn read(conn: &Connection, id: i64) -> rusqlite::Result<Option<Conversation>> {
    let head = conn
        .query_row(
            "SELECT title, system_prompt, provider, base_url, model, params, tools, leaf_id,
                    created_at, updated_at, preview FROM conversations WHERE id = ?1",
            [id],
            |r| {
                Ok(Conversation {
                    title: line(&r.get::<_, String>(0)?),
                    system_prompt: clean(&r.get::<_, String>(1)?),
                    provider: line(&r.get::<_, String>(2)?),
                    base_url: r.get::<_, Option<String>>(3)?.map(|u| line(&u)),
                    model: line(&r.get::<_, String>(4)?),
                    params: r.get(5)?,
                    tools: r
                        .get::<_, Option<String>>(6)?
                        .and_then(|t| serde_json::from_str(&t).ok()),
                    draft: String::new(),
                    preview: line(&r.get::<_, String>(10)?),
                    leaf: r.get(7)?,
                    created_at: r.get(8)?,
                    updated_at: r.get(9)?,
                    messages: Vec::new(),
                })
            },
        )
        .optional()?;
    let Some(mut conversation) = head else { return Ok(None) };
    conversation.draft = conn
        .query_row("SELECT text FROM drafts WHERE conversation_id = ?1", [id], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
        .map(|d| clean(&d))
        .unwrap_or_default();
    let mut statement = conn.prepare(
        "SELECT id, parent_id, role, content, reasoning, provider, model, status, error,
                finish_reason, prompt_tokens, completion_tokens, created_at, updated_at, pinned,
                hidden, authored, json_check, cached_tokens, reasoning_tokens, cost
         FROM messages WHERE conversation_id = ?1 ORDER BY id",
    )?;
    let rows = statement.query_map([id], |r| {
        Ok(Message {
            id: r.get(0)?,
            parent: r.get(1)?,
            role: r.get(2)?,
            content: clean(&r.get::<_, String>(3)?),
            reasoning: clean(&r.get::<_, String>(4)?),
            provider: r.get::<_, Option<String>>(5)?.map(|p| line(&p)),
            model: r.get::<_, Option<String>>(6)?.map(|m| line(&m)),
            status: r.get(7)?,
            error: clean_opt(r.get(8)?),
            finish_reason: r.get::<_, Option<String>>(9)?.map(|f| line(&f)),
            prompt_tokens: r.get(10)?,
            completion_tokens: r.get(11)?,
            created_at: r.get(12)?,
            updated_at: r.get(13)?,
            pinned: r.get(14)?,
            hidden: r.get(15)?,
            authored: r.get(16)?,
            json_check: clean_opt(r.get(17)?),
            cached_tokens: r.get(18)?,
            reasoning_tokens: r.get(19)?,
            cost: r.get(20)?,
            attachments: Vec::new(),
            tool_calls: Vec::new(),
        })
    })?;
    conversation.messages = rows.collect::<Result<_, _>>()?;
    let index: std::collections::HashMap<i64, usize> =
        conversation.messages.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    let mut statement = conn.prepare(
        "SELECT a.message_id, a.name, a.mime, a.data FROM attachments a
         JOIN messages m ON m.id = a.message_id
         WHERE m.conversation_id = ?1 ORDER BY a.message_id, a.position",
    )?;
    let mut rows = statement.query([id])?;
    while let Some(r) = rows.next()? {
        let Some(&i) = index.get(&r.get::<_, i64>(0)?) else { continue };
        let data: Vec<u8> = r.get(3)?;
        conversation.messages[i].attachments.push(Attached {
            name: line(&r.get::<_, String>(1)?),
            mime: r.get(2)?,
            data: base64::engine::general_purpose::STANDARD.encode(data),
        });
    }
    let mut statement = conn.prepare(
        "SELECT t.message_id, t.call_id, t.name, t.server, t.arguments, t.state, t.result
         FROM tool_calls t JOIN messages m ON m.id = t.message_id
         WHERE m.conversation_id = ?1 ORDER BY t.message_id, t.position",
    )?;
    let mut rows = statement.query([id])?;
    while let Some(r) = rows.next()? {
        let Some(&i) = index.get(&r.get::<_, i64>(0)?) else { continue };
        conversation.messages[i].tool_calls.push(Call {
            id: line(&r.get::<_, String>(1)?),
            name: line(&r.get::<_, String>(2)?),
            server: r.get::<_, Option<String>>(3)?.map(|s| line(&s)),
            arguments: clean(&r.get::<_, String>(4)?),
            state: r.get(5)?,
            result: clean_opt(r.get(6)?),
        });
    }
    Ok(Some(conversation))
}

/// Writes `archived` as a new conversation; archive ids become new ids, parents with them.
fn write(conn: &Connection, archived: &Conversation, source: &str) -> rusqlite::Result<i64> {
    // Only an object is parameters; anything else would be a request the server refuses.
    let parsed = serde_json::from_str::<serde_json::Value>(&archived.params);
    let params_json = match parsed {
        Ok(serde_json::Value::Object(_)) => archived.params.clone(),
        _ => "{}".to_owned(),
    };
    let tools = archived.tools.as_ref().filter(|t| t.is_array()).map(|t| t.to_string());
    // The server a `--base-url` conversation was held on is not kept: opening it would send
    // its history to wherever a file says, unasked. It opens on a provider the user chose.
    conn.execute(
        "INSERT INTO conversations (title, system_prompt, provider, base_url, model, params,
                                    tools, source, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            line(&archived.title),
            clean(&archived.system_prompt),
            line(&archived.provider),
            None::<String>,
            line(&archived.model),
            params_json,
            tools,
            source,
            archived.created_at,
            archived.updated_at
        ],
    )?;
    let id = conn.last_insert_rowid();
    let mut ids = std::collections::HashMap::new();
    let mut order: Vec<&Message> = archived.messages.iter().collect();
    order.sort_by_key(|m| m.id);
    let mut insert = conn.prepare(
        "INSERT INTO messages (conversation_id, parent_id, role, content, reasoning, provider,
                               model, status, error, finish_reason, prompt_tokens,
                               completion_tokens, created_at, updated_at, pinned, hidden,
                               authored, json_check, cached_tokens, reasoning_tokens, cost)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                 ?19, ?20, ?21)",
    )?;
    let mut attach = conn.prepare(
        "INSERT INTO attachments (message_id, position, name, mime, data)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut call = conn.prepare(
        "INSERT INTO tool_calls (message_id, position, call_id, name, server, arguments, state,
                                 result)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for m in order {
        let role = if m.role == "assistant" { "assistant" } else { "user" };
        // A reply still streaming where it was exported is not streaming here.
        let status = if STATUSES.contains(&m.status.as_str()) { &m.status } else { "interrupted" };
        insert.execute(params![
            id,
            m.parent.and_then(|p| ids.get(&p).copied()),
            role,
            clean(&m.content),
            clean(&m.reasoning),
            m.provider.as_deref().map(line),
            m.model.as_deref().map(line),
            status,
            m.error.as_deref().map(clean),
            m.finish_reason.as_deref().map(line),
            m.prompt_tokens,
            m.completion_tokens,
            m.created_at,
            m.updated_at,
            m.pinned,
            m.hidden,
            m.authored,
            m.json_check.as_deref().map(clean),
            m.cached_tokens,
            m.reasoning_tokens,
            m.cost
        ])?;
        let row = conn.last_insert_rowid();
        ids.insert(m.id, row);
        let mut position = 0i64;
        for a in &m.attachments {
            let Ok(data) = base64::engine::general_purpose::STANDARD.decode(&a.data) else {
                tracing::warn!(name = %a.name, "skipped an archived attachment: not base64");
                continue;
            };
            // Checked as any attached file is: an image by its bytes, text as text.
            let checked = match Attachment::from_stored(line(&a.name), &a.mime, data) {
                Ok(checked) => checked,
                Err(why) => {
                    tracing::warn!(%why, "skipped an archived attachment");
                    continue;
                }
            };
            attach.execute(params![row, position, checked.name, checked.mime(), checked.data()])?;
            position += 1;
        }
        for (position, c) in m.tool_calls.iter().enumerate() {
            call.execute(params![
                row,
                position as i64,
                line(&c.id),
                line(&c.name),
                c.server.as_deref().map(line),
                clean(&c.arguments),
                line(&c.state),
                c.result.as_deref().map(clean)
            ])?;
        }
    }
    let leaf = archived.leaf.and_then(|leaf| ids.get(&leaf).copied());
    conn.execute(
        "UPDATE conversations SET leaf_id = ?2, preview = ?3 WHERE id = ?1",
        params![id, leaf, line(&archived.preview)],
    )?;
    if !archived.draft.is_empty() {
        super::queries::set_draft(conn, id, &clean(&archived.draft))?;
    }
    Ok(id)
}

/// A stable fingerprint of the archived conversation (FNV-1a over its JSON), so importing
/// the same archive again adds nothing twice.
fn fingerprint(archived: &Conversation) -> String {
    let text = serde_json::to_string(archived).unwrap_or_default();
    let mut hash: u128 = 0x6c62272e07bb014262b821756295c58d;
    for &byte in text.as_bytes() {
        hash ^= u128::from(byte);
        hash = hash.wrapping_mul(0x0000000001000000000000000000013B);
    }
    format!("{hash:032x}")
}

/// Reads an archive from its JSON value; a newer version is refused with a word.
pub fn from_value(value: serde_json::Value) -> Result<Archive, String> {
    let archive: Archive =
        serde_json::from_value(value).map_err(|e| format!("not a valid rockchat archive: {e}"))?;
    if archive.version > VERSION {
        return Err(format!(
            "an archive of version {} (this rockchat reads up to {VERSION}); upgrade rockchat",
            archive.version
        ));
    }
    Ok(archive)
}

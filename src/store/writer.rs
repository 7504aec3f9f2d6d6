//! The one writer: a thread that owns the database connection and applies the app's save
//! commands in batches, one transaction per batch, so the UI never waits on disk.
//!
//! The app names conversations and messages by its own keys (it cannot wait for row ids);
//! the writer maps them to rows, and the map changes only when a batch commits. A write is
//! never dropped: a batch that fails (the disk full, the database locked by another program)
//! is kept whole and in order, later commands queue behind it, and it is tried again with
//! backoff until it goes through. The app hears `Unsaved` with the reason, then `Saved`.
//! Updates to the same message collapse to the last one, so a long fault costs memory per
//! message, not per delta. A conversation another program deleted is reported (`Deleted`)
//! rather than written into. Closing the writer flushes everything still queued, trying for a
//! while if it must, and hands back what it could not write.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::{Connection, TransactionBehavior};

use super::queries::{self, MessageFields};
use super::{ConversationSummary, Store, StoredConversation, now_ms};

use crate::chat::Key;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreCmd {
    /// Create the conversation row (at its first prompt).
    CreateConversation {
        key: Key,
        title: String,
        system_prompt: String,
        provider: String,
        model: String,
    },
    /// A conversation loaded from disk: its keys and the rows they stand for.
    Adopt {
        conversation: (Key, i64),
        messages: Vec<(Key, i64)>,
    },
    /// Append a message under `parent` (none for the first).
    AddMessage {
        key: Key,
        conversation: Key,
        parent: Option<Key>,
        fields: MessageFields,
    },
    /// New text or state of a message already added.
    UpdateMessage {
        key: Key,
        fields: MessageFields,
    },
    /// Images that go with message `message` (sent right after it is added).
    Attach {
        message: Key,
        images: Vec<crate::chat::attachment::Attachment>,
    },
    SetSystemPrompt {
        conversation: Key,
        text: String,
    },
    /// The conversation now talks to this provider and model.
    SetTarget {
        conversation: Key,
        provider: String,
        model: String,
    },
    /// The conversation's request parameters, as a JSON object.
    SetParams {
        conversation: Key,
        json: String,
    },
    /// Message `message`'s tool calls as they stand now (replacing what was stored).
    SetToolCalls {
        message: Key,
        calls: Vec<crate::chat::tools::ToolCall>,
    },
    /// The MCP servers the conversation uses.
    SetTools {
        conversation: Key,
        enabled: Vec<String>,
    },
    /// The branch on screen now ends at message `leaf`: the conversation reopens on it.
    SetLeaf {
        conversation: Key,
        leaf: Key,
    },
    /// Rename a stored conversation (by row id, as the list shows it).
    Rename {
        id: i64,
        title: String,
    },
    /// Keep `text` as the draft of `conversation` (none: the conversation not started yet);
    /// empty removes it.
    SetDraft {
        conversation: Option<Key>,
        text: String,
    },
    /// Save a preset (`Preset::to_json`) under `name`, replacing one so named.
    SavePreset {
        name: String,
        body: String,
    },
    /// Delete a stored conversation and its messages.
    Delete {
        id: i64,
    },
    /// Read the conversation list (all, or matching `query`); the answer comes back as
    /// `StoreEvent::Found`. Answered after the writes sent before it, so it sees them (unless
    /// they are waiting on a fault: then at once, without them).
    Find {
        query: String,
    },
    /// Read a conversation to open it; the answer comes back as `StoreEvent::Loaded`.
    Load {
        id: i64,
    },
    /// Read the whole of the conversation on screen, opened from its tail; the answer comes
    /// back as `StoreEvent::Whole`.
    LoadWhole {
        id: i64,
    },
    /// What is now known of `model` on `provider` (window, calibration, images).
    Learn {
        provider: String,
        model: String,
        learned: crate::chat::learned::Learned,
    },
}

/// What the writer reports back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreEvent {
    /// The conversation with this key now has this row id.
    Created { key: Key, id: i64 },
    /// A read could not be answered; the text says what and where.
    Failed(String),
    /// Writes are waiting: the last try failed for this reason ("disk full"); they are kept
    /// and tried again.
    Unsaved(String),
    /// Everything that was waiting is on disk now.
    Saved,
    /// Another program deleted the conversation with this key: nothing more is written to its
    /// old row, and what was sent for it since is dropped. Creating it again (under the same
    /// key) makes a new row.
    Deleted { key: Key },
    /// The answer to `Find`, read at the store's time `now_ms`.
    Found { query: String, items: Vec<ConversationSummary>, now_ms: i64 },
    /// The answer to `Load`.
    Loaded(Result<Box<StoredConversation>, String>),
    /// The answer to `LoadWhole`.
    Whole(Result<Box<StoredConversation>, String>),
}

/// What closing the writer could not write, for the caller to show rather than lose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unwritten {
    pub path: PathBuf,
    /// Why the last try failed ("disk full").
    pub reason: String,
    /// The messages not on disk, in the state they were last sent in, oldest first.
    pub messages: Vec<MessageFields>,
    /// Drafts (typed, not sent) not on disk, each as last kept.
    pub drafts: Vec<String>,
}

impl std::fmt::Display for Unwritten {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = match (self.messages.len(), self.drafts.len()) {
            (1, 0) => "1 message is".to_owned(),
            (n, 0) => format!("{n} messages are"),
            (n, 1) => format!("{n} messages and a draft are"),
            (n, d) => format!("{n} messages and {d} drafts are"),
        };
        let (path, reason) = (self.path.display(), &self.reason);
        write!(f, "could not save to {path} ({reason}): {count} not on disk")
    }
}

/// How long the writer waits on another program's lock before it says so and backs off: short,
/// so the status line tells the user soon; the write itself is kept and retried.
const BUSY_TIMEOUT: Duration = Duration::from_secs(1);
/// The first wait after a failed write, doubled each time up to the longest.
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
const BACKOFF_LONGEST: Duration = Duration::from_secs(2);
/// How long closing keeps trying to write what is still queued.
const CLOSE_GRACE: Duration = Duration::from_secs(10);

pub struct Writer {
    tx: Sender<Input>,
    thread: JoinHandle<Result<(), Unwritten>>,
}

/// What the thread reads: the app's commands, then the close.
enum Input {
    /// Boxed: a command is large, and a close is a few bytes.
    Command(Box<StoreCmd>),
    /// Write what is queued, trying for at most this long, then stop.
    Close(Duration),
}

impl Writer {
    /// Starts the writer thread; `on_event` hears of new rows, faults and answers.
    pub fn spawn(
        store: Store,
        on_event: impl Fn(StoreEvent) + Send + 'static,
    ) -> std::io::Result<Writer> {
        let (tx, rx) = channel();
        let thread = std::thread::Builder::new()
            .name("rockchat-store".into())
            .spawn(move || run(store, rx, on_event))?;
        Ok(Writer { tx, thread })
    }

    pub fn send(&self, command: StoreCmd) {
        // The thread only ends when this handle is closed.
        let _ = self.tx.send(Input::Command(Box::new(command)));
    }

    /// Writes everything queued, then stops; what could not be written comes back.
    pub fn close(self) -> Result<(), Unwritten> {
        self.close_within(CLOSE_GRACE)
    }

    /// `close`, giving up on a failing write after `grace`.
    pub fn close_within(self, grace: Duration) -> Result<(), Unwritten> {
        let _ = self.tx.send(Input::Close(grace));
        drop(self.tx);
        self.thread.join().unwrap_or(Ok(()))
    }
}

/// The rows the app's keys stand for, as committed.
#[derive(Default)]
struct Rows {
    conversations: HashMap<Key, i64>,
    /// Each message's row and the key of its conversation.
    messages: HashMap<Key, (i64, Key)>,
}

/// The commands not yet written, in order.
#[derive(Default)]
struct Queue {
    commands: Vec<StoreCmd>,
    /// Where each message's latest update sits, so a newer one replaces it in place.
    last_update: HashMap<Key, usize>,
}

impl Queue {
    fn push(&mut self, command: StoreCmd) {
        match &command {
            StoreCmd::UpdateMessage { key, .. } => {
                if let Some(&at) = self.last_update.get(key) {
                    self.commands[at] = command;
                    return;
                }
                self.last_update.insert(*key, self.commands.len());
            }
            // A message added (again) after an update: later updates go after the add.
            StoreCmd::AddMessage { key, .. } => {
                self.last_update.remove(key);
            }
            _ => {}
        }
        self.commands.push(command);
    }

    fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    fn clear(&mut self) {
        self.commands.clear();
        self.last_update.clear();
    }

    fn streams(&self) -> bool {
        self.commands.iter().any(|command| match command {
            StoreCmd::AddMessage { fields, .. } | StoreCmd::UpdateMessage { fields, .. } => {
                fields.status == "streaming"
            }
            _ => false,
        })
    }

    /// The messages in the queue, each as last sent.
    fn messages(&self) -> Vec<MessageFields> {
        let mut latest: Vec<(Key, MessageFields)> = Vec::new();
        for command in &self.commands {
            if let StoreCmd::AddMessage { key, fields, .. }
            | StoreCmd::UpdateMessage { key, fields } = command
            {
                match latest.iter_mut().find(|(k, _)| k == key) {
                    Some(slot) => slot.1 = fields.clone(),
                    None => latest.push((*key, fields.clone())),
                }
            }
        }
        latest.into_iter().map(|(_, fields)| fields).collect()
    }

    /// The drafts in the queue, each conversation's as last kept (an empty one is none).
    fn drafts(&self) -> Vec<String> {
        let mut latest: Vec<(Option<Key>, &str)> = Vec::new();
        for command in &self.commands {
            if let StoreCmd::SetDraft { conversation, text } = command {
                match latest.iter_mut().find(|(c, _)| c == conversation) {
                    Some(slot) => slot.1 = text,
                    None => latest.push((*conversation, text)),
                }
            }
        }
        latest.into_iter().filter(|(_, text)| !text.is_empty()).map(|(_, t)| t.into()).collect()
    }
}

/// A write that failed: why, and when to try again.
struct Fault {
    reason: String,
    wait: Duration,
    retry_at: Instant,
}

fn run(
    mut store: Store,
    rx: Receiver<Input>,
    on_event: impl Fn(StoreEvent),
) -> Result<(), Unwritten> {
    if let Err(error) = store.connection().busy_timeout(BUSY_TIMEOUT) {
        tracing::warn!(%error, "could not set the writer's busy timeout");
    }
    let mut rows = Rows::default();
    let mut queue = Queue::default();
    let mut fault: Option<Fault> = None;
    let mut closing_by: Option<Instant> = None;
    loop {
        let mut reads = Vec::new();
        if closing_by.is_none() {
            let first = match &fault {
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(fault) => {
                    rx.recv_timeout(fault.retry_at.saturating_duration_since(Instant::now()))
                }
            };
            match first {
                Ok(input) => {
                    for input in std::iter::once(input).chain(rx.try_iter()) {
                        match input {
                            Input::Command(command) => match *command {
                                read @ (StoreCmd::Find { .. }
                                | StoreCmd::Load { .. }
                                | StoreCmd::LoadWhole { .. }) => reads.push(read),
                                write => queue.push(write),
                            },
                            Input::Close(grace) => closing_by = Some(Instant::now() + grace),
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                // The handle went without closing (a panic unwinding): the usual grace.
                Err(RecvTimeoutError::Disconnected) => {
                    closing_by = Some(Instant::now() + CLOSE_GRACE);
                }
            }
        } else if let Some(fault) = &fault {
            std::thread::sleep(fault.retry_at.saturating_duration_since(Instant::now()));
        }
        // During a fault, commands that arrive queue up until the next try is due.
        let due = fault.as_ref().is_none_or(|f| Instant::now() >= f.retry_at);
        if due && !queue.is_empty() {
            match write(&mut store, &mut rows, &queue) {
                Ok(events) => {
                    queue.clear();
                    events.into_iter().for_each(&on_event);
                    if fault.take().is_some() {
                        on_event(StoreEvent::Saved);
                    }
                }
                Err(error) => {
                    let reason = reason(&error);
                    let wait =
                        fault.as_ref().map_or(BACKOFF_FIRST, |f| (f.wait * 2).min(BACKOFF_LONGEST));
                    // Said once per cause: the log may be on the disk that is full.
                    if fault.as_ref().is_none_or(|f| f.reason != reason) {
                        tracing::warn!(%error, "saving failed; kept to try again");
                        on_event(StoreEvent::Unsaved(reason.clone()));
                    }
                    fault = Some(Fault { reason, wait, retry_at: Instant::now() + wait });
                }
            }
        }
        // Reads come after the writes queued before them, so they see those writes.
        for read in reads {
            on_event(answer(&store, read));
        }
        if let Some(by) = closing_by {
            if queue.is_empty() {
                return Ok(());
            }
            if Instant::now() >= by {
                let reason = fault.map_or_else(String::new, |f| f.reason);
                tracing::error!(%reason, "closing with writes that failed");
                return Err(Unwritten {
                    path: store.path().to_owned(),
                    reason,
                    messages: queue.messages(),
                    drafts: queue.drafts(),
                });
            }
        }
    }
}

/// What a user is told about a failed write.
fn reason(error: &rusqlite::Error) -> String {
    use rusqlite::ffi::ErrorCode;
    match error.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => "disk full".into(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "database locked by another program".into()
        }
        Some(ErrorCode::ReadOnly) => "the database cannot be written".into(),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
            format!("the database is damaged ({error})")
        }
        _ => error.to_string(),
    }
}

fn answer(store: &Store, read: StoreCmd) -> StoreEvent {
    let path = store.path().display();
    match read {
        StoreCmd::Find { query } => match store.find(&query, 500) {
            Ok(items) => StoreEvent::Found { query, items, now_ms: now_ms() },
            Err(error) => StoreEvent::Failed(format!("cannot list conversations: {error}")),
        },
        StoreCmd::Load { id } => {
            StoreEvent::Loaded(store.load(id).map(Box::new).map_err(|e| e.to_string()))
        }
        StoreCmd::LoadWhole { id } => {
            StoreEvent::Whole(store.load(id).map(Box::new).map_err(|e| e.to_string()))
        }
        _ => StoreEvent::Failed(format!("internal: a write to {path} was routed as a read")),
    }
}

/// Writes the queue in one transaction; on commit, the rows it made join `rows` and the
/// events to report come back. On failure nothing changed, on disk or in `rows`.
fn write(store: &mut Store, rows: &mut Rows, queue: &Queue) -> rusqlite::Result<Vec<StoreEvent>> {
    let lease = if queue.streams() { store.lease_token() } else { None };
    let at = now_ms();
    let tx = store.connection().transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut batch = Batch { rows, lease: lease.as_deref(), staged: Staged::default() };
    for command in &queue.commands {
        batch.apply(&tx, command, at)?;
    }
    let staged = batch.staged;
    tx.commit()?;
    Ok(staged.commit_into(rows))
}

/// What a batch changes in the key map, applied only once it commits.
#[derive(Default)]
struct Staged {
    conversations: HashMap<Key, i64>,
    messages: HashMap<Key, (i64, Key)>,
    /// Conversation rows the app deleted.
    deleted: Vec<i64>,
    /// Conversations another program deleted.
    gone: Vec<Key>,
    /// Conversation rows seen to exist in this transaction.
    exists: HashMap<i64, bool>,
    events: Vec<StoreEvent>,
}

impl Staged {
    fn commit_into(self, rows: &mut Rows) -> Vec<StoreEvent> {
        rows.conversations.extend(self.conversations);
        rows.messages.extend(self.messages);
        let mut dropped: Vec<Key> = self.gone;
        for row in self.deleted {
            dropped.extend(rows.conversations.iter().filter(|(_, r)| **r == row).map(|(k, _)| *k));
        }
        if !dropped.is_empty() {
            rows.conversations.retain(|key, _| !dropped.contains(key));
            rows.messages.retain(|_, (_, conversation)| !dropped.contains(conversation));
        }
        self.events
    }
}

struct Batch<'a> {
    rows: &'a Rows,
    lease: Option<&'a str>,
    staged: Staged,
}

impl Batch<'_> {
    /// The row of conversation `key`, if it still has one. A row another program deleted is
    /// noticed here: the conversation is reported gone once, and its commands are dropped.
    fn conversation(&mut self, conn: &Connection, key: Key) -> rusqlite::Result<Option<i64>> {
        if self.staged.gone.contains(&key) {
            return Ok(None);
        }
        if let Some(&row) = self.staged.conversations.get(&key) {
            return Ok(Some(row));
        }
        let Some(&row) = self.rows.conversations.get(&key) else { return Ok(None) };
        let exists = match self.staged.exists.get(&row) {
            Some(&exists) => exists,
            None => {
                let exists = queries::conversation_exists(conn, row)?;
                self.staged.exists.insert(row, exists);
                exists
            }
        };
        if !exists {
            self.staged.gone.push(key);
            self.staged.events.push(StoreEvent::Deleted { key });
            return Ok(None);
        }
        Ok(Some(row))
    }

    /// The row of message `key`, if its conversation still has one.
    fn message(&mut self, conn: &Connection, key: Key) -> rusqlite::Result<Option<i64>> {
        let found = self.staged.messages.get(&key).or_else(|| self.rows.messages.get(&key));
        let Some(&(row, conversation)) = found else { return Ok(None) };
        Ok(self.conversation(conn, conversation)?.map(|_| row))
    }

    fn apply(&mut self, tx: &Connection, command: &StoreCmd, at: i64) -> rusqlite::Result<()> {
        match command {
            StoreCmd::CreateConversation { key, title, system_prompt, provider, model } => {
                let id =
                    queries::insert_conversation(tx, title, system_prompt, provider, model, at)?;
                self.staged.gone.retain(|gone| gone != key);
                self.staged.conversations.insert(*key, id);
                self.staged.exists.insert(id, true);
                self.staged.events.push(StoreEvent::Created { key: *key, id });
            }
            StoreCmd::Adopt { conversation, messages } => {
                let (key, row) = *conversation;
                self.staged.gone.retain(|gone| *gone != key);
                self.staged.conversations.insert(key, row);
                let rows = messages.iter().map(|&(message, id)| (message, (id, key)));
                self.staged.messages.extend(rows);
            }
            StoreCmd::AddMessage { key, conversation, parent, fields } => {
                let Some(row) = self.conversation(tx, *conversation)? else { return Ok(()) };
                let parent = match parent {
                    Some(parent) => self.message(tx, *parent)?,
                    None => None,
                };
                let id = queries::insert_message(tx, row, parent, fields, at, self.lease)?;
                self.staged.messages.insert(*key, (id, *conversation));
            }
            StoreCmd::UpdateMessage { key, fields } => {
                if let Some(id) = self.message(tx, *key)? {
                    queries::update_message(tx, id, fields, at, self.lease)?;
                }
            }
            StoreCmd::Attach { message, images } => {
                if let Some(id) = self.message(tx, *message)? {
                    super::attachments::insert(tx, id, images)?;
                }
            }
            StoreCmd::Find { .. } | StoreCmd::Load { .. } | StoreCmd::LoadWhole { .. } => {}
            StoreCmd::Rename { id, title } => queries::rename_conversation(tx, *id, title)?,
            StoreCmd::SetDraft { conversation, text } => {
                let id = match conversation {
                    None => Some(0),
                    Some(key) => self.conversation(tx, *key)?,
                };
                if let Some(id) = id {
                    queries::set_draft(tx, id, text)?;
                }
            }
            StoreCmd::SavePreset { name, body } => queries::save_preset(tx, name, body)?,
            StoreCmd::Delete { id } => {
                queries::delete_conversation(tx, *id)?;
                self.staged.deleted.push(*id);
                self.staged.exists.insert(*id, false);
            }
            StoreCmd::SetLeaf { conversation, leaf } => {
                if let (Some(id), Some(leaf)) =
                    (self.conversation(tx, *conversation)?, self.message(tx, *leaf)?)
                {
                    queries::set_leaf(tx, id, leaf)?;
                }
            }
            StoreCmd::SetSystemPrompt { conversation, text } => {
                if let Some(id) = self.conversation(tx, *conversation)? {
                    queries::set_system_prompt(tx, id, text)?;
                }
            }
            StoreCmd::SetTarget { conversation, provider, model } => {
                if let Some(id) = self.conversation(tx, *conversation)? {
                    queries::set_target(tx, id, provider, model)?;
                }
            }
            StoreCmd::Learn { provider, model, learned } => {
                super::learned::save(tx, provider, model, learned, at)?;
            }
            StoreCmd::SetParams { conversation, json } => {
                if let Some(id) = self.conversation(tx, *conversation)? {
                    queries::set_params(tx, id, json)?;
                }
            }
            StoreCmd::SetToolCalls { message, calls } => {
                if let Some(id) = self.message(tx, *message)? {
                    super::tool_calls::replace(tx, id, calls)?;
                }
            }
            StoreCmd::SetTools { conversation, enabled } => {
                if let Some(id) = self.conversation(tx, *conversation)? {
                    super::tool_calls::set_enabled(tx, id, enabled)?;
                }
            }
        }
        Ok(())
    }
}

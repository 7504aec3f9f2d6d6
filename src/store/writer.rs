//! The one writer: a thread that owns the database connection and applies the app's save
//! commands in batches, one transaction per batch, so the UI never waits on disk.
//!
//! The app names conversations and messages by its own keys (it cannot wait for row ids);
//! the writer maps them to rows. Updates to the same message within a batch collapse to the
//! last one. Closing the writer flushes everything still queued.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

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
    /// `StoreEvent::Found`. Queued behind earlier writes, so it sees them.
    Find {
        query: String,
    },
    /// Read a conversation to open it; the answer comes back as `StoreEvent::Loaded`.
    Load {
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
    /// A batch could not be written; the text says what and where.
    Failed(String),
    /// The answer to `Find`, read at the store's time `now_ms`.
    Found { query: String, items: Vec<ConversationSummary>, now_ms: i64 },
    /// The answer to `Load`.
    Loaded(Result<Box<StoredConversation>, String>),
}

pub struct Writer {
    tx: Sender<StoreCmd>,
    thread: JoinHandle<()>,
}

impl Writer {
    /// Starts the writer thread; `on_event` hears of new rows and failed writes.
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
        let _ = self.tx.send(command);
    }

    /// Writes everything queued, then stops.
    pub fn close(self) {
        drop(self.tx);
        let _ = self.thread.join();
    }
}

#[derive(Default)]
struct Rows {
    conversations: HashMap<Key, i64>,
    messages: HashMap<Key, i64>,
}

fn run(mut store: Store, rx: Receiver<StoreCmd>, on_event: impl Fn(StoreEvent)) {
    let mut rows = Rows::default();
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        batch.extend(rx.try_iter());
        // Reads answer after the writes queued before them, never inside their transaction.
        let (reads, writes): (Vec<_>, Vec<_>) = batch
            .into_iter()
            .partition(|c| matches!(c, StoreCmd::Find { .. } | StoreCmd::Load { .. }));
        let mut created = Vec::new();
        let outcome = apply(&mut store, &mut rows, writes, &mut created);
        for read in reads {
            on_event(answer(&store, read));
        }
        match outcome {
            Ok(()) => created.into_iter().for_each(&on_event),
            Err(error) => {
                tracing::error!(%error, "saving failed");
                let path = store.path().display();
                on_event(StoreEvent::Failed(format!("could not save to {path}: {error}")));
            }
        }
    }
}

fn answer(store: &Store, read: StoreCmd) -> StoreEvent {
    match read {
        StoreCmd::Find { query } => {
            let items = store.find(&query, 500).unwrap_or_default();
            StoreEvent::Found { query, items, now_ms: now_ms() }
        }
        StoreCmd::Load { id } => {
            StoreEvent::Loaded(store.load(id).map(Box::new).map_err(|e| e.to_string()))
        }
        _ => StoreEvent::Failed("internal: a write was routed as a read".into()),
    }
}

fn apply(
    store: &mut Store,
    rows: &mut Rows,
    batch: Vec<StoreCmd>,
    created: &mut Vec<StoreEvent>,
) -> rusqlite::Result<()> {
    // Only the last update of a message in a batch matters.
    let mut last_update: HashMap<Key, usize> = HashMap::new();
    for (index, command) in batch.iter().enumerate() {
        if let StoreCmd::UpdateMessage { key, .. } = command {
            last_update.insert(*key, index);
        }
    }
    let at = now_ms();
    let tx = store.connection().transaction()?;
    for (index, command) in batch.into_iter().enumerate() {
        match command {
            StoreCmd::CreateConversation { key, title, system_prompt, provider, model } => {
                let id = queries::insert_conversation(
                    &tx,
                    &title,
                    &system_prompt,
                    &provider,
                    &model,
                    at,
                )?;
                rows.conversations.insert(key, id);
                created.push(StoreEvent::Created { key, id });
            }
            StoreCmd::Adopt { conversation, messages } => {
                rows.conversations.insert(conversation.0, conversation.1);
                rows.messages.extend(messages);
            }
            StoreCmd::AddMessage { key, conversation, parent, fields } => {
                let Some(&conversation) = rows.conversations.get(&conversation) else { continue };
                let parent = parent.and_then(|p| rows.messages.get(&p).copied());
                let id = queries::insert_message(&tx, conversation, parent, &fields, at)?;
                rows.messages.insert(key, id);
            }
            StoreCmd::UpdateMessage { key, fields } => {
                if last_update.get(&key) != Some(&index) {
                    continue;
                }
                if let Some(&id) = rows.messages.get(&key) {
                    queries::update_message(&tx, id, &fields, at)?;
                }
            }
            StoreCmd::Attach { message, images } => {
                if let Some(&id) = rows.messages.get(&message) {
                    super::attachments::insert(&tx, id, &images)?;
                }
            }
            StoreCmd::Find { .. } | StoreCmd::Load { .. } => {}
            StoreCmd::Rename { id, title } => queries::rename_conversation(&tx, id, &title)?,
            StoreCmd::SetDraft { conversation, text } => {
                let id = match conversation {
                    None => Some(0),
                    Some(key) => rows.conversations.get(&key).copied(),
                };
                if let Some(id) = id {
                    queries::set_draft(&tx, id, &text)?;
                }
            }
            StoreCmd::SavePreset { name, body } => queries::save_preset(&tx, &name, &body)?,
            StoreCmd::Delete { id } => {
                queries::delete_conversation(&tx, id)?;
                rows.conversations.retain(|_, row| *row != id);
            }
            StoreCmd::SetLeaf { conversation, leaf } => {
                if let (Some(&id), Some(&leaf)) =
                    (rows.conversations.get(&conversation), rows.messages.get(&leaf))
                {
                    queries::set_leaf(&tx, id, leaf)?;
                }
            }
            StoreCmd::SetSystemPrompt { conversation, text } => {
                if let Some(&id) = rows.conversations.get(&conversation) {
                    queries::set_system_prompt(&tx, id, &text)?;
                }
            }
            StoreCmd::SetTarget { conversation, provider, model } => {
                if let Some(&id) = rows.conversations.get(&conversation) {
                    queries::set_target(&tx, id, &provider, &model)?;
                }
            }
            StoreCmd::Learn { provider, model, learned } => {
                super::learned::save(&tx, &provider, &model, &learned, at)?;
            }
            StoreCmd::SetParams { conversation, json } => {
                if let Some(&id) = rows.conversations.get(&conversation) {
                    queries::set_params(&tx, id, &json)?;
                }
            }
        }
    }
    tx.commit()
}

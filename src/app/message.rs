//! One message of a conversation: its text, who wrote it, how it stands, and the marks the
//! user put on it (pinned, deleted, which branch it is on). Plain data; `Conversation` keeps
//! them in order and tells the layout cache what changed.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::api::types::{FinishReason, Role, Usage};
use crate::store::writer::Key;
use crate::tokens::Counter;

/// How a message stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Complete,
    /// Text is still arriving.
    Streaming,
    /// The user stopped it; the partial text is kept.
    Stopped,
    /// The request failed with this message; partial text, if any, is kept.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub role: Role,
    pub content: String,
    /// Images sent with a user message.
    pub images: Vec<crate::attach::Attachment>,
    /// Model reasoning: shown folded, never sent back.
    pub reasoning: String,
    /// The model that wrote an assistant message.
    pub model: Option<String>,
    pub status: Status,
    pub finish: Option<FinishReason>,
    pub usage: Option<Usage>,
    /// Pinned by the user: never trimmed out of a request.
    pub pinned: bool,
    /// Deleted by the user: kept in the store (later messages still follow it) but no longer
    /// shown or sent.
    pub hidden: bool,
    /// This message's place among its siblings (1-based) and their number, when it has any.
    pub branch: Option<(usize, usize)>,
    /// Left out of the last request to fit the context window; still on screen, dimmed.
    pub not_sent: bool,
    /// This message's cost in a request, counted once for the model that counted it.
    pub tokens: Option<(Counter, usize)>,
    /// Bumped on every change so cached layout knows when to redo this message.
    pub revision: u64,
    /// Names this message to the store writer.
    pub key: Key,
    /// The message this one follows in the conversation tree (a retry's reply and the
    /// reply it replaced share a parent).
    pub parent: Option<Key>,
}

/// A fresh key for a conversation or message, unique within this run. The counter is the
/// one shared value here: keys only need to differ, never to be predicted.
pub fn next_key() -> Key {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl Message {
    pub fn user(content: String) -> Self {
        Self::new(Role::User, content, None)
    }

    pub fn assistant(model: String) -> Self {
        let mut message = Self::new(Role::Assistant, String::new(), Some(model));
        message.status = Status::Streaming;
        message
    }

    fn new(role: Role, content: String, model: Option<String>) -> Self {
        Self {
            role,
            content,
            images: Vec::new(),
            reasoning: String::new(),
            model,
            status: Status::Complete,
            finish: None,
            usage: None,
            pinned: false,
            hidden: false,
            branch: None,
            not_sent: false,
            tokens: None,
            revision: 0,
            key: next_key(),
            parent: None,
        }
    }

    /// Whether this message goes into the next request's history.
    pub fn is_sent(&self) -> bool {
        if self.hidden {
            return false;
        }
        match self.role {
            Role::User => true,
            Role::System => false,
            // A stopped or broken-off partial was seen by the user, so it is context too.
            Role::Assistant => !self.content.is_empty() && self.status != Status::Streaming,
        }
    }

    pub(crate) fn touch(&mut self) {
        self.revision = self.revision.wrapping_add(1);
    }
}

//! The domain, shared by the full-screen app and `rockchat ask`: a conversation (its system
//! message, its tree of messages and the branch on screen), a message and its vocabulary
//! (roles, statuses, finish reasons, usage), what of a conversation the next request carries
//! (context planning) and how surely it is counted (`tally`), what it costs (`price`), what servers taught about
//! their models (`learned`), when a failed request is tried again (the retry policy),
//! attached images and files, JSON replies and their check, a conversation's request
//! parameters, and the tools a model may call (the calls, their results, and how they go
//! into a request).
//!
//! Pure data and pure functions: nothing here does IO, reads a clock or the environment, or
//! knows how a terminal, an HTTP server or a database spells things. `api`, `store` and
//! `tokens` build on it; it builds on `tokens` for counting.

pub mod attachment;
pub mod context;
pub mod conversation;
pub mod json;
pub mod learned;
pub mod markdown;
pub mod message;
pub mod params;
pub mod preset;
pub mod price;
pub mod retry;
pub mod tally;
pub mod tools;

pub use conversation::Conversation;
pub use message::{FinishReason, Message, RequestMessage, Role, Status, Usage};

/// Names a conversation or a message to the store's writer within one run, before (and
/// besides) the row id the database gives it.
pub type Key = u64;

/// Hands out keys: each is new within the run. Owned by whoever creates conversations and
/// messages (the app's state, one `ask`), never global.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    next: Key,
}

impl Default for Keys {
    fn default() -> Self {
        Self { next: 1 }
    }
}

impl Keys {
    pub fn fresh(&mut self) -> Key {
        let key = self.next;
        self.next += 1;
        key
    }
}

//! A conversation opened from its tail: the first frame is drawn from the newest messages of
//! its branch while the driver has the whole of it (every branch) read off the UI thread.
//! Until it arrives, what the user does (keys, pastes, the mouse) waits for it and is then
//! handled in order, so nothing is lost and nothing acts on a partial history: a prompt sent
//! meanwhile carries the whole history. The meter, the server's counts and the totals wait
//! too. When it arrives it takes the tail's place without moving the view.
//!
//! Pure, like the rest of `app`: it never reads anything itself.

use super::bindings::{Action, action_for};
use super::msg::{Effect, Msg};
use super::persist;
use super::state::{Scroll, State};
use crate::store::StoredConversation;

/// How many of a reopened conversation's newest messages the first frame is drawn from: a
/// screen's worth, and a margin for scrolling up before the rest arrives.
pub const TAIL: usize = 200;

/// The conversation on screen is the tail of stored conversation `id`.
#[derive(Debug, Clone)]
pub struct Partial {
    id: i64,
    /// What the user did meanwhile, oldest first, handled once the whole has arrived.
    deferred: Vec<Msg>,
    /// The whole could not be read: why. Only quitting is left then.
    failed: Option<String>,
}

impl Partial {
    pub fn new(id: i64) -> Self {
        Self { id, deferred: Vec::new(), failed: None }
    }

    /// The stored conversation being read whole.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// How many inputs are waiting for it.
    pub fn waiting(&self) -> usize {
        self.deferred.len()
    }
}

/// Keeps `msg` for later when it is the user's and the conversation is partial (or drops
/// it, when the whole could not be read, unless it quits); gives it back to be handled now
/// otherwise.
pub fn hold(state: &mut State, msg: Msg) -> Option<Msg> {
    let Some(partial) = &mut state.partial else { return Some(msg) };
    if !matches!(msg, Msg::Key(_) | Msg::Paste(_) | Msg::Mouse(_)) {
        return Some(msg);
    }
    if partial.failed.is_some() {
        return match &msg {
            Msg::Key(key) if matches!(action_for(key, false), Some(Action::Quit)) => Some(msg),
            _ => None,
        };
    }
    partial.deferred.push(msg);
    None
}

/// The store's answer: the whole conversation takes the tail's place, the view showing the
/// same lines, then what waited for it is handled, in order.
pub fn whole(state: &mut State, result: Result<Box<StoredConversation>, String>) -> Vec<Effect> {
    let Some(partial) = &mut state.partial else { return Vec::new() };
    let stored = match result {
        Ok(stored) if stored.id == partial.id => stored,
        Ok(_) => return Vec::new(),
        Err(error) => {
            partial.deferred.clear();
            state.notice = Some(format!(
                "cannot read the earlier messages: {error}; quit (Ctrl+D) and open it again"
            ));
            partial.failed = Some(error);
            return Vec::new();
        }
    };
    let deferred = std::mem::take(&mut partial.deferred);
    state.partial = None;
    let (conversation, adopt) = persist::restore(*stored, &mut state.keys);
    // The tail is the end of the whole branch: its messages move down by what came before.
    let shift = conversation.messages().len().saturating_sub(state.conversation.messages().len());
    state.view.scroll = match state.view.scroll {
        Scroll::Anchor { index, line } => Scroll::Anchor { index: index + shift, line },
        Scroll::Reveal(index) => Scroll::Reveal(index + shift),
        other => other,
    };
    if let Some(shown) = &mut state.view.shown {
        shown.top.0 += shift;
    }
    state.conversation = conversation;
    let mut effects = vec![Effect::Store(adopt)];
    for msg in deferred {
        effects.extend(super::update::update(state, msg));
    }
    effects
}

#[cfg(test)]
mod tests;

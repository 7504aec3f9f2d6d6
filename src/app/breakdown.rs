//! The context breakdown (`context` in the command palette): what the next request is made
//! of (the system message, the pinned messages, the rest of the history that goes, what is
//! left out to fit, the draft) against the model's window and the room kept for the reply.
//!
//! Pure: counted as the meter counts (each message once, cached on it), as sure as the
//! meter is; `ui` draws it from the popup and never counts.

use super::msg::Effect;
use super::state::{Popup, State};
use crate::chat::tally::Count;

/// Some messages and their tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Part {
    pub messages: usize,
    pub tokens: Count,
}

impl Part {
    fn add(&mut self, tokens: Count) {
        self.messages += 1;
        self.tokens = self.tokens + tokens;
    }
}

/// The next request, part by part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Breakdown {
    pub model: String,
    /// The system message and what every request adds around the messages (the chat
    /// template's own tokens).
    pub system: Count,
    /// Pinned messages: never left out.
    pub pinned: Part,
    /// The rest of the history that goes.
    pub sent: Part,
    /// Left out to fit (they stay on screen, marked "not sent").
    pub not_sent: Part,
    /// What is typed, with what is attached to it.
    pub draft: Count,
    /// The model's window and the room kept for the reply, when the window is known.
    pub limits: Option<(usize, usize)>,
}

impl Breakdown {
    /// What goes: the system message, the history sent and the draft.
    pub fn total(&self) -> Count {
        self.system + self.pinned.tokens + self.sent.tokens + self.draft
    }

    /// What is left of the window once the request and the reply's room are counted.
    pub fn free(&self) -> Option<usize> {
        let (window, reserve) = self.limits?;
        Some(window.saturating_sub(self.total().tokens + reserve))
    }
}

/// Counts the next request as it stands and opens the popup that shows it.
pub fn open(state: &mut State) -> Vec<Effect> {
    let breakdown = of(state);
    state.popup = Some(Popup::Context(Box::new(breakdown)));
    Vec::new()
}

/// The next request as it stands, part by part.
pub fn of(state: &mut State) -> Breakdown {
    // Out of the state while it is counted, so the counting can read the rest of it.
    let mut conversation = std::mem::take(&mut state.conversation);
    let request = super::server::request(state);
    let tally = request.tally;
    let mut breakdown = Breakdown {
        model: state.target.model.clone(),
        system: tally.system(&conversation.system) + tally.fixed(),
        limits: request.limits,
        ..Breakdown::default()
    };
    for index in 0..conversation.messages().len() {
        let message = &conversation.messages()[index];
        let (not_sent, pinned) = (message.not_sent, message.pinned);
        if message.hidden || (!not_sent && !message.is_sent()) {
            continue;
        }
        let tokens = tally.message(&mut conversation, index, request.images);
        match (not_sent, pinned) {
            (true, _) => breakdown.not_sent.add(tokens),
            (false, true) => breakdown.pinned.add(tokens),
            (false, false) => breakdown.sent.add(tokens),
        }
    }
    let counter = tally.counter;
    breakdown.draft = tally.draft(&state.input.text())
        + super::attach::tokens(&state.attachments, counter, &tally);
    state.conversation = conversation;
    breakdown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::Target;
    use crate::chat::Message;
    use crate::chat::tally::Precision;

    #[test]
    fn each_message_is_counted_once_in_its_part_and_the_window_says_what_is_free() {
        // gpt-4 counts exactly (tiktoken) and has a known window.
        let target = Target { provider: "openai".into(), model: "gpt-4".into() };
        let mut state = State::new(target, "Be brief.".into(), false);
        state.counting.load_on_first_use();
        let push = |state: &mut State, text: &str, pinned: bool, not_sent: bool| {
            let mut message = Message::user(state.keys.fresh(), text.into());
            message.pinned = pinned;
            message.not_sent = not_sent;
            state.conversation.push(message);
        };
        push(&mut state, "an old question left out", false, true);
        push(&mut state, "a pinned fact", true, false);
        push(&mut state, "the latest question", false, false);
        state.input = crate::app::editor::Editor::with_text("a draft");
        let breakdown = of(&mut state);
        assert_eq!(breakdown.not_sent.messages, 1);
        assert_eq!(breakdown.pinned.messages, 1);
        assert_eq!(breakdown.sent.messages, 1);
        assert!(breakdown.system.tokens > 0 && breakdown.draft.tokens > 0, "{breakdown:?}");
        assert_eq!(breakdown.total().precision, Precision::Exact);
        let (window, reserve) = breakdown.limits.unwrap();
        assert_eq!(breakdown.free(), Some(window - reserve - breakdown.total().tokens));
        // What is left out is not part of what goes.
        let sent = breakdown.system + breakdown.pinned.tokens + breakdown.sent.tokens;
        assert_eq!(breakdown.total().tokens, sent.tokens + breakdown.draft.tokens);
        open(&mut state);
        assert!(matches!(state.popup, Some(Popup::Context(_))));
    }
}

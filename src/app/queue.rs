//! Prompts typed while a reply streams: Enter queues them, and each goes out when the turn
//! before it ends well, in the order typed. A reply stopped or failed holds the queue (the
//! next prompt would answer a turn the user did not get) and says so; Enter on an empty
//! draft then sends the next one, and Up in an empty draft takes the last one back into the
//! draft to edit, or to empty and so drop. Leaving the conversation folds them back into
//! the draft, so no prompt is ever dropped.
//!
//! Pure, like `update`: sending is `turn`'s.

use std::collections::VecDeque;

use super::msg::Effect;
use super::state::State;
use super::turn;
use crate::chat::Status;
use crate::chat::attachment::Attachment;

/// A prompt waiting for the reply in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub text: String,
    pub images: Vec<Attachment>,
}

/// The prompts waiting, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Queue {
    pub prompts: VecDeque<Queued>,
    /// The turn before them did not end well: they wait for Enter instead of going out.
    pub held: bool,
}

impl Queue {
    pub fn is_empty(&self) -> bool {
        self.prompts.is_empty()
    }

    pub fn len(&self) -> usize {
        self.prompts.len()
    }
}

/// Enter while a reply streams: the prompt waits its turn.
pub fn push(state: &mut State, text: String, images: Vec<Attachment>) {
    state.queue.prompts.push_back(Queued { text, images });
    let count = state.queue.len();
    state.notice = Some(format!(
        "queued ({count} waiting): sent when the reply ends · Up in an empty input edits it"
    ));
}

/// A turn just ended (the stream went idle): the next prompt goes out if it ended well;
/// otherwise the queue is held and the status line says what waits.
pub fn turn_ended(state: &mut State) -> Vec<Effect> {
    if state.queue.is_empty() {
        return Vec::new();
    }
    let ended_well = state.conversation.messages().last().is_some_and(|last| {
        last.status == Status::Complete && last.role == crate::chat::Role::Assistant
    });
    if ended_well && !state.queue.held {
        return send_next(state);
    }
    state.queue.held = true;
    let count = state.queue.len();
    let what = if count == 1 {
        "1 queued prompt waits".to_owned()
    } else {
        format!("{count} queued prompts wait")
    };
    let why = state.notice.take().map(|notice| format!("{notice} · ")).unwrap_or_default();
    state.notice = Some(format!("{why}{what}: Enter sends the next · Up edits it"));
    Vec::new()
}

/// Sends the oldest queued prompt now.
pub fn send_next(state: &mut State) -> Vec<Effect> {
    let Some(next) = state.queue.prompts.pop_front() else { return Vec::new() };
    state.queue.held = false;
    // What the notice said of the queue is out of date now.
    state.notice = match state.queue.len() {
        0 => None,
        left => Some(format!("sent the next queued prompt; {left} still queued")),
    };
    let effects = turn::send_prompt(state, next.text, next.images);
    // Refused before it was sent (too long for the window): the rest wait for the user.
    if !state.stream.is_busy() && !state.queue.is_empty() {
        state.queue.held = true;
    }
    effects
}

/// Up in an empty draft: the newest queued prompt comes back into the draft, out of the
/// queue. False when nothing is queued.
pub fn take_back_last(state: &mut State) -> bool {
    let Some(last) = state.queue.prompts.pop_back() else { return false };
    state.input.set_text(&last.text);
    state.attachments.extend(last.images);
    state.notice =
        Some("back from the queue: Enter queues it again; emptied, it is dropped".to_owned());
    true
}

/// Leaving the conversation: the queued prompts go back in front of `draft`, each a
/// paragraph, and their images back with the draft's; the draft to keep.
pub fn fold_into(state: &mut State, draft: String) -> String {
    if state.queue.is_empty() {
        return draft;
    }
    let mut texts: Vec<String> = Vec::new();
    for queued in std::mem::take(&mut state.queue.prompts) {
        texts.push(queued.text);
        state.attachments.extend(queued.images);
    }
    state.queue.held = false;
    if !draft.trim().is_empty() {
        texts.push(draft);
    }
    texts.join("\n\n")
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyModifiers};

    use crate::app::msg::{ApiEvent, Effect};
    use crate::app::update::tests::{api, delta, key, send, sent_messages, state, type_text};

    fn last_prompt(effects: &[Effect]) -> String {
        let (_, messages) = sent_messages(effects);
        messages.last().map(|m| m.content.clone()).unwrap_or_default()
    }

    #[test]
    fn prompts_typed_while_a_reply_streams_go_out_in_order_as_each_reply_ends() {
        let mut state = state();
        let (first, _) = sent_messages(&send(&mut state, "first"));
        api(&mut state, first, delta("one"));
        assert!(send(&mut state, "second").is_empty(), "nothing is sent while streaming");
        assert!(send(&mut state, "third").is_empty());
        assert!(state.input.is_empty(), "the draft is free for the next prompt");
        assert_eq!(state.queue.len(), 2);
        assert!(state.notice.as_deref().unwrap().contains("queued (2 waiting)"));

        let effects = crate::app::update(
            &mut state,
            crate::app::Msg::Api {
                id: first,
                event: ApiEvent::Done,
                at: std::time::Instant::now(),
            },
        );
        assert_eq!(last_prompt(&effects), "second");
        let second = state.stream.id().unwrap();
        api(&mut state, second, delta("two"));
        let effects = crate::app::update(
            &mut state,
            crate::app::Msg::Api {
                id: second,
                event: ApiEvent::Done,
                at: std::time::Instant::now(),
            },
        );
        let (_, messages) = sent_messages(&effects);
        let texts: Vec<&str> = messages.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(texts[1..], ["first", "one", "second", "two", "third"]);
        assert!(state.queue.is_empty());
    }

    #[test]
    fn esc_on_the_reply_holds_the_queue_and_says_so_and_enter_sends_it() {
        let mut state = state();
        let (first, _) = sent_messages(&send(&mut state, "first"));
        api(&mut state, first, delta("par"));
        send(&mut state, "next one");
        let effects = key(&mut state, KeyCode::Esc, KeyModifiers::NONE);
        assert!(!effects.iter().any(|e| matches!(e, Effect::StartRequest { .. })));
        assert_eq!(state.queue.len(), 1, "the queue is not dropped");
        let notice = state.notice.clone().unwrap();
        assert!(
            notice.contains("1 queued prompt waits") && notice.contains("Enter sends"),
            "{notice}"
        );
        let effects = key(&mut state, KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(last_prompt(&effects), "next one");
        assert!(state.queue.is_empty());
    }

    #[test]
    fn a_failed_reply_holds_the_queue_too() {
        let mut state = state();
        let (first, _) = sent_messages(&send(&mut state, "first"));
        api(&mut state, first, delta("par"));
        send(&mut state, "next one");
        let error = crate::api::ApiError::InStream { message: "boom".into() };
        api(&mut state, first, ApiEvent::Failed(error));
        assert!(!state.stream.is_busy());
        assert_eq!(state.queue.len(), 1);
        assert!(state.queue.held);
        assert!(state.notice.as_deref().unwrap().contains("queued prompt waits"));
    }

    #[test]
    fn up_in_an_empty_draft_takes_the_last_queued_prompt_back_to_edit_or_drop() {
        let mut state = state();
        let (first, _) = sent_messages(&send(&mut state, "first"));
        api(&mut state, first, delta("..."));
        send(&mut state, "second");
        send(&mut state, "thrid");
        key(&mut state, KeyCode::Up, KeyModifiers::NONE);
        assert_eq!(state.input.text(), "thrid");
        assert_eq!(state.queue.len(), 1);
        // Fixed and queued again, behind the one still waiting.
        key(&mut state, KeyCode::Backspace, KeyModifiers::NONE);
        key(&mut state, KeyCode::Backspace, KeyModifiers::NONE);
        key(&mut state, KeyCode::Backspace, KeyModifiers::NONE);
        type_text(&mut state, "ird");
        key(&mut state, KeyCode::Enter, KeyModifiers::NONE);
        let queued: Vec<&str> = state.queue.prompts.iter().map(|q| q.text.as_str()).collect();
        assert_eq!(queued, ["second", "third"]);
        // Taken back and emptied: dropped, and the reply streams on.
        key(&mut state, KeyCode::Up, KeyModifiers::NONE);
        key(&mut state, KeyCode::Char('u'), KeyModifiers::CONTROL);
        key(&mut state, KeyCode::Enter, KeyModifiers::NONE);
        let queued: Vec<&str> = state.queue.prompts.iter().map(|q| q.text.as_str()).collect();
        assert_eq!(queued, ["second"]);
        assert!(state.stream.is_busy());
    }

    #[test]
    fn quitting_with_prompts_queued_keeps_them_in_the_saved_draft() {
        let mut state = state();
        let (first, _) = sent_messages(&send(&mut state, "first"));
        api(&mut state, first, delta("..."));
        send(&mut state, "second");
        type_text(&mut state, "half typed");
        let effects = key(&mut state, KeyCode::Char('d'), KeyModifiers::CONTROL);
        let draft = effects.iter().find_map(|e| match e {
            Effect::Store(crate::store::writer::StoreCmd::SetDraft { text, .. }) => {
                Some(text.clone())
            }
            _ => None,
        });
        assert_eq!(draft.as_deref(), Some("second\n\nhalf typed"));
    }
}

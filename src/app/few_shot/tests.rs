//! Few-shot turns and rewritten replies, driven through `update` by keys and API events.

use crossterm::event::{KeyCode, KeyModifiers};

use crate::app::msg::{ApiEvent, Effect};
use crate::app::state::State;
use crate::app::update::tests::{api, delta, key, saves, send, sent_messages, state, type_text};
use crate::chat::{RequestMessage, Role};
use crate::store::writer::StoreCmd;

fn alt(state: &mut State, c: char) -> Vec<Effect> {
    key(state, KeyCode::Char(c), KeyModifiers::ALT)
}

fn roles(messages: &[RequestMessage]) -> Vec<(Role, &str)> {
    messages.iter().map(|m| (m.role, m.content.as_str())).collect()
}

#[test]
fn examples_written_for_both_sides_go_before_the_first_real_question() {
    let mut state = state();
    type_text(&mut state, "Translate: cat");
    let effects = alt(&mut state, 'u');
    assert!(!effects.iter().any(|e| matches!(e, Effect::StartRequest { .. })), "nothing sent");
    assert!(saves(&effects).iter().any(
        |c| matches!(c, StoreCmd::CreateConversation { title, .. } if title == "Translate: cat")
    ));
    type_text(&mut state, "chat");
    let effects = alt(&mut state, 'a');
    assert!(!effects.iter().any(|e| matches!(e, Effect::StartRequest { .. })));
    assert!(saves(&effects).iter().any(|c| matches!(
        c,
        StoreCmd::AddMessage { fields, .. } if fields.authored && fields.role == Role::Assistant && fields.content == "chat" && fields.model.is_none()
    )));
    assert_eq!(state.notice.as_deref(), Some("added as the assistant's turn · nothing was sent"));
    let (_, messages) = sent_messages(&send(&mut state, "Translate: dog"));
    assert_eq!(
        roles(&messages),
        [
            (Role::System, "You are a helpful assistant"),
            (Role::User, "Translate: cat"),
            (Role::Assistant, "chat"),
            (Role::User, "Translate: dog"),
        ]
    );
    let written = &state.conversation.messages()[1];
    assert!(written.authored && written.model.is_none());
    assert_eq!(written.parent, Some(state.conversation.messages()[0].key));
}

#[test]
fn on_an_empty_draft_the_next_enter_adds_the_turn_and_esc_cancels_it() {
    let mut state = state();
    alt(&mut state, 'a');
    assert_eq!(state.turn_as, Some(Role::Assistant));
    type_text(&mut state, "Hello! Ask me anything about Rust.");
    let effects = key(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    assert!(!effects.iter().any(|e| matches!(e, Effect::StartRequest { .. })));
    assert_eq!(state.turn_as, None, "one turn, then Enter sends again");
    assert!(state.conversation.messages()[0].authored);
    alt(&mut state, 'u');
    key(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(state.turn_as, None);
    let (_, messages) = sent_messages(&send(&mut state, "What is a lifetime?"));
    assert_eq!(
        roles(&messages)[1..],
        [
            (Role::Assistant, "Hello! Ask me anything about Rust."),
            (Role::User, "What is a lifetime?"),
        ]
    );
}

#[test]
fn e_on_a_reply_keeps_the_edit_as_a_branch_written_by_you_and_sends_nothing() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "2+2?"));
    api(&mut state, id, delta("five"));
    api(&mut state, id, ApiEvent::Done);
    type_text(&mut state, "half typed");
    key(&mut state, KeyCode::Up, KeyModifiers::CONTROL);
    key(&mut state, KeyCode::Char('e'), KeyModifiers::NONE);
    assert_eq!(state.input.text(), "five");
    state.input.set_text("4");
    let effects = key(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    assert!(!effects.iter().any(|e| matches!(e, Effect::StartRequest { .. })), "{effects:?}");
    assert!(saves(&effects).iter().any(|c| matches!(c, StoreCmd::AddMessage { fields, .. } if fields.authored && fields.content == "4")));
    assert!(saves(&effects).iter().any(|c| matches!(c, StoreCmd::SetLeaf { .. })));
    assert_eq!(state.input.text(), "half typed", "the draft comes back");
    let reply = &state.conversation.messages()[1];
    assert!(reply.authored);
    assert_eq!(reply.branch, Some((2, 2)), "the model's reply is the other branch");
    assert_eq!(state.conversation.off_branch()[0].content, "five");
    state.input.set_text("");
    let (_, messages) = sent_messages(&send(&mut state, "and 3+3?"));
    assert_eq!(
        roles(&messages)[1..],
        [(Role::User, "2+2?"), (Role::Assistant, "4"), (Role::User, "and 3+3?"),]
    );
}

#[test]
fn a_turn_is_not_added_while_a_reply_streams_and_the_draft_stays() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "q"));
    api(&mut state, id, delta("a"));
    type_text(&mut state, "example");
    alt(&mut state, 'a');
    assert_eq!(state.input.text(), "example");
    assert_eq!(state.conversation.messages().len(), 2);
    assert!(state.notice.as_deref().unwrap().contains("still arriving"));
}

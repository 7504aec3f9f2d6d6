//! `update` behaviours, driven by messages alone: no terminal, no network, no clock.

use std::time::{Duration, Instant};

use crate::store::writer::StoreCmd;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

use super::*;
use crate::api::{ApiError, StreamEvent};
use crate::app::msg::{ApiEvent, RequestId};
use crate::app::state::{Scroll, Shown, Stream, Target};
use crate::chat::{FinishReason, RequestMessage, Usage};

pub(crate) fn state() -> State {
    let target = Target { provider: "local".into(), model: "tiny".into() };
    let mut state = State::new(target, "You are a helpful assistant".into(), false);
    update(&mut state, Msg::Resize(80, 24));
    state
}

pub(crate) fn key(state: &mut State, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
    update(state, Msg::Key(KeyEvent::new(code, modifiers)))
}

pub(crate) fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        key(state, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

pub(crate) fn send(state: &mut State, text: &str) -> Vec<Effect> {
    type_text(state, text);
    key(state, KeyCode::Enter, KeyModifiers::NONE)
}

pub(crate) fn api(state: &mut State, id: RequestId, event: ApiEvent) {
    update(state, Msg::Api { id, event, at: Instant::now() });
}

pub(crate) fn delta(text: &str) -> ApiEvent {
    ApiEvent::Stream(StreamEvent::Delta { content: text.into(), reasoning: String::new() })
}

pub(crate) fn sent_messages(effects: &[Effect]) -> (RequestId, Vec<RequestMessage>) {
    match without_saves(effects)[..] {
        [Effect::StartRequest { id, messages, .. }] => (*id, messages.clone()),
        ref other => panic!("expected one request, got {other:?}"),
    }
}

/// The effects other than saving, which most tests are not about.
pub(crate) fn without_saves(effects: &[Effect]) -> Vec<&Effect> {
    effects.iter().filter(|e| !matches!(e, Effect::Store(_))).collect()
}

pub(crate) fn saves(effects: &[Effect]) -> Vec<&StoreCmd> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Store(command) => Some(command),
            _ => None,
        })
        .collect()
}

fn roles_and_text(messages: &[RequestMessage]) -> Vec<(Role, &str)> {
    messages.iter().map(|m| (m.role, m.content.as_str())).collect()
}

#[test]
fn enter_sends_the_typed_prompt_with_the_system_message_first() {
    let mut state = state();
    let effects = send(&mut state, "hello");
    let (_, messages) = sent_messages(&effects);
    assert_eq!(
        roles_and_text(&messages),
        [(Role::System, "You are a helpful assistant"), (Role::User, "hello")]
    );
    assert!(state.input.is_empty());
    assert!(matches!(state.stream, Stream::Waiting { .. }));
}

#[test]
fn third_request_carries_the_whole_history() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "one"));
    api(&mut state, id, delta("reply one"));
    api(&mut state, id, ApiEvent::Done);
    let (id, _) = sent_messages(&send(&mut state, "two"));
    api(&mut state, id, delta("reply two"));
    api(&mut state, id, ApiEvent::Done);
    let (_, messages) = sent_messages(&send(&mut state, "three"));
    assert_eq!(
        roles_and_text(&messages),
        [
            (Role::System, "You are a helpful assistant"),
            (Role::User, "one"),
            (Role::Assistant, "reply one"),
            (Role::User, "two"),
            (Role::Assistant, "reply two"),
            (Role::User, "three"),
        ]
    );
}

#[test]
fn deltas_accumulate_and_the_reply_records_its_model() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "hi"));
    api(&mut state, id, delta("Hel"));
    api(&mut state, id, delta("lo"));
    let reply = state.conversation.messages().last().unwrap();
    assert_eq!(reply.content, "Hello");
    assert_eq!(reply.status, Status::Streaming);
    assert_eq!(reply.model.as_deref(), Some("tiny"));
    api(
        &mut state,
        id,
        ApiEvent::Stream(StreamEvent::Usage(Usage {
            prompt_tokens: 9,
            completion_tokens: 2,
            total_tokens: 11,
            ..Usage::default()
        })),
    );
    api(&mut state, id, ApiEvent::Done);
    assert_eq!(state.conversation.messages().last().unwrap().status, Status::Complete);
    assert_eq!(state.last_usage.unwrap().completion_tokens, 2);
    assert!(!state.stream.is_busy());
}

#[test]
fn esc_while_streaming_cancels_and_keeps_partial() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "tell me"));
    api(&mut state, id, delta("Once upon"));
    let effects = key(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(without_saves(&effects), [&Effect::CancelRequest { id }]);
    let reply = state.conversation.messages().last().unwrap();
    assert_eq!((reply.content.as_str(), &reply.status), ("Once upon", &Status::Stopped));
    // A late delta from the aborted request changes nothing.
    api(&mut state, id, delta(" a time"));
    assert_eq!(state.conversation.messages().last().unwrap().content, "Once upon");
    // The stopped partial is context for the next prompt.
    let (_, messages) = sent_messages(&send(&mut state, "go on"));
    assert_eq!(messages[2].content, "Once upon");
}

#[test]
fn ctrl_c_stops_a_reply_and_quits_only_when_idle() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "x"));
    let effects = key(&mut state, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(without_saves(&effects), [&Effect::CancelRequest { id }]);
    assert!(!state.quitting);
    let effects = key(&mut state, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(without_saves(&effects), [&Effect::Quit]);
    assert!(state.quitting);
}

#[test]
fn failed_request_keeps_the_prompt_with_the_error_and_ctrl_r_retries_it() {
    let mut state = state();
    state.retry.max_retries = 0;
    let (id, _) = sent_messages(&send(&mut state, "are you there?"));
    let error = ApiError::Http { status: 500, message: "boom".into(), retry_after: None };
    api(&mut state, id, ApiEvent::Failed(error));
    let prompt = state.conversation.messages().last().unwrap();
    assert_eq!(prompt.content, "are you there?");
    assert!(matches!(&prompt.status, Status::Failed(e) if e.contains("HTTP 500: boom")));
    let (_, messages) = sent_messages(&key(&mut state, KeyCode::Char('r'), KeyModifiers::CONTROL));
    assert_eq!(roles_and_text(&messages)[1..], [(Role::User, "are you there?")]);
    assert_eq!(state.conversation.messages().len(), 1, "retry re-sends, it does not duplicate");
}

#[test]
fn error_mid_reply_keeps_the_partial_and_retry_keeps_it_as_another_branch_unsent() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "q"));
    api(&mut state, id, delta("partial"));
    api(&mut state, id, ApiEvent::Failed(ApiError::Network { message: "reset".into() }));
    let reply = &state.conversation.messages()[1];
    assert_eq!(reply.content, "partial");
    assert!(matches!(&reply.status, Status::Failed(e) if e.contains("reset")));
    let (_, messages) = sent_messages(&key(&mut state, KeyCode::Char('r'), KeyModifiers::CONTROL));
    assert_eq!(messages.len(), 2, "the broken partial is not sent again: {messages:?}");
    assert_eq!(state.conversation.messages().len(), 1, "the partial left the branch on screen");
    assert_eq!(state.conversation.off_branch()[0].content, "partial");
}

#[test]
fn typing_continues_while_a_reply_streams_and_enter_queues_it() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "first"));
    api(&mut state, id, delta("..."));
    let effects = send(&mut state, "second");
    assert!(effects.is_empty());
    assert!(state.input.is_empty());
    assert_eq!(state.queue.prompts[0].text, "second");
    assert!(state.notice.as_deref().unwrap().contains("queued"));
}

#[test]
fn alt_enter_and_ctrl_j_make_multi_line_prompts() {
    let mut state = state();
    type_text(&mut state, "a");
    key(&mut state, KeyCode::Enter, KeyModifiers::ALT);
    type_text(&mut state, "b");
    key(&mut state, KeyCode::Char('j'), KeyModifiers::CONTROL);
    type_text(&mut state, "c");
    let (_, messages) = sent_messages(&key(&mut state, KeyCode::Enter, KeyModifiers::NONE));
    assert_eq!(messages[1].content, "a\nb\nc");
}

#[test]
fn paste_arrives_whole_and_is_not_sent() {
    let mut state = state();
    update(&mut state, Msg::Paste("line 1\r\nline 2\n".into()));
    assert_eq!(state.input.lines(), ["line 1", "line 2", ""]);
    assert!(!state.stream.is_busy());
}

#[test]
fn a_pasted_prompt_is_sent_without_its_trailing_newline() {
    let mut state = state();
    update(&mut state, Msg::Paste("  indented\nlast\n".into()));
    let (_, messages) = sent_messages(&key(&mut state, KeyCode::Enter, KeyModifiers::NONE));
    assert_eq!(messages[1].content, "  indented\nlast");
}

#[test]
fn pasted_escape_sequences_never_reach_the_editor() {
    let mut state = state();
    update(&mut state, Msg::Paste("\x1b[31mred\x1b[0m\x07 text".into()));
    assert_eq!(state.input.lines(), ["red text"]);
}

#[test]
fn blank_input_is_not_sent() {
    let mut state = state();
    assert!(send(&mut state, "   ").is_empty());
    assert!(state.conversation.messages().is_empty());
}

#[test]
fn length_finish_is_recorded_and_ctrl_o_asks_to_continue() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "write"));
    api(&mut state, id, delta("a long"));
    api(&mut state, id, ApiEvent::Stream(StreamEvent::Finish(FinishReason::Length)));
    api(&mut state, id, ApiEvent::Done);
    assert_eq!(state.conversation.messages()[1].finish, Some(FinishReason::Length));
    let (_, messages) = sent_messages(&key(&mut state, KeyCode::Char('o'), KeyModifiers::CONTROL));
    assert_eq!(messages.last().unwrap().content, CONTINUE_PROMPT);
    assert_eq!(messages[2].content, "a long");
}

#[test]
fn think_blocks_become_reasoning_and_are_never_sent_back() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "why"));
    api(&mut state, id, delta("<think>hmm"));
    api(&mut state, id, delta("</think>Because."));
    api(
        &mut state,
        id,
        ApiEvent::Stream(StreamEvent::Delta { content: String::new(), reasoning: String::new() }),
    );
    api(&mut state, id, ApiEvent::Done);
    let reply = &state.conversation.messages()[1];
    assert_eq!((reply.reasoning.as_str(), reply.content.as_str()), ("hmm", "Because."));
    let (_, messages) = sent_messages(&send(&mut state, "ok"));
    assert_eq!(messages[2].content, "Because.");
}

#[test]
fn escape_sequences_from_the_model_never_reach_the_state() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "x"));
    api(&mut state, id, delta("safe\x1b]52;c;ZXZpbA==\x07 text\x1b[2J"));
    api(&mut state, id, ApiEvent::Done);
    assert_eq!(state.conversation.messages()[1].content, "safe text");
}

#[test]
fn events_of_an_older_request_are_ignored() {
    let mut state = state();
    let (old, _) = sent_messages(&send(&mut state, "a"));
    key(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    let (new, _) = sent_messages(&send(&mut state, "b"));
    assert_ne!(old, new);
    api(&mut state, old, delta("stale"));
    api(&mut state, new, delta("fresh"));
    assert_eq!(state.conversation.messages().last().unwrap().content, "fresh");
}

#[test]
fn f3_edits_the_single_system_message() {
    let mut state = state();
    key(&mut state, KeyCode::F(3), KeyModifiers::NONE);
    assert!(matches!(state.popup, Some(Popup::System(_))));
    update(&mut state, Msg::Paste(" Be brief.".into()));
    key(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    assert!(state.popup.is_none());
    assert_eq!(state.conversation.system, "You are a helpful assistant Be brief.");
    let (_, messages) = sent_messages(&send(&mut state, "hi"));
    assert_eq!(messages.iter().filter(|m| m.role == Role::System).count(), 1);
    assert_eq!(messages[0].content, "You are a helpful assistant Be brief.");
}

#[test]
fn esc_cancels_the_system_editor_without_saving() {
    let mut state = state();
    key(&mut state, KeyCode::F(3), KeyModifiers::NONE);
    update(&mut state, Msg::Paste("junk".into()));
    key(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(state.conversation.system, "You are a helpful assistant");
}

#[test]
fn f6_toggles_mouse_capture() {
    let mut state = state();
    assert_eq!(key(&mut state, KeyCode::F(6), KeyModifiers::NONE), [Effect::SetMouseCapture(true)]);
    assert_eq!(
        key(&mut state, KeyCode::F(6), KeyModifiers::NONE),
        [Effect::SetMouseCapture(false)]
    );
}

/// What a 20-row pane showed last: message 3's 5th row at the top, not at the bottom.
fn scrolled_up() -> Shown {
    Shown { top: (3, 5), height: 20, at_bottom: false, input_width: 80, help_top: None }
}

#[test]
fn page_up_moves_a_page_up_from_what_was_shown_and_end_follows_again() {
    let mut state = state();
    update(
        &mut state,
        Msg::Shown(Shown {
            top: (7, 2),
            height: 20,
            at_bottom: true,
            input_width: 80,
            help_top: None,
        }),
    );
    assert_eq!(state.view.scroll, Scroll::Follow);
    key(&mut state, KeyCode::PageUp, KeyModifiers::NONE);
    assert_eq!(state.view.scroll, Scroll::Anchor { index: 7, line: 2 - 18 });
    key(&mut state, KeyCode::PageUp, KeyModifiers::NONE);
    assert_eq!(state.view.scroll, Scroll::Anchor { index: 7, line: 2 - 36 }, "moves add up");
    update(&mut state, Msg::Shown(scrolled_up()));
    assert_eq!(state.view.scroll, Scroll::Anchor { index: 3, line: 5 }, "the place reached");
    key(&mut state, KeyCode::End, KeyModifiers::NONE);
    assert_eq!(state.view.scroll, Scroll::Follow);
}

#[test]
fn a_view_scrolled_to_the_bottom_follows_the_reply_again() {
    let mut state = state();
    update(&mut state, Msg::Shown(scrolled_up()));
    key(&mut state, KeyCode::PageDown, KeyModifiers::NONE);
    assert_eq!(state.view.scroll, Scroll::Anchor { index: 3, line: 5 + 18 });
    update(
        &mut state,
        Msg::Shown(Shown {
            top: (6, 0),
            height: 20,
            at_bottom: true,
            input_width: 80,
            help_top: None,
        }),
    );
    assert_eq!(state.view.scroll, Scroll::Follow);
}

#[test]
fn mouse_wheel_scrolls_three_rows_and_home_goes_to_the_top() {
    let mut state = state();
    update(&mut state, Msg::Shown(scrolled_up()));
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollUp,
        column: 0,
        row: 0,
        modifiers: KeyModifiers::NONE,
    };
    update(&mut state, Msg::Mouse(wheel));
    assert_eq!(state.view.scroll, Scroll::Anchor { index: 3, line: 2 });
    key(&mut state, KeyCode::Home, KeyModifiers::NONE);
    assert_eq!(state.view.scroll, Scroll::Top);
}

#[test]
fn sending_a_prompt_returns_to_the_bottom() {
    let mut state = state();
    update(&mut state, Msg::Shown(scrolled_up()));
    key(&mut state, KeyCode::PageUp, KeyModifiers::NONE);
    send(&mut state, "hello");
    assert_eq!(state.view.scroll, Scroll::Follow);
}

#[test]
fn tok_per_second_comes_from_delta_times() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "x"));
    let start = Instant::now();
    for n in 0..=50u64 {
        let at = start + Duration::from_millis(20 * n);
        update(&mut state, Msg::Api { id, event: delta("t"), at });
    }
    match &state.stream {
        Stream::Receiving { deltas, first_at, last_at, .. } => {
            let rate = *deltas as f64 / last_at.duration_since(*first_at).as_secs_f64();
            assert!((rate - 51.0).abs() < 1.0, "{rate}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_attached_image_waits_with_the_draft_and_backspace_in_an_empty_input_removes_it() {
    let mut state = state();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let image = crate::chat::attachment::Attachment::from_bytes("cat.png".into(), png).unwrap();
    let effects = update(&mut state, Msg::Paste("'/tmp/cat.png'".into()));
    assert!(matches!(&effects[..], [Effect::LoadFile { path, .. }] if path.ends_with("cat.png")));
    update(&mut state, Msg::Attached { result: Ok(image), paste: None });
    type_text(&mut state, "x");
    key(&mut state, KeyCode::Backspace, KeyModifiers::NONE);
    assert_eq!(state.attachments.len(), 1, "Backspace deleted the typed letter first");
    key(&mut state, KeyCode::Backspace, KeyModifiers::NONE);
    assert!(state.attachments.is_empty());
    assert_eq!(state.notice.as_deref(), Some("removed cat.png"));
}

#[test]
fn ctrl_c_with_a_draft_clears_it_undoably_and_only_then_quits() {
    let mut state = state();
    type_text(&mut state, "a long thought");
    let effects = key(&mut state, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(effects.is_empty() && !state.quitting, "the first Ctrl+C does not quit");
    assert!(state.input.is_empty());
    assert!(state.notice.as_deref().unwrap().contains("Ctrl+C again quits"));
    key(&mut state, KeyCode::Char('7'), KeyModifiers::CONTROL); // Ctrl+/ as terminals send it
    assert_eq!(state.input.text(), "a long thought", "undo brings the draft back");
    key(&mut state, KeyCode::Char('c'), KeyModifiers::CONTROL);
    let effects = key(&mut state, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(state.quitting && effects.contains(&Effect::Quit));
}

#[test]
fn ctrl_o_on_a_reply_that_finished_normally_is_refused_with_a_hint() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "hi"));
    api(&mut state, id, delta("Hello."));
    api(&mut state, id, ApiEvent::Stream(StreamEvent::Finish(FinishReason::Stop)));
    api(&mut state, id, ApiEvent::Done);
    let effects = key(&mut state, KeyCode::Char('o'), KeyModifiers::CONTROL);
    assert!(without_saves(&effects).is_empty(), "nothing is sent: {effects:?}");
    assert!(state.notice.as_deref().unwrap().contains("that reply finished"));
    assert_eq!(state.conversation.messages().len(), 2);
}

#[test]
fn leaving_a_conversation_while_its_reply_streams_asks_first_and_the_draft_stays_behind() {
    let mut state = state();
    state.conversation.saved = true;
    let conversation = state.conversation.key;
    let (id, _) = sent_messages(&send(&mut state, "q"));
    api(&mut state, id, delta("partial"));
    type_text(&mut state, "my next question");
    let effects = key(&mut state, KeyCode::Char('n'), KeyModifiers::CONTROL);
    assert!(effects.is_empty(), "nothing stops at the first Ctrl+N: {effects:?}");
    assert!(state.stream.is_busy());
    assert!(state.notice.as_deref().unwrap().contains("press the key again"));
    let effects = key(&mut state, KeyCode::Char('n'), KeyModifiers::CONTROL);
    assert!(effects.contains(&Effect::CancelRequest { id }));
    assert!(effects.contains(&Effect::Store(StoreCmd::SetDraft {
        conversation: Some(conversation),
        text: "my next question".into()
    })));
    assert!(state.input.is_empty(), "the draft stayed with its conversation");
    assert_eq!(state.conversation.messages().len(), 0);
}

#[test]
fn quitting_keeps_the_draft_for_the_next_start() {
    let mut state = state();
    type_text(&mut state, "unsent");
    let effects = key(&mut state, KeyCode::Char('d'), KeyModifiers::CONTROL);
    assert_eq!(
        effects,
        [
            Effect::Store(StoreCmd::SetDraft { conversation: None, text: "unsent".into() }),
            Effect::Quit
        ]
    );
}

#[test]
fn writes_waiting_on_the_store_show_until_it_catches_up_and_keys_do_not_hide_it() {
    let mut state = state();
    update(&mut state, Msg::Stored(StoreEvent::Unsaved("disk full".into())));
    type_text(&mut state, "x");
    assert_eq!(state.unsaved.as_deref(), Some("not saved yet: disk full, retrying"));
    update(&mut state, Msg::Stored(StoreEvent::Saved));
    assert_eq!(state.unsaved, None);
}

#[test]
fn the_open_conversation_deleted_elsewhere_is_saved_again_and_the_user_told() {
    let mut state = state();
    send(&mut state, "hello");
    let id = state.stream.id().unwrap();
    api(&mut state, id, delta("hi there"));
    let key = state.conversation.key;
    state.conversation.stored_id = Some(4);
    // Another conversation's key: not this one.
    assert!(update(&mut state, Msg::Stored(StoreEvent::Deleted { key: key + 1000 })).is_empty());
    let effects = update(&mut state, Msg::Stored(StoreEvent::Deleted { key }));
    let saves = saves(&effects);
    assert!(matches!(saves[0], StoreCmd::CreateConversation { key: k, .. } if *k == key));
    let added: Vec<&str> = saves
        .iter()
        .filter_map(|c| match c {
            StoreCmd::AddMessage { fields, .. } => Some(fields.content.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(added, ["hello", "hi there"]);
    assert_eq!(state.conversation.stored_id, None, "the new row's id comes with `Created`");
    let notice = state.notice.clone().unwrap();
    assert!(notice.contains("conversation 4 was deleted by another program"), "{notice}");
    assert!(state.stream.is_busy(), "the reply goes on streaming into the new one");
}

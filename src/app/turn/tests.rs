//! One turn's saving and retrying, driven by messages alone.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyModifiers};

use crate::api::ApiError;
use crate::app::msg::{ApiEvent, Effect, Msg, RequestId};
use crate::app::state::State;
use crate::app::update;
use crate::app::update::tests::{
    api, delta, key, saves, send, sent_messages, state, without_saves,
};
use crate::chat::{Message, Status};
use crate::store::writer::StoreCmd;

fn update_of(command: &StoreCmd) -> (&str, &'static str) {
    match command {
        StoreCmd::UpdateMessage { fields, .. } => (fields.content.as_str(), fields.status),
        other => panic!("expected an update, got {other:?}"),
    }
}

#[test]
fn the_prompt_and_conversation_are_saved_before_the_request_is_sent() {
    let mut state = state();
    let effects = send(&mut state, "first question");
    let (first, _) = sent_messages(&effects);
    match &effects[..] {
        [
            Effect::Store(StoreCmd::CreateConversation { title, system_prompt, .. }),
            Effect::Store(StoreCmd::AddMessage { fields, parent: None, .. }),
            Effect::StartRequest { .. },
        ] => {
            assert_eq!(title, "first question");
            assert_eq!(system_prompt, "You are a helpful assistant");
            assert_eq!((fields.content.as_str(), fields.status), ("first question", "complete"));
        }
        other => panic!("{other:?}"),
    }
    // The second prompt reuses the conversation row.
    api(&mut state, first, delta("an answer"));
    api(&mut state, first, ApiEvent::Done);
    let effects = send(&mut state, "second");
    assert_eq!(sent_messages(&effects).1.len(), 4, "system, first question, its answer, second");
    assert!(!saves(&effects).iter().any(|c| matches!(c, StoreCmd::CreateConversation { .. })));
}

#[test]
fn a_streaming_reply_is_saved_at_its_first_delta_then_every_quarter_second_then_at_the_end() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "q"));
    let start = Instant::now();
    let at = |ms| start + Duration::from_millis(ms);
    let first = update(&mut state, Msg::Api { id, event: delta("a"), at: at(0) });
    assert!(matches!(saves(&first)[..], [StoreCmd::AddMessage { .. }]));
    let soon = update(&mut state, Msg::Api { id, event: delta("b"), at: at(100) });
    assert!(saves(&soon).is_empty(), "no write before 250 ms");
    let later = update(&mut state, Msg::Api { id, event: delta("c"), at: at(260) });
    assert_eq!(update_of(saves(&later)[0]), ("abc", "streaming"));
    let done = update(&mut state, Msg::Api { id, event: ApiEvent::Done, at: at(300) });
    assert_eq!(update_of(saves(&done)[0]), ("abc", "complete"));
}

#[test]
fn a_stopped_reply_is_saved_as_stopped_with_its_partial_text() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "q"));
    api(&mut state, id, delta("partial"));
    let effects = key(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(update_of(saves(&effects)[0]), ("partial", "stopped"));
}

#[test]
fn a_retried_reply_is_a_sibling_of_the_one_it_replaces() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "q"));
    api(&mut state, id, delta("first try"));
    api(&mut state, id, ApiEvent::Done);
    let (id, _) = sent_messages(&key(&mut state, KeyCode::Char('r'), KeyModifiers::CONTROL));
    api(&mut state, id, delta("second try"));
    api(&mut state, id, ApiEvent::Failed(ApiError::Network { message: "cut".into() }));
    let old = &state.conversation.off_branch()[0];
    assert_eq!((old.content.as_str(), &old.status), ("first try", &Status::Complete));
    let messages: Vec<&Message> = state.conversation.messages().iter().collect();
    assert_eq!(messages[1].content, "second try");
    assert_eq!(old.parent, Some(messages[0].key));
    assert_eq!(messages[1].parent, Some(messages[0].key));
    assert_eq!(messages[1].branch, Some((2, 2)), "shown as the second of two");
}

#[test]
fn ctrl_n_starts_a_fresh_conversation_that_is_saved_separately() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "old topic"));
    api(&mut state, id, ApiEvent::Done);
    let old_key = state.conversation.key;
    key(&mut state, KeyCode::Char('n'), KeyModifiers::CONTROL);
    assert!(state.conversation.messages().is_empty());
    assert_eq!(state.conversation.system, "You are a helpful assistant");
    let effects = send(&mut state, "new topic");
    match saves(&effects)[0] {
        StoreCmd::CreateConversation { key, title, .. } => {
            assert_ne!(*key, old_key);
            assert_eq!(title, "new topic");
        }
        other => panic!("{other:?}"),
    }
    let (_, messages) = sent_messages(&effects);
    assert_eq!(messages.len(), 2, "nothing of the old conversation is sent");
}

#[test]
fn text_that_arrived_before_a_stall_is_saved_on_the_next_tick() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "q"));
    let start = Instant::now();
    update(&mut state, Msg::Api { id, event: delta("only words"), at: start });
    assert!(update(&mut state, Msg::Tick(start + Duration::from_millis(120))).is_empty());
    let tick = update(&mut state, Msg::Tick(start + Duration::from_millis(300)));
    assert_eq!(update_of(saves(&tick)[0]), ("only words", "streaming"));
    assert!(
        update(&mut state, Msg::Tick(start + Duration::from_millis(900))).is_empty(),
        "nothing new"
    );
}

fn failed(state: &mut State, id: RequestId, error: ApiError, at: Instant) -> Vec<Effect> {
    update(state, Msg::Api { id, event: ApiEvent::Failed(error), at })
}

fn wake(effects: &[Effect]) -> (RequestId, Instant) {
    match without_saves(effects)[..] {
        [Effect::WakeAt { id, at }] => (*id, *at),
        ref other => panic!("expected a wake-up, got {other:?}"),
    }
}

#[test]
fn a_server_error_before_any_reply_is_retried_with_growing_waits() {
    let mut state = state();
    let (id, first) = sent_messages(&send(&mut state, "hello?"));
    let now = Instant::now();
    let overloaded =
        || ApiError::Http { status: 503, message: "overloaded".into(), retry_after: None };
    let (due, at) = wake(&failed(&mut state, id, overloaded(), now));
    let first_wait = at - now;
    assert!(
        first_wait >= Duration::from_millis(250) && first_wait <= Duration::from_millis(500),
        "{first_wait:?}"
    );
    assert!(
        matches!(&state.conversation.messages()[0].status, Status::Failed(e) if e.contains("overloaded"))
    );
    let (id, again) = sent_messages(&update(&mut state, Msg::RetryDue { id: due }));
    assert_eq!(again, first, "the same prompt goes again");
    assert_eq!(state.conversation.messages()[0].status, Status::Complete);
    let (_, at2) = wake(&failed(&mut state, id, overloaded(), now));
    assert!(at2 - now > first_wait, "the second wait is longer");
}

#[test]
fn retries_stop_after_the_limit_and_the_error_stays() {
    let mut state = state();
    let (mut id, _) = sent_messages(&send(&mut state, "q"));
    let now = Instant::now();
    for _ in 0..state.retry.max_retries {
        let (due, _) =
            wake(&failed(&mut state, id, ApiError::Network { message: "refused".into() }, now));
        id = sent_messages(&update(&mut state, Msg::RetryDue { id: due })).0;
    }
    let last = failed(&mut state, id, ApiError::Network { message: "refused".into() }, now);
    assert!(without_saves(&last).is_empty(), "no more retries: {last:?}");
    assert!(!state.stream.is_busy());
    assert!(
        matches!(&state.conversation.messages()[0].status, Status::Failed(e) if e.contains("refused"))
    );
}

#[test]
fn retry_after_from_a_429_sets_the_wait_and_a_too_long_one_is_not_waited_for() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "q"));
    let now = Instant::now();
    let limited = |secs| ApiError::RateLimited {
        message: "slow down".into(),
        retry_after: Some(Duration::from_secs(secs)),
    };
    let (due, at) = wake(&failed(&mut state, id, limited(7), now));
    assert_eq!(at - now, Duration::from_secs(7));
    let (id, _) = sent_messages(&update(&mut state, Msg::RetryDue { id: due }));
    assert!(without_saves(&failed(&mut state, id, limited(3600), now)).is_empty());
}

#[test]
fn errors_that_cannot_pass_are_not_retried() {
    for error in [
        ApiError::Auth { status: 401, message: "bad key".into(), key_hint: String::new() },
        ApiError::Http { status: 400, message: "bad request".into(), retry_after: None },
        ApiError::context_overflow(400, "too long".into()),
    ] {
        let mut state = state();
        let (id, _) = sent_messages(&send(&mut state, "q"));
        assert!(without_saves(&failed(&mut state, id, error, Instant::now())).is_empty());
        assert!(!state.stream.is_busy());
    }
}

#[test]
fn a_failure_after_part_of_the_reply_is_never_retried_silently() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "q"));
    api(&mut state, id, delta("half"));
    let effects =
        failed(&mut state, id, ApiError::Network { message: "reset".into() }, Instant::now());
    assert!(without_saves(&effects).is_empty());
    assert_eq!(state.conversation.messages()[1].content, "half");
    assert_eq!(state.notice.as_deref(), Some(super::PARTIAL_KEPT));
}

#[test]
fn esc_cancels_the_wait_and_keeps_the_error() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "q"));
    let (due, _) = wake(&failed(
        &mut state,
        id,
        ApiError::Http { status: 502, message: "bad gateway".into(), retry_after: None },
        Instant::now(),
    ));
    let effects = key(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(without_saves(&effects), [&Effect::CancelRequest { id: due }]);
    assert!(sent_messages_none(&update(&mut state, Msg::RetryDue { id: due })));
    assert!(matches!(&state.conversation.messages()[0].status,
        Status::Failed(e) if e.contains("bad gateway") && e.contains("retrying was cancelled")));
}

fn sent_messages_none(effects: &[Effect]) -> bool {
    !effects.iter().any(|e| matches!(e, Effect::StartRequest { .. }))
}

#[test]
fn a_context_overflow_shrinks_to_the_servers_window_and_retries_once() {
    let mut state = state();
    state.target.model = "local-model".into();
    for turn in 0..6 {
        let (id, _) =
            sent_messages(&send(&mut state, &format!("question {turn} {}", "word ".repeat(400))));
        api(&mut state, id, delta(&format!("answer {turn} {}", "word ".repeat(400))));
        api(&mut state, id, ApiEvent::Done);
    }
    let (id, first) = sent_messages(&send(&mut state, "last"));
    assert_eq!(first.len(), 14, "an unknown model sends everything at first");
    let overflow = ApiError::context_overflow(
        400,
        "request (4900 tokens) exceeds the available context size (2048 tokens)".into(),
    );
    let effects = update(
        &mut state,
        Msg::Api { id, event: ApiEvent::Failed(overflow.clone()), at: Instant::now() },
    );
    let (id, second) = sent_messages(&effects);
    assert!(second.len() < first.len(), "trimmed: {} messages", second.len());
    assert_eq!(second.last().unwrap().content, "last");
    assert!(state.notice.as_deref().unwrap().contains("2048"));
    let effects =
        update(&mut state, Msg::Api { id, event: ApiEvent::Failed(overflow), at: Instant::now() });
    assert!(sent_messages_none(&effects), "only one retry");
    assert!(matches!(&state.conversation.messages().last().unwrap().status, Status::Failed(_)));
}

/// A server whose tokenizer counts three times what rockchat estimates (a local model with
/// an unusual vocabulary): trimming to its window alone would fail again, so the estimate
/// is calibrated by its count while the window stays the server's.
#[test]
fn an_overflow_from_a_tokenizer_that_counts_more_calibrates_the_count() {
    let mut state = state();
    state.target.model = "local-model".into();
    state.windows.insert("local-model".into(), (2048, Some(256)));
    for turn in 0..6 {
        let (id, _) =
            sent_messages(&send(&mut state, &format!("question {turn} {}", "word ".repeat(100))));
        api(&mut state, id, delta(&format!("answer {turn} {}", "word ".repeat(100))));
        api(&mut state, id, ApiEvent::Done);
    }
    let (id, first) = sent_messages(&send(&mut state, "last"));
    assert_eq!(first.len(), 14, "by rockchat's count everything fits");
    let ours = state.meter.unwrap().tokens;
    let overflow = ApiError::context_overflow(
        400,
        format!(
            "maximum context length is 2048 tokens. However, you requested {} tokens",
            ours * 3
        ),
    );
    let effects =
        update(&mut state, Msg::Api { id, event: ApiEvent::Failed(overflow), at: Instant::now() });
    let (_, second) = sent_messages(&effects);
    let kept: usize = second.len();
    assert!((3..14).contains(&kept), "trimmed to about a third: {kept} messages");
    assert_eq!(second.last().unwrap().content, "last");
    let notice = state.notice.clone().unwrap();
    assert!(
        notice.contains(&format!("counted {} where rockchat counted {ours}", ours * 3)),
        "{notice}"
    );
    let meter = state.meter.unwrap();
    assert!(meter.tokens + 256 <= 2048, "what goes now fits the server's count: {meter:?}");
    assert_eq!(meter.window, Some(2048), "the window is the server's, not scaled");
    assert_eq!(meter.precision, crate::chat::tally::Precision::Calibrated);
}

/// A reply that filled a 512-token window, then Ctrl+O: the continuation carries the
/// reply's tail, never just the system message and "continue".
#[test]
fn ctrl_o_after_a_cut_off_carries_the_reply_it_continues_even_after_an_overflow() {
    use crate::chat::FinishReason;
    use crate::chat::context::CONTINUE_PROMPT;
    let mut state = state();
    state.target.model = "tiny-llama".into();
    let reply: String = (0..400).map(|n| format!("w{n} ")).collect();
    let (id, _) = sent_messages(&send(&mut state, "write a long story"));
    api(&mut state, id, delta(&reply));
    api(&mut state, id, ApiEvent::Stream(crate::api::StreamEvent::Finish(FinishReason::Length)));
    api(&mut state, id, ApiEvent::Done);
    let effects = key(&mut state, KeyCode::Char('o'), KeyModifiers::CONTROL);
    let (id, first) = sent_messages(&effects);
    assert_eq!(first.last().unwrap().content, CONTINUE_PROMPT);
    // The server's window is 512 and it counted more than fits.
    let overflow = ApiError::context_overflow(
        400,
        "request (1400 tokens) exceeds the available context size (512 tokens), try increasing it"
            .into(),
    );
    let effects =
        update(&mut state, Msg::Api { id, event: ApiEvent::Failed(overflow), at: Instant::now() });
    let (_, retried) = sent_messages(&effects);
    let roles: Vec<_> = retried.iter().map(|m| m.role).collect();
    use crate::chat::Role::{Assistant, System, User};
    assert_eq!(roles[0], System);
    assert_eq!(roles[roles.len() - 2..], [Assistant, User], "{retried:?}");
    let tail = &retried[retried.len() - 2].content;
    assert!(reply.trim_end().ends_with(tail.trim_end()), "the reply's own end: {tail}");
    assert!(tail.len() < reply.len(), "cut to fit");
    assert!(tail.starts_with('w'), "cut at a word: {tail}");
    assert_eq!(retried.last().unwrap().content, CONTINUE_PROMPT);
}

/// When not even the end of the reply fits, Ctrl+O says so instead of sending a
/// continuation that has nothing to continue.
#[test]
fn a_continuation_with_no_room_for_the_reply_says_it_cannot() {
    let mut state = state();
    state.target.model = "tiny-llama".into();
    let (id, _) = sent_messages(&send(&mut state, "hi"));
    api(&mut state, id, delta(&"word ".repeat(50)));
    let cut = crate::api::StreamEvent::Finish(crate::chat::FinishReason::Length);
    api(&mut state, id, ApiEvent::Stream(cut));
    api(&mut state, id, ApiEvent::Done);
    // A window that leaves room for the system message and "continue", not for the reply.
    state.windows.insert("tiny-llama".into(), (60, Some(30)));
    let effects = key(&mut state, KeyCode::Char('o'), KeyModifiers::CONTROL);
    assert!(sent_messages_none(&effects), "nothing sent");
    let Status::Failed(why) = &state.conversation.messages().last().unwrap().status else {
        panic!("the continue prompt says why")
    };
    assert!(why.starts_with("cannot continue"), "{why}");
}

/// llama-cpp-python at 512 tokens, a prompt its tokenizer counts past the window even
/// alone: the retry is refused before it is sent, and the turn ends there, not waiting for
/// a reply that will never come.
#[test]
fn an_overflow_whose_trimmed_retry_still_does_not_fit_ends_the_turn() {
    let mut state = state();
    state.target.model = "tiny-llama".into();
    let (id, _) = sent_messages(&send(&mut state, &"word ".repeat(300)));
    let overflow = ApiError::context_overflow(
        400,
        "This model's maximum context length is 512 tokens. However, you requested 640 tokens"
            .into(),
    );
    let effects =
        update(&mut state, Msg::Api { id, event: ApiEvent::Failed(overflow), at: Instant::now() });
    assert!(sent_messages_none(&effects), "nothing that cannot fit is sent");
    assert!(!state.stream.is_busy(), "the turn is over: {:?}", state.stream);
    let Status::Failed(why) = &state.conversation.messages()[0].status else { panic!() };
    assert!(why.contains("the model's window is 512"), "{why}");
}

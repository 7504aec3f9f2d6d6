//! A conversation opened from its tail, then whole, driven by messages.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::app::state::{Shown, Target};
use crate::app::update;
use crate::chat::Role;
use crate::store::StoredMessage;
use crate::store::writer::{StoreCmd, StoreEvent};

fn row(id: i64, text: &str) -> StoredMessage {
    let role = if id % 2 == 1 { Role::User } else { Role::Assistant };
    StoredMessage {
        id,
        parent_id: (id > 1).then_some(id - 1),
        role,
        content: text.into(),
        reasoning: String::new(),
        model: (role == Role::Assistant).then(|| "m".into()),
        status: "complete".into(),
        error: None,
        finish_reason: None,
        prompt_tokens: None,
        completion_tokens: None,
        cached_tokens: None,
        reasoning_tokens: None,
        cost: None,
        provider: None,
        created_at: 0,
        attachments: Vec::new(),
        pinned: false,
        hidden: false,
        tool_calls: Vec::new(),
        authored: false,
        json_check: None,
    }
}

/// Conversation 9 as stored: `n` messages on its branch.
fn stored(n: i64) -> StoredConversation {
    StoredConversation {
        id: 9,
        title: "long".into(),
        system_prompt: "be brief".into(),
        provider: "p".into(),
        base_url: None,
        model: "m".into(),
        params: "{}".into(),
        draft: "half a thought".into(),
        tools: None,
        messages: (1..=n).map(|id| row(id, &format!("message {id}"))).collect(),
        other_branches: Vec::new(),
    }
}

/// Opened as `term::run` opens it: the last `tail` messages, the whole still being read.
fn opened_from_tail(n: i64, tail: usize) -> State {
    let target = Target { provider: "p".into(), model: "m".into() };
    let mut state = State::new(target, "sys".into(), false);
    let mut partial = stored(n);
    partial.messages.drain(..partial.messages.len() - tail);
    state.input = crate::app::editor::Editor::with_text(&partial.draft);
    let (conversation, _) = persist::restore(partial, &mut state.keys);
    state.conversation = conversation;
    state.partial = Some(Partial::new(9));
    state
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

#[test]
fn the_whole_conversation_arriving_keeps_the_view_and_the_draft() {
    let mut state = opened_from_tail(1000, 200);
    // The first frame showed the tail's last messages at the bottom.
    let shown = Shown { top: (195, 2), height: 30, at_bottom: true, ..Shown::default() };
    update(&mut state, Msg::Shown(shown));
    assert_eq!(state.conversation.messages()[195].content, "message 996");
    let effects = update(&mut state, Msg::Stored(StoreEvent::Whole(Ok(Box::new(stored(1000))))));
    assert!(state.partial.is_none());
    assert_eq!(state.conversation.messages().len(), 1000);
    assert_eq!(state.conversation.messages()[0].content, "message 1");
    assert_eq!(state.input.text(), "half a thought");
    assert_eq!(state.view.scroll, Scroll::Follow, "the bottom stays where it is");
    let top = state.view.shown.unwrap().top;
    assert_eq!((state.conversation.messages()[top.0].content.as_str(), top.1), ("message 996", 2));
    // The store learns the keys of every row, the earlier ones too.
    let adopted = effects.iter().find_map(|e| match e {
        Effect::Store(StoreCmd::Adopt { conversation, messages }) => Some((conversation, messages)),
        _ => None,
    });
    let (conversation, messages) = adopted.expect("the rows adopted");
    assert_eq!((conversation.0, conversation.1), (state.conversation.key, 9));
    assert_eq!(messages.len(), 1000);
}

#[test]
fn the_tokenizer_loads_once_the_whole_conversation_is_in() {
    let target = Target { provider: "p".into(), model: "gpt-4o".into() };
    let mut state = opened_from_tail(1000, 200);
    state.target = target;
    let loads = |effects: &[Effect]| {
        effects.iter().filter(|e| matches!(e, Effect::LoadTokenizer(_))).count()
    };
    // The first frame and keys meanwhile: nothing counts yet, nothing loads.
    let shown = Shown { top: (195, 2), height: 30, at_bottom: true, ..Shown::default() };
    assert_eq!(loads(&update(&mut state, Msg::Shown(shown))), 0);
    assert_eq!(loads(&update(&mut state, key(KeyCode::Char('x')))), 0);
    let effects = update(&mut state, Msg::Stored(StoreEvent::Whole(Ok(Box::new(stored(1000))))));
    assert_eq!(loads(&effects), 1, "{effects:?}");
}

#[test]
fn an_anchored_view_stays_on_the_same_line() {
    let mut state = opened_from_tail(500, 200);
    state.view.scroll = Scroll::Anchor { index: 10, line: 3 };
    update(&mut state, Msg::Stored(StoreEvent::Whole(Ok(Box::new(stored(500))))));
    let Scroll::Anchor { index, line } = state.view.scroll else { panic!("{:?}", state.view) };
    assert_eq!((state.conversation.messages()[index].content.as_str(), line), ("message 311", 3));
}

#[test]
fn keys_pressed_before_it_arrives_wait_and_then_act_on_the_whole_history_in_order() {
    let mut state = opened_from_tail(400, 200);
    let mut effects = Vec::new();
    for msg in [key(KeyCode::Char('!')), key(KeyCode::Home), key(KeyCode::Enter)] {
        effects.extend(update(&mut state, msg));
    }
    assert!(effects.is_empty(), "nothing acts on the tail alone: {effects:?}");
    assert_eq!(state.input.text(), "half a thought", "the keys wait");
    assert_eq!(state.partial.as_ref().map(Partial::waiting), Some(3));
    assert!(state.meter.is_none(), "no count of a partial history");
    let effects = update(&mut state, Msg::Stored(StoreEvent::Whole(Ok(Box::new(stored(400))))));
    let sent = effects.iter().find_map(|e| match e {
        Effect::StartRequest { messages, .. } => Some(messages),
        _ => None,
    });
    let sent = sent.expect("Enter sent the draft once the whole arrived");
    // The system message, all 400, and the draft with the key typed after it.
    assert_eq!(sent.len(), 402);
    assert_eq!(sent[1].content, "message 1");
    assert_eq!(sent[401].content, "half a thought!");
}

#[test]
fn a_failed_read_says_so_and_leaves_only_quitting() {
    let mut state = opened_from_tail(400, 200);
    update(&mut state, key(KeyCode::Char('x')));
    update(&mut state, Msg::Stored(StoreEvent::Whole(Err("disk I/O error".into()))));
    assert!(
        state.notice.as_deref().is_some_and(|n| n.contains("disk I/O error")),
        "{:?}",
        state.notice
    );
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty(), "the tail is never sent alone");
    assert_eq!(state.input.text(), "half a thought");
    let quit = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
    let effects = update(&mut state, Msg::Key(quit));
    assert!(effects.contains(&Effect::Quit), "{effects:?}");
}

//! The conversation list, driven by messages.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::app::msg::Msg;
use crate::app::state::Target;
use crate::app::update;
use crate::store::writer::StoreEvent;
use crate::store::{StoredConversation, StoredMessage};

fn state() -> State {
    let target = Target { provider: "p".into(), model: "m".into() };
    State::new(target, "sys".into(), false)
}

fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn item(id: i64, title: &str) -> ConversationSummary {
    ConversationSummary {
        id,
        title: title.into(),
        preview: format!("about {title}"),
        model: "m".into(),
        updated_at: 0,
        messages: 2,
    }
}

fn library(state: &State) -> &Library {
    match &state.popup {
        Some(Popup::Library(library)) => library,
        other => panic!("the list is not open: {other:?}"),
    }
}

fn opened_with(state: &mut State, items: Vec<ConversationSummary>) {
    let effects = update(state, Msg::Key(KeyEvent::new(KeyCode::Char('l'), KeyModifiers::CONTROL)));
    assert_eq!(effects, [Effect::Store(StoreCmd::Find { query: String::new() })]);
    update(state, Msg::Stored(StoreEvent::Found { query: String::new(), items, now_ms: 0 }));
}

#[test]
fn typing_searches_and_a_late_answer_to_an_old_query_is_ignored() {
    let mut state = state();
    opened_with(&mut state, vec![item(1, "rust"), item(2, "pasta")]);
    assert_eq!(
        press(&mut state, KeyCode::Char('r')),
        [Effect::Store(StoreCmd::Find { query: "r".into() })]
    );
    press(&mut state, KeyCode::Char('u'));
    update(
        &mut state,
        Msg::Stored(StoreEvent::Found { query: "r".into(), items: vec![], now_ms: 0 }),
    );
    assert_eq!(library(&state).items.len(), 2, "stale answer ignored");
    update(
        &mut state,
        Msg::Stored(StoreEvent::Found {
            query: "ru".into(),
            items: vec![item(1, "rust")],
            now_ms: 0,
        }),
    );
    assert_eq!(library(&state).items.len(), 1);
    assert_eq!(
        press(&mut state, KeyCode::Backspace),
        [Effect::Store(StoreCmd::Find { query: "r".into() })]
    );
}

#[test]
fn enter_opens_the_selected_conversation() {
    let mut state = state();
    opened_with(&mut state, vec![item(1, "a"), item(2, "b")]);
    press(&mut state, KeyCode::Down);
    assert_eq!(press(&mut state, KeyCode::Enter), [Effect::Store(StoreCmd::Load { id: 2 })]);
    assert!(state.popup.is_none());
}

#[test]
fn an_opened_conversation_replaces_the_screen_and_is_adopted_by_the_store() {
    let mut state = state();
    let stored = StoredConversation {
        draft: String::new(),
        id: 9,
        title: "old".into(),
        system_prompt: "be brief".into(),
        provider: String::new(),
        base_url: None,
        model: String::new(),
        params: "{}".into(),
        tools: None,
        messages: vec![StoredMessage {
            id: 90,
            parent_id: None,
            role: crate::chat::Role::User,
            content: "hello again".into(),
            reasoning: String::new(),
            model: None,
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
        }],
        other_branches: Vec::new(),
    };
    let effects = update(&mut state, Msg::Stored(StoreEvent::Loaded(Ok(Box::new(stored)))));
    assert!(matches!(
        effects[..],
        [
            Effect::Store(StoreCmd::SetDraft { conversation: None, .. }),
            Effect::Store(StoreCmd::Adopt { conversation: (_, 9), .. }),
            Effect::AskServer { .. }
        ]
    ));
    assert_eq!(state.conversation.system, "be brief");
    assert_eq!(state.conversation.messages()[0].content, "hello again");
    assert_eq!(state.conversation.stored_id, Some(9));
}

#[test]
fn f2_renames_and_the_store_is_told() {
    let mut state = state();
    opened_with(&mut state, vec![item(4, "untitled")]);
    press(&mut state, KeyCode::F(2));
    for c in " chat".chars() {
        press(&mut state, KeyCode::Char(c));
    }
    let effects = press(&mut state, KeyCode::Enter);
    assert_eq!(effects, [Effect::Store(StoreCmd::Rename { id: 4, title: "untitled chat".into() })]);
    assert_eq!(library(&state).items[0].title, "untitled chat");
}

#[test]
fn delete_asks_first_and_only_yes_deletes() {
    let mut state = state();
    opened_with(&mut state, vec![item(5, "keep"), item(6, "drop")]);
    press(&mut state, KeyCode::Delete);
    assert!(press(&mut state, KeyCode::Char('n')).is_empty());
    assert_eq!(library(&state).items.len(), 2);
    press(&mut state, KeyCode::Down);
    press(&mut state, KeyCode::Delete);
    let effects = press(&mut state, KeyCode::Char('y'));
    assert_eq!(effects, [Effect::Store(StoreCmd::Delete { id: 6 })]);
    assert_eq!(library(&state).items.len(), 1);
}

#[test]
fn deleting_the_open_conversation_leaves_a_fresh_one() {
    let mut state = state();
    state.conversation.saved = true;
    state.conversation.stored_id = Some(7);
    let old_key = state.conversation.key;
    opened_with(&mut state, vec![item(7, "this one")]);
    press(&mut state, KeyCode::Delete);
    press(&mut state, KeyCode::Char('y'));
    assert_ne!(state.conversation.key, old_key);
    assert!(!state.conversation.saved, "the next prompt creates a new row");
    assert_eq!(state.conversation.system, "sys");
}

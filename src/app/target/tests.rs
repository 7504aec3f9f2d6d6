//! Switching targets: favorites, and reopening a conversation.

use super::*;
use crate::app::msg::Msg;
use crate::app::update;
use crate::store::StoredConversation;
use crate::store::writer::StoreEvent;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn target(provider: &str, model: &str) -> Target {
    Target { provider: provider.into(), model: model.into() }
}

fn state() -> State {
    let mut state = State::new(target("openai", "gpt-4o-mini"), String::new(), false);
    state.counting.load_on_first_use();
    for (name, model) in [("openai", "gpt-4o-mini"), ("local", "qwen")] {
        state.catalog.provider_mut(name).default_model = model.into();
    }
    state
}

fn press(state: &mut State, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
    update(state, Msg::Key(KeyEvent::new(code, modifiers)))
}

#[test]
fn favorites_name_a_provider_only_when_the_prefix_is_one() {
    let names = ["local/qwen".into(), "openai/gpt-4o".into(), "o3".into(), " ".into()];
    let resolved = resolve_favorites(&names, "openrouter", |p| p == "local");
    assert_eq!(
        resolved,
        [
            target("local", "qwen"),
            target("openrouter", "openai/gpt-4o"),
            target("openrouter", "o3")
        ]
    );
}

#[test]
fn f2_and_shift_f2_cycle_through_the_favorites_without_the_picker() {
    let mut state = state();
    state.favorites =
        vec![target("openai", "gpt-4o"), target("local", "qwen"), target("openai", "o3")];
    press(&mut state, KeyCode::F(2), KeyModifiers::NONE);
    assert_eq!(state.target, target("openai", "gpt-4o"), "not a favorite: the first");
    assert!(state.popup.is_none());
    press(&mut state, KeyCode::F(2), KeyModifiers::NONE);
    assert_eq!(state.target, target("local", "qwen"));
    assert_eq!(
        state.notice.as_deref(),
        Some("favorite 2/3: model: qwen on local (the next reply uses it)")
    );
    press(&mut state, KeyCode::F(2), KeyModifiers::NONE);
    press(&mut state, KeyCode::F(2), KeyModifiers::NONE);
    assert_eq!(state.target, target("openai", "gpt-4o"), "wraps around");
    press(&mut state, KeyCode::F(2), KeyModifiers::SHIFT);
    assert_eq!(state.target, target("openai", "o3"), "Shift+F2 goes back, wrapping");
    press(&mut state, KeyCode::F(14), KeyModifiers::NONE);
    assert_eq!(state.target, target("local", "qwen"), "F14 is Shift+F2 on some terminals");
}

#[test]
fn f2_without_favorites_says_how_to_add_them() {
    let mut state = state();
    assert!(press(&mut state, KeyCode::F(2), KeyModifiers::NONE).is_empty());
    assert!(state.notice.as_deref().unwrap().contains("favorites ="));
    assert_eq!(state.target, target("openai", "gpt-4o-mini"));
}

fn stored(provider: &str, model: &str) -> StoredConversation {
    StoredConversation {
        draft: String::new(),
        id: 3,
        title: "old chat".into(),
        system_prompt: String::new(),
        provider: provider.into(),
        base_url: None,
        model: model.into(),
        params: r#"{"temperature":0.2}"#.into(),
        tools: None,
        messages: vec![],
        other_branches: vec![],
    }
}

#[test]
fn reopening_a_conversation_goes_back_to_its_provider_model_and_parameters() {
    let mut state = state();
    update(
        &mut state,
        Msg::Stored(StoreEvent::Loaded(Ok(Box::new(stored("local", "qwen-coder"))))),
    );
    assert_eq!(state.target, target("local", "qwen-coder"));
    assert_eq!(state.conversation.params.temperature, Some(0.2));
    assert_eq!(state.notice.as_deref(), Some("opened: old chat · qwen-coder on local"));
}

#[test]
fn reopening_a_conversation_of_a_removed_provider_keeps_the_current_one_and_says_so() {
    let mut state = state();
    update(&mut state, Msg::Stored(StoreEvent::Loaded(Ok(Box::new(stored("gone", "x"))))));
    assert_eq!(state.target, target("openai", "gpt-4o-mini"));
    assert_eq!(
        state.notice.as_deref(),
        Some(
            "opened: old chat (it used provider `gone`, which is no longer configured; staying on openai)"
        )
    );
}

/// A llama-server given by its URL alone (`--base-url`), its model the default provider's.
fn guessed() -> State {
    let mut state = State::new(target("127.0.0.1:8080", "gpt-4o-mini"), String::new(), false);
    state.counting.load_on_first_use();
    state.guessed_model = true;
    state
}

fn served(state: &mut State, provider: &str, ids: &[&str]) -> Vec<Effect> {
    let list = ids.iter().map(|id| crate::api::models::ModelInfo {
        id: (*id).into(),
        context_window: None,
        price: None,
    });
    update(state, Msg::ModelsListed { provider: provider.into(), result: Ok(list.collect()) })
}

#[test]
fn a_server_given_without_a_model_is_asked_and_its_model_is_used() {
    let mut state = guessed();
    let effects = update(&mut state, Msg::Start);
    let fetch = Effect::FetchModels { provider: "127.0.0.1:8080".into() };
    assert!(effects.contains(&fetch), "{effects:?}");
    let effects = served(&mut state, "127.0.0.1:8080", &["tiny-llama"]);
    assert_eq!(state.target, target("127.0.0.1:8080", "tiny-llama"));
    assert!(
        state.notice.as_deref().is_some_and(|n| n.contains("tiny-llama")),
        "{:?}",
        state.notice
    );
    // Its window and counting are asked for the model it serves, not the guess.
    let asked = effects
        .iter()
        .any(|e| matches!(e, Effect::AskServer { model, .. } if model == "tiny-llama"));
    assert!(asked, "{effects:?}");
}

#[test]
fn a_guess_the_server_serves_stays_and_a_chosen_model_is_never_replaced() {
    let mut state = guessed();
    update(&mut state, Msg::Start);
    served(&mut state, "127.0.0.1:8080", &["llama3.2", "gpt-4o-mini"]);
    assert_eq!(state.target.model, "gpt-4o-mini");
    assert!(!state.guessed_model);

    // `--model` (or a reopened conversation's model): nothing is asked, nothing replaced.
    let mut chosen = guessed();
    chosen.guessed_model = false;
    let effects = update(&mut chosen, Msg::Start);
    assert!(!effects.iter().any(|e| matches!(e, Effect::FetchModels { .. })), "{effects:?}");
    served(&mut chosen, "127.0.0.1:8080", &["tiny-llama"]);
    assert_eq!(chosen.target.model, "gpt-4o-mini");
}

#[test]
fn a_model_picked_before_the_list_arrives_is_kept() {
    let mut state = guessed();
    update(&mut state, Msg::Start);
    switch(&mut state, target("127.0.0.1:8080", "qwen3:4b"));
    served(&mut state, "127.0.0.1:8080", &["tiny-llama"]);
    assert_eq!(state.target.model, "qwen3:4b");
}

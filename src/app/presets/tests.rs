//! Presets in the app, driven through `update` by keys: offered by Ctrl+N, applied to the
//! request body and the store, and saved from a conversation.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyModifiers};

use super::Presets;
use crate::app::msg::ApiEvent;
use crate::app::msg::Effect;
use crate::app::state::{Popup, State};
use crate::app::update::tests::{api, delta, key, saves, send, sent_messages, state, type_text};
use crate::chat::params::RequestParams;
use crate::chat::preset::{Preset, Turn};
use crate::chat::{RequestMessage, Role};
use crate::store::writer::StoreCmd;

fn translator() -> Preset {
    Preset {
        description: Some("English to French".into()),
        system_prompt: Some("Translate into French.".into()),
        turns: vec![Turn { user: Some("Good morning".into()), assistant: Some("Bonjour".into()) }],
        params: RequestParams { temperature: Some(0.0), ..Default::default() },
        ..Default::default()
    }
}

fn with_presets() -> State {
    let mut state = state();
    state.catalog.provider_mut("local").default_model = "tiny".into();
    let config = BTreeMap::from([("translator".to_owned(), translator())]);
    let saved = vec![("shell".to_owned(), Preset::default().to_json())];
    state.presets = Presets::new(&config, &saved);
    state
}

fn request(effects: &[Effect]) -> (&[RequestMessage], &RequestParams) {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::StartRequest { messages, params, .. } => Some((&messages[..], params)),
            _ => None,
        })
        .expect("a request")
}

#[test]
fn ctrl_n_offers_the_presets_and_one_picked_shapes_the_next_request_and_the_store() {
    let mut state = with_presets();
    key(&mut state, KeyCode::Char('n'), KeyModifiers::CONTROL);
    assert!(matches!(state.popup, Some(Popup::Presets(_))), "blank, shell, translator");
    key(&mut state, KeyCode::Down, KeyModifiers::NONE);
    key(&mut state, KeyCode::Down, KeyModifiers::NONE);
    key(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    assert!(state.popup.is_none());
    assert_eq!(state.notice.as_deref(), Some("preset translator: tiny on local"));
    let effects = send(&mut state, "Thank you");
    let (messages, params) = request(&effects);
    let sent: Vec<(Role, &str)> = messages.iter().map(|m| (m.role, m.content.as_str())).collect();
    assert_eq!(
        sent,
        [
            (Role::System, "Translate into French."),
            (Role::User, "Good morning"),
            (Role::Assistant, "Bonjour"),
            (Role::User, "Thank you"),
        ]
    );
    assert_eq!(params.temperature, Some(0.0));
    // The example turns reach the store with the conversation, before the prompt.
    let stored: Vec<(Role, &str, bool)> = saves(&effects)
        .into_iter()
        .filter_map(|c| match c {
            StoreCmd::AddMessage { fields, .. } => {
                Some((fields.role, fields.content.as_str(), fields.authored))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        stored,
        [
            (Role::User, "Good morning", false),
            (Role::Assistant, "Bonjour", true),
            (Role::User, "Thank you", false),
        ]
    );
    assert!(saves(&effects).iter().any(|c| matches!(
        c,
        StoreCmd::CreateConversation { title, system_prompt, .. }
            if title == "Thank you" && system_prompt == "Translate into French."
    )));
}

fn answered(state: &mut State) {
    let (id, _) = sent_messages(&send(state, "hello"));
    api(state, id, delta("hi"));
    api(state, id, ApiEvent::Done);
}

#[test]
fn blank_is_first_and_esc_keeps_the_conversation() {
    let mut state = with_presets();
    answered(&mut state);
    key(&mut state, KeyCode::Char('n'), KeyModifiers::CONTROL);
    key(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(state.conversation.messages().len(), 2, "still the same conversation");
    key(&mut state, KeyCode::Char('n'), KeyModifiers::CONTROL);
    key(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    assert!(state.conversation.messages().is_empty());
    assert_eq!(state.conversation.system, "You are a helpful assistant");
}

#[test]
fn without_presets_ctrl_n_starts_at_once() {
    let mut state = state();
    answered(&mut state);
    key(&mut state, KeyCode::Char('n'), KeyModifiers::CONTROL);
    assert!(state.popup.is_none());
    assert!(state.conversation.messages().is_empty());
}

#[test]
fn a_conversation_is_saved_as_a_preset_under_a_name_typed() {
    let mut state = with_presets();
    state.conversation.system = "Answer in one shell command.".into();
    type_text(&mut state, "list files");
    key(&mut state, KeyCode::Char('u'), KeyModifiers::ALT);
    type_text(&mut state, "ls -la");
    key(&mut state, KeyCode::Char('a'), KeyModifiers::ALT);
    state.conversation.params.temperature = Some(0.2);
    // From the palette: `/save preset`.
    key(&mut state, KeyCode::Char('/'), KeyModifiers::NONE);
    type_text(&mut state, "save preset");
    key(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    assert!(matches!(state.popup, Some(Popup::SavePreset(_))));
    type_text(&mut state, "translator");
    key(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    assert!(state.notice.as_deref().unwrap().contains("the config defines a preset translator"));
    assert!(matches!(state.popup, Some(Popup::SavePreset(_))), "the name can be changed");
    for _ in 0.."translator".len() {
        key(&mut state, KeyCode::Backspace, KeyModifiers::NONE);
    }
    type_text(&mut state, "sh");
    let effects = key(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    assert!(state.popup.is_none());
    let [StoreCmd::SavePreset { name, body }] = &saves(&effects)[..] else { panic!("{effects:?}") };
    assert_eq!(name, "sh");
    let saved = Preset::from_json(body).unwrap();
    assert_eq!(saved.system_prompt.as_deref(), Some("Answer in one shell command."));
    assert_eq!(
        saved.turns,
        [Turn { user: Some("list files".into()), assistant: Some("ls -la".into()) }]
    );
    assert_eq!(saved.model.as_deref(), Some("tiny"));
    assert_eq!(saved.params.temperature, Some(0.2));
    assert_eq!(state.presets.named.get("sh"), Some(&saved), "Ctrl+N offers it at once");
}

#[test]
fn a_damaged_saved_preset_is_left_out_and_the_config_wins_a_name() {
    let config = BTreeMap::from([("a".to_owned(), translator())]);
    let saved = vec![
        ("a".to_owned(), Preset::default().to_json()),
        ("broken".to_owned(), "{".to_owned()),
        ("b".to_owned(), Preset::default().to_json()),
    ];
    let presets = Presets::new(&config, &saved);
    assert_eq!(presets.named.keys().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(presets.named["a"], translator());
}

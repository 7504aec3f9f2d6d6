//! Presets in the app: Ctrl+N offers them when there are any (a blank conversation first),
//! a preset picked starts the new conversation with its system message, few-shot turns,
//! model and parameters, and `/save preset` keeps the conversation on screen as one under a
//! name typed in a small popup. `rockchat --preset NAME` starts with one the same way.
//!
//! Pure, like `update`: saving is a store effect; the few-shot turns of a preset reach the
//! store with the conversation, at its first prompt (`turn::ensure_saved`).

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent};

use super::editor;
use super::msg::Effect;
use super::state::{Popup, State, Target};
use crate::chat::preset::Preset;
use crate::store::writer::StoreCmd;

/// The presets known to the app, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Presets {
    pub named: BTreeMap<String, Preset>,
    /// Names the config defines: saving under one of them is refused (the file would win
    /// the next time rockchat starts).
    pub from_config: std::collections::BTreeSet<String>,
}

impl Presets {
    /// The config's presets and those saved in the store (a damaged saved one is left out,
    /// with the reason in the log; a saved one never replaces the config's).
    pub fn new(config: &BTreeMap<String, Preset>, saved: &[(String, String)]) -> Self {
        let mut named = config.clone();
        for (name, body) in saved {
            match Preset::from_json(body) {
                Ok(preset) => {
                    named.entry(name.clone()).or_insert(preset);
                }
                Err(why) => tracing::warn!(%name, %why, "skipped a saved preset"),
            }
        }
        Self { named, from_config: config.keys().cloned().collect() }
    }
}

/// Ctrl+N with presets: the list to start from, the blank conversation first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PresetPicker {
    pub selected: usize,
}

/// Ctrl+N: the picker when there are presets; `None` when there are none (a blank
/// conversation starts at once).
pub fn offer(state: &mut State) -> Option<Vec<Effect>> {
    if state.presets.named.is_empty() {
        return None;
    }
    state.popup = Some(Popup::Presets(Box::default()));
    Some(Vec::new())
}

/// A key in the picker: Up/Down move, Enter starts, Esc closes. `Some(name)` (or `Some(None)`
/// for a blank one) when a conversation is to start.
pub fn on_picker_key(state: &mut State, key: KeyEvent) -> Option<Option<String>> {
    let Some(Popup::Presets(picker)) = &mut state.popup else { return None };
    let rows = state.presets.named.len() + 1;
    match key.code {
        KeyCode::Esc => state.popup = None,
        KeyCode::Up => picker.selected = picker.selected.saturating_sub(1),
        KeyCode::Down => picker.selected = (picker.selected + 1).min(rows - 1),
        KeyCode::Enter => {
            let selected = picker.selected;
            state.popup = None;
            return Some(match selected {
                0 => None,
                n => state.presets.named.keys().nth(n - 1).cloned(),
            });
        }
        _ => {}
    }
    None
}

/// Makes the new, empty conversation on screen start as `name` says: its system message,
/// its turns (stored with the conversation at its first prompt), its provider and model when
/// configured, and its parameters.
pub fn apply(state: &mut State, name: &str) -> Vec<Effect> {
    let Some(preset) = state.presets.named.get(name).cloned() else {
        state.notice = Some(format!("no preset named {name}"));
        return Vec::new();
    };
    let mut notes = Vec::new();
    if let Some(system) = &preset.system_prompt {
        state.conversation.system = system.clone();
    }
    for message in preset.messages(&mut state.keys) {
        state.conversation.push(message);
    }
    state.conversation.params = preset.params.clone();
    match preset.provider.clone().filter(|p| *p != state.target.provider) {
        // Another provider, when this config has it: its default model unless one is named.
        Some(provider) => match state.catalog.providers.get(&provider) {
            Some(known) => {
                let model = preset.model.clone().unwrap_or_else(|| known.default_model.clone());
                state.target = Target { provider, model };
            }
            None => notes.push(format!("its provider `{provider}` is not configured")),
        },
        None => {
            if let Some(model) = &preset.model {
                state.target.model = model.clone();
            }
        }
    }
    state.notice = Some(match notes.is_empty() {
        true => format!("preset {name}: {} on {}", state.target.model, state.target.provider),
        false => format!("preset {name} ({})", notes.join("; ")),
    });
    Vec::new()
}

/// `/save preset`: asks for a name.
pub fn ask_name(state: &mut State) -> Vec<Effect> {
    state.popup = Some(Popup::SavePreset(Box::default()));
    Vec::new()
}

/// A key in the name popup: Enter saves, Esc cancels; the rest edits the name.
pub fn on_name_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(Popup::SavePreset(editor)) = &mut state.popup else { return Vec::new() };
    match key.code {
        KeyCode::Esc => state.popup = None,
        KeyCode::Enter => {
            let name = editor.text().trim().to_owned();
            return save(state, name);
        }
        _ => {
            editor::on_key(editor, &key, usize::MAX);
        }
    }
    Vec::new()
}

/// Keeps the conversation on screen as preset `name`; a bad name keeps the popup open with
/// the reason in the status line.
pub fn save(state: &mut State, name: String) -> Vec<Effect> {
    let fit = !name.is_empty()
        && name.chars().count() <= 40
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !fit {
        state.notice = Some("a preset name is letters, digits, - _ or . (40 at most)".into());
        return Vec::new();
    }
    if state.presets.from_config.contains(&name) {
        state.notice = Some(format!("the config defines a preset {name}: pick another name"));
        return Vec::new();
    }
    state.popup = None;
    let preset =
        Preset::from_conversation(&state.conversation, &state.target.provider, &state.target.model);
    let body = preset.to_json();
    state.notice = Some(format!("saved preset {name}: {} (Ctrl+N offers it)", preset.summary()));
    state.presets.named.insert(name.clone(), preset);
    vec![Effect::Store(StoreCmd::SavePreset { name, body })]
}

#[cfg(test)]
mod tests;

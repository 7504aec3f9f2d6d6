//! The model picker (Ctrl+P): the server's models (fetched once in the background), the
//! ones named in config, recently used first; type to filter, Enter switches. The next
//! request uses the new model; replies keep the name of the model that wrote them.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::msg::Effect;
use super::state::{Popup, State};
use crate::api::models::ModelInfo;

/// What is known about the current provider's models.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// From `GET /models`; `None` until fetched.
    pub server: Option<Vec<ModelInfo>>,
    /// Why the server's list could not be had (the configured list still works).
    pub error: Option<String>,
    /// From the provider's `models` in config.
    pub configured: Vec<String>,
    /// Most recent first.
    pub recent: Vec<String>,
}

impl Catalog {
    /// The window the server reported for `model`, if any.
    pub fn window(&self, model: &str) -> Option<usize> {
        self.server.as_ref()?.iter().find(|m| m.id == model)?.context_window
    }
}

#[derive(Debug, Clone, Default)]
pub struct Picker {
    pub query: String,
    pub selected: usize,
}

pub fn open(state: &mut State) -> Vec<Effect> {
    state.popup = Some(Popup::Models(Box::default()));
    if state.catalog.server.is_none() && state.catalog.error.is_none() {
        return vec![Effect::FetchModels];
    }
    Vec::new()
}

pub fn listed(state: &mut State, result: Result<Vec<ModelInfo>, String>) {
    match result {
        Ok(models) => state.catalog.server = Some(models),
        Err(error) => state.catalog.error = Some(error),
    }
}

/// Every model on offer, recent first, then config, then the server; filtered by `query`
/// (the letters in order, case ignored), closer matches first.
pub fn candidates(state: &State, query: &str) -> Vec<String> {
    let catalog = &state.catalog;
    let server = catalog.server.iter().flatten().map(|m| m.id.clone());
    let mut all: Vec<String> = Vec::new();
    let current = std::iter::once(state.target.model.clone());
    for id in catalog
        .recent
        .iter()
        .cloned()
        .chain(current)
        .chain(catalog.configured.iter().cloned())
        .chain(server)
    {
        if !all.contains(&id) {
            all.push(id);
        }
    }
    let mut scored: Vec<(usize, usize, String)> = all
        .into_iter()
        .enumerate()
        .filter_map(|(order, id)| score(&id, query).map(|s| (s, order, id)))
        .collect();
    scored.sort();
    scored.into_iter().map(|(.., id)| id).collect()
}

/// Lower is better; `None` when the letters of `query` are not all in `id`, in order.
fn score(id: &str, query: &str) -> Option<usize> {
    if query.is_empty() {
        return Some(0);
    }
    let id = id.to_lowercase();
    let query = query.to_lowercase();
    if id.contains(&query) {
        return Some(if id.starts_with(&query) { 0 } else { 1 });
    }
    let mut rest = id.chars();
    let all_found = query.chars().all(|q| rest.any(|c| c == q));
    all_found.then_some(2)
}

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(Popup::Models(picker)) = &mut state.popup else { return Vec::new() };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => state.popup = None,
        KeyCode::Char('p') if ctrl => state.popup = None,
        KeyCode::Up => picker.selected = picker.selected.saturating_sub(1),
        KeyCode::Down => picker.selected += 1,
        KeyCode::Backspace => {
            picker.query.pop();
            picker.selected = 0;
        }
        KeyCode::Char(c) if !ctrl => {
            picker.query.push(c);
            picker.selected = 0;
        }
        KeyCode::Enter => {
            let query = picker.query.clone();
            let selected = picker.selected;
            let choices = candidates(state, &query);
            let chosen = choices.get(selected.min(choices.len().saturating_sub(1))).cloned();
            // A name typed that the list does not have is taken as it is: servers often
            // serve models they do not list.
            let chosen =
                chosen.or_else(|| (!query.trim().is_empty()).then(|| query.trim().to_owned()));
            state.popup = None;
            if let Some(model) = chosen {
                switch(state, model);
            }
        }
        _ => {}
    }
    Vec::new()
}

pub fn switch(state: &mut State, model: String) {
    state.catalog.recent.retain(|m| *m != model);
    state.catalog.recent.insert(0, model.clone());
    state.notice = Some(format!("model: {model} (the next reply uses it)"));
    state.target.model = model;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::msg::Msg;
    use crate::app::state::Target;
    use crate::app::update;

    fn state() -> State {
        let target = Target { provider: "p".into(), model: "gpt-4o-mini".into() };
        let mut state = State::new(target, String::new(), false);
        state.catalog.configured = vec!["gpt-4.1".into()];
        state
    }

    fn press(state: &mut State, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
        update(state, Msg::Key(KeyEvent::new(code, modifiers)))
    }

    fn server(ids: &[&str]) -> Vec<ModelInfo> {
        ids.iter().map(|id| ModelInfo { id: (*id).into(), context_window: None }).collect()
    }

    #[test]
    fn ctrl_p_fetches_the_list_once_and_typing_filters_it() {
        let mut state = state();
        assert_eq!(
            press(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL),
            [Effect::FetchModels]
        );
        update(&mut state, Msg::ModelsListed(Ok(server(&["o3-mini", "gpt-4o", "llama-3.1-8b"]))));
        // Current and configured first, then the server's in its own order.
        assert_eq!(
            candidates(&state, ""),
            ["gpt-4o-mini", "gpt-4.1", "o3-mini", "gpt-4o", "llama-3.1-8b"]
        );
        assert_eq!(candidates(&state, "l38"), ["llama-3.1-8b"]);
        assert_eq!(candidates(&state, "4o"), ["gpt-4o-mini", "gpt-4o"]);
        press(&mut state, KeyCode::Esc, KeyModifiers::NONE);
        assert!(press(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL).is_empty(), "cached");
    }

    #[test]
    fn enter_switches_the_model_for_the_next_request_and_it_becomes_recent() {
        let mut state = state();
        press(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL);
        update(&mut state, Msg::ModelsListed(Ok(server(&["o3-mini"]))));
        for c in "o3".chars() {
            press(&mut state, KeyCode::Char(c), KeyModifiers::NONE);
        }
        press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(state.target.model, "o3-mini");
        assert_eq!(candidates(&state, "")[0], "o3-mini");
        update(&mut state, Msg::Paste("hi".into()));
        let effects = press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::StartRequest { model, .. } if model == "o3-mini"))
        );
    }

    #[test]
    fn a_server_without_a_list_still_offers_the_configured_models() {
        let mut state = state();
        press(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL);
        update(&mut state, Msg::ModelsListed(Err("HTTP 404: not found".into())));
        assert_eq!(candidates(&state, ""), ["gpt-4o-mini", "gpt-4.1"]);
        for c in "my-custom-model".chars() {
            press(&mut state, KeyCode::Char(c), KeyModifiers::NONE);
        }
        press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(state.target.model, "my-custom-model", "an unlisted name is taken as typed");
    }
}

//! The model picker (Ctrl+P): the models of every provider the user can reach, grouped by
//! provider (the current one first). Each provider's `/models` is fetched in the background
//! the first time the picker opens, never blocking typing; what config names is there
//! at once. Recently used first; type to filter; Enter switches, the provider too when the
//! model belongs to another one. The next request uses the new target; replies keep the
//! name of the model that wrote them.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::msg::Effect;
use super::state::{Popup, State, Target};
use super::target;
use crate::api::ApiError;
use crate::api::models::ModelInfo;

/// What is known about one provider's models.
#[derive(Debug, Clone, Default)]
pub struct ProviderModels {
    /// Its default model.
    pub default_model: String,
    /// From `GET /models`; `None` until fetched.
    pub server: Option<Vec<ModelInfo>>,
    /// Why the server's list could not be had (the configured list still works), short.
    pub error: Option<String>,
    /// The server could not be reached: a local server that is not running. Such a
    /// provider is left out of the picker unless it is the current one.
    pub unreachable: bool,
    /// A fetch is under way.
    pub fetching: bool,
    /// From the provider's `models` in config.
    pub configured: Vec<String>,
    /// Listed in the picker: it has a key or needs none. A provider not offered can still
    /// be the target of a reopened conversation.
    pub offered: bool,
}

/// Every provider the app can talk to, and what each serves.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub providers: BTreeMap<String, ProviderModels>,
    /// Most recent first.
    pub recent: Vec<Target>,
}

impl Catalog {
    /// The window `provider`'s server reported for `model`, if any.
    pub fn window(&self, provider: &str, model: &str) -> Option<usize> {
        let server = self.providers.get(provider)?.server.as_ref()?;
        server.iter().find(|m| m.id == model)?.context_window
    }

    /// The price `provider`'s server lists for `model`, if it lists one.
    pub fn price(&self, provider: &str, model: &str) -> Option<crate::chat::price::Price> {
        let server = self.providers.get(provider)?.server.as_ref()?;
        server.iter().find(|m| m.id == model)?.price
    }

    /// Whether more than one provider's list (its server's, or its configured one) has a
    /// model named `model`.
    pub fn at_several(&self, model: &str) -> bool {
        let lists = |models: &ProviderModels| {
            models.configured.iter().any(|m| m == model)
                || models.server.as_ref().is_some_and(|list| list.iter().any(|m| m.id == model))
        };
        self.providers.values().filter(|models| lists(models)).take(2).count() > 1
    }

    /// The entry for `provider`, made when first needed (a provider named by a flag).
    pub fn provider_mut(&mut self, provider: &str) -> &mut ProviderModels {
        self.providers.entry(provider.to_owned()).or_default()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Picker {
    pub query: String,
    pub selected: usize,
}

/// Opens the picker and asks for every offered provider's list not fetched yet.
pub fn open(state: &mut State) -> Vec<Effect> {
    state.popup = Some(Popup::Models(Box::default()));
    let current = state.target.provider.clone();
    state.catalog.provider_mut(&current);
    fetch_lists(state, |name, models| models.offered || name == current)
}

/// Asks for the lists of the providers `wanted` picks that are not fetched, failed or
/// being fetched.
pub fn fetch_lists(
    state: &mut State,
    wanted: impl Fn(&str, &ProviderModels) -> bool,
) -> Vec<Effect> {
    let mut effects = Vec::new();
    for (name, models) in &mut state.catalog.providers {
        let idle = models.server.is_none() && models.error.is_none() && !models.fetching;
        if idle && wanted(name, models) {
            models.fetching = true;
            effects.push(Effect::FetchModels { provider: name.clone() });
        }
    }
    effects
}

/// Closes the picker. A list still being fetched is no longer wanted, so its fetch stops
/// (the next open asks again) rather than reading a slow server on for nobody.
fn close(state: &mut State) -> Vec<Effect> {
    state.popup = None;
    let mut stopped = false;
    for models in state.catalog.providers.values_mut() {
        stopped |= std::mem::take(&mut models.fetching);
    }
    if stopped { vec![Effect::StopModelFetches] } else { Vec::new() }
}

pub fn listed(state: &mut State, provider: String, result: Result<Vec<ModelInfo>, ApiError>) {
    let models = state.catalog.provider_mut(&provider);
    models.fetching = false;
    match result {
        Ok(list) => models.server = Some(list),
        Err(error) => {
            models.unreachable = matches!(error, ApiError::Network { .. });
            models.error = Some(short_reason(&error));
        }
    }
}

/// A failed list's reason in a few words for the picker's heading: the status, or the
/// first clause of a network error, not a quoted HTML page.
fn short_reason(error: &ApiError) -> String {
    let text = match error {
        ApiError::Auth { status, .. }
        | ApiError::ContextOverflow { status, .. }
        | ApiError::ImagesRefused { status, .. }
        | ApiError::Http { status, .. } => return format!("HTTP {status}"),
        ApiError::NotFound { .. } => return "HTTP 404".to_owned(),
        ApiError::RateLimited { .. } => return "HTTP 429".to_owned(),
        other => other.to_string(),
    };
    let first = text.split(" (").next().unwrap_or(&text);
    let mut short: String = first.chars().take(48).collect();
    if first.chars().count() > 48 {
        short.push('…');
    }
    short
}

/// The providers in the order the picker shows them: the current one, then the others
/// offered, by name.
pub fn provider_order(state: &State) -> Vec<String> {
    let current = &state.target.provider;
    let others = state
        .catalog
        .providers
        .iter()
        .filter(|(name, models)| models.offered && !models.unreachable && *name != current)
        .map(|(name, _)| name.clone());
    std::iter::once(current.clone()).chain(others).collect()
}

/// Every model on offer, grouped by provider (`provider_order`); within a group recent
/// first, then the current and default model, config, then the server's list. Filtered by
/// `query` (the letters in order, case ignored, against the model or `provider/model`),
/// closer matches first within a group.
pub fn candidates(state: &State, query: &str) -> Vec<Target> {
    let mut chosen = Vec::new();
    for (group, provider) in provider_order(state).into_iter().enumerate() {
        let models = state.catalog.providers.get(&provider);
        let recent = state.catalog.recent.iter().filter(|t| t.provider == provider);
        let mut ids: Vec<String> = recent.map(|t| t.model.clone()).collect();
        if provider == state.target.provider {
            ids.push(state.target.model.clone());
        }
        if let Some(models) = models {
            ids.push(models.default_model.clone());
            ids.extend(models.configured.iter().cloned());
            ids.extend(models.server.iter().flatten().map(|m| m.id.clone()));
        }
        let mut seen = Vec::new();
        for (order, id) in ids.into_iter().enumerate() {
            if id.is_empty() || seen.contains(&id) {
                continue;
            }
            seen.push(id.clone());
            let qualified = format!("{provider}/{id}");
            let matched = score(&id, query).or_else(|| score(&qualified, query).map(|s| s + 3));
            if let Some(score) = matched {
                chosen.push((
                    (group, score, order),
                    Target { provider: provider.clone(), model: id },
                ));
            }
        }
    }
    chosen.sort_by_key(|(rank, _)| *rank);
    chosen.into_iter().map(|(_, target)| target).collect()
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
        KeyCode::Esc => return close(state),
        KeyCode::Char('p') if ctrl => return close(state),
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
            // A name typed that the list does not have is taken as it is, on the current
            // provider: servers often serve models they do not list.
            let chosen = chosen.or_else(|| {
                let typed = query.trim();
                (!typed.is_empty()).then(|| Target {
                    provider: state.target.provider.clone(),
                    model: typed.to_owned(),
                })
            });
            let mut effects = close(state);
            if let Some(chosen) = chosen {
                effects.extend(target::switch(state, chosen));
            }
            return effects;
        }
        _ => {}
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::msg::Msg;
    use crate::app::update;
    use crate::store::writer::StoreCmd;

    pub(crate) fn target(provider: &str, model: &str) -> Target {
        Target { provider: provider.into(), model: model.into() }
    }

    /// Current: `p` serving gpt-4o-mini with gpt-4.1 configured; `local` offered (no key
    /// needed); `paid` configured but without a key, so not offered.
    pub(crate) fn state() -> State {
        let mut state = State::new(target("p", "gpt-4o-mini"), String::new(), false);
        state.counting.load_on_first_use();
        let p = state.catalog.provider_mut("p");
        p.default_model = "gpt-4o-mini".into();
        p.configured = vec!["gpt-4.1".into()];
        p.offered = true;
        let local = state.catalog.provider_mut("local");
        local.default_model = "qwen".into();
        local.offered = true;
        state.catalog.provider_mut("paid").default_model = "big".into();
        state
    }

    fn press(state: &mut State, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
        update(state, Msg::Key(KeyEvent::new(code, modifiers)))
    }

    fn server(ids: &[&str]) -> Vec<ModelInfo> {
        ids.iter()
            .map(|id| ModelInfo { id: (*id).into(), context_window: None, price: None })
            .collect()
    }

    fn listed(state: &mut State, provider: &str, result: Result<Vec<ModelInfo>, ApiError>) {
        update(state, Msg::ModelsListed { provider: provider.into(), result });
    }

    fn models(choices: &[Target]) -> Vec<String> {
        choices.iter().map(|t| format!("{}/{}", t.provider, t.model)).collect()
    }

    #[test]
    fn ctrl_p_fetches_each_offered_providers_list_once_and_typing_filters_it() {
        let mut state = state();
        let effects = press(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL);
        assert_eq!(
            effects,
            [
                Effect::FetchModels { provider: "local".into() },
                Effect::FetchModels { provider: "p".into() }
            ]
        );
        listed(&mut state, "p", Ok(server(&["o3-mini", "gpt-4o", "llama-3.1-8b"])));
        // Current and configured first, then the server's in its own order; then the
        // other offered providers, grouped; `paid` has no key and is not listed.
        assert_eq!(
            models(&candidates(&state, "")),
            ["p/gpt-4o-mini", "p/gpt-4.1", "p/o3-mini", "p/gpt-4o", "p/llama-3.1-8b", "local/qwen"]
        );
        assert_eq!(models(&candidates(&state, "l38")), ["p/llama-3.1-8b"]);
        assert_eq!(models(&candidates(&state, "4o")), ["p/gpt-4o-mini", "p/gpt-4o"]);
        assert_eq!(models(&candidates(&state, "local/")), ["local/qwen"]);
        // `local` never answered: closing stops its fetch, and opening again asks again;
        // `p`'s list is kept.
        assert_eq!(press(&mut state, KeyCode::Esc, KeyModifiers::NONE), [Effect::StopModelFetches]);
        assert_eq!(
            press(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL),
            [Effect::FetchModels { provider: "local".into() }]
        );
        listed(&mut state, "local", Ok(server(&["qwen"])));
        assert!(press(&mut state, KeyCode::Esc, KeyModifiers::NONE).is_empty(), "nothing to stop");
        assert!(press(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL).is_empty(), "cached");
    }

    #[test]
    fn choosing_a_model_before_the_lists_arrive_stops_their_fetches() {
        let mut state = state();
        press(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL);
        let effects = press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(effects.first(), Some(&Effect::StopModelFetches), "{effects:?}");
        assert!(state.popup.is_none());
    }

    #[test]
    fn typing_goes_on_while_the_lists_are_fetched() {
        let mut state = state();
        press(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL);
        for c in "qw".chars() {
            press(&mut state, KeyCode::Char(c), KeyModifiers::NONE);
        }
        assert_eq!(models(&candidates(&state, "qw")), ["local/qwen"]);
        listed(&mut state, "local", Ok(server(&["qwen", "qwen-coder"])));
        assert_eq!(models(&candidates(&state, "qw")), ["local/qwen", "local/qwen-coder"]);
    }

    #[test]
    fn enter_switches_the_model_for_the_next_request_and_it_becomes_recent() {
        let mut state = state();
        press(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL);
        listed(&mut state, "p", Ok(server(&["o3-mini"])));
        for c in "o3".chars() {
            press(&mut state, KeyCode::Char(c), KeyModifiers::NONE);
        }
        press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(state.target, target("p", "o3-mini"));
        assert_eq!(candidates(&state, "")[0], target("p", "o3-mini"));
        update(&mut state, Msg::Paste("hi".into()));
        let effects = press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::StartRequest { model, .. } if model == "o3-mini"))
        );
    }

    #[test]
    fn a_model_of_another_provider_switches_the_provider_and_is_remembered() {
        let mut state = state();
        state.conversation.saved = true;
        press(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL);
        listed(&mut state, "local", Ok(server(&["qwen-coder"])));
        listed(&mut state, "p", Ok(server(&[])));
        for c in "coder".chars() {
            press(&mut state, KeyCode::Char(c), KeyModifiers::NONE);
        }
        let effects = press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(state.target, target("local", "qwen-coder"));
        assert_eq!(
            state.notice.as_deref(),
            Some("model: qwen-coder on local (the next reply uses it)")
        );
        assert_eq!(
            effects,
            [
                Effect::Store(StoreCmd::SetTarget {
                    conversation: state.conversation.key,
                    provider: "local".into(),
                    model: "qwen-coder".into()
                }),
                // The new model's window is asked of its server.
                Effect::AskServer { provider: "local".into(), model: "qwen-coder".into() }
            ]
        );
        update(&mut state, Msg::Paste("hi".into()));
        let effects = press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
        assert!(effects.iter().any(|e| matches!(
            e,
            Effect::StartRequest { provider, model, .. } if provider == "local" && model == "qwen-coder"
        )));
    }

    #[test]
    fn a_server_without_a_list_still_offers_the_configured_models() {
        let mut state = state();
        press(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL);
        let missing = ApiError::Http {
            status: 501,
            message: "<html>Unsupported method</html>".into(),
            retry_after: None,
        };
        listed(&mut state, "p", Err(missing));
        assert_eq!(models(&candidates(&state, "")), ["p/gpt-4o-mini", "p/gpt-4.1", "local/qwen"]);
        assert_eq!(state.catalog.providers["p"].error.as_deref(), Some("HTTP 501"));
        let refused = "cannot connect to http://localhost:11434/v1 (Connection refused)";
        listed(&mut state, "local", Err(ApiError::Network { message: refused.into() }));
        assert_eq!(
            models(&candidates(&state, "")),
            ["p/gpt-4o-mini", "p/gpt-4.1"],
            "a local server that is not running is left out"
        );
        for c in "my-custom-model".chars() {
            press(&mut state, KeyCode::Char(c), KeyModifiers::NONE);
        }
        press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(
            state.target,
            target("p", "my-custom-model"),
            "an unlisted name is taken as typed"
        );
    }

    #[test]
    fn a_failed_lists_reason_is_its_status_or_the_first_words_of_what_went_wrong() {
        let key_hint = "it was read from ROCKAPI_API_KEY".to_owned();
        let overflow = ApiError::context_overflow(413, "context size (512 tokens)".into());
        let not_found =
            ApiError::NotFound { message: "no".into(), url: "u".into(), model: String::new() };
        let limited = ApiError::RateLimited { message: "slow".into(), retry_after: None };
        let refused = ApiError::Network {
            message: "cannot connect to http://localhost:11434/v1 (Connection refused)".into(),
        };
        let page = ApiError::Protocol { message: format!("{} (and more)", "x".repeat(60)) };
        let cases = [
            (ApiError::Auth { status: 403, message: "no".into(), key_hint }, "HTTP 403".to_owned()),
            (overflow, "HTTP 413".to_owned()),
            (not_found, "HTTP 404".to_owned()),
            (limited, "HTTP 429".to_owned()),
            (refused, "cannot connect to http://localhost:11434/v1".to_owned()),
            (page, format!("{}…", "x".repeat(48))),
        ];
        for (error, reason) in cases {
            assert_eq!(short_reason(&error), reason);
        }
    }
}

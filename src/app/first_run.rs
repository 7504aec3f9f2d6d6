//! The first run without a key: the default provider needs a key that is not set, so the
//! empty screen says which variable to set and offers the servers that answer without one
//! (Ollama, llama-server, LM Studio, vLLM on this machine, or any provider with a key),
//! each picked with one digit. The servers are asked for their models in the background,
//! through the picker's own fetches, so nothing waits for a server that is not running.
//! Pure, called from `update`.

use super::msg::Effect;
use super::state::{State, Target};

/// Why the default provider cannot be used yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstRun {
    pub provider: String,
    /// The variable its key is read from, when it names one.
    pub variable: Option<String>,
    /// The providers to ask: those that need no key or have one at hand (never one whose
    /// key a command prints, which may ask for a passphrase).
    pub candidates: Vec<String>,
}

/// At start: ask every provider that may be used for its models.
pub fn probe(state: &mut State) -> Vec<Effect> {
    let Some(first_run) = &state.first_run else { return Vec::new() };
    let candidates = first_run.candidates.clone();
    super::picker::fetch_lists(state, |name, _| candidates.iter().any(|c| c == name))
}

/// The servers found so far, in the order they are numbered: each provider that answered
/// with models, with the model it would use (its default when served, else the first).
pub fn offers(state: &State) -> Vec<Target> {
    let mut found = Vec::new();
    for (name, models) in &state.catalog.providers {
        let Some(served) = models.server.as_ref().filter(|list| models.offered && !list.is_empty())
        else {
            continue;
        };
        let default = served.iter().find(|m| m.id == models.default_model);
        let model = default.unwrap_or(&served[0]).id.clone();
        found.push(Target { provider: name.clone(), model });
    }
    found.truncate(9);
    found
}

/// Whether some server has not answered yet.
pub fn probing(state: &State) -> bool {
    state.catalog.providers.values().any(|models| models.fetching)
}

/// Whether the first-run screen is what the user sees: no conversation yet, nothing typed.
pub fn showing(state: &State) -> bool {
    state.first_run.is_some() && state.conversation.messages().is_empty() && state.input.is_empty()
}

/// A digit on the first-run screen picks that server: the conversation goes to it.
pub fn pick(state: &mut State, digit: char) -> Option<Vec<Effect>> {
    let index = digit.to_digit(10)?.checked_sub(1)?;
    let chosen = offers(state).into_iter().nth(usize::try_from(index).ok()?)?;
    state.first_run = None;
    let effects = super::target::switch(state, chosen.clone());
    state.notice = Some(format!("talking to {} at {}", chosen.model, chosen.provider));
    Some(effects)
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent};

    use super::*;
    use crate::api::ApiError;
    use crate::api::models::ModelInfo;
    use crate::app::msg::Msg;
    use crate::app::update::update;

    fn first_run() -> State {
        let target = Target { provider: "rockapi".into(), model: "gpt-4o-mini".into() };
        let mut state = State::new(target, "You are a helpful assistant".into(), false);
        for (name, offered) in [("rockapi", false), ("ollama", true), ("llamacpp", true)] {
            let models = state.catalog.provider_mut(name);
            models.offered = offered;
            models.default_model = "default".into();
        }
        state.first_run = Some(FirstRun {
            provider: "rockapi".into(),
            variable: Some("ROCKAPI_API_KEY".into()),
            candidates: vec!["ollama".into(), "llamacpp".into()],
        });
        state
    }

    fn listed(state: &mut State, provider: &str, models: &[&str]) {
        let list = models.iter().map(|id| ModelInfo {
            id: (*id).into(),
            context_window: None,
            price: None,
        });
        let result = Ok(list.collect());
        update(state, Msg::ModelsListed { provider: provider.into(), result });
    }

    #[test]
    fn at_start_the_servers_that_need_no_key_are_asked_for_their_models() {
        let mut state = first_run();
        let effects = update(&mut state, Msg::Start);
        for provider in ["ollama", "llamacpp"] {
            let fetch = Effect::FetchModels { provider: provider.into() };
            assert!(effects.contains(&fetch), "{provider} asked: {effects:?}");
        }
        let rockapi = Effect::FetchModels { provider: "rockapi".into() };
        assert!(!effects.contains(&rockapi), "not the one without its key");
        assert!(probing(&state));
    }

    #[test]
    fn a_digit_picks_a_server_that_answered_and_a_silent_one_is_not_offered() {
        let mut state = first_run();
        update(&mut state, Msg::Start);
        let down = ApiError::Network { message: "connection refused".into() };
        update(&mut state, Msg::ModelsListed { provider: "llamacpp".into(), result: Err(down) });
        listed(&mut state, "ollama", &["qwen3:4b", "llama3.2"]);
        let ollama = Target { provider: "ollama".into(), model: "qwen3:4b".into() };
        assert_eq!(offers(&state), std::slice::from_ref(&ollama));
        assert!(!probing(&state));
        update(&mut state, Msg::Key(KeyEvent::from(KeyCode::Char('2'))));
        assert_eq!(state.target.provider, "rockapi", "no second server: nothing picked");
        assert_eq!(state.input.text(), "", "and the digit is not typed");
        update(&mut state, Msg::Key(KeyEvent::from(KeyCode::Char('1'))));
        assert_eq!(state.target, ollama);
        assert!(state.first_run.is_none());
        assert!(state.input.is_empty(), "the digit picked, it was not typed");
        update(&mut state, Msg::Key(KeyEvent::from(KeyCode::Char('1'))));
        assert_eq!(state.input.text(), "1", "after the pick, digits type");
    }

    #[test]
    fn once_something_is_typed_digits_are_text() {
        let mut state = first_run();
        listed(&mut state, "ollama", &["llama3.2"]);
        update(&mut state, Msg::Key(KeyEvent::from(KeyCode::Char('x'))));
        update(&mut state, Msg::Key(KeyEvent::from(KeyCode::Char('1'))));
        assert_eq!(state.input.text(), "x1");
        assert_eq!(state.target.provider, "rockapi");
    }
}

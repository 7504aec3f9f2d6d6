//! Which provider and model the next request goes to, and every way it changes: the
//! picker, the favorites keys (F2 / Shift+F2), and reopening a conversation, which goes
//! back to the provider and model it was using. A switch is remembered with the
//! conversation. Pure, like `update`.

use super::msg::Effect;
use super::state::{State, Target};
use crate::store::writer::StoreCmd;

/// Makes `target` the one the next request uses, tells the user, and records it with the
/// conversation once it is stored.
pub fn switch(state: &mut State, target: Target) -> Vec<Effect> {
    state.guessed_model = false;
    state.catalog.recent.retain(|t| *t != target);
    state.catalog.recent.insert(0, target.clone());
    let moved = target.provider != state.target.provider;
    state.notice = Some(if moved {
        format!("model: {} on {} (the next reply uses it)", target.model, target.provider)
    } else {
        format!("model: {} (the next reply uses it)", target.model)
    });
    state.target = target;
    let mut effects = remember(state);
    effects.extend(super::server::ask(state));
    effects
}

/// At start, when the model is a guess (a server's URL given without one): ask that server
/// for the models it serves.
pub fn ask_served(state: &mut State) -> Vec<Effect> {
    if !state.guessed_model {
        return Vec::new();
    }
    let current = state.target.provider.clone();
    state.catalog.provider_mut(&current);
    super::picker::fetch_lists(state, |name, _| name == current)
}

/// The current server's models have arrived: a guessed model it does not serve gives way to
/// the first it lists (llama-server, llama-cpp-python and vLLM list the one they serve,
/// Ollama its newest). A guess it does serve stays; either way it is no longer a guess.
pub fn adopt_served(state: &mut State, provider: &str) -> Vec<Effect> {
    if !state.guessed_model || provider != state.target.provider {
        return Vec::new();
    }
    state.guessed_model = false;
    let served = state.catalog.providers.get(provider).and_then(|models| models.server.as_ref());
    let current = &state.target.model;
    let Some(first) = served
        .filter(|list| !list.iter().any(|model| model.id == *current))
        .and_then(|list| list.first())
    else {
        return Vec::new();
    };
    let target = Target { provider: provider.to_owned(), model: first.id.clone() };
    switch(state, target)
}

/// The store command that records the current target with the conversation, if stored.
fn remember(state: &State) -> Vec<Effect> {
    if !state.conversation.saved {
        return Vec::new();
    }
    vec![Effect::Store(StoreCmd::SetTarget {
        conversation: state.conversation.key,
        provider: state.target.provider.clone(),
        model: state.target.model.clone(),
    })]
}

/// A reopened conversation held on a server given by URL (`--base-url`), whose provider
/// (named by the host) is not known here: that server becomes a provider of its own again,
/// at the URL it remembers and with no key, since a key goes only to the provider it
/// belongs to. Returns the effect that makes it reachable; `restore` then goes back to it.
pub fn reach_again(state: &mut State, provider: &str, base_url: Option<&str>) -> Option<Effect> {
    let url = base_url.filter(|url| !url.is_empty())?;
    if provider.is_empty() || state.catalog.providers.contains_key(provider) {
        return None;
    }
    state.catalog.provider_mut(provider).offered = true;
    Some(Effect::AddServer { provider: provider.to_owned(), base_url: url.to_owned() })
}

/// A reopened conversation's provider and model become the target again, if that
/// provider is still configured; otherwise the current one stays and the returned note
/// says so. Rows from before providers were stored carry none and change nothing.
pub fn restore(state: &mut State, provider: &str, model: &str) -> Option<String> {
    if provider.is_empty() {
        return None;
    }
    let Some(known) = state.catalog.providers.get(provider) else {
        return Some(format!(
            "it used provider `{provider}`, which is no longer configured; staying on {}",
            state.target.provider
        ));
    };
    let model = if model.is_empty() { known.default_model.clone() } else { model.to_owned() };
    state.target = Target { provider: provider.to_owned(), model };
    None
}

/// The config's favorites as targets: `"provider/model"` when the part before the first
/// `/` names a configured provider, else a model of `default_provider` (so OpenRouter's
/// `openai/gpt-4o` stays one model name).
pub fn resolve_favorites(
    names: &[String],
    default_provider: &str,
    is_provider: impl Fn(&str) -> bool,
) -> Vec<Target> {
    names
        .iter()
        .filter(|name| !name.trim().is_empty())
        .map(|name| match name.split_once('/') {
            Some((provider, model)) if is_provider(provider) && !model.is_empty() => {
                Target { provider: provider.to_owned(), model: model.to_owned() }
            }
            _ => Target { provider: default_provider.to_owned(), model: name.trim().to_owned() },
        })
        .collect()
}

/// F2 (`forward`) and Shift+F2: the next or previous favorite, from the current target's
/// place in the list (or from its start when the target is not a favorite).
pub fn cycle_favorites(state: &mut State, forward: bool) -> Vec<Effect> {
    let count = state.favorites.len();
    if count == 0 {
        state.notice =
            Some("no favorites yet: add favorites = [\"provider/model\", …] to the config".into());
        return Vec::new();
    }
    let next = match state.favorites.iter().position(|t| *t == state.target) {
        Some(at) if forward => (at + 1) % count,
        Some(at) => (at + count - 1) % count,
        None if forward => 0,
        None => count - 1,
    };
    let chosen = state.favorites[next].clone();
    let effects = switch(state, chosen);
    if let Some(notice) = &mut state.notice {
        *notice = format!("favorite {}/{count}: {notice}", next + 1);
    }
    effects
}

#[cfg(test)]
mod tests;

//! What the app learns from the server about the model in use, and how the next request is
//! counted with it.
//!
//! At start and after every switch of provider or model the server is asked, in the
//! background, for its window, whether the model takes images, and whether it can count
//! tokens (`Effect::AskServer`). A server that counts (llama-server, vLLM) is then asked
//! for each message's tokens once, off the UI path (`Effect::CountTokens`), and the meter
//! becomes exact. A server that cannot is calibrated instead, from the `usage.prompt_tokens`
//! each reply reports and from an overflow's numbers. The window, the calibration and
//! "takes no images" are kept per provider and model (`State.learned`, saved to the store),
//! so a restart or `-c` starts from them. Pure, like `update`.

use std::collections::HashSet;

use super::msg::{Effect, RequestId};
use super::state::{State, Target};
use crate::api::facts::{ServerFacts, Tokenizer};
use crate::chat::Key;
use crate::chat::context::Request;
use crate::chat::learned::Learned;
use crate::chat::tally::{Precision, ServerCounts, Tally, Template};
use crate::store::writer::StoreCmd;

/// Something the server is asked to count.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Counted {
    /// A message's content, as it was at this length.
    Message { key: Key, len: usize },
    /// The system message with this text.
    System(String),
}

/// What the server counted: each item's tokens, and its template's (per message, per
/// request) when that was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountsAnswer {
    pub counts: Vec<(Counted, usize)>,
    pub template: Option<Template>,
}

/// The server's counting for the current provider and model.
#[derive(Debug, Clone, Default)]
pub struct ServerState {
    /// The provider and model `tokenizer` and `counts` belong to.
    pub target: Option<Target>,
    pub tokenizer: Option<Tokenizer>,
    pub counts: ServerCounts,
    /// Asked and not answered yet: each thing is asked about once.
    asked: HashSet<Counted>,
    template_asked: bool,
    /// The last question about the current target found no server.
    unreachable: bool,
}

/// What the request in flight was counted as, to compare with what the server reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sent {
    pub id: RequestId,
    pub tokens: usize,
    pub precision: Precision,
    /// The calibration the count was made with (1.0: none).
    pub ratio: f64,
    /// Some parts were counted by the server: the total is no sample of the estimate.
    pub by_server: bool,
}

/// Asks the server about the current target, unless the config or the built-in table
/// already knows its window and the model's tokenizer is ours (OpenAI's models).
pub fn ask(state: &mut State) -> Vec<Effect> {
    let Target { provider, model } = state.target.clone();
    if state.server.target.as_ref() != Some(&state.target) {
        state.server = ServerState::default();
    }
    let known =
        state.windows.contains_key(&model) || crate::tokens::window::limits(&model).is_some();
    if known && crate::tokens::Encoding::for_model(&model).is_exact() {
        return Vec::new();
    }
    vec![Effect::AskServer { provider, model }]
}

/// A reply arrived: a server that could not be reached when asked is asked again.
pub fn ask_again_if_missed(state: &mut State) -> Vec<Effect> {
    if !state.server.unreachable {
        return Vec::new();
    }
    state.server.unreachable = false;
    ask(state)
}

/// The server answered `ask`: keep what it said, and start counting if it can.
pub fn on_facts(
    state: &mut State,
    provider: String,
    model: String,
    result: Result<ServerFacts, crate::api::ApiError>,
) -> Vec<Effect> {
    let facts = match result {
        Ok(facts) => facts,
        Err(error) => {
            // Nothing learned; what earlier runs learned stays in use. A server that was
            // not up yet is asked again once a reply shows it is.
            let target = Target { provider, model };
            state.server.unreachable =
                state.target == target && matches!(error, crate::api::ApiError::Network { .. });
            return Vec::new();
        }
    };
    let mut effects = learn(state, &provider, &model, |learned| {
        if facts.window.is_some() {
            learned.window = facts.window;
        }
        if facts.vision.is_some() {
            learned.images = facts.vision;
        }
    });
    let target = Target { provider, model };
    if state.target == target {
        if state.server.target.as_ref() != Some(&target) {
            state.server = ServerState::default();
        }
        state.server.target = Some(target);
        state.server.tokenizer = facts.tokenizer;
        effects.extend(want_counts(state));
    }
    effects
}

/// Changes what is known of a model, and saves it if that changed anything.
pub fn learn(
    state: &mut State,
    provider: &str,
    model: &str,
    change: impl FnOnce(&mut Learned),
) -> Vec<Effect> {
    let before = state.learned.get(provider, model);
    let learned = state.learned.update(provider, model, change);
    if learned == before {
        return Vec::new();
    }
    vec![Effect::Store(StoreCmd::Learn {
        provider: provider.to_owned(),
        model: model.to_owned(),
        learned,
    })]
}

/// Asks the server to count what it has not counted yet: the template once, the system
/// message, and every message that goes in requests and has stopped changing.
pub fn want_counts(state: &mut State) -> Vec<Effect> {
    let Some(tokenizer) = state.server.tokenizer else { return Vec::new() };
    if state.server.target.as_ref() != Some(&state.target) {
        return Vec::new();
    }
    let server = &mut state.server;
    let mut items = Vec::new();
    let system = &state.conversation.system;
    if !system.trim().is_empty()
        && server.counts.system.as_ref().is_none_or(|(text, _)| text != system)
    {
        let item = Counted::System(system.clone());
        if server.asked.insert(item.clone()) {
            items.push((item, system.clone()));
        }
    }
    for message in state.conversation.messages() {
        let settled = message.status != crate::chat::Status::Streaming;
        let counted = server.counts.messages.get(&message.key).map(|c| c.0);
        // Counted as sent: with its files.
        let sent = message.sent_text();
        if !message.is_sent() || !settled || counted == Some(sent.len()) {
            continue;
        }
        let item = Counted::Message { key: message.key, len: sent.len() };
        if server.asked.insert(item.clone()) {
            items.push((item, sent.into_owned()));
        }
    }
    let template = server.counts.template.is_none() && !server.template_asked;
    server.template_asked |= template;
    if items.is_empty() && !template {
        return Vec::new();
    }
    vec![Effect::CountTokens {
        provider: state.target.provider.clone(),
        model: state.target.model.clone(),
        tokenizer,
        items,
        template,
    }]
}

/// The server's counts arrived (`None`: it could not count after all, so stop asking).
/// What the user wrote (prompts, the system message) also calibrates the estimate the draft
/// is counted with until it is sent: a model's replies may tokenize quite differently.
pub fn on_counted(state: &mut State, target: Target, answer: Option<CountsAnswer>) -> Vec<Effect> {
    if state.server.target.as_ref() != Some(&target) {
        return Vec::new();
    }
    let Some(CountsAnswer { counts, template }) = answer else {
        state.server.tokenizer = None;
        return Vec::new();
    };
    let counter = state.counting.counter(&target.model);
    let (mut theirs, mut ours) = (0, 0);
    for (item, tokens) in &counts {
        let text = match item {
            Counted::Message { key, .. } => state
                .conversation
                .messages()
                .iter()
                .find(|m| m.key == *key && m.role == crate::chat::Role::User)
                .map(|m| &m.content),
            Counted::System(text) => Some(text),
        };
        if let Some(text) = text {
            theirs += tokens;
            ours += counter.count(text);
        }
    }
    let effects = match counter.is_exact() {
        true => Vec::new(),
        false => learn(state, &target.provider, &target.model, |learned| {
            learned.calibrate(theirs, ours);
        }),
    };
    let server = &mut state.server;
    if template.is_some() {
        server.counts.template = template;
    }
    for (item, tokens) in counts {
        server.asked.remove(&item);
        match item {
            Counted::Message { key, len } => {
                server.counts.messages.insert(key, (len, tokens));
            }
            Counted::System(text) => server.counts.system = Some((text, tokens)),
        }
    }
    effects
}

/// The window and reply reserve, the counting and whether images go, for the next request
/// to the current target.
pub fn request<'a>(state: &'a State) -> Request<'a> {
    let Target { provider, model } = &state.target;
    let learned = state.learned.get(provider, model);
    let server = (state.server.target.as_ref() == Some(&state.target))
        .then_some(&state.server.counts)
        .filter(|counts| counts.template.is_some());
    Request {
        limits: super::meter::limits_for(state, model),
        tally: Tally { counter: state.counting.counter(model), ratio: learned.ratio(), server },
        images: learned.images != Some(false),
    }
}

/// The server reported what request `id`'s prompt cost: calibrate an estimate with it.
pub fn on_usage(state: &mut State, id: RequestId, prompt_tokens: u64) -> Vec<Effect> {
    let Some(sent) = state.sent.filter(|s| s.id == id) else { return Vec::new() };
    if sent.precision == Precision::Exact || sent.by_server || sent.ratio <= 0.0 {
        return Vec::new();
    }
    let ours = (sent.tokens as f64 / sent.ratio).round() as usize;
    // A short request is mostly the template's own tokens: a poor sample of the text's.
    if ours < 16 {
        return Vec::new();
    }
    let theirs = usize::try_from(prompt_tokens).unwrap_or(usize::MAX);
    let Target { provider, model } = state.target.clone();
    learn(state, &provider, &model, |learned| {
        learned.calibrate(theirs, ours);
    })
}

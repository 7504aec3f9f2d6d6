//! What replies cost, for the screen: a model's price (the server's own list first, then
//! `[models."NAME"]` in the config; else unknown), each reply's cost as its usage arrives,
//! replies priced later when the server's list arrives after them, and the totals of the
//! conversation on screen.
//!
//! Pure, like the rest of `app`: the full-screen app asks for the provider's list at start
//! (`State::list_prices`) with an effect; a cost never falls back to a guess.

use super::msg::Effect;
use super::persist;
use super::state::State;
use crate::chat::price::{Money, Price};
use crate::chat::{Conversation, Role, Usage};

/// What `model` costs at `provider`, if anyone says.
pub fn price(state: &State, provider: &str, model: &str) -> Option<Price> {
    state.catalog.price(provider, model).or_else(|| state.prices.get(model).copied())
}

/// The usage of reply `index` arrived: its cost, if the price is known (a list that
/// arrives later prices it then, by [`listed`]).
pub fn on_usage(state: &mut State, index: usize, usage: Usage) {
    // The reply's own provider and model: the target may have been switched meanwhile.
    let Some(message) = state.conversation.messages().get(index) else { return };
    let provider = message.provider.clone().unwrap_or_else(|| state.target.provider.clone());
    let price = message.model.as_deref().and_then(|model| price(state, &provider, model));
    if let Some(message) = state.conversation.edit(index) {
        message.usage = Some(usage);
        message.cost = price.map(|price| price.cost(&usage));
    }
}

/// At start, when `State::list_prices` says so: the current provider's list, for its
/// prices (and the picker, which then needs not ask).
pub fn ask_prices(state: &mut State) -> Vec<Effect> {
    let provider = state.target.provider.clone();
    let models = state.catalog.provider_mut(&provider);
    if !state.list_prices || models.server.is_some() || models.fetching {
        return Vec::new();
    }
    models.fetching = true;
    vec![Effect::FetchModels { provider }]
}

/// `provider`'s list arrived: replies of the conversation on screen that it wrote, whose
/// cost was unknown and whose price the list gives, are priced and saved again.
pub fn listed(state: &mut State, provider: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for index in 0..state.conversation.messages().len() {
        let message = &state.conversation.messages()[index];
        let (Some(usage), None, Some(model)) = (message.usage, message.cost, &message.model) else {
            continue;
        };
        if message.provider.as_deref() != Some(provider) {
            continue;
        }
        let Some(price) = state.catalog.price(provider, model) else { continue };
        if let Some(message) = state.conversation.edit(index) {
            message.cost = Some(price.cost(&usage));
            effects.push(Effect::Store(persist::update(message)));
        }
    }
    effects
}

/// The replies on the branch on screen, added up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Replies that reported usage.
    pub replies: usize,
    pub tokens: u64,
    /// The cost of the priced ones.
    pub cost: Money,
    /// Replies with usage whose price was unknown: the cost above leaves them out.
    pub unpriced: usize,
    /// The cost of the last reply that reported usage, if it was priced.
    pub last_cost: Option<Money>,
}

impl Totals {
    pub fn of(conversation: &Conversation) -> Self {
        let mut totals = Totals::default();
        let replies = conversation.messages().iter().filter(|m| m.role == Role::Assistant);
        for (usage, cost) in replies.filter_map(|m| m.usage.map(|u| (u, m.cost))) {
            totals.replies += 1;
            totals.tokens += usage.prompt_tokens + usage.completion_tokens;
            totals.last_cost = cost;
            match cost {
                Some(cost) => totals.cost = totals.cost + cost,
                None => totals.unpriced += 1,
            }
        }
        totals
    }

    /// The cost as the status line shows it: "$0.0123", "cost unknown" when nothing was
    /// priced, "$0.0123 + ?" when some replies were not.
    pub fn cost_text(&self) -> String {
        match (self.unpriced, self.replies) {
            (0, _) => self.cost.short(),
            (unpriced, replies) if unpriced == replies => "cost unknown".to_owned(),
            _ => format!("{} + ?", self.cost.short()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::models::ModelInfo;
    use crate::app::state::Target;
    use crate::chat::Message;

    fn state_with_reply() -> (State, usize) {
        let target = Target { provider: "router".into(), model: "o3".into() };
        let mut state = State::new(target, String::new(), false);
        let mut reply = Message::assistant(state.keys.fresh(), "o3".into());
        reply.provider = Some("router".into());
        let index = state.conversation.push(reply);
        (state, index)
    }

    #[test]
    fn the_servers_price_wins_over_the_configs_and_without_either_the_cost_is_unknown() {
        let (mut state, index) = state_with_reply();
        // Nothing known: unknown.
        on_usage(&mut state, index, Usage::new(1000, 0, 100, 0));
        assert_eq!(state.conversation.messages()[index].cost, None);
        assert_eq!(Totals::of(&state.conversation).cost_text(), "cost unknown");
        // The config's price ($1 and $2 per million).
        let config =
            Price { input: 1_000_000, cached_input: None, output: 2_000_000, reasoning: None };
        state.prices.insert("o3".into(), config);
        on_usage(&mut state, index, Usage::new(1000, 0, 100, 0));
        assert_eq!(state.conversation.messages()[index].cost.unwrap().exact(), "0.0012");
        // The server's list, once it is there, wins.
        let server = Price { input: 2_000_000, cached_input: Some(500_000), ..config };
        let list = vec![ModelInfo { id: "o3".into(), context_window: None, price: Some(server) }];
        state.catalog.provider_mut("router").server = Some(list);
        on_usage(&mut state, index, Usage::new(1000, 800, 100, 40));
        // 200×2 + 800×0.5 + 100×2 = 1000 µ$.
        assert_eq!(state.conversation.messages()[index].cost.unwrap().exact(), "0.001");
    }

    #[test]
    fn the_full_screen_app_asks_for_the_list_once_at_start() {
        let (mut state, _) = state_with_reply();
        assert!(ask_prices(&mut state).is_empty(), "not asked of a provider that lists none");
        state.list_prices = true;
        let effects = ask_prices(&mut state);
        assert!(matches!(&effects[..], [Effect::FetchModels { provider }] if provider == "router"));
        assert!(ask_prices(&mut state).is_empty(), "once");
    }

    #[test]
    fn a_reply_priced_late_when_the_list_arrives_is_saved_again() {
        let (mut state, index) = state_with_reply();
        on_usage(&mut state, index, Usage::new(1000, 0, 100, 0));
        let price =
            Price { input: 1_000_000, cached_input: None, output: 1_000_000, reasoning: None };
        let list = vec![ModelInfo { id: "o3".into(), context_window: None, price: Some(price) }];
        state.catalog.provider_mut("router").server = Some(list);
        let effects = listed(&mut state, "router");
        assert_eq!(state.conversation.messages()[index].cost.unwrap().exact(), "0.0011");
        assert!(matches!(&effects[..], [Effect::Store(_)]));
        assert!(listed(&mut state, "router").is_empty(), "priced once");
    }

    #[test]
    fn totals_leave_unpriced_replies_out_and_say_so() {
        let (mut state, index) = state_with_reply();
        on_usage(&mut state, index, Usage::new(1000, 0, 100, 0));
        let mut priced = Message::assistant(state.keys.fresh(), "o3".into());
        priced.usage = Some(Usage::new(500, 0, 50, 0));
        priced.cost = Some(Money(4_200_000_000));
        state.conversation.push(priced);
        let totals = Totals::of(&state.conversation);
        assert_eq!((totals.replies, totals.tokens, totals.unpriced), (2, 1650, 1));
        assert_eq!(totals.cost_text(), "$0.0042 + ?");
    }
}

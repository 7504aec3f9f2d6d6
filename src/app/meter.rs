//! The context meter and the limits the app plans requests with: the window and reply
//! reserve for the current target (config, what a server taught, the server's model list,
//! the built-in table, and the conversation's `max_tokens`), and the meter recounted as
//! the user types. Pure, called from `update`.

use super::state::State;
use crate::chat::Role;
use crate::chat::context::{Meter, costs, limits};
use crate::tokens::Counter;

/// The window and reply reserve for `model` on the current provider, from the most
/// specific source: config (or what a server's overflow error taught), then the server's
/// model list, then the built-in table. A reserve not given is a quarter of the window, at
/// most 4,096 tokens; the conversation's `max_tokens` (F4), when set, is the reserve.
pub fn limits_for(state: &State, model: &str) -> Option<(usize, usize)> {
    let reported = state.catalog.window(&state.target.provider, model);
    let (window, reserve) = limits(&state.windows, reported, model)?;
    let asked =
        state.conversation.params.max_tokens.map(|m| usize::try_from(m).unwrap_or(usize::MAX));
    Some((window, asked.map_or(reserve, |asked| asked.min(window))))
}

/// The meter as the user types: the history as it stands plus the draft.
pub fn refresh_meter(state: &mut State) {
    let model = state.target.model.clone();
    let counter = Counter::for_model(&model);
    let (system, candidates) = costs(&mut state.conversation, counter);
    let draft = state.input.text();
    let draft_cost =
        if draft.trim().is_empty() { 0 } else { counter.message(Role::User.as_str(), &draft) };
    let history: usize = candidates
        .iter()
        .filter(|(index, ..)| !state.conversation.messages()[*index].not_sent)
        .map(|c| c.1)
        .sum();
    let not_sent = state.conversation.messages().iter().filter(|m| m.not_sent).count();
    state.meter = Some(Meter {
        tokens: system + crate::tokens::REPLY_PRIMING + history + draft_cost,
        window: limits_for(state, &model).map(|l| l.0),
        not_sent,
        exact: counter.is_exact(),
    });
}

#[cfg(test)]
mod reply_reserve {
    use super::*;
    use crate::app::state::Target;

    #[test]
    fn the_conversations_max_tokens_is_the_room_kept_for_the_reply() {
        let target = Target { provider: "openai".into(), model: "gpt-4".into() };
        let mut state = State::new(target, String::new(), false);
        assert_eq!(limits_for(&state, "gpt-4"), Some((8_192, 4_096)));
        state.conversation.params.max_tokens = Some(1_000);
        assert_eq!(limits_for(&state, "gpt-4"), Some((8_192, 1_000)));
        state.conversation.params.max_tokens = Some(100_000);
        assert_eq!(limits_for(&state, "gpt-4"), Some((8_192, 8_192)), "never more than the window");
    }
}

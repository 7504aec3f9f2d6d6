//! The context meter and the limits the app plans requests with: the window and reply
//! reserve for the current target (config, what a server taught, the server's model list,
//! the built-in table, and the conversation's `max_tokens`), and the meter recounted as
//! the user types. Pure, called from `update`.

use super::state::State;
use crate::chat::context::{limits, preview};

/// The window and reply reserve for `model` on the current provider, from the most
/// specific source: config, then what the server said (its `/props`, an overflow's
/// numbers), then the server's model list, then the built-in table. A reserve not given is
/// a quarter of the window, at most 4,096 tokens; the conversation's `max_tokens` (F4), when
/// set, is the reserve.
pub fn limits_for(state: &State, model: &str) -> Option<(usize, usize)> {
    let provider = &state.target.provider;
    let reported = state.catalog.window(provider, model);
    let learned = state.learned.get(provider, model).window;
    let (window, reserve) = limits(&state.windows, learned, reported, model)?;
    let asked =
        state.conversation.params.max_tokens.map(|m| usize::try_from(m).unwrap_or(usize::MAX));
    Some((window, asked.map_or(reserve, |asked| asked.min(window))))
}

/// The meter as the user types: what the next request would cost with the draft as its
/// newest message, trimmed as it would be, each part as exact as it could be counted,
/// against the server's own window.
pub fn refresh_meter(state: &mut State) {
    // Out of the state while it is counted, so the counting can read the rest of it.
    let mut conversation = std::mem::take(&mut state.conversation);
    let draft = state.input.lines().join("\n");
    let meter = preview(&mut conversation, &super::server::request(state), &draft);
    state.conversation = conversation;
    state.meter = Some(meter);
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

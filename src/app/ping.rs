//! A ping when a reply ends while the user looks elsewhere: the terminal reports focus
//! (focus events), and a turn that ends (done, stopped or failed) while it is unfocused asks
//! the driver for a desktop notification through the terminal, and the bell if the config
//! says so. A focused terminal gets nothing: the user sees the reply end.
//!
//! Pure: the bytes are the driver's (`term::programs::notification`).

use super::msg::Effect;
use super::state::State;
use crate::chat::{Role, Status};

/// `notify` in the config: how a reply ending unseen is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Notify {
    /// A desktop notification through the terminal (OSC 9 or OSC 777).
    #[default]
    Auto,
    /// Nothing.
    Off,
    /// The notification and the terminal's bell.
    Bell,
}

/// The terminal gained or lost focus.
pub fn focus(state: &mut State, focused: bool) {
    state.focused = focused;
}

/// A turn just ended: the notification, if the terminal is not focused.
pub fn turn_ended(state: &State) -> Vec<Effect> {
    if state.focused || state.notify == Notify::Off {
        return Vec::new();
    }
    let last = state.conversation.messages().last();
    let body = match last.map(|message| (message.role, &message.status)) {
        Some((Role::Assistant, Status::Complete)) => "the reply is done",
        Some((_, Status::Failed(_))) => "the reply failed",
        Some((Role::Assistant, Status::Stopped)) => "the reply stopped",
        _ => "the request ended without a reply",
    };
    vec![Effect::Notify { body: body.to_owned(), bell: state.notify == Notify::Bell }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::msg::{ApiEvent, Msg};
    use crate::app::update::tests::{api, delta, send, sent_messages, state};

    fn done(state: &mut State, id: u64) -> Vec<Effect> {
        crate::app::update(
            state,
            Msg::Api { id, event: ApiEvent::Done, at: std::time::Instant::now() },
        )
    }

    fn notifications(effects: &[Effect]) -> Vec<(String, bool)> {
        effects
            .iter()
            .filter_map(|effect| match effect {
                Effect::Notify { body, bell } => Some((body.clone(), *bell)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_reply_that_ends_unfocused_pings_and_one_that_ends_focused_does_not() {
        let mut state = state();
        crate::app::update(&mut state, Msg::Focus(false));
        let (id, _) = sent_messages(&send(&mut state, "hi"));
        api(&mut state, id, delta("hello"));
        assert_eq!(notifications(&done(&mut state, id)), [("the reply is done".into(), false)]);

        crate::app::update(&mut state, Msg::Focus(true));
        let (id, _) = sent_messages(&send(&mut state, "again"));
        api(&mut state, id, delta("hello"));
        assert!(notifications(&done(&mut state, id)).is_empty());
    }

    #[test]
    fn a_failure_pings_too_and_the_config_chooses_the_bell_or_nothing() {
        let mut state = state();
        state.notify = Notify::Bell;
        crate::app::update(&mut state, Msg::Focus(false));
        let (id, _) = sent_messages(&send(&mut state, "hi"));
        api(&mut state, id, delta("par"));
        let error = crate::api::ApiError::InStream { message: "boom".into() };
        let at = std::time::Instant::now();
        let effects =
            crate::app::update(&mut state, Msg::Api { id, event: ApiEvent::Failed(error), at });
        assert_eq!(notifications(&effects), [("the reply failed".into(), true)]);

        state.notify = Notify::Off;
        let (id, _) = sent_messages(&send(&mut state, "again"));
        api(&mut state, id, delta("hello"));
        assert!(notifications(&done(&mut state, id)).is_empty());
    }
}

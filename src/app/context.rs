//! What of the conversation goes with the next request: counted per message (once, then
//! cached on the message), trimmed to the model's window by `tokens::trim`, and marked on
//! screen where a message was left out. Pure, called from `update`.

use super::state::{Conversation, State};
use crate::api::types::{Role, WireMessage};
use crate::tokens::trim::{Budget, Plan, plan_with_pins};
use crate::tokens::{Counter, window};

/// The status line's view of the context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meter {
    /// What the next request would cost, the draft included.
    pub tokens: usize,
    /// The model's window, when known.
    pub window: Option<usize>,
    /// Messages left out to fit.
    pub not_sent: usize,
    /// False when the count is an estimate (unknown tokenizer).
    pub exact: bool,
}

/// The next request's messages, or why nothing can be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Send(Vec<WireMessage>),
    TooLong { needed: usize, window: usize },
}

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

/// `limits_for` without an app: configured windows, a server-reported one, the table.
pub fn limits(
    windows: &std::collections::BTreeMap<String, (usize, Option<usize>)>,
    reported: Option<usize>,
    model: &str,
) -> Option<(usize, usize)> {
    let reserve = |window: usize| (window / 4).min(4_096);
    if let Some(&(window, output)) = windows.get(model) {
        return Some((window, output.unwrap_or_else(|| reserve(window))));
    }
    if let Some(window) = reported {
        return Some((window, reserve(window)));
    }
    window::limits(model)
}

/// Plans the request for `model` within `limits` (window, reply reserve; none: send all):
/// marks what is left out, returns what goes.
pub fn prepare(
    conversation: &mut Conversation,
    model: &str,
    limits: Option<(usize, usize)>,
) -> (Outcome, Meter) {
    let counter = Counter::for_model(model);
    let (system, candidates) = costs(conversation, counter);
    let budget = limits.map(|(window, reserve)| Budget { window, reserve });
    let keep = match budget.map(|b| {
        let costs: Vec<(usize, bool)> = candidates.iter().map(|c| (c.1, c.2)).collect();
        let pinned: Vec<bool> =
            candidates.iter().map(|c| conversation.messages()[c.0].pinned).collect();
        plan_with_pins(system, &costs, &pinned, b)
    }) {
        Some(Plan::TooLong { needed, available }) => {
            let meter = Meter {
                tokens: needed,
                window: Some(available),
                not_sent: 0,
                exact: counter.is_exact(),
            };
            return (Outcome::TooLong { needed, window: available }, meter);
        }
        Some(Plan::Fits { keep, .. }) => keep,
        None => vec![true; candidates.len()],
    };
    let mut messages = Vec::new();
    if !conversation.system.trim().is_empty() {
        messages.push(WireMessage::text(Role::System, conversation.system.clone()));
    }
    let mut not_sent = 0;
    let mut tokens = system + crate::tokens::REPLY_PRIMING;
    for (&(index, cost, _), &kept) in candidates.iter().zip(&keep) {
        let left_out = !kept;
        if conversation.messages()[index].not_sent != left_out
            && let Some(message) = conversation.edit(index)
        {
            message.not_sent = left_out;
            // `edit` forgets the count; this change does not alter the text.
            message.tokens = Some((counter, cost));
        }
        if left_out {
            not_sent += 1;
            continue;
        }
        tokens += cost;
        let message = &conversation.messages()[index];
        messages.push(WireMessage {
            role: message.role,
            content: message.content.clone(),
            images: message.images.clone(),
        });
    }
    let meter = Meter { tokens, window: limits.map(|l| l.0), not_sent, exact: counter.is_exact() };
    (Outcome::Send(messages), meter)
}

/// The meter as the user types: the history as it stands plus the draft.
pub fn refresh_meter(state: &mut State) {
    let model = state.target.model.clone();
    let counter = Counter::for_model(&model);
    let (system, candidates) = costs(&mut state.conversation, counter);
    let draft = state.input.lines().join("\n");
    let draft_cost = if draft.trim().is_empty() { 0 } else { counter.message(Role::User, &draft) };
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

/// The system message's cost, and (index, cost, starts a turn) for each message that may be
/// sent, counting only messages not counted before for this model.
fn costs(conversation: &mut Conversation, counter: Counter) -> (usize, Vec<(usize, usize, bool)>) {
    let system = if conversation.system.trim().is_empty() {
        0
    } else {
        counter.message(Role::System, &conversation.system)
    };
    let mut candidates = Vec::new();
    for index in 0..conversation.messages().len() {
        let message = &conversation.messages()[index];
        if !message.is_sent() {
            continue;
        }
        let cost = match message.tokens {
            Some((by, cost)) if by == counter => cost,
            _ => {
                let images = message.images.len() * crate::attach::IMAGE_TOKENS;
                let cost = counter.message(message.role, &message.content) + images;
                conversation.cache_tokens(index, counter, cost);
                cost
            }
        };
        let message = &conversation.messages()[index];
        candidates.push((index, cost, message.role == Role::User));
    }
    (system, candidates)
}

/// Tokens as people read them: 950, 12.3k, 128k.
pub fn short(tokens: usize) -> String {
    match tokens {
        0..1_000 => tokens.to_string(),
        1_000..10_000 => format!("{:.1}k", tokens as f64 / 1000.0),
        _ => format!("{}k", tokens / 1000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::Message;

    fn conversation(turns: usize, words: usize) -> Conversation {
        let mut conversation = Conversation::new("You are a helpful assistant".into());
        for turn in 0..turns {
            conversation.push(Message::user(format!("question {turn} {}", "word ".repeat(words))));
            let mut reply = Message::assistant("gpt-4".into());
            reply.content = format!("answer {turn} {}", "word ".repeat(words));
            reply.status = crate::app::state::Status::Complete;
            conversation.push(reply);
        }
        conversation.push(Message::user("the newest question".into()));
        conversation
    }

    #[test]
    fn a_long_history_is_trimmed_to_the_window_and_the_rest_marked_not_sent() {
        // gpt-4: 8,192 window with 4,096 reserved for the reply; 20 turns of ~1,000 tokens.
        let mut conversation = conversation(10, 500);
        let (outcome, meter) = prepare(&mut conversation, "gpt-4", window::limits("gpt-4"));
        let Outcome::Send(messages) = outcome else { panic!("{outcome:?}") };
        assert_eq!(messages[0].role, Role::System);
        assert_eq!(messages.last().unwrap().content, "the newest question");
        assert_eq!(messages[1].role, Role::User, "the history starts at a turn");
        assert!(meter.tokens + 4_096 <= 8_192, "{meter:?}");
        assert_eq!(meter.not_sent, 21 - (messages.len() - 1));
        assert!(conversation.messages()[0].not_sent);
        assert!(!conversation.messages().last().unwrap().not_sent);
    }

    #[test]
    fn an_unknown_model_sends_everything() {
        let mut conversation = conversation(10, 500);
        let (Outcome::Send(messages), meter) = prepare(&mut conversation, "llama3.2", None) else {
            panic!()
        };
        assert_eq!(messages.len(), 22);
        assert_eq!((meter.window, meter.exact), (None, false));
    }

    #[test]
    fn a_prompt_longer_than_the_window_is_not_sent() {
        let mut conversation = Conversation::new(String::new());
        conversation.push(Message::user("word ".repeat(9_000)));
        let (outcome, _) = prepare(&mut conversation, "gpt-4", window::limits("gpt-4"));
        assert!(matches!(outcome, Outcome::TooLong { window: 8_192, .. }), "{outcome:?}");
    }

    #[test]
    fn short_numbers_read_naturally() {
        assert_eq!(
            (short(950), short(12_345), short(128_000)),
            ("950".into(), "12k".into(), "128k".into())
        );
        assert_eq!(short(1_234), "1.2k");
    }
}

#[cfg(test)]
mod reported_window {
    use super::*;
    use crate::app::state::Message;

    #[test]
    fn a_window_reported_by_the_server_trims_an_unknown_model() {
        let mut conversation = Conversation::new(String::new());
        for _ in 0..10 {
            conversation.push(Message::user("word ".repeat(300)));
        }
        let (Outcome::Send(messages), meter) =
            prepare(&mut conversation, "qwen2.5", Some((1_000, 250)))
        else {
            panic!()
        };
        assert!(messages.len() < 10 && meter.window == Some(1_000), "{meter:?}");
    }
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

//! What of the conversation goes with the next request: counted per message (once, then
//! cached on the message), trimmed to the model's window by `tokens::trim`, and marked where
//! a message was left out. Pure; the app and `ask` both plan their requests here.

use super::conversation::Conversation;
use super::message::{RequestMessage, Role};
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
    Send(Vec<RequestMessage>),
    TooLong { needed: usize, window: usize },
}

/// The window and reply reserve for `model`: configured windows (or what an overflow
/// taught), then a server-reported one, then the built-in table.
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
    prepare_with(conversation, Counter::for_model(model), limits)
}

/// `prepare`, counting with `counter` (the TUI's estimate while a tokenizer loads).
pub fn prepare_with(
    conversation: &mut Conversation,
    counter: Counter,
    limits: Option<(usize, usize)>,
) -> (Outcome, Meter) {
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
        messages.push(RequestMessage::text(Role::System, conversation.system.clone()));
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
        messages.push(RequestMessage {
            role: message.role,
            content: message.content.clone(),
            images: message.images.clone(),
        });
    }
    mark_folded(conversation, &candidates, &keep);
    let meter = Meter { tokens, window: limits.map(|l| l.0), not_sent, exact: counter.is_exact() };
    (Outcome::Send(fold_same_roles(messages)), meter)
}

/// Joins neighbours of one role into one message: a prompt that got no reply (it failed,
/// or was stopped) goes with the prompt after it, and two replies whose prompt between them
/// is gone become one. Servers that require alternating roles refuse anything else.
pub fn fold_same_roles(messages: Vec<RequestMessage>) -> Vec<RequestMessage> {
    let mut folded: Vec<RequestMessage> = Vec::with_capacity(messages.len());
    for message in messages {
        match folded.last_mut() {
            Some(last) if last.role == message.role && message.role != Role::System => {
                if !last.content.is_empty() && !message.content.is_empty() {
                    last.content.push_str("\n\n");
                }
                last.content.push_str(&message.content);
                last.images.extend(message.images);
            }
            _ => folded.push(message),
        }
    }
    folded
}

/// Marks the prompts that go joined to the next one, so the screen can say so.
fn mark_folded(
    conversation: &mut Conversation,
    candidates: &[(usize, usize, bool)],
    keep: &[bool],
) {
    let sent: Vec<usize> =
        candidates.iter().zip(keep).filter(|(_, kept)| **kept).map(|(c, _)| c.0).collect();
    let messages = conversation.messages();
    let mut changes = Vec::new();
    for (position, &index) in sent.iter().enumerate() {
        let next_is_user = sent.get(position + 1).is_some_and(|&n| messages[n].role == Role::User);
        let folded = messages[index].role == Role::User && next_is_user;
        if messages[index].folded != folded {
            changes.push((index, folded));
        }
    }
    for (index, folded) in changes {
        let tokens = conversation.messages()[index].tokens;
        if let Some(message) = conversation.edit(index) {
            message.folded = folded;
            // `edit` forgets the count; this change does not alter the text.
            message.tokens = tokens;
        }
    }
}

/// The system message's cost, and (index, cost, starts a turn) for each message that may be
/// sent, counting only messages not counted before for this model.
pub fn costs(
    conversation: &mut Conversation,
    counter: Counter,
) -> (usize, Vec<(usize, usize, bool)>) {
    let system = if conversation.system.trim().is_empty() {
        0
    } else {
        counter.message(Role::System.as_str(), &conversation.system)
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
                let images = message.images.len() * super::attachment::IMAGE_TOKENS;
                let cost = counter.message(message.role.as_str(), &message.content) + images;
                conversation.cache_tokens(index, counter, cost);
                cost
            }
        };
        let message = &conversation.messages()[index];
        candidates.push((index, cost, message.role == Role::User));
    }
    (system, candidates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{Keys, Message};

    fn conversation(turns: usize, words: usize) -> Conversation {
        let mut keys = Keys::default();
        let mut conversation =
            Conversation::new(keys.fresh(), "You are a helpful assistant".into());
        for turn in 0..turns {
            conversation.push(Message::user(
                keys.fresh(),
                format!("question {turn} {}", "word ".repeat(words)),
            ));
            let mut reply = Message::assistant(keys.fresh(), "gpt-4".into());
            reply.content = format!("answer {turn} {}", "word ".repeat(words));
            reply.status = crate::chat::Status::Complete;
            conversation.push(reply);
        }
        conversation.push(Message::user(keys.fresh(), "the newest question".into()));
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
        let mut keys = Keys::default();
        let mut conversation = Conversation::new(keys.fresh(), String::new());
        conversation.push(Message::user(keys.fresh(), "word ".repeat(9_000)));
        let (outcome, _) = prepare(&mut conversation, "gpt-4", window::limits("gpt-4"));
        assert!(matches!(outcome, Outcome::TooLong { window: 8_192, .. }), "{outcome:?}");
    }
}

#[cfg(test)]
mod reported_window {
    use super::*;
    use crate::chat::{Keys, Message};

    #[test]
    fn a_window_reported_by_the_server_trims_an_unknown_model() {
        let mut keys = Keys::default();
        let mut conversation = Conversation::new(keys.fresh(), String::new());
        for _ in 0..10 {
            conversation.push(Message::user(keys.fresh(), "word ".repeat(300)));
        }
        let (Outcome::Send(messages), meter) =
            prepare(&mut conversation, "qwen2.5", Some((1_000, 250)))
        else {
            panic!()
        };
        assert!(messages.len() < 10 && meter.window == Some(1_000), "{meter:?}");
    }
}

//! What of the conversation goes with the next request: counted per message (`tally`, once,
//! then cached), trimmed to the model's window by `tokens::trim`, and marked where a
//! message, or its images, were left out. A continuation (Ctrl+O) always carries the reply
//! it continues, its tail if the whole does not fit. Pure; the app and `ask` both plan
//! their requests here.

use super::conversation::Conversation;
use super::message::{RequestMessage, Role};
use super::tally::{Count, Precision, Tally};
use crate::tokens::trim::{Budget, Plan, plan_with_pins};
use crate::tokens::window;

/// What Ctrl+O sends: visible in the transcript, so the user sees what was asked.
pub const CONTINUE_PROMPT: &str = "Continue exactly where you stopped.";

/// A continuation sends at least this much of the reply it continues, or nothing.
const MIN_TAIL: usize = 32;

/// The status line's view of the context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meter {
    /// What the next request would cost, the draft included.
    pub tokens: usize,
    /// How far `tokens` may be off either way (0 when every part was counted exactly).
    pub spread: usize,
    /// The model's window as the server gives it, when known.
    pub window: Option<usize>,
    /// Messages left out to fit.
    pub not_sent: usize,
    /// How sure the least sure part of the count is.
    pub precision: Precision,
}

impl Meter {
    pub fn from_count(count: Count, window: Option<usize>, not_sent: usize) -> Self {
        Self {
            tokens: count.tokens,
            spread: count.spread,
            window,
            not_sent,
            precision: count.precision,
        }
    }

    pub fn is_exact(&self) -> bool {
        self.precision == Precision::Exact
    }
}

/// The next request's messages, or why nothing can be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Send(Vec<RequestMessage>),
    TooLong {
        needed: usize,
        window: usize,
    },
    /// A continuation whose reply leaves no room for even its tail; `needed` is what the
    /// whole reply would need.
    CannotContinue {
        needed: usize,
        window: usize,
    },
}

/// What a request is planned with.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Window and reply reserve; none: send everything.
    pub limits: Option<(usize, usize)>,
    pub tally: Tally<'a>,
    /// False when the model is known not to take images: they stay on screen, not sent.
    pub images: bool,
}

impl<'a> Request<'a> {
    /// Counting for `model` with nothing learned, images sent.
    pub fn local(model: &str, limits: Option<(usize, usize)>) -> Self {
        Self { limits, tally: Tally::local(model), images: true }
    }
}

/// The window and reply reserve for `model`: configured windows, then what the server said
/// (learned: `/props`, an overflow), then its model list, then the built-in table.
pub fn limits(
    windows: &std::collections::BTreeMap<String, (usize, Option<usize>)>,
    learned: Option<usize>,
    reported: Option<usize>,
    model: &str,
) -> Option<(usize, usize)> {
    let reserve = |window: usize| (window / 4).min(4_096);
    if let Some(&(window, output)) = windows.get(model) {
        return Some((window, output.unwrap_or_else(|| reserve(window))));
    }
    if let Some(window) = learned.or(reported) {
        return Some((window, reserve(window)));
    }
    window::limits(model)
}

/// Whether the newest message asks to continue the reply before it.
pub fn is_continuation(conversation: &Conversation) -> bool {
    let sent: Vec<_> = conversation.messages().iter().filter(|m| m.is_sent()).collect();
    matches!(sent.as_slice(), [.., reply, ask]
        if reply.role == Role::Assistant && ask.role == Role::User && ask.content == CONTINUE_PROMPT)
}

/// Plans the request: marks what is left out, returns what goes.
pub fn prepare(conversation: &mut Conversation, request: &Request) -> (Outcome, Meter) {
    let tally = &request.tally;
    let system = tally.system(&conversation.system);
    let fixed = tally.fixed();
    let candidates = costs(conversation, request);
    let continuing = is_continuation(conversation) && candidates.len() >= 2;
    let mut pinned: Vec<bool> =
        candidates.iter().map(|c| conversation.messages()[c.0].pinned).collect();
    if continuing {
        let reply = pinned.len() - 2;
        pinned[reply] = true;
    }
    // The reply a continuation carries, cut to its tail when the whole does not fit.
    let mut tail: Option<(usize, String, Count)> = None;
    let keep = match request.limits {
        None => vec![true; candidates.len()],
        Some((window, reserve)) => {
            let budget = Budget { window, reserve };
            let plan = |costs: &[(usize, Count, bool)]| {
                let costs: Vec<(usize, bool)> = costs.iter().map(|c| (c.1.tokens, c.2)).collect();
                plan_with_pins(system.tokens + fixed.tokens, &costs, &pinned, budget)
            };
            let mut planned = plan(&candidates);
            if continuing && let Plan::TooLong { .. } = planned {
                let at = candidates.len() - 2;
                let others: usize = candidates
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| i != at && (pinned[i] || i + 1 == candidates.len()))
                    .map(|(_, c)| c.1.tokens)
                    .sum();
                let room = window.saturating_sub(reserve + fixed.tokens + system.tokens + others);
                match cut_tail(conversation, candidates[at].0, room, tally) {
                    Some((text, count)) => {
                        let mut cut = candidates.clone();
                        cut[at].1 = count;
                        planned = plan(&cut);
                        tail = Some((candidates[at].0, text, count));
                    }
                    None => {
                        let whole = fixed + system + candidates[at].1;
                        let needed = whole.tokens + others + reserve;
                        let meter = Meter::from_count(whole, Some(window), 0);
                        return (Outcome::CannotContinue { needed, window }, meter);
                    }
                }
            }
            match planned {
                Plan::TooLong { needed, available } => {
                    let meter = Meter {
                        tokens: needed,
                        spread: 0,
                        window: Some(available),
                        not_sent: 0,
                        precision: (fixed + system).precision,
                    };
                    return (Outcome::TooLong { needed, window: available }, meter);
                }
                Plan::Fits { keep, .. } => keep,
            }
        }
    };
    let mut messages = Vec::new();
    if !conversation.system.trim().is_empty() {
        messages.push(RequestMessage::text(Role::System, conversation.system.clone()));
    }
    let mut not_sent = 0;
    let mut total = fixed + system;
    for (&(index, cost, _), &kept) in candidates.iter().zip(&keep) {
        let left_out = !kept;
        let images_left_out = !request.images && !conversation.messages()[index].images.is_empty();
        let message = &conversation.messages()[index];
        let tokens = message.tokens;
        if (message.not_sent != left_out || message.images_not_sent != images_left_out)
            && let Some(message) = conversation.edit(index)
        {
            message.not_sent = left_out;
            message.images_not_sent = images_left_out;
            // `edit` forgets the count; these marks do not alter the text.
            message.tokens = tokens;
        }
        if left_out {
            not_sent += 1;
            continue;
        }
        let message = &conversation.messages()[index];
        let mut turn = super::tools::request_messages(message);
        if let Some((at, text, count)) = &tail
            && *at == index
        {
            turn[0].content = text.clone();
            total = total + *count;
        } else {
            // Files go with their prompt, each a fenced block under its name.
            turn[0].content = super::attachment::with_files(&message.content, &message.files);
            total = total + cost;
        }
        if !request.images {
            turn[0].images.clear();
        }
        messages.extend(turn);
    }
    mark_folded(conversation, &candidates, &keep);
    let meter = Meter::from_count(total, request.limits.map(|l| l.0), not_sent);
    (Outcome::Send(fold_same_roles(messages)), meter)
}

/// Joins neighbours of one role into one message: a prompt that got no reply (it failed,
/// or was stopped) goes with the prompt after it, and two replies whose prompt between them
/// is gone become one. Servers that require alternating roles refuse anything else.
pub fn fold_same_roles(messages: Vec<RequestMessage>) -> Vec<RequestMessage> {
    let mut folded: Vec<RequestMessage> = Vec::with_capacity(messages.len());
    for message in messages {
        match folded.last_mut() {
            // A turn with calls and each call's result stand alone: the API pairs them.
            Some(last)
                if last.role == message.role
                    && !matches!(message.role, Role::System | Role::Tool)
                    && last.tool_calls.is_empty()
                    && message.tool_calls.is_empty() =>
            {
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
    candidates: &[(usize, Count, bool)],
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

/// What the history as it stands costs, all of it: what the meter starts from while the
/// user types, so a key never walks the history (the caller keeps it until the history,
/// or how it is counted, changes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct History {
    /// The fixed tokens, the system message and every message that may be sent.
    pub whole: Count,
    /// How many messages that is, and whether the oldest of them starts a turn.
    pub messages: usize,
    pub starts_turn: bool,
}

/// Sums the history's cost (each message counted once, then cached on it).
pub fn history(conversation: &mut Conversation, request: &Request) -> History {
    let tally = &request.tally;
    let base = tally.fixed() + tally.system(&conversation.system);
    let parts = costs(conversation, request);
    History {
        whole: parts.iter().fold(base, |sum, p| sum + p.1),
        messages: parts.len(),
        starts_turn: parts.first().is_none_or(|p| p.2),
    }
}

/// The meter as the next request would stand if a draft costing `drafted` were sent now:
/// the history trimmed to the window as `prepare` would trim it, plus the draft; nothing
/// is marked. `history` is `history(conversation, request)`, perhaps remembered.
pub fn preview(
    conversation: &mut Conversation,
    request: &Request,
    history: History,
    drafted: Count,
) -> Meter {
    let window = request.limits.map(|l| l.0);
    let whole = history.whole + drafted;
    // Most of the time everything fits: no plan needed (the keystroke path). The draft
    // goes as the newest message; an empty one stands for the prompt still to come, so the
    // history is trimmed as it will be (a long reply never counts against the window on
    // its own).
    let fits =
        |(window, reserve): (usize, usize)| whole.tokens + reserve <= window && history.starts_turn;
    let Some((window, reserve)) = request.limits.filter(|&limits| !fits(limits)) else {
        return Meter::from_count(whole, window, 0);
    };
    let tally = &request.tally;
    let base = tally.fixed() + tally.system(&conversation.system);
    let mut parts = costs(conversation, request);
    parts.push((usize::MAX, drafted, true));
    let costs: Vec<(usize, bool)> = parts.iter().map(|p| (p.1.tokens, p.2)).collect();
    let pinned: Vec<bool> =
        parts.iter().map(|p| conversation.messages().get(p.0).is_some_and(|m| m.pinned)).collect();
    let keep = match plan_with_pins(base.tokens, &costs, &pinned, Budget { window, reserve }) {
        Plan::Fits { keep, .. } => keep,
        Plan::TooLong { needed, available } => {
            let count = Count { tokens: needed, spread: 0, precision: whole.precision };
            return Meter::from_count(count, Some(available), 0);
        }
    };
    let total = parts.iter().zip(&keep).filter(|(_, k)| **k).fold(base, |sum, (p, _)| sum + p.1);
    let not_sent = keep[..history.messages].iter().filter(|k| !**k).count();
    Meter::from_count(total, Some(window), not_sent)
}

/// (index, cost, starts a turn) for each message that may be sent, counting only
/// messages not counted before.
pub fn costs(conversation: &mut Conversation, request: &Request) -> Vec<(usize, Count, bool)> {
    let mut candidates = Vec::new();
    for index in 0..conversation.messages().len() {
        let message = &conversation.messages()[index];
        if !message.is_sent() {
            continue;
        }
        let starts_turn = message.role == Role::User;
        let cost = request.tally.message(conversation, index, request.images);
        candidates.push((index, cost, starts_turn));
    }
    candidates
}

/// The longest tail of message `index` that costs at most `room` tokens, starting at a
/// word, with its count; `None` if less than `MIN_TAIL` tokens fit.
fn cut_tail(
    conversation: &Conversation,
    index: usize,
    room: usize,
    tally: &Tally,
) -> Option<(String, Count)> {
    let message = conversation.messages().get(index)?;
    // A tenth kept free: the tail's count is an estimate even where the whole was exact.
    let room = room.saturating_sub(room / 10);
    if room < MIN_TAIL {
        return None;
    }
    let text = &message.content;
    let cost = |from: usize| tally.draft(&text[from..]).tokens;
    let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    // The earliest start that fits: costs only fall as the start moves right.
    let (mut low, mut high) = (0, starts.len());
    while low < high {
        let mid = (low + high) / 2;
        if cost(starts[mid]) <= room { high = mid } else { low = mid + 1 }
    }
    let mut from = *starts.get(low)?;
    // Start at a word, unless the tail is one long word.
    if let Some(space) = text[from..].find(char::is_whitespace)
        && space < text.len() - from - 1
    {
        from += space + 1;
    }
    let tail = text[from..].to_owned();
    let count = tally.draft(&tail);
    (count.tokens >= MIN_TAIL.min(room)).then_some((tail, count))
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
        let (outcome, meter) =
            prepare(&mut conversation, &Request::local("gpt-4", window::limits("gpt-4")));
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
        let (Outcome::Send(messages), meter) =
            prepare(&mut conversation, &Request::local("llama3.2", None))
        else {
            panic!()
        };
        assert_eq!(messages.len(), 22);
        assert_eq!((meter.window, meter.is_exact()), (None, false));
    }

    #[test]
    fn a_prompt_longer_than_the_window_is_not_sent() {
        let mut keys = Keys::default();
        let mut conversation = Conversation::new(keys.fresh(), String::new());
        conversation.push(Message::user(keys.fresh(), "word ".repeat(9_000)));
        let (outcome, _) =
            prepare(&mut conversation, &Request::local("gpt-4", window::limits("gpt-4")));
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
            prepare(&mut conversation, &Request::local("qwen2.5", Some((1_000, 250))))
        else {
            panic!()
        };
        assert!(messages.len() < 10 && meter.window == Some(1_000), "{meter:?}");
    }
}

#[cfg(test)]
mod images_and_precision {
    use super::*;
    use crate::chat::attachment::Attachment;
    use crate::chat::{Keys, Message};

    fn with_image(model: &str) -> (Conversation, Request<'static>) {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&4u32.to_be_bytes());
        png.extend_from_slice(&4u32.to_be_bytes());
        png.resize(75, 0);
        let mut keys = Keys::default();
        let mut conversation = Conversation::new(keys.fresh(), String::new());
        let mut prompt = Message::user(keys.fresh(), "what is this?".into());
        prompt.images.push(Attachment::from_bytes("dot.png".into(), png).unwrap());
        conversation.push(prompt);
        (conversation, Request::local(model, None))
    }

    #[test]
    fn a_small_image_costs_what_its_size_says_not_a_flat_765() {
        let (mut conversation, request) = with_image("gpt-4o");
        let (_, meter) = prepare(&mut conversation, &request);
        // 3 + "user" 1 + "what is this?" 4, a 4×4 image 255, 3 priming the reply.
        assert_eq!(meter.tokens, 3 + 1 + 4 + 255 + 3);
        assert!(meter.is_exact(), "OpenAI documents the image's cost: {meter:?}");
        let (mut conversation, request) = with_image("llava");
        let (_, meter) = prepare(&mut conversation, &request);
        assert_eq!(meter.precision, Precision::Estimated, "a guess for another model");
    }

    #[test]
    fn a_model_without_images_gets_the_text_and_the_image_is_marked() {
        let (mut conversation, mut request) = with_image("tiny-llama");
        request.images = false;
        let (Outcome::Send(messages), meter) = prepare(&mut conversation, &request) else {
            panic!()
        };
        assert!(messages[0].images.is_empty());
        assert!(meter.tokens < 20, "the image costs nothing when it does not go: {meter:?}");
        assert!(conversation.messages()[0].images_not_sent);
    }
}

#[cfg(test)]
mod meter_preview {
    use super::*;
    use crate::chat::{Keys, Message};

    #[test]
    fn the_meter_shows_the_next_request_as_trimmed_never_above_the_window() {
        let mut keys = Keys::default();
        let mut conversation = Conversation::new(keys.fresh(), "be brief".into());
        for turn in 0..6 {
            conversation.push(Message::user(keys.fresh(), format!("q{turn} {}", "w ".repeat(200))));
            let mut reply = Message::assistant(keys.fresh(), "tiny-llama".into());
            reply.content = "a ".repeat(200);
            reply.status = crate::chat::Status::Complete;
            conversation.push(reply);
        }
        let request = Request::local("tiny-llama", Some((512, 128)));
        let history = history(&mut conversation, &request);
        let meter = preview(&mut conversation, &request, history, request.tally.draft("and now?"));
        assert!(meter.tokens + 128 <= 512, "{meter:?}");
        assert_eq!(meter.window, Some(512));
        assert!(meter.not_sent >= 10, "the older turns would be left out: {meter:?}");
        assert!(conversation.messages().iter().all(|m| !m.not_sent), "nothing is marked");
        let (Outcome::Send(_), planned) = prepare(&mut conversation, &request) else { panic!() };
        assert_eq!(planned.not_sent, meter.not_sent, "the preview is what prepare then does");
    }
}

#[cfg(test)]
mod tool_groups {
    use super::*;
    use crate::chat::tools::{CallState, Outcome as CallOutcome, ToolCall, ToolResult};
    use crate::chat::{Keys, Message, Status};

    /// `turns` prompts, each answered by a reply of two calls (with results of `words`
    /// words) and then a text reply; then one more prompt.
    fn with_calls(turns: usize, words: usize) -> Conversation {
        let mut keys = Keys::default();
        let mut conversation = Conversation::new(keys.fresh(), String::new());
        for turn in 0..turns {
            conversation.push(Message::user(keys.fresh(), format!("question {turn}")));
            let mut calls = Message::assistant(keys.fresh(), "gpt-4".into());
            calls.status = Status::Complete;
            for n in 0..2 {
                let mut call =
                    ToolCall::new(format!("call_{turn}_{n}"), "add".into(), "{\"a\":1}".into());
                call.state =
                    CallState::Done(ToolResult::new(CallOutcome::Ok, "word ".repeat(words)));
                calls.tool_calls.push(call);
            }
            conversation.push(calls);
            let mut reply = Message::assistant(keys.fresh(), "gpt-4".into());
            reply.content = format!("answer {turn}");
            reply.status = Status::Complete;
            conversation.push(reply);
        }
        conversation.push(Message::user(keys.fresh(), "the newest question".into()));
        conversation
    }

    fn roles(messages: &[RequestMessage]) -> Vec<&'static str> {
        messages.iter().map(|m| m.role.as_str()).collect()
    }

    #[test]
    fn calls_and_their_results_go_in_the_order_the_api_requires_never_joined() {
        let mut conversation = with_calls(1, 3);
        let (Outcome::Send(messages), _) =
            prepare(&mut conversation, &Request::local("gpt-4", None))
        else {
            panic!()
        };
        assert_eq!(roles(&messages), ["user", "assistant", "tool", "tool", "assistant", "user"]);
        assert_eq!(messages[1].tool_calls.len(), 2);
        assert_eq!(messages[2].tool_call_id.as_deref(), Some("call_0_0"));
        assert_eq!(messages[3].tool_call_id.as_deref(), Some("call_0_1"));
        assert_eq!(messages[4].content, "answer 0");
    }

    #[test]
    fn results_are_counted_and_trimmed_with_their_calls_as_whole_turns() {
        // Each turn's results cost about 2 x 400 tokens: a 2,000-token window with 500
        // reserved holds one such turn, not ten.
        let mut conversation = with_calls(10, 400);
        let whole = history(&mut conversation, &Request::local("gpt-4", None)).whole.tokens;
        assert!(whole > 10 * 800, "results are counted: {whole}");
        let (Outcome::Send(messages), meter) =
            prepare(&mut conversation, &Request::local("gpt-4", Some((2_000, 500))))
        else {
            panic!()
        };
        assert!(meter.tokens + 500 <= 2_000, "{meter:?}");
        assert!(meter.not_sent > 0);
        assert_eq!(messages[0].role, Role::User, "the history starts at a turn");
        // Every tool message follows the assistant turn that made its call.
        let mut open: Vec<String> = Vec::new();
        for message in &messages {
            match message.role {
                Role::Assistant => open = message.tool_calls.iter().map(|c| c.id.clone()).collect(),
                Role::Tool => {
                    let id = message.tool_call_id.clone().unwrap();
                    assert_eq!(open.first(), Some(&id), "{:?}", roles(&messages));
                    open.remove(0);
                }
                _ => assert!(open.is_empty(), "a call left unanswered"),
            }
        }
        assert_eq!(messages.last().unwrap().content, "the newest question");
    }
}

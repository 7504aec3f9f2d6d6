//! One turn of the conversation, as `update` sees it: the prompt goes in, the request
//! starts, the reply arrives delta by delta, and the turn ends complete, stopped or failed.
//!
//! Every step that changes what is on screen also tells the store, early: the prompt before
//! the request is sent, the reply at its first delta and at least every 250 ms after, and
//! the end state. Pure, like `update`: times come inside messages.

use std::time::{Duration, Instant};

use super::msg::{ApiEvent, Effect, RequestId};
use super::state::{State, Stream};
use super::{advice, persist, server};
use crate::api::reply::ReplyText;
use crate::api::think::Split;
use crate::api::{ApiError, StreamEvent};
use crate::chat::context;
use crate::chat::json;
use crate::chat::{Message, Status};
use crate::store::writer::StoreCmd;

/// A streaming reply reaches the store at least this often.
pub const SAVE_EVERY: Duration = Duration::from_millis(250);

/// The status line after a reply broke off: nothing is retried behind the user's back.
pub const PARTIAL_KEPT: &str = "partial kept · Ctrl+O continues · Ctrl+R retries";

/// Adds the user's prompt after the last message sent (saving it, and the conversation at
/// its first prompt) and sends.
pub fn send_prompt(
    state: &mut State,
    text: String,
    images: Vec<crate::chat::attachment::Attachment>,
) -> Vec<Effect> {
    let parent = state.conversation.messages().iter().rev().find(|m| m.is_sent()).map(|m| m.key);
    send_prompt_under(state, text, images, parent)
}

/// `send_prompt` with the parent given: an edited prompt is a sibling of the one it replaces.
pub fn send_prompt_under(
    state: &mut State,
    text: String,
    attachments: Vec<crate::chat::attachment::Attachment>,
    parent: Option<crate::chat::Key>,
) -> Vec<Effect> {
    let key = state.keys.fresh();
    // A prompt of the user's starts the count of tool rounds again.
    state.tools.round = 0;
    state.tools.turn = None;
    let mut prompt = Message::user(key, text);
    (prompt.images, prompt.files) = split_attachments(attachments);
    prompt.parent = parent;
    let mut effects = ensure_saved(state, &prompt);
    effects.extend(persist::add_with_attachments(&state.conversation, &prompt));
    let index = state.conversation.push(prompt);
    state.view.scroll = super::state::Scroll::Follow;
    effects.extend(start_request(state, index, 0));
    effects
}

/// Images and text files apart: images go out as content parts, files as fenced text.
pub fn split_attachments(
    attachments: Vec<crate::chat::attachment::Attachment>,
) -> (Vec<crate::chat::attachment::Attachment>, Vec<crate::chat::attachment::Attachment>) {
    attachments.into_iter().partition(|a| a.is_image())
}

/// Creates the conversation's row at its first message (named after it), with the
/// parameters set before it; nothing when it has one.
pub fn ensure_saved(state: &mut State, first: &Message) -> Vec<Effect> {
    let conversation = &mut state.conversation;
    if conversation.saved {
        return Vec::new();
    }
    conversation.saved = true;
    let named = first.images.first().or(first.files.first());
    conversation.title = match named {
        Some(attachment) if first.content.trim().is_empty() => attachment.name.clone(),
        _ => persist::title_for(&first.content),
    };
    let mut effects = vec![Effect::Store(StoreCmd::CreateConversation {
        key: conversation.key,
        title: conversation.title.clone(),
        system_prompt: conversation.system.clone(),
        provider: state.target.provider.clone(),
        model: state.target.model.clone(),
    })];
    if !conversation.params.is_empty() {
        effects.push(Effect::Store(StoreCmd::SetParams {
            conversation: conversation.key,
            json: conversation.params.to_json(),
        }));
    }
    if !state.tools.servers.is_empty() {
        effects.push(Effect::Store(StoreCmd::SetTools {
            conversation: conversation.key,
            enabled: state.tools.enabled.iter().cloned().collect(),
        }));
    }
    // A preset's few-shot turns were on screen, unstored, until now.
    for message in conversation.messages() {
        effects.extend(persist::add_with_attachments(conversation, message));
    }
    effects
}

/// Sends the history as it stands, answering the prompt at `user_index` (a retry answers
/// an earlier prompt than the last message).
pub fn start_request(state: &mut State, user_index: usize, attempt: u32) -> Vec<Effect> {
    let (outcome, meter) = plan(state);
    state.meter = Some(meter);
    let why = match outcome {
        context::Outcome::Send(messages) => {
            let id = state.next_id;
            state.next_id += 1;
            let tally = server::request(state).tally;
            state.sent = Some(server::Sent {
                id,
                tokens: meter.tokens,
                precision: meter.precision,
                ratio: tally.ratio.unwrap_or(1.0),
                by_server: tally.server.is_some(),
            });
            state.stream = Stream::Waiting { id, user_index, attempt, shrunk: false };
            let tools = super::tools::for_request(state);
            state.tools.offered_in = (!tools.is_empty()).then_some(id);
            return vec![Effect::StartRequest {
                id,
                provider: state.target.provider.clone(),
                model: state.target.model.clone(),
                messages,
                params: state.conversation.params.clone(),
                tools,
            }];
        }
        context::Outcome::TooLong { needed, window } => {
            // Nothing is sent: the server would refuse it. The prompt stays, with the reason.
            let pinned = state.conversation.messages().iter().any(|m| m.pinned && m.is_sent());
            format!(
                "not sent: this message needs {} tokens with room for the reply{}, and the model's window is {}. Shorten it{}, or pick a model with a larger window.",
                about(&meter, needed),
                if pinned { " and the pinned messages" } else { "" },
                crate::format::tokens(window),
                if pinned { ", unpin a message (Tab, then p)" } else { "" }
            )
        }
        context::Outcome::CannotContinue { needed, window } => format!(
            "cannot continue: the reply needs {} tokens with the room kept for more, and the model's window is {}, which leaves no room to send even its end. Start a new conversation (Ctrl+N) and paste what you need.",
            about(&meter, needed),
            crate::format::tokens(window)
        ),
    };
    // Nothing is in flight any more (a retry after an overflow, or after a wait, may end
    // here).
    state.stream = Stream::Idle;
    let mut effects = Vec::new();
    if let Some(prompt) = state.conversation.edit(user_index) {
        prompt.status = Status::Failed(why);
        effects.push(Effect::Store(persist::update(prompt)));
    }
    effects
}

/// "about 1.2k" for an estimate, "1.2k" for an exact count.
fn about(meter: &context::Meter, tokens: usize) -> String {
    let tokens = crate::format::tokens(tokens);
    if meter.is_exact() { tokens } else { format!("about {tokens}") }
}

/// Plans the next request with what is known of the target.
fn plan(state: &mut State) -> (context::Outcome, context::Meter) {
    // Out of the state while it is planned, so the plan can read the rest of it.
    let mut conversation = std::mem::take(&mut state.conversation);
    let planned = context::prepare(&mut conversation, &server::request(state));
    state.conversation = conversation;
    planned
}

pub fn on_api(state: &mut State, id: RequestId, event: ApiEvent, at: Instant) -> Vec<Effect> {
    state.now = Some(at);
    if state.stream.id() != Some(id) || matches!(state.stream, Stream::Backoff { .. }) {
        return Vec::new();
    }
    let mut effects = Vec::new();
    match event {
        ApiEvent::Stream(StreamEvent::Delta { content, reasoning }) => {
            reply_index(state, at, &mut effects);
            if let Stream::Receiving { reply, text, last_at, deltas, unsaved, .. } =
                &mut state.stream
            {
                let split = text.push(&content, &reasoning);
                *last_at = at;
                *deltas += 1;
                *unsaved = true;
                if let Some(message) = state.conversation.edit(*reply) {
                    append(message, split);
                }
            }
            effects.extend(save_if_due(state, at));
        }
        ApiEvent::Stream(StreamEvent::ToolCall(delta)) => {
            reply_index(state, at, &mut effects);
            if let Stream::Receiving { reply, calls, last_at, unsaved, .. } = &mut state.stream {
                *last_at = at;
                *unsaved = true;
                if let Some(message) = state.conversation.edit(*reply) {
                    calls.push(&mut message.tool_calls, delta);
                }
            }
            effects.extend(save_if_due(state, at));
        }
        ApiEvent::Stream(StreamEvent::Finish(reason)) => {
            let reply = reply_index(state, at, &mut effects);
            if let Some(message) = reply.and_then(|i| state.conversation.edit(i)) {
                message.finish = Some(reason);
            }
        }
        ApiEvent::Stream(StreamEvent::Usage(usage)) => {
            state.last_usage = Some(usage);
            effects.extend(server::on_usage(state, id, usage.prompt_tokens));
            if let Stream::Receiving { reply, .. } = state.stream {
                super::spend::on_usage(state, reply, usage);
            }
        }
        ApiEvent::Done => {
            // A reply with no text at all still gets a message, so the turn is visible.
            reply_index(state, at, &mut effects);
            effects.extend(end_stream(state, Status::Complete));
            effects.extend(server::ask_again_if_missed(state));
        }
        ApiEvent::Failed(ApiError::ContextOverflow { window: Some(window), requested, .. })
            if let Some(retry) = shrink_and_retry(state, window, requested) =>
        {
            effects.extend(retry);
        }
        ApiEvent::Failed(error) if let Some(again) = super::tools::refused(state, &error) => {
            effects.extend(again);
        }
        ApiEvent::Failed(ApiError::ImagesRefused { message, .. }) => {
            effects.extend(images_refused(state, &message));
        }
        ApiEvent::Failed(error) => match retry_delay(state, &error) {
            Some(wait) => {
                let limited = matches!(error, ApiError::RateLimited { .. });
                effects.extend(back_off(state, advice::full_message(&error), at + wait, limited))
            }
            None => {
                if matches!(state.stream, Stream::Receiving { .. }) {
                    state.notice = Some(PARTIAL_KEPT.to_owned());
                }
                effects.extend(end_stream(state, Status::Failed(advice::full_message(&error))))
            }
        },
    }
    effects
}

/// How long to wait before trying again, if this failure is worth another try: only before
/// any reply arrived (a partial reply is never silently replaced); the rest is the policy's.
fn retry_delay(state: &State, error: &ApiError) -> Option<Duration> {
    let Stream::Waiting { id, attempt, .. } = state.stream else { return None };
    state.retry.wait(error.failure(), attempt, id)
}

/// The server says the prompt is too long and how long its window is (and perhaps how
/// many tokens it counted): keep its window, calibrate the estimate with its count, and try
/// once more, trimmed to fit. `None` if that was tried already.
fn shrink_and_retry(
    state: &mut State,
    server_window: usize,
    requested: Option<usize>,
) -> Option<Vec<Effect>> {
    let Stream::Waiting { id, user_index, attempt, shrunk: false } = state.stream else {
        return None;
    };
    let crate::app::state::Target { provider, model } = state.target.clone();
    let mut effects = server::learn(state, &provider, &model, |learned| {
        learned.window = Some(server_window);
    });
    let sent = state.sent.filter(|s| s.id == id);
    let note = match (requested, sent) {
        (Some(theirs), Some(sent)) => {
            effects.extend(server::on_usage(state, id, theirs as u64));
            format!(" and counted {theirs} where rockchat counted {}", sent.tokens)
        }
        _ => String::new(),
    };
    state.notice = Some(format!(
        "the server's window is {server_window} tokens{note}: trimmed the history and retried"
    ));
    effects.extend(start_request(state, user_index, attempt));
    if let Stream::Waiting { shrunk, .. } = &mut state.stream {
        *shrunk = true;
    }
    Some(effects)
}

/// The model cannot take images: the prompt is not retried; its images stay on screen,
/// marked, and later requests to this model go without them.
fn images_refused(state: &mut State, said: &str) -> Vec<Effect> {
    let crate::app::state::Target { provider, model } = state.target.clone();
    let mut effects = server::learn(state, &provider, &model, |learned| {
        learned.images = Some(false);
    });
    for index in 0..state.conversation.messages().len() {
        let has_images = !state.conversation.messages()[index].images.is_empty();
        if has_images && let Some(message) = state.conversation.edit(index) {
            message.images_not_sent = true;
        }
    }
    let why = format!(
        "not sent: {model} does not take images (the server said: {said}). The image stays here and is left out of later requests to this model: Ctrl+R sends the text alone, or Ctrl+P picks a model that takes images."
    );
    effects.extend(end_stream(state, Status::Failed(why)));
    effects
}

/// Waits before the next try; the prompt stays, and the status line counts down.
fn back_off(state: &mut State, error: String, at: Instant, rate_limited: bool) -> Vec<Effect> {
    let Stream::Waiting { user_index, attempt, .. } = state.stream else { return Vec::new() };
    let id = state.next_id;
    state.next_id += 1;
    // The error shows under the prompt while the status line counts down.
    if let Some(prompt) = state.conversation.edit(user_index) {
        prompt.status = Status::Failed(error.clone());
    }
    state.stream =
        Stream::Backoff { id, user_index, attempt: attempt + 1, at, error, rate_limited };
    vec![Effect::WakeAt { id, at }]
}

/// The wait is over: the same prompt goes again.
pub fn retry_due(state: &mut State, id: RequestId) -> Vec<Effect> {
    match state.stream {
        Stream::Backoff { id: due, user_index, attempt, .. } if due == id => {
            if let Some(prompt) = state.conversation.edit(user_index) {
                prompt.status = Status::Complete;
            }
            start_request(state, user_index, attempt)
        }
        _ => Vec::new(),
    }
}

/// Saves the partial reply if it changed and the last save is `SAVE_EVERY` old. Called on
/// every delta and every tick, so text that arrived before a stall is on disk too.
pub fn save_if_due(state: &mut State, now: Instant) -> Option<Effect> {
    let Stream::Receiving { reply, saved_at, unsaved, .. } = &mut state.stream else {
        return None;
    };
    if !*unsaved || now.saturating_duration_since(*saved_at) < SAVE_EVERY {
        return None;
    }
    *saved_at = now;
    *unsaved = false;
    let message = state.conversation.messages().get(*reply)?;
    Some(Effect::Store(persist::update(message)))
}

/// The index of the reply being received, creating (and saving) it at its first sign.
fn reply_index(state: &mut State, at: Instant, effects: &mut Vec<Effect>) -> Option<usize> {
    let (id, user_index) = match state.stream {
        Stream::Idle => return None,
        Stream::Receiving { reply, .. } => return Some(reply),
        Stream::Waiting { id, user_index, .. } => (id, user_index),
        Stream::Backoff { .. } => return None,
    };
    let mut message = Message::assistant(state.keys.fresh(), state.target.model.clone());
    message.provider = Some(state.target.provider.clone());
    message.parent = state.conversation.messages().get(user_index).map(|m| m.key);
    effects.push(Effect::Store(persist::add(&state.conversation, &message)));
    let reply = state.conversation.push(message);
    let catalog = &state.catalog;
    state.conversation.label_providers(|model| catalog.at_several(model));
    state.stream = Stream::Receiving {
        id,
        reply,
        text: Box::new(ReplyText::new()),
        first_at: at,
        last_at: at,
        saved_at: at,
        unsaved: false,
        deltas: 0,
        calls: Box::default(),
    };
    Some(reply)
}

fn append(message: &mut Message, split: Split) {
    if split.content.is_empty() && split.reasoning.is_empty() {
        return;
    }
    message.content.push_str(&split.content);
    message.reasoning.push_str(&split.reasoning);
}

/// Closes the request in flight: flushes held-back text and records how it ended, on the
/// reply if one started, else on the prompt.
pub fn end_stream(state: &mut State, status: Status) -> Vec<Effect> {
    let edited = match std::mem::replace(&mut state.stream, Stream::Idle) {
        Stream::Idle => None,
        Stream::Waiting { user_index, .. } if status != Status::Complete => {
            state.conversation.edit(user_index).map(|prompt| {
                prompt.status = status;
                &*prompt
            })
        }
        Stream::Waiting { .. } => None,
        // Stopped while waiting to retry: the prompt keeps the error that caused the wait.
        Stream::Backoff { user_index, error, .. } => {
            state.conversation.edit(user_index).map(|prompt| {
                prompt.status = match status {
                    Status::Stopped => Status::Failed(format!("{error} (retrying was cancelled)")),
                    other => other,
                };
                &*prompt
            })
        }
        Stream::Receiving { id, reply, mut text, mut calls, .. } => {
            let format = state.conversation.params.response_format.clone();
            let edited = state.conversation.edit(reply).map(|message| {
                append(message, text.finish());
                calls.finish(&mut message.tool_calls, id);
                // A reply asked for as JSON is checked once it is whole.
                if let (Some(format), Status::Complete) = (&format, &status) {
                    message.json = Some(json::check(&message.content, format));
                }
                message.status = status;
                &*message
            });
            if let Some(Message { json: Some(json::Checked::Invalid(why)), .. }) = edited {
                state.notice = Some(format!("✗ JSON reply: {why}"));
            }
            let mut effects: Vec<Effect> =
                edited.map(|message| Effect::Store(persist::update(message))).into_iter().collect();
            // The reply's calls: asked about, run, or (when it broke off) not run.
            let round = state.tools.round;
            effects.extend(super::tools::after_reply(state, reply, round));
            return effects;
        }
    };
    edited.map(|message| Effect::Store(persist::update(message))).into_iter().collect()
}

#[cfg(test)]
mod tests;

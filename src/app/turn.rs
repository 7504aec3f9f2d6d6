//! One turn of the conversation, as `update` sees it: the prompt goes in, the request
//! starts, the reply arrives delta by delta, and the turn ends complete, stopped or failed.
//!
//! Every step that changes what is on screen also tells the store, early: the prompt before
//! the request is sent, the reply at its first delta and at least every 250 ms after, and
//! the end state. Pure, like `update`: times come inside messages.

use std::time::{Duration, Instant};

use super::msg::{ApiEvent, Effect, RequestId};
use super::state::{State, Stream};
use super::{advice, meter, persist};
use crate::api::reply::ReplyText;
use crate::api::think::Split;
use crate::api::{ApiError, StreamEvent};
use crate::chat::context;
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
    images: Vec<crate::chat::attachment::Attachment>,
    parent: Option<crate::chat::Key>,
) -> Vec<Effect> {
    let mut effects = Vec::new();
    let key = state.keys.fresh();
    let conversation = &mut state.conversation;
    if !conversation.saved {
        conversation.saved = true;
        conversation.title = match images.first() {
            Some(image) if text.trim().is_empty() => image.name.clone(),
            _ => persist::title_for(&text),
        };
        effects.push(Effect::Store(StoreCmd::CreateConversation {
            key: conversation.key,
            title: conversation.title.clone(),
            system_prompt: conversation.system.clone(),
            provider: state.target.provider.clone(),
            model: state.target.model.clone(),
        }));
        if !conversation.params.is_empty() {
            effects.push(Effect::Store(StoreCmd::SetParams {
                conversation: conversation.key,
                json: conversation.params.to_json(),
            }));
        }
    }
    let mut prompt = Message::user(key, text);
    prompt.images = images;
    prompt.parent = parent;
    effects.push(Effect::Store(persist::add(conversation, &prompt)));
    if !prompt.images.is_empty() {
        effects.push(Effect::Store(StoreCmd::Attach {
            message: prompt.key,
            images: prompt.images.clone(),
        }));
    }
    let index = conversation.push(prompt);
    state.view.scroll = super::state::Scroll::Follow;
    effects.extend(start_request(state, index, 0));
    effects
}

/// Sends the history as it stands, answering the prompt at `user_index` (a retry answers
/// an earlier prompt than the last message).
pub fn start_request(state: &mut State, user_index: usize, attempt: u32) -> Vec<Effect> {
    let limits = meter::limits_for(state, &state.target.model);
    let counter = state.counting.counter(&state.target.model);
    let (outcome, meter) = context::prepare_with(&mut state.conversation, counter, limits);
    state.meter = Some(meter);
    let messages = match outcome {
        context::Outcome::Send(messages) => messages,
        context::Outcome::TooLong { needed, window } => {
            // Nothing is sent: the server would refuse it. The prompt stays, with the reason.
            let pinned = state.conversation.messages().iter().any(|m| m.pinned && m.is_sent());
            let why = format!(
                "not sent: this message needs about {} tokens with room for the reply{}, and the model's window is {}. Shorten it{}, or pick a model with a larger window.",
                crate::format::tokens(needed),
                if pinned { " and the pinned messages" } else { "" },
                crate::format::tokens(window),
                if pinned { ", unpin a message (Tab, then p)" } else { "" }
            );
            let mut effects = Vec::new();
            if let Some(prompt) = state.conversation.edit(user_index) {
                prompt.status = Status::Failed(why);
                effects.push(Effect::Store(persist::update(prompt)));
            }
            return effects;
        }
    };
    let id = state.next_id;
    state.next_id += 1;
    state.stream = Stream::Waiting { id, user_index, attempt, shrunk: false };
    vec![Effect::StartRequest {
        id,
        provider: state.target.provider.clone(),
        model: state.target.model.clone(),
        messages,
        params: state.conversation.params,
    }]
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
        ApiEvent::Stream(StreamEvent::Finish(reason)) => {
            let reply = reply_index(state, at, &mut effects);
            if let Some(message) = reply.and_then(|i| state.conversation.edit(i)) {
                message.finish = Some(reason);
            }
        }
        ApiEvent::Stream(StreamEvent::Usage(usage)) => {
            state.last_usage = Some(usage);
            if let Stream::Receiving { reply, .. } = state.stream
                && let Some(message) = state.conversation.edit(reply)
            {
                message.usage = Some(usage);
            }
        }
        ApiEvent::Done => {
            // A reply with no text at all still gets a message, so the turn is visible.
            reply_index(state, at, &mut effects);
            effects.extend(end_stream(state, Status::Complete));
        }
        ApiEvent::Failed(ApiError::ContextOverflow { window: Some(window), requested, .. })
            if let Some(retry) = shrink_and_retry(state, window, requested) =>
        {
            effects.extend(retry);
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
/// many tokens it counted): learn the window from its numbers and try once more, trimmed
/// to fit. `None` if that was tried already.
fn shrink_and_retry(
    state: &mut State,
    server_window: usize,
    requested: Option<usize>,
) -> Option<Vec<Effect>> {
    let Stream::Waiting { user_index, attempt, shrunk: false, .. } = state.stream else {
        return None;
    };
    let model = state.target.model.clone();
    let limits = meter::limits_for(state, &model);
    // What we counted for the request that failed (nothing changed since it was planned).
    let counter = state.counting.counter(&model);
    let ours = context::prepare_with(&mut state.conversation, counter, limits).1.tokens;
    // The server's tokenizer may count more than ours (an estimate, or another model's
    // vocabulary): then its window holds proportionally fewer of our tokens.
    let (window, note) = match requested {
        Some(theirs) if ours > 0 && theirs > ours => (
            server_window * ours / theirs,
            format!(
                ", and it counts {:.1}x the tokens rockchat estimated",
                theirs as f64 / ours as f64
            ),
        ),
        _ => (server_window, String::new()),
    };
    let reserve = limits.map(|l| l.1.min(window / 4));
    state.windows.insert(model, (window, reserve));
    state.notice = Some(format!(
        "the server's window is {server_window} tokens{note}: trimmed the history and retried"
    ));
    let effects = start_request(state, user_index, attempt);
    if let Stream::Waiting { shrunk, .. } = &mut state.stream {
        *shrunk = true;
    }
    Some(effects)
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
    message.parent = state.conversation.messages().get(user_index).map(|m| m.key);
    effects.push(Effect::Store(persist::add(&state.conversation, &message)));
    let reply = state.conversation.push(message);
    state.stream = Stream::Receiving {
        id,
        reply,
        text: Box::new(ReplyText::new()),
        first_at: at,
        last_at: at,
        saved_at: at,
        unsaved: false,
        deltas: 0,
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
        Stream::Receiving { reply, mut text, .. } => {
            state.conversation.edit(reply).map(|message| {
                append(message, text.finish());
                message.status = status;
                &*message
            })
        }
    };
    edited.map(|message| Effect::Store(persist::update(message))).into_iter().collect()
}

#[cfg(test)]
mod tests;

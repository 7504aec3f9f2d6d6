//! One message of a conversation and the vocabulary around it: who wrote it (`Role`), how
//! it stands (`Status`), why the model stopped (`FinishReason`), what it cost (`Usage`),
//! and the marks the user put on it (pinned, deleted, which branch it is on). Plain data;
//! `Conversation` keeps messages in order and says what changed. `RequestMessage` is a
//! message as the next request carries it; `api` decides how it is spelled on the wire.

use serde::{Deserialize, Serialize};

use super::Key;
use super::attachment::Attachment;
use crate::tokens::Counter;

/// A chat role as the API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    /// A tool's result, answering one call of the assistant turn before it.
    Tool,
}

impl Role {
    /// The role as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::User => "user",
            Self::Assistant => "assistant",
            Self::Tool => "tool",
        }
    }
}

/// Token usage as reported by the server, for the last turn. Cached tokens are part of the
/// prompt's count, reasoning tokens part of the completion's; 0 where the server does not say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "WireUsage")]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
    /// `prompt_tokens_details.cached_tokens`: read from the provider's prompt cache.
    pub cached_tokens: u64,
    /// `completion_tokens_details.reasoning_tokens`: thought before the answer.
    pub reasoning_tokens: u64,
}

impl Usage {
    /// Usage with its details: `cached` of the `prompt` tokens, `reasoning` of the
    /// `completion` ones.
    pub fn new(prompt: u64, cached: u64, completion: u64, reasoning: u64) -> Self {
        Usage {
            prompt_tokens: prompt,
            completion_tokens: completion,
            total_tokens: prompt + completion,
            cached_tokens: cached,
            reasoning_tokens: reasoning,
        }
    }
}

/// `usage` as servers spell it, details nested (and often absent or null).
#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
    #[serde(default)]
    total_tokens: Option<u64>,
    #[serde(default)]
    prompt_tokens_details: Option<WireDetails>,
    #[serde(default)]
    completion_tokens_details: Option<WireDetails>,
}

#[derive(Deserialize)]
struct WireDetails {
    #[serde(default)]
    cached_tokens: Option<u64>,
    #[serde(default)]
    reasoning_tokens: Option<u64>,
}

impl From<WireUsage> for Usage {
    fn from(wire: WireUsage) -> Self {
        Usage {
            prompt_tokens: wire.prompt_tokens.unwrap_or(0),
            completion_tokens: wire.completion_tokens.unwrap_or(0),
            total_tokens: wire.total_tokens.unwrap_or(0),
            cached_tokens: wire.prompt_tokens_details.and_then(|d| d.cached_tokens).unwrap_or(0),
            reasoning_tokens: wire
                .completion_tokens_details
                .and_then(|d| d.reasoning_tokens)
                .unwrap_or(0),
        }
    }
}

/// Why the model stopped. An unknown reason is kept so it can still be shown, but as a
/// server's string: sanitised, on one line and at most [`FinishReason::MAX_OTHER`] chars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinishReason {
    Stop,
    Length,
    ContentFilter,
    ToolCalls,
    Other(String),
}

impl FinishReason {
    /// Longest unknown reason kept; the known ones are a word or two.
    pub const MAX_OTHER: usize = 64;

    /// A reason as a server (or a stored row, which came from one) spells it.
    pub fn parse(raw: &str) -> Self {
        match raw {
            "stop" | "eos" | "end_turn" | "stop_sequence" => Self::Stop,
            "length" | "max_tokens" => Self::Length,
            "content_filter" => Self::ContentFilter,
            "tool_calls" | "function_call" => Self::ToolCalls,
            other => Self::Other(crate::sanitize::one_line(other, Self::MAX_OTHER).into_owned()),
        }
    }

    /// What to tell the user when the reply did not simply end; `None` for a normal stop.
    pub fn notice(&self) -> Option<String> {
        match self {
            Self::Stop => None,
            Self::Length => Some("cut off at the token limit".to_owned()),
            Self::ContentFilter => Some("stopped by the provider's content filter".to_owned()),
            // The calls themselves are shown, with what became of each.
            Self::ToolCalls => None,
            Self::Other(raw) => Some(format!("finished: {raw}")),
        }
    }
}

/// One message of a request: text, or text plus images, which go out as content parts; an
/// assistant turn may carry tool calls, and a `tool` message answers one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestMessage {
    pub role: Role,
    pub content: String,
    pub images: Vec<Attachment>,
    pub tool_calls: Vec<super::tools::ToolCall>,
    /// The call a `tool` message answers.
    pub tool_call_id: Option<String>,
}

impl RequestMessage {
    pub fn text(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            images: Vec::new(),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
}

/// How a message stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Complete,
    /// Text is still arriving.
    Streaming,
    /// The user stopped it; the partial text is kept.
    Stopped,
    /// The request failed with this message; partial text, if any, is kept.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub role: Role,
    pub content: String,
    /// Images sent with a user message.
    pub images: Vec<Attachment>,
    /// Text files sent with a user message, each as a named fenced block after its text.
    pub files: Vec<Attachment>,
    /// An assistant turn the user wrote (a few-shot example, or a reply rewritten with `e`):
    /// sent as `assistant`, shown as "written by you".
    pub authored: bool,
    /// A reply asked for as JSON, checked when it completed.
    pub json: Option<super::json::Checked>,
    /// Model reasoning: shown folded, never sent back.
    pub reasoning: String,
    /// The tools a reply called, each with its result once it has one.
    pub tool_calls: Vec<super::tools::ToolCall>,
    /// The model that wrote an assistant message.
    pub model: Option<String>,
    pub status: Status,
    pub finish: Option<FinishReason>,
    pub usage: Option<Usage>,
    /// What the reply cost at the prices known when it arrived; `None` when unknown.
    pub cost: Option<super::price::Money>,
    /// The provider that wrote the reply (its model is `model`).
    pub provider: Option<String>,
    /// The reply's header names its provider too (`provider/model`): its model's name is
    /// served by more than one provider (see `Conversation::label_providers`).
    pub show_provider: bool,
    /// Pinned by the user: never trimmed out of a request.
    pub pinned: bool,
    /// Deleted by the user: kept in the store (later messages still follow it) but no longer
    /// shown or sent.
    pub hidden: bool,
    /// This message's place among its siblings (1-based) and their number, when it has any.
    pub branch: Option<(usize, usize)>,
    /// Left out of the last request to fit the context window; still on screen, dimmed.
    pub not_sent: bool,
    /// A prompt that got no reply, sent in the last request joined to the prompt after it,
    /// so the request's roles still alternate.
    pub folded: bool,
    /// Its images were left out of the last request: the model does not take images.
    pub images_not_sent: bool,
    /// This message's cost in a request, counted once for the model that counted it.
    pub tokens: Option<(Counter, usize)>,
    /// Bumped on every change so cached layout knows when to redo this message.
    pub revision: u64,
    /// Names this message to the store writer.
    pub key: Key,
    /// The message this one follows in the conversation tree (a retry's reply and the
    /// reply it replaced share a parent).
    pub parent: Option<Key>,
}

impl Message {
    pub fn user(key: Key, content: String) -> Self {
        Self::new(key, Role::User, content, None)
    }

    /// An assistant turn the user wrote themselves: complete, and no model's.
    pub fn authored(key: Key, content: String) -> Self {
        let mut message = Self::new(key, Role::Assistant, content, None);
        message.authored = true;
        message
    }

    /// The text the model reads: the content, with the files attached to it after it as
    /// fenced blocks (borrowed when there are none).
    pub fn sent_text(&self) -> std::borrow::Cow<'_, str> {
        match self.files.is_empty() {
            true => std::borrow::Cow::Borrowed(&self.content),
            false => super::attachment::with_files(&self.content, &self.files).into(),
        }
    }

    /// A reply about to stream from `model`.
    pub fn assistant(key: Key, model: String) -> Self {
        let mut message = Self::new(key, Role::Assistant, String::new(), Some(model));
        message.status = Status::Streaming;
        message
    }

    fn new(key: Key, role: Role, content: String, model: Option<String>) -> Self {
        Self {
            role,
            content,
            images: Vec::new(),
            files: Vec::new(),
            authored: false,
            json: None,
            reasoning: String::new(),
            tool_calls: Vec::new(),
            model,
            status: Status::Complete,
            finish: None,
            usage: None,
            cost: None,
            provider: None,
            show_provider: false,
            pinned: false,
            hidden: false,
            branch: None,
            not_sent: false,
            folded: false,
            images_not_sent: false,
            tokens: None,
            revision: 0,
            key,
            parent: None,
        }
    }

    /// Whether this message goes into the next request's history.
    pub fn is_sent(&self) -> bool {
        if self.hidden {
            return false;
        }
        match self.role {
            Role::User => true,
            Role::System | Role::Tool => false,
            // A stopped or broken-off partial was seen by the user, so it is context too;
            // calls go with their results (every call is answered, run or not).
            Role::Assistant => {
                (!self.content.is_empty() || !self.tool_calls.is_empty())
                    && self.status != Status::Streaming
            }
        }
    }

    pub(crate) fn touch(&mut self) {
        self.revision = self.revision.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_reasons_map_to_notices() {
        assert_eq!(FinishReason::parse("stop").notice(), None);
        assert_eq!(
            FinishReason::parse("length").notice().as_deref(),
            Some("cut off at the token limit")
        );
        assert_eq!(FinishReason::parse("function_call"), FinishReason::ToolCalls);
        assert_eq!(FinishReason::parse("weird"), FinishReason::Other("weird".into()));
    }

    #[test]
    fn an_unknown_reason_is_one_sanitised_capped_line() {
        let hostile = "\u{1b}]0;TITLE\u{7}\u{1b}]52;c;UFdORUQ=\u{7}\u{1b}[31mx\ny";
        assert_eq!(FinishReason::parse(hostile), FinishReason::Other("x y".into()));
        let FinishReason::Other(long) = FinishReason::parse(&"z".repeat(10_000)) else {
            panic!("not a known reason")
        };
        assert_eq!(long.chars().count(), FinishReason::MAX_OTHER + 1, "with its …");
    }
}

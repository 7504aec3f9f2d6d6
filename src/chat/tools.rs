//! Tools in the domain: a function the model may call (`ToolSpec`), a call it made
//! (`ToolCall`) and how it stands (asked, running, answered), the streamed pieces a call
//! arrives in (`CallDelta`) and their assembly, and how a reply with calls goes into a
//! request: the assistant turn carrying the calls, then one `tool` message per call, in the
//! calls' order, as the Chat Completions API requires.
//!
//! A reply and its calls are one `Message`, so trimming a history to a window keeps or
//! drops a call together with its result: never a result without its call. Every call in a
//! request is answered: one that never ran says why in its result.
//!
//! Pure data and pure functions: nothing here runs a tool, starts a server or reads a clock.

use super::message::{Message, RequestMessage, Role};
use crate::tokens::Counter;

/// Most calls one reply may make; later ones are dropped.
pub const MAX_CALLS: usize = 64;
/// Longest arguments kept for one call; what arrives past it is dropped, and the call
/// then fails as arguments that are not JSON.
pub const MAX_ARGUMENTS: usize = 1024 * 1024;
/// Longest call id and function name kept.
pub const MAX_NAME: usize = 256;

/// A function offered to the model: its name as the model calls it, what it does, the JSON
/// schema of its arguments, and the MCP server that runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub parameters: serde_json::Value,
    pub server: String,
}

/// One call the model made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    /// The model's id for the call; its result names it.
    pub id: String,
    pub name: String,
    /// The arguments as the model wrote them: JSON text, perhaps not valid.
    pub arguments: String,
    /// The server that offers a tool of this name, when one does.
    pub server: Option<String>,
    pub state: CallState,
}

/// How a call stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallState {
    /// Its pieces are still arriving.
    Streaming,
    /// Waiting for the user to allow or refuse it.
    Asked,
    /// Allowed, and running on its server.
    Running,
    /// Answered: the result goes back to the model.
    Done(ToolResult),
}

/// What a call came to, and the text the model is sent as the `tool` message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolResult {
    pub outcome: Outcome,
    pub content: String,
}

/// Why a call ended as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The tool ran and answered.
    Ok,
    /// The tool ran and reported an error, or its server failed.
    Error,
    /// The user said no.
    Refused,
    /// The tool did not answer in time.
    TimedOut,
    /// The user stopped it, or stopped the turn before it ran.
    Cancelled,
    /// No enabled server offers a tool of this name.
    Unknown,
    /// The arguments are not a JSON object.
    Invalid,
    /// rockchat closed before the call ran or finished.
    Interrupted,
}

impl Outcome {
    /// The word the store and exports use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Refused => "refused",
            Self::TimedOut => "timeout",
            Self::Cancelled => "cancelled",
            Self::Unknown => "unknown",
            Self::Invalid => "invalid",
            Self::Interrupted => "interrupted",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "ok" => Self::Ok,
            "error" => Self::Error,
            "refused" => Self::Refused,
            "timeout" => Self::TimedOut,
            "cancelled" => Self::Cancelled,
            "unknown" => Self::Unknown,
            "invalid" => Self::Invalid,
            "interrupted" => Self::Interrupted,
            _ => return None,
        })
    }
}

impl ToolResult {
    pub fn new(outcome: Outcome, content: impl Into<String>) -> Self {
        Self { outcome, content: content.into() }
    }

    /// The user refused the call: the model is told so, in words it can act on.
    pub fn refused() -> Self {
        Self::new(Outcome::Refused, "The user refused to run this tool call.")
    }

    pub fn cancelled() -> Self {
        Self::new(Outcome::Cancelled, "The user cancelled this tool call before it finished.")
    }

    pub fn interrupted() -> Self {
        Self::new(Outcome::Interrupted, "The tool call was not completed: the client closed.")
    }
}

impl ToolCall {
    pub fn new(id: String, name: String, arguments: String) -> Self {
        Self { id, name, arguments, server: None, state: CallState::Streaming }
    }

    pub fn result(&self) -> Option<&ToolResult> {
        match &self.state {
            CallState::Done(result) => Some(result),
            _ => None,
        }
    }

    pub fn is_done(&self) -> bool {
        matches!(self.state, CallState::Done(_))
    }

    /// The text its `tool` message carries: the result, or why there is none.
    pub fn reply(&self) -> String {
        match &self.state {
            CallState::Done(result) => result.content.clone(),
            _ => ToolResult::interrupted().content,
        }
    }

    /// The arguments as the object a tool takes, or why they are not one.
    pub fn parsed_arguments(&self) -> Result<serde_json::Map<String, serde_json::Value>, String> {
        // A model calling a tool without arguments may send nothing at all.
        if self.arguments.trim().is_empty() {
            return Ok(serde_json::Map::new());
        }
        match serde_json::from_str::<serde_json::Value>(&self.arguments) {
            Ok(serde_json::Value::Object(object)) => Ok(object),
            Ok(other) => Err(format!("the arguments are JSON but not an object: {other}")),
            Err(error) => Err(format!("the arguments are not valid JSON ({error})")),
        }
    }

    /// The arguments for people: pretty JSON (which escapes any control character in a
    /// string), or the text as sent when it is not JSON (the caller sanitises it).
    pub fn pretty_arguments(&self) -> String {
        match serde_json::from_str::<serde_json::Value>(&self.arguments) {
            Ok(value) => serde_json::to_string_pretty(&value).unwrap_or_default(),
            Err(_) => self.arguments.clone(),
        }
    }
}

/// One streamed piece of a call, as a server sends it inside `delta.tool_calls`: which call
/// (`index`), and what of it this piece holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallDelta {
    pub index: Option<u32>,
    pub id: Option<String>,
    pub name: Option<String>,
    pub arguments: String,
}

/// Puts streamed pieces together into calls. A piece names its call by `index`; servers
/// that send none start a new call when the id changes, and otherwise continue the last.
/// Arguments may be split anywhere, even inside a UTF-8 character's escape: they are kept
/// as text and parsed only when the call is complete.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assembly {
    /// The wire index of each call, by position.
    indices: Vec<Option<u32>>,
}

impl Assembly {
    /// Adds `delta` to `calls`. A call past [`MAX_CALLS`] is dropped; false then.
    pub fn push(&mut self, calls: &mut Vec<ToolCall>, delta: CallDelta) -> bool {
        let position = match delta.index {
            Some(index) => self.indices.iter().position(|&i| i == Some(index)),
            None => {
                let same_call = |call: &ToolCall| match &delta.id {
                    Some(id) => call.id.is_empty() || call.id == *id,
                    None => true,
                };
                calls.last().filter(|call| same_call(call)).map(|_| calls.len() - 1)
            }
        };
        let position = match position {
            Some(position) => position,
            None if calls.len() >= MAX_CALLS => return false,
            None => {
                calls.push(ToolCall::new(String::new(), String::new(), String::new()));
                self.indices.push(delta.index);
                calls.len() - 1
            }
        };
        let call = &mut calls[position];
        // Some servers repeat the id and name in every piece; the first one holds.
        if let Some(id) = delta.id.filter(|id| !id.is_empty())
            && call.id.is_empty()
        {
            call.id = capped(&id, MAX_NAME);
        }
        if let Some(name) = delta.name.filter(|name| !name.is_empty()) {
            if call.name.is_empty() {
                call.name = capped(&name, MAX_NAME);
            } else if call.name != name && call.name.len() + name.len() <= MAX_NAME {
                // A name split over pieces, as some servers stream it.
                call.name.push_str(&name);
            }
        }
        let room = MAX_ARGUMENTS.saturating_sub(call.arguments.len());
        call.arguments.push_str(&capped(&delta.arguments, room));
        true
    }

    /// The stream ended: every call gets an id (a server that sent none still needs its
    /// results matched) and stops streaming.
    pub fn finish(&mut self, calls: &mut [ToolCall], salt: u64) {
        for (position, call) in calls.iter_mut().enumerate() {
            if call.id.is_empty() {
                call.id = format!("call_{salt}_{position}");
            }
            if call.state == CallState::Streaming {
                call.state = CallState::Asked;
            }
        }
    }
}

/// `text` cut to at most `max` bytes at a character boundary.
fn capped(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// A message as the request carries it: itself, and for a reply with calls one `tool`
/// message per call after it, in order.
pub fn request_messages(message: &Message) -> Vec<RequestMessage> {
    let mut turn = RequestMessage {
        role: message.role,
        content: message.content.clone(),
        images: message.images.clone(),
        tool_calls: Vec::new(),
        tool_call_id: None,
    };
    if message.tool_calls.is_empty() {
        return vec![turn];
    }
    turn.tool_calls = message.tool_calls.clone();
    let mut messages = vec![turn];
    for call in &message.tool_calls {
        messages.push(RequestMessage {
            role: Role::Tool,
            content: call.reply(),
            images: Vec::new(),
            tool_calls: Vec::new(),
            tool_call_id: Some(call.id.clone()),
        });
    }
    messages
}

/// What a message's calls and their results add to its cost in a request.
pub fn cost(counter: Counter, message: &Message) -> usize {
    message
        .tool_calls
        .iter()
        .map(|call| {
            counter.count(&call.id)
                + counter.count(&call.name)
                + counter.count(&call.arguments)
                + counter.message(Role::Tool.as_str(), &call.reply())
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(index: Option<u32>, id: Option<&str>, name: Option<&str>, args: &str) -> CallDelta {
        CallDelta {
            index,
            id: id.map(str::to_owned),
            name: name.map(str::to_owned),
            arguments: args.to_owned(),
        }
    }

    fn assemble(pieces: Vec<CallDelta>) -> Vec<ToolCall> {
        let mut calls = Vec::new();
        let mut assembly = Assembly::default();
        for delta in pieces {
            assembly.push(&mut calls, delta);
        }
        assembly.finish(&mut calls, 7);
        calls
    }

    #[test]
    fn split_arguments_of_two_parallel_calls_interleaved_come_out_whole() {
        let calls = assemble(vec![
            piece(Some(0), Some("call_a"), Some("add"), ""),
            piece(Some(1), Some("call_b"), Some("slow"), "{\"sec"),
            piece(Some(0), None, None, "{\"a\": 2,"),
            piece(Some(1), None, None, "onds\": 1}"),
            piece(Some(0), None, None, " \"b\": 3}"),
        ]);
        assert_eq!(calls.len(), 2);
        assert_eq!((calls[0].id.as_str(), calls[0].name.as_str()), ("call_a", "add"));
        assert_eq!(calls[0].arguments, "{\"a\": 2, \"b\": 3}");
        assert_eq!(calls[1].arguments, "{\"seconds\": 1}");
        assert_eq!(calls[1].parsed_arguments().unwrap()["seconds"], 1);
        assert!(calls.iter().all(|c| c.state == CallState::Asked));
    }

    #[test]
    fn calls_without_an_index_are_told_apart_by_their_ids() {
        let calls = assemble(vec![
            piece(None, Some("x"), Some("add"), "{\"a\":1,"),
            piece(None, None, None, "\"b\":2}"),
            piece(None, Some("y"), Some("add"), "{}"),
        ]);
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].arguments, "{\"a\":1,\"b\":2}");
        assert_eq!(calls[1].id, "y");
    }

    #[test]
    fn a_call_without_an_id_gets_one_and_repeated_names_are_not_doubled() {
        let calls = assemble(vec![
            piece(Some(0), None, Some("add"), "{"),
            piece(Some(0), None, Some("add"), "}"),
        ]);
        assert_eq!((calls[0].id.as_str(), calls[0].name.as_str()), ("call_7_0", "add"));
        assert_eq!(calls[0].arguments, "{}");
    }

    #[test]
    fn too_many_calls_and_too_long_arguments_are_bounded() {
        let mut calls = Vec::new();
        let mut assembly = Assembly::default();
        for index in 0..(MAX_CALLS as u32 + 5) {
            assembly.push(&mut calls, piece(Some(index), Some("i"), Some("f"), "{}"));
        }
        assert_eq!(calls.len(), MAX_CALLS);
        let long = "é".repeat(MAX_ARGUMENTS);
        assembly.push(&mut calls, piece(Some(0), None, None, &long));
        assert!(calls[0].arguments.len() <= MAX_ARGUMENTS);
        assert!(calls[0].parsed_arguments().is_err());
    }

    #[test]
    fn arguments_that_are_not_an_object_say_why() {
        let call = |args: &str| ToolCall::new("i".into(), "f".into(), args.into());
        assert!(call("").parsed_arguments().unwrap().is_empty());
        assert!(call("{\"a\":").parsed_arguments().unwrap_err().contains("not valid JSON"));
        assert!(call("[1]").parsed_arguments().unwrap_err().contains("not an object"));
        assert_eq!(
            call("{\"a\":\"\\u001b[31m\"}").pretty_arguments(),
            "{\n  \"a\": \"\\u001b[31m\"\n}"
        );
    }

    #[test]
    fn a_reply_with_calls_goes_out_as_the_turn_then_one_result_per_call() {
        let mut message = Message::assistant(1, "m".into());
        message.status = crate::chat::Status::Complete;
        let mut first = ToolCall::new("a".into(), "add".into(), "{}".into());
        first.state = CallState::Done(ToolResult::new(Outcome::Ok, "5"));
        let second = ToolCall::new("b".into(), "slow".into(), "{}".into());
        message.tool_calls = vec![first, second];
        let out = request_messages(&message);
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].tool_calls.len(), 2);
        assert_eq!((out[1].role, out[1].tool_call_id.as_deref()), (Role::Tool, Some("a")));
        assert_eq!(out[1].content, "5");
        assert_eq!(out[2].content, ToolResult::interrupted().content, "every call is answered");
        assert!(message.is_sent(), "a reply of calls alone is part of the history");
    }
}

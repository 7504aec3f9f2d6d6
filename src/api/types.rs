//! The wire shapes of the Chat Completions API, as serde types.
//!
//! Requests are built from these and nothing else; responses are parsed leniently: every
//! field a server may omit or send as `null` is optional, and unknown fields are ignored,
//! because llama.cpp, vLLM, Ollama and OpenRouter each differ from OpenAI in small ways.
//! Nothing here does IO.

use serde::{Deserialize, Serialize};

use crate::chat::tools::{CallDelta, ToolCall, ToolSpec};
use crate::chat::{RequestMessage, Usage};

/// A text-only message keeps `content` a string, which every server takes; with images it
/// becomes the array of parts that vision models read. An assistant turn that called tools
/// carries them as `tool_calls` (its `content` null when it wrote nothing else), and a
/// `tool` message names the call it answers.
impl Serialize for RequestMessage {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut message = serializer.serialize_struct("RequestMessage", 4)?;
        message.serialize_field("role", &self.role)?;
        if let Some(id) = &self.tool_call_id {
            message.serialize_field("tool_call_id", id)?;
        }
        if !self.tool_calls.is_empty() {
            let calls: Vec<WireCall<'_>> = self.tool_calls.iter().map(WireCall::from).collect();
            if self.content.is_empty() {
                message.serialize_field("content", &Option::<&str>::None)?;
            } else {
                message.serialize_field("content", &self.content)?;
            }
            message.serialize_field("tool_calls", &calls)?;
        } else if self.images.is_empty() {
            message.serialize_field("content", &self.content)?;
        } else {
            let text = (!self.content.is_empty()).then(|| Part::Text { text: &self.content });
            let images = self
                .images
                .iter()
                .map(|image| Part::ImageUrl { image_url: ImageUrl { url: image.url() } });
            let parts: Vec<Part<'_>> = text.into_iter().chain(images).collect();
            message.serialize_field("content", &parts)?;
        }
        message.end()
    }
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Part<'a> {
    Text { text: &'a str },
    ImageUrl { image_url: ImageUrl<'a> },
}

#[derive(Serialize)]
struct ImageUrl<'a> {
    url: &'a str,
}

/// A call in an assistant turn, as the API spells it.
#[derive(Serialize)]
struct WireCall<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    function: WireFunction<'a>,
}

#[derive(Serialize)]
struct WireFunction<'a> {
    name: &'a str,
    arguments: &'a str,
}

impl<'a> From<&'a ToolCall> for WireCall<'a> {
    fn from(call: &'a ToolCall) -> Self {
        WireCall {
            id: &call.id,
            kind: "function",
            function: WireFunction { name: &call.name, arguments: &call.arguments },
        }
    }
}

/// A function offered in `tools`: `{"type": "function", "function": {...}}`.
fn serialize_tools<S: serde::Serializer>(
    tools: &[ToolSpec],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Tool<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        function: Function<'a>,
    }
    #[derive(Serialize)]
    struct Function<'a> {
        name: &'a str,
        #[serde(skip_serializing_if = "str::is_empty")]
        description: &'a str,
        parameters: &'a serde_json::Value,
    }
    serializer.collect_seq(tools.iter().map(|tool| Tool {
        kind: "function",
        function: Function {
            name: &tool.name,
            description: &tool.description,
            parameters: &tool.parameters,
        },
    }))
}

/// `stream_options`, sent only to providers that accept it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamOptions {
    pub include_usage: bool,
}

/// The body of `POST /chat/completions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<RequestMessage>,
    pub stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    /// The functions the model may call; none is no `tools` field at all.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "serialize_tools")]
    pub tools: Vec<ToolSpec>,
    /// The provider's `params` with the conversation's over them; never holds a field
    /// named above (the client leaves those out).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl ChatRequest {
    /// The conversation's parameters over the provider's.
    pub fn with_params(mut self, params: &crate::chat::params::RequestParams) -> Self {
        params.apply(&mut self.extra);
        self
    }

    /// Offers `tools` to the model.
    pub fn with_tools(mut self, tools: Vec<ToolSpec>) -> Self {
        self.tools = tools;
        self
    }
}

/// One `data:` payload of a streamed response.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StreamChunk {
    #[serde(default, deserialize_with = "null_as_default")]
    pub choices: Vec<ChunkChoice>,
    #[serde(default)]
    pub usage: Option<Usage>,
    #[serde(default)]
    pub model: Option<String>,
    /// Some servers (OpenRouter, LiteLLM) report a failure inside a 200 stream.
    #[serde(default)]
    pub error: Option<ErrorDetail>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChunkChoice {
    #[serde(default)]
    pub delta: Option<Delta>,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Delta {
    #[serde(default)]
    pub content: Option<String>,
    /// DeepSeek, vLLM and llama.cpp spell it `reasoning_content`; OpenRouter and Ollama `reasoning`.
    #[serde(default)]
    pub reasoning_content: Option<String>,
    #[serde(default)]
    pub reasoning: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tool_calls: Vec<WireCallDelta>,
}

/// A piece of a call in `delta.tool_calls`, or a whole call in a non-streamed reply. Read
/// leniently: a missing or odd index, arguments sent as an object rather than JSON text.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WireCallDelta {
    #[serde(default)]
    pub index: Option<serde_json::Value>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub function: Option<WireFunctionDelta>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct WireFunctionDelta {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub arguments: Option<serde_json::Value>,
}

impl WireCallDelta {
    /// The piece as the domain assembles it; `position` stands in for a missing index in a
    /// whole reply, where each entry is a call of its own.
    pub fn into_delta(self, position: Option<u32>) -> CallDelta {
        let index = self
            .index
            .as_ref()
            .and_then(serde_json::Value::as_u64)
            .and_then(|i| u32::try_from(i).ok())
            .or(position);
        let function = self.function.unwrap_or_default();
        let arguments = match function.arguments {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(text)) => text,
            Some(other) => other.to_string(),
        };
        CallDelta { index, id: self.id, name: function.name, arguments }
    }
}

/// A whole, non-streamed response.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Completion {
    #[serde(default, deserialize_with = "null_as_default")]
    pub choices: Vec<CompletionChoice>,
    #[serde(default)]
    pub usage: Option<Usage>,
    #[serde(default)]
    pub model: Option<String>,
    /// OpenRouter and LiteLLM can answer 200 with an error instead of a completion.
    #[serde(default)]
    pub error: Option<ErrorDetail>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CompletionChoice {
    #[serde(default)]
    pub message: Option<CompletionMessage>,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CompletionMessage {
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub reasoning_content: Option<String>,
    #[serde(default)]
    pub reasoning: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tool_calls: Vec<WireCallDelta>,
}

/// `{"error": {...}}` as OpenAI, llama.cpp, vLLM and OpenRouter send it; some send a bare string.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

impl ErrorBody {
    /// An error body in either layout: nested under `error`, or at the top level as older
    /// vLLM builds send it (`{"object": "error", "message": ..., "type": ..., "code": 400}`).
    pub fn parse(text: &str) -> Option<ErrorBody> {
        if let Ok(body) = serde_json::from_str::<ErrorBody>(text) {
            return Some(body);
        }
        match serde_json::from_str::<ErrorDetail>(text).ok()? {
            detail @ ErrorDetail::Object { message: Some(_), .. } => {
                Some(ErrorBody { error: detail })
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ErrorDetail {
    Object {
        #[serde(default)]
        message: Option<String>,
        #[serde(default, rename = "type")]
        kind: Option<String>,
        #[serde(default)]
        code: Option<serde_json::Value>,
    },
    Text(String),
}

impl ErrorDetail {
    /// Longest error type or code kept; real ones are a word or two.
    pub const MAX_TAG: usize = 64;

    /// "message (type, code)", the way the server meant it to be read. The type and code
    /// are one line each and capped; the message is the caller's to sanitise and cap.
    pub fn describe(&self) -> String {
        let tag = |text: &str| crate::sanitize::one_line(text, Self::MAX_TAG).into_owned();
        match self {
            Self::Text(text) => text.clone(),
            Self::Object { message, kind, code } => {
                let mut tags: Vec<String> = Vec::new();
                if let Some(kind) = kind.as_deref().filter(|k| !k.is_empty()) {
                    tags.push(tag(kind));
                }
                match code {
                    Some(serde_json::Value::String(c)) if !c.is_empty() => tags.push(tag(c)),
                    Some(serde_json::Value::Number(n)) => tags.push(tag(&n.to_string())),
                    _ => {}
                }
                let message = message.as_deref().unwrap_or("no message");
                if tags.is_empty() {
                    message.to_owned()
                } else {
                    format!("{message} ({})", tags.join(", "))
                }
            }
        }
    }

    /// The type or code, to recognise context overflows across servers.
    pub fn kind_and_code(&self) -> String {
        match self {
            Self::Text(_) => String::new(),
            Self::Object { kind, code, .. } => format!(
                "{} {}",
                kind.as_deref().unwrap_or(""),
                code.as_ref().map(|c| c.to_string()).unwrap_or_default()
            ),
        }
    }
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::Role;

    #[test]
    fn llama_server_role_chunk_with_null_content_parses() {
        let raw = r#"{"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}],"created":1795583487,"id":"x","model":"tiny-llama","system_fingerprint":"b1","object":"chat.completion.chunk"}"#;
        let chunk: StreamChunk = serde_json::from_str(raw).unwrap();
        let delta = chunk.choices[0].delta.as_ref().unwrap();
        assert_eq!(delta.content, None);
        assert_eq!(chunk.model.as_deref(), Some("tiny-llama"));
    }

    #[test]
    fn usage_only_chunk_with_empty_choices_parses() {
        let raw = r#"{"choices":[],"usage":{"completion_tokens":6,"prompt_tokens":14,"total_tokens":20,"prompt_tokens_details":{"cached_tokens":13}}}"#;
        let chunk: StreamChunk = serde_json::from_str(raw).unwrap();
        assert!(chunk.choices.is_empty());
        assert_eq!(chunk.usage.unwrap().completion_tokens, 6);
        assert_eq!(chunk.usage.unwrap().cached_tokens, 13, "prompt_tokens_details");
    }

    #[test]
    fn null_choices_are_treated_as_empty() {
        let chunk: StreamChunk = serde_json::from_str(r#"{"choices":null}"#).unwrap();
        assert!(chunk.choices.is_empty());
    }

    #[test]
    fn error_bodies_read_as_message_type_code() {
        let llama = r#"{"error":{"code":400,"message":"request (30011 tokens) exceeds the available context size (4096 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":30011,"n_ctx":4096}}"#;
        let body: ErrorBody = serde_json::from_str(llama).unwrap();
        assert_eq!(
            body.error.describe(),
            "request (30011 tokens) exceeds the available context size (4096 tokens), try increasing it (exceed_context_size_error, 400)"
        );
        let openai = r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#;
        let body: ErrorBody = serde_json::from_str(openai).unwrap();
        assert_eq!(
            body.error.describe(),
            "Incorrect API key provided (invalid_request_error, invalid_api_key)"
        );
        let bare: ErrorBody = serde_json::from_str(r#"{"error":"model not found"}"#).unwrap();
        assert_eq!(bare.error.describe(), "model not found");
    }

    #[test]
    fn an_error_type_and_code_are_one_capped_line_each() {
        let body = r#"{"error":{"message":"m","type":"bad\nFAKE LINE\u001b[31m","code":"c\td"}}"#;
        let body: ErrorBody = serde_json::from_str(body).unwrap();
        assert_eq!(body.error.describe(), "m (bad FAKE LINE, c d)");
        let long = format!(r#"{{"error":{{"message":"m","type":"{}"}}}}"#, "t".repeat(1000));
        let body: ErrorBody = serde_json::from_str(&long).unwrap();
        assert_eq!(body.error.describe(), format!("m ({}…)", "t".repeat(ErrorDetail::MAX_TAG)));
    }

    #[test]
    fn request_serialises_stream_options_only_when_set() {
        let mut request = ChatRequest {
            model: "m".into(),
            messages: vec![RequestMessage::text(Role::System, "s")],
            stream: true,
            stream_options: None,
            tools: Vec::new(),
            extra: serde_json::Map::new(),
        };
        let json = serde_json::to_string(&request).unwrap();
        assert_eq!(
            json,
            r#"{"model":"m","messages":[{"role":"system","content":"s"}],"stream":true}"#
        );
        request.stream_options = Some(StreamOptions { include_usage: true });
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(json["stream_options"]["include_usage"], true);
    }

    #[test]
    fn a_turn_with_calls_and_its_results_serialise_as_the_api_expects() {
        let mut call = ToolCall::new("call_1".into(), "add".into(), "{\"a\":1}".into());
        call.server = Some("arith".into());
        let mut turn = RequestMessage::text(Role::Assistant, "");
        turn.tool_calls = vec![call];
        let mut result = RequestMessage::text(Role::Tool, "2");
        result.tool_call_id = Some("call_1".into());
        let request = ChatRequest {
            model: "m".into(),
            messages: vec![turn, result],
            stream: true,
            stream_options: None,
            tools: vec![ToolSpec {
                name: "add".into(),
                description: "Adds".into(),
                parameters: serde_json::json!({"type": "object"}),
                server: "arith".into(),
            }],
            extra: serde_json::Map::new(),
        };
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            serde_json::json!({
                "model": "m",
                "messages": [
                    {"role": "assistant", "content": null, "tool_calls": [
                        {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": "{\"a\":1}"}}
                    ]},
                    {"role": "tool", "tool_call_id": "call_1", "content": "2"}
                ],
                "stream": true,
                "tools": [{"type": "function", "function": {"name": "add", "description": "Adds", "parameters": {"type": "object"}}}]
            })
        );
    }

    #[test]
    fn call_pieces_read_leniently() {
        let raw = r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c","type":"function","function":{"name":"add","arguments":{"a":1}}},{"function":{"arguments":null}}]}}]}"#;
        let chunk: StreamChunk = serde_json::from_str(raw).unwrap();
        let mut calls = chunk.choices[0].delta.clone().unwrap().tool_calls.into_iter();
        let first = calls.next().unwrap().into_delta(None);
        assert_eq!((first.index, first.arguments.as_str()), (Some(0), "{\"a\":1}"));
        assert_eq!(calls.next().unwrap().into_delta(Some(3)).index, Some(3));
        let none: StreamChunk =
            serde_json::from_str(r#"{"choices":[{"delta":{"tool_calls":null}}]}"#).unwrap();
        assert!(none.choices[0].delta.as_ref().unwrap().tool_calls.is_empty());
    }
}

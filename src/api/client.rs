//! The HTTP side of a chat request: send it, turn the response into `StreamEvent`s or a
//! typed `ApiError`.
//!
//! This module owns the socket and nothing else: it never touches app state, never retries
//! on its own, and never lets the key reach an error message (server text is redacted by
//! `error::Exchange`, which also turns error statuses and broken connections into
//! `ApiError`s).
//! A key that comes from a command (`api_key_cmd`) is fetched at the first request
//! (`key_command`).
//!
//! Nothing it reads is unbounded, and no read waits forever: every read of a body, streamed
//! or whole, has the idle timeout; whole bodies are capped (`body`), streamed lines and
//! events too (`sse`). A redirect is followed only within the origin the request was
//! meant for, so the conversation, the key and the provider's headers never go elsewhere.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::CONTENT_TYPE;

use super::body::{self, Cut, MAX_BODY};
use super::error::{ApiError, Exchange, header_text, preview, quoted_header};
use super::http::Http;
use super::key_command::KeyCommand;
use super::sse::SseDecoder;
use super::types::{ChatRequest, Completion, ErrorBody, StreamChunk, StreamOptions};
use crate::chat::tools::CallDelta;
use crate::chat::{FinishReason, RequestMessage, Usage};
use crate::secret::{ApiKey, redact_url_credentials};

/// Where requests go and how they authenticate. Its `Debug` shows the base URL without
/// its credentials, and the key as a placeholder.
#[derive(Clone)]
pub struct Endpoint {
    pub provider: String,
    pub base_url: String,
    pub api_key: Option<ApiKey>,
    /// Where the key came from (or where it should have), for a 401's advice.
    pub key_hint: String,
    /// Whether the provider accepts `stream_options.include_usage`.
    pub stream_usage: bool,
    /// A shell command printing the key, run at the first request when `api_key` is not
    /// set (and again after a failure).
    pub api_key_cmd: Option<String>,
    /// How long `api_key_cmd` may run before it is stopped.
    pub api_key_cmd_timeout: Duration,
    /// Extra headers for every request.
    pub headers: Vec<(String, String)>,
    /// Extra request body fields (the provider's `params`).
    pub params: serde_json::Map<String, serde_json::Value>,
}

impl Default for Endpoint {
    fn default() -> Self {
        Self {
            provider: String::new(),
            base_url: String::new(),
            api_key: None,
            key_hint: String::new(),
            stream_usage: false,
            api_key_cmd: None,
            api_key_cmd_timeout: super::key_command::DEFAULT_TIMEOUT,
            headers: Vec::new(),
            params: serde_json::Map::new(),
        }
    }
}

impl Endpoint {
    /// The base URL as it may be shown, logged or stored: credentials in it redacted.
    pub fn shown_url(&self) -> String {
        redact_url_credentials(&self.base_url).into_owned()
    }
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("provider", &self.provider)
            .field("base_url", &self.shown_url())
            .field("api_key", &self.api_key)
            .field("key_hint", &self.key_hint)
            .field("stream_usage", &self.stream_usage)
            .field("api_key_cmd", &self.api_key_cmd)
            .field("api_key_cmd_timeout", &self.api_key_cmd_timeout)
            .field("headers", &self.headers.iter().map(|(name, _)| name).collect::<Vec<_>>())
            .field("params", &self.params)
            .finish()
    }
}

/// One piece of a streamed reply, in arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// Raw text; `<think>` splitting and sanitising are the caller's.
    Delta {
        content: String,
        reasoning: String,
    },
    /// A piece of a tool call; the caller assembles them (`chat::tools::Assembly`).
    ToolCall(CallDelta),
    Finish(FinishReason),
    Usage(Usage),
}

/// A whole reply from a non-streamed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub content: String,
    pub reasoning: String,
    pub finish: Option<FinishReason>,
    pub usage: Option<Usage>,
    /// The calls the model made, one whole call a piece.
    pub tool_calls: Vec<CallDelta>,
}

/// A stream that sends nothing (not even a `: ping`) for this long is given up on.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone)]
pub struct ApiClient {
    /// Built at the first request, or by `warm_up`; shared with other providers'
    /// clients by `sharing_http`.
    http: Http,
    endpoint: Endpoint,
    /// The base URL with its credentials redacted, for messages.
    shown_url: String,
    idle_timeout: Duration,
    /// Runs `api_key_cmd`, one run at a time, shared by the clones.
    key_command: Option<KeyCommand>,
}

impl ApiClient {
    pub fn new(endpoint: Endpoint) -> Result<Self, ApiError> {
        let http = Http::default();
        let key_command = endpoint.api_key_cmd.clone().map(|command| {
            KeyCommand::new(endpoint.provider.clone(), command, endpoint.api_key_cmd_timeout)
        });
        let shown_url = endpoint.shown_url();
        Ok(Self { http, endpoint, shown_url, idle_timeout: DEFAULT_IDLE_TIMEOUT, key_command })
    }

    /// Uses `other`'s HTTP client: providers differ in their URLs, keys and headers, which
    /// go with each request, not in the client, and one client loads the root certificates
    /// once.
    pub fn sharing_http(mut self, other: &ApiClient) -> Self {
        self.http = other.http.clone();
        self
    }

    /// A client for the server at `base_url`, named `provider`: no key, headers or extra
    /// parameters of this one's provider go there (it was given by URL, not configured), and
    /// it shares this one's HTTP client and idle timeout.
    pub fn at_url(&self, provider: &str, base_url: &str) -> Self {
        let endpoint = Endpoint {
            provider: provider.to_owned(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            key_hint: "a server given by URL gets no key; start with --base-url URL \
                --api-key-env VAR to send one"
                .to_owned(),
            stream_usage: self.endpoint.stream_usage,
            ..Endpoint::default()
        };
        let shown_url = endpoint.shown_url();
        let (http, idle_timeout) = (self.http.clone(), self.idle_timeout);
        Self { http, endpoint, shown_url, idle_timeout, key_command: None }
    }

    /// Starts building the HTTP client on a thread of its own, so that neither the first
    /// frame nor the first request waits for the root certificates to load.
    pub fn warm_up(&self) {
        self.http.warm_up();
    }

    /// How long the server may stay silent, before the reply starts or in the middle of it.
    pub fn with_idle_timeout(mut self, idle_timeout: Duration) -> Self {
        self.idle_timeout = idle_timeout;
        self
    }

    fn silent(&self) -> ApiError {
        ApiError::Network {
            message: format!("the server sent nothing for {} s", self.idle_timeout.as_secs_f64()),
        }
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    pub(super) fn http(&self) -> Result<&reqwest::Client, ApiError> {
        self.http.client()
    }

    /// The request for `messages`, with the provider's streaming options.
    pub fn chat_request(
        &self,
        model: &str,
        messages: Vec<RequestMessage>,
        stream: bool,
    ) -> ChatRequest {
        let mut extra = self.endpoint.params.clone();
        // Config refuses these already; a library caller's endpoint is not checked there.
        extra.retain(|key, _| !crate::config::RESERVED_PARAMS.contains(&key.as_str()));
        ChatRequest {
            model: model.to_owned(),
            messages,
            stream,
            stream_options: (stream && self.endpoint.stream_usage)
                .then_some(StreamOptions { include_usage: true }),
            tools: Vec::new(),
            extra,
        }
    }

    /// The key to send: the configured one, or what `api_key_cmd` prints (run once).
    async fn key(&self) -> Result<Option<ApiKey>, ApiError> {
        if let Some(key) = &self.endpoint.api_key {
            return Ok(Some(key.clone()));
        }
        match &self.key_command {
            Some(command) => command.key().await.map(Some),
            None => Ok(None),
        }
    }

    /// What an error from this client may name, and the key in use (if known yet) to
    /// redact from it.
    fn exchange(&self) -> Exchange<'_> {
        Exchange {
            base_url: &self.shown_url,
            key_hint: &self.endpoint.key_hint,
            key: self.endpoint.api_key.as_ref().or_else(|| self.key_command.as_ref()?.known()),
            idle_timeout: self.idle_timeout,
        }
    }

    /// A whole body (a reply not streamed, a model list) as text: capped at [`MAX_BODY`],
    /// each read within the idle timeout. `what` names it in the error.
    async fn whole_text(
        &self,
        response: reqwest::Response,
        what: &str,
    ) -> Result<String, ApiError> {
        let read = body::read(response, MAX_BODY, self.idle_timeout).await;
        match read.cut {
            None => Ok(read.text()),
            Some(Cut::TooLong) => Err(ApiError::Protocol {
                message: format!(
                    "{what} is longer than {}, rockchat's limit for a body read whole; it was not read further",
                    body::size(MAX_BODY)
                ),
            }),
            Some(Cut::Silent) => Err(self.silent()),
            Some(Cut::Broken(error)) => Err(self.exchange().network_error(&error)),
        }
    }

    /// `request` without streaming, on a fresh connection closed after it: asked again
    /// after a stream that said nothing (llama-cpp-python answers a prompt longer than its
    /// window with `200 text/event-stream` and an empty body, then closes the connection;
    /// without `stream` it gives the error and its numbers, or the reply itself). The kept-
    /// alive connection of the silent stream is being closed by the server: a request on it
    /// fails with "connection closed before message completed", which looks like a network
    /// fault and would be retried for nothing.
    async fn ask_unstreamed(&self, request: &ChatRequest) -> Result<reqwest::Response, ApiError> {
        let mut again = request.clone();
        again.stream = false;
        again.stream_options = None;
        let once = super::http::build(reqwest::Client::builder().pool_max_idle_per_host(0))?;
        let builder =
            once.post(self.url()).header(reqwest::header::CONNECTION, "close").json(&again);
        self.execute(builder, &request.model).await
    }

    fn url(&self) -> String {
        format!("{}/chat/completions", self.endpoint.base_url.trim_end_matches('/'))
    }

    async fn send(&self, request: &ChatRequest) -> Result<reqwest::Response, ApiError> {
        self.execute(self.http.client()?.post(self.url()).json(request), &request.model).await
    }

    /// Adds the key (running `api_key_cmd` if no run gave one yet), sends, and turns a
    /// failure or an error status into an `ApiError`.
    pub(super) async fn execute(
        &self,
        builder: reqwest::RequestBuilder,
        model: &str,
    ) -> Result<reqwest::Response, ApiError> {
        let key = self.key().await?;
        self.execute_with(builder, model, key.as_ref()).await
    }

    /// `execute` for what the user did not ask for (the server's facts, its token counts):
    /// the key only if it is already known, so a key command (which may ask for a
    /// passphrase) never runs in the background before the user sends anything.
    pub(super) async fn execute_in_background(
        &self,
        builder: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ApiError> {
        let key = self.endpoint.api_key.as_ref().or_else(|| self.key_command.as_ref()?.known());
        self.execute_with(builder, "", key).await
    }

    async fn execute_with(
        &self,
        mut builder: reqwest::RequestBuilder,
        model: &str,
        key: Option<&ApiKey>,
    ) -> Result<reqwest::Response, ApiError> {
        for (name, value) in &self.endpoint.headers {
            builder = builder.header(name, value);
        }
        if let Some(key) = key {
            builder = builder.bearer_auth(key.expose());
        }
        let response = tokio::time::timeout(self.idle_timeout, builder.send())
            .await
            .map_err(|_| self.silent())?
            .map_err(|e| self.exchange().network_error(&e))?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(self.exchange().status_error(response, model).await)
    }

    /// Streams the reply, calling `on_event` for each piece as it arrives. Returns when the
    /// server says `[DONE]` or closes after a finish reason.
    pub async fn stream(
        &self,
        request: &ChatRequest,
        mut on_event: impl FnMut(StreamEvent),
    ) -> Result<(), ApiError> {
        let response = self.send(request).await?;
        let content_type = quoted_header(response.headers(), CONTENT_TYPE.as_str());
        if is_json(content_type.as_deref()) {
            // A server that ignores `stream: true`, or answers 200 with an error object.
            return self.deliver_whole(response, &mut on_event).await;
        }
        let mut decoder = SseDecoder::new();
        let mut body = response.bytes_stream();
        let mut state = StreamProgress::default();
        loop {
            let next = tokio::time::timeout(self.idle_timeout, body.next());
            let Some(bytes) = next.await.map_err(|_| self.silent())? else { break };
            let bytes = match bytes {
                Ok(bytes) => {
                    state.received_bytes |= !bytes.is_empty();
                    bytes
                }
                // The reply already finished; only what follows it (usage) was lost.
                Err(_) if state.finished => return Ok(()),
                Err(error) => return Err(self.exchange().dropped(&error)),
            };
            let events =
                decoder.push(&bytes).map_err(|e| ApiError::Protocol { message: e.to_string() })?;
            for event in events {
                if self.handle_event(event, &mut state, &mut on_event)? {
                    return Ok(());
                }
            }
        }
        let last = decoder.finish().map_err(|e| ApiError::Protocol { message: e.to_string() })?;
        if let Some(event) = last {
            // An event without its blank line was cut by the closing connection: if it does
            // not parse, the connection broke mid-reply; the server did not send garbage.
            match self.handle_event(event, &mut state, &mut on_event) {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(ApiError::Protocol { .. }) if state.finished => return Ok(()),
                Err(ApiError::Protocol { .. }) => return Err(cut_short()),
                Err(other) => return Err(other),
            }
        }
        if state.finished {
            return Ok(());
        }
        if !state.received_bytes {
            // llama-cpp-python does this when the prompt overflows its context: it has
            // already said 200 and has nothing else to say. Asked again without streaming,
            // it answers with the error and its numbers (or with the reply).
            let silent = || ApiError::Protocol {
                message: format!(
                    "the server accepted the request but closed the stream without a word; its log says why. A prompt longer than the model's context is a common cause: if so, set context_window under [models.\"{}\"] in the config",
                    request.model
                ),
            };
            let response = match self.ask_unstreamed(request).await {
                Ok(response) => response,
                // The probe's own connection failing says nothing new about the request.
                Err(ApiError::Network { .. }) => return Err(silent()),
                Err(error) => return Err(error),
            };
            let content_type = header_text(response.headers(), CONTENT_TYPE.as_str());
            if is_json(content_type.as_deref()) {
                return self.deliver_whole(response, &mut on_event).await;
            }
            return Err(silent());
        }
        if !decoder.saw_sse_line() {
            return Err(ApiError::Protocol {
                message: format!(
                    "the server's reply is not an event stream (content type {})",
                    content_type.unwrap_or_else(|| "not given".to_owned())
                ),
            });
        }
        Err(cut_short())
    }

    /// A whole JSON reply, delivered as the events a stream would have sent.
    async fn deliver_whole(
        &self,
        response: reqwest::Response,
        on_event: &mut impl FnMut(StreamEvent),
    ) -> Result<(), ApiError> {
        let text = self.whole_text(response, "the server's reply").await?;
        let reply = self.completion(&text)?;
        if !reply.content.is_empty() || !reply.reasoning.is_empty() {
            on_event(StreamEvent::Delta { content: reply.content, reasoning: reply.reasoning });
        }
        for call in reply.tool_calls {
            on_event(StreamEvent::ToolCall(call));
        }
        if let Some(reason) = reply.finish {
            on_event(StreamEvent::Finish(reason));
        }
        if let Some(usage) = reply.usage {
            on_event(StreamEvent::Usage(usage));
        }
        Ok(())
    }

    /// Handles one SSE event; `Ok(true)` means the stream is complete.
    fn handle_event(
        &self,
        event: super::sse::SseEvent,
        state: &mut StreamProgress,
        on_event: &mut impl FnMut(StreamEvent),
    ) -> Result<bool, ApiError> {
        let data = event.data.trim();
        if data == "[DONE]" {
            return Ok(true);
        }
        if data.is_empty() {
            return Ok(false);
        }
        if event.event.as_deref() == Some("error") {
            let message = serde_json::from_str::<ErrorBody>(data)
                .map(|body| body.error.describe())
                .unwrap_or_else(|_| data.to_owned());
            return Err(ApiError::InStream { message: self.exchange().message(&message) });
        }
        let chunk: StreamChunk = serde_json::from_str(data).map_err(|e| ApiError::Protocol {
            message: format!(
                "the server sent a chunk that is not valid JSON ({e}): {}",
                preview(&self.exchange().redact(data))
            ),
        })?;
        if let Some(error) = chunk.error {
            return Err(ApiError::InStream { message: self.exchange().message(&error.describe()) });
        }
        for choice in chunk.choices {
            if let Some(delta) = choice.delta {
                let content = delta.content.unwrap_or_default();
                let reasoning = delta.reasoning_content.or(delta.reasoning).unwrap_or_default();
                if !content.is_empty() || !reasoning.is_empty() {
                    on_event(StreamEvent::Delta { content, reasoning });
                }
                for call in delta.tool_calls {
                    on_event(StreamEvent::ToolCall(call.into_delta(None)));
                }
            }
            if let Some(reason) = choice.finish_reason.filter(|r| !r.is_empty()) {
                state.finished = true;
                on_event(StreamEvent::Finish(FinishReason::parse(&reason)));
            }
        }
        if let Some(usage) = chunk.usage {
            on_event(StreamEvent::Usage(usage));
        }
        Ok(false)
    }

    /// `GET {base_url}/{path}` as text, with the same auth, limits and error handling as a
    /// chat.
    pub(crate) async fn get_text(&self, path: &str) -> Result<String, ApiError> {
        let url = format!("{}/{path}", self.endpoint.base_url.trim_end_matches('/'));
        let response = self.execute(self.http.client()?.get(url), "").await?;
        self.whole_text(response, &format!("the server's /{path}")).await
    }

    /// `GET {server root}/{path}`: the base URL without its `/v1`, where llama-server
    /// keeps `/props`.
    pub(crate) async fn get_root_text(&self, path: &str) -> Result<String, ApiError> {
        let base = self.endpoint.base_url.trim_end_matches('/');
        let root = base.strip_suffix("/v1").unwrap_or(base);
        let response = self.execute(self.http.client()?.get(format!("{root}/{path}")), "").await?;
        self.whole_text(response, &format!("the server's /{path}")).await
    }

    /// Sends a non-streamed request and returns the whole reply.
    pub async fn complete(&self, request: &ChatRequest) -> Result<Reply, ApiError> {
        let response = self.send(request).await?;
        let text = self.whole_text(response, "the server's reply").await?;
        self.completion(&text)
    }

    /// A whole chat completion body as a reply, or the error object it holds instead.
    fn completion(&self, text: &str) -> Result<Reply, ApiError> {
        let completion: Completion =
            serde_json::from_str(text).map_err(|e| ApiError::Protocol {
                message: format!(
                    "the server's reply is not a chat completion ({e}): {}",
                    preview(&self.exchange().redact(text))
                ),
            })?;
        if let Some(error) = completion.error {
            return Err(ApiError::InStream { message: self.exchange().message(&error.describe()) });
        }
        let choice = completion.choices.into_iter().next().unwrap_or_default();
        let message = choice.message.unwrap_or_default();
        Ok(Reply {
            content: message.content.unwrap_or_default(),
            reasoning: message.reasoning_content.or(message.reasoning).unwrap_or_default(),
            finish: choice.finish_reason.map(|r| FinishReason::parse(&r)),
            usage: completion.usage,
            // Each entry is a whole call: its position is its index when it gives none.
            tool_calls: message
                .tool_calls
                .into_iter()
                .zip(0u32..)
                .map(|(call, position)| call.into_delta(Some(position)))
                .collect(),
        })
    }
}

#[derive(Debug, Default)]
struct StreamProgress {
    finished: bool,
    /// Whether the body held anything at all, to tell an empty stream from a foreign one.
    received_bytes: bool,
}

/// Scheme, host and port all the same: where a redirect may be followed with the body, the
/// key and the provider's headers.
pub(super) fn same_origin(a: &reqwest::Url, b: &reqwest::Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

fn is_json(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|t| t.contains("application/json"))
}

fn cut_short() -> ApiError {
    ApiError::Network { message: "the connection closed before the reply finished".to_owned() }
}

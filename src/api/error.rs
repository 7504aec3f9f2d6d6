//! Everything that can go wrong with a request, as facts, and how a failed exchange becomes
//! one: an error status with its body (capped, read within the idle timeout, parsed when it
//! is an error object, quoted when not), `Retry-After`, a context overflow's numbers, a
//! redirect to another origin, a connection that broke or could not be made.
//!
//! Server text is sanitised, the key and a URL's credentials redacted, and the result
//! capped here, before it can reach an error message, a log or the screen; redaction comes
//! before any cut, so a cut never leaves half a key. Nothing here phrases advice or names a
//! frontend's keys: the app (`app::advice`) and `ask` each say what to do next in their own
//! words.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, RETRY_AFTER};

use super::body::{self, Cut};
use super::client::same_origin;
use super::types::ErrorBody;
use crate::chat::retry::Failure;
use crate::sanitize::one_line;
use crate::secret::{ApiKey, redact_url_credentials};

/// A failed request. `Display` is the headline; the fields are what a frontend needs to
/// say what to do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 401/403: the key is missing, wrong or lacks access. `key_hint` says where the key
    /// was read from, or where it should have been.
    #[error("HTTP {status}: {message}")]
    Auth { status: u16, message: String, key_hint: String },
    /// 404: usually a wrong base URL or model name, so both are kept.
    #[error("HTTP 404: {message}")]
    NotFound { message: String, url: String, model: String },
    /// 429: rate limited or out of quota.
    #[error("HTTP 429: {message}")]
    RateLimited { message: String, retry_after: Option<Duration> },
    /// The prompt does not fit the model's context window. `window` and `requested` are
    /// the server's own numbers (its window, the tokens it counted in the request) when its
    /// message gives them; build it with `context_overflow` so they are read.
    #[error("HTTP {status}: {message}")]
    ContextOverflow {
        status: u16,
        message: String,
        window: Option<usize>,
        requested: Option<usize>,
    },
    /// The model cannot take images (llama-server without a vision projector, a text-only
    /// model refusing content parts): sending the same request again cannot help.
    #[error("HTTP {status}: {message}")]
    ImagesRefused { status: u16, message: String },
    /// Any other HTTP error status; a 503 may say when to come back.
    #[error("HTTP {status}: {message}")]
    Http { status: u16, message: String, retry_after: Option<Duration> },
    /// The server could not be reached, or the connection broke.
    #[error("{message}")]
    Network { message: String },
    /// The server reported an error inside a stream that had started fine.
    #[error("the server reported an error mid-reply: {message}")]
    InStream { message: String },
    /// The server answered with something that is not a chat completion.
    #[error("{message}")]
    Protocol { message: String },
    /// The provider's `api_key_cmd` failed; names the command, never its output.
    #[error("cannot get the API key for provider `{provider}`: {message}")]
    KeyCommand { provider: String, message: String },
}

impl ApiError {
    /// A context overflow, with the window and the requested tokens read from the server's
    /// message (each `None` when the message does not say).
    pub fn context_overflow(status: u16, message: String) -> Self {
        let window = overflow_window(&message);
        let requested = overflow_requested(&message);
        Self::ContextOverflow { status, message, window, requested }
    }

    /// The server's words when it refused a request for offering `tools` (an error naming
    /// them: llama-server without Jinja templates answers 500 "tools param requires --jinja
    /// flag", others a 400); only meaningful for a request that offered tools.
    pub fn refusing_tools(&self) -> Option<&str> {
        match self {
            Self::Http { status: 400..=599, message, .. }
                if message.to_ascii_lowercase().contains("tool") =>
            {
                Some(message)
            }
            _ => None,
        }
    }

    /// Whether waiting could help, as the retry policy needs to know: connection errors,
    /// 408, 409, 429, 5xx and an error object before any text may pass; the rest cannot.
    pub fn failure(&self) -> Failure {
        match self {
            Self::Network { .. } | Self::InStream { .. } => {
                Failure::Transient { retry_after: None }
            }
            Self::RateLimited { retry_after, .. } => {
                Failure::Transient { retry_after: *retry_after }
            }
            Self::Http { status: 408 | 409 | 500..=599, retry_after, .. } => {
                Failure::Transient { retry_after: *retry_after }
            }
            _ => Failure::Permanent,
        }
    }
}

/// Error bodies are read up to this size, and an error message is cut to it (in chars); a
/// proxy's multi-megabyte HTML page is cut here.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// A URL or header value quoted in an error is cut to this many chars.
const MAX_QUOTED: usize = 256;

/// The request an error comes from, as far as the error may tell: where it went (its
/// credentials already redacted), where its key came from, the key itself, to be kept out
/// of every message, and how long a body may stay silent.
#[derive(Debug, Clone, Copy)]
pub(super) struct Exchange<'a> {
    pub base_url: &'a str,
    pub key_hint: &'a str,
    pub key: Option<&'a ApiKey>,
    pub idle_timeout: Duration,
}

impl Exchange<'_> {
    /// Server text on its way into an error: terminal control stripped (an error is shown
    /// on screen and printed to stderr), the key removed (servers echo it), and any URL's
    /// credentials. Never cut: cutting first could leave part of a key.
    pub fn redact(&self, text: &str) -> String {
        let text = crate::sanitize::sanitize(text);
        let text = match self.key {
            Some(key) => key.redact(&text),
            None => text.into_owned(),
        };
        redact_url_credentials(&text).into_owned()
    }

    /// Server text as an error message: redacted, then cut to [`MAX_ERROR_BODY`] chars.
    pub fn message(&self, text: &str) -> String {
        let mut message = self.redact(text);
        if let Some((cut, _)) = message.char_indices().nth(MAX_ERROR_BODY) {
            message.truncate(cut);
            message.push('…');
        }
        message
    }

    /// The request could not be sent, or its response could not be read.
    pub fn network_error(&self, error: &reqwest::Error) -> ApiError {
        let what = if error.is_connect() {
            format!("cannot connect to {}", self.base_url)
        } else if error.is_timeout() {
            "the server stopped answering (timed out)".to_owned()
        } else {
            "the connection failed".to_owned()
        };
        // The innermost cause says what happened ("Connection refused"); the layers above
        // it repeat the URL in reqwest's wording.
        let mut detail = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            detail = cause.to_string();
            source = cause.source();
        }
        if let Some(cut) = detail.find(" (os error") {
            detail.truncate(cut);
        }
        ApiError::Network { message: self.redact(&format!("{what} ({detail})")) }
    }

    /// The connection broke after the reply had begun.
    pub fn dropped(&self, error: &reqwest::Error) -> ApiError {
        match self.network_error(error) {
            ApiError::Network { message } => {
                ApiError::Network { message: format!("the connection broke mid-reply: {message}") }
            }
            other => other,
        }
    }

    /// An error status, with the server's words from its body; `model` is the one asked
    /// for, which a 404 names.
    pub async fn status_error(&self, response: reqwest::Response, model: &str) -> ApiError {
        let status = response.status();
        let retry_after = retry_after(response.headers());
        if status.is_redirection()
            && let Some(target) = cross_origin_target(&response)
        {
            // The client follows redirects only within the origin, so this one stopped here.
            let message = format!(
                "the server redirected the request to {}, another origin; rockchat does not follow such a redirect, so neither the conversation nor the key went there",
                self.redact(&target)
            );
            return ApiError::Http { status: status.as_u16(), message, retry_after: None };
        }
        // Read past the cap by the key's length: a key echoed across the cap is then whole,
        // and redacted before anything is cut.
        let margin = self.key.map_or(0, |key| key.expose().len());
        let read = body::read(response, MAX_ERROR_BODY + margin, self.idle_timeout).await;
        let body = read.text();
        let parsed = ErrorBody::parse(&body);
        let mut message = match &parsed {
            Some(body) => body.error.describe(),
            None if body.trim().is_empty() => {
                status.canonical_reason().unwrap_or("no message").to_owned()
            }
            // Redact the whole body before cutting it short: a key cut in half by the
            // preview would no longer match.
            None => preview(&self.redact(body.trim())),
        };
        if matches!(read.cut, Some(Cut::Silent)) {
            message.push_str(&format!(
                " (the server stopped sending its error after {}; nothing came for {} s)",
                body::size(read.bytes.len()),
                self.idle_timeout.as_secs_f64()
            ));
        }
        let message = self.message(&message);
        let kind = parsed.map(|b| b.error.kind_and_code()).unwrap_or_default();
        let code = status.as_u16();
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                ApiError::Auth { status: code, message, key_hint: self.key_hint.to_owned() }
            }
            StatusCode::NOT_FOUND => ApiError::NotFound {
                message,
                url: self.base_url.to_owned(),
                model: one_line(model, MAX_QUOTED).into_owned(),
            },
            StatusCode::TOO_MANY_REQUESTS => ApiError::RateLimited { message, retry_after },
            _ if is_context_overflow(code, &kind, &message) => {
                ApiError::context_overflow(code, message)
            }
            _ if super::refusal::refuses_images(code, &message) => {
                ApiError::ImagesRefused { status: code, message }
            }
            _ => ApiError::Http { status: code, message, retry_after },
        }
    }
}

/// `retry-after-ms` (OpenAI) wins over `Retry-After` in seconds; an HTTP date is ignored.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) =
        header_text(headers, "retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_millis(ms as u64));
    }
    header_text(headers, RETRY_AFTER.as_str())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 86_400.0)
        .map(Duration::from_secs_f64)
}

/// A header's value, as far as it is text; to quote one, use [`quoted_header`].
pub(super) fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// A header's value made fit to quote in an error: one sanitised line, capped.
pub(super) fn quoted_header(headers: &HeaderMap, name: &str) -> Option<String> {
    let value = headers.get(name)?;
    let text = String::from_utf8_lossy(value.as_bytes());
    Some(one_line(&text, MAX_QUOTED).into_owned())
}

/// Where a redirect to another origin (the kind the client does not follow) points,
/// resolved against the URL that answered it, as one line with its credentials redacted;
/// `None` for any other 3xx.
fn cross_origin_target(response: &reqwest::Response) -> Option<String> {
    let location = String::from_utf8_lossy(response.headers().get(LOCATION)?.as_bytes());
    let target = response.url().join(location.trim()).ok()?;
    if same_origin(response.url(), &target) {
        return None;
    }
    Some(one_line(&redact_url_credentials(target.as_str()), MAX_QUOTED).into_owned())
}

/// The first 200 characters, on one line, for quoting a bad body in an error.
pub(super) fn preview(text: &str) -> String {
    let flat: String =
        text.chars().take(200).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if text.chars().count() > 200 { format!("{flat}…") } else { flat }
}

/// Recognises "your prompt is too long" across servers: OpenAI and llama-cpp-python
/// (`context_length_exceeded`), llama.cpp (`exceed_context_size_error`), vLLM (a 400 whose
/// message speaks of the maximum context length).
fn is_context_overflow(status: u16, kind_and_code: &str, message: &str) -> bool {
    if !(status == 400 || status == 413 || status == 422) {
        return false;
    }
    let kind = kind_and_code.to_ascii_lowercase();
    let message = message.to_ascii_lowercase();
    kind.contains("context_length_exceeded")
        || kind.contains("exceed_context_size")
        || message.contains("context length")
        || message.contains("context window")
        || message.contains("context size")
}

/// The window in a context-overflow message: llama.cpp "the available context size (4096
/// tokens)", OpenAI and vLLM "maximum context length is 8192 tokens".
fn overflow_window(message: &str) -> Option<usize> {
    let lower = message.to_ascii_lowercase();
    for marker in ["context size (", "context length is ", "context window of ", "n_ctx"] {
        if let Some(at) = lower.find(marker) {
            let digits: String = lower[at + marker.len()..]
                .chars()
                .skip_while(|c| !c.is_ascii_digit())
                .take_while(|c| c.is_ascii_digit())
                .collect();
            if let Ok(window) = digits.parse::<usize>()
                && window > 0
            {
                return Some(window);
            }
        }
    }
    None
}

/// The tokens the server counted in the failed request: llama.cpp "request (30011 tokens)",
/// OpenAI "you requested 9000 tokens", "resulted in 9000 tokens", llama-cpp-python
/// "Requested tokens (935)".
fn overflow_requested(message: &str) -> Option<usize> {
    let lower = message.to_ascii_lowercase();
    ["request (", "requested tokens (", "you requested ", "resulted in "].iter().find_map(
        |marker| {
            let at = lower.find(marker)? + marker.len();
            let digits: String = lower[at..].chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<usize>().ok().filter(|&n| n > 0)
        },
    )
}

/// Whether a refusal's message is about `response_format` (JSON replies): servers that do
/// not take it, or not the kind asked for, name the field or the schema in their 400.
pub fn refuses_response_format(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    ["response_format", "response format", "json_schema", "json_object"]
        .iter()
        .any(|word| message.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_that_can_pass_are_transient() {
        let bad_gateway =
            ApiError::Http { status: 502, message: "bad gateway".into(), retry_after: None };
        assert_eq!(bad_gateway.failure(), Failure::Transient { retry_after: None });
        let unavailable = ApiError::Http {
            status: 503,
            message: "down for maintenance".into(),
            retry_after: Some(Duration::from_secs(2)),
        };
        assert_eq!(
            unavailable.failure(),
            Failure::Transient { retry_after: Some(Duration::from_secs(2)) }
        );
        let limited = ApiError::RateLimited {
            message: "slow down".into(),
            retry_after: Some(Duration::from_secs(7)),
        };
        assert_eq!(
            limited.failure(),
            Failure::Transient { retry_after: Some(Duration::from_secs(7)) }
        );
        let auth = ApiError::Auth { status: 401, message: "no".into(), key_hint: String::new() };
        let bad =
            ApiError::Http { status: 400, message: "bad temperature".into(), retry_after: None };
        let junk = ApiError::Protocol { message: "not JSON".into() };
        for error in [auth, bad, junk] {
            assert_eq!(error.failure(), Failure::Permanent, "{error}");
        }
    }

    #[test]
    fn overflow_is_recognised_for_llama_cpp_openai_and_vllm() {
        assert!(is_context_overflow(400, "exceed_context_size_error 400", "request exceeds"));
        assert!(is_context_overflow(400, "invalid_request_error \"context_length_exceeded\"", ""));
        assert!(is_context_overflow(
            400,
            "BadRequestError",
            "This model's maximum context length is 4096 tokens"
        ));
        assert!(!is_context_overflow(500, "exceed_context_size_error", ""));
        assert!(!is_context_overflow(400, "invalid_request_error", "bad temperature"));
    }

    #[test]
    fn overflow_messages_from_llama_cpp_openai_and_vllm_give_the_window() {
        assert_eq!(
            overflow_window(
                "request (30011 tokens) exceeds the available context size (4096 tokens), try increasing it"
            ),
            Some(4096)
        );
        assert_eq!(
            overflow_window(
                "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens."
            ),
            Some(8192)
        );
        assert_eq!(overflow_window("too long"), None);
    }

    #[test]
    fn overflow_messages_give_the_tokens_the_server_counted() {
        let llama = "request (30011 tokens) exceeds the available context size (4096 tokens)";
        assert_eq!(overflow_requested(llama), Some(30011));
        let openai = "maximum context length is 512 tokens. However, you requested 935 tokens (935 in the messages, None in the completion).";
        assert_eq!(overflow_requested(openai), Some(935));
        assert_eq!(
            overflow_requested("Requested tokens (782) exceed context window of 512"),
            Some(782)
        );
        assert_eq!(overflow_requested("too long"), None);
    }

    #[test]
    fn a_context_overflow_carries_the_servers_numbers_when_it_gives_them() {
        let llama = "request (30011 tokens) exceeds the available context size (4096 tokens)";
        assert_eq!(
            ApiError::context_overflow(400, llama.into()),
            ApiError::ContextOverflow {
                status: 400,
                message: llama.into(),
                window: Some(4096),
                requested: Some(30011)
            }
        );
        assert!(matches!(
            ApiError::context_overflow(413, "too long".into()),
            ApiError::ContextOverflow { status: 413, window: None, requested: None, .. }
        ));
    }
}

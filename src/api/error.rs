//! Everything that can go wrong with a request, typed so the UI can react to each kind.
//!
//! Each error carries the server's own message (already redacted of the key) and knows what
//! the user should do next. Nothing here does IO.

use std::time::Duration;

use crate::chat::retry::Failure;

/// A failed request. `Display` is the headline; `advice` is the next step for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 401/403: the key is missing, wrong or lacks access.
    #[error("HTTP {status}: {message}")]
    Auth { status: u16, message: String, key_hint: String },
    /// 404: usually a wrong base URL or model name.
    #[error("HTTP 404: {message}")]
    NotFound { message: String, url: String, model: String },
    /// 429: rate limited or out of quota.
    #[error("HTTP 429: {message}")]
    RateLimited { message: String, retry_after: Option<Duration> },
    /// The prompt does not fit the model's context window.
    #[error("HTTP {status}: {message}")]
    ContextOverflow { status: u16, message: String },
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
    /// What the user should do next, in one sentence.
    pub fn advice(&self) -> String {
        match self {
            Self::Auth { key_hint, .. } => format!("Check the API key: {key_hint}."),
            Self::NotFound { url, model, .. } => {
                format!("Check the base URL ({url}) and the model name ({model}).")
            }
            Self::RateLimited { retry_after: Some(wait), .. } => format!(
                "The server asks to wait {} s; Ctrl+R retries.",
                wait.as_secs().max(1)
            ),
            Self::RateLimited { retry_after: None, .. } => {
                "Wait a moment, or check your plan's quota; Ctrl+R retries.".to_owned()
            }
            Self::ContextOverflow { .. } => {
                "The conversation is longer than the model's context window: start a new one (Ctrl+N) or use a model with a larger window.".to_owned()
            }
            Self::Http { status, .. } if *status >= 500 => {
                "The server failed; Ctrl+R retries.".to_owned()
            }
            Self::Http { .. } => "Check the request settings; Ctrl+R retries.".to_owned(),
            Self::Network { .. } => {
                "Check that the server is running and reachable; Ctrl+R retries.".to_owned()
            }
            Self::InStream { .. } | Self::Protocol { .. } => "Ctrl+R retries.".to_owned(),
            Self::KeyCommand { .. } => {
                "Check the provider's api_key_cmd in the config (run it in a shell to see why).".to_owned()
            }
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

    /// Headline and advice together, for the app's screen.
    pub fn full_message(&self) -> String {
        format!("{self}. {}", self.advice())
    }

    /// Headline and advice for stderr, where the app's keys mean nothing.
    pub fn cli_message(&self) -> String {
        let advice = self.advice();
        let advice = match self {
            Self::ContextOverflow { .. } => {
                "The prompt is longer than the model's context window: shorten it or use a model with a larger window.".to_owned()
            }
            _ => advice
                .replace("; Ctrl+R retries.", ".")
                .replace("Ctrl+R retries.", "")
                .trim_end()
                .to_owned(),
        };
        if advice.is_empty() { self.to_string() } else { format!("{self}. {advice}") }
    }
}

/// Recognises "your prompt is too long" across servers: OpenAI and llama-cpp-python
/// (`context_length_exceeded`), llama.cpp (`exceed_context_size_error`), vLLM (a 400 whose
/// message speaks of the maximum context length).
pub fn is_context_overflow(status: u16, kind_and_code: &str, message: &str) -> bool {
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
    fn auth_error_says_which_variable_was_read() {
        let error = ApiError::Auth {
            status: 401,
            message: "Incorrect API key provided".into(),
            key_hint: "it was read from ROCKAPI_API_KEY".into(),
        };
        assert_eq!(
            error.full_message(),
            "HTTP 401: Incorrect API key provided. Check the API key: it was read from ROCKAPI_API_KEY."
        );
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
}

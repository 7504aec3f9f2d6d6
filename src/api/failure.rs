//! How a request that failed becomes an `ApiError`: an error status with its body (capped,
//! parsed when it is an error object, quoted when not), `Retry-After`, a connection that
//! broke or could not be made. Server text is sanitised and the key redacted from it here,
//! before it can reach an error message, a log or the screen.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::client::ApiClient;
use super::error::{ApiError, is_context_overflow};
use super::types::ErrorBody;

/// Error bodies are read up to this size; a proxy's multi-megabyte HTML page is cut here.
const MAX_ERROR_BODY: usize = 64 * 1024;

impl ApiClient {
    /// Server text on its way into an error: the key removed (servers echo it) and
    /// terminal control stripped (an error is shown on screen and printed to stderr).
    pub(super) fn redact(&self, text: &str) -> String {
        let text = crate::sanitize::sanitize(text);
        match self.known_key() {
            Some(key) => key.redact(&text),
            None => text.into_owned(),
        }
    }

    pub(super) fn network_error(&self, error: &reqwest::Error) -> ApiError {
        let what = if error.is_connect() {
            format!("cannot connect to {}", self.endpoint().base_url)
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

    pub(super) fn dropped(&self, error: &reqwest::Error) -> ApiError {
        match self.network_error(error) {
            ApiError::Network { message } => {
                ApiError::Network { message: format!("the connection broke mid-reply: {message}") }
            }
            other => other,
        }
    }

    pub(super) async fn http_error(&self, response: reqwest::Response, model: &str) -> ApiError {
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let body = read_capped(response, MAX_ERROR_BODY).await;
        let parsed = ErrorBody::parse(&body);
        let message = match &parsed {
            Some(body) => body.error.describe(),
            None if body.trim().is_empty() => {
                status.canonical_reason().unwrap_or("no message").to_owned()
            }
            // Redact the whole body before cutting it short: a key cut in half by the
            // preview would no longer match.
            None => preview(&self.redact(body.trim())),
        };
        let message = self.redact(&message);
        let kind = parsed.map(|b| b.error.kind_and_code()).unwrap_or_default();
        let code = status.as_u16();
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                ApiError::Auth { status: code, message, key_hint: self.endpoint().key_hint.clone() }
            }
            StatusCode::NOT_FOUND => ApiError::NotFound {
                message,
                url: self.endpoint().base_url.clone(),
                model: model.to_owned(),
            },
            StatusCode::TOO_MANY_REQUESTS => ApiError::RateLimited { message, retry_after },
            _ if is_context_overflow(code, &kind, &message) => {
                ApiError::ContextOverflow { status: code, message }
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

pub(super) fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

async fn read_capped(response: reqwest::Response, cap: usize) -> String {
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(Ok(bytes)) = stream.next().await {
        body.extend_from_slice(&bytes);
        if body.len() >= cap {
            body.truncate(cap);
            break;
        }
    }
    String::from_utf8_lossy(&body).into_owned()
}

/// The first 200 characters, on one line, for quoting a bad body in an error.
pub(super) fn preview(text: &str) -> String {
    let flat: String =
        text.chars().take(200).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if text.chars().count() > 200 { format!("{flat}…") } else { flat }
}

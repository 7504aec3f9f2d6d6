//! What the full-screen app tells the user to do after a failed request, in the app's own
//! keys (Ctrl+R retries, Ctrl+N starts a new conversation). `ApiError` brings the facts;
//! only the phrasing lives here.
//!
//! It never decides anything: whether to retry is the retry policy's (`chat::retry`), and
//! `ask` phrases its own advice for a shell, where these keys mean nothing.

use crate::api::ApiError;

/// What the user should do next, in one sentence.
pub fn advice(error: &ApiError) -> String {
    match error {
        ApiError::Auth { key_hint, .. } => format!("Check the API key: {key_hint}."),
        ApiError::NotFound { url, model, .. } => {
            format!("Check the base URL ({url}) and the model name ({model}).")
        }
        ApiError::RateLimited { retry_after: Some(wait), .. } => format!(
            "The server asks to wait {} s; Ctrl+R retries.",
            wait.as_secs().max(1)
        ),
        ApiError::RateLimited { retry_after: None, .. } => {
            "Wait a moment, or check your plan's quota; Ctrl+R retries.".to_owned()
        }
        ApiError::ContextOverflow { .. } => {
            "The conversation is longer than the model's context window: start a new one (Ctrl+N) or use a model with a larger window.".to_owned()
        }
        ApiError::ImagesRefused { .. } => {
            "This model does not take images: Ctrl+R sends the text alone, or Ctrl+P picks a model that does.".to_owned()
        }
        ApiError::Http { status, .. } if *status >= 500 => {
            "The server failed; Ctrl+R retries.".to_owned()
        }
        ApiError::Http { status: 300..=399, .. } => {
            "Check the base URL: the server sends requests elsewhere.".to_owned()
        }
        ApiError::Http { message, .. } if crate::api::refuses_response_format(message) => {
            "This server does not take response_format (JSON replies): turn JSON off in F4 (empty the json field), then Ctrl+R.".to_owned()
        }
        ApiError::Http { .. } => "Check the request settings; Ctrl+R retries.".to_owned(),
        ApiError::Network { .. } => {
            "Check that the server is running and reachable; Ctrl+R retries.".to_owned()
        }
        ApiError::InStream { .. } | ApiError::Protocol { .. } => "Ctrl+R retries.".to_owned(),
        ApiError::KeyCommand { .. } => {
            "Check the provider's api_key_cmd in the config (run it in a shell to see why).".to_owned()
        }
    }
}

/// Headline and advice together, as the failed prompt or reply shows it.
pub fn full_message(error: &ApiError) -> String {
    format!("{error}. {}", advice(error))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn auth_error_says_which_variable_was_read() {
        let error = ApiError::Auth {
            status: 401,
            message: "Incorrect API key provided".into(),
            key_hint: "it was read from ROCKAPI_API_KEY".into(),
        };
        assert_eq!(
            full_message(&error),
            "HTTP 401: Incorrect API key provided. Check the API key: it was read from ROCKAPI_API_KEY."
        );
    }

    #[test]
    fn every_error_ends_with_the_apps_next_step() {
        let cases = [
            (
                ApiError::NotFound {
                    message: "model not found".into(),
                    url: "http://127.0.0.1:9/v1".into(),
                    model: "tiny-llama".into(),
                },
                "HTTP 404: model not found. Check the base URL (http://127.0.0.1:9/v1) and the model name (tiny-llama).",
            ),
            (
                ApiError::RateLimited {
                    message: "slow down".into(),
                    retry_after: Some(Duration::from_millis(200)),
                },
                "HTTP 429: slow down. The server asks to wait 1 s; Ctrl+R retries.",
            ),
            (
                ApiError::RateLimited { message: "slow down".into(), retry_after: None },
                "HTTP 429: slow down. Wait a moment, or check your plan's quota; Ctrl+R retries.",
            ),
            (
                ApiError::context_overflow(400, "too long".into()),
                "HTTP 400: too long. The conversation is longer than the model's context window: start a new one (Ctrl+N) or use a model with a larger window.",
            ),
            (
                ApiError::Http { status: 503, message: "overloaded".into(), retry_after: None },
                "HTTP 503: overloaded. The server failed; Ctrl+R retries.",
            ),
            (
                ApiError::Http {
                    status: 400,
                    message: "bad temperature".into(),
                    retry_after: None,
                },
                "HTTP 400: bad temperature. Check the request settings; Ctrl+R retries.",
            ),
            (
                ApiError::Network {
                    message: "cannot connect to http://x (Connection refused)".into(),
                },
                "cannot connect to http://x (Connection refused). Check that the server is running and reachable; Ctrl+R retries.",
            ),
            (
                ApiError::InStream { message: "oops".into() },
                "the server reported an error mid-reply: oops. Ctrl+R retries.",
            ),
            (ApiError::Protocol { message: "not JSON".into() }, "not JSON. Ctrl+R retries."),
            (
                ApiError::KeyCommand { provider: "lab".into(), message: "`false` failed".into() },
                "cannot get the API key for provider `lab`: `false` failed. Check the provider's api_key_cmd in the config (run it in a shell to see why).",
            ),
        ];
        for (error, shown) in cases {
            assert_eq!(full_message(&error), shown);
        }
    }
}

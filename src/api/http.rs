//! The HTTP client the providers share, built when first needed: building one loads the
//! system's root certificates (tens of milliseconds), which must not hold the first frame.
//! The TUI starts building it on a thread of its own at start-up (`warm_up`); a request
//! that comes first waits for it, or builds it itself.
//!
//! It owns the client's settings (timeouts, user agent, the redirect policy) and nothing
//! else: no keys, no headers of a provider's, so one client serves every provider.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::client::same_origin;
use super::error::ApiError;

/// Redirects followed within the origin before giving up.
const MAX_REDIRECTS: usize = 5;

/// A handle on the (lazily built) client; clones share it.
#[derive(Clone, Default)]
pub struct Http(Arc<OnceLock<Result<reqwest::Client, ApiError>>>);

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let built = self.0.get().is_some();
        f.debug_struct("Http").field("built", &built).finish()
    }
}

impl Http {
    /// The client, built now if no one has built it yet.
    pub fn client(&self) -> Result<&reqwest::Client, ApiError> {
        self.0.get_or_init(|| build(reqwest::Client::builder())).as_ref().map_err(Clone::clone)
    }

    /// Builds the client on a thread of its own, so the first request finds it ready.
    pub fn warm_up(&self) {
        let http = self.clone();
        std::thread::spawn(move || {
            let _ = http.client();
        });
    }
}

/// A client with rockchat's settings: connect timeout, user agent, and redirects followed
/// only within the origin (the key goes with them). `builder` may add its own (a client
/// that keeps no connection alive).
pub(super) fn build(builder: reqwest::ClientBuilder) -> Result<reqwest::Client, ApiError> {
    builder
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("rockchat/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            let same_origin =
                attempt.previous().first().is_none_or(|first| same_origin(first, attempt.url()));
            if !same_origin {
                // The 3xx itself comes back, and the error names where it pointed.
                attempt.stop()
            } else if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else {
                attempt.follow()
            }
        }))
        .build()
        .map_err(|e| ApiError::Network { message: format!("cannot set up HTTP: {e}") })
}

//! When a failed request is tried again, and after how long: one policy for the app and for
//! `rockchat ask`. Pure: the caller sleeps.
//!
//! Only failures that can pass are retried (connection errors, 408, 409, 429, 5xx, an error
//! object before any text), a server's own `Retry-After` is honoured, and nothing here knows
//! whether a reply had started: callers must never retry once text has arrived.

use std::time::Duration;

use crate::api::ApiError;

/// When and how often a failed request is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first try.
    pub max_retries: u32,
    /// The first wait; each retry doubles it, with jitter.
    pub base_delay: Duration,
    /// A server asking for a longer wait than this gets an error instead of a retry.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// How long to wait before try `attempt + 1` after `error`, or `None` to give up.
    /// `seed` spreads the jitter (the request id), so many clients do not retry in step.
    pub fn wait(&self, error: &ApiError, attempt: u32, seed: u64) -> Option<Duration> {
        if attempt >= self.max_retries {
            return None;
        }
        let asked = match error {
            ApiError::Network { .. } | ApiError::InStream { .. } => None,
            ApiError::RateLimited { retry_after, .. } => *retry_after,
            ApiError::Http { status: 408 | 409 | 500..=599, retry_after, .. } => *retry_after,
            _ => return None,
        };
        let exponential = self.base_delay.saturating_mul(1 << attempt.min(16));
        let jitter = 0.5
            + 0.5 * ((seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64 / (1u64 << 53) as f64);
        let wait = asked.unwrap_or(exponential.mul_f64(jitter));
        (wait <= self.max_delay).then_some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_within_their_jitter_and_stop_at_the_limit() {
        let policy = RetryPolicy::default();
        let error =
            ApiError::Http { status: 502, message: "bad gateway".into(), retry_after: None };
        for attempt in 0..3 {
            let wait = policy.wait(&error, attempt, 42).unwrap();
            let full = Duration::from_millis(500 << attempt);
            assert!(wait >= full / 2 && wait <= full, "{attempt}: {wait:?}");
        }
        assert_eq!(policy.wait(&error, 3, 42), None);
    }

    #[test]
    fn a_servers_retry_after_is_the_wait_unless_it_is_too_long() {
        let policy = RetryPolicy::default();
        let asked = |secs| ApiError::RateLimited {
            message: "slow down".into(),
            retry_after: Some(Duration::from_secs(secs)),
        };
        assert_eq!(policy.wait(&asked(7), 0, 1), Some(Duration::from_secs(7)));
        assert_eq!(policy.wait(&asked(600), 0, 1), None);
        let unavailable = ApiError::Http {
            status: 503,
            message: "down for maintenance".into(),
            retry_after: Some(Duration::from_secs(2)),
        };
        assert_eq!(policy.wait(&unavailable, 2, 1), Some(Duration::from_secs(2)));
    }

    #[test]
    fn errors_that_cannot_pass_are_not_retried() {
        let policy = RetryPolicy::default();
        let auth = ApiError::Auth { status: 401, message: "no".into(), key_hint: String::new() };
        let bad =
            ApiError::Http { status: 400, message: "bad temperature".into(), retry_after: None };
        let junk = ApiError::Protocol { message: "not JSON".into() };
        for error in [auth, bad, junk] {
            assert_eq!(policy.wait(&error, 0, 1), None, "{error}");
        }
    }
}

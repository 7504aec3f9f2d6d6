//! When a failed request is tried again, and after how long: one policy for the app and for
//! `rockchat ask`. Pure: the caller sleeps.
//!
//! Only failures that can pass are retried (which ones is the HTTP layer's to say: it
//! classifies its errors as a [`Failure`]), a server's own `Retry-After` is honoured, and
//! nothing here knows whether a reply had started: callers must never retry once text has
//! arrived.

use std::time::Duration;

/// A failed request as the retry policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Waiting will not help: a bad key, a bad request, an answer that is not a completion.
    Permanent,
    /// It may pass (a broken connection, a rate limit, a failing server); the server may
    /// have said how long to wait.
    Transient { retry_after: Option<Duration> },
}

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
    /// How long to wait before try `attempt + 1` after `failure`, or `None` to give up.
    /// `seed` spreads the jitter (the request id), so many clients do not retry in step.
    pub fn wait(&self, failure: Failure, attempt: u32, seed: u64) -> Option<Duration> {
        if attempt >= self.max_retries {
            return None;
        }
        let Failure::Transient { retry_after: asked } = failure else { return None };
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
        let failure = Failure::Transient { retry_after: None };
        for attempt in 0..3 {
            let wait = policy.wait(failure, attempt, 42).unwrap();
            let full = Duration::from_millis(500 << attempt);
            assert!(wait >= full / 2 && wait <= full, "{attempt}: {wait:?}");
        }
        assert_eq!(policy.wait(failure, 3, 42), None);
    }

    #[test]
    fn a_servers_retry_after_is_the_wait_unless_it_is_too_long() {
        let policy = RetryPolicy::default();
        let asked = |secs| Failure::Transient { retry_after: Some(Duration::from_secs(secs)) };
        assert_eq!(policy.wait(asked(7), 0, 1), Some(Duration::from_secs(7)));
        assert_eq!(policy.wait(asked(600), 0, 1), None);
        assert_eq!(policy.wait(asked(2), 2, 1), Some(Duration::from_secs(2)));
    }

    #[test]
    fn failures_that_cannot_pass_are_not_retried() {
        assert_eq!(RetryPolicy::default().wait(Failure::Permanent, 0, 1), None);
    }
}

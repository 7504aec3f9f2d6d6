//! The API key, kept out of every log, error message and `Debug` output.
//!
//! The key lives in one newtype whose `Debug` and `Display` print a placeholder; the only way
//! to read it is `expose`, used when building the `Authorization` header. Text that came back
//! from a server (which may echo the key) goes through `redact` before anyone sees it.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// `None` for an empty or blank value, so an exported-but-empty variable means "no key".
    pub fn new(raw: impl Into<String>) -> Option<Self> {
        let raw = raw.into();
        let trimmed = raw.trim();
        (!trimmed.is_empty()).then(|| Self(trimmed.to_owned()))
    }

    /// The raw key, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the key replaced by a placeholder.
    pub fn redact(&self, text: &str) -> String {
        // Short keys (a local server's "x") would redact ordinary words; they guard nothing.
        if self.0.len() < 8 {
            return text.to_owned();
        }
        text.replace(&self.0, "[redacted]")
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_key() {
        let key = ApiKey::new("sk-secret-123456789").unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey([redacted])");
        assert_eq!(format!("{key}"), "[redacted]");
        assert!(!format!("{:?}", Some(key)).contains("secret"));
    }

    #[test]
    fn echoed_key_is_redacted_from_server_text() {
        let key = ApiKey::new("sk-secret-123456789").unwrap();
        assert_eq!(
            key.redact("Incorrect API key provided: sk-secret-123456789."),
            "Incorrect API key provided: [redacted]."
        );
    }

    #[test]
    fn blank_key_counts_as_no_key() {
        assert!(ApiKey::new("  ").is_none());
        assert_eq!(ApiKey::new(" k \n").unwrap().expose(), "k");
    }
}

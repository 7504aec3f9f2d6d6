//! The API key, kept out of every log, error message and `Debug` output; and the other
//! secret a user may hand over, credentials in a URL (`http://user:pass@host/v1`).
//!
//! The key lives in one newtype whose `Debug` and `Display` print a placeholder; the only way
//! to read it is `expose`, used when building the `Authorization` header. Text that came back
//! from a server (which may echo the key) goes through `redact` before anyone sees it. A URL
//! goes through [`redact_url_credentials`] before it is shown, logged or stored.

use std::borrow::Cow;
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

/// `text` with the user and password of every URL in it replaced by `***`:
/// `http://alice:pw@host/v1` becomes `http://***@host/v1`. Text without `://` is borrowed.
pub fn redact_url_credentials(text: &str) -> Cow<'_, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        // The authority ends where the path, query or fragment starts, or at a space or a
        // quote, where the URL itself ends in running text.
        let end = tail
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>') || c.is_whitespace()
            })
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(userinfo_end) => {
                out.push_str("***");
                out.push_str(&authority[userinfo_end..]);
                changed = true;
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(rest);
    Cow::Owned(out)
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

    #[test]
    fn credentials_in_a_url_are_redacted_wherever_it_appears() {
        assert_eq!(
            redact_url_credentials(
                "cannot connect to http://alice:s3cret@10.0.0.1:8080/v1 (refused)"
            ),
            "cannot connect to http://***@10.0.0.1:8080/v1 (refused)"
        );
        assert_eq!(redact_url_credentials("https://token@host"), "https://***@host");
        assert_eq!(
            redact_url_credentials("a http://u:p@h/x?y=z@w and https://v:q@i#f@g"),
            "a http://***@h/x?y=z@w and https://***@i#f@g"
        );
        assert!(matches!(
            redact_url_credentials("http://127.0.0.1:8080/v1 mail me@example.org"),
            Cow::Borrowed(_)
        ));
    }
}

//! Prompt history, as in a shell: Up on the draft's first row recalls the prompt before,
//! Down on its last row the one after, and past the newest the draft as it was comes back.
//! Earlier sessions' prompts are read from the store at start; each prompt sent is added.
//! Pure data: `update` moves through it, the store fills it.

/// Prompts kept; older ones are forgotten.
pub const LIMIT: usize = 1_000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// Oldest first, no two neighbours alike.
    entries: Vec<String>,
    /// The entry shown in the draft, while browsing.
    at: Option<usize>,
    /// The draft as it was before browsing began.
    stash: String,
}

impl History {
    /// A history of `entries`, oldest first.
    pub fn new(entries: Vec<String>) -> Self {
        let mut history = Self::default();
        for entry in entries {
            history.push(entry);
        }
        history
    }

    pub fn entries(&self) -> &[String] {
        &self.entries
    }

    /// A prompt was sent: it is the newest entry, and browsing starts afresh.
    pub fn push(&mut self, prompt: String) {
        self.at = None;
        if prompt.trim().is_empty() || self.entries.last() == Some(&prompt) {
            return;
        }
        self.entries.push(prompt);
        if self.entries.len() > LIMIT {
            self.entries.remove(0);
        }
    }

    /// The prompt before the one shown (the newest, when not browsing); `draft` is kept
    /// to come back past the newest. `None` at the oldest.
    pub fn older(&mut self, draft: &str) -> Option<&str> {
        let at = match self.at {
            None => {
                self.stash = draft.to_owned();
                self.entries.len().checked_sub(1)?
            }
            Some(at) => at.checked_sub(1)?,
        };
        self.at = Some(at);
        self.entries.get(at).map(String::as_str)
    }

    /// The prompt after the one shown, or the draft as it was past the newest; `None`
    /// when not browsing.
    pub fn newer(&mut self) -> Option<&str> {
        let at = self.at? + 1;
        if at < self.entries.len() {
            self.at = Some(at);
            return self.entries.get(at).map(String::as_str);
        }
        self.at = None;
        Some(&self.stash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_goes_back_down_comes_forward_and_past_the_newest_the_draft_returns() {
        let mut history = History::new(vec!["one".into(), "two".into(), "two".into()]);
        assert_eq!(history.entries(), ["one", "two"], "a repeat is kept once");
        assert_eq!(history.older("half typed"), Some("two"));
        assert_eq!(history.older("ignored"), Some("one"));
        assert_eq!(history.older("ignored"), None, "nothing older");
        assert_eq!(history.newer(), Some("two"));
        assert_eq!(history.newer(), Some("half typed"));
        assert_eq!(history.newer(), None, "not browsing any more");
    }
}

//! Prompt history, as in a shell: Up on the draft's first row recalls the prompt before,
//! Down on its last row the one after, and past the newest the draft as it was comes back.
//! A draft typed before the first Up is a search, as in fish: only the prompts that contain
//! it (in any case) are stepped through (Ctrl+R, a shell's search key, retries here); when
//! none does, Up steps through them all, as in bash.
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
    /// What the recalled prompts must contain (lowercased): the draft browsing began with.
    query: String,
    /// Browsing began with a draft that no prompt contains.
    missed: bool,
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
        let end = match self.at {
            None => {
                self.stash = draft.to_owned();
                self.query = draft.trim().to_lowercase();
                self.missed = false;
                if !self.query.is_empty() && !(0..self.entries.len()).any(|at| self.matches(at)) {
                    self.query.clear();
                    self.missed = true;
                }
                self.entries.len()
            }
            Some(at) => at,
        };
        let at = (0..end).rev().find(|&at| self.matches(at))?;
        self.at = Some(at);
        self.entries.get(at).map(String::as_str)
    }

    /// Whether browsing began with a draft that no prompt contains (so it shows them all).
    pub fn missed(&self) -> bool {
        self.at.is_some() && self.missed
    }

    /// The draft as it was when browsing began.
    pub fn draft(&self) -> &str {
        &self.stash
    }

    /// What browsing searches for: the draft it began with, when there was one.
    pub fn query(&self) -> Option<&str> {
        self.at.filter(|_| !self.query.is_empty()).map(|_| self.query.as_str())
    }

    fn matches(&self, at: usize) -> bool {
        let entry = &self.entries[at];
        // The draft itself is no match: Up from a recalled prompt's text goes further back.
        self.query.is_empty()
            || (entry.to_lowercase().contains(&self.query) && entry.trim() != self.stash.trim())
    }

    /// The prompt after the one shown, or the draft as it was past the newest; `None`
    /// when not browsing.
    pub fn newer(&mut self) -> Option<&str> {
        let from = self.at? + 1;
        if let Some(at) = (from..self.entries.len()).find(|&at| self.matches(at)) {
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

    #[test]
    fn a_draft_typed_before_up_searches_the_prompts_that_contain_it() {
        let prompts = ["Explain Rust lifetimes", "hello", "rust: borrow checker", "bye"];
        let mut history = History::new(prompts.map(String::from).to_vec());
        assert_eq!(history.older("RUST"), Some("rust: borrow checker"), "any case");
        assert_eq!(history.query(), Some("rust"));
        assert_eq!(history.older("ignored"), Some("Explain Rust lifetimes"), "skips the others");
        assert_eq!(history.older("ignored"), None, "no older match");
        assert_eq!(history.newer(), Some("rust: borrow checker"));
        assert_eq!(history.newer(), Some("RUST"), "past the newest match the draft returns");
        assert_eq!(history.query(), None);
        assert_eq!(history.older("nothing like it"), Some("bye"), "no match: every prompt");
        assert!(history.missed());
        assert_eq!(history.older(""), Some("rust: borrow checker"));
    }
}

//! Token counting and context windows: how much of the conversation fits the model.
//!
//! Exact counts for OpenAI models (o200k_base for gpt-4o, gpt-4.1, o-series and later;
//! cl100k_base for gpt-4 and gpt-3.5), with OpenAI's chat overhead of 3 tokens per message
//! and 3 priming the reply. Other models get a stated estimate (about 4 characters a token),
//! shown as "≈". Pure and synchronous. The encoder is rockchat's own (`bpe`: tiktoken's
//! counts in a few MB). It loads once, on its first count or by [`Encoding::load`]; loading
//! still takes tens of milliseconds, so the TUI loads it on a background thread and counts
//! with [`Counter::estimate`] until [`Encoding::is_loaded`].

mod bpe;
pub mod image;
pub mod trim;
pub mod window;

use std::sync::OnceLock;

use self::bpe::{Bpe, Vocabulary};

/// Tokens every chat request spends priming the reply.
pub const REPLY_PRIMING: usize = 3;
/// Tokens each message costs beyond its text.
pub const PER_MESSAGE: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    O200k,
    Cl100k,
    /// No known tokenizer: characters / 4.
    Estimate,
}

impl Encoding {
    /// The encoding OpenAI uses for `model` (a provider prefix such as `openai/` is ignored).
    pub fn for_model(model: &str) -> Self {
        let name = model.rsplit('/').next().unwrap_or(model).to_ascii_lowercase();
        const O200K: &[&str] =
            &["gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "gpt-oss"];
        const CL100K: &[&str] = &["gpt-4", "gpt-3.5"];
        if O200K.iter().any(|p| name.starts_with(p)) {
            Self::O200k
        } else if CL100K.iter().any(|p| name.starts_with(p)) {
            Self::Cl100k
        } else {
            Self::Estimate
        }
    }

    /// Whether this is a real tokenizer rather than the estimate.
    pub fn is_exact(self) -> bool {
        self != Self::Estimate
    }

    /// Whether the encoder is loaded: never blocks, never loads.
    pub fn is_loaded(self) -> bool {
        match self {
            Self::O200k => O200K.get().is_some(),
            Self::Cl100k => CL100K.get().is_some(),
            Self::Estimate => true,
        }
    }

    /// Loads the encoder (blocking; the TUI calls this on a background thread).
    pub fn load(self) {
        self.bpe();
    }

    fn bpe(self) -> Option<&'static Bpe> {
        match self {
            Self::O200k => O200K.get_or_init(|| Bpe::new(Vocabulary::O200k)).as_ref(),
            Self::Cl100k => CL100K.get_or_init(|| Bpe::new(Vocabulary::Cl100k)).as_ref(),
            Self::Estimate => None,
        }
    }
}

/// The encoders, once loaded; `None` if one could not be built from its compiled-in rank
/// file (counts then fall back to the estimate).
static O200K: OnceLock<Option<Bpe>> = OnceLock::new();
static CL100K: OnceLock<Option<Bpe>> = OnceLock::new();

/// Counts tokens for one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    encoding: Encoding,
}

impl Counter {
    /// The exact counter for `model` where it has a tokenizer (loaded on first use).
    pub fn for_model(model: &str) -> Self {
        Self { encoding: Encoding::for_model(model) }
    }

    /// The counter with `encoding` (loaded on first use).
    pub fn exact(encoding: Encoding) -> Self {
        Self { encoding }
    }

    /// About 4 characters a token, for models without a known tokenizer, and meanwhile
    /// for those whose tokenizer is still loading.
    pub fn estimate() -> Self {
        Self { encoding: Encoding::Estimate }
    }

    pub fn is_exact(&self) -> bool {
        self.encoding != Encoding::Estimate
    }

    pub fn count(&self, text: &str) -> usize {
        match self.encoding.bpe() {
            Some(bpe) => bpe.count(text),
            None => text.chars().count().div_ceil(4),
        }
    }

    /// A message's cost in a chat request: overhead, role (as the API spells it) and
    /// content.
    pub fn message(&self, role: &str, content: &str) -> usize {
        PER_MESSAGE + self.count(role) + self.count(content)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_map_to_their_encodings() {
        assert_eq!(Encoding::for_model("gpt-4o-mini"), Encoding::O200k);
        assert_eq!(Encoding::for_model("openai/gpt-4.1"), Encoding::O200k);
        assert_eq!(Encoding::for_model("o3-mini"), Encoding::O200k);
        assert_eq!(Encoding::for_model("gpt-4-turbo"), Encoding::Cl100k);
        assert_eq!(Encoding::for_model("gpt-3.5-turbo"), Encoding::Cl100k);
        assert_eq!(Encoding::for_model("llama3.2"), Encoding::Estimate);
    }

    #[test]
    fn counts_match_known_values_for_both_encodings() {
        let o200k = Counter::for_model("gpt-4o");
        let cl100k = Counter::for_model("gpt-4");
        assert_eq!(o200k.count("hello world"), 2);
        assert_eq!(cl100k.count("hello world"), 2);
        // "tiktoken is great!" is 6 tokens in cl100k_base (OpenAI cookbook).
        assert_eq!(cl100k.count("tiktoken is great!"), 6);
        assert_eq!(o200k.message("user", "hello world"), 3 + 1 + 2);
    }

    #[test]
    fn unknown_models_are_estimated_and_say_so() {
        let counter = Counter::for_model("qwen2.5-7b");
        assert!(!counter.is_exact());
        assert_eq!(counter.count("12345678"), 2);
    }
}

//! How the messages of a request are counted, and how sure each count is: exactly (the
//! model's own tokenizer: tiktoken for OpenAI models, or the server's `/tokenize` for a
//! local model), calibrated (the character estimate scaled by what the server itself
//! counted in earlier requests), or estimated (about 4 characters a token). A request's
//! total carries the uncertainty of its estimated parts as a spread, so the meter can show
//! it on the count side while the window stays the server's real one.
//!
//! Pure: the counts the server made arrive from the app (`ServerCounts`); the local counts
//! are cached on each message, so a message is counted once.

use std::collections::HashMap;

use super::Key;
use super::attachment::Attachment;
use super::conversation::Conversation;
use super::message::Role;
use crate::tokens::Counter;
use crate::tokens::image::{Detail, cost_of};

/// How sure a count is, best first: a sum is as sure as its least sure part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Precision {
    /// Counted by the model's own tokenizer.
    #[default]
    Exact,
    /// Estimated, then scaled by the server's own counts of earlier requests.
    Calibrated,
    /// About 4 characters a token; a model's tokenizer may count a good deal more.
    Estimated,
}

impl Precision {
    /// How far off a count of `tokens` may be: nothing when exact, a tenth once
    /// calibrated, three tenths when estimated (prose against a model's own tokenizer; code
    /// and other scripts can be further off, and the first reply's usage calibrates them).
    pub fn spread(self, tokens: usize) -> usize {
        match self {
            Self::Exact => 0,
            Self::Calibrated => tokens.div_ceil(10),
            Self::Estimated => (tokens * 3).div_ceil(10),
        }
    }
}

/// Some tokens and how sure their count is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Count {
    pub tokens: usize,
    pub spread: usize,
    pub precision: Precision,
}

impl Count {
    pub fn new(tokens: usize, precision: Precision) -> Self {
        Self { tokens, spread: precision.spread(tokens), precision }
    }
}

impl std::ops::Add for Count {
    type Output = Count;

    fn add(self, other: Count) -> Count {
        Count {
            tokens: self.tokens + other.tokens,
            spread: self.spread + other.spread,
            precision: self.precision.max(other.precision),
        }
    }
}

/// Counts the server's tokenizer made for the current provider and model: each message's
/// content by key and length (a message's text only ever grows while it streams, and an
/// edit makes a new message, so a count is good while the length holds; marks such as
/// "not sent" change a message's revision, not its text), the system
/// message by its text, and the tokens its chat template adds (per message, and once per
/// request).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerCounts {
    pub messages: HashMap<Key, (usize, usize)>,
    pub system: Option<(String, usize)>,
    /// What the chat template adds; `None` until measured, and until then nothing the
    /// server counted is used.
    pub template: Option<Template>,
}

/// The tokens a chat template adds around a message of each role (its role's name and
/// markers), and once per request (a BOS token, the reply's opening).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Template {
    pub system: usize,
    pub user: usize,
    pub assistant: usize,
    pub fixed: usize,
}

impl Template {
    pub fn around(&self, role: Role) -> usize {
        match role {
            Role::System => self.system,
            Role::User => self.user,
            // A tool result is wrapped much as a reply is.
            Role::Assistant | Role::Tool => self.assistant,
        }
    }
}

impl ServerCounts {
    fn message(&self, key: Key, len: usize, role: Role) -> Option<usize> {
        let template = self.template?;
        let &(counted, tokens) = self.messages.get(&key)?;
        (counted == len).then_some(tokens + template.around(role))
    }

    fn system(&self, text: &str) -> Option<usize> {
        let template = self.template?;
        let around = template.around(Role::System);
        self.system.as_ref().filter(|(t, _)| t == text).map(|(_, n)| n + around)
    }
}

/// How one request is counted.
#[derive(Debug, Clone, Copy)]
pub struct Tally<'a> {
    pub counter: Counter,
    /// Server tokens per estimated token, once learned.
    pub ratio: Option<f64>,
    pub server: Option<&'a ServerCounts>,
}

impl<'a> Tally<'a> {
    /// Local counting for `model`, with nothing learned.
    pub fn local(model: &str) -> Self {
        Self { counter: Counter::for_model(model), ratio: None, server: None }
    }

    /// A local count as sure as the counter allows (calibrated when a ratio is known).
    fn local_count(&self, raw: usize) -> Count {
        if self.counter.is_exact() {
            return Count::new(raw, Precision::Exact);
        }
        match self.ratio {
            Some(ratio) => Count::new((raw as f64 * ratio).round() as usize, Precision::Calibrated),
            None => Count::new(raw, Precision::Estimated),
        }
    }

    /// The tokens every request adds besides its messages.
    pub fn fixed(&self) -> Count {
        match self.server.and_then(|s| s.template) {
            Some(template) => Count::new(template.fixed, Precision::Exact),
            None => self.local_count(crate::tokens::REPLY_PRIMING),
        }
    }

    pub fn system(&self, text: &str) -> Count {
        if text.trim().is_empty() {
            return Count::default();
        }
        match self.server.and_then(|s| s.system(text)) {
            Some(exact) => Count::new(exact, Precision::Exact),
            None => self.local_count(self.counter.message(Role::System.as_str(), text)),
        }
    }

    /// The draft as the user message it would become.
    pub fn draft(&self, text: &str) -> Count {
        if text.trim().is_empty() {
            return Count::default();
        }
        self.drafted(self.counter.message(Role::User.as_str(), text))
    }

    /// A draft counted elsewhere (in the background) as `Counter::message` counts a user
    /// message; 0 for a blank one.
    pub fn drafted(&self, raw: usize) -> Count {
        if raw == 0 { Count::default() } else { self.local_count(raw) }
    }

    /// Message `index`'s cost: its text (counted once per counter, cached on the message)
    /// and, when `images` go, its images.
    pub fn message(&self, conversation: &mut Conversation, index: usize, images: bool) -> Count {
        let Some(message) = conversation.messages().get(index) else { return Count::default() };
        // With its files, as it is sent; the server counts a message's text, and calls and
        // their results are counted here.
        let sent = message.sent_text();
        let exact = match message.tool_calls.is_empty() {
            true => self.server.and_then(|s| s.message(message.key, sent.len(), message.role)),
            false => None,
        };
        let text = match exact {
            Some(exact) => Count::new(exact, Precision::Exact),
            None => {
                let raw = match message.tokens {
                    Some((by, raw)) if by == self.counter => raw,
                    _ => {
                        let raw = self.counter.message(message.role.as_str(), &sent)
                            + super::tools::cost(self.counter, message);
                        conversation.cache_tokens(index, self.counter, raw);
                        raw
                    }
                };
                self.local_count(raw)
            }
        };
        if !images {
            return text;
        }
        let message = &conversation.messages()[index];
        message.images.iter().fold(text, |sum, image| sum + self.image(image))
    }

    /// An image, as OpenAI documents it; for other models the same figure is a guess.
    pub fn image(&self, image: &Attachment) -> Count {
        let (tokens, documented) = cost_of(image.data(), Detail::High);
        let exact = documented && self.counter.is_exact();
        Count::new(tokens, if exact { Precision::Exact } else { Precision::Estimated })
    }
}

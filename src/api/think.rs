//! Splits `<think>…</think>` reasoning out of streamed content: reasoning models (DeepSeek-R1,
//! Qwen3, QwQ served by llama.cpp or Ollama) put it at the start of `content`. This module
//! owns only that split. It must never eat a tag a model writes later in its answer (the
//! opening tag counts only at the very start, after optional whitespace), never hold back
//! more than the few chars that could still become a tag, and never lose or reorder text.

const OPEN_TAG: &str = "<think>";
const CLOSE_TAG: &str = "</think>";

/// Whitespace before `<think>` must be held until we know whether the tag follows; past this
/// many chars the reply is taken to have started without one, so the hold stays bounded.
const MAX_LEADING_WHITESPACE: usize = 64;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Split {
    pub content: String,
    pub reasoning: String,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Only whitespace, or part of `<think>`, seen so far.
    #[default]
    Start,
    Reasoning,
    /// Just after `</think>`, where whitespace is dropped.
    AfterReasoning,
    Content,
}

#[derive(Debug, Default, Clone)]
pub struct ThinkSplitter {
    phase: Phase,
    /// Text that may still turn out to be (part of) a tag.
    held: String,
}

impl ThinkSplitter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, delta: &str) -> Split {
        let mut split = Split::default();
        let mut pending = std::mem::take(&mut self.held);
        pending.push_str(delta);
        let mut rest = pending.as_str();
        while !rest.is_empty() {
            match self.phase {
                Phase::Start => {
                    let tag_or_text = rest.trim_start();
                    let whitespace = &rest[..rest.len() - tag_or_text.len()];
                    if whitespace.chars().count() > MAX_LEADING_WHITESPACE {
                        self.phase = Phase::Content;
                    } else if let Some(after) = tag_or_text.strip_prefix(OPEN_TAG) {
                        self.phase = Phase::Reasoning;
                        rest = after;
                    } else if OPEN_TAG.starts_with(tag_or_text) {
                        self.held.push_str(rest);
                        rest = "";
                    } else {
                        self.phase = Phase::Content;
                    }
                }
                Phase::Reasoning => match rest.find(CLOSE_TAG) {
                    Some(at) => {
                        split.reasoning.push_str(&rest[..at]);
                        rest = &rest[at + CLOSE_TAG.len()..];
                        self.phase = Phase::AfterReasoning;
                    }
                    None => {
                        let keep = rest.len() - partial_close_tag_len(rest);
                        split.reasoning.push_str(&rest[..keep]);
                        self.held.push_str(&rest[keep..]);
                        rest = "";
                    }
                },
                Phase::AfterReasoning => {
                    rest = rest.trim_start();
                    if !rest.is_empty() {
                        self.phase = Phase::Content;
                    }
                }
                Phase::Content => {
                    split.content.push_str(rest);
                    rest = "";
                }
            }
        }
        split
    }

    /// End of stream: release anything held back (a partial tag that never completed is
    /// ordinary text of the section it was in), then start over.
    pub fn finish(&mut self) -> Split {
        let held = std::mem::take(&mut self.held);
        let split = match self.phase {
            Phase::Reasoning => Split { reasoning: held, ..Split::default() },
            _ => Split { content: held, ..Split::default() },
        };
        self.phase = Phase::Start;
        split
    }
}

/// Non-streaming convenience; same result as push(all)+finish.
pub fn split_think(text: &str) -> Split {
    let mut splitter = ThinkSplitter::new();
    let mut split = splitter.push(text);
    let last = splitter.finish();
    split.content.push_str(&last.content);
    split.reasoning.push_str(&last.reasoning);
    split
}

/// The length of the longest suffix of `text` that is a proper prefix of `</think>`. The tag
/// is ASCII, so the cut it implies always falls on a char boundary.
fn partial_close_tag_len(text: &str) -> usize {
    (1..CLOSE_TAG.len()).rev().find(|&len| text.ends_with(&CLOSE_TAG[..len])).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(content: &str, reasoning: &str) -> Split {
        Split { content: content.to_owned(), reasoning: reasoning.to_owned() }
    }

    fn streamed<'a>(pieces: impl IntoIterator<Item = &'a str>) -> Split {
        let mut splitter = ThinkSplitter::new();
        let mut total = Split::default();
        let deltas: Vec<Split> = pieces.into_iter().map(|p| splitter.push(p)).collect();
        for delta in deltas.into_iter().chain([splitter.finish()]) {
            total.content.push_str(&delta.content);
            total.reasoning.push_str(&delta.reasoning);
        }
        total
    }

    const SAMPLES: &[&str] = &[
        "<think>plan 🦀</think>\n\nAnswer 日本",
        "\n\n <think>\nstep <b>one</b> </thin </think>  ok",
        "<think>never closed <",
        "<thi",
        "  <thinking> is not the tag",
        "Hello <think>later</think> stays",
        "<think></think>",
        "<think>\n\n</think>\n\n",
        "a</think>b",
        "<<think>x</think>",
        "é<think>x</think>",
    ];

    #[test]
    fn splitting_anywhere_gives_the_same_result_as_split_think() {
        for sample in SAMPLES {
            let whole = split_think(sample);
            let boundaries: Vec<usize> =
                sample.char_indices().map(|(i, _)| i).chain([sample.len()]).collect();
            for &first in &boundaries {
                assert_eq!(streamed([&sample[..first], &sample[first..]]), whole, "{sample:?}");
                for &second in boundaries.iter().filter(|&&b| b >= first) {
                    let pieces = [&sample[..first], &sample[first..second], &sample[second..]];
                    assert_eq!(streamed(pieces), whole, "{sample:?} cut at {first}, {second}");
                }
            }
        }
    }

    #[test]
    fn think_block_is_split_from_content() {
        assert_eq!(split_think("<think>plan</think>\n\nAnswer"), split("Answer", "plan"));
    }

    #[test]
    fn whitespace_before_the_opening_tag_is_dropped() {
        assert_eq!(split_think("\n \t<think>why</think>so"), split("so", "why"));
    }

    #[test]
    fn tag_later_in_the_content_is_ordinary_text() {
        let text = "Use `<think>` like this: <think>x</think> done";
        assert_eq!(split_think(text), split(text, ""));
    }

    #[test]
    fn lookalike_opening_tag_is_ordinary_text() {
        assert_eq!(split_think("<thinking>hm</thinking>"), split("<thinking>hm</thinking>", ""));
    }

    #[test]
    fn closing_tag_without_an_opening_one_is_ordinary_text() {
        assert_eq!(split_think("a</think>b"), split("a</think>b", ""));
    }

    #[test]
    fn unclosed_think_is_all_reasoning() {
        assert_eq!(split_think("<think>still going </thi"), split("", "still going </thi"));
    }

    #[test]
    fn partial_opening_tag_at_end_of_stream_is_content() {
        assert_eq!(split_think(" <thin"), split(" <thin", ""));
    }

    #[test]
    fn empty_think_block_yields_only_content() {
        assert_eq!(split_think("<think>\n\n</think>\n\nHi"), split("Hi", "\n\n"));
    }

    #[test]
    fn only_whitespace_right_after_the_closing_tag_is_dropped() {
        assert_eq!(split_think("<think>r</think>\n  a\n b"), split("a\n b", "r"));
    }

    #[test]
    fn tag_split_across_deltas_is_recognised() {
        let mut splitter = ThinkSplitter::new();
        assert_eq!(splitter.push("<th"), split("", ""));
        assert_eq!(splitter.push("ink>idea </th"), split("", "idea "));
        assert_eq!(splitter.push("ink> answer"), split("answer", ""));
        assert_eq!(splitter.finish(), split("", ""));
    }

    #[test]
    fn reasoning_holds_back_at_most_a_partial_closing_tag() {
        let text = "<think>a </ b </t c </thin d </think";
        let mut splitter = ThinkSplitter::new();
        let mut seen = String::new();
        for (end, c) in text.char_indices().map(|(i, c)| (i + c.len_utf8(), c)) {
            seen.push_str(&splitter.push(&c.to_string()).reasoning);
            if end > OPEN_TAG.len() {
                let fed = end - OPEN_TAG.len();
                assert!(fed - seen.len() < CLOSE_TAG.len(), "held too much at {end}");
            }
        }
        assert_eq!(splitter.finish().reasoning, "</think");
    }

    #[test]
    fn no_think_content_passes_straight_through() {
        let mut splitter = ThinkSplitter::new();
        assert_eq!(splitter.push("<"), split("", ""));
        assert_eq!(splitter.push("b>bold"), split("<b>bold", ""));
        assert_eq!(splitter.push(" <think"), split(" <think", ""));
        assert_eq!(splitter.push(">"), split(">", ""));

        let mut splitter = ThinkSplitter::new();
        assert_eq!(splitter.push("Hello"), split("Hello", ""));
        assert_eq!(splitter.push(" <"), split(" <", ""));
    }

    #[test]
    fn whitespace_beyond_the_limit_means_there_is_no_think_block() {
        let text = format!("{}<think>x</think>", " ".repeat(MAX_LEADING_WHITESPACE + 1));
        assert_eq!(split_think(&text), split(&text, ""));
        let text = format!("{}<think>x</think>", " ".repeat(MAX_LEADING_WHITESPACE));
        assert_eq!(split_think(&text), split("", "x"));
    }

    #[test]
    fn finish_starts_a_new_reply() {
        let mut splitter = ThinkSplitter::new();
        splitter.push("<think>a");
        assert_eq!(splitter.finish(), split("", ""));
        assert_eq!(splitter.push("<think>b</think>c"), split("c", "b"));
    }
}

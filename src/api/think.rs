//! Splits `<think>…</think>` reasoning out of streamed content (DeepSeek-R1, Qwen3, QwQ
//! served by llama.cpp or Ollama put their reasoning there).
//!
//! The opening tag counts only at the very start of the reply (after optional whitespace),
//! so a model discussing the tag later is never eaten. Tags may be split across deltas; the
//! splitter holds back only the few chars that could still turn into a tag.

const OPEN: &str = "<think>";
const CLOSE: &str = "</think>";

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Split {
    pub content: String,
    pub reasoning: String,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Nothing but whitespace seen yet: `<think>` may still come.
    #[default]
    Start,
    Thinking,
    /// Right after `</think>`: whitespace is dropped.
    AfterThinking,
    Answer,
}

#[derive(Debug, Default, Clone)]
pub struct ThinkSplitter {
    phase: Phase,
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
                    let trimmed = rest.trim_start();
                    if trimmed.is_empty() {
                        // Leading whitespace is held until we know whether a tag follows.
                        self.held = rest.to_owned();
                        return split;
                    }
                    if let Some(after) = trimmed.strip_prefix(OPEN) {
                        self.phase = Phase::Thinking;
                        rest = after;
                    } else if OPEN.starts_with(trimmed) {
                        self.held = rest.to_owned();
                        return split;
                    } else {
                        self.phase = Phase::Answer;
                    }
                }
                Phase::Thinking => match rest.find(CLOSE) {
                    Some(end) => {
                        split.reasoning.push_str(&rest[..end]);
                        rest = &rest[end + CLOSE.len()..];
                        self.phase = Phase::AfterThinking;
                    }
                    None => {
                        let keep = partial_suffix(rest, CLOSE);
                        split.reasoning.push_str(&rest[..rest.len() - keep]);
                        self.held = rest[rest.len() - keep..].to_owned();
                        return split;
                    }
                },
                Phase::AfterThinking => {
                    rest = rest.trim_start();
                    if !rest.is_empty() {
                        self.phase = Phase::Answer;
                    }
                }
                Phase::Answer => {
                    split.content.push_str(rest);
                    rest = "";
                }
            }
        }
        split
    }

    /// End of stream: whatever was held back is text of the section it was in.
    pub fn finish(&mut self) -> Split {
        let held = std::mem::take(&mut self.held);
        let mut split = Split::default();
        match self.phase {
            Phase::Thinking => split.reasoning = held,
            Phase::AfterThinking => {}
            Phase::Start | Phase::Answer => split.content = held,
        }
        if self.phase == Phase::Start {
            split.content = split.content.trim_start().to_owned();
        }
        split
    }
}

/// Non-streaming convenience: the same result as `push(text)` then `finish()`.
pub fn split_think(text: &str) -> Split {
    let mut splitter = ThinkSplitter::new();
    let mut split = splitter.push(text);
    let last = splitter.finish();
    split.content.push_str(&last.content);
    split.reasoning.push_str(&last.reasoning);
    split
}

/// The length of the longest suffix of `text` that is a proper prefix of `tag`.
fn partial_suffix(text: &str, tag: &str) -> usize {
    (1..tag.len().min(text.len() + 1))
        .rev()
        .find(|&n| {
            text.is_char_boundary(text.len() - n) && tag.starts_with(&text[text.len() - n..])
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(content: &str, reasoning: &str) -> Split {
        Split { content: content.into(), reasoning: reasoning.into() }
    }

    const CASES: &[(&str, &str, &str)] = &[
        ("<think>plan</think>\n\nAnswer", "Answer", "plan"),
        ("  \n<think>a\nb</think>Answer <think>kept</think>", "Answer <think>kept</think>", "a\nb"),
        ("No thinking here", "No thinking here", ""),
        ("<thin", "<thin", ""),
        ("<think>never closed", "", "never closed"),
        ("x <think>not at start</think>", "x <think>not at start</think>", ""),
        ("<think></think>", "", ""),
        ("<think>日本</think>🦀 ok", "🦀 ok", "日本"),
        ("<think>almost </thin", "", "almost </thin"),
    ];

    #[test]
    fn whole_text_splits_into_reasoning_and_answer() {
        for (text, content, reasoning) in CASES {
            assert_eq!(split_think(text), split(content, reasoning), "{text:?}");
        }
    }

    #[test]
    fn tags_split_across_deltas_at_every_boundary_give_the_same_split() {
        for (text, _, _) in CASES {
            let bounds: Vec<usize> =
                text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            for &a in &bounds {
                for &b in bounds.iter().filter(|&&b| b >= a) {
                    let mut splitter = ThinkSplitter::new();
                    let mut got = Split::default();
                    for piece in [&text[..a], &text[a..b], &text[b..]] {
                        let part = splitter.push(piece);
                        got.content.push_str(&part.content);
                        got.reasoning.push_str(&part.reasoning);
                    }
                    let last = splitter.finish();
                    got.content.push_str(&last.content);
                    got.reasoning.push_str(&last.reasoning);
                    assert_eq!(got, split_think(text), "{text:?} cut at {a}, {b}");
                }
            }
        }
    }

    #[test]
    fn plain_answers_stream_through_without_delay() {
        let mut splitter = ThinkSplitter::new();
        assert_eq!(splitter.push("Hello").content, "Hello");
        assert_eq!(splitter.push(" <think>").content, " <think>");
    }

    #[test]
    fn reasoning_streams_while_only_a_possible_tag_is_held() {
        let mut splitter = ThinkSplitter::new();
        assert_eq!(splitter.push("<think>step one </th").reasoning, "step one ");
        let next = splitter.push("ink>Done");
        assert_eq!(next, split("Done", ""));
    }
}

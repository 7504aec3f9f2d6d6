//! Turns raw streamed deltas into the text a user may see: `<think>` blocks moved to the
//! reasoning side, terminal control sequences stripped (unless raw output was asked for).
//!
//! Both the TUI and `rockchat ask` go through this, so the screen and stdout get the same
//! treatment. It holds back only the few characters an unfinished tag or escape needs.

use super::think::{Split, ThinkSplitter};
use crate::sanitize::Sanitizer;

#[derive(Debug, Clone, Default)]
pub struct ReplyText {
    think: ThinkSplitter,
    content: Sanitizer,
    reasoning: Sanitizer,
    raw: bool,
}

impl ReplyText {
    /// A sanitising assembler, for anything that reaches a terminal.
    pub fn new() -> Self {
        Self::default()
    }

    /// Passes bytes through unchanged (`ask --raw`); `<think>` splitting still applies.
    pub fn raw() -> Self {
        Self { raw: true, ..Self::default() }
    }

    pub fn push(&mut self, content: &str, reasoning: &str) -> Split {
        let mut split = self.think.push(content);
        split.reasoning.insert_str(0, reasoning);
        self.clean(split, false)
    }

    pub fn finish(&mut self) -> Split {
        let split = self.think.finish();
        self.clean(split, true)
    }

    fn clean(&mut self, split: Split, last: bool) -> Split {
        if self.raw {
            return split;
        }
        let mut out = Split::default();
        self.content.push(&split.content, &mut out.content);
        self.reasoning.push(&split.reasoning, &mut out.reasoning);
        if last {
            self.content.finish(&mut out.content);
            self.reasoning.finish(&mut out.reasoning);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn think_block_and_escapes_are_separated_and_stripped() {
        let mut reply = ReplyText::new();
        let mut all = reply.push("<think>plan\x1b[3", "");
        let next = reply.push("1m</think>\n\nAnswer \x1b]52;c;eA==\x07done", "");
        all.content.push_str(&next.content);
        all.reasoning.push_str(&next.reasoning);
        let last = reply.finish();
        all.content.push_str(&last.content);
        assert_eq!(all.reasoning, "plan");
        assert_eq!(all.content, "Answer done");
    }

    #[test]
    fn raw_mode_keeps_escapes() {
        let mut reply = ReplyText::raw();
        let split = reply.push("\x1b[31mred", "");
        assert_eq!(split.content, "\x1b[31mred");
    }

    #[test]
    fn reasoning_field_deltas_are_sanitised_too() {
        let mut reply = ReplyText::new();
        assert_eq!(reply.push("", "why\x07").reasoning, "why");
    }
}

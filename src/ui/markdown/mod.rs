//! Markdown for the transcript: an assistant reply laid out as styled, wrapped lines, in
//! pieces while it streams.
//!
//! [`render_more`] commits every part of a growing text that later text cannot change
//! (whole blocks, each complete line of an open top-level code block) and returns the lines
//! of the unfinished rest, which the caller lays out again on the next change. Laying out a
//! text in any number of streamed steps gives exactly the lines of laying it out at once
//! ([`render`]): committed lines never restyle, and an unclosed fence shows as code.
//!
//! Every emitted string is filtered for control characters (markdown entities can make new
//! ones). Never panics on any text. Where a streaming text can be cut, and which code blocks
//! it holds, is `chat::markdown`'s: the app numbers code blocks for copying as they are shown
//! here because both use the same scanner and parser options.

pub mod code;
mod render;
mod table;
mod text;

use ratatui::text::Line;

use crate::chat::markdown::blocks::{self, Fence, Piece};
use crate::chat::markdown::language;
use crate::ui::theme::Theme;

pub use self::code::{compiled_grammars, generation, highlighting_pending, warm_up};

/// How far a streaming text has been laid out for good.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// Bytes of the text whose lines are committed.
    pub upto: usize,
    fence: Option<OpenFence>,
    /// Something was laid out: the next block starts after a blank line.
    started: bool,
}

/// A top-level code block still open at `upto`.
#[derive(Debug, Clone)]
struct OpenFence {
    fence: Fence,
    highlight: Option<code::Highlight>,
}

/// Lays out all of `text` at once.
pub fn render(text: &str, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let tail = render_more(text, true, width, theme, &mut Progress::default(), &mut lines);
    lines.extend(tail);
    lines
}

/// Appends to `committed` the lines of what can be committed of `text[progress.upto..]`,
/// advancing `progress`, and returns the lines of the rest. `complete` says the text will
/// not grow: its last line counts as finished. `text` must start with the text `progress`
/// was made from; a caller whose text changed otherwise starts again from a default.
pub fn render_more(
    text: &str,
    complete: bool,
    width: usize,
    theme: &Theme,
    progress: &mut Progress,
    committed: &mut Vec<Line<'static>>,
) -> Vec<Line<'static>> {
    let width = width.max(1);
    if !text.is_char_boundary(progress.upto) {
        // Not the text `progress` was made from: the caller broke the contract, and
        // starting over beats slicing at a bad offset.
        *progress = Progress::default();
    }
    let mut fence = progress.fence.as_ref().map(|open| open.fence);
    let mut highlight = progress.fence.as_mut().and_then(|open| open.highlight.take());
    let upto = blocks::scan(text, progress.upto, &mut fence, complete, |piece| match piece {
        Piece::Markdown(blocks) => {
            render::markdown(blocks, width, theme, &mut progress.started, committed);
        }
        Piece::FenceOpen { info } => {
            let lang = language(info);
            if progress.started {
                committed.push(Line::default());
            }
            committed.push(Line::from(code::label(lang.as_deref(), theme)));
            progress.started = true;
            highlight = code::start(lang.as_deref(), theme);
        }
        Piece::CodeLine(source) => {
            let mut rows = Vec::new();
            code::line(&mut highlight, source, width, theme, &mut rows);
            committed.extend(rows.into_iter().map(Line::from));
        }
        Piece::FenceClose => highlight = None,
    });
    progress.upto = upto;
    progress.fence = fence.map(|fence| OpenFence { fence, highlight });

    let rest = &text[upto..];
    let mut tail = Vec::new();
    match &progress.fence {
        Some(open) => {
            // The half-received line of a code block; a closing fence in the making shows
            // nothing rather than flash as code.
            if !blocks::may_close(rest, open.fence) {
                let mut highlight = open.highlight.clone();
                let mut rows = Vec::new();
                code::line(&mut highlight, rest, width, theme, &mut rows);
                tail.extend(rows.into_iter().map(Line::from));
            }
        }
        None => {
            let rest = if complete { rest.into() } else { close_open_spans(rest) };
            render::markdown(&rest, width, theme, &mut progress.started.clone(), &mut tail);
        }
    }
    tail
}

/// The unfinished tail with its open `code span` and `**strong**` run closed, so a word
/// being streamed shows in its style at once instead of behind literal `**` that vanish
/// (and shift the line) when the closer arrives. Only the last paragraph is looked at, and
/// not one holding a fence.
fn close_open_spans(tail: &str) -> std::borrow::Cow<'_, str> {
    let last = tail.rfind("\n\n").map_or(tail, |at| &tail[at + 2..]);
    if last.lines().any(|line| blocks::opens(line.trim_start()).is_some()) {
        return tail.into();
    }
    let (mut in_code, mut strong) = (false, false);
    let mut chars = last.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' => in_code = !in_code,
            '\\' => {
                chars.next();
            }
            '*' if !in_code && chars.peek() == Some(&'*') => {
                chars.next();
                strong = !strong;
            }
            _ => {}
        }
    }
    if !in_code && !strong {
        return tail.into();
    }
    let mut closed = tail.to_owned();
    if in_code {
        closed.push('`');
    }
    if strong {
        closed.push_str("**");
    }
    closed.into()
}

#[cfg(test)]
mod tests;

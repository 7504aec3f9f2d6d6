//! The transcript pane: each message laid out once into styled, wrapped lines, kept in a
//! cache, and drawn by copying only the lines that are visible.
//!
//! The cost of a frame does not grow with the history: a message is laid out again only
//! when it changes, and a streaming reply only lays out its unfinished tail (the newest
//! markdown block, or the line of code being received). The cache relies on one rule of
//! `Message`: while a reply streams its text only grows.
//!
//! What a message looks like (its header, body and footer) is `message`'s; this module
//! keeps the lines and draws them.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::markdown::Progress;
use super::theme::Theme;
use crate::chat::Message;

mod calls;
mod message;

use message::layout;

const INDENT: &str = "  ";

#[derive(Debug, Clone, Default)]
pub struct TranscriptCache {
    width: u16,
    show_reasoning: bool,
    theme: Option<Theme>,
    entries: Vec<Entry>,
    /// Entries before this one are not laid out yet and count no lines: after a resize or
    /// on opening a long conversation, older messages are laid out only when scrolled to.
    laid_from: usize,
    /// Lines of the laid-out entries.
    total: usize,
}

/// One message's lines, in parts so a streaming reply can grow without copying.
#[derive(Debug, Clone, Default)]
struct Entry {
    key: u64,
    revision: u64,
    faded: bool,
    head: Vec<Line<'static>>,
    /// Wrapped lines of the finished paragraphs (plain text, `content[..body_upto]`) or of
    /// the committed markdown (`content[..markdown.upto]`).
    body: Vec<Line<'static>>,
    body_upto: usize,
    markdown: Progress,
    /// The body was laid out as finished text, its last line closed: it must be laid out
    /// afresh if the message streams again.
    finished: bool,
    /// The unfinished last paragraph and the footer, laid out again on every change.
    tail: Vec<Line<'static>>,
}

impl Entry {
    fn height(&self) -> usize {
        self.head.len() + self.body.len() + self.tail.len()
    }

    fn lines(&self) -> impl Iterator<Item = &Line<'static>> {
        self.head.iter().chain(&self.body).chain(&self.tail)
    }
}

impl TranscriptCache {
    pub fn total_lines(&self) -> usize {
        self.total
    }

    /// Lays out what changed since the last call: messages from `changed_from` on, and any
    /// new ones. Everything when the width, theme or folding changed.
    pub fn sync(
        &mut self,
        messages: &[Message],
        changed_from: usize,
        width: u16,
        show_reasoning: bool,
        theme: &Theme,
    ) {
        if width != self.width
            || show_reasoning != self.show_reasoning
            || self.theme != Some(*theme)
        {
            self.entries.clear();
            self.entries.resize_with(messages.len(), Entry::default);
            self.laid_from = messages.len();
            self.width = width;
            self.show_reasoning = show_reasoning;
            self.theme = Some(*theme);
            self.total = 0;
        }
        let keep = messages.len().min(self.entries.len());
        let laid_from = self.laid_from;
        for (index, removed) in self.entries.drain(keep..).enumerate() {
            if keep + index >= laid_from {
                self.total -= removed.height();
            }
        }
        self.laid_from = self.laid_from.min(keep);
        let text_width = self.text_width();
        let from = changed_from.max(self.laid_from).min(self.entries.len());
        for (index, message) in messages.iter().enumerate().skip(from) {
            if index == self.entries.len() {
                let mut entry = Entry::default();
                layout(&mut entry, message, text_width, show_reasoning, theme);
                self.total += entry.height();
                self.entries.push(entry);
            } else if self.entries[index].revision != message.revision
                || self.entries[index].key != message.key
            {
                let entry = &mut self.entries[index];
                self.total -= entry.height();
                layout(entry, message, text_width, show_reasoning, theme);
                self.total += entry.height();
            }
        }
    }

    /// Lays out older messages, newest first, until `lines` lines above the bottom are
    /// ready (all of them for `usize::MAX`). Lines appear above the ones already laid out,
    /// so a position counted from the bottom stays put.
    pub fn lay_out_above(&mut self, messages: &[Message], lines: usize) {
        self.lay_out_older(messages, |cache| cache.total < lines);
    }

    /// Lays out older messages down to message `index`, for a selection moving up.
    pub fn lay_out_down_to(&mut self, messages: &[Message], index: usize) {
        self.lay_out_older(messages, |cache| cache.laid_from > index);
    }

    fn lay_out_older(&mut self, messages: &[Message], more: impl Fn(&Self) -> bool) {
        let text_width = self.text_width();
        let Some(theme) = self.theme else {
            return;
        };
        self.laid_from = self.laid_from.min(messages.len()).min(self.entries.len());
        while self.laid_from > 0 && more(self) {
            self.laid_from -= 1;
            let entry = &mut self.entries[self.laid_from];
            layout(entry, &messages[self.laid_from], text_width, self.show_reasoning, &theme);
            self.total += entry.height();
        }
    }

    /// The first message laid out: older ones count no lines yet.
    pub fn laid_from(&self) -> usize {
        self.laid_from
    }

    /// Message `index`'s lines, none when it is not laid out (inline mode prints them).
    pub fn lines_of(&self, index: usize) -> impl Iterator<Item = &Line<'static>> {
        let laid = index >= self.laid_from;
        self.entries.get(index).filter(|_| laid).into_iter().flat_map(Entry::lines)
    }

    /// True when every message is laid out.
    pub fn is_complete(&self) -> bool {
        self.laid_from == 0
    }

    fn text_width(&self) -> usize {
        (self.width as usize).saturating_sub(INDENT.len()).max(1)
    }

    /// Where message `index` starts (counting lines from the top) and how many lines it
    /// has. Walks from the newest message, so selecting near the bottom is cheap.
    pub fn span(&self, index: usize) -> Option<(usize, usize)> {
        let entry = self.entries.get(index)?;
        let below = self.rows_from(index)?;
        Some((self.total - below, entry.height()))
    }

    /// The rows from message `index`'s first to the last: a distance from the bottom, which
    /// laying out older messages never changes. `None` when it is not laid out.
    pub fn rows_from(&self, index: usize) -> Option<usize> {
        if index < self.laid_from || index >= self.entries.len() {
            return None;
        }
        Some(self.entries[index..].iter().map(Entry::height).sum())
    }

    /// The message holding row `row` (counting from the top of the laid-out rows) and the
    /// row within it. Walks from the newest message. `None` when there are no rows.
    pub fn at_row(&self, row: usize) -> Option<(usize, usize)> {
        let mut start = self.total;
        for index in (self.laid_from..self.entries.len()).rev() {
            start -= self.entries[index].height();
            if start <= row && self.entries[index].height() > 0 {
                return Some((index, row - start));
            }
        }
        None
    }

    /// Draws the lines that end `scroll_up` lines above the bottom; the message at
    /// `selected` gets a bar in the gutter and a highlighted first line, in the theme's
    /// selection styles, painted over the cached lines so selecting never lays anything out
    /// again.
    pub fn render(&self, area: Rect, buf: &mut Buffer, scroll_up: usize, selected: Option<usize>) {
        let theme = self.theme.unwrap_or_default();
        let height = area.height as usize;
        let end = self.total.saturating_sub(scroll_up);
        let start = end.saturating_sub(height);
        // Walk back from the newest message: only the visible ones are touched.
        let mut first = self.entries.len();
        let mut cursor = self.total;
        while first > self.laid_from && cursor > start {
            first -= 1;
            cursor -= self.entries[first].height();
        }
        let mut line_no = cursor;
        for (index, entry) in self.entries.iter().enumerate().skip(first) {
            let mark = selected == Some(index);
            let last = entry.height().saturating_sub(1);
            // Straight to the first visible line: a long reply's earlier lines are skipped
            // without being walked, so a frame costs the same however long it grows.
            let hidden = start.saturating_sub(line_no).min(entry.height());
            line_no += hidden;
            for (offset, line) in entry.lines().enumerate().skip(hidden) {
                if line_no >= end {
                    return;
                }
                let y = area.y + (line_no - start) as u16;
                buf.set_line(area.x, y, line, area.width);
                if mark {
                    let row = Rect::new(area.x, y, area.width, 1);
                    paint_selection(buf, row, offset == 0, offset == last, &theme);
                }
                line_no += 1;
            }
        }
    }
}

/// The selection's look on one row: a bar in the gutter; the header row in the selection's
/// style too. The blank line closing a message is left alone so neighbours stay apart.
fn paint_selection(buf: &mut Buffer, row: Rect, header: bool, closing: bool, theme: &Theme) {
    if closing || row.width == 0 {
        return;
    }
    buf[(row.x, row.y)].set_symbol("▌").set_style(theme.selection_bar);
    if header {
        let rest = Rect { x: row.x + 1, width: row.width - 1, ..row };
        buf.set_style(rest, theme.selection);
    }
}

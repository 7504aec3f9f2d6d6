//! The transcript pane: each message laid out into styled, wrapped lines when it is near
//! the screen, kept in a bounded cache, and drawn by copying only the lines that are
//! visible.
//!
//! The cost of a frame does not grow with the history, and neither does the memory: a
//! message is laid out only when it is shown (or changes while its lines are kept), a
//! streaming reply only lays out its unfinished tail (the newest markdown block, or the
//! line of code being received), and the lines of messages far from the screen are dropped
//! once more than a budget is kept; their heights stay, so what lies below a view is still
//! counted (`sums`) and scrolling back lays them out again. The cache relies on one rule
//! of `Message`: while a reply streams its text only grows.
//!
//! What a message looks like (its header, body and footer) is `message`'s; where the pane's
//! top row lies is the screen's, which asks this cache for the rows of the messages it
//! walks past. This module keeps the lines and draws them.

use std::collections::BTreeSet;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::markdown::Progress;
use super::pictures::Pictures;
use super::theme::Theme;
use crate::chat::{Message, Status};

mod calls;
mod message;
mod sums;

use message::layout;
use sums::{Figures, Sums};

const INDENT: &str = "  ";

/// Lines kept beyond the screen's before the farthest messages' lines are dropped: about
/// a megabyte, and many pages to scroll through without laying anything out again.
pub const KEPT_LINES: usize = 4_000;

#[derive(Debug, Clone, Default)]
pub struct TranscriptCache {
    width: u16,
    show_reasoning: bool,
    show_usage: bool,
    theme: Option<Theme>,
    entries: Vec<Entry>,
    /// Each message's rows (when measured), summed on demand.
    sums: Sums,
    /// The messages whose lines are in memory.
    resident: BTreeSet<usize>,
    /// Lines in memory, all resident messages together.
    resident_lines: usize,
    /// How images are drawn (or not), and the drawn ones.
    pictures: Pictures,
}

/// One message: what it was laid out from, its height, and its lines while they are kept.
#[derive(Debug, Clone, Default)]
struct Entry {
    /// The message's key and revision the height (and the lines) were made from.
    seen: Option<(u64, u64)>,
    /// Rows at the cache's width, once laid out; kept when the lines are dropped.
    height: Option<usize>,
    lines: Option<Box<Lines>>,
}

/// One message's lines, in parts so a streaming reply can grow without copying.
#[derive(Debug, Clone, Default)]
struct Lines {
    key: u64,
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
    /// The images drawn over blank lines of `head`.
    pictures: Vec<Placement>,
}

/// An image's box: it covers `frame.rows` blank lines from line `line` of the message.
#[derive(Debug, Clone)]
struct Placement {
    line: usize,
    frame: super::pictures::Frame,
    bytes: std::sync::Arc<[u8]>,
}

impl Lines {
    fn height(&self) -> usize {
        self.head.len() + self.body.len() + self.tail.len()
    }

    fn iter(&self) -> impl Iterator<Item = &Line<'static>> {
        self.head.iter().chain(&self.body).chain(&self.tail)
    }
}

impl TranscriptCache {
    /// Messages the cache knows of.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Lines in memory (tests check that it stays bounded).
    pub fn resident_lines(&self) -> usize {
        self.resident_lines
    }

    /// How many messages have their lines in memory.
    pub fn resident_messages(&self) -> usize {
        self.resident.len()
    }

    /// True when every message's rows are known.
    pub fn is_measured(&self) -> bool {
        self.sums.prefix(self.sums.len()).unmeasured == 0
    }

    /// Draws images with `pictures` from now on (every message is laid out again).
    pub fn set_pictures(&mut self, pictures: Pictures) {
        self.pictures = pictures;
        self.reset();
    }

    /// How images are drawn, and the drawn ones (tests look at the cache).
    pub fn pictures(&self) -> &Pictures {
        &self.pictures
    }

    /// Forgets every message: another conversation is shown.
    pub fn reset(&mut self) {
        self.entries.clear();
        self.sums.clear();
        self.resident.clear();
        self.resident_lines = 0;
    }

    /// Catches up with the conversation: messages from `changed_from` on may have changed,
    /// and new ones may follow. A changed message whose lines are kept (the reply streaming,
    /// the messages on screen) is laid out again now, so its height stays known; one that
    /// is not is only marked, and laid out when it is shown. So are new messages, unless
    /// the newest lines were kept (then they are laid out too, keeping "↓ n more lines"
    /// exact under a view scrolled up). Everything is forgotten when the width, the theme or
    /// the folding of reasoning changed.
    pub fn sync(
        &mut self,
        messages: &[Message],
        changed_from: usize,
        width: u16,
        (show_reasoning, show_usage): (bool, bool),
        theme: &Theme,
    ) {
        if width != self.width
            || show_reasoning != self.show_reasoning
            || show_usage != self.show_usage
            || self.theme != Some(*theme)
        {
            self.reset();
            self.width = width;
            self.show_reasoning = show_reasoning;
            self.show_usage = show_usage;
            self.theme = Some(*theme);
        }
        if messages.len() < self.entries.len() {
            for index in messages.len()..self.entries.len() {
                self.drop_lines(index);
            }
            self.entries.truncate(messages.len());
            self.sums.truncate(messages.len());
        }
        let old_len = self.entries.len();
        // Opening a long conversation adds every message at once: one allocation each at
        // its size, not doublings that leave up to half of them unused.
        let added = messages.len().saturating_sub(old_len);
        self.entries.reserve(added);
        self.sums.reserve(added);
        let bottom_kept = old_len.checked_sub(1).is_some_and(|last| self.resident.contains(&last));
        for (index, message) in messages.iter().enumerate().skip(changed_from.min(old_len)) {
            if index >= self.entries.len() {
                self.entries.push(Entry::default());
                self.sums.push(Figures::unmeasured());
                if bottom_kept {
                    self.lay_out(messages, index);
                }
            } else if self.entries[index].seen != Some((message.key, message.revision)) {
                if self.resident.contains(&index) {
                    self.lay_out(messages, index);
                } else {
                    self.entries[index].height = None;
                    self.sums.set(index, Figures::unmeasured());
                }
            }
        }
    }

    /// Message `index`'s rows, laying it out if its lines are not kept or are out of date.
    /// Zero for an index past the end.
    pub fn rows_of(&mut self, messages: &[Message], index: usize) -> usize {
        let Some(entry) = self.entries.get(index) else { return 0 };
        let current = messages.get(index).map(|m| (m.key, m.revision));
        if entry.lines.is_none() || entry.seen != current {
            self.lay_out(messages, index);
        }
        self.entries[index].height.unwrap_or(0)
    }

    /// Message `index`'s rows if they are known, without laying anything out.
    pub fn known_rows(&self, index: usize) -> Option<usize> {
        self.entries.get(index)?.height
    }

    /// What lies after message `index`: rows of the measured messages, and how many are not
    /// measured.
    pub fn after(&self, index: usize) -> Figures {
        self.sums.after(index)
    }

    /// Lays out every message after `index` whose rows are not known.
    pub fn measure_after(&mut self, messages: &[Message], index: usize) {
        for next in index + 1..self.entries.len() {
            if self.entries[next].height.is_none() {
                self.lay_out(messages, next);
            }
        }
    }

    /// Inline mode: the first message of the last `rows` rows or so, laying out the messages
    /// it walks past (a conversation printed for the first time shows only its tail).
    pub fn tail_start(&mut self, messages: &[Message], rows: usize) -> usize {
        let mut start = self.entries.len();
        let mut total = 0;
        while start > 0 && total < rows {
            start -= 1;
            total += self.rows_of(messages, start);
        }
        start
    }

    /// Message `index`'s lines, laid out if they are not kept (inline mode prints them).
    pub fn lines_of(
        &mut self,
        messages: &[Message],
        index: usize,
    ) -> impl Iterator<Item = &Line<'static>> {
        self.rows_of(messages, index);
        self.entries
            .get(index)
            .and_then(|entry| entry.lines.as_deref())
            .into_iter()
            .flat_map(Lines::iter)
    }

    /// The rows of the messages from `index` on, laying out those not measured.
    pub fn rows_from(&mut self, messages: &[Message], index: usize) -> usize {
        (index..self.entries.len()).map(|at| self.rows_of(messages, at)).sum()
    }

    fn lay_out(&mut self, messages: &[Message], index: usize) {
        let (Some(theme), Some(message)) = (self.theme, messages.get(index)) else { return };
        let text_width = self.text_width();
        let show_reasoning = self.show_reasoning;
        let entry = &mut self.entries[index];
        let lines = entry.lines.get_or_insert_with(Box::default);
        let before = if self.resident.insert(index) { 0 } else { lines.height() };
        let shown = (show_reasoning, self.show_usage);
        layout(lines, message, text_width, shown, &theme, &self.pictures);
        let height = lines.height();
        self.resident_lines = self.resident_lines - before + height;
        entry.seen = Some((message.key, message.revision));
        entry.height = Some(height);
        self.sums.set(index, Figures::measured(height));
    }

    fn drop_lines(&mut self, index: usize) {
        if let Some(lines) = self.entries.get_mut(index).and_then(|entry| entry.lines.take()) {
            self.resident_lines -= lines.height();
        }
        self.resident.remove(&index);
    }

    /// Drops the lines of the messages farthest from `shown` (the messages on screen) while
    /// more than `KEPT_LINES` beyond the screen's are kept. A reply still streaming keeps
    /// its lines: laying it out again would start from its first byte.
    pub fn trim(&mut self, messages: &[Message], shown: std::ops::RangeInclusive<usize>) {
        let on_screen: usize =
            shown.clone().filter_map(|index| self.entries.get(index)?.height).sum();
        let budget = KEPT_LINES + on_screen;
        let keeps = |index: usize| {
            shown.contains(&index)
                || messages.get(index).is_some_and(|m| m.status == Status::Streaming)
        };
        while self.resident_lines > budget {
            let (Some(&first), Some(&last)) = (self.resident.first(), self.resident.last()) else {
                break;
            };
            let above = shown.start().saturating_sub(first);
            let below = last.saturating_sub(*shown.end());
            let victim = match (keeps(first), keeps(last)) {
                (false, false) if above >= below => first,
                (false, false) => last,
                (false, true) => first,
                (true, false) => last,
                (true, true) => break,
            };
            self.drop_lines(victim);
        }
    }

    fn text_width(&self) -> usize {
        (self.width as usize).saturating_sub(INDENT.len()).max(1)
    }

    /// Draws the pane from row `top.1` of message `top.0` down. The messages on screen must
    /// have been laid out (`rows_of`) since they last changed; the message at `selected`
    /// gets a bar in the gutter and a highlighted first line, painted over the cached lines
    /// so selecting never lays anything out again.
    pub fn render(
        &self,
        area: Rect,
        buf: &mut Buffer,
        top: (usize, usize),
        selected: Option<usize>,
    ) {
        let theme = self.theme.unwrap_or_default();
        let mut y = area.y;
        let mut skip = top.1;
        for (index, entry) in self.entries.iter().enumerate().skip(top.0) {
            let Some(lines) = &entry.lines else { break };
            let mark = selected == Some(index);
            let last = lines.height().saturating_sub(1);
            let first = std::mem::take(&mut skip);
            self.draw_pictures(lines, (first, y), area, buf, &theme);
            // Straight to the first visible line: a long reply's earlier lines are skipped
            // without being walked, so a frame costs the same however long it grows.
            for (offset, line) in lines.iter().enumerate().skip(first) {
                if y >= area.bottom() {
                    return;
                }
                buf.set_line(area.x, y, line, area.width);
                if mark {
                    let row = Rect::new(area.x, y, area.width, 1);
                    paint_selection(buf, row, offset == 0, offset == last, &theme);
                }
                y += 1;
            }
            if y >= area.bottom() {
                return;
            }
        }
    }
}

impl TranscriptCache {
    /// Draws the images of a message whose line `first` is on row `y`: those whose whole
    /// box is in `area` (a box cut by the pane's edge stays empty, as protocols other than
    /// kitty's cannot draw part of an image). Drawn before the message's lines: the box's
    /// lines are empty, so drawing them leaves the image as it is.
    fn draw_pictures(
        &self,
        lines: &Lines,
        (first, y): (usize, u16),
        area: Rect,
        buf: &mut Buffer,
        theme: &Theme,
    ) {
        for placement in &lines.pictures {
            let Some(row) = placement.line.checked_sub(first) else { continue };
            let top = usize::from(y) + row;
            let rows = usize::from(placement.frame.rows);
            if top + rows > usize::from(area.bottom()) {
                continue;
            }
            let indent = INDENT.len() as u16;
            let width = area.width.saturating_sub(indent);
            let cols = placement.frame.cols.min(width);
            let Ok(top) = u16::try_from(top) else { continue };
            let rect = Rect::new(area.x + indent, top, cols, placement.frame.rows);
            let shown = self.pictures.show(&placement.frame, &placement.bytes);
            super::pictures::draw(shown, rect, width, buf, theme.dim);
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

#[cfg(test)]
mod tests;

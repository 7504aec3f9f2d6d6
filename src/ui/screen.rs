//! The screen: what the driver keeps between frames to draw the app's state (the theme, the
//! transcript's laid-out lines, and which changes of the conversation they already show),
//! and the drawing of one frame.
//!
//! The state says where the user wants to be (`Scroll`); only here, where the rows of each
//! message are known, does that become rows. Nothing is written back into the state: what a
//! frame showed is returned, for the driver to report to `update` as `Msg::Shown`.

use ratatui::Frame;

use super::layout;
use super::theme::Theme;
use super::transcript::TranscriptCache;
use crate::app::state::{Scroll, Shown, State};
use crate::chat::{Key, Message};

#[derive(Debug, Clone, Default)]
pub struct Screen {
    pub(super) theme: Theme,
    pub(super) transcript: TranscriptCache,
    /// The conversation whose lines the cache holds, and its generation when they were
    /// last brought up to date.
    seen: Option<(Key, u64)>,
    /// How code could be drawn when the cached lines were laid out (`markdown::generation`):
    /// code is drawn plain while the syntaxes load and each grammar compiles, then laid out
    /// again.
    highlights: u64,
    /// Inline mode: what has gone into the terminal's scrollback.
    pub(super) printed: Option<super::scrollback::Printed>,
    /// Inline mode: the terminal's cursor in the last live part drawn, rows from its top.
    pub(super) inline_cursor: u16,
}

impl Screen {
    pub fn new(theme: Theme) -> Self {
        Self { theme, ..Self::default() }
    }

    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    /// Draws images in the transcript with `pictures` (off until this is called).
    pub fn set_pictures(&mut self, pictures: super::pictures::Pictures) {
        self.transcript.set_pictures(pictures);
        self.seen = None;
    }

    /// The transcript's laid-out lines (tests look at how much is laid out).
    pub fn transcript(&self) -> &TranscriptCache {
        &self.transcript
    }

    /// Lays out what changed and draws `state` into `frame`; returns what the transcript
    /// pane showed.
    pub fn draw(&mut self, state: &State, frame: &mut Frame) -> Shown {
        let area = frame.area();
        let input_width = super::input::text_width(area.width);
        let input_rows = super::input::rows_needed(&state.input, input_width);
        let mut panes = layout::with_attachments(
            (area.width, area.height),
            input_rows,
            state.attachments.len(),
        );
        // Queued prompts take rows above the input, from the transcript.
        let queued = super::queued::rows(&state.queue).min(panes.transcript.height / 2);
        panes.transcript.height -= queued;
        let (place, mut shown) =
            self.lay_out(state, panes.transcript.width, panes.transcript.height);
        shown.input_width = input_width;
        shown.help_top = super::render(state, &self.theme, &self.transcript, place, &panes, frame);
        shown
    }

    /// Brings the cache up to date for a pane of `width` × `height`, and works out where
    /// the pane's top row lies and what is below its last. Only the messages the pane
    /// shows (and those walked past to find them) are laid out.
    fn lay_out(&mut self, state: &State, width: u16, height: u16) -> (Place, Shown) {
        self.sync(state, width);
        let messages = state.conversation.messages();
        let rows = usize::from(height);
        let mut walk = Walk { messages, cache: &mut self.transcript, rows };
        let top = walk.resolve(state);
        let (top, last, at_bottom) = walk.fill(top);
        let below = if at_bottom { Below::Nothing } else { walk.below(last) };
        self.transcript.trim(messages, top.0..=last.0);
        let shown = Shown { top, height, at_bottom, input_width: width, help_top: None };
        (Place { top, below }, shown)
    }

    /// Catches the cache up with what changed since the last call, at `width`.
    pub(super) fn sync(&mut self, state: &State, width: u16) {
        let conversation = &state.conversation;
        let messages = conversation.messages();
        if super::markdown::generation() != self.highlights {
            self.highlights = super::markdown::generation();
            self.seen = None;
        }
        let changed_from = match self.seen {
            Some((key, generation)) if key == conversation.key => {
                conversation.changed_since(generation).unwrap_or(messages.len())
            }
            _ => {
                // Another conversation: nothing of the last one's layout applies.
                self.transcript.reset();
                0
            }
        };
        self.seen = Some((conversation.key, conversation.generation()));
        let shown = (state.view.show_reasoning, state.view.show_usage);
        self.transcript.sync(messages, changed_from, width, shown, &self.theme);
    }
}

/// At most this many unmeasured messages below the pane are laid out to count its rows
/// exactly; more are counted as messages (a 10,000-message history after Home).
const MEASURE_BELOW: usize = 64;

/// Where the transcript pane's rows come from in a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Place {
    /// The message and its row at the pane's top.
    pub top: (usize, usize),
    pub below: Below,
}

/// What lies below the pane's last row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Below {
    /// The newest line is on screen.
    Nothing,
    /// This many rows, every one of them measured.
    Rows(usize),
    /// This many messages, some not laid out at this width yet: their rows are not known.
    Messages(usize),
}

/// The walks through the transcript that turn the state's intent into the pane's top row,
/// laying out each message they pass (and only those).
struct Walk<'a> {
    messages: &'a [Message],
    cache: &'a mut TranscriptCache,
    /// The pane's height.
    rows: usize,
}

impl Walk<'_> {
    fn height(&mut self, index: usize) -> usize {
        self.cache.rows_of(self.messages, index)
    }

    /// The top row the state's intent asks for, before the ends of the transcript hold it.
    fn resolve(&mut self, state: &State) -> (usize, usize) {
        match state.view.scroll {
            Scroll::Follow => self.bottom_up_from(self.messages.len()),
            Scroll::Top => (0, 0),
            Scroll::Anchor { index, line } => self.normalize(index, line),
            Scroll::Reveal(index) => self.reveal(state, index),
        }
    }

    /// Row `line` of message `index`, where `line` may lie before the message's first row
    /// or past its last: as the message and row it lands on. The first row stops it.
    fn normalize(&mut self, index: usize, line: isize) -> (usize, usize) {
        let Some(last) = self.messages.len().checked_sub(1) else { return (0, 0) };
        let (mut index, mut line) = (index.min(last), line);
        while line < 0 {
            if index == 0 {
                return (0, 0);
            }
            index -= 1;
            line = line.saturating_add(isize::try_from(self.height(index)).unwrap_or(isize::MAX));
        }
        let mut line = line.unsigned_abs();
        while index < last {
            let height = self.height(index);
            if line < height {
                break;
            }
            line -= height;
            index += 1;
        }
        (index, line)
    }

    /// The top row that puts the last row of the messages before `end` at the pane's
    /// bottom (the transcript's start, when they are fewer rows than the pane).
    fn bottom_up_from(&mut self, end: usize) -> (usize, usize) {
        let mut rows = 0;
        for index in (0..end.min(self.messages.len())).rev() {
            rows += self.height(index);
            if rows >= self.rows {
                return (index, rows - self.rows);
            }
        }
        (0, 0)
    }

    /// Message `target` in view, moving as little as possible from what the last frame
    /// showed; a message taller than the pane shows its start.
    fn reveal(&mut self, state: &State, target: usize) -> (usize, usize) {
        let Some(last) = self.messages.len().checked_sub(1) else { return (0, 0) };
        let target = target.min(last);
        let from = match state.view.shown {
            Some(shown) => {
                self.normalize(shown.top.0, isize::try_from(shown.top.1).unwrap_or(isize::MAX))
            }
            None => self.bottom_up_from(self.messages.len()),
        };
        if target < from.0 || (target == from.0 && from.1 > 0) {
            return (target, 0);
        }
        // Rows from the pane's top to the target's first row, counted no further than a
        // pane: a target further down is not on screen either way.
        let (mut above, mut index, mut skip) = (0, from.0, from.1);
        while index < target && above < self.rows {
            above += self.height(index).saturating_sub(skip);
            skip = 0;
            index += 1;
        }
        let height = self.height(target);
        if index == target && above + height <= self.rows {
            from
        } else if height > self.rows {
            (target, 0)
        } else {
            self.bottom_up_from(target + 1)
        }
    }

    /// The pane filled from `top`: the top (moved up when the transcript ends before the
    /// pane does), the last row shown, and whether that is the transcript's last row.
    fn fill(&mut self, top: (usize, usize)) -> ((usize, usize), (usize, usize), bool) {
        let count = self.messages.len();
        let (mut index, mut skip, mut left) = (top.0, top.1, self.rows);
        while index < count && left > 0 {
            let rows = self.height(index).saturating_sub(skip);
            if rows >= left {
                let last = (index, skip + left - 1);
                let after = self.cache.after(index);
                let at_bottom = rows == left && after.rows == 0 && after.unmeasured == 0;
                return (top, last, at_bottom);
            }
            left -= rows;
            skip = 0;
            index += 1;
        }
        // The transcript ended first: the pane ends at its last row.
        let top = if left > 0 && top != (0, 0) { self.bottom_up_from(count) } else { top };
        let last = self.last_row();
        (top, last, true)
    }

    /// The transcript's last row, as a message and its row.
    fn last_row(&mut self) -> (usize, usize) {
        for index in (0..self.messages.len()).rev() {
            if let Some(row) = self.height(index).checked_sub(1) {
                return (index, row);
            }
        }
        (0, 0)
    }

    /// What lies below row `last.1` of message `last.0`.
    fn below(&mut self, last: (usize, usize)) -> Below {
        let rest = self.height(last.0).saturating_sub(last.1 + 1);
        let mut after = self.cache.after(last.0);
        if after.unmeasured > 0 && after.unmeasured <= MEASURE_BELOW {
            // A few unmeasured messages below (after a resize, or scrolled up a little) cost
            // less than a frame to lay out, and "↓ 11 more lines" says more than "3 more
            // messages".
            self.cache.measure_after(self.messages, last.0);
            after = self.cache.after(last.0);
        }
        if after.unmeasured == 0 {
            Below::Rows(rest + after.rows)
        } else {
            Below::Messages(after.shown)
        }
    }
}

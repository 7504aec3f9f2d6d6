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
        let (scroll_up, mut shown) =
            self.lay_out(state, panes.transcript.width, panes.transcript.height);
        shown.input_width = input_width;
        shown.help_top =
            super::render(state, &self.theme, &self.transcript, scroll_up, &panes, frame);
        shown
    }

    /// Brings the cache up to date for a pane of `width` × `height` and works out the
    /// scroll: rows hidden below the pane.
    fn lay_out(&mut self, state: &State, width: u16, height: u16) -> (usize, Shown) {
        self.sync(state, width);
        let messages = state.conversation.messages();
        let rows = height as usize;
        let scroll_up = self.resolve(state, rows);
        // Older messages are laid out on demand: what is shown, two pages above it so paging
        // up finds its lines ready, and the selected message.
        self.transcript.lay_out_above(messages, scroll_up.saturating_add(rows.saturating_mul(3)));
        if let Some(selection) = &state.selection {
            self.transcript.lay_out_down_to(messages, selection.index);
        }
        let total = self.transcript.total_lines();
        let scroll_up = scroll_up.min(total.saturating_sub(rows));
        let top_row = total.saturating_sub(scroll_up + rows);
        let top = self.transcript.at_row(top_row).unwrap_or_default();
        (
            scroll_up,
            Shown { top, height, at_bottom: scroll_up == 0, input_width: width, help_top: None },
        )
    }

    /// Lays out the messages that changed since the last call, at `width`.
    pub(super) fn sync(&mut self, state: &State, width: u16) {
        let conversation = &state.conversation;
        let messages = conversation.messages();
        let changed_from = match self.seen {
            Some((key, generation)) if key == conversation.key => {
                conversation.changed_since(generation).unwrap_or(messages.len())
            }
            _ => 0,
        };
        self.seen = Some((conversation.key, conversation.generation()));
        self.transcript.sync(messages, changed_from, width, state.view.show_reasoning, &self.theme);
    }

    /// The scroll the state's intent asks for, before it is held within the transcript.
    fn resolve(&mut self, state: &State, rows: usize) -> usize {
        let messages = state.conversation.messages();
        match state.view.scroll {
            Scroll::Follow => 0,
            Scroll::Top => {
                self.transcript.lay_out_above(messages, usize::MAX);
                usize::MAX
            }
            Scroll::Anchor { index, line } => self.anchored(messages, index, line, rows),
            Scroll::Reveal(index) => {
                let from = state.view.shown.map_or(0, |shown| {
                    let line = isize::try_from(shown.top.1).unwrap_or(isize::MAX);
                    self.anchored(messages, shown.top.0, line, rows)
                });
                self.transcript.lay_out_down_to(messages, index);
                match self.transcript.span(index) {
                    Some((top, height)) => {
                        reveal(from, top, height, self.transcript.total_lines(), rows)
                    }
                    None => from,
                }
            }
        }
    }

    /// The scroll that puts row `line` of message `index` at the pane's top.
    fn anchored(&mut self, messages: &[Message], index: usize, line: isize, rows: usize) -> usize {
        let Some(last) = messages.len().checked_sub(1) else { return 0 };
        let index = index.min(last);
        self.transcript.lay_out_down_to(messages, index);
        let Some(below) = self.transcript.rows_from(index) else { return 0 };
        // The pane's top row lies this many rows above the bottom.
        let top = isize::try_from(below).unwrap_or(isize::MAX).saturating_sub(line);
        usize::try_from(top).unwrap_or(0).saturating_sub(rows)
    }
}

/// The scroll that shows lines `top..top + height` of `total`, moving as little as it can;
/// a message taller than the pane shows its start.
fn reveal(scroll_up: usize, top: usize, height: usize, total: usize, pane: usize) -> usize {
    let bottom = total.saturating_sub(scroll_up);
    let visible_top = bottom.saturating_sub(pane);
    if top < visible_top || height > pane {
        total.saturating_sub(top + pane)
    } else if top + height > bottom {
        total.saturating_sub(top + height)
    } else {
        scroll_up
    }
}

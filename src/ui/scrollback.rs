//! Inline mode's side of the screen: which messages are finished and so go into the
//! terminal's own scrollback (as the same laid-out lines the transcript pane draws), and the
//! live part left at the bottom (the reply still arriving, the queue, the input, the status
//! line), drawn into a viewport just tall enough for it.
//!
//! It only decides and draws: writing the lines above the viewport is the driver's. It
//! reads the state and never changes it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::Screen;
use super::layout::Panes;
use super::transcript::TranscriptCache;
use crate::app::state::{Shown, State};
use crate::chat::{Key, Message, Status};

/// Inline mode's record of the scrollback: the conversation printed, and the messages of
/// its path printed so far, in order.
#[derive(Debug, Clone, Default)]
pub struct Printed {
    conversation: Key,
    keys: Vec<Key>,
}

/// The input and its top border, as in the full screen: up to this many rows of text.
const MAX_INPUT_ROWS: usize = 10;

impl Screen {
    /// The lines to write into the scrollback now, at `width`: the finished messages not
    /// printed yet (every message when `all`, on quitting). A conversation printed for the
    /// first time shows its last `rows` × 2 rows or so; one whose printed part changed
    /// (a retry, an edit, another branch) is printed again from where it differs.
    pub fn to_print(
        &mut self,
        state: &State,
        width: u16,
        rows: u16,
        all: bool,
    ) -> Vec<Line<'static>> {
        self.sync(state, width);
        let conversation = &state.conversation;
        let messages = conversation.messages();
        let end = match all {
            true => messages.len(),
            false => live_from(messages),
        };
        // Code laid out while its grammar compiles is drawn plain, and what is written into
        // the scrollback stays as written: the finished messages wait in the live part until
        // their code can be highlighted (a new grammar: tens of milliseconds).
        if !all {
            let from = match &self.printed {
                Some(printed) if printed.conversation == conversation.key => printed.keys.len(),
                _ => tail_to_print(&mut self.transcript, messages, rows, end),
            };
            for index in from.min(end)..end {
                let _ = self.transcript.lines_of(messages, index);
            }
            if from < end && super::markdown::highlighting_pending() {
                return Vec::new();
            }
        }
        let mut out: Vec<Line<'static>> = Vec::new();
        let dim = self.theme.dim;
        let from = match &mut self.printed {
            Some(printed) if printed.conversation == conversation.key => {
                let same = printed
                    .keys
                    .iter()
                    .zip(messages)
                    .take_while(|(key, message)| **key == message.key)
                    .count();
                if same < printed.keys.len() {
                    printed.keys.truncate(same);
                    if same < end {
                        out.push(Line::styled("  ↻ from here the conversation changed:", dim));
                        out.push(Line::default());
                    }
                }
                same
            }
            other => {
                let another = other.is_some();
                if another {
                    let rule = "─".repeat(usize::from(width).saturating_sub(4).min(60));
                    out.push(Line::styled(format!("  {rule}"), dim));
                    out.push(Line::default());
                }
                let start = tail_to_print(&mut self.transcript, messages, rows, end);
                if start > 0 {
                    let plural = if start == 1 { "" } else { "s" };
                    out.push(Line::from(vec![Span::styled(
                        format!("  … {start} earlier message{plural} (PgUp shows them)"),
                        dim,
                    )]));
                    out.push(Line::default());
                }
                let keys = messages[..start].iter().map(|message| message.key).collect();
                *other = Some(Printed { conversation: conversation.key, keys });
                start
            }
        };
        for (index, message) in messages.iter().enumerate().take(end).skip(from) {
            out.extend(self.transcript.lines_of(messages, index).cloned());
            if let Some(printed) = &mut self.printed {
                printed.keys.push(message.key);
            }
        }
        out
    }

    /// The rows the live part needs in a terminal of `size`: the unprinted reply (at most
    /// two thirds of the terminal), the queue, the input and the status line; always
    /// leaves a row above it.
    pub fn inline_height(&mut self, state: &State, (width, height): (u16, u16)) -> u16 {
        self.sync(state, width);
        let live = self.live_rows(state).min(usize::from(height) * 2 / 3) as u16;
        let input = input_rows(state, width);
        let queued = super::queued::rows(&state.queue);
        (live + queued + input + 1).min(height.saturating_sub(1)).max(1)
    }

    /// Inline mode: the row of the cursor in the live part last drawn, from its top.
    pub fn inline_cursor(&self) -> u16 {
        self.inline_cursor
    }

    /// The rows of the messages not printed yet.
    fn live_rows(&mut self, state: &State) -> usize {
        let printed = self.printed.as_ref().map_or(0, |printed| printed.keys.len());
        self.transcript.rows_from(state.conversation.messages(), printed)
    }

    /// Draws the live part into the inline viewport `frame`.
    pub fn draw_inline(&mut self, state: &State, frame: &mut Frame) -> Shown {
        let area = frame.area();
        self.sync(state, area.width);
        let input_width = super::input::text_width(area.width);
        let status =
            Rect::new(area.x, area.bottom().saturating_sub(1), area.width, 1.min(area.height));
        let input_rows = input_rows(state, area.width).min(status.y - area.y);
        let input = Rect::new(area.x, status.y - input_rows, area.width, input_rows);
        let queued = super::queued::rows(&state.queue).min(input.y - area.y);
        // Only the unprinted rows: the printed ones are already above, in the scrollback.
        let unprinted = self.live_rows(state);
        let live = (unprinted as u16).min(input.y - area.y - queued);
        let transcript = Rect::new(area.x, input.y - queued - live, area.width, live);
        let attachments = Rect::new(area.x, input.y, area.width, 0);
        let panes = Panes { transcript, attachments, input, status };
        // Where input::render puts the cursor: under the border, on the draft's row.
        let rows = state.input.rows(usize::from(input_width.max(1)));
        let (cursor_row, _) = state.input.cursor_row(&rows, usize::from(input_width.max(1)));
        let visible = (cursor_row as u16).min(input_rows.saturating_sub(2));
        self.inline_cursor = (input.y + 1 + visible).saturating_sub(area.y);
        let printed = self.printed.as_ref().map_or(0, |printed| printed.keys.len());
        // A reply taller than the live part shows its newest rows, as the full screen
        // follows it; the whole of it goes into the scrollback when it is finished.
        let top = self.row_at(state, printed, unprinted.saturating_sub(usize::from(live)));
        let place = super::screen::Place { top, below: super::screen::Below::Nothing };
        super::render(state, &self.theme, &self.transcript, place, &panes, frame);
        // The printed messages' lines are in the terminal now: the cache keeps them within
        // the same bound as the full screen's (a later branch or resize lays them out again).
        let messages = state.conversation.messages();
        if let Some(last) = messages.len().checked_sub(1) {
            self.transcript.trim(messages, top.0.min(last)..=last);
        }
        Shown { top, height: live, at_bottom: true, input_width, help_top: None }
    }

    /// The message and row `skip` rows after the start of message `from`.
    fn row_at(&mut self, state: &State, from: usize, mut skip: usize) -> (usize, usize) {
        let messages = state.conversation.messages();
        for index in from..messages.len() {
            let rows = self.transcript.rows_of(messages, index);
            if skip < rows {
                return (index, skip);
            }
            skip -= rows;
        }
        (from, 0)
    }
}

/// The input's rows with its top border.
fn input_rows(state: &State, width: u16) -> u16 {
    let text_width = super::input::text_width(width);
    super::input::rows_needed(&state.input, text_width).clamp(1, MAX_INPUT_ROWS) as u16 + 1
}

/// The first message still arriving: it and those after it stay live.
fn live_from(messages: &[Message]) -> usize {
    messages
        .iter()
        .position(|message| message.status == Status::Streaming)
        .unwrap_or(messages.len())
}

/// Where a conversation printed for the first time starts: its last `rows` × 2 rows or so,
/// from the prompt of the first turn shown, so a reply is never without it.
fn tail_to_print(
    transcript: &mut TranscriptCache,
    messages: &[Message],
    rows: u16,
    end: usize,
) -> usize {
    let tail = usize::from(rows).saturating_mul(2);
    let start = transcript.tail_start(messages, tail).min(end);
    if start > 0 && messages[start].role != crate::chat::Role::User {
        return messages[..start]
            .iter()
            .rposition(|message| message.role == crate::chat::Role::User)
            .unwrap_or(start);
    }
    start
}

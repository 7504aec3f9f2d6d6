//! The input pane and every other editor on screen: the text laid out in the rows the editor
//! says it takes at this width (so what is drawn is where the cursor moves), scrolled to keep
//! the cursor's row in view, and the terminal's own cursor put at the insertion point, where
//! an input method composes. Above it, a row for each image or file going with the draft:
//! its name, size and cost in tokens.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders};

use super::theme::Theme;
use super::wrap::width_of;
use crate::app::editor::Editor;
use crate::app::state::State;
use crate::chat::attachment::human_size;
use crate::sanitize::sanitize;
use crate::tokens::image::{Detail, cost_of};

/// `text` cut to `room` columns after a whole word, with `…`; empty when not even one fits.
pub fn fit_words(text: &str, room: usize) -> String {
    if width_of(text) <= room {
        return text.to_owned();
    }
    let mut out = String::new();
    for word in text.split(' ') {
        let next = if out.is_empty() { word.to_owned() } else { format!("{out} {word}") };
        if width_of(&next) + 1 > room {
            break;
        }
        out = next;
    }
    if out.is_empty() {
        return out;
    }
    out.push('…');
    out
}

/// What an empty draft says.
pub const PLACEHOLDER: &str = "Type a message. Enter sends, Alt+Enter or Ctrl+J adds a line.";

/// The draft is kept one column off the left edge, in line with the status line.
const MARGIN: u16 = 1;

/// The columns the draft's text has in a pane `width` wide.
pub fn text_width(width: u16) -> u16 {
    width.saturating_sub(MARGIN).max(1)
}

/// The rows `editor` needs at `width` columns: its wrapped rows, and one more when the
/// cursor stands past a full last row.
pub fn rows_needed(editor: &Editor, width: u16) -> usize {
    let width = usize::from(width.max(1));
    let rows = editor.rows(width);
    rows.len().max(editor.cursor_row(&rows, width).0 + 1)
}

/// The draft under a border that says where you are: the conversation's id and title (or
/// the images going with the draft), and the settings in force that are not the defaults
/// (F4's parameters, a system message of its own), then the F1 hint. What does not fit is
/// left out whole, least important first. The terminal's cursor is in the draft when it has
/// the keys (`focused`).
pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, focused: bool) {
    let input = &state.input;
    let conversation = &state.conversation;
    let left = if let Some(id) = conversation.stored_id {
        format!("#{id} {}", sanitize(&conversation.title))
    } else if conversation.saved {
        sanitize(&conversation.title).into_owned()
    } else {
        "new conversation".to_owned()
    };
    let params = conversation.params.describe();
    let custom_system = conversation.system != state.default_system;
    // Most important last: dropped from the front until the line fits.
    let mut right: Vec<String> = Vec::new();
    if !params.is_empty() {
        right.push(params);
    }
    if custom_system {
        right.push("own system message (F3)".to_owned());
    }
    right.push("F1 help".to_owned());
    let room = usize::from(area.width).saturating_sub(6);
    let mut right_text = right.join(" · ");
    while width_of(&right_text) + 12 > room && right.len() > 1 {
        right.remove(0);
        right_text = right.join(" · ");
    }
    let left = fit_words(&left, room.saturating_sub(width_of(&right_text) + 2));
    let mut block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title_top(Line::from(format!(" {right_text} ")).right_aligned());
    if !left.is_empty() {
        block = block.title_top(Line::styled(format!(" {left} "), theme.user).left_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let inner = Rect {
        x: inner.x + MARGIN.min(inner.width),
        width: inner.width.saturating_sub(MARGIN),
        ..inner
    };
    draw_editor(frame, inner, input, theme.text, Some((PLACEHOLDER, theme.dim)), focused);
}

/// The images and files going with the draft, a row each: `▤ main.rs, 2 KB, 530 tokens`;
/// the last row counts the ones that do not fit, and says how to take one off.
pub fn attachments(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let rows = usize::from(area.height);
    if rows == 0 {
        return;
    }
    let counter = state.counting.counter(&state.target.model);
    let mut lines: Vec<String> = state
        .attachments
        .iter()
        .map(|file| match file.is_image() {
            true => {
                // A URL's size is the server's to find out: the documented guess stands in.
                let (tokens, documented) = cost_of(file.data(), Detail::High);
                let about = if documented { "" } else { "≈" };
                format!("▣ {} · {about}{} tokens", file.label(), crate::format::tokens(tokens))
            }
            false => {
                let tokens = file.tokens(counter).or(file.counted_tokens());
                let label = format!("▤ {}, {}", file.name, human_size(file.data().len()));
                match tokens {
                    Some(tokens) => format!("{label} · {} tokens", crate::format::tokens(tokens)),
                    None => label,
                }
            }
        })
        .collect();
    if lines.len() > rows {
        let more = lines.len() - rows + 1;
        lines.truncate(rows - 1);
        lines.push(format!("… and {more} more"));
    }
    if let Some(last) = lines.last_mut() {
        last.push_str("   (Backspace in an empty input removes the last)");
    }
    let width = usize::from(area.width).saturating_sub(2);
    for (y, line) in lines.iter().enumerate() {
        frame.buffer_mut().set_stringn(area.x + 1, area.y + y as u16, line, width, theme.user);
    }
}

/// Draws `editor` in `area`, from the row that keeps the cursor in view, with `placeholder`
/// while it is empty, and the terminal's cursor at the insertion point if `focused`.
pub fn draw_editor(
    frame: &mut Frame,
    area: Rect,
    editor: &Editor,
    style: Style,
    placeholder: Option<(&str, Style)>,
    focused: bool,
) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let width = usize::from(area.width);
    let rows = editor.rows(width);
    let (cursor_row, column) = editor.cursor_row(&rows, width);
    let height = usize::from(area.height);
    let top = (cursor_row + 1).saturating_sub(height);
    let buffer = frame.buffer_mut();
    match placeholder {
        Some((text, placeholder_style)) if editor.is_empty() => {
            buffer.set_stringn(area.x, area.y, text, width, placeholder_style);
        }
        _ => {
            for (y, (line, range)) in rows.iter().skip(top).take(height).enumerate() {
                let text = &editor.lines()[*line][range.clone()];
                buffer.set_stringn(area.x, area.y + y as u16, text, width, style);
            }
        }
    }
    if focused {
        let x = area.x + (column.min(width - 1)) as u16;
        let y = area.y + (cursor_row - top) as u16;
        frame.set_cursor_position(Position { x, y });
    }
}

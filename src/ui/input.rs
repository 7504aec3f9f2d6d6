//! The input pane and every other editor on screen: the text laid out in the rows the editor
//! says it takes at this width (so what is drawn is where the cursor moves), scrolled to keep
//! the cursor's row in view, and the terminal's own cursor put at the insertion point, where
//! an input method composes. The draft's pane also names the images attached to it.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders};

use super::theme::Theme;
use crate::app::editor::Editor;
use crate::chat::attachment::Attachment;

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

/// The draft under a border that names the images going with it; the terminal's cursor is
/// in it when it has the keys (`focused`).
pub fn render(
    frame: &mut Frame,
    area: Rect,
    input: &Editor,
    attachments: &[Attachment],
    theme: &Theme,
    focused: bool,
) {
    let mut block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title_top(Line::from(" F1 help ").right_aligned());
    if !attachments.is_empty() {
        let names: Vec<String> = attachments.iter().map(Attachment::label).collect();
        let title = format!(" ▣ {} ", names.join(" · "));
        block = block.title_top(Line::styled(title, theme.user).left_aligned());
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

//! Overlays: the key help, the system-message editor and the request-parameters form.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui_textarea::TextArea;

use super::layout::centered;
use super::theme::Theme;
use crate::app::bindings::{self, Mode};
use crate::app::params_form::{FIELDS, HINTS, ParamsForm};

/// The key table, in two columns when one would not fit the terminal's height, and cut with
/// a note when even two do not.
pub fn help(frame: &mut Frame, area: Rect, theme: &Theme) {
    // Select mode's keys sit under the row that enters it.
    let help: Vec<(String, &str)> = bindings::help_rows()
        .into_iter()
        .map(|row| match row.mode {
            Mode::Chat => (row.keys.to_owned(), row.text),
            Mode::Select => (format!("  {}", row.keys), row.text),
        })
        .collect();
    let key_width = help.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    let rows: Vec<Line> = help
        .iter()
        .map(|(keys, what)| {
            Line::from(vec![
                Span::styled(format!(" {keys:<key_width$}  "), theme.user),
                Span::raw(*what),
            ])
        })
        .collect();
    let row_width = rows.iter().map(Line::width).max().unwrap_or(0) as u16 + 1;
    let room = area.height.saturating_sub(2).max(1) as usize;
    let columns: u16 = if rows.len() > room && row_width * 2 + 3 <= area.width { 2 } else { 1 };
    let per_column = rows.len().div_ceil(columns as usize);
    let height = per_column.min(room);
    let rect = centered(area, row_width * columns + 2, height as u16 + 2);
    let block = block(" Keys (any key closes) ", theme);
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let hidden = rows.len().saturating_sub(height * columns as usize);
    let mut chunks: Vec<Vec<Line>> = rows
        .chunks(per_column.max(1))
        .map(|chunk| chunk.iter().take(height).cloned().collect())
        .collect();
    if hidden > 0
        && let Some(last) = chunks.last_mut().and_then(|c| c.last_mut())
    {
        *last =
            Line::styled(format!(" … {} more: make the terminal taller", hidden + 1), theme.dim);
    }
    for (column, lines) in chunks.into_iter().enumerate() {
        let x = inner.x + column as u16 * row_width;
        let width = row_width.min(inner.right().saturating_sub(x));
        let cell = Rect { x, y: inner.y, width, height: inner.height };
        frame.render_widget(Paragraph::new(lines), cell);
    }
}

pub fn system_editor(frame: &mut Frame, area: Rect, editor: &TextArea<'static>, theme: &Theme) {
    let rect = centered(area, area.width.saturating_sub(8).max(20), 12);
    let block = block(" System message ", theme).title_bottom(
        Line::from(" Enter saves · Alt+Enter new line · Esc cancels ").right_aligned(),
    );
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    frame.render_widget(editor, inner);
}

/// The request-parameters form (F4): one row per field, the focused one with a cursor,
/// then the error of the last Enter, if any.
pub fn params_form(frame: &mut Frame, area: Rect, form: &ParamsForm, theme: &Theme) {
    let label_width = FIELDS.iter().map(|f| f.len()).max().unwrap_or(0);
    let mut lines = vec![Line::from(Span::styled(" Empty = the provider's default", theme.dim))];
    for (index, (field, hint)) in FIELDS.iter().zip(HINTS).enumerate() {
        let focused = index == form.focus;
        let value = form.values[index].as_str();
        let mut spans = vec![
            Span::styled(format!(" {field:<label_width$}  "), theme.user),
            Span::styled(
                if value.is_empty() && !focused { "default" } else { value },
                if value.is_empty() { theme.dim } else { theme.text },
            ),
        ];
        if focused {
            spans.push(Span::styled("▌", theme.cursor));
        }
        spans.push(Span::styled(format!("  ({hint})"), theme.dim));
        lines.push(Line::from(spans));
    }
    if let Some(error) = &form.error {
        lines.push(Line::from(Span::styled(format!(" {error}"), theme.error)));
    }
    let rect = centered(area, 58.min(area.width), lines.len() as u16 + 2);
    let block = block(" Parameters for this conversation ", theme)
        .title_bottom(Line::from(" Tab next · Enter saves · Esc cancels ").right_aligned());
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// A popup's frame: a border, `title`, and the popup's own style (over the screen's) painted
/// over its whole area.
pub fn block<'a>(title: &'a str, theme: &Theme) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .style(theme.screen.patch(theme.popup))
        .title(Line::styled(title, theme.title))
}

/// Erases `rect` inside a popup, leaving it in the popup's style.
pub fn clear(frame: &mut Frame, rect: Rect, theme: &Theme) {
    frame.render_widget(Clear, rect);
    frame.buffer_mut().set_style(rect, theme.screen.patch(theme.popup));
}

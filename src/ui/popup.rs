//! Overlays: the key help and the system-message editor.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui_textarea::TextArea;

use super::layout::centered;
use super::theme::Theme;
use crate::app::keymap::HELP;

pub fn help(frame: &mut Frame, area: Rect, theme: &Theme) {
    let key_width = HELP.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(keys, what)| {
            Line::from(vec![
                Span::styled(format!(" {keys:<key_width$}  "), theme.user),
                Span::raw(*what),
            ])
        })
        .collect();
    let width = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 3;
    let rect = centered(area, width, lines.len() as u16 + 2);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(" Keys (any key closes) ");
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

pub fn system_editor(frame: &mut Frame, area: Rect, editor: &TextArea<'static>, theme: &Theme) {
    let rect = centered(area, area.width.saturating_sub(8).max(20), 12);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(" System message ")
        .title_bottom(
            Line::from(" Enter saves · Alt+Enter new line · Esc cancels ").right_aligned(),
        );
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    frame.render_widget(editor, inner);
}

//! Draws the model picker: the filter, then the models, the current one marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::layout::centered;
use super::theme::Theme;
use crate::app::picker::{Picker, candidates};
use crate::app::state::State;

pub fn render(frame: &mut Frame, area: Rect, state: &State, picker: &Picker, theme: &Theme) {
    let rect = centered(area, 60.min(area.width), area.height.saturating_sub(4).max(5));
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(format!(" Model · {} ", state.target.provider))
        .title_bottom(Line::from(" Enter switches · Esc closes ").right_aligned());
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let mut lines = vec![if picker.query.is_empty() {
        Line::from(Span::styled("Type to filter…", theme.dim))
    } else {
        Line::from(vec![Span::raw(picker.query.as_str()), Span::styled("▌", theme.cursor)])
    }];
    let catalog = &state.catalog;
    let status = match (&catalog.server, &catalog.error) {
        (None, None) => Some("fetching the server's models…".to_owned()),
        (_, Some(error)) => {
            Some(format!("server list unavailable ({error}); configured models shown"))
        }
        _ => None,
    };
    if let Some(status) = status {
        lines.push(Line::from(Span::styled(status, theme.dim)));
    }
    let choices = candidates(state, &picker.query);
    let selected = picker.selected.min(choices.len().saturating_sub(1));
    let room = (inner.height as usize).saturating_sub(lines.len());
    let first = selected.saturating_sub(room.saturating_sub(1));
    for (index, id) in choices.iter().enumerate().skip(first).take(room) {
        let current = *id == state.target.model;
        let marker = if index == selected { "▌ " } else { "  " };
        let style = if index == selected {
            theme.user.add_modifier(Modifier::REVERSED)
        } else {
            theme.text
        };
        let mut spans = vec![Span::styled(marker, theme.user), Span::styled(id.clone(), style)];
        if current {
            spans.push(Span::styled("  (current)", theme.dim));
        }
        if let Some(window) = catalog.window(id) {
            spans.push(Span::styled(
                format!("  {} ctx", crate::app::context::short(window)),
                theme.dim,
            ));
        }
        lines.push(Line::from(spans));
    }
    if choices.is_empty() && !picker.query.is_empty() {
        lines.push(Line::from(Span::styled("no match: Enter uses the name as typed", theme.dim)));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

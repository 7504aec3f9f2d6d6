//! Draws the model picker: the filter, then the models grouped under a heading per
//! provider (with its list's state: fetching, or why the server's list is missing), the
//! current model marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::layout::centered;
use super::theme::Theme;
use super::wrap::{width_of, wrap_text};
use crate::app::picker::{Picker, candidates, provider_order};
use crate::app::state::State;

pub fn render(frame: &mut Frame, area: Rect, state: &State, picker: &Picker, theme: &Theme) {
    // As wide as the terminal allows (long model ids, reasons), short of a margin.
    let width = area.width.saturating_sub(4).clamp(72.min(area.width), 160);
    let rect = centered(area, width, area.height.saturating_sub(4).max(5));
    let block = super::popup::block(" Model ", theme)
        .title_bottom(Line::from(" Enter switches · Esc closes ").right_aligned());
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let filter = if picker.query.is_empty() {
        Line::from(Span::styled("Type to filter…", theme.dim))
    } else {
        Line::from(vec![Span::raw(picker.query.as_str()), Span::styled("▌", theme.cursor)])
    };
    let choices = candidates(state, &picker.query);
    let selected = picker.selected.min(choices.len().saturating_sub(1));
    // The list below the filter, with the line of the selected model to scroll to.
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_line = 0;
    let mut index = 0;
    for provider in provider_order(state) {
        let group: Vec<_> = choices.iter().filter(|c| c.provider == provider).collect();
        let models = state.catalog.providers.get(&provider);
        let status = match models {
            Some(m) if m.fetching => Some("fetching the server's models…".to_owned()),
            Some(m) => {
                m.error.as_ref().map(|e| format!("no server list ({e}): configured models shown"))
            }
            None => None,
        };
        if group.is_empty() && (status.is_none() || !picker.query.is_empty()) {
            continue;
        }
        // The list's state wraps under the provider's name rather than being cut.
        let name = format!("{provider} ");
        let room = usize::from(inner.width).saturating_sub(width_of(&name)).max(1);
        let rows = status.map(|status| wrap_text(&status, room)).unwrap_or_default();
        let mut heading = vec![Span::styled(name.clone(), theme.assistant)];
        let mut rows = rows.into_iter();
        if let Some(first) = rows.next() {
            heading.push(Span::styled(first, theme.dim));
        }
        lines.push(Line::from(heading));
        for row in rows {
            lines.push(Line::from(Span::styled(
                format!("{}{row}", " ".repeat(width_of(&name))),
                theme.dim,
            )));
        }
        for choice in group {
            let current = *choice == state.target;
            let is_selected = index == selected;
            if is_selected {
                selected_line = lines.len();
            }
            let marker = if is_selected { "▌ " } else { "  " };
            let style = if is_selected { theme.selection } else { theme.text };
            let mut spans = vec![
                Span::styled(marker, theme.selection_bar),
                Span::styled(choice.model.clone(), style),
            ];
            if current {
                spans.push(Span::styled("  (current)", theme.dim));
            }
            if let Some(window) = state.catalog.window(&choice.provider, &choice.model) {
                spans.push(Span::styled(
                    format!("  {} ctx", crate::format::tokens(window)),
                    theme.dim,
                ));
            }
            lines.push(Line::from(spans));
            index += 1;
        }
    }
    if choices.is_empty() && !picker.query.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("no match: Enter uses the name as typed, on {}", state.target.provider),
            theme.dim,
        )));
    }
    let room = (inner.height as usize).saturating_sub(1).max(1);
    let first = selected_line.saturating_sub(room.saturating_sub(1));
    let shown = std::iter::once(filter).chain(lines.into_iter().skip(first).take(room));
    frame.render_widget(Paragraph::new(shown.collect::<Vec<_>>()), inner);
}

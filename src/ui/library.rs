//! Draws the conversation list: a search line, then two rows per conversation (title with
//! model and age; preview or the matching snippet, the match highlighted).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::layout::centered;
use super::theme::Theme;
use super::wrap::width_of;
use crate::app::library::{Library, Mode};
use crate::sanitize::sanitize;

const ROWS_PER_ITEM: usize = 2;

pub fn render(frame: &mut Frame, area: Rect, library: &Library, theme: &Theme) {
    let rect = centered(area, area.width.saturating_sub(4).max(20), area.height.saturating_sub(2));
    let block = super::popup::block(" Conversations ", theme).title_bottom(
        Line::from(" Enter opens · F2 renames · Del deletes · Esc closes ").right_aligned(),
    );
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    if inner.height < 2 || inner.width < 4 {
        return;
    }
    let width = inner.width as usize;
    let mut lines = vec![search_line(library, theme), Line::default()];
    let room = (inner.height as usize).saturating_sub(lines.len() + 1) / ROWS_PER_ITEM;
    let first = library.selected.saturating_sub(room.saturating_sub(1));
    for (index, item) in library.items.iter().enumerate().skip(first).take(room.max(1)) {
        let selected = index == library.selected;
        let marker = if selected { "▌ " } else { "  " };
        let age = crate::format::age(library.now_ms, item.updated_at);
        let open = if Some(item.id) == library.current { "● " } else { "" };
        // The right column loses its least useful parts whole when the title needs room.
        let mut parts = vec![format!("#{}", item.id), age, sanitize(&item.model).into_owned()];
        let mut right = String::new();
        while !parts.is_empty() {
            right = format!(" {}", parts.join(" · "));
            if width.saturating_sub(width_of(&right) + 2 + width_of(open)) >= 16 {
                break;
            }
            parts.pop();
            right.clear();
        }
        // Columns, not characters: a wide title must not push the right column out.
        let title_room = width.saturating_sub(width_of(&right) + 2 + width_of(open));
        let title = format!("{open}{}", fit(&sanitize(&item.title), title_room));
        let gap = width.saturating_sub(2 + width_of(&title) + width_of(&right));
        let title_style = if selected { theme.selection } else { theme.user };
        lines.push(Line::from(vec![
            Span::styled(marker, theme.selection_bar),
            Span::styled(title, title_style),
            Span::raw(" ".repeat(gap)),
            Span::styled(right, theme.dim),
        ]));
        lines.push(detail_line(&item.preview, !library.query.is_empty(), width, theme));
    }
    if library.items.is_empty() && !library.loading {
        let empty = if library.query.is_empty() {
            "No saved conversations yet.".to_owned()
        } else {
            format!("Nothing matches \u{201c}{}\u{201d}.", library.query)
        };
        lines.push(Line::from(Span::styled(format!("  {empty}"), theme.dim)));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    let bottom = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
    match &library.mode {
        Mode::Browse => {}
        Mode::Rename(editor) => {
            super::popup::clear(frame, bottom, theme);
            frame.render_widget(Span::styled("Rename: ", theme.warning), bottom);
            let field = Rect::new(bottom.x + 8, bottom.y, bottom.width.saturating_sub(8), 1);
            super::input::draw_editor(frame, field, editor, theme.text, None, true);
        }
        Mode::ConfirmDelete => {
            let title = library.selected_item().map(|i| sanitize(&i.title).into_owned());
            let ask = format!(
                "Delete \u{201c}{}\u{201d} and all its messages? y / n",
                title.unwrap_or_default()
            );
            super::popup::clear(frame, bottom, theme);
            frame.render_widget(Span::styled(ask, theme.error), bottom);
        }
    }
}

/// `text` cut to `room` columns at a grapheme, with `…` when cut.
fn fit(text: &str, room: usize) -> String {
    if width_of(text) <= room {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for grapheme in unicode_segmentation::UnicodeSegmentation::graphemes(text, true) {
        let width = width_of(grapheme);
        if used + width + 1 > room {
            break;
        }
        used += width;
        out.push_str(grapheme);
    }
    out.push('…');
    out
}

fn search_line<'a>(library: &'a Library, theme: &Theme) -> Line<'a> {
    if library.query.is_empty() {
        return Line::from(Span::styled("Type to search every message…", theme.dim));
    }
    Line::from(vec![
        Span::styled("Search: ", theme.dim),
        Span::raw(library.query.as_str()),
        Span::styled("▌", theme.cursor),
    ])
}

/// The preview, or a search snippet whose `[match]` is shown highlighted.
fn detail_line(text: &str, highlight: bool, width: usize, theme: &Theme) -> Line<'static> {
    let flat = sanitize(text).split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = fit(&flat, width.saturating_sub(4));
    let mut spans = vec![Span::raw("    ")];
    if !highlight {
        spans.push(Span::styled(flat, theme.dim));
        return Line::from(spans);
    }
    let hit = theme.search_match;
    let mut rest = flat.as_str();
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']') else { break };
        spans.push(Span::styled(rest[..open].to_owned(), theme.dim));
        spans.push(Span::styled(rest[open + 1..open + close].to_owned(), hit));
        rest = &rest[open + close + 1..];
    }
    spans.push(Span::styled(rest.to_owned(), theme.dim));
    Line::from(spans)
}

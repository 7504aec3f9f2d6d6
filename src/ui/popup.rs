//! Overlays: the key help, the system-message editor, the request-parameters form, the
//! presets Ctrl+N offers and the name of a preset being saved.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::layout::centered;
use super::theme::Theme;
use super::wrap::{width_of, wrap_text};
use crate::app::bindings::{self, Mode};
use crate::app::editor::Editor;
use crate::app::palette::Palette;
use crate::app::params_form::{FIELDS, HINTS, ParamsForm};
use crate::app::presets::PresetPicker;
use crate::app::state::State;
use crate::sanitize::sanitize;

/// The key table, in two columns when one would not fit the terminal's height, and scrolled
/// (`scroll` rows down, at most to its last page) when even two do not. Keys and words wrap
/// within their columns at word breaks, so a narrow terminal shows every word whole.
pub fn help(frame: &mut Frame, area: Rect, scroll: usize, theme: &Theme) -> usize {
    // Select mode's keys sit under the row that enters it.
    let help: Vec<(String, &str)> = bindings::help_rows()
        .into_iter()
        .map(|row| match row.mode {
            Mode::Chat => (row.keys.to_owned(), row.text),
            Mode::Select => (format!("  {}", row.keys), row.text),
        })
        .collect();
    let widest_keys = help.iter().map(|(k, _)| width_of(k)).max().unwrap_or(0);
    let widest_text = help.iter().map(|(_, t)| width_of(t)).max().unwrap_or(0);
    // One space, the keys, two spaces, the words, a space; inside a border.
    let inner = (widest_keys + widest_text + 4).min(usize::from(area.width).saturating_sub(2));
    // Long key lists wrap rather than push every description right.
    let key_width = widest_keys.min(20).min(inner * 2 / 5).max(1);
    let text_width = inner.saturating_sub(key_width + 4).max(1);
    let mut rows: Vec<Line> = Vec::new();
    for (keys, what) in &help {
        let keys = wrap_text(keys, key_width);
        let words = wrap_text(what, text_width);
        for index in 0..keys.len().max(words.len()) {
            let key = keys.get(index).map_or("", String::as_str);
            let pad = key_width.saturating_sub(width_of(key));
            rows.push(Line::from(vec![
                Span::styled(format!(" {key}{}  ", " ".repeat(pad)), theme.user),
                Span::raw(words.get(index).cloned().unwrap_or_default()),
            ]));
        }
    }
    let row_width = rows.iter().map(Line::width).max().unwrap_or(0) as u16 + 1;
    let room = area.height.saturating_sub(2).max(1) as usize;
    let columns: u16 = if rows.len() > room && row_width * 2 + 3 <= area.width { 2 } else { 1 };
    let per_column = rows.len().div_ceil(columns as usize);
    let height = per_column.min(room);
    let rect = centered(area, row_width * columns + 2, height as u16 + 2);
    let scrolls = per_column > height;
    let block = match scrolls {
        true => block(" Keys ", theme)
            .title_bottom(Line::from(" ↑↓ PgUp PgDn · any other key closes ").right_aligned()),
        false => block(" Keys (any key closes) ", theme),
    };
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    if scrolls {
        // One column, scrolled; the last row says how much is below.
        let top = scroll.min(rows.len().saturating_sub(height));
        let mut lines: Vec<Line> = rows[top..].iter().take(height).cloned().collect();
        let below = rows.len() - top - lines.len();
        if below > 0
            && let Some(last) = lines.last_mut()
        {
            let note = format!("↓ {} more", below + 1);
            let room = usize::from(inner.width).saturating_sub(1);
            *last = Line::styled(format!(" {}", super::input::fit_words(&note, room)), theme.dim);
        }
        frame.render_widget(Paragraph::new(lines), inner);
        return top;
    }
    for (column, chunk) in rows.chunks(per_column.max(1)).enumerate() {
        let x = inner.x + column as u16 * row_width;
        let width = row_width.min(inner.right().saturating_sub(x));
        let cell = Rect { x, y: inner.y, width, height: inner.height };
        frame.render_widget(Paragraph::new(chunk.to_vec()), cell);
    }
    0
}

/// F1 inside a popup: its keys, over it, until the next key.
pub fn popup_keys(frame: &mut Frame, area: Rect, popup: &crate::app::state::Popup, theme: &Theme) {
    let (name, keys) = crate::app::popup_keys::of(popup);
    let widest_keys = keys.iter().map(|(k, _)| width_of(k)).max().unwrap_or(0);
    let widest_text = keys.iter().map(|(_, t)| width_of(t)).max().unwrap_or(0);
    let inner = (widest_keys + widest_text + 4).min(usize::from(area.width).saturating_sub(2));
    let key_width = widest_keys.min(inner * 2 / 5).max(1);
    let text_width = inner.saturating_sub(key_width + 4).max(1);
    let mut rows: Vec<Line> = Vec::new();
    for (keys, what) in keys {
        let keys = wrap_text(keys, key_width);
        let words = wrap_text(what, text_width);
        for index in 0..keys.len().max(words.len()) {
            let key = keys.get(index).map_or("", String::as_str);
            let pad = key_width.saturating_sub(width_of(key));
            rows.push(Line::from(vec![
                Span::styled(format!(" {key}{}  ", " ".repeat(pad)), theme.user),
                Span::raw(words.get(index).cloned().unwrap_or_default()),
            ]));
        }
    }
    let width = rows.iter().map(Line::width).max().unwrap_or(0) as u16 + 3;
    let rect = centered(area, width, rows.len() as u16 + 2);
    let title = format!(" {name}: keys (any key closes) ");
    let block = block(&title, theme);
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    frame.render_widget(Paragraph::new(rows), inner);
}

pub fn system_editor(frame: &mut Frame, area: Rect, editor: &Editor, theme: &Theme) {
    let rect = centered(area, area.width.saturating_sub(8).max(20), 12);
    let block = block(" System message ", theme).title_bottom(
        Line::from(" Enter saves · Alt+Enter new line · Esc cancels ").right_aligned(),
    );
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    super::input::draw_editor(frame, inner, editor, theme.text, None, true);
}

/// The request-parameters form (F4): one row per field, the focused one with a cursor,
/// then the error of the last Enter, if any.
pub fn params_form(frame: &mut Frame, area: Rect, form: &ParamsForm, theme: &Theme) {
    let label_width = FIELDS.iter().map(|f| f.len()).max().unwrap_or(0);
    let mut lines = vec![Line::from(Span::styled(" Empty = the provider's default", theme.dim))];
    for (index, (field, hint)) in FIELDS.iter().zip(HINTS).enumerate() {
        let focused = index == form.focus;
        let value = tail(form.values[index].as_str(), 22);
        let mut spans = vec![
            Span::styled(format!(" {field:<label_width$}  "), theme.user),
            Span::styled(
                if value.is_empty() && !focused { "default".to_owned() } else { value.clone() },
                if value.is_empty() { theme.dim } else { theme.text },
            ),
        ];
        if focused {
            spans.push(Span::styled("▌", theme.cursor));
        }
        spans.push(Span::styled(format!("  ({hint})"), theme.dim));
        lines.push(Line::from(spans));
    }
    let width = 64.min(area.width);
    if let Some(error) = &form.error {
        for row in wrap_text(error, usize::from(width.saturating_sub(4)).max(1)) {
            lines.push(Line::from(Span::styled(format!(" {row}"), theme.error)));
        }
    }
    let rect = centered(area, width, lines.len() as u16 + 2);
    let block = block(" Parameters for this conversation ", theme)
        .title_bottom(Line::from(" Tab next · Enter saves · Esc cancels ").right_aligned());
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// The last `room` columns of `text`, with `…` before them when it is longer (a schema typed
/// inline); the end is where the cursor types.
fn tail(text: &str, room: usize) -> String {
    if width_of(text) <= room {
        return text.to_owned();
    }
    let mut kept: Vec<char> = Vec::new();
    for c in text.chars().rev() {
        kept.push(c);
        if width_of(&kept.iter().rev().collect::<String>()) >= room.saturating_sub(1) {
            break;
        }
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}

/// The command palette, just above the input: the filter, then `/name  keys  what it does`
/// for each match, the selected one marked; rows are cut at a word, never mid-word.
pub fn palette(frame: &mut Frame, input: Rect, palette: &Palette, theme: &Theme) {
    let found = crate::app::palette::matches(&palette.query);
    let selected = palette.selected.min(found.len().saturating_sub(1));
    let area = frame.area();
    let height = (found.len() as u16 + 3).min(input.y).min(14);
    if height < 3 {
        return;
    }
    let rect = Rect::new(area.x, input.y - height, area.width, height);
    let block = block(" Commands ", theme)
        .title_bottom(Line::from(" Enter runs · // types a slash · Esc closes ").right_aligned());
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let mut lines = vec![Line::from(vec![
        Span::styled("/", theme.user),
        Span::raw(palette.query.clone()),
        Span::styled("▌", theme.cursor),
    ])];
    let room = usize::from(inner.height).saturating_sub(1);
    let first = selected.saturating_sub(room.saturating_sub(1));
    let name_width = found.iter().map(|c| c.name.len()).max().unwrap_or(0) + 1;
    let key_width = found.iter().map(|c| width_of(&c.keys)).max().unwrap_or(0).min(18);
    for (index, command) in found.iter().enumerate().skip(first).take(room) {
        let marker = if index == selected { "▌" } else { " " };
        let head = format!("{marker}/{:<name_width$} ", command.name);
        let keys = super::input::fit_words(&command.keys, key_width);
        let keys = format!("{keys:<key_width$}  ");
        let rest = usize::from(inner.width).saturating_sub(width_of(&head) + width_of(&keys));
        let style = if index == selected { theme.selection } else { theme.user };
        lines.push(Line::from(vec![
            Span::styled(head, style),
            Span::styled(keys, theme.dim),
            Span::raw(super::input::fit_words(command.text, rest)),
        ]));
    }
    if found.is_empty() {
        lines.push(Line::styled("no command matches", theme.dim));
    }
    frame.render_widget(Paragraph::new(lines), inner);
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

/// Ctrl+N with presets: a blank conversation, then each preset with what it sets, the one
/// selected marked.
pub fn presets(frame: &mut Frame, area: Rect, state: &State, picker: &PresetPicker, theme: &Theme) {
    let width = area.width.saturating_sub(4).clamp(40.min(area.width), 100);
    let room = usize::from(width.saturating_sub(4));
    let mut rows: Vec<(String, String)> =
        vec![("blank".into(), "a new, empty conversation".into())];
    for (name, preset) in &state.presets.named {
        rows.push((sanitize(name).into_owned(), sanitize(&preset.summary()).into_owned()));
    }
    let name_width = rows.iter().map(|(name, _)| width_of(name)).max().unwrap_or(0);
    let selected = picker.selected.min(rows.len() - 1);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .map(|(index, (name, summary))| {
            let marker = if index == selected { "▶ " } else { "  " };
            let style = if index == selected { theme.user } else { theme.text };
            let head = format!("{marker}{name:<name_width$}  ");
            let rest = room.saturating_sub(width_of(&head));
            let summary = wrap_text(summary, rest.max(1)).into_iter().next().unwrap_or_default();
            Line::from(vec![Span::styled(head, style), Span::styled(summary, theme.dim)])
        })
        .collect();
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = centered(area, width, height);
    let block = block(" New conversation from ", theme)
        .title_bottom(Line::from(" Enter starts · Esc cancels ").right_aligned());
    let skip = usize::from(selected as u16).saturating_sub(usize::from(height.saturating_sub(3)));
    clear(frame, rect, theme);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((skip as u16, 0)), rect);
}

/// `/save preset`: the name being typed.
pub fn save_preset(frame: &mut Frame, area: Rect, name: &Editor, theme: &Theme) {
    let rect = centered(area, 60.min(area.width), 3);
    let block = block(" Save as preset: system, turns, model, parameters ", theme)
        .title_bottom(Line::from(" Enter saves · Esc cancels ").right_aligned());
    let inner = block.inner(rect);
    clear(frame, rect, theme);
    frame.render_widget(block, rect);
    let placeholder = Some(("a name, e.g. translator", theme.dim));
    super::input::draw_editor(frame, inner, name, theme.text, placeholder, true);
}

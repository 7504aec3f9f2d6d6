//! Drawing. A [`Screen`], owned by the driver, keeps what lasts between frames (the theme,
//! the transcript's laid-out lines) and draws a frame from the app's state, which it only
//! reads: it never changes the state and imports nothing of the app but its state's types.
//! A frame copies visible lines; only what changed is laid out again.

pub mod input;
pub mod layout;
pub mod library;
pub mod markdown;
pub mod picker;
pub mod popup;
mod screen;
pub mod status;
pub mod theme;
pub mod transcript;
pub mod wrap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

pub use self::screen::Screen;
use self::theme::Theme;
use self::transcript::TranscriptCache;

use crate::app::state::{Popup, State};

/// One frame of `state`: the transcript from `transcript`'s lines with `scroll_up` rows
/// hidden below the pane, the input, the status line, and the popup on top.
fn render(
    state: &State,
    theme: &Theme,
    transcript: &TranscriptCache,
    scroll_up: usize,
    panes: &layout::Panes,
    frame: &mut Frame,
) {
    let area = frame.area();
    if theme.screen != ratatui::style::Style::new() {
        frame.buffer_mut().set_style(area, theme.screen);
    }
    if state.conversation.messages().is_empty() {
        welcome(frame, panes.transcript, theme);
    }
    let selected = state.selection.as_ref().map(|s| s.index);
    transcript.render(panes.transcript, frame.buffer_mut(), scroll_up, selected);
    if scroll_up > 0 {
        below(frame, panes.transcript, scroll_up, state, theme);
    }
    let typing = state.popup.is_none() && state.selection.is_none();
    input::attachments(frame, panes.attachments, state, theme);
    input::render(frame, panes.input, state, theme, typing);
    status::render(frame, panes.status, state, theme);
    match &state.popup {
        Some(Popup::Help) => popup::help(frame, area, theme),
        Some(Popup::System(editor)) => popup::system_editor(frame, area, editor, theme),
        Some(Popup::Library(list)) => library::render(frame, area, list, theme),
        Some(Popup::Models(picker)) => picker::render(frame, area, state, picker, theme),
        Some(Popup::Params(form)) => popup::params_form(frame, area, form, theme),
        Some(Popup::Palette(palette)) => popup::palette(frame, panes.input, palette, theme),
        Some(Popup::Presets(picker)) => popup::presets(frame, area, state, picker, theme),
        Some(Popup::SavePreset(name)) => popup::save_preset(frame, area, name, theme),
        None => {}
    }
}

/// The view is scrolled up: its last row says how much is below, whether a reply is
/// arriving there, and how to get back.
fn below(frame: &mut Frame, pane: Rect, rows: usize, state: &State, theme: &Theme) {
    if pane.height < 2 {
        return;
    }
    let key = if state.input.is_empty() { "End" } else { "Ctrl+End" };
    let mut parts = vec![format!("↓ {rows} more line{}", if rows == 1 { "" } else { "s" })];
    if state.stream.is_busy() {
        parts.push("a reply is arriving".to_owned());
    }
    parts.push(format!("{key} returns"));
    let mut text = parts.join(" · ");
    while wrap::width_of(&text) + 2 > usize::from(pane.width) && parts.len() > 1 {
        parts.pop();
        text = parts.join(" · ");
    }
    let text = format!(" {text} ");
    // The whole row, so no half line of text shows beside it.
    let row = Rect::new(pane.x, pane.bottom() - 1, pane.width, 1);
    frame.render_widget(ratatui::widgets::Clear, row);
    frame.render_widget(Line::styled(text, theme.status).right_aligned(), row);
}

fn welcome(frame: &mut Frame, area: Rect, theme: &Theme) {
    let lines = vec![
        Line::from("rockchat").style(theme.assistant),
        Line::from("Type below and press Enter. F1 lists the keys, Ctrl+D quits.").style(theme.dim),
    ];
    let rect = layout::centered(area, area.width, lines.len() as u16);
    frame.render_widget(Paragraph::new(lines).centered(), rect);
}

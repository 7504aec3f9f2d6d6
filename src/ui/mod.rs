//! Drawing. `render` only reads the state: layout and wrapping were done beforehand by
//! `State::prepare_frame`, so a frame copies visible lines and nothing more.

pub mod input;
pub mod layout;
pub mod library;
pub mod markdown;
pub mod picker;
pub mod popup;
pub mod status;
pub mod theme;
pub mod transcript;
pub mod wrap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use self::theme::Theme;

use crate::app::state::{Popup, State};

pub fn render(state: &State, frame: &mut Frame) {
    let area = frame.area();
    let panes = layout::panes((area.width, area.height), state.input.lines().len());
    let theme = &state.theme;
    if state.conversation.messages().is_empty() {
        welcome(frame, panes.transcript, theme);
    }
    let selected = state.selection.as_ref().map(|s| (s.index, theme.user));
    state.transcript.render(panes.transcript, frame.buffer_mut(), state.view.scroll_up, selected);
    input::render(frame, panes.input, &state.input, &state.attachments, theme);
    status::render(frame, panes.status, state, theme);
    match &state.popup {
        Some(Popup::Help) => popup::help(frame, area, theme),
        Some(Popup::System(editor)) => popup::system_editor(frame, area, editor, theme),
        Some(Popup::Library(list)) => library::render(frame, area, list, theme),
        Some(Popup::Models(picker)) => picker::render(frame, area, state, picker, theme),
        Some(Popup::Params(form)) => popup::params_form(frame, area, form, theme),
        None => {}
    }
}

fn welcome(frame: &mut Frame, area: Rect, theme: &Theme) {
    let lines = vec![
        Line::from("rockchat").style(theme.assistant),
        Line::from("Type below and press Enter. F1 lists the keys, Ctrl+D quits.").style(theme.dim),
    ];
    let rect = layout::centered(area, area.width, lines.len() as u16);
    frame.render_widget(Paragraph::new(lines).centered(), rect);
}

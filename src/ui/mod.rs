//! Drawing. A [`Screen`], owned by the driver, keeps what lasts between frames (the theme,
//! the transcript's laid-out lines) and draws a frame from the app's state, which it only
//! reads: it never changes the state and imports nothing of the app but its state's types.
//! A frame copies visible lines; only what changed is laid out again.

pub mod breakdown;
pub mod input;
pub mod layout;
pub mod library;
pub mod markdown;
pub mod picker;
pub mod pictures;
pub mod popup;
pub mod queued;
mod screen;
mod scrollback;
pub mod status;
pub mod theme;
pub mod tools;
pub mod transcript;
pub mod wrap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

pub use self::screen::Screen;
use self::screen::{Below, Place};
use self::theme::Theme;
use self::transcript::TranscriptCache;

use crate::app::state::{Popup, State};

/// One frame of `state`: the transcript from `transcript`'s lines from `place`'s top row,
/// the input, the status line, and the popup on top. Returns the keys list's top row when
/// it is open.
fn render(
    state: &State,
    theme: &Theme,
    transcript: &TranscriptCache,
    place: Place,
    panes: &layout::Panes,
    frame: &mut Frame,
) -> Option<usize> {
    let area = frame.area();
    if theme.screen != ratatui::style::Style::new() {
        frame.buffer_mut().set_style(area, theme.screen);
    }
    if state.conversation.messages().is_empty() {
        welcome(frame, panes.transcript, state, theme);
    }
    let selected = state.selection.as_ref().map(|s| s.index);
    transcript.render(panes.transcript, frame.buffer_mut(), place.top, selected);
    if place.below != Below::Nothing {
        below(frame, panes.transcript, place.below, state, theme);
    }
    // The rows the screen left between the transcript and the input.
    let queue_rows = panes.input.y.saturating_sub(panes.transcript.bottom());
    if queue_rows > 0 {
        let area = Rect { y: panes.transcript.bottom(), height: queue_rows, ..panes.input };
        queued::render(frame, area, &state.queue, theme);
    }
    let typing = state.popup.is_none() && state.selection.is_none();
    input::attachments(frame, panes.attachments, state, theme);
    input::render(frame, panes.input, state, theme, typing);
    status::render(frame, panes.status, state, theme);
    let mut help_top = None;
    match &state.popup {
        Some(Popup::Help { scroll }) => help_top = Some(popup::help(frame, area, *scroll, theme)),
        Some(Popup::System(editor)) => popup::system_editor(frame, area, editor, theme),
        Some(Popup::Library(list)) => library::render(frame, area, list, theme),
        Some(Popup::Models(picker)) => picker::render(frame, area, state, picker, theme),
        Some(Popup::Params(form)) => popup::params_form(frame, area, form, theme),
        Some(Popup::Palette(palette)) => popup::palette(frame, panes.input, palette, theme),
        Some(Popup::Tools(popup)) => tools::render(frame, area, state, popup, theme),
        Some(Popup::Presets(picker)) => popup::presets(frame, area, state, picker, theme),
        Some(Popup::SavePreset(name)) => popup::save_preset(frame, area, name, theme),
        Some(Popup::Context(breakdown)) => breakdown::render(frame, area, breakdown, theme),
        None => {}
    }
    if state.popup_keys
        && let Some(open) = &state.popup
    {
        popup::popup_keys(frame, area, open, theme);
    }
    help_top
}

/// The view is scrolled up: its last row says how much is below (in lines, or in messages
/// while some below are not laid out), whether a reply is arriving there, and how to get
/// back.
fn below(frame: &mut Frame, pane: Rect, below: Below, state: &State, theme: &Theme) {
    if pane.height < 2 {
        return;
    }
    let key = if state.input.is_empty() { "End" } else { "Ctrl+End" };
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let how_much = match below {
        Below::Rows(rows) => format!("↓ {rows} more line{}", plural(rows)),
        // Messages not laid out yet have no known height: counted as what they are.
        Below::Messages(count) => format!("↓ {count} more message{}", plural(count)),
        Below::Nothing => return,
    };
    let mut parts = vec![how_much];
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

fn welcome(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mut lines = vec![Line::from("rockchat").style(theme.assistant)];
    match &state.first_run {
        Some(first_run) => lines.extend(first_run_lines(state, first_run, theme)),
        None => lines.push(
            Line::from("Type below and press Enter. F1 lists the keys, Ctrl+D quits.")
                .style(theme.dim),
        ),
    }
    // Lines wider than the pane wrap at words rather than being cut.
    let lines: Vec<Line> = lines
        .into_iter()
        .flat_map(|line| {
            let style = line.style;
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            let mut rows = wrap::wrap_text(&text, usize::from(area.width.saturating_sub(2)).max(8));
            if rows.is_empty() {
                rows.push(String::new());
            }
            rows.into_iter().map(move |row| Line::from(row).style(style))
        })
        .collect();
    let rect = layout::centered(area, area.width, lines.len() as u16);
    frame.render_widget(Paragraph::new(lines).centered(), rect);
}

/// The default provider has no key: which variable to set, and the servers found that
/// need none, each with the digit that picks it.
fn first_run_lines(
    state: &State,
    first_run: &crate::app::first_run::FirstRun,
    theme: &Theme,
) -> Vec<Line<'static>> {
    use crate::app::first_run::{offers, probing};
    let provider = &first_run.provider;
    let mut lines = vec![Line::from("")];
    match &first_run.variable {
        Some(variable) => {
            lines.push(Line::from(format!("{provider} needs a key, and {variable} is not set.")));
            lines.push(
                Line::from(format!("Set it and start again: export {variable}=your-key"))
                    .style(theme.dim),
            );
        }
        None => lines.push(Line::from(format!("{provider} has no key configured."))),
    }
    lines.push(Line::from(""));
    let found = offers(state);
    if found.is_empty() {
        lines.push(Line::from(match probing(state) {
            true => "Looking for servers on this machine (Ollama, llama-server, LM Studio, vLLM)…",
            false => "No server found on this machine (Ollama :11434, llama-server :8080, LM Studio :1234, vLLM :8000).",
        }).style(theme.dim));
    } else {
        lines.push(Line::from("Or talk to a server that needs no key: press its number."));
        for (number, target) in found.iter().enumerate() {
            let line = format!("{}  {} · {}", number + 1, target.provider, target.model);
            lines.push(Line::from(line).style(theme.assistant));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from("Ctrl+P lists every model, F1 the keys, Ctrl+D quits.").style(theme.dim));
    lines
}

//! The status line: provider, model, what the request is doing, the context meter and the
//! last turn's usage.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::theme::Theme;
use crate::app::state::{State, Stream};
use crate::chat::Status;
use crate::chat::tally::Precision;
use crate::format::tokens as short;

const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let (phase, failed) = phase(state);
    // Select mode needs the room for its keys more than the model's name.
    let left = if state.selection.is_some() {
        // A reply arriving meanwhile still shows its progress.
        match state.stream.is_busy() {
            true => format!(" SELECT · {phase} "),
            false => " SELECT ".to_owned(),
        }
    } else {
        format!(" {} · {} · {phase} ", state.target.provider, state.target.model)
    };
    let mode = if state.selection.is_some() {
        Some(crate::app::bindings::select_hint())
    } else if state.editing.is_some() {
        Some("editing a past prompt: Enter sends it as a new branch · Esc cancels")
    } else {
        None
    };
    let right = match (&state.notice, &state.last_usage) {
        (Some(notice), _) => format!(" {notice} "),
        (None, _) if let Some(hint) = mode => format!(" {hint} "),
        (None, Some(usage)) => format!(
            " {}last turn: {} in · {} out ",
            meter(state),
            usage.prompt_tokens,
            usage.completion_tokens
        ),
        (None, None) => format!(" {}", meter(state).trim_end_matches(" · ")),
    };
    let style = if failed { theme.status_error } else { theme.status };
    let used = left.chars().count() + right.chars().count();
    let gap = (area.width as usize).saturating_sub(used);
    let line = Line::from(vec![
        Span::styled(left, style),
        Span::styled(" ".repeat(gap), theme.status),
        Span::styled(right, theme.status),
    ]);
    frame.render_widget(line, area);
}

/// "1.2k/128k tok · 3 not sent · ": exact as it stands, "1.2k±120/128k" calibrated against
/// the server's counts, "≈1.2k±360/128k" estimated; the window is the server's own, and
/// the uncertainty stays on the count's side. Empty before anything is counted.
fn meter(state: &State) -> String {
    let Some(meter) = state.meter else { return String::new() };
    let count = match meter.precision {
        Precision::Exact => short(meter.tokens),
        Precision::Calibrated => format!("{}±{}", short(meter.tokens), short(meter.spread)),
        Precision::Estimated => format!("≈{}±{}", short(meter.tokens), short(meter.spread)),
    };
    let mut text = match meter.window {
        Some(window) => format!("{count}/{} tok", short(window)),
        None => format!("{count} tok"),
    };
    if meter.not_sent > 0 {
        text.push_str(&format!(" · {} not sent", meter.not_sent));
    }
    text.push_str(" · ");
    text
}

/// What the request is doing, and whether the last turn failed.
fn phase(state: &State) -> (String, bool) {
    match &state.stream {
        Stream::Waiting { .. } => {
            let spin = SPINNER[(state.frame % SPINNER.len() as u64) as usize];
            (format!("waiting {spin}"), false)
        }
        Stream::Receiving { first_at, last_at, deltas, .. } => {
            let seconds = last_at.duration_since(*first_at).as_secs_f64();
            if seconds >= 0.25 {
                (format!("streaming {:.0} tok/s", *deltas as f64 / seconds), false)
            } else {
                ("streaming".to_owned(), false)
            }
        }
        Stream::Backoff { at, attempt, .. } => {
            // Rounded up: "in 0 s" would be a lie while the wait is not over.
            let left = state
                .now
                .map_or(0, |now| at.saturating_duration_since(now).as_millis().div_ceil(1000));
            let of = state.retry.max_retries;
            (format!("retry {attempt} of {of} in {left} s · Esc cancels"), true)
        }
        Stream::Idle => {
            let last = state.conversation.messages().last().map(|m| &m.status);
            match last {
                Some(Status::Failed(_)) => ("error".to_owned(), true),
                Some(Status::Stopped) => ("stopped".to_owned(), false),
                _ => ("idle".to_owned(), false),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::Target;
    use crate::chat::context::Meter;

    #[test]
    fn the_meter_says_how_sure_its_count_is_and_shows_the_real_window() {
        let target = Target { provider: "local".into(), model: "tiny-llama".into() };
        let mut state = State::new(target, String::new(), false);
        let mut shown = |tokens, spread, precision| {
            state.meter = Some(Meter { tokens, spread, window: Some(512), not_sent: 0, precision });
            meter(&state)
        };
        assert_eq!(shown(312, 0, Precision::Exact), "312/512 tok · ");
        assert_eq!(shown(312, 16, Precision::Calibrated), "312±16/512 tok · ");
        assert_eq!(shown(312, 78, Precision::Estimated), "≈312±78/512 tok · ");
    }
}

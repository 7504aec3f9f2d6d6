//! The status line: provider, model, what the request is doing, writes waiting on the store,
//! the context meter, the last turn's tokens and cost and the conversation's total (a cost
//! not known reads "cost unknown", never a guess).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::theme::Theme;
use super::wrap::width_of;
use crate::app::state::{State, Stream};
use crate::chat::Status;
use crate::chat::tally::Precision;
use crate::format::tokens as short;

const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let (phase, failed) = phase(state);
    // Select mode needs the room for its keys more than the model's name.
    let mut left: Vec<(u8, String)> = if state.selection.is_some() {
        // A reply arriving meanwhile still shows its progress.
        match state.stream.is_busy() {
            true => vec![(9, "SELECT".to_owned()), (8, phase)],
            false => vec![(9, "SELECT".to_owned())],
        }
    } else {
        vec![(3, state.target.provider.clone()), (6, state.target.model.clone()), (8, phase)]
    };
    let mode = if state.selection.is_some() {
        Some(crate::app::bindings::select_hint())
    } else if let Some(editing) = &state.editing {
        Some(match editing.role {
            crate::chat::Role::Assistant => {
                "editing a reply: Enter keeps it as a new branch written by you · Esc cancels"
            }
            _ => "editing a past prompt: Enter sends it as a new branch · Esc cancels",
        })
    } else if let Some(role) = state.turn_as {
        Some(match role {
            crate::chat::Role::Assistant => {
                "as the assistant: Enter adds the draft, written by you, unsent · Esc cancels"
            }
            _ => "as your turn: Enter adds the draft without sending · Esc cancels",
        })
    } else {
        None
    };
    // Each part with how much it matters: at a narrow width the least important go whole.
    let mut right: Vec<(u8, String)> = match (&state.notice, &state.last_usage) {
        (Some(notice), _) => vec![(7, notice.clone())],
        (None, _) if let Some(hint) = mode => vec![(7, hint.to_owned())],
        (None, usage) => {
            let mut parts: Vec<(u8, String)> = meter(state).into_iter().map(|m| (4, m)).collect();
            // Said quietly, where the meter will be: it waits for the whole history too.
            if state.partial.is_some() {
                parts.push((4, "reading earlier messages…".to_owned()));
            }
            // Least needed first when room runs out: the total, then the last turn's cost,
            // then its tokens (the meter outlasts them all).
            if let Some(usage) = usage {
                let (prompt, completion) = (usage.prompt_tokens, usage.completion_tokens);
                let (prompt, completion) = (short(prompt as usize), short(completion as usize));
                parts.push((2, format!("last turn: {prompt} in · {completion} out")));
                let cost = state.spent.last_cost.map_or("cost unknown".to_owned(), |c| c.short());
                parts.push((1, cost));
            }
            parts.extend(total(state).map(|total| (0, total)));
            parts
        }
    };
    // Writes waiting on the store outrank everything but the request's own state: they are
    // never dropped for room.
    let unsaved = state.unsaved.as_deref().map(|text| format!("· {text} ")).unwrap_or_default();
    let width = usize::from(area.width);
    let joined = |parts: &[(u8, String)]| {
        parts.iter().map(|(_, text)| text.as_str()).collect::<Vec<_>>().join(" · ")
    };
    let used = |left: &[(u8, String)], right: &[(u8, String)]| {
        width_of(&joined(left)) + width_of(&unsaved) + width_of(&joined(right)) + 4
    };
    while used(&left, &right) > width {
        let lowest = |parts: &[(u8, String)]| parts.iter().map(|p| p.0).min().unwrap_or(u8::MAX);
        let (l, r) = (lowest(&left), lowest(&right));
        // The last of the notice or hint is cut at a word rather than dropped.
        if l.min(r) >= 7 {
            break;
        }
        let parts = if l <= r { &mut left } else { &mut right };
        if let Some(at) = parts.iter().position(|p| p.0 == l.min(r)) {
            parts.remove(at);
        }
    }
    let left = format!(" {} ", joined(&left));
    let room = width.saturating_sub(width_of(&left) + width_of(&unsaved) + 2);
    let right = super::input::fit_words(&joined(&right), room);
    let right = if right.is_empty() { String::new() } else { format!(" {right} ") };
    let style = if failed { theme.status_error } else { theme.status };
    let gap = width.saturating_sub(width_of(&left) + width_of(&unsaved) + width_of(&right));
    let line = Line::from(vec![
        Span::styled(left, style),
        Span::styled(unsaved, theme.status_error),
        Span::styled(" ".repeat(gap), theme.status),
        Span::styled(right, theme.status),
    ]);
    frame.render_widget(line, area);
}

/// The meter's parts: "1.2k/128k tok" exact as it stands, "1.2k±120/128k tok" calibrated
/// against the server's counts, "≈1.2k±360/128k tok" estimated (the window is the server's
/// own, and the uncertainty stays on the count's side), and "3 not sent"; none before
/// anything is counted.
fn meter(state: &State) -> Vec<String> {
    let Some(meter) = state.meter else { return Vec::new() };
    let count = match meter.precision {
        Precision::Exact => short(meter.tokens),
        Precision::Calibrated => format!("{}±{}", short(meter.tokens), short(meter.spread)),
        Precision::Estimated => format!("≈{}±{}", short(meter.tokens), short(meter.spread)),
    };
    let mut parts = vec![match meter.window {
        Some(window) => format!("{count}/{} tok", short(window)),
        None => format!("{count} tok"),
    }];
    if meter.not_sent > 0 {
        parts.push(format!("{} not sent", meter.not_sent));
    }
    parts
}

/// The conversation's total, once a reply has reported usage: "total 12k tok · $0.0123"; its
/// cost left out when none of it is known (the last turn says "cost unknown").
fn total(state: &State) -> Option<String> {
    let spent = &state.spent;
    if spent.replies == 0 {
        return None;
    }
    let tokens = short(usize::try_from(spent.tokens).unwrap_or(usize::MAX));
    Some(match spent.unpriced == spent.replies {
        true => format!("total {tokens} tok"),
        false => format!("total {tokens} tok · {}", spent.cost_text()),
    })
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
        Stream::Backoff { at, attempt, rate_limited, .. } => {
            // Rounded up: "in 0 s" would be a lie while the wait is not over.
            let left = state
                .now
                .map_or(0, |now| at.saturating_duration_since(now).as_millis().div_ceil(1000));
            let of = state.retry.max_retries;
            let why = if *rate_limited { "rate limited: " } else { "" };
            (format!("{why}retry {attempt} of {of} in {left} s · Esc cancels"), true)
        }
        Stream::Idle if let Some(turn) = &state.tools.turn => {
            if turn.asking_more {
                let rounds = state.tools.config.max_rounds;
                return (format!("{rounds} rounds of tool calls: y goes on · n stops"), false);
            }
            match crate::app::tools::asked(state) {
                Some((_, call)) => {
                    let name = crate::sanitize::one_line(&call.name, 40);
                    (format!("run {name}? y · a always · n · Esc"), false)
                }
                None => {
                    let spin = SPINNER[(state.frame % SPINNER.len() as u64) as usize];
                    (format!("running tools {spin} · Esc cancels"), false)
                }
            }
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
            meter(&state).join(" · ")
        };
        assert_eq!(shown(312, 0, Precision::Exact), "312/512 tok");
        assert_eq!(shown(312, 16, Precision::Calibrated), "312±16/512 tok");
        assert_eq!(shown(312, 78, Precision::Estimated), "≈312±78/512 tok");
    }
}

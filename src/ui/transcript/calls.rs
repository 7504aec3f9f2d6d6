//! A reply's tool calls in the transcript: each call's tool and server, its arguments as
//! pretty JSON, and what became of it: the question while it waits for the user, a note
//! while it runs, its result folded to its first lines (Ctrl+T unfolds, like reasoning).
//! Every string here came from a model or a server: names are one safe line, the rest is
//! sanitised before it is shown.

use ratatui::style::Style;
use ratatui::text::Line;

use super::message::indented;
use crate::chat::Message;
use crate::chat::tools::{CallState, Outcome, ToolCall};
use crate::sanitize::{one_line, sanitize};
use crate::ui::theme::Theme;
use crate::ui::wrap::wrap_text;

/// Argument lines shown while folded.
const FOLDED_ARGUMENTS: usize = 12;
/// Result lines shown while folded.
const FOLDED_RESULT: usize = 3;

pub(super) fn layout(
    message: &Message,
    width: usize,
    unfolded: bool,
    theme: &Theme,
    out: &mut Vec<Line<'static>>,
) {
    let first_asked = message.tool_calls.iter().position(|c| c.state == CallState::Asked);
    for (position, call) in message.tool_calls.iter().enumerate() {
        call_lines(call, first_asked == Some(position), width, unfolded, theme, out);
    }
}

fn call_lines(
    call: &ToolCall,
    asking: bool,
    width: usize,
    unfolded: bool,
    theme: &Theme,
    out: &mut Vec<Line<'static>>,
) {
    let name = one_line(&call.name, 80);
    let title = match &call.server {
        Some(server) => format!("⚙ {name} · {}", one_line(server, 40)),
        None => format!("⚙ {name}"),
    };
    out.push(indented(title, theme.assistant));
    let pretty = call.pretty_arguments();
    let arguments = sanitize(&pretty);
    let lines: Vec<&str> = arguments.lines().collect();
    let shown = if unfolded { lines.len() } else { lines.len().min(FOLDED_ARGUMENTS) };
    for line in &lines[..shown] {
        block(line, width, theme.code, out);
    }
    if shown < lines.len() {
        let more = lines.len() - shown;
        out.push(indented(
            format!("│ … {more} more line{} (Ctrl+T unfolds)", plural(more)),
            theme.dim,
        ));
    }
    match &call.state {
        CallState::Streaming => out.push(indented("… arriving".into(), theme.dim)),
        CallState::Asked if asking => out.push(indented(
            format!("? run {name}? y once · a always in this chat · n refuse · Esc stops"),
            theme.warning,
        )),
        CallState::Asked => out.push(indented("… waiting for your answer above".into(), theme.dim)),
        CallState::Running => out.push(indented("◐ running… (Esc cancels)".into(), theme.dim)),
        CallState::Done(result) => {
            let (mark, style) = match result.outcome {
                Outcome::Ok => ("↳", theme.text),
                Outcome::Refused | Outcome::Cancelled | Outcome::Interrupted => {
                    ("■", theme.warning)
                }
                _ => ("✗", theme.error),
            };
            let label = match result.outcome {
                Outcome::Ok => String::new(),
                other => format!("{}: ", other.as_str()),
            };
            let text = sanitize(&result.content);
            let lines: Vec<&str> = text.lines().collect();
            let shown = if unfolded { lines.len() } else { lines.len().min(FOLDED_RESULT) };
            for (n, line) in lines[..shown].iter().enumerate() {
                let prefix = if n == 0 { format!("{mark} {label}") } else { "  ".to_owned() };
                for row in wrap_text(&format!("{prefix}{line}"), width) {
                    out.push(indented(row, style));
                }
            }
            if lines.is_empty() {
                out.push(indented(format!("{mark} {label}(no output)"), style));
            }
            if shown < lines.len() {
                out.push(indented(
                    format!(
                        "  … {} lines, {} (Ctrl+T unfolds)",
                        lines.len(),
                        size(result.content.len())
                    ),
                    theme.dim,
                ));
            }
        }
    }
}

fn block(line: &str, width: usize, style: Style, out: &mut Vec<Line<'static>>) {
    for row in wrap_text(line, width.saturating_sub(2).max(1)) {
        out.push(indented(format!("│ {row}"), style));
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// "1.2 KB", "840 bytes": a result's size as people read it.
fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{b} bytes"),
    }
}

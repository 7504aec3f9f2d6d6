//! One message laid out into the transcript's lines: a header (who, pinned, branch,
//! images, reasoning folded or unfolded), the body, and a footer of notes (stopped, failed,
//! cut off, not sent). Laying out is incremental: finished text stays in the entry and only
//! the unfinished tail is laid out again while a reply streams.
//!
//! Replies are markdown; the user's own text is shown as typed, as aichat and elia do, so
//! a prompt with `*` or `#` in it reads as written.

use ratatui::text::{Line, Span};

use super::{INDENT, Lines, Placement};
use crate::chat::json::Checked;
use crate::chat::{FinishReason, Role};
use crate::chat::{Message, Status};
use crate::ui::markdown::{self, Progress};
use crate::ui::pictures::Pictures;
use crate::ui::theme::Theme;
use crate::ui::wrap::{wrap_paragraph, wrap_text};

const CURSOR: &str = "▌";

/// Brings `entry` up to date with `message`: kept lines are reused while the text only
/// grew, and everything is laid out afresh when it changed otherwise.
pub(super) fn layout(
    entry: &mut Lines,
    message: &Message,
    width: usize,
    (show_reasoning, show_usage): (bool, bool),
    theme: &Theme,
    pictures: &Pictures,
) {
    let faded = message.not_sent;
    let base = if faded { theme.text.patch(theme.not_sent) } else { theme.text };
    if entry.key != message.key
        || entry.faded != faded
        || message.content.len() < entry.body_upto.max(entry.markdown.upto)
        || !message.content.is_char_boundary(entry.markdown.upto)
        || (entry.finished && message.status == Status::Streaming)
        || message.hidden
        || message.json.is_some()
    {
        entry.body.clear();
        entry.body_upto = 0;
        entry.markdown = Progress::default();
    }
    entry.key = message.key;
    entry.faded = faded;
    if message.hidden {
        // Deleted: takes no lines at all.
        entry.head.clear();
        entry.tail.clear();
        entry.pictures.clear();
        return;
    }
    entry.pictures.clear();
    entry.head = header(message, width, show_reasoning, theme, (pictures, &mut entry.pictures));

    let content = &message.content;
    let streaming = message.status == Status::Streaming;
    entry.finished = !streaming;
    // A JSON reply that checked out is shown re-indented and highlighted, as a code block.
    let pretty = match &message.json {
        Some(Checked::Valid { pretty }) => Some(format!("```json\n{pretty}\n```")),
        _ => None,
    };
    let shown_text = pretty.as_deref().unwrap_or(content);
    let mut tail = if message.role == Role::Assistant {
        let mut committed = Vec::new();
        let rest = markdown::render_more(
            shown_text,
            !streaming,
            width,
            theme,
            &mut entry.markdown,
            &mut committed,
        );
        let shown = |line| indented_line(line, faded, theme);
        entry.body.extend(committed.into_iter().map(shown));
        rest.into_iter().map(shown).collect()
    } else {
        plain_body(entry, content, width, base)
    };
    if streaming {
        // Everything so far committed (a code line just ended): the cursor waits below.
        if tail.is_empty() {
            tail.push(indented(String::new(), base));
        }
        if let Some(last) = tail.last_mut() {
            last.spans.push(Span::styled(CURSOR, theme.cursor));
        }
    }
    let empty_reply =
        message.role == Role::Assistant && content.is_empty() && message.status == Status::Complete;
    if content.is_empty() && message.status != Status::Streaming {
        tail.clear();
        if empty_reply && message.tool_calls.is_empty() {
            tail.push(indented("(empty reply)".to_owned(), theme.dim));
        }
    }
    super::calls::layout(message, width, show_reasoning, theme, &mut tail);
    footer(message, width, theme, &mut tail);
    if show_usage && let Some(usage) = &message.usage {
        // A reply's usage as the server reported it, and its cost (or that it is unknown).
        let text = format!("↳ {}", crate::chat::price::usage_text(usage, message.cost));
        for row in wrap_text(&text, width) {
            tail.push(indented(row, theme.dim));
        }
    }
    tail.push(Line::default());
    entry.tail = tail;
}

/// Plain text: finished paragraphs are wrapped once and kept; returns the last one's rows.
fn plain_body(
    entry: &mut Lines,
    content: &str,
    width: usize,
    style: ratatui::style::Style,
) -> Vec<Line<'static>> {
    if let Some(newline) = content[entry.body_upto..].rfind('\n') {
        let done = entry.body_upto + newline;
        let mut rows = Vec::new();
        for paragraph in content[entry.body_upto..done].split('\n') {
            wrap_paragraph(paragraph, width, &mut rows);
        }
        entry.body.extend(rows.into_iter().map(|row| indented(row, style)));
        entry.body_upto = done + 1;
    }
    let mut rows = Vec::new();
    wrap_paragraph(&content[entry.body_upto..], width, &mut rows);
    rows.into_iter().map(|row| indented(row, style)).collect()
}

/// A markdown line behind the transcript's indent, faded with the message when it is.
fn indented_line(line: Line<'static>, faded: bool, theme: &Theme) -> Line<'static> {
    let mut spans = Vec::with_capacity(line.spans.len() + 1);
    spans.push(Span::raw(INDENT));
    for mut span in line.spans {
        if faded {
            span.style = span.style.patch(theme.not_sent);
        }
        spans.push(span);
    }
    Line::from(spans)
}

fn header(
    message: &Message,
    width: usize,
    show_reasoning: bool,
    theme: &Theme,
    (pictures, placed): (&Pictures, &mut Vec<Placement>),
) -> Vec<Line<'static>> {
    let mut title = match message.role {
        Role::User => Line::from(Span::styled("● You", theme.user)),
        Role::System => Line::from(Span::styled("● System", theme.dim)),
        Role::Tool => Line::from(Span::styled("● Tool", theme.dim)),
        // Sent as the assistant's, but the user's words: never taken for the model's.
        Role::Assistant if message.authored => {
            Line::from(Span::styled("◇ assistant turn, written by you", theme.user))
        }
        Role::Assistant => {
            let model = message.model.as_deref().unwrap_or("assistant");
            let label = match (&message.provider, message.show_provider) {
                (Some(provider), true) => format!("◆ {provider}/{model}"),
                _ => format!("◆ {model}"),
            };
            Line::from(Span::styled(label, theme.assistant))
        }
    };
    if message.pinned {
        title.spans.push(Span::styled("  ⚑ pinned", theme.warning));
    }
    if let Some((position, count)) = message.branch {
        title.spans.push(Span::styled(format!("  ‹ branch {position}/{count} ›"), theme.dim));
    }
    let mut lines = vec![title];
    for image in &message.images {
        // Drawn images get a box of known rows under their line (drawn into when decoded);
        // one that cannot be drawn says why on its line.
        let frame = image
            .picture()
            .zip(image.image_bytes())
            .and_then(|(picture, bytes)| Some((pictures.frame(picture, width)?, bytes)));
        match frame {
            Some((Ok(frame), bytes)) => {
                lines.push(indented(format!("▣ image: {}", image.label()), theme.dim));
                let rows = usize::from(frame.rows);
                placed.push(Placement { line: lines.len(), frame, bytes: bytes.clone() });
                lines.extend(std::iter::repeat_n(Line::default(), rows));
            }
            Some((Err(reason), _)) => {
                let label = format!("▣ image: {} (not drawn: {reason})", image.label());
                for row in wrap_text(&label, width) {
                    lines.push(indented(row, theme.dim));
                }
            }
            None => lines.push(indented(format!("▣ image: {}", image.label()), theme.dim)),
        }
        if message.images_not_sent {
            lines.push(indented("  not sent: this model does not take images".into(), theme.dim));
        }
    }
    for file in &message.files {
        lines.push(indented(format!("▤ file: {}", file.label()), theme.dim));
    }
    if message.reasoning.is_empty() {
        return lines;
    }
    if show_reasoning {
        lines.push(indented("▾ reasoning (Ctrl+T folds)".to_owned(), theme.reasoning));
        for row in wrap_text(message.reasoning.trim_end(), width.saturating_sub(2)) {
            lines.push(indented(format!("│ {row}"), theme.reasoning));
        }
    } else {
        let count = message.reasoning.trim_end().lines().count().max(1);
        let label = format!("▸ reasoning, {count} line{} (Ctrl+T unfolds)", plural(count));
        lines.push(indented(label, theme.reasoning));
    }
    lines
}

fn footer(message: &Message, width: usize, theme: &Theme, out: &mut Vec<Line<'static>>) {
    let mut note = |text: String, style| {
        for row in wrap_text(&text, width) {
            out.push(indented(row, style));
        }
    };
    match (&message.status, message.role) {
        (Status::Stopped, Role::User) => {
            note("■ stopped before a reply arrived; Ctrl+R retries".into(), theme.warning)
        }
        (Status::Stopped, _) => note("■ stopped".into(), theme.warning),
        (Status::Failed(error), role) => {
            note(format!("✗ {error}"), theme.error);
            if role == Role::Assistant && !message.content.is_empty() {
                note(
                    "↳ the text above is kept: Ctrl+O continues it, Ctrl+R asks again".into(),
                    theme.warning,
                );
            }
        }
        _ => {}
    }
    if let Some(Checked::Invalid(why)) = &message.json {
        note(format!("✗ JSON asked for (F4): {why}"), theme.error);
        if why.starts_with("not valid JSON") || why.starts_with("the reply is empty") {
            note(
                "↳ a server that ignores response_format answers in prose; Ctrl+R asks again"
                    .into(),
                theme.warning,
            );
        }
    }
    match &message.finish {
        Some(FinishReason::Length) => {
            note("⚠ cut off at the token limit; Ctrl+O continues".into(), theme.warning)
        }
        Some(FinishReason::ToolCalls) if message.tool_calls.is_empty() => note(
            "⚠ the model said it called a tool, but sent no call rockchat could read".into(),
            theme.warning,
        ),
        Some(reason) => {
            if let Some(text) = reason.notice() {
                note(format!("⚠ {text}"), theme.warning);
            }
        }
        None => {}
    }
    if message.folded {
        note(
            "↳ it got no reply: sent joined to the prompt after it (Tab, then d deletes it)".into(),
            theme.dim,
        );
    }
    if message.not_sent {
        note("⋯ not sent: older than what fits the model's context window".into(), theme.dim);
    }
}

pub(super) fn indented(row: String, style: ratatui::style::Style) -> Line<'static> {
    Line::from(vec![Span::raw(INDENT), Span::styled(row, style)])
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

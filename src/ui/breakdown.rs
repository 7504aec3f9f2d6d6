//! The context breakdown popup: the next request part by part, against the window and the
//! room kept for the reply. Draws what `app::breakdown` counted; counts nothing itself.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::layout::centered;
use super::popup::{block, clear};
use super::theme::Theme;
use super::wrap::width_of;
use crate::app::breakdown::{Breakdown, Part};
use crate::chat::tally::{Count, Precision};
use crate::format::tokens as short;

/// The rows as text: what, how many tokens, a note.
pub fn rows(breakdown: &Breakdown) -> Vec<(String, String, &'static str)> {
    let count = |count: Count| match count.precision {
        Precision::Exact => short(count.tokens),
        Precision::Calibrated => format!("{}±{}", short(count.tokens), short(count.spread)),
        Precision::Estimated => format!("≈{}±{}", short(count.tokens), short(count.spread)),
    };
    let part = |name: &str, part: Part| {
        let plural = if part.messages == 1 { "" } else { "s" };
        (format!("{name} ({} message{plural})", part.messages), count(part.tokens))
    };
    let mut rows = vec![("system message".to_owned(), count(breakdown.system), "")];
    let (pinned, tokens) = part("pinned", breakdown.pinned);
    rows.push((pinned, tokens, "never left out"));
    let (sent, tokens) = part("history sent", breakdown.sent);
    rows.push((sent, tokens, ""));
    if breakdown.draft.tokens > 0 {
        rows.push(("draft".to_owned(), count(breakdown.draft), ""));
    }
    rows.push(("next request".to_owned(), count(breakdown.total()), ""));
    let (not_sent, tokens) = part("not sent", breakdown.not_sent);
    rows.push((not_sent, tokens, "left out to fit"));
    match breakdown.limits {
        Some((window, reserve)) => {
            rows.push(("reserved for the reply".to_owned(), short(reserve), ""));
            rows.push(("free".to_owned(), breakdown.free().map(short).unwrap_or_default(), ""));
            rows.push(("window".to_owned(), short(window), ""));
        }
        None => rows.push(("window".to_owned(), "unknown".to_owned(), "nothing is left out")),
    }
    rows
}

pub fn render(frame: &mut Frame, area: Rect, breakdown: &Breakdown, theme: &Theme) {
    let rows = rows(breakdown);
    let name = rows.iter().map(|r| width_of(&r.0)).max().unwrap_or(0);
    let number = rows.iter().map(|r| width_of(&r.1)).max().unwrap_or(0);
    let note = rows.iter().map(|r| width_of(r.2) + 1).max().unwrap_or(0);
    // The notes go first when the terminal is too narrow for them.
    let notes = name + number + note + 6 <= usize::from(area.width);
    let lines: Vec<Line> = rows
        .iter()
        .map(|(what, tokens, why)| {
            let style = match what.as_str() {
                "next request" | "free" => theme.title,
                _ => theme.text,
            };
            let mut spans =
                vec![Span::styled(format!(" {what:<name$}  {tokens:>number$} "), style)];
            if notes && !why.is_empty() {
                spans.push(Span::styled(format!(" {why}"), theme.dim));
            }
            Line::from(spans)
        })
        .collect();
    let model = crate::sanitize::one_line(&breakdown.model, 40);
    let title = format!(" Context: {model}, in tokens ");
    // A border, a space, the name, two spaces, the count, a space, and the notes.
    let inner = name + number + 4 + if notes { note } else { 0 };
    let width = (inner + 2).max(width_of(&title) + 2) as u16;
    let rect = centered(area, width.min(area.width), (lines.len() as u16 + 2).min(area.height));
    let block = block(&title, theme).title_bottom(Line::from(" any key closes ").right_aligned());
    let inner = block.inner(rect);
    clear(frame, rect, theme);
    frame.render_widget(block, rect);
    frame.render_widget(Paragraph::new(lines), inner);
}

//! The prompts queued behind the reply in flight, one line each above the input, so what
//! will be sent next is always in sight. Reads the state's queue; never changes it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::theme::Theme;
use super::wrap::width_of;
use crate::app::queue::Queue;

/// At most this many queued prompts get a line; a last line counts the rest.
const SHOWN: usize = 3;

/// The rows the queue takes: none when it is empty.
pub fn rows(queue: &Queue) -> u16 {
    match queue.len() {
        0 => 0,
        n if n <= SHOWN => n as u16,
        _ => SHOWN as u16 + 1,
    }
}

pub fn render(frame: &mut Frame, area: Rect, queue: &Queue, theme: &Theme) {
    let width = usize::from(area.width);
    let verb = if queue.held { "held" } else { "queued" };
    let mut lines: Vec<Line> = Vec::new();
    for (n, queued) in queue.prompts.iter().take(SHOWN).enumerate() {
        let first = queued.text.lines().next().unwrap_or("");
        let images = match queued.images.len() {
            0 => String::new(),
            n => format!(" [+{n} image{}]", if n == 1 { "" } else { "s" }),
        };
        let label = format!(" ⧗ {verb} {}: ", n + 1);
        let room = width.saturating_sub(width_of(&label) + width_of(&images) + 1);
        lines.push(Line::from(vec![
            Span::styled(label, theme.dim),
            Span::styled(cut(first, room), theme.text),
            Span::styled(images, theme.dim),
        ]));
    }
    if queue.len() > SHOWN {
        lines.push(Line::styled(format!("   … and {} more", queue.len() - SHOWN), theme.dim));
    }
    for (row, line) in lines.into_iter().enumerate().take(usize::from(area.height)) {
        let rect = Rect::new(area.x, area.y + row as u16, area.width, 1);
        frame.render_widget(ratatui::widgets::Clear, rect);
        frame.render_widget(line, rect);
    }
}

/// `text` cut to `room` columns, with an ellipsis when it was longer.
fn cut(text: &str, room: usize) -> String {
    if width_of(text) <= room {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        if width_of(&out) + width_of(&c.to_string()) + 1 > room {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

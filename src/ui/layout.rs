//! Where each pane goes: the transcript above, the attachments going with the draft (a row
//! each, up to a few), the input (as many rows as the draft wraps to, up to a cap) and the
//! status line below.

use ratatui::layout::Rect;

/// The input grows with its wrapped rows up to this many, then scrolls inside.
const MAX_INPUT_ROWS: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panes {
    pub transcript: Rect,
    /// Just above the input; no rows when nothing is attached.
    pub attachments: Rect,
    pub input: Rect,
    pub status: Rect,
}

/// At most this many rows list the attachments; the last says how many more there are.
pub const MAX_ATTACHMENT_ROWS: usize = 4;

pub fn panes((width, height): (u16, u16), input_rows: usize) -> Panes {
    with_attachments((width, height), input_rows, 0)
}

/// `panes`, with `attachments` rows above the input (capped, and never more than a quarter
/// of the terminal).
pub fn with_attachments(
    (width, height): (u16, u16),
    input_rows: usize,
    attachments: usize,
) -> Panes {
    let attachment_rows = attachments.min(MAX_ATTACHMENT_ROWS).min(usize::from(height / 4)) as u16;
    // A short terminal keeps at least half its rows for the transcript.
    let cap = MAX_INPUT_ROWS.min(usize::from(height / 2).saturating_sub(2)).max(1);
    let input_rows = input_rows.clamp(1, cap) as u16 + 1; // + top border
    let status_rows = 1.min(height);
    let input_rows = input_rows.min(height.saturating_sub(status_rows));
    let attachment_rows = attachment_rows.min(height.saturating_sub(input_rows + status_rows));
    let transcript_rows = height.saturating_sub(input_rows + status_rows + attachment_rows);
    Panes {
        transcript: Rect::new(0, 0, width, transcript_rows),
        attachments: Rect::new(0, transcript_rows, width, attachment_rows),
        input: Rect::new(0, transcript_rows + attachment_rows, width, input_rows),
        status: Rect::new(0, transcript_rows + attachment_rows + input_rows, width, status_rows),
    }
}

/// A rectangle of at most `width` × `height`, centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(area.x + (area.width - width) / 2, area.y + (area.height - height) / 2, width, height)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_fill_the_terminal_and_input_grows_with_its_lines() {
        let one = panes((80, 24), 1);
        assert_eq!(one.transcript.height, 21);
        assert_eq!(one.input.height, 2);
        assert_eq!(one.status.y, 23);
        let many = panes((80, 24), 50);
        assert_eq!(many.input.height, 11);
        assert_eq!(many.transcript.height + many.input.height + many.status.height, 24);
    }

    #[test]
    fn a_tiny_terminal_does_not_underflow() {
        let tiny = panes((5, 1), 3);
        assert_eq!(tiny.transcript.height + tiny.input.height + tiny.status.height, 1);
    }
}

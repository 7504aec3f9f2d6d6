//! The text editors the app holds (the draft, the system message, a title being renamed):
//! ratatui-textarea's editing state, set up the way every rockchat editor behaves. The
//! screen draws them; only `update` edits them.

use ratatui::style::{Modifier, Style};
use ratatui_textarea::{TextArea, WrapMode};

/// An editor holding `lines`: soft-wrapped, no underline on the cursor line, and a hint
/// while empty.
pub fn new_textarea(lines: Vec<String>) -> TextArea<'static> {
    let mut textarea = TextArea::new(lines);
    textarea.set_wrap_mode(WrapMode::WordOrGlyph);
    textarea.set_cursor_line_style(Style::new());
    textarea.set_placeholder_text("Type a message. Enter sends, Alt+Enter or Ctrl+J adds a line.");
    textarea.set_placeholder_style(Style::new().add_modifier(Modifier::DIM));
    textarea
}

//! The input pane: a multi-line editor (ratatui-textarea) with a one-line key hint, and the
//! names of the images attached to the draft.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders};
use ratatui_textarea::TextArea;

use super::theme::Theme;
use crate::chat::attachment::Attachment;

/// The editor under a border that names the images going with the draft.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    input: &TextArea<'static>,
    attachments: &[Attachment],
    theme: &Theme,
) {
    let mut block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title_top(Line::from(" F1 help ").right_aligned());
    if !attachments.is_empty() {
        let names: Vec<String> = attachments.iter().map(Attachment::label).collect();
        let title = format!(" ▣ {} ", names.join(" · "));
        block = block.title_top(Line::styled(title, theme.user).left_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(input, inner);
}

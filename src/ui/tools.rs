//! The tools popup (F7): every configured MCP server with whether this conversation uses
//! it, how it stands (starting, ready with its tools, failed and why), how it is reached,
//! and its tools, each marked when it runs without asking. Names and descriptions come from
//! the servers: each is one safe line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::layout::centered;
use super::theme::Theme;
use crate::app::state::State;
use crate::app::tools::{Server, ToolsPopup, status_words};
use crate::sanitize::one_line;

pub fn render(frame: &mut Frame, area: Rect, state: &State, popup: &ToolsPopup, theme: &Theme) {
    let width = area.width.saturating_sub(4).clamp(20, 100);
    let text = (width as usize).saturating_sub(4);
    let tools = &state.tools;
    let mut lines = Vec::new();
    if tools.servers.is_empty() {
        lines.push(Line::styled(
            " No MCP servers: add an [mcp.NAME] table to the config.",
            theme.dim,
        ));
    }
    for (index, (name, server)) in tools.servers.iter().enumerate() {
        let on = tools.enabled.contains(name);
        let mark = if on { "[x]" } else { "[ ]" };
        let style = if index == popup.selected {
            theme.user.add_modifier(ratatui::style::Modifier::REVERSED)
        } else {
            theme.user
        };
        let status_style = match server {
            Server::Failed(_) => theme.error,
            Server::Ready(_) => theme.text,
            _ => theme.dim,
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {mark} {name} "), style),
            Span::styled(
                format!(
                    " {}",
                    one_line(&status_words(server), text.saturating_sub(name.len() + 6))
                ),
                status_style,
            ),
        ]));
        if let Some(config) = tools.config.servers.get(name) {
            lines.push(Line::styled(
                format!("     {}", one_line(&config.describe(), text.saturating_sub(5))),
                theme.dim,
            ));
        }
        if let Server::Ready(list) = server {
            let auto =
                tools.config.servers.get(name).map(|c| c.auto_approve.clone()).unwrap_or_default();
            for tool in list {
                let runs = if auto.contains(&tool.name) || tools.always.contains(&tool.name) {
                    " (runs without asking)"
                } else {
                    ""
                };
                let head = format!("     {}{runs}", one_line(&tool.name, 60));
                let room = text.saturating_sub(head.chars().count() + 3);
                let first = tool.description.lines().next().unwrap_or_default();
                let description = if room > 8 && !first.is_empty() {
                    format!(" — {}", one_line(first, room))
                } else {
                    String::new()
                };
                lines.push(Line::from(vec![
                    Span::styled(head, theme.text),
                    Span::styled(description, theme.dim),
                ]));
            }
        }
    }
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = centered(area, width, height);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(" Tools (MCP servers) ")
        .title_bottom(
            Line::from(" Space turns on/off for this chat · Up/Down · Esc closes ").right_aligned(),
        );
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

//! Colours and text styles, chosen once at start-up and passed to every widget.
//!
//! `NO_COLOR` gives a theme that uses only bold, dim, italic and reverse.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub user: Style,
    pub assistant: Style,
    pub text: Style,
    pub dim: Style,
    pub reasoning: Style,
    pub error: Style,
    pub warning: Style,
    pub status: Style,
    pub status_error: Style,
    pub border: Style,
    pub cursor: Style,
}

impl Theme {
    pub fn dark() -> Self {
        Self {
            user: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            assistant: Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
            text: Style::new(),
            dim: Style::new().add_modifier(Modifier::DIM),
            reasoning: Style::new().add_modifier(Modifier::DIM | Modifier::ITALIC),
            error: Style::new().fg(Color::Red),
            warning: Style::new().fg(Color::Yellow),
            status: Style::new().add_modifier(Modifier::REVERSED),
            status_error: Style::new().fg(Color::Red).add_modifier(Modifier::REVERSED),
            border: Style::new().fg(Color::DarkGray),
            cursor: Style::new().add_modifier(Modifier::SLOW_BLINK),
        }
    }

    pub fn monochrome() -> Self {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        Self {
            user: bold,
            assistant: bold,
            error: bold,
            warning: bold,
            status_error: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            border: Style::new(),
            ..Self::dark()
        }
    }

    /// Honours the `NO_COLOR` convention (any non-empty value).
    pub fn from_env(no_color: Option<&str>) -> Self {
        match no_color {
            Some(value) if !value.is_empty() => Self::monochrome(),
            _ => Self::dark(),
        }
    }
}

impl Default for Theme {
    fn default() -> Self {
        Self::dark()
    }
}

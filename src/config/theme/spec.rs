//! What a theme is: a style for every part of the screen and for every class of code, under
//! the names theme files use. Plain data, complete by construction: reading and checking a
//! file is `file`'s, turning the names into the screen's fields is `ui::theme`'s.

use ratatui::style::Style;

/// The parts of the screen a theme styles (`[styles]` in a theme file, and `[colors]` in the
/// config), in the order of [`ThemeSpec::styles`].
pub const STYLE_KEYS: [&str; 24] = [
    "screen",
    "text",
    "dim",
    "user",
    "assistant",
    "reasoning",
    "error",
    "warning",
    "not_sent",
    "cursor",
    "heading",
    "code",
    "link",
    "quote",
    "marker",
    "frame",
    "status",
    "status_error",
    "popup",
    "border",
    "title",
    "selection",
    "selection_bar",
    "search_match",
];

/// The classes code is highlighted by (`[syntax]` in a theme file), in the order of
/// [`ThemeSpec::syntax`]. `plain` is code in no class; the others are laid over it.
pub const SYNTAX_KEYS: [&str; 13] = [
    "plain",
    "comment",
    "string",
    "number",
    "constant",
    "keyword",
    "operator",
    "type",
    "function",
    "macro",
    "attribute",
    "tag",
    "punctuation",
];

/// A whole theme: a style for each of [`STYLE_KEYS`] and of [`SYNTAX_KEYS`], in their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ThemeSpec {
    pub styles: [Style; STYLE_KEYS.len()],
    pub syntax: [Style; SYNTAX_KEYS.len()],
}

impl ThemeSpec {
    /// The style of a part of the screen, by its name in [`STYLE_KEYS`].
    pub fn style(&self, key: &str) -> Option<Style> {
        STYLE_KEYS.iter().position(|known| *known == key).map(|index| self.styles[index])
    }
}

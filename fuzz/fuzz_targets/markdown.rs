//! The markdown renderer on any text: no panic, no control character in what reaches the
//! screen, and a reply streamed in two parts lays out exactly as the whole.
//!
//! The renderer, the theme, the wrapper, the sanitiser and the markdown block scanner are
//! compiled from ../src; `config` is a stand-in for the config types the theme names (with
//! the theme's keys compiled from ../src too), so the rest of the crate stays out of the build.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
mod config {
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub enum ThemeChoice {
        #[default]
        Auto,
        Fixed(Box<theme::ThemeSpec>),
    }

    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct ColorOverrides(pub std::collections::BTreeMap<&'static str, ratatui::style::Color>);

    /// The theme's keys and spec as they are; no shipped file is read (the fuzzed theme is
    /// built below).
    pub mod theme {
        pub use crate::theme_spec::*;

        pub fn shipped(_: &str) -> Option<Result<ThemeSpec, ()>> {
            None
        }
    }

    pub mod settings {
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct Palette {
            pub choice: super::ThemeChoice,
            pub dark: super::theme::ThemeSpec,
            pub light: super::theme::ThemeSpec,
            pub no_color: bool,
            pub light_background: Option<bool>,
            pub truecolor: bool,
            pub colors: super::ColorOverrides,
        }
    }
}

#[allow(dead_code)]
#[path = "../../src/config/theme/spec.rs"]
mod theme_spec;

#[allow(dead_code)]
#[path = "../../src/chat/markdown/mod.rs"]
pub mod chat_markdown;

/// Where the renderer finds the block scanner and the code blocks (`crate::chat::markdown`).
mod chat {
    pub use super::chat_markdown as markdown;
}

#[allow(dead_code, unused_imports)]
#[path = "../../src/ui/markdown/mod.rs"]
mod markdown;
/// What the renderer shows of invisible characters (`crate::sanitize`).
#[allow(dead_code)]
#[path = "../../src/sanitize.rs"]
pub mod sanitize;
#[allow(dead_code)]
#[path = "../../src/ui/theme.rs"]
pub mod theme;
#[allow(dead_code)]
#[path = "../../src/ui/wrap.rs"]
pub mod wrap;

/// Where the renderer looks for the theme and the wrapper (`crate::ui::theme`, `::wrap`).
mod ui {
    pub use super::{theme, wrap};
}

use markdown::Progress;
use theme::Theme;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Half the inputs with code highlighted, half (NO_COLOR's theme) without.
    let mut theme = Theme::monochrome();
    if data.len() % 2 == 0 {
        theme.syntax[1] = ratatui::style::Style::new().fg(ratatui::style::Color::Indexed(244));
    }
    let mut split = text.len() / 2;
    while !text.is_char_boundary(split) {
        split -= 1;
    }
    for width in [1, 9, 40, 120] {
        let whole = markdown::render(text, width, &theme);
        for line in &whole {
            for span in &line.spans {
                assert!(!span.content.chars().any(char::is_control), "{span:?}");
            }
        }
        let mut progress = Progress::default();
        let mut streamed = Vec::new();
        markdown::render_more(&text[..split], false, width, &theme, &mut progress, &mut streamed);
        let tail = markdown::render_more(text, true, width, &theme, &mut progress, &mut streamed);
        streamed.extend(tail);
        assert_eq!(streamed, whole, "split at {split}, width {width}");
    }
    let _ = chat::markdown::code_blocks(text);
});

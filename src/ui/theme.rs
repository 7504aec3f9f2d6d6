//! Colours and text styles, chosen once at start-up and passed to every widget.
//!
//! Two palettes, one for dark and one for light terminal backgrounds, picked by the config's
//! `theme` key or, for `auto`, from the terminal's own report (`COLORFGBG`). `NO_COLOR` gives
//! a theme that uses only bold, dim, italic, underline and reverse, so the UI stays usable.
//! Named ANSI colours are used on dark backgrounds (the terminal's palette knows best) and
//! 256-colour indices on light ones, where ANSI yellow and cyan are often unreadable.

use ratatui::style::{Color, Modifier, Style};

pub use crate::config::settings::Palette;
pub use crate::config::{ColorOverrides, ThemeChoice};

/// Which syntax-highlighting palette fenced code uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Dark,
    Light,
    /// No colours: code is shown plain.
    Off,
}

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
    /// Markdown: `#` headings (level 1 adds underline).
    pub heading: Style,
    /// Markdown: `inline code`.
    pub code: Style,
    /// Markdown: a link's text; its URL is shown after it in `dim`.
    pub link: Style,
    /// Markdown: block quote text and its bar.
    pub quote: Style,
    /// Markdown: list bullets and numbers.
    pub marker: Style,
    /// Markdown: a code block's frame and language label, table rules, horizontal rules.
    pub frame: Style,
    pub syntax: Syntax,
    /// The terminal shows 24-bit colour (`COLORTERM=truecolor`); otherwise highlighted code
    /// is brought to the 256-colour palette, which every colour terminal has.
    pub truecolor: bool,
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
            heading: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            code: Style::new().fg(Color::LightYellow),
            link: Style::new().fg(Color::LightBlue).add_modifier(Modifier::UNDERLINED),
            quote: Style::new().fg(Color::Gray).add_modifier(Modifier::ITALIC),
            marker: Style::new().fg(Color::Cyan),
            frame: Style::new().fg(Color::DarkGray),
            syntax: Syntax::Dark,
            truecolor: true,
        }
    }

    pub fn light() -> Self {
        let purple = Color::Indexed(90);
        let blue = Color::Indexed(25);
        let brown = Color::Indexed(130);
        let grey = Color::Indexed(244);
        Self {
            user: Style::new().fg(blue).add_modifier(Modifier::BOLD),
            assistant: Style::new().fg(purple).add_modifier(Modifier::BOLD),
            text: Style::new(),
            dim: Style::new().fg(grey),
            reasoning: Style::new().fg(grey).add_modifier(Modifier::ITALIC),
            error: Style::new().fg(Color::Indexed(124)),
            warning: Style::new().fg(brown),
            status: Style::new().add_modifier(Modifier::REVERSED),
            status_error: Style::new().fg(Color::Indexed(124)).add_modifier(Modifier::REVERSED),
            border: Style::new().fg(grey),
            cursor: Style::new().add_modifier(Modifier::SLOW_BLINK),
            heading: Style::new().fg(purple).add_modifier(Modifier::BOLD),
            code: Style::new().fg(Color::Indexed(124)),
            link: Style::new().fg(blue).add_modifier(Modifier::UNDERLINED),
            quote: Style::new().fg(Color::Indexed(240)).add_modifier(Modifier::ITALIC),
            marker: Style::new().fg(blue),
            frame: Style::new().fg(grey),
            syntax: Syntax::Light,
            truecolor: true,
        }
    }

    pub fn monochrome() -> Self {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let plain = Style::new();
        Self {
            user: bold,
            assistant: bold,
            error: bold,
            warning: bold,
            status_error: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            border: plain,
            heading: bold,
            code: Style::new().add_modifier(Modifier::REVERSED),
            link: Style::new().add_modifier(Modifier::UNDERLINED),
            quote: Style::new().add_modifier(Modifier::ITALIC),
            marker: plain,
            frame: plain,
            syntax: Syntax::Off,
            truecolor: true,
            ..Self::dark()
        }
    }

    /// The theme for a config choice, `NO_COLOR` and what the terminal says of its
    /// background (`COLORFGBG`, or its answer to a colour query): `NO_COLOR` (any non-empty
    /// value) wins; `auto` is light only when the terminal says so.
    pub fn resolve(choice: ThemeChoice, no_color: Option<&str>, light: Option<bool>) -> Self {
        if no_color.is_some_and(|value| !value.is_empty()) {
            return Self::monochrome();
        }
        let light = match choice {
            ThemeChoice::Dark => false,
            ThemeChoice::Light => true,
            ThemeChoice::Auto => light.unwrap_or(false),
        };
        if light { Self::light() } else { Self::dark() }
    }

    /// The theme `palette` describes: its choice for the terminal's background, its depth
    /// of colour, the user's `[colors]` over it; no colour at all under `NO_COLOR`.
    pub fn from_palette(palette: &Palette) -> Self {
        let no_color = palette.no_color.then_some("1");
        let mut theme = Self::resolve(palette.choice, no_color, palette.light_background);
        theme.truecolor = palette.truecolor;
        theme.with_colors(&palette.colors)
    }

    /// The user's `[colors]` over this theme; a monochrome theme stays monochrome.
    pub fn with_colors(mut self, colors: &ColorOverrides) -> Self {
        if self.syntax == Syntax::Off {
            return self;
        }
        for (&key, &colour) in &colors.0 {
            let style = match key {
                "user" => &mut self.user,
                "assistant" => &mut self.assistant,
                "error" => &mut self.error,
                "warning" => &mut self.warning,
                "border" => &mut self.border,
                "heading" => &mut self.heading,
                "code" => &mut self.code,
                "link" => &mut self.link,
                "quote" => &mut self.quote,
                "marker" => &mut self.marker,
                "frame" => &mut self.frame,
                _ => continue,
            };
            *style = style.fg(colour);
        }
        self
    }
}

impl Default for Theme {
    fn default() -> Self {
        Self::dark()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colorfgbg_background_decides_auto() {
        let light = Theme::resolve(ThemeChoice::Auto, None, Some(true));
        assert_eq!(light, Theme::light());
        assert_eq!(Theme::resolve(ThemeChoice::Auto, None, None), Theme::dark());
        assert_eq!(Theme::resolve(ThemeChoice::Dark, None, Some(true)), Theme::dark());
        assert_eq!(Theme::resolve(ThemeChoice::Light, None, None), Theme::light());
    }

    #[test]
    fn no_color_wins_and_keeps_only_modifiers() {
        let theme = Theme::resolve(ThemeChoice::Light, Some("1"), Some(true));
        assert_eq!(theme, Theme::monochrome());
        assert_eq!(theme.syntax, Syntax::Off);
        let styles = [
            theme.user,
            theme.assistant,
            theme.text,
            theme.dim,
            theme.reasoning,
            theme.error,
            theme.warning,
            theme.status,
            theme.status_error,
            theme.border,
            theme.cursor,
            theme.heading,
            theme.code,
            theme.link,
            theme.quote,
            theme.marker,
            theme.frame,
        ];
        for style in styles {
            assert_eq!((style.fg, style.bg), (None, None), "{style:?}");
        }
        let mut colors = ColorOverrides::default();
        colors.0.insert("heading", Color::Indexed(208));
        assert_eq!(theme.with_colors(&colors), theme, "NO_COLOR beats [colors]");
        let dark = Theme::dark().with_colors(&colors);
        assert_eq!(dark.heading, Style::new().fg(Color::Indexed(208)).add_modifier(Modifier::BOLD));
        // An empty NO_COLOR is the same as unset.
        assert_eq!(Theme::resolve(ThemeChoice::Dark, Some(""), None), Theme::dark());
    }

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn theme_follows_the_terminal_unless_the_config_or_no_color_says_otherwise() {
        use crate::config::Config;
        use crate::config::settings::{Overrides, resolve};
        let auto = Config::defaults().unwrap();
        let theme = |config: &Config, env| {
            Theme::from_palette(&resolve(config, &Overrides::default(), env).unwrap().palette)
        };
        let full = env_of(&[("COLORTERM", "truecolor")]);
        assert_eq!(theme(&auto, full), Theme::dark());
        assert!(!theme(&auto, env_of(&[])).truecolor, "no COLORTERM: the 256-colour palette");
        let light = env_of(&[("COLORFGBG", "0;15"), ("COLORTERM", "24bit")]);
        assert_eq!(theme(&auto, light), Theme::light());
        let no_color = env_of(&[("COLORFGBG", "0;15"), ("NO_COLOR", "1")]);
        assert_eq!(theme(&auto, no_color).syntax, Theme::monochrome().syntax);
        let dark = Config::from_toml("theme = \"dark\"", std::path::Path::new("c.toml")).unwrap();
        let light_terminal = env_of(&[("COLORFGBG", "0;15"), ("COLORTERM", "truecolor")]);
        assert_eq!(theme(&dark, light_terminal), Theme::dark());
        // The terminal's own answer counts when no variable says; COLORFGBG wins over it.
        let answered = Overrides { terminal_is_light: Some(true), ..Overrides::default() };
        let full = env_of(&[("COLORTERM", "truecolor")]);
        assert_eq!(
            Theme::from_palette(&resolve(&auto, &answered, full).unwrap().palette),
            Theme::light()
        );
        let dark_vars = env_of(&[("COLORFGBG", "15;0"), ("COLORTERM", "truecolor")]);
        assert_eq!(
            Theme::from_palette(&resolve(&auto, &answered, dark_vars).unwrap().palette),
            Theme::dark()
        );
    }
}

//! Colours and text styles, chosen once at start-up and passed to every widget.
//!
//! A theme is a theme file's styles (`config::theme`: a shipped one or the user's own),
//! picked by the config's `theme` or, for `auto`, by what the terminal says of its
//! background, with the user's `[colors]` laid over it. `NO_COLOR` gives a theme that uses
//! only bold, dim, italic, underline and reverse, so the UI stays usable. Without 24-bit
//! colour (`COLORTERM`) every `#rrggbb` is brought to the nearest colour of the 256-colour
//! palette, which every colour terminal has. It never reads a file or the environment: the
//! palette brings what they said.

use std::sync::LazyLock;

use ratatui::style::{Color, Modifier, Style};

pub use crate::config::settings::Palette;
use crate::config::theme::{STYLE_KEYS, SYNTAX_KEYS, ThemeSpec, shipped};
pub use crate::config::{ColorOverrides, ThemeChoice};

/// One style per part of the screen; the names are the theme file's keys, explained in
/// `assets/themes/dark.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Painted under everything: the screen's own foreground and background, if any.
    pub screen: Style,
    pub text: Style,
    pub dim: Style,
    pub user: Style,
    pub assistant: Style,
    pub reasoning: Style,
    pub error: Style,
    pub warning: Style,
    /// Laid over the text of messages left out of the request.
    pub not_sent: Style,
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
    pub status: Style,
    pub status_error: Style,
    /// Painted under a popup, over `screen`.
    pub popup: Style,
    pub border: Style,
    pub title: Style,
    /// The selected row of a list, the header of the selected message.
    pub selection: Style,
    /// The `▌` beside what is selected.
    pub selection_bar: Style,
    pub search_match: Style,
    /// Fenced code, by class in the order of [`SYNTAX_KEYS`]: `plain` first, the others
    /// laid over it.
    pub syntax: [Style; SYNTAX_KEYS.len()],
}

static DARK: LazyLock<Theme> = LazyLock::new(|| Theme::shipped("dark"));
static LIGHT: LazyLock<Theme> = LazyLock::new(|| Theme::shipped("light"));

impl Theme {
    /// The shipped dark theme, for a terminal with a dark background.
    pub fn dark() -> Self {
        *DARK
    }

    /// The shipped light theme, for a terminal with a light background.
    pub fn light() -> Self {
        *LIGHT
    }

    /// A shipped theme by name; monochrome for a name that is none or a file that does not
    /// load, which a test proves no shipped file does.
    pub fn shipped(name: &str) -> Self {
        match shipped(name) {
            Some(Ok(spec)) => Self::from_spec(&spec),
            _ => Self::monochrome(),
        }
    }

    /// No colour at all: what `NO_COLOR` asks for. Code is shown plain.
    pub fn monochrome() -> Self {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let dim = Style::new().add_modifier(Modifier::DIM);
        let reversed = Style::new().add_modifier(Modifier::REVERSED);
        Self {
            dim,
            user: bold,
            assistant: bold,
            reasoning: dim.add_modifier(Modifier::ITALIC),
            error: bold,
            warning: bold,
            not_sent: dim,
            cursor: Style::new().add_modifier(Modifier::SLOW_BLINK),
            heading: bold,
            code: reversed,
            link: Style::new().add_modifier(Modifier::UNDERLINED),
            quote: Style::new().add_modifier(Modifier::ITALIC),
            status: reversed,
            status_error: reversed.add_modifier(Modifier::BOLD),
            selection: bold.add_modifier(Modifier::REVERSED),
            selection_bar: bold,
            search_match: bold.add_modifier(Modifier::REVERSED),
            ..Self::blank()
        }
    }

    /// Every style empty: the terminal's own.
    fn blank() -> Self {
        let plain = Style::new();
        Self {
            screen: plain,
            text: plain,
            dim: plain,
            user: plain,
            assistant: plain,
            reasoning: plain,
            error: plain,
            warning: plain,
            not_sent: plain,
            cursor: plain,
            heading: plain,
            code: plain,
            link: plain,
            quote: plain,
            marker: plain,
            frame: plain,
            status: plain,
            status_error: plain,
            popup: plain,
            border: plain,
            title: plain,
            selection: plain,
            selection_bar: plain,
            search_match: plain,
            syntax: [plain; SYNTAX_KEYS.len()],
        }
    }

    /// The theme a theme file describes.
    pub fn from_spec(spec: &ThemeSpec) -> Self {
        let mut theme = Self { syntax: spec.syntax, ..Self::blank() };
        for (key, style) in STYLE_KEYS.iter().zip(spec.styles) {
            if let Some(slot) = theme.slot(key) {
                *slot = style;
            }
        }
        theme
    }

    /// The theme `palette` describes: its choice for the terminal's background, the user's
    /// `[colors]` over it, brought to the terminal's depth of colour; no colour at all under
    /// `NO_COLOR`.
    pub fn from_palette(palette: &Palette) -> Self {
        if palette.no_color {
            return Self::monochrome();
        }
        let spec = match &palette.choice {
            ThemeChoice::Fixed(spec) => spec,
            ThemeChoice::Auto if palette.light_background == Some(true) => &palette.light,
            ThemeChoice::Auto => &palette.dark,
        };
        let theme = Self::from_spec(spec).with_colors(&palette.colors);
        if palette.truecolor { theme } else { theme.in_256_colours() }
    }

    /// The user's `[colors]` over this theme: each replaces its part's foreground.
    pub fn with_colors(mut self, colors: &ColorOverrides) -> Self {
        for (key, &colour) in &colors.0 {
            if let Some(slot) = self.slot(key) {
                *slot = slot.fg(colour);
            }
        }
        self
    }

    /// Every `#rrggbb` replaced by the nearest colour of the 256-colour palette; named and
    /// indexed colours are the terminal's own and stay.
    pub fn in_256_colours(mut self) -> Self {
        for key in STYLE_KEYS {
            if let Some(slot) = self.slot(key) {
                *slot = indexed(*slot);
            }
        }
        for style in &mut self.syntax {
            *style = indexed(*style);
        }
        self
    }

    /// Whether fenced code is coloured at all: a theme whose classes are all plain (as
    /// `NO_COLOR`'s) skips the highlighter.
    pub fn highlights_code(&self) -> bool {
        self.syntax.iter().any(|style| *style != Style::new())
    }

    /// The style a theme file's `[styles]` key sets.
    fn slot(&mut self, key: &str) -> Option<&mut Style> {
        Some(match key {
            "screen" => &mut self.screen,
            "text" => &mut self.text,
            "dim" => &mut self.dim,
            "user" => &mut self.user,
            "assistant" => &mut self.assistant,
            "reasoning" => &mut self.reasoning,
            "error" => &mut self.error,
            "warning" => &mut self.warning,
            "not_sent" => &mut self.not_sent,
            "cursor" => &mut self.cursor,
            "heading" => &mut self.heading,
            "code" => &mut self.code,
            "link" => &mut self.link,
            "quote" => &mut self.quote,
            "marker" => &mut self.marker,
            "frame" => &mut self.frame,
            "status" => &mut self.status,
            "status_error" => &mut self.status_error,
            "popup" => &mut self.popup,
            "border" => &mut self.border,
            "title" => &mut self.title,
            "selection" => &mut self.selection,
            "selection_bar" => &mut self.selection_bar,
            "search_match" => &mut self.search_match,
            _ => return None,
        })
    }
}

impl Default for Theme {
    fn default() -> Self {
        Self::dark()
    }
}

/// `style` with its 24-bit colours brought to the 256-colour palette.
fn indexed(style: Style) -> Style {
    let to_256 = |colour: Option<Color>| match colour {
        Some(Color::Rgb(r, g, b)) => Some(Color::Indexed(xterm_256(r, g, b))),
        other => other,
    };
    Style { fg: to_256(style.fg), bg: to_256(style.bg), ..style }
}

/// The nearest colour of the xterm 256-colour palette: its 6x6x6 cube (levels 0, 95, 135,
/// 175, 215, 255) or its 24-step grey ramp (8, 18, …, 238), whichever is closer.
pub fn xterm_256(r: u8, g: u8, b: u8) -> u8 {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let nearest_level =
        |v: u8| (0..6).min_by_key(|&i| (i32::from(LEVELS[i]) - i32::from(v)).abs()).unwrap_or(0);
    let (ri, gi, bi) = (nearest_level(r), nearest_level(g), nearest_level(b));
    let cube = (LEVELS[ri], LEVELS[gi], LEVELS[bi]);
    let average = (u32::from(r) + u32::from(g) + u32::from(b)) / 3;
    let grey_step = (average.saturating_sub(3) / 10).min(23) as u8;
    let grey = 8 + 10 * grey_step;
    let distance = |(x, y, z): (u8, u8, u8)| {
        let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
        d(x, r) + d(y, g) + d(z, b)
    };
    if distance((grey, grey, grey)) < distance(cube) {
        232 + grey_step
    } else {
        16 + 36 * ri as u8 + 6 * gi as u8 + bi as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::config::settings::{Overrides, resolve};
    use crate::config::theme::SHIPPED;

    fn spec(name: &str) -> ThemeSpec {
        shipped(name).unwrap().unwrap()
    }

    /// The styles in the order of `STYLE_KEYS`.
    fn fields(theme: &Theme) -> [Style; STYLE_KEYS.len()] {
        [
            theme.screen,
            theme.text,
            theme.dim,
            theme.user,
            theme.assistant,
            theme.reasoning,
            theme.error,
            theme.warning,
            theme.not_sent,
            theme.cursor,
            theme.heading,
            theme.code,
            theme.link,
            theme.quote,
            theme.marker,
            theme.frame,
            theme.status,
            theme.status_error,
            theme.popup,
            theme.border,
            theme.title,
            theme.selection,
            theme.selection_bar,
            theme.search_match,
        ]
    }

    fn colours(theme: &Theme) -> Vec<Color> {
        let styles = fields(theme).into_iter().chain(theme.syntax);
        styles.flat_map(|style| [style.fg, style.bg]).flatten().collect()
    }

    #[test]
    fn every_key_of_a_theme_file_reaches_its_own_part_of_the_screen() {
        let mut spec = ThemeSpec::default();
        for (index, style) in spec.styles.iter_mut().enumerate() {
            *style = Style::new().fg(Color::Indexed(index as u8));
        }
        for (index, style) in spec.syntax.iter_mut().enumerate() {
            *style = Style::new().bg(Color::Indexed(index as u8));
        }
        let theme = Theme::from_spec(&spec);
        assert_eq!(fields(&theme), spec.styles);
        assert_eq!(theme.syntax, spec.syntax);
    }

    fn palette(choice: ThemeChoice, light_background: Option<bool>) -> Palette {
        Palette {
            choice,
            dark: spec("dark"),
            light: spec("light"),
            light_background,
            truecolor: true,
            ..Palette::default()
        }
    }

    #[test]
    fn auto_picks_the_light_theme_only_when_the_terminal_says_its_background_is_light() {
        let auto = |light| Theme::from_palette(&palette(ThemeChoice::Auto, light));
        assert_eq!(auto(Some(true)), Theme::light());
        assert_eq!(auto(Some(false)), Theme::dark());
        assert_eq!(auto(None), Theme::dark());
        let gruvbox = ThemeChoice::Fixed(Box::new(spec("gruvbox")));
        let fixed = Theme::from_palette(&palette(gruvbox, Some(true)));
        assert_eq!(fixed, Theme::shipped("gruvbox"), "a named theme ignores the background");
        assert_ne!(fixed, Theme::dark());
        // The pair auto picks from is the config's.
        let solarized = Palette {
            dark: spec("solarized-dark"),
            light: spec("solarized-light"),
            ..palette(ThemeChoice::Auto, Some(true))
        };
        assert_eq!(Theme::from_palette(&solarized), Theme::shipped("solarized-light"));
    }

    #[test]
    fn no_color_wins_over_any_theme_and_the_colour_overrides() {
        let mut colors = ColorOverrides::default();
        colors.0.insert("heading", Color::Indexed(208));
        for (name, _) in SHIPPED {
            let palette = Palette {
                no_color: true,
                colors: colors.clone(),
                ..palette(ThemeChoice::Fixed(Box::new(spec(name))), None)
            };
            let theme = Theme::from_palette(&palette);
            assert_eq!(theme, Theme::monochrome(), "{name}");
            assert_eq!(colours(&theme), [], "{name}: only bold, dim, italic, underline, reverse");
            assert!(!theme.highlights_code());
        }
    }

    #[test]
    fn colour_overrides_replace_only_the_foreground_of_their_part() {
        let mut colors = ColorOverrides::default();
        colors.0.insert("heading", Color::Indexed(208));
        colors.0.insert("selection", Color::Rgb(1, 2, 3));
        let theme = Theme::from_palette(&Palette { colors, ..palette(ThemeChoice::Auto, None) });
        let dark = Theme::dark();
        assert_eq!(
            theme.heading,
            Style::new().fg(Color::Indexed(208)).add_modifier(Modifier::BOLD)
        );
        assert_eq!(theme.selection, dark.selection.fg(Color::Rgb(1, 2, 3)));
        assert_eq!(Theme { heading: dark.heading, selection: dark.selection, ..theme }, dark);
    }

    #[test]
    fn without_truecolor_every_colour_of_every_theme_is_one_the_256_colour_palette_has() {
        for (name, _) in SHIPPED {
            let full =
                Theme::from_palette(&palette(ThemeChoice::Fixed(Box::new(spec(name))), None));
            let palette = Palette {
                truecolor: false,
                ..palette(ThemeChoice::Fixed(Box::new(spec(name))), None)
            };
            let reduced = Theme::from_palette(&palette);
            for colour in colours(&reduced) {
                assert!(!matches!(colour, Color::Rgb(..)), "{name}: {colour:?}");
            }
            assert_eq!(colours(&full).len(), colours(&reduced).len(), "{name}");
            if name != "dark" && name != "light" {
                assert!(colours(&full).iter().all(|c| matches!(c, Color::Rgb(..))), "{name}");
            }
        }
        let gruvbox = Theme::shipped("gruvbox").in_256_colours();
        assert_eq!(gruvbox.screen.bg, Some(Color::Indexed(235)), "#282828 is grey 235");
    }

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn theme_follows_the_terminal_unless_the_config_or_no_color_says_otherwise() {
        let auto = Config::defaults().unwrap();
        let theme = |config: &Config, env| {
            Theme::from_palette(&resolve(config, &Overrides::default(), env).unwrap().palette)
        };
        let full = env_of(&[("COLORTERM", "truecolor")]);
        assert_eq!(theme(&auto, full), Theme::dark());
        assert_eq!(theme(&auto, env_of(&[])), Theme::dark().in_256_colours(), "no COLORTERM");
        let light = env_of(&[("COLORFGBG", "0;15"), ("COLORTERM", "24bit")]);
        assert_eq!(theme(&auto, light), Theme::light());
        let no_color = env_of(&[("COLORFGBG", "0;15"), ("NO_COLOR", "1")]);
        assert_eq!(theme(&auto, no_color), Theme::monochrome());
        let empty_no_color = env_of(&[("NO_COLOR", ""), ("COLORTERM", "truecolor")]);
        assert_eq!(theme(&auto, empty_no_color), Theme::dark(), "an empty NO_COLOR is unset");
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

    #[test]
    fn rgb_colours_map_to_the_nearest_of_the_xterm_palette() {
        assert_eq!(xterm_256(0, 0, 0), 16);
        assert_eq!(xterm_256(255, 255, 255), 231);
        assert_eq!(xterm_256(255, 0, 0), 196);
        assert_eq!(xterm_256(95, 135, 175), 67);
        assert_eq!(xterm_256(128, 128, 128), 244, "greys use the grey ramp");
        assert_eq!(xterm_256(192, 197, 206), 251, "base16-ocean's foreground, a light grey");
    }
}

//! Code blocks: a language label line, then the code highlighted with syntect, one source
//! line at a time so a block still streaming can be continued from where it stopped.
//!
//! The syntax and theme sets are loaded once, on first use or by [`warm_up`] off the UI
//! thread. The highlighter state is a plain value (`Highlight`), cloned to render a
//! half-received line without disturbing it. Unknown languages, `NO_COLOR` and any
//! highlighting error give plain code, never a failure.

use std::sync::LazyLock;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;
use syntect::highlighting::{FontStyle, HighlightIterator, HighlightState, Highlighter, ThemeSet};
use syntect::parsing::{ParseState, ScopeStack, SyntaxSet};

use super::text::clean;
use crate::sanitize::reveal_invisible;
use crate::ui::theme::{Syntax, Theme};
use crate::ui::wrap::wrap_hard;

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);
static THEMES: LazyLock<ThemeSet> = LazyLock::new(ThemeSet::load_defaults);
static DARK: LazyLock<Option<Highlighter<'static>>> =
    LazyLock::new(|| THEMES.themes.get(DARK_THEME).map(Highlighter::new));
static LIGHT: LazyLock<Option<Highlighter<'static>>> =
    LazyLock::new(|| THEMES.themes.get(LIGHT_THEME).map(Highlighter::new));

const DARK_THEME: &str = "base16-ocean.dark";
const LIGHT_THEME: &str = "InspiredGitHub";
/// A longer line (minified code, a data dump) is shown plain, with the rest of its block:
/// regex highlighting of one huge line could stall a frame.
const MAX_HIGHLIGHTED_LINE: usize = 2_000;

/// Loads the syntax and theme sets on a background thread so the first code block drawn
/// does not wait for them (about 20 ms in a release build, more in debug).
pub fn warm_up() {
    std::thread::spawn(|| {
        LazyLock::force(&SYNTAXES);
        LazyLock::force(&DARK);
        LazyLock::force(&LIGHT);
    });
}

/// Where highlighting of one block has got to.
#[derive(Debug, Clone)]
pub struct Highlight {
    parse: ParseState,
    highlight: HighlightState,
    highlighter: &'static Highlighter<'static>,
    truecolor: bool,
}

impl PartialEq for Highlight {
    fn eq(&self, other: &Self) -> bool {
        self.parse == other.parse && self.highlight == other.highlight
    }
}

/// The highlighter for a block, or `None` to show it plain.
pub fn start(lang: Option<&str>, theme: &Theme) -> Option<Highlight> {
    let highlighter = match theme.syntax {
        Syntax::Off => return None,
        Syntax::Dark => DARK.as_ref()?,
        Syntax::Light => LIGHT.as_ref()?,
    };
    let syntax = SYNTAXES.find_syntax_by_token(lang?)?;
    Some(Highlight {
        parse: ParseState::new(syntax),
        highlight: HighlightState::new(highlighter, ScopeStack::new()),
        highlighter,
        truecolor: theme.truecolor,
    })
}

/// The line above a block's code: `╭─ rust`, or `╭─ code` when no language is given.
pub fn label(lang: Option<&str>, theme: &Theme) -> Vec<Span<'static>> {
    vec![
        Span::styled("╭─ ", theme.frame),
        Span::styled(lang.unwrap_or("code").to_owned(), theme.frame.add_modifier(Modifier::BOLD)),
    ]
}

/// One source line of code (without its newline) as rows of at most `width` columns, each
/// behind the block's bar. Advances `state` past the line.
pub fn line(
    state: &mut Option<Highlight>,
    source: &str,
    width: usize,
    theme: &Theme,
    rows: &mut Vec<Vec<Span<'static>>>,
) {
    let bar = Span::styled("│ ", theme.frame);
    let width = width.saturating_sub(2).max(1);
    let pieces = match state {
        Some(highlight) if source.len() <= MAX_HIGHLIGHTED_LINE => {
            highlight_line(highlight, source)
        }
        _ => None,
    };
    let pieces = match pieces {
        Some(pieces) => pieces,
        None => {
            // A failure leaves the rest of the block plain rather than half-coloured.
            *state = None;
            vec![(reveal_invisible(&clean(source)).into_owned(), Style::new())]
        }
    };
    for row in wrap_hard(&pieces, width) {
        let mut spans = Vec::with_capacity(row.len() + 1);
        spans.push(bar.clone());
        spans.extend(row);
        rows.push(spans);
    }
}

fn highlight_line(state: &mut Highlight, source: &str) -> Option<Vec<(String, Style)>> {
    let mut with_newline = String::with_capacity(source.len() + 1);
    with_newline.push_str(source);
    with_newline.push('\n');
    let ops = state.parse.parse_line(&with_newline, &SYNTAXES).ok()?;
    let pieces =
        HighlightIterator::new(&mut state.highlight, &ops, &with_newline, state.highlighter)
            .map(|(style, text)| {
                let text = clean(text.trim_end_matches('\n'));
                (reveal_invisible(&text).into_owned(), convert(style, state.truecolor))
            })
            .filter(|(text, _)| !text.is_empty())
            .collect();
    Some(pieces)
}

/// Foreground and font only: the terminal's own background stays, so blocks sit in the
/// transcript rather than on a painted rectangle.
fn convert(style: syntect::highlighting::Style, truecolor: bool) -> Style {
    let colour = style.foreground;
    let fg = if truecolor {
        Color::Rgb(colour.r, colour.g, colour.b)
    } else {
        Color::Indexed(xterm_256(colour.r, colour.g, colour.b))
    };
    let mut out = Style::new().fg(fg);
    if style.font_style.contains(FontStyle::BOLD) {
        out = out.add_modifier(Modifier::BOLD);
    }
    if style.font_style.contains(FontStyle::ITALIC) {
        out = out.add_modifier(Modifier::ITALIC);
    }
    out
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

//! Code blocks: a language label line, then the code highlighted with syntect, one source
//! line at a time so a block still streaming can be continued from where it stopped.
//!
//! Colours come from the theme, by class of code (`[syntax]` in a theme file: comment,
//! string, keyword…); syntect's grammars say which class each piece is in. The syntaxes are
//! loaded once, on first use or by [`warm_up`] off the UI thread; while that warm-up runs,
//! code is drawn plain (the screen lays it out again when it is done). The highlighter state is a
//! plain value (`Highlight`), cloned to render a half-received line without disturbing it.
//! Unknown languages, `NO_COLOR` and any highlighting error give plain code, never a
//! failure.

use std::str::FromStr;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, Ordering};

use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use syntect::highlighting::{
    Color as ClassColour, HighlightIterator, HighlightState, Highlighter, ScopeSelectors,
    StyleModifier, Theme as ClassTheme, ThemeItem, ThemeSettings,
};
use syntect::parsing::{ParseState, ScopeStack, SyntaxSet};

use super::text::clean;
use crate::config::theme::SYNTAX_KEYS;
use crate::sanitize::reveal_invisible;
use crate::ui::theme::Theme;
use crate::ui::wrap::wrap_hard;

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);
/// A syntect theme whose only use is to say which class each piece of code is in: class
/// `i` of [`SYNTAX_KEYS`] is "coloured" `(i, 0, 0)`, and the theme's own style for the
/// class replaces that colour. One highlighter serves every theme.
static CLASSES: LazyLock<ClassTheme> = LazyLock::new(classes);
static HIGHLIGHTER: LazyLock<Highlighter<'static>> = LazyLock::new(|| Highlighter::new(&CLASSES));

/// A longer line (minified code, a data dump) is shown plain, with the rest of its block:
/// regex highlighting of one huge line could stall a frame.
const MAX_HIGHLIGHTED_LINE: usize = 2_000;

/// Set by [`warm_up`]: from then on, code drawn before the syntaxes are ready is drawn
/// plain rather than waiting for them.
static WARMING: AtomicBool = AtomicBool::new(false);
static READY: AtomicBool = AtomicBool::new(false);

/// Grammars compiled by the warm-up too (syntect compiles a grammar's patterns on first
/// use: tens of milliseconds for Rust), so the first block in one does not stall a frame.
const COMMON: &[&str] = &["rust", "python", "js", "sh", "json", "c", "go", "java"];

/// Loads the syntaxes (and compiles the common grammars) on a background thread, so that
/// neither the first frame nor the first code block waits for them; `ready` is called when
/// they are, for the screen to draw again with its code highlighted.
pub fn warm_up(ready: impl FnOnce() + Send + 'static) {
    WARMING.store(true, Ordering::Release);
    std::thread::spawn(move || {
        LazyLock::force(&HIGHLIGHTER);
        for lang in COMMON {
            if let Some(syntax) = SYNTAXES.find_syntax_by_token(lang) {
                let mut parse = ParseState::new(syntax);
                let _ = parse.parse_line("let x = \"a\"; // b\n", &SYNTAXES);
            }
        }
        READY.store(true, Ordering::Release);
        ready();
    });
}

/// Whether code is highlighted now: once the warm-up is done, and always when nothing warms
/// the syntaxes up (tests and benches, where the first block loads them and waits).
pub fn highlighting() -> bool {
    READY.load(Ordering::Acquire) || !WARMING.load(Ordering::Acquire)
}

/// The scopes (TextMate scope selectors, as syntect's grammars name them) each class of
/// [`SYNTAX_KEYS`] takes in. Where two match, the one nearer the text wins, then the longer,
/// so a string's quotes are `string` and an escape inside it is `constant`.
pub fn selectors(class: &str) -> &'static str {
    match class {
        "comment" => "comment, punctuation.definition.comment",
        "string" => "string, punctuation.definition.string",
        "number" => "constant.numeric",
        "constant" => "constant, support.constant, variable.language",
        "keyword" => "keyword, storage",
        "operator" => "keyword.operator",
        "type" => {
            "entity.name.type, entity.name.class, entity.name.struct, entity.name.enum, \
             entity.name.union, entity.name.trait, entity.name.interface, \
             entity.other.inherited-class, support.type, support.class"
        }
        "function" => "entity.name.function, support.function, variable.function",
        "macro" => "support.macro, entity.name.macro",
        "attribute" => {
            "entity.other.attribute-name, meta.annotation, variable.annotation, meta.attribute"
        }
        "tag" => "entity.name.tag",
        "punctuation" => "punctuation",
        _ => "",
    }
}

fn class_colour(index: usize) -> ClassColour {
    ClassColour { r: u8::try_from(index).unwrap_or(0), g: 0, b: 0, a: 0xff }
}

fn classes() -> ClassTheme {
    let scopes = SYNTAX_KEYS
        .iter()
        .enumerate()
        .filter_map(|(index, class)| {
            let scope = ScopeSelectors::from_str(selectors(class)).ok()?;
            let style = StyleModifier {
                foreground: Some(class_colour(index)),
                background: None,
                font_style: None,
            };
            Some(ThemeItem { scope, style })
        })
        .collect();
    let settings = ThemeSettings { foreground: Some(class_colour(0)), ..ThemeSettings::default() };
    ClassTheme { name: None, author: None, settings, scopes }
}

/// Where highlighting of one block has got to.
#[derive(Debug, Clone)]
pub struct Highlight {
    parse: ParseState,
    highlight: HighlightState,
}

impl PartialEq for Highlight {
    fn eq(&self, other: &Self) -> bool {
        self.parse == other.parse && self.highlight == other.highlight
    }
}

/// The highlighter for a block, or `None` to show it plain.
pub fn start(lang: Option<&str>, theme: &Theme) -> Option<Highlight> {
    if !theme.highlights_code() || !highlighting() {
        return None;
    }
    let syntax = SYNTAXES.find_syntax_by_token(lang?)?;
    Some(Highlight {
        parse: ParseState::new(syntax),
        highlight: HighlightState::new(&HIGHLIGHTER, ScopeStack::new()),
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
            highlight_line(highlight, source, theme)
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

fn highlight_line(
    state: &mut Highlight,
    source: &str,
    theme: &Theme,
) -> Option<Vec<(String, Style)>> {
    let mut with_newline = String::with_capacity(source.len() + 1);
    with_newline.push_str(source);
    with_newline.push('\n');
    let ops = state.parse.parse_line(&with_newline, &SYNTAXES).ok()?;
    let mut pieces: Vec<(String, Style)> = Vec::new();
    for (found, text) in
        HighlightIterator::new(&mut state.highlight, &ops, &with_newline, &HIGHLIGHTER)
    {
        let text = clean(text.trim_end_matches('\n'));
        let text = reveal_invisible(&text);
        let style = class_style(found, theme);
        // Classes the theme styles alike (punctuation as plain, say) make one span, so a
        // line costs as few spans to keep and draw as it has colours.
        match pieces.last_mut() {
            _ if text.is_empty() => {}
            Some((last, last_style)) if *last_style == style => last.push_str(&text),
            _ => pieces.push((text.into_owned(), style)),
        }
    }
    Some(pieces)
}

/// The theme's style for the class the highlighter found: `plain`, with the class's style
/// over it. No background unless the theme gives one, so blocks sit in the transcript rather
/// than on a painted rectangle.
fn class_style(found: syntect::highlighting::Style, theme: &Theme) -> Style {
    let plain = theme.syntax[0];
    match usize::from(found.foreground.r) {
        0 => plain,
        class => theme.syntax.get(class).map_or(plain, |style| plain.patch(*style)),
    }
}

//! Code blocks: a language label line, then the code highlighted with syntect, one source
//! line at a time so a block still streaming can be continued from where it stopped.
//!
//! Colours come from the theme, by class of code (`[syntax]` in a theme file: comment,
//! string, keyword…); syntect's grammars say which class each piece is in. The syntaxes are
//! loaded once, on first use or by [`warm_up`] off the UI thread, and in the app each grammar
//! is compiled off the UI thread too, when a block first needs it (never the ones no block
//! uses: compiled grammars cost megabytes). Code waiting for either is drawn plain, and the
//! screen lays it out again when they are ready ([`generation`]). The highlighter state is a
//! plain value (`Highlight`), cloned to render a half-received line without disturbing it.
//! Unknown languages, `NO_COLOR` and any highlighting error give plain code, never a
//! failure.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex, OnceLock, PoisonError};

use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use syntect::highlighting::{
    Color as ClassColour, HighlightIterator, HighlightState, Highlighter, ScopeSelectors,
    StyleModifier, Theme as ClassTheme, ThemeItem, ThemeSettings,
};
use syntect::parsing::{ParseState, ScopeStack, SyntaxReference, SyntaxSet};

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

/// Set by [`warm_up`]: from then on, code whose syntaxes or grammar are not ready is drawn
/// plain rather than waiting for them.
static WARMING: AtomicBool = AtomicBool::new(false);
/// The syntaxes are loaded (by the warm-up's thread).
static LOADED: AtomicBool = AtomicBool::new(false);
/// Moves whenever code can be drawn differently: the syntaxes loaded, a grammar compiled.
static GENERATION: AtomicU64 = AtomicU64::new(0);
/// Told when the generation moves, so the screen draws again.
static NOTIFY: OnceLock<Box<dyn Fn() + Send + Sync>> = OnceLock::new();
/// Grammars asked for since the warm-up, by name: compiled (`true`) or compiling.
static GRAMMARS: LazyLock<Mutex<HashMap<String, bool>>> = LazyLock::new(Default::default);

/// A line that reaches the common patterns of most grammars: compiling a grammar's patterns
/// happens on first use (tens of milliseconds for Rust), so it is done with this, off the
/// UI thread, before any block in that language is highlighted.
const SAMPLE: &str = "let x = \"a\"; // b\n";

/// Loads the syntaxes on a background thread, so that the first frame does not wait for
/// them, and from then on compiles each grammar on a thread of its own when a block first
/// needs it. `ready` is called each time code can be drawn better (the syntaxes loaded, a
/// grammar compiled), for the screen to draw again.
pub fn warm_up(ready: impl Fn() + Send + Sync + 'static) {
    let _ = NOTIFY.set(Box::new(ready));
    WARMING.store(true, Ordering::Release);
    std::thread::spawn(|| {
        LazyLock::force(&SYNTAXES);
        LazyLock::force(&HIGHLIGHTER);
        LOADED.store(true, Ordering::Release);
        moved();
    });
}

fn moved() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
    if let Some(notify) = NOTIFY.get() {
        notify();
    }
}

/// Counts the changes in how code can be drawn (see [`warm_up`]): lines laid out under
/// another generation may show code plain that can now be highlighted. Always 0 when nothing
/// warms the syntaxes up (tests and benches, where the first block loads and compiles what
/// it needs, and waits).
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// Whether code laid out now may be drawn plain only because the syntaxes or a grammar it
/// asked for are not ready yet: inline mode's scrollback cannot be redrawn once written,
/// so it waits for them. Always false when nothing warms the syntaxes up.
pub fn highlighting_pending() -> bool {
    if !WARMING.load(Ordering::Acquire) {
        return false;
    }
    !LOADED.load(Ordering::Acquire)
        || GRAMMARS.lock().unwrap_or_else(PoisonError::into_inner).values().any(|ready| !ready)
}

/// The grammars compiled since the warm-up, by name, sorted.
pub fn compiled_grammars() -> Vec<String> {
    let grammars = GRAMMARS.lock().unwrap_or_else(PoisonError::into_inner);
    let mut names: Vec<String> =
        grammars.iter().filter(|(_, ready)| **ready).map(|(name, _)| name.clone()).collect();
    names.sort();
    names
}

/// Whether `syntax`'s grammar may be used on this thread now; if it was never asked for,
/// it starts compiling on a thread of its own.
fn grammar_ready(syntax: &SyntaxReference) -> bool {
    if !WARMING.load(Ordering::Acquire) {
        return true;
    }
    let mut grammars = GRAMMARS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(ready) = grammars.get(&syntax.name) {
        return *ready;
    }
    grammars.insert(syntax.name.clone(), false);
    let name = syntax.name.clone();
    std::thread::spawn(move || {
        // Marked done however the compile ends (a grammar that panics too): inline mode
        // waits while any is compiling.
        let done = Compiled(name);
        if let Some(syntax) = SYNTAXES.find_syntax_by_name(&done.0) {
            let _ = ParseState::new(syntax).parse_line(SAMPLE, &SYNTAXES);
        }
    });
    false
}

/// A grammar being compiled, by name: marked compiled when dropped.
struct Compiled(String);

impl Drop for Compiled {
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.0);
        GRAMMARS.lock().unwrap_or_else(PoisonError::into_inner).insert(name, true);
        moved();
    }
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
    if !theme.highlights_code() {
        return None;
    }
    if WARMING.load(Ordering::Acquire) && !LOADED.load(Ordering::Acquire) {
        return None;
    }
    let syntax = SYNTAXES.find_syntax_by_token(lang?)?;
    if !grammar_ready(syntax) {
        return None;
    }
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

//! A theme file as written, and how it becomes a [`ThemeSpec`]: `[styles]` and `[syntax]`
//! tables of inline style tables, every key known (a typo is an error at its line, as in the
//! config), and every key given unless `inherits` names a shipped theme to take the rest
//! from.
//!
//! It reads no file and words no error of the toml crate itself: `check::Source` locates
//! them. No input makes it panic.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Modifier, Style};
use serde::Deserialize;
use toml::Spanned;

use super::spec::{STYLE_KEYS, SYNTAX_KEYS, ThemeSpec};
use crate::config::check::{ConfigError, Source};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTheme {
    inherits: Option<Spanned<String>>,
    styles: Option<BTreeMap<String, Spanned<FileStyle>>>,
    syntax: Option<BTreeMap<String, Spanned<FileStyle>>>,
}

/// One style as written: `{ fg = "cyan", bold = true }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileStyle {
    fg: Option<Spanned<String>>,
    bg: Option<Spanned<String>>,
    bold: Option<bool>,
    dim: Option<bool>,
    italic: Option<bool>,
    underline: Option<bool>,
    reversed: Option<bool>,
    blink: Option<bool>,
}

/// The theme in `text`; `path` is used only in messages. Only a user's file `may_inherit`
/// from a shipped theme: the shipped ones stand alone, so no chain of them can loop.
pub(in crate::config) fn parse(
    text: &str,
    path: &Path,
    may_inherit: bool,
) -> Result<ThemeSpec, ConfigError> {
    let source = Source::new(text, path);
    let file: FileTheme = toml::from_str(text).map_err(|err| source.toml_error(err))?;
    let mut spec = ThemeSpec::default();
    let inherited = match &file.inherits {
        None => false,
        Some(name) if !may_inherit => {
            let message = "a shipped theme stands alone and inherits nothing";
            return Err(source.invalid(name.span().start, Some("inherits".into()), message));
        }
        Some(name) => {
            spec = super::shipped(name.get_ref()).and_then(Result::ok).ok_or_else(|| {
                let message = format!(
                    "no shipped theme is called `{}`; shipped: {}",
                    name.get_ref(),
                    super::shipped_names().join(", ")
                );
                source.invalid(name.span().start, Some("inherits".into()), message)
            })?;
            true
        }
    };
    let styles = file.styles.unwrap_or_default();
    let syntax = file.syntax.unwrap_or_default();
    let set_styles = apply(&source, "styles", &STYLE_KEYS, styles, &mut spec.styles)?;
    let set_syntax = apply(&source, "syntax", &SYNTAX_KEYS, syntax, &mut spec.syntax)?;
    if !inherited {
        missing(&source, "styles", &STYLE_KEYS, &set_styles)?;
        missing(&source, "syntax", &SYNTAX_KEYS, &set_syntax)?;
    }
    Ok(spec)
}

/// Writes each style of `table` into `out` at its key's place in `keys`; which were given.
fn apply<const N: usize>(
    source: &Source,
    table: &str,
    keys: &[&str; N],
    given: BTreeMap<String, Spanned<FileStyle>>,
    out: &mut [Style; N],
) -> Result<[bool; N], ConfigError> {
    let mut set = [false; N];
    for (key, style) in given {
        let at = style.span().start;
        let Some(index) = keys.iter().position(|known| *known == key) else {
            let message = format!("unknown key; known: {}", keys.join(", "));
            return Err(source.invalid(at, Some(format!("{table}.{key}")), message));
        };
        out[index] = convert(source, &format!("{table}.{key}"), style.into_inner())?;
        set[index] = true;
    }
    Ok(set)
}

/// Without `inherits` every key must be given: a theme that forgot one would show it in the
/// terminal's colours, which may be unreadable on the theme's background.
fn missing<const N: usize>(
    source: &Source,
    table: &str,
    keys: &[&str; N],
    set: &[bool; N],
) -> Result<(), ConfigError> {
    let absent: Vec<&str> =
        keys.iter().zip(set).filter(|(_, set)| !**set).map(|(k, _)| *k).collect();
    if absent.is_empty() {
        return Ok(());
    }
    let message = format!(
        "missing {}; give every key (`{{}}` for the terminal's own style), or take the rest from a shipped theme with `inherits = \"dark\"`",
        absent.join(", ")
    );
    Err(source.invalid(0, Some(table.to_owned()), message))
}

fn convert(source: &Source, key: &str, style: FileStyle) -> Result<Style, ConfigError> {
    let mut out = Style::new();
    if let Some(fg) = &style.fg {
        out = out.fg(source.colour_value(&format!("{key}.fg"), fg)?);
    }
    if let Some(bg) = &style.bg {
        out = out.bg(source.colour_value(&format!("{key}.bg"), bg)?);
    }
    let flags = [
        (style.bold, Modifier::BOLD),
        (style.dim, Modifier::DIM),
        (style.italic, Modifier::ITALIC),
        (style.underline, Modifier::UNDERLINED),
        (style.reversed, Modifier::REVERSED),
        (style.blink, Modifier::SLOW_BLINK),
    ];
    for (on, modifier) in flags {
        if on == Some(true) {
            out = out.add_modifier(modifier);
        }
    }
    Ok(out)
}

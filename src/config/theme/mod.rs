//! Themes: the shipped ones (`assets/themes/*.toml`, embedded in the binary) and the user's
//! own files, found by the config's `theme`, `dark_theme` and `light_theme`.
//!
//! A value is a shipped theme's name, or a path to a file of one's own when it holds a `/`
//! or ends in `.toml` (relative to the config file's folder). A mistake in a theme file is
//! reported at the theme file's line, a name that is no theme or a file that cannot be read
//! at the config's. It reads only the file it is pointed at, and no more than
//! [`MAX_THEME_FILE`] of it; no input makes it panic.

mod file;
mod spec;

use std::io::Read;
use std::path::{Path, PathBuf};

use toml::Spanned;

pub use spec::{STYLE_KEYS, SYNTAX_KEYS, ThemeSpec};

use super::check::{ConfigError, Source};

/// The themes that ship with rockchat, by name; the files are embedded in the binary.
pub const SHIPPED: [(&str, &str); 6] = [
    ("dark", include_str!("../../../assets/themes/dark.toml")),
    ("light", include_str!("../../../assets/themes/light.toml")),
    ("gruvbox", include_str!("../../../assets/themes/gruvbox.toml")),
    ("solarized-dark", include_str!("../../../assets/themes/solarized-dark.toml")),
    ("solarized-light", include_str!("../../../assets/themes/solarized-light.toml")),
    ("high-contrast", include_str!("../../../assets/themes/high-contrast.toml")),
];

/// A theme file is a few kilobytes; anything much larger is not one.
pub const MAX_THEME_FILE: u64 = 256 * 1024;

/// The shipped theme called `name`, or `None` when none is. A test proves each one loads.
pub fn shipped(name: &str) -> Option<Result<ThemeSpec, ConfigError>> {
    let (name, text) = SHIPPED.iter().find(|(shipped, _)| *shipped == name)?;
    let path = PathBuf::from(format!("<built-in assets/themes/{name}.toml>"));
    Some(file::parse(text, &path, false))
}

pub fn shipped_names() -> Vec<&'static str> {
    SHIPPED.iter().map(|(name, _)| *name).collect()
}

/// The theme the config's `key` names with `value`; `source` is the config being read.
pub(super) fn load(
    source: &Source,
    key: &str,
    value: &Spanned<String>,
) -> Result<ThemeSpec, ConfigError> {
    let at = value.span().start;
    let reference = value.get_ref();
    let is_path = reference.contains(['/', '\\']) || reference.ends_with(".toml");
    if !is_path {
        let Some(spec) = shipped(reference) else {
            let message = format!(
                "no shipped theme is called `{reference}`; shipped: {}; or give the path of a theme file (ending in .toml)",
                shipped_names().join(", ")
            );
            return Err(source.invalid(at, Some(key.to_owned()), message));
        };
        return spec;
    }
    let path = match source.path().parent() {
        Some(folder) => folder.join(reference),
        None => PathBuf::from(reference),
    };
    let text = read(&path).map_err(|message| source.invalid(at, Some(key.to_owned()), message))?;
    file::parse(&text, &path, true)
}

fn read(path: &Path) -> Result<String, String> {
    let cannot = |error: std::io::Error| format!("cannot read {}: {error}", path.display());
    let mut text = String::new();
    std::fs::File::open(path)
        .map_err(cannot)?
        .take(MAX_THEME_FILE + 1)
        .read_to_string(&mut text)
        .map_err(cannot)?;
    if text.len() as u64 > MAX_THEME_FILE {
        return Err(format!(
            "{} is larger than {} KiB: is it a theme file?",
            path.display(),
            MAX_THEME_FILE / 1024
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests;

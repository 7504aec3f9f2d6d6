//! Configuration: the built-in defaults (`config.example.toml`, embedded) with the user's
//! file merged over them key by key, checked, and turned into a [`Config`].
//!
//! This module owns the file format and its error messages: every mistake is reported as
//! `path:line: key: message` in the toml crate's own words, so a user can fix it without
//! reading code. The file as written, its merging and its checks are in `file`; finding the
//! line and key a mistake is at is here. It never writes the user's file, never reads the
//! environment and never holds an API key: a provider only names the environment variable
//! or the command that yields one, so nothing here (`Debug` included) can leak a secret. No
//! input makes it panic.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

pub mod cli;
mod file;
pub mod paths;
pub mod settings;

/// The documented example, which is also the built-in default configuration.
pub const EXAMPLE_CONFIG: &str = include_str!("../../config.example.toml");

/// Names the embedded file in errors; only a broken build could produce one.
const EXAMPLE_PATH: &str = "<built-in config.example.toml>";

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The provider used when none is asked for; always a key of `providers`.
    pub provider: String,
    pub system_prompt: String,
    pub mouse: bool,
    pub theme: ThemeChoice,
    /// `[colors]`: foreground colours laid over the chosen theme.
    pub colors: ColorOverrides,
    /// Retries after a failed first try (connection errors, 408, 409, 429, 5xx).
    pub max_retries: u32,
    /// Seconds the server may stay silent before a request is given up on.
    pub idle_timeout_secs: u64,
    pub providers: BTreeMap<String, Provider>,
    /// Per-model context window and output reserve, over the built-in table.
    pub models: BTreeMap<String, ModelLimits>,
    /// `"provider/model"` or `"model"` names that F2 and Shift+F2 cycle through.
    pub favorites: Vec<String>,
}

/// `theme`: the palette, or `auto` to follow the terminal's background.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThemeChoice {
    #[default]
    Auto,
    Dark,
    Light,
}

/// Which parts of the screen `[colors]` can recolour (the foreground only).
pub const COLOR_KEYS: [&str; 11] = [
    "user",
    "assistant",
    "error",
    "warning",
    "border",
    "heading",
    "code",
    "link",
    "quote",
    "marker",
    "frame",
];

/// `[colors]` as read: a colour for some of [`COLOR_KEYS`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColorOverrides(pub BTreeMap<&'static str, ratatui::style::Color>);

/// `[models."NAME"]`: what a model's window is, when the built-in table or the server
/// does not know (or is wrong).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelLimits {
    pub context_window: Option<usize>,
    pub max_output: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    pub base_url: String,
    pub model: String,
    /// The name of the variable holding the key, never the key itself.
    pub api_key_env: Option<String>,
    pub stream_usage: bool,
    pub models: Vec<String>,
    /// A shell command whose output is the key (a password manager); the command, not
    /// the key.
    pub api_key_cmd: Option<String>,
    /// Extra HTTP headers sent with every request to this provider.
    pub headers: BTreeMap<String, String>,
    /// Extra fields merged into every chat request body (`temperature`, …), never one of
    /// [`RESERVED_PARAMS`].
    pub params: serde_json::Map<String, serde_json::Value>,
}

/// Request fields rockchat itself sets: `params` may not replace them.
pub const RESERVED_PARAMS: &[&str] = &["model", "messages", "stream", "stream_options"];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}: {}{message}", path.display(), key_prefix(key.as_deref()))]
    Invalid {
        path: PathBuf,
        /// 1-based.
        line: usize,
        /// Dotted and qualified with its table, e.g. `providers.ollama.stream_usage`.
        key: Option<String>,
        message: String,
    },
}

fn key_prefix(key: Option<&str>) -> String {
    key.map(|key| format!("{key}: ")).unwrap_or_default()
}

#[derive(Debug, thiserror::Error)]
#[error("unknown provider `{name}`; known providers: {known}")]
pub struct UnknownProvider {
    pub name: String,
    pub known: String,
}

impl Config {
    /// The embedded defaults. A `Result` rather than a panic because they are parsed at run
    /// time; a test proves they parse.
    pub fn defaults() -> Result<Config, ConfigError> {
        let empty = Config {
            provider: String::new(),
            system_prompt: String::new(),
            mouse: false,
            theme: ThemeChoice::Auto,
            colors: ColorOverrides::default(),
            max_retries: 0,
            idle_timeout_secs: 0,
            providers: BTreeMap::new(),
            models: BTreeMap::new(),
            favorites: Vec::new(),
        };
        empty.merged(EXAMPLE_CONFIG, Path::new(EXAMPLE_PATH))
    }

    /// The defaults merged with the file at `path`. The file must exist: the caller only
    /// passes a path the user named or one it found, so a missing file is a real mistake.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Config::from_toml(&text, path)
    }

    /// A warning when others could change the file at `path`: whoever can edit it can point
    /// `base_url` at their own server and collect the key rockchat sends there, or make
    /// `api_key_cmd` run a command of theirs.
    pub fn exposure_warning(path: &Path) -> Option<String> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).ok()?.permissions().mode();
            if mode & 0o022 != 0 {
                return Some(format!(
                    "{} can be changed by other users (mode {:o}), who could send your API key to a server of theirs or make api_key_cmd run their command; run `chmod go-w {}`",
                    path.display(),
                    mode & 0o777,
                    path.display()
                ));
            }
        }
        #[cfg(not(unix))]
        let _ = path;
        None
    }

    /// The defaults merged with `text`; `path` is used only in messages.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        Config::defaults()?.merged(text, path)
    }

    pub fn provider(&self, name: &str) -> Result<&Provider, UnknownProvider> {
        self.providers.get(name).ok_or_else(|| UnknownProvider {
            name: name.to_owned(),
            known: self.providers.keys().map(String::as_str).collect::<Vec<_>>().join(", "),
        })
    }
}

/// The text being parsed and the path to blame for it.
struct Source<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Source<'_> {
    fn invalid(
        &self,
        offset: usize,
        key: Option<String>,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            line: line_of(self.text, offset),
            key,
            message: message.into(),
        }
    }

    fn toml_error(&self, mut err: toml::de::Error) -> ConfigError {
        let offset = err.span().map_or(0, |span| span.start);
        // The short message: the rendered error is a multi-line snippet that would repeat
        // the line this error already names.
        let mut message = err.message().to_owned();
        let key = key_of_error(&mut err).or_else(|| key_on_line(self.text, offset));
        if key.as_deref().is_some_and(|k| k == "api_key" || k.ends_with(".api_key")) {
            message = "API keys never go in this file (it is easy to share or commit by mistake): put the key in an environment variable and name that variable with api_key_env".to_owned();
        }
        self.invalid(offset, key, message)
    }

    fn check_url(&self, name: &str, url: &Spanned<String>) -> Result<(), ConfigError> {
        // Schemes are case-insensitive, and anything else (a bare `localhost:8080`) would
        // only fail later, at the first request, with a less helpful error.
        let has_scheme = |scheme: &str| {
            url.get_ref()
                .get(..scheme.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(scheme))
        };
        if has_scheme("http://") || has_scheme("https://") {
            return Ok(());
        }
        Err(self.invalid(
            url.span().start,
            Some(format!("providers.{name}.base_url")),
            format!("`{}` does not start with http:// or https://", url.get_ref()),
        ))
    }
}

/// The dotted key a deserialization error is about, from the error itself.
///
/// toml keeps the path to the offending value private and prints it (as a last line
/// "in `providers.ollama`") only when the error carries no input text, so the input is
/// dropped and that line read back. For an unknown field the path is its table's and serde
/// names the field only in the message.
fn key_of_error(err: &mut toml::de::Error) -> Option<String> {
    let field = err
        .message()
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next())
        .map(str::to_owned);
    err.set_input(None);
    let rendered = err.to_string();
    let table = rendered
        .strip_prefix(err.message())
        .and_then(|rest| rest.trim().strip_prefix("in `")?.strip_suffix('`'))
        .map(str::to_owned);
    match (table, field) {
        (Some(table), Some(field)) => Some(format!("{table}.{field}")),
        (table, field) => table.or(field),
    }
}

/// The key written on the line at `offset`, qualified with the nearest table header above
/// it. Syntax errors carry no key path, and this is usually what the user was writing.
fn key_on_line(text: &str, offset: usize) -> Option<String> {
    let index = line_of(text, offset) - 1;
    let (key, _) = text.split('\n').nth(index)?.split_once('=')?;
    let key = key.trim();
    if key.is_empty() || key.starts_with(['#', '[']) {
        return None;
    }
    let table = text
        .split('\n')
        .take(index)
        .filter_map(|line| line.trim().strip_prefix('['))
        .filter_map(|header| header.trim_start_matches('[').split(']').next())
        .last();
    Some(match table {
        Some(table) => format!("{}.{key}", table.trim()),
        None => key.to_owned(),
    })
}

/// The 1-based line holding byte `offset`, counted on bytes so no offset can split a char.
fn line_of(text: &str, offset: usize) -> usize {
    text.bytes().take(offset).filter(|&byte| byte == b'\n').count() + 1
}

#[cfg(test)]
mod tests;

//! Every check on a config file, and where a mistake is reported: the error type, each
//! mistake as `path:line: key: message` (in the toml crate's own words when it found the
//! mistake, so a user can fix it without reading code), and what serde cannot check:
//! colour names and values, provider URLs, `params` that would replace rockchat's own
//! request fields, a new provider's `base_url` and `model`, the default provider's
//! name, and each preset's provider, parameters, schema and turns. Also the one check on the file rather than its text: who else may change it.
//!
//! It never changes a config and never reads a file's text. The merge in `file` calls each
//! check as it reaches the key, so the first mistake found is the one reported. No input
//! makes it panic.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ratatui::style::Color;
use toml::Spanned;

use super::theme::STYLE_KEYS;
use super::{Config, RESERVED_PARAMS};
use crate::chat::json::ResponseFormat;
use crate::chat::params::RequestParams;
use crate::chat::preset::{Preset, Turn};
use crate::sanitize::sanitize;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    // The cause is in the message, not a `source`, so a chain printed whole does not say it
    // twice.
    #[error("cannot read config file {}: {reason}", path.display())]
    Read { path: PathBuf, reason: std::io::Error },
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

/// The text being parsed and the path to blame for it.
pub(super) struct Source<'a> {
    text: &'a str,
    path: &'a Path,
}

impl<'a> Source<'a> {
    pub(super) fn new(text: &'a str, path: &'a Path) -> Self {
        Source { text, path }
    }

    pub(super) fn toml_error(&self, mut err: toml::de::Error) -> ConfigError {
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

    /// `[colors]`: `key` must be one of the theme's [`STYLE_KEYS`] and `value` a colour;
    /// gives the key as known and the colour.
    pub(super) fn colour(
        &self,
        key: &str,
        value: &Spanned<String>,
    ) -> Result<(&'static str, Color), ConfigError> {
        let Some(known) = STYLE_KEYS.iter().find(|known| **known == key) else {
            let message = format!("unknown colour; known: {}", STYLE_KEYS.join(", "));
            return Err(self.invalid(value.span().start, Some(format!("colors.{key}")), message));
        };
        Ok((known, self.colour_value(&format!("colors.{key}"), value)?))
    }

    /// A colour as written in the config or a theme file, reported under `key`.
    pub(super) fn colour_value(
        &self,
        key: &str,
        value: &Spanned<String>,
    ) -> Result<Color, ConfigError> {
        value.get_ref().parse().map_err(|_| {
            let message = format!(
                "`{}` is not a colour: use a name (\"red\", \"lightblue\"), a 256-colour \
                 index (\"208\") or \"#rrggbb\"",
                value.get_ref()
            );
            self.invalid(value.span().start, Some(key.to_owned()), message)
        })
    }

    pub(super) fn url(&self, name: &str, url: &Spanned<String>) -> Result<(), ConfigError> {
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
            format!(
                "`{}` does not start with http:// or https://",
                crate::secret::redact_url_credentials(url.get_ref())
            ),
        ))
    }

    /// A provider's `params` may not name a field rockchat sets itself.
    pub(super) fn params(
        &self,
        name: &str,
        params: &Spanned<BTreeMap<String, toml::Value>>,
    ) -> Result<(), ConfigError> {
        match RESERVED_PARAMS.iter().find(|k| params.get_ref().contains_key(**k)) {
            None => Ok(()),
            Some(reserved) => Err(self.invalid(
                params.span().start,
                Some(format!("providers.{name}.params.{reserved}")),
                "rockchat sets this field itself; params may not replace it",
            )),
        }
    }

    /// A provider that is not built in has nothing to inherit: its table must give
    /// `base_url` and `model`. `header` is where the table starts.
    pub(super) fn new_provider(
        &self,
        name: &str,
        header: usize,
        has_base_url: bool,
        has_model: bool,
    ) -> Result<(), ConfigError> {
        for (key, present) in [("base_url", has_base_url), ("model", has_model)] {
            if !present {
                return Err(self.invalid(
                    header,
                    Some(format!("providers.{name}.{key}")),
                    "missing; a provider that is not built in needs `base_url` and `model`",
                ));
            }
        }
        Ok(())
    }

    /// `[mcp.NAME]` names exactly one way to reach the server: a `command`, or an http(s)
    /// `url`. `header` is where the table starts.
    pub(super) fn mcp_transport(
        &self,
        name: &str,
        header: usize,
        has_command: bool,
        url: Option<&Spanned<String>>,
    ) -> Result<(), ConfigError> {
        let key = Some(format!("mcp.{name}"));
        match (has_command, url) {
            (true, Some(_)) => Err(self.invalid(
                header,
                key,
                "give either command (a program speaking MCP on stdin and stdout) or url (a streamable HTTP endpoint), not both",
            )),
            (false, None) => Err(self.invalid(
                header,
                key,
                "missing command (a program speaking MCP on stdin and stdout) or url (a streamable HTTP endpoint)",
            )),
            (false, Some(url)) => {
                let lower = url.get_ref().to_ascii_lowercase();
                if lower.starts_with("http://") || lower.starts_with("https://") {
                    Ok(())
                } else {
                    Err(self.invalid(
                        url.span().start,
                        Some(format!("mcp.{name}.url")),
                        format!(
                            "`{}` does not start with http:// or https://",
                            crate::secret::redact_url_credentials(url.get_ref())
                        ),
                    ))
                }
            }
            (true, None) => Ok(()),
        }
    }

    /// After the merge: `provider` names one of the providers. `at` is where the file set
    /// it, 0 (line 1) when it was inherited.
    pub(super) fn default_provider(&self, config: &Config, at: usize) -> Result<(), ConfigError> {
        match config.provider(&config.provider) {
            Ok(_) => Ok(()),
            Err(unknown) => Err(self.invalid(at, Some("provider".to_owned()), unknown.to_string())),
        }
    }

    /// A `[presets.NAME]` table made a preset: its provider configured, its parameters in
    /// range, its schema usable, each turn with a side. `header` is where the table starts.
    pub(super) fn preset(
        &self,
        config: &Config,
        name: &str,
        header: usize,
        file: super::file::FilePreset,
        to_json: fn(toml::Value) -> serde_json::Value,
    ) -> Result<Preset, ConfigError> {
        let fail = |key: &str, message: String| {
            self.invalid(header, Some(format!("presets.{name}.{key}")), message)
        };
        if let Some(provider) = &file.provider {
            config.provider(provider).map_err(|unknown| fail("provider", unknown.to_string()))?;
        }
        let ranged = |key: &str, value: Option<f64>, max: f64| match value {
            Some(v) if !(0.0..=max).contains(&v) => {
                Err(fail(key, format!("{v} is not a number from 0 to {max}")))
            }
            _ => Ok(value),
        };
        let temperature = ranged("temperature", file.temperature, 2.0)?;
        let top_p = ranged("top_p", file.top_p, 1.0)?;
        if file.max_tokens == Some(0) {
            return Err(fail("max_tokens", "must be at least 1".into()));
        }
        let response_format = match (file.json, file.schema) {
            (_, Some(schema)) => {
                let text = to_json(schema).to_string();
                Some(ResponseFormat::schema(name, &text).map_err(|e| fail("schema", e))?)
            }
            (Some(true), None) => Some(ResponseFormat::JsonObject),
            _ => None,
        };
        let mut turns = Vec::new();
        for (index, turn) in file.turns.unwrap_or_default().into_iter().enumerate() {
            if turn.user.is_none() && turn.assistant.is_none() {
                let message = "a turn needs `user`, `assistant` or both".to_owned();
                return Err(fail(&format!("turns[{index}]"), message));
            }
            turns.push(Turn { user: turn.user, assistant: turn.assistant });
        }
        Ok(Preset {
            description: file.description,
            system_prompt: file.system_prompt,
            turns,
            provider: file.provider,
            model: file.model,
            params: RequestParams {
                temperature,
                top_p,
                max_tokens: file.max_tokens,
                seed: file.seed,
                response_format,
            },
        })
    }

    /// The file being read.
    pub(super) fn path(&self) -> &Path {
        self.path
    }

    /// The mistake at byte `offset`. Keys and values come from the file, which may hold
    /// anything: they are made safe for the terminal the error is printed on.
    pub(super) fn invalid(
        &self,
        offset: usize,
        key: Option<String>,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            line: line_of(self.text, offset),
            key: key.map(|key| sanitize(&key).into_owned()),
            message: sanitize(&message.into()).into_owned(),
        }
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

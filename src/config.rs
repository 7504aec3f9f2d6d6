//! Configuration: the embedded defaults (`config.example.toml`) with the user's file merged
//! over them key by key.
//!
//! Every mistake in a file is an error naming the file, the line and the key, in the toml
//! crate's own words. This module never writes the user's file and never holds a key: a
//! provider names the environment variable that does.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

pub const EXAMPLE_CONFIG: &str = include_str!("../config.example.toml");
const EXAMPLE_NAME: &str = "config.example.toml (built in)";

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub provider: String,
    pub system_prompt: String,
    pub mouse: bool,
    pub providers: BTreeMap<String, Provider>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    pub base_url: String,
    pub model: String,
    pub api_key_env: Option<String>,
    pub stream_usage: bool,
    pub models: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}: {}{message}", path.display(), key.as_ref().map(|k| format!("{k}: ")).unwrap_or_default())]
    Invalid { path: PathBuf, line: usize, key: Option<String>, message: String },
}

#[derive(Debug, thiserror::Error)]
#[error("unknown provider `{name}`; known providers: {known}")]
pub struct UnknownProvider {
    pub name: String,
    pub known: String,
}

/// A file as written: every key optional, unknown keys refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    provider: Option<Spanned<String>>,
    system_prompt: Option<String>,
    mouse: Option<bool>,
    #[serde(default)]
    providers: BTreeMap<String, Spanned<FileProvider>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileProvider {
    base_url: Option<Spanned<String>>,
    model: Option<String>,
    api_key_env: Option<String>,
    stream_usage: Option<bool>,
    models: Option<Vec<String>>,
}

impl Config {
    /// The embedded defaults; a test proves they parse.
    pub fn defaults() -> Result<Config, ConfigError> {
        let empty = Config {
            provider: String::new(),
            system_prompt: String::new(),
            mouse: false,
            providers: BTreeMap::new(),
        };
        empty.merged(EXAMPLE_CONFIG, Path::new(EXAMPLE_NAME))
    }

    /// Defaults merged with the file at `path`, which must exist.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        Self::from_toml(&text, path)
    }

    /// Defaults merged with `text`; `path` only names the file in errors.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        Self::defaults()?.merged(text, path)
    }

    pub fn provider(&self, name: &str) -> Result<&Provider, UnknownProvider> {
        self.providers.get(name).ok_or_else(|| UnknownProvider {
            name: name.to_owned(),
            known: self.providers.keys().cloned().collect::<Vec<_>>().join(", "),
        })
    }

    fn merged(mut self, text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |span: Option<Range<usize>>, key: Option<String>, message: String| {
            let (line, found) = locate(text, span.unwrap_or(0..0).start);
            ConfigError::Invalid { path: path.to_owned(), line, key: key.or(found), message }
        };
        let file: FileConfig = toml::from_str(text).map_err(|e| {
            let mut error = invalid(e.span(), None, e.message().to_owned());
            if let ConfigError::Invalid { key: key @ None, .. } = &mut error {
                *key = unknown_field(e.message());
            }
            error
        })?;
        if let Some(system_prompt) = file.system_prompt {
            self.system_prompt = system_prompt;
        }
        if let Some(mouse) = file.mouse {
            self.mouse = mouse;
        }
        for (name, spanned) in file.providers {
            let table = spanned.span();
            let given = spanned.into_inner();
            if let Some(url) = &given.base_url
                && !(url.get_ref().starts_with("http://") || url.get_ref().starts_with("https://"))
            {
                return Err(invalid(
                    Some(url.span()),
                    Some(format!("providers.{name}.base_url")),
                    format!("`{}` is not an http:// or https:// URL", url.get_ref()),
                ));
            }
            let provider = match self.providers.remove(&name) {
                Some(base) => merge_provider(base, given),
                None => {
                    let missing = |key: &str| {
                        invalid(
                            Some(table.clone()),
                            Some(format!("providers.{name}.{key}")),
                            format!("a new provider needs `{key}`"),
                        )
                    };
                    let base_url = given.base_url.clone().ok_or_else(|| missing("base_url"))?;
                    let model = given.model.clone().ok_or_else(|| missing("model"))?;
                    let base = Provider {
                        base_url: base_url.into_inner(),
                        model,
                        api_key_env: None,
                        stream_usage: true,
                        models: Vec::new(),
                    };
                    merge_provider(base, given)
                }
            };
            self.providers.insert(name, provider);
        }
        if let Some(provider) = file.provider {
            let span = provider.span();
            self.provider = provider.into_inner();
            if let Err(unknown) = self.provider(&self.provider) {
                return Err(invalid(Some(span), Some("provider".into()), unknown.to_string()));
            }
        }
        Ok(self)
    }
}

fn merge_provider(mut base: Provider, given: FileProvider) -> Provider {
    if let Some(url) = given.base_url {
        base.base_url = url.into_inner();
    }
    if let Some(model) = given.model {
        base.model = model;
    }
    if given.api_key_env.is_some() {
        base.api_key_env = given.api_key_env.filter(|name| !name.is_empty());
    }
    if let Some(stream_usage) = given.stream_usage {
        base.stream_usage = stream_usage;
    }
    if let Some(models) = given.models {
        base.models = models;
    }
    base
}

/// serde says "unknown field `x`, expected one of ..."; the key is the part in backticks.
fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next().map(str::to_owned)
}

/// The 1-based line of `offset`, and the key written on that line qualified with its table
/// (`providers.ollama.stream_usage`), or the table itself for a header line.
fn locate(text: &str, offset: usize) -> (usize, Option<String>) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line_number = before.matches('\n').count() + 1;
    let line = text.lines().nth(line_number - 1).unwrap_or("").trim();
    let table = text
        .lines()
        .take(line_number)
        .filter_map(|l| l.trim().strip_prefix('['))
        .filter_map(|l| l.split(']').next())
        .last()
        .map(|t| t.trim().replace('"', ""));
    let key = if let Some(header) = line.strip_prefix('[') {
        header.split(']').next().map(|t| t.trim().replace('"', ""))
    } else {
        line.split_once('=').map(|(key, _)| {
            let key = key.trim().replace('"', "");
            match &table {
                Some(table) => format!("{table}.{key}"),
                None => key,
            }
        })
    };
    (line_number, key)
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;

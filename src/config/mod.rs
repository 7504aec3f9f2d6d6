//! Configuration: the built-in defaults (`config.example.toml`, embedded) with the user's
//! file merged over them key by key, checked, and turned into a [`Config`].
//!
//! This module owns the types a config is made of and loading one; the file as written and
//! its merging are in `file`, every check and the `path:line: key: message` a mistake is
//! reported as are in `check`, and the theme files the config names are `theme`'s. It reads
//! the config file and the theme files it names, nothing else; it never writes the user's
//! file, never reads the environment and never holds an API key: a provider only names the
//! environment variable or the command that yields one, so nothing here (`Debug` included)
//! can leak a secret. No input makes it panic.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use self::theme::ThemeSpec;

pub mod audit;
mod check;
pub mod cli;
mod file;
pub mod mcp;
pub mod paths;
pub mod settings;
pub mod theme;

pub use check::{ConfigError, exposure_warning};

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
    /// Each reply's usage and cost under it from the start (F8 toggles it).
    pub show_usage: bool,
    pub theme: ThemeChoice,
    /// The themes `auto` picks between, for a dark and for a light background.
    pub dark_theme: ThemeSpec,
    pub light_theme: ThemeSpec,
    /// `[colors]`: foreground colours laid over the chosen theme.
    pub colors: ColorOverrides,
    /// Retries after a failed first try (connection errors, 408, 409, 429, 5xx).
    pub max_retries: u32,
    /// Seconds the server may stay silent before a request is given up on.
    pub idle_timeout_secs: u64,
    /// Seconds a provider's `api_key_cmd` may run before it is stopped.
    pub api_key_cmd_timeout_secs: u64,
    pub providers: BTreeMap<String, Provider>,
    /// Per-model context window and output reserve, over the built-in table.
    pub models: BTreeMap<String, ModelLimits>,
    /// `"provider/model"` or `"model"` names that F2 and Shift+F2 cycle through.
    pub favorites: Vec<String>,
    /// `[presets.NAME]`: ways to start a conversation (Ctrl+N, `--preset NAME`).
    pub presets: BTreeMap<String, crate::chat::preset::Preset>,
    /// `[mcp.NAME]` servers, `tool_timeout_secs` and `max_tool_rounds`.
    pub tools: mcp::Tools,
    /// `screen`: the alternate screen, or inline in the terminal's own scrollback.
    pub screen: ScreenMode,
    /// `notify`: how a reply finishing in an unfocused terminal is told.
    pub notify: Notify,
    /// `images`: whether images are drawn in the transcript.
    pub images: Images,
    /// `[keys]`: action name to key, as written, with where each was written.
    pub keys: Vec<KeySetting>,
}

/// `screen = "full" | "inline"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScreenMode {
    /// The alternate screen, as most full-screen programs do.
    #[default]
    Full,
    /// No alternate screen: finished messages go into the terminal's scrollback.
    Inline,
}

/// `images = "auto" | "off" | "blocks"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Images {
    /// Drawn when the terminal is known to draw images (kitty, iTerm2, sixel), outside
    /// tmux; the labelled line otherwise.
    #[default]
    Auto,
    /// Always the labelled line.
    Off,
    /// Drawn with coloured half blocks, which any colour terminal (and tmux) shows.
    Blocks,
}

/// `notify = "auto" | "off" | "bell"`: the app's own setting, read as written.
pub use crate::app::ping::Notify;

/// One `[keys]` entry: an action's name and the key it is to have, and the line it is on,
/// so a mistake found later (an unknown name, a clash) names the file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySetting {
    pub action: String,
    pub key: String,
    pub path: std::path::PathBuf,
    pub line: usize,
}

/// `theme`: one theme whatever the terminal, or `auto` to follow its background.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ThemeChoice {
    /// `dark_theme` on a dark background, or when the terminal does not say; `light_theme`
    /// on a light one.
    #[default]
    Auto,
    Fixed(Box<ThemeSpec>),
}

/// `[colors]` as read: a foreground colour for some of the theme's [`theme::STYLE_KEYS`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColorOverrides(pub BTreeMap<&'static str, ratatui::style::Color>);

/// `[models."NAME"]`: what a model's window is, when the built-in table or the server
/// does not know (or is wrong), and what it costs when the server does not say: dollars per
/// million tokens, read into pico-dollars per token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelLimits {
    pub context_window: Option<usize>,
    pub max_output: Option<usize>,
    #[serde(default, deserialize_with = "per_million")]
    pub input_price: Option<u64>,
    #[serde(default, deserialize_with = "per_million")]
    pub cached_input_price: Option<u64>,
    #[serde(default, deserialize_with = "per_million")]
    pub output_price: Option<u64>,
    #[serde(default, deserialize_with = "per_million")]
    pub reasoning_price: Option<u64>,
}

impl ModelLimits {
    /// The model's price, when the config gives both input and output prices.
    pub fn price(&self) -> Option<crate::chat::price::Price> {
        Some(crate::chat::price::Price {
            input: self.input_price?,
            cached_input: self.cached_input_price,
            output: self.output_price?,
            reasoning: self.reasoning_price,
        })
    }
}

/// A price in dollars per million tokens (a TOML number, or a string for one written
/// exactly) as pico-dollars per token. A float is read from its shortest decimal text, so
/// 0.075 is 75,000 exactly, not a binary neighbour of it.
fn per_million<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Int(i64),
        Float(f64),
        Text(String),
    }
    let text = match Written::deserialize(de)? {
        Written::Int(n) => n.to_string(),
        Written::Float(f) => f.to_string(),
        Written::Text(t) => t,
    };
    crate::chat::price::parse_scaled(&text, 6).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "{text} is not a price: write dollars per million tokens, e.g. 2.5"
        ))
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    pub base_url: String,
    pub model: String,
    /// The name of the variable holding the key, never the key itself.
    pub api_key_env: Option<String>,
    pub stream_usage: bool,
    /// Ask the server's `/models` at start for the prices it lists (OpenRouter does).
    pub list_prices: bool,
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
pub const RESERVED_PARAMS: &[&str] = &["model", "messages", "stream", "stream_options", "tools"];

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
            show_usage: false,
            theme: ThemeChoice::Auto,
            dark_theme: ThemeSpec::default(),
            light_theme: ThemeSpec::default(),
            colors: ColorOverrides::default(),
            max_retries: 0,
            idle_timeout_secs: 0,
            api_key_cmd_timeout_secs: 0,
            providers: BTreeMap::new(),
            models: BTreeMap::new(),
            favorites: Vec::new(),
            tools: mcp::Tools::default(),
            screen: ScreenMode::Full,
            notify: Notify::Auto,
            images: Images::Auto,
            keys: Vec::new(),
            presets: BTreeMap::new(),
        };
        file::merged(empty, EXAMPLE_CONFIG, Path::new(EXAMPLE_PATH))
    }

    /// The defaults merged with the file at `path`. The file must exist: the caller only
    /// passes a path the user named or one it found, so a missing file is a real mistake.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|reason| ConfigError::Read { path: path.to_path_buf(), reason })?;
        Config::from_toml(&text, path)
    }

    /// The defaults merged with `text`; `path` names it in messages, and a theme file it
    /// names by a relative path is looked for beside it.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        file::merged(Config::defaults()?, text, path)
    }

    /// The keys in effect: `[keys]` over the binding table, or the first entry that cannot
    /// be taken, reported at its file and line as `keys.NAME`.
    pub fn keymap(&self) -> Result<crate::app::keymap::Keymap, ConfigError> {
        let entries: Vec<(&str, &str)> =
            self.keys.iter().map(|k| (k.action.as_str(), k.key.as_str())).collect();
        crate::app::keymap::Keymap::new(&entries).map_err(|error| {
            let setting = &self.keys[error.entry];
            ConfigError::Invalid {
                path: setting.path.clone(),
                line: setting.line,
                key: Some(format!("keys.{}", crate::sanitize::sanitize(&setting.action))),
                message: crate::sanitize::sanitize(&error.message).into_owned(),
            }
        })
    }

    pub fn provider(&self, name: &str) -> Result<&Provider, UnknownProvider> {
        self.providers.get(name).ok_or_else(|| UnknownProvider {
            name: name.to_owned(),
            known: self.providers.keys().map(String::as_str).collect::<Vec<_>>().join(", "),
        })
    }
}

#[cfg(test)]
mod tests;

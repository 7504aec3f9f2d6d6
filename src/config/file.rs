//! The config file as written, and how it merges over a [`Config`]: every key optional (a
//! file changes only what it names), unknown keys refused so a typo is an error, and a
//! provider table merged over the built-in one of the same name, key by key.
//!
//! It words no error itself: what serde cannot check is checked by `check` as the merge
//! reaches the key, and parse errors go there to be located.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::check::{ConfigError, Source};
use super::{Config, ModelLimits, Provider, ThemeChoice, theme};

/// A config file as written. Every key is optional because the file is merged over the
/// defaults, and unknown keys are refused so a typo is an error rather than silently ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    provider: Option<Spanned<String>>,
    system_prompt: Option<String>,
    mouse: Option<bool>,
    show_usage: Option<bool>,
    /// Spanned, like every value that names a theme, for the line of a name that is none.
    theme: Option<Spanned<String>>,
    dark_theme: Option<Spanned<String>>,
    light_theme: Option<Spanned<String>>,
    colors: Option<BTreeMap<String, Spanned<String>>>,
    max_retries: Option<u32>,
    idle_timeout_secs: Option<u64>,
    api_key_cmd_timeout_secs: Option<u64>,
    /// Spanned for the line of each `[providers.NAME]` header.
    providers: Option<BTreeMap<String, Spanned<FileProvider>>>,
    models: Option<BTreeMap<String, ModelLimits>>,
    favorites: Option<Vec<String>>,
    tool_timeout_secs: Option<u64>,
    max_tool_rounds: Option<u32>,
    /// Spanned for the line of each `[mcp.NAME]` header.
    mcp: Option<BTreeMap<String, Spanned<super::mcp::FileMcp>>>,
    screen: Option<super::ScreenMode>,
    notify: Option<super::Notify>,
    images: Option<super::Images>,
    /// Spanned for the line of each key, checked against the actions by the app.
    keys: Option<BTreeMap<String, Spanned<String>>>,
    /// Spanned for the line of each `[presets.NAME]` header.
    presets: Option<BTreeMap<String, Spanned<FilePreset>>>,
}

/// `[presets.NAME]` as written: the parameters flat, JSON replies as `json = true` or a
/// `schema` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FilePreset {
    pub(super) description: Option<String>,
    pub(super) system_prompt: Option<String>,
    pub(super) provider: Option<String>,
    pub(super) model: Option<String>,
    pub(super) temperature: Option<f64>,
    pub(super) top_p: Option<f64>,
    pub(super) max_tokens: Option<u64>,
    pub(super) seed: Option<i64>,
    pub(super) json: Option<bool>,
    pub(super) schema: Option<toml::Value>,
    pub(super) turns: Option<Vec<FileTurn>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileTurn {
    pub(super) user: Option<String>,
    pub(super) assistant: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileProvider {
    base_url: Option<Spanned<String>>,
    model: Option<String>,
    api_key_env: Option<String>,
    stream_usage: Option<bool>,
    list_prices: Option<bool>,
    models: Option<Vec<String>>,
    api_key_cmd: Option<String>,
    headers: Option<BTreeMap<String, String>>,
    /// Spanned so a reserved key is reported at its line.
    params: Option<Spanned<BTreeMap<String, toml::Value>>>,
}

/// `config` with the file `text` merged over it, checked as it goes; `path` is used only in
/// messages.
pub(super) fn merged(mut config: Config, text: &str, path: &Path) -> Result<Config, ConfigError> {
    let source = Source::new(text, path);
    let file: FileConfig = toml::from_str(text).map_err(|err| source.toml_error(err))?;
    if let Some(system_prompt) = file.system_prompt {
        config.system_prompt = system_prompt;
    }
    if let Some(mouse) = file.mouse {
        config.mouse = mouse;
    }
    if let Some(show) = file.show_usage {
        config.show_usage = show;
    }
    if let Some(theme) = &file.theme {
        config.theme = match theme.get_ref().as_str() {
            "auto" => ThemeChoice::Auto,
            _ => ThemeChoice::Fixed(Box::new(theme::load(&source, "theme", theme)?)),
        };
    }
    if let Some(dark) = &file.dark_theme {
        config.dark_theme = theme::load(&source, "dark_theme", dark)?;
    }
    if let Some(light) = &file.light_theme {
        config.light_theme = theme::load(&source, "light_theme", light)?;
    }
    for (key, value) in file.colors.unwrap_or_default() {
        let (known, colour) = source.colour(&key, &value)?;
        config.colors.0.insert(known, colour);
    }
    if let Some(retries) = file.max_retries {
        config.max_retries = retries;
    }
    if let Some(seconds) = file.idle_timeout_secs {
        config.idle_timeout_secs = seconds.max(1);
    }
    if let Some(seconds) = file.api_key_cmd_timeout_secs {
        config.api_key_cmd_timeout_secs = seconds.max(1);
    }
    config.models.extend(file.models.unwrap_or_default());
    if let Some(favorites) = file.favorites {
        config.favorites = favorites;
    }
    if let Some(seconds) = file.tool_timeout_secs {
        config.tools.timeout = std::time::Duration::from_secs(seconds.max(1));
    }
    if let Some(rounds) = file.max_tool_rounds {
        config.tools.max_rounds = rounds.max(1);
    }
    super::mcp::merge(&mut config.tools, file.mcp.unwrap_or_default(), &source)?;
    if let Some(screen) = file.screen {
        config.screen = screen;
    }
    if let Some(notify) = file.notify {
        config.notify = notify;
    }
    if let Some(images) = file.images {
        config.images = images;
    }
    for (action, key) in file.keys.unwrap_or_default() {
        let line = text[..key.span().start.min(text.len())].matches('\n').count() + 1;
        config.keys.push(super::KeySetting {
            action,
            key: key.into_inner(),
            path: path.to_path_buf(),
            line,
        });
    }
    for (name, table) in file.providers.unwrap_or_default() {
        let header = table.span().start;
        let given = table.into_inner();
        if let Some(url) = &given.base_url {
            source.url(&name, url)?;
        }
        if let Some(params) = &given.params {
            source.params(&name, params)?;
        }
        let provider = match config.providers.remove(&name) {
            Some(inherited) => given.over(inherited),
            None => {
                let (has_base_url, has_model) = (given.base_url.is_some(), given.model.is_some());
                source.new_provider(&name, header, has_base_url, has_model)?;
                given.over(Provider::blank())
            }
        };
        config.providers.insert(name, provider);
    }
    // Line 1 when the name was inherited: only a defaults file without `provider` can
    // get there, and it has no better line to point at.
    let mut provider_at = 0;
    if let Some(provider) = file.provider {
        provider_at = provider.span().start;
        config.provider = provider.into_inner();
    }
    source.default_provider(&config, provider_at)?;
    // After the providers, so a preset's provider is checked against all of them.
    for (name, table) in file.presets.unwrap_or_default() {
        let header = table.span().start;
        let preset = source.preset(&config, &name, header, table.into_inner(), toml_to_json)?;
        config.presets.insert(name, preset);
    }
    Ok(config)
}

impl Provider {
    /// A provider before any key of its table is applied. `stream_usage` defaults on because
    /// most servers accept it and usage is worth showing; the few that refuse opt out.
    fn blank() -> Provider {
        Provider {
            base_url: String::new(),
            model: String::new(),
            api_key_env: None,
            stream_usage: true,
            list_prices: false,
            models: Vec::new(),
            api_key_cmd: None,
            headers: BTreeMap::new(),
            params: serde_json::Map::new(),
        }
    }
}

impl FileProvider {
    /// `base` with the keys this table gives replacing its own.
    fn over(self, mut base: Provider) -> Provider {
        if let Some(base_url) = self.base_url {
            base.base_url = base_url.into_inner();
        }
        if let Some(model) = self.model {
            base.model = model;
        }
        // TOML has no null, so an empty name is how a user drops an inherited variable.
        if let Some(api_key_env) = self.api_key_env {
            base.api_key_env = Some(api_key_env).filter(|name| !name.is_empty());
        }
        if let Some(stream_usage) = self.stream_usage {
            base.stream_usage = stream_usage;
        }
        if let Some(list_prices) = self.list_prices {
            base.list_prices = list_prices;
        }
        if let Some(models) = self.models {
            base.models = models;
        }
        if let Some(command) = self.api_key_cmd {
            base.api_key_cmd = Some(command).filter(|command| !command.trim().is_empty());
        }
        if let Some(headers) = self.headers {
            base.headers = headers;
        }
        if let Some(params) = self.params {
            // TOML values map onto JSON ones; a date becomes its string.
            base.params = params
                .into_inner()
                .into_iter()
                .map(|(key, value)| (key, toml_to_json(value)))
                .collect();
        }
        base
    }
}

fn toml_to_json(value: toml::Value) -> serde_json::Value {
    use serde_json::Value as Json;
    match value {
        toml::Value::String(text) => Json::String(text),
        toml::Value::Integer(number) => Json::from(number),
        toml::Value::Float(number) => {
            serde_json::Number::from_f64(number).map_or(Json::Null, Json::Number)
        }
        toml::Value::Boolean(flag) => Json::Bool(flag),
        toml::Value::Datetime(date) => Json::String(date.to_string()),
        toml::Value::Array(items) => Json::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => {
            Json::Object(table.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

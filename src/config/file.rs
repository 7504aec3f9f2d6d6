//! The config file as written, and how it merges over a [`Config`]: every key optional (a
//! file changes only what it names), unknown keys refused so a typo is an error, and what
//! serde cannot check checked here, each at its line: colour names, provider URLs, `params`
//! that would replace rockchat's own request fields, and a new provider's `base_url` and
//! `model`. A provider table merges over the built-in one of the same name, key by key.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{
    COLOR_KEYS, Config, ConfigError, ModelLimits, Provider, RESERVED_PARAMS, Source, ThemeChoice,
};

/// A config file as written. Every key is optional because the file is merged over the
/// defaults, and unknown keys are refused so a typo is an error rather than silently ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    provider: Option<Spanned<String>>,
    system_prompt: Option<String>,
    mouse: Option<bool>,
    theme: Option<ThemeChoice>,
    colors: Option<BTreeMap<String, Spanned<String>>>,
    max_retries: Option<u32>,
    idle_timeout_secs: Option<u64>,
    /// Spanned for the line of each `[providers.NAME]` header.
    providers: Option<BTreeMap<String, Spanned<FileProvider>>>,
    models: Option<BTreeMap<String, ModelLimits>>,
    favorites: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileProvider {
    base_url: Option<Spanned<String>>,
    model: Option<String>,
    api_key_env: Option<String>,
    stream_usage: Option<bool>,
    models: Option<Vec<String>>,
    api_key_cmd: Option<String>,
    headers: Option<BTreeMap<String, String>>,
    /// Spanned so a reserved key is reported at its line.
    params: Option<Spanned<BTreeMap<String, toml::Value>>>,
}

impl Config {
    /// `self` with the file `text` merged over it, then checked.
    pub(super) fn merged(mut self, text: &str, path: &Path) -> Result<Config, ConfigError> {
        let source = Source { text, path };
        let file: FileConfig = toml::from_str(text).map_err(|err| source.toml_error(err))?;
        if let Some(system_prompt) = file.system_prompt {
            self.system_prompt = system_prompt;
        }
        if let Some(mouse) = file.mouse {
            self.mouse = mouse;
        }
        if let Some(theme) = file.theme {
            self.theme = theme;
        }
        for (key, value) in file.colors.unwrap_or_default() {
            let at = value.span().start;
            let Some(known) = COLOR_KEYS.iter().find(|known| **known == key) else {
                let message = format!("unknown colour; known: {}", COLOR_KEYS.join(", "));
                return Err(source.invalid(at, Some(format!("colors.{key}")), message));
            };
            let colour = value.get_ref().parse().map_err(|_| {
                let message = format!(
                    "`{}` is not a colour: use a name (\"red\", \"lightblue\"), a 256-colour \
                     index (\"208\") or \"#rrggbb\"",
                    value.get_ref()
                );
                source.invalid(at, Some(format!("colors.{key}")), message)
            })?;
            self.colors.0.insert(known, colour);
        }
        if let Some(retries) = file.max_retries {
            self.max_retries = retries;
        }
        if let Some(seconds) = file.idle_timeout_secs {
            self.idle_timeout_secs = seconds.max(1);
        }
        self.models.extend(file.models.unwrap_or_default());
        if let Some(favorites) = file.favorites {
            self.favorites = favorites;
        }
        for (name, table) in file.providers.unwrap_or_default() {
            let header = table.span().start;
            let given = table.into_inner();
            if let Some(url) = &given.base_url {
                source.check_url(&name, url)?;
            }
            if let Some(params) = &given.params
                && let Some(reserved) =
                    RESERVED_PARAMS.iter().find(|k| params.get_ref().contains_key(**k))
            {
                return Err(source.invalid(
                    params.span().start,
                    Some(format!("providers.{name}.params.{reserved}")),
                    "rockchat sets this field itself; params may not replace it",
                ));
            }
            let provider = match self.providers.remove(&name) {
                Some(inherited) => given.over(inherited),
                None => {
                    for (key, present) in
                        [("base_url", given.base_url.is_some()), ("model", given.model.is_some())]
                    {
                        if !present {
                            return Err(source.invalid(
                                header,
                                Some(format!("providers.{name}.{key}")),
                                "missing; a provider that is not built in needs `base_url` \
                                 and `model`",
                            ));
                        }
                    }
                    given.over(Provider::blank())
                }
            };
            self.providers.insert(name, provider);
        }
        // Line 1 when the name was inherited: only a defaults file without `provider` can
        // get there, and it has no better line to point at.
        let mut provider_at = 0;
        if let Some(provider) = file.provider {
            provider_at = provider.span().start;
            self.provider = provider.into_inner();
        }
        if let Err(unknown) = self.provider(&self.provider) {
            let message = unknown.to_string();
            return Err(source.invalid(provider_at, Some("provider".to_owned()), message));
        }
        Ok(self)
    }
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

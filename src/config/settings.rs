//! Turns config, flags and environment into the endpoint and model a session starts with,
//! and every other provider it may switch to.
//!
//! Precedence: flags, then environment (`OPENAI_BASE_URL`), then the provider's config. The
//! key comes from the provider's `api_key_env`, then its `api_key_cmd` (run later, by the
//! client), then `OPENAI_API_KEY`; no key is fine for a local server. Every other configured
//! provider is resolved too, for switching mid-conversation. Pure: the environment is passed
//! in as a lookup function.

use crate::api::Endpoint;
use crate::config::theme::ThemeSpec;
use crate::config::{ColorOverrides, Config, ThemeChoice, UnknownProvider};
use crate::secret::ApiKey;

/// Flags that override the config.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub provider: Option<String>,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub system: Option<String>,
    /// The terminal's answer to a background-colour query, asked only for the full-screen
    /// app (the variables above it win).
    pub terminal_is_light: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub endpoint: Endpoint,
    pub model: String,
    pub system_prompt: String,
    pub mouse: bool,
    /// What decides the colours: the config's `theme` and `[colors]`, `NO_COLOR`, and what
    /// the terminal says of its background and colour depth.
    pub palette: Palette,
    pub max_retries: u32,
    pub idle_timeout: std::time::Duration,
    /// `[models."NAME"]` windows: window and reply reserve.
    pub windows: std::collections::BTreeMap<String, (usize, Option<usize>)>,
    /// Every provider a conversation can switch to, by name; the current one included
    /// (under its label when `--base-url` replaced its URL).
    pub providers: std::collections::BTreeMap<String, ProviderSettings>,
    /// The config's `favorites`, as written.
    pub favorites: Vec<String>,
    /// The provider or model was given on the command line: a reopened conversation keeps
    /// it instead of going back to the one it used.
    pub target_from_flags: bool,
}

/// What decides the screen's colours; `ui::theme` turns it into a theme.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Palette {
    pub choice: ThemeChoice,
    /// What `auto` picks between.
    pub dark: ThemeSpec,
    pub light: ThemeSpec,
    /// `NO_COLOR` is set: no colour at all, only bold, dim and reverse.
    pub no_color: bool,
    /// Whether the terminal's background is light, when it said (`COLORFGBG`, or its answer
    /// to a colour query).
    pub light_background: Option<bool>,
    /// The terminal promises 24-bit colour (`COLORTERM`).
    pub truecolor: bool,
    /// `[colors]`, over the chosen palette.
    pub colors: ColorOverrides,
}

/// Reads `COLORFGBG` ("fg;bg", or "fg;default;bg" from rxvt), set by rxvt, Konsole and
/// others: the background is the last field, an ANSI palette index. 7 and 9–15 are light.
pub fn background_is_light(colorfgbg: &str) -> Option<bool> {
    let background: u8 = colorfgbg.rsplit(';').next()?.trim().parse().ok()?;
    Some(background == 7 || (9..=15).contains(&background))
}

/// One provider, ready to talk to.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    pub endpoint: Endpoint,
    /// Its default model.
    pub model: String,
    /// Its configured model names.
    pub models: Vec<String>,
    /// Whether the picker lists it: it has a key (or a command for one), or needs none.
    pub offered: bool,
}

pub fn resolve(
    config: &Config,
    overrides: &Overrides,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Settings, UnknownProvider> {
    let name = overrides.provider.as_deref().unwrap_or(&config.provider);
    let provider = config.provider(name)?;
    let override_url = overrides
        .base_url
        .clone()
        .or_else(|| env("OPENAI_BASE_URL").filter(|url| !url.trim().is_empty()));
    // With another URL the provider's name would mislead; the host says where requests go.
    let label = override_url.as_deref().map_or_else(|| name.to_owned(), host_of);
    let mut providers: std::collections::BTreeMap<String, ProviderSettings> = config
        .providers
        .iter()
        .map(|(name, provider)| (name.clone(), provider_settings(name, provider, None, &env)))
        .collect();
    let mut current = provider_settings(&label, provider, override_url.as_deref(), &env);
    current.offered = true;
    let endpoint = current.endpoint.clone();
    providers.insert(label, current);
    Ok(Settings {
        target_from_flags: overrides.provider.is_some() || overrides.model.is_some(),
        endpoint,
        providers,
        favorites: config.favorites.clone(),
        model: overrides.model.clone().unwrap_or_else(|| provider.model.clone()),
        system_prompt: overrides.system.clone().unwrap_or_else(|| config.system_prompt.clone()),
        mouse: config.mouse,
        palette: Palette {
            choice: config.theme.clone(),
            dark: config.dark_theme,
            light: config.light_theme,
            // Any non-empty value counts (no-color.org).
            no_color: env("NO_COLOR").is_some_and(|value| !value.is_empty()),
            light_background: env("COLORFGBG")
                .as_deref()
                .and_then(background_is_light)
                .or(overrides.terminal_is_light),
            // bat's rule: only `truecolor` or `24bit` promise 24-bit colour.
            truecolor: matches!(env("COLORTERM").as_deref(), Some("truecolor" | "24bit")),
            colors: config.colors.clone(),
        },
        max_retries: config.max_retries,
        windows: config
            .models
            .iter()
            .filter_map(|(name, m)| m.context_window.map(|w| (name.clone(), (w, m.max_output))))
            .collect(),
        idle_timeout: std::time::Duration::from_secs(config.idle_timeout_secs),
    })
}

/// `provider` as the app uses it, named `label`, at `url` when given instead of its own.
fn provider_settings(
    label: &str,
    provider: &crate::config::Provider,
    url: Option<&str>,
    env: &impl Fn(&str) -> Option<String>,
) -> ProviderSettings {
    let base_url = url.unwrap_or(&provider.base_url);
    let own_key = provider.api_key_env.as_deref().and_then(env).and_then(ApiKey::new);
    let (api_key, key_hint) = match (&own_key, &provider.api_key_cmd) {
        (None, Some(command)) => (None, format!("it was printed by `{command}` (api_key_cmd)")),
        _ => find_key(provider.api_key_env.as_deref(), env),
    };
    let needs_key = provider.api_key_env.is_some() || provider.api_key_cmd.is_some();
    ProviderSettings {
        offered: !needs_key || own_key.is_some() || provider.api_key_cmd.is_some(),
        endpoint: Endpoint {
            provider: label.to_owned(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key,
            key_hint,
            stream_usage: provider.stream_usage,
            api_key_cmd: provider.api_key_cmd.clone(),
            headers: provider.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            params: provider.params.clone(),
        },
        model: provider.model.clone(),
        models: provider.models.clone(),
    }
}

/// `http://127.0.0.1:8080/v1` → `127.0.0.1:8080`.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

/// The key and a sentence saying where it came from, for a 401's advice.
fn find_key(
    provider_env: Option<&str>,
    env: &impl Fn(&str) -> Option<String>,
) -> (Option<ApiKey>, String) {
    let candidates: Vec<&str> = provider_env.into_iter().chain(["OPENAI_API_KEY"]).collect();
    for name in &candidates {
        if let Some(key) = env(name).and_then(ApiKey::new) {
            return (Some(key), format!("it was read from {name}"));
        }
    }
    let names = candidates.join(" or ");
    (None, format!("no key was sent, because {names} is not set"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn defaults_talk_to_rockapi_with_its_key() {
        let config = Config::defaults().unwrap();
        let settings =
            resolve(&config, &Overrides::default(), env_of(&[("ROCKAPI_API_KEY", "rk-123456789")]))
                .unwrap();
        assert_eq!(settings.endpoint.base_url, "https://api.rockapi.ru/openai/v1");
        assert_eq!(settings.model, "gpt-4o-mini");
        assert_eq!(settings.system_prompt, "You are a helpful assistant");
        assert_eq!(settings.endpoint.api_key.unwrap().expose(), "rk-123456789");
        assert_eq!(settings.endpoint.key_hint, "it was read from ROCKAPI_API_KEY");
    }

    #[test]
    fn colorfgbg_says_whether_the_background_is_light() {
        assert_eq!(background_is_light("0;15"), Some(true));
        assert_eq!(background_is_light("0;default;7"), Some(true));
        assert_eq!(background_is_light("15;0"), Some(false));
        assert_eq!(background_is_light("7;8"), Some(false));
        assert_eq!(background_is_light("garbage"), None);
        assert_eq!(background_is_light(""), None);
    }

    #[test]
    fn openai_key_is_the_fallback_and_no_key_is_allowed() {
        let config = Config::defaults().unwrap();
        let settings =
            resolve(&config, &Overrides::default(), env_of(&[("OPENAI_API_KEY", "sk-abcdefghij")]))
                .unwrap();
        assert_eq!(settings.endpoint.key_hint, "it was read from OPENAI_API_KEY");
        let none = resolve(&config, &Overrides::default(), env_of(&[])).unwrap();
        assert!(none.endpoint.api_key.is_none());
        assert_eq!(
            none.endpoint.key_hint,
            "no key was sent, because ROCKAPI_API_KEY or OPENAI_API_KEY is not set"
        );
    }

    #[test]
    fn flag_beats_environment_beats_config_for_the_base_url() {
        let config = Config::defaults().unwrap();
        let env = env_of(&[("OPENAI_BASE_URL", "http://env:1/v1/")]);
        let from_env = resolve(&config, &Overrides::default(), &env).unwrap();
        assert_eq!(from_env.endpoint.base_url, "http://env:1/v1");
        let flag = Overrides { base_url: Some("http://flag:2/v1".into()), ..Overrides::default() };
        let settings = resolve(&config, &flag, &env).unwrap();
        assert_eq!(settings.endpoint.base_url, "http://flag:2/v1");
        assert_eq!(settings.endpoint.provider, "flag:2", "the status line names the real host");
    }

    #[test]
    fn provider_flag_picks_a_local_server_without_a_key() {
        let config = Config::defaults().unwrap();
        let pick = Overrides { provider: Some("ollama".into()), ..Overrides::default() };
        let settings = resolve(&config, &pick, env_of(&[])).unwrap();
        assert_eq!(settings.endpoint.base_url, "http://localhost:11434/v1");
        assert!(
            resolve(
                &config,
                &Overrides { provider: Some("nope".into()), ..Overrides::default() },
                env_of(&[])
            )
            .is_err()
        );
    }

    #[test]
    fn every_provider_is_resolved_and_offered_only_with_a_key_or_none_needed() {
        let text = "[providers.openai]\napi_key_cmd = \"pass show openai\"\n";
        let config = Config::from_toml(text, std::path::Path::new("c.toml")).unwrap();
        let settings =
            resolve(&config, &Overrides::default(), env_of(&[("ROCKAPI_API_KEY", "rk-123456789")]))
                .unwrap();
        let offered: Vec<&str> = settings
            .providers
            .iter()
            .filter(|(_, p)| p.offered)
            .map(|(name, _)| name.as_str())
            .collect();
        // openrouter has neither its variable nor a command.
        assert_eq!(offered, ["llamacpp", "ollama", "openai", "rockapi", "vllm"]);
        let openai = &settings.providers["openai"].endpoint;
        assert!(openai.api_key.is_none(), "the command runs later, in the client");
        assert_eq!(openai.api_key_cmd.as_deref(), Some("pass show openai"));
        assert_eq!(openai.key_hint, "it was printed by `pass show openai` (api_key_cmd)");
        assert_eq!(settings.providers["ollama"].endpoint.base_url, "http://localhost:11434/v1");
    }
}

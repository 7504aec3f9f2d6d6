//! Turns config, flags and environment into the endpoint and model a session starts with,
//! and every other provider it may switch to.
//!
//! Precedence: flags, then environment (`OPENAI_BASE_URL`), then the provider's config. The
//! key comes from the provider's `api_key_env`, then its `api_key_cmd` (run later, by the
//! client), then `OPENAI_API_KEY`; no key is fine for a local server. Every other configured
//! provider is resolved too, for switching mid-conversation. Pure: the environment is passed
//! in as a lookup function.

use crate::api::Endpoint;
use crate::config::{Config, UnknownProvider};
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
    /// Colours from the config's `theme`, `NO_COLOR` and the terminal's `COLORFGBG`.
    pub theme: crate::ui::theme::Theme,
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
        theme: crate::ui::theme::Theme::resolve(
            config.theme,
            env("NO_COLOR").as_deref(),
            env("COLORFGBG")
                .as_deref()
                .and_then(crate::ui::theme::background_is_light)
                .or(overrides.terminal_is_light),
        )
        .for_colorterm(env("COLORTERM").as_deref())
        .with_colors(&config.colors),
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
    fn theme_follows_the_terminal_unless_the_config_or_no_color_says_otherwise() {
        use crate::ui::theme::Theme;
        let auto = Config::defaults().unwrap();
        let theme =
            |config: &Config, env| resolve(config, &Overrides::default(), env).unwrap().theme;
        let full = env_of(&[("COLORTERM", "truecolor")]);
        assert_eq!(theme(&auto, full), Theme::dark());
        assert!(!theme(&auto, env_of(&[])).truecolor, "no COLORTERM: the 256-colour palette");
        let light = env_of(&[("COLORFGBG", "0;15"), ("COLORTERM", "24bit")]);
        assert_eq!(theme(&auto, light), Theme::light());
        let no_color = env_of(&[("COLORFGBG", "0;15"), ("NO_COLOR", "1")]);
        assert_eq!(theme(&auto, no_color).syntax, Theme::monochrome().syntax);
        let dark = Config::from_toml("theme = \"dark\"", std::path::Path::new("c.toml")).unwrap();
        let light_terminal = env_of(&[("COLORFGBG", "0;15"), ("COLORTERM", "truecolor")]);
        assert_eq!(theme(&dark, light_terminal), Theme::dark());
        // The terminal's own answer counts when no variable says; COLORFGBG wins over it.
        let answered = Overrides { terminal_is_light: Some(true), ..Overrides::default() };
        let full = env_of(&[("COLORTERM", "truecolor")]);
        assert_eq!(resolve(&auto, &answered, full).unwrap().theme, Theme::light());
        let dark_vars = env_of(&[("COLORFGBG", "15;0"), ("COLORTERM", "truecolor")]);
        assert_eq!(resolve(&auto, &answered, dark_vars).unwrap().theme, Theme::dark());
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

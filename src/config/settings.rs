//! Turns config, flags and environment into the endpoint and model a session starts with,
//! and every other provider it may switch to.
//!
//! Precedence: flags, then environment (`OPENAI_BASE_URL`), then the provider's config.
//!
//! A key goes only where the user sent it. A provider gets its own key and no other: the
//! variable its `api_key_env` names, else what its `api_key_cmd` prints (run later, by the
//! client); `OPENAI_API_KEY` is the `openai` provider's variable, not a fallback. A URL from
//! `--base-url` or `OPENAI_BASE_URL` is another server than the provider's, so it gets no
//! key unless `--api-key-env NAME` names the variable to send; that flag also replaces the
//! provider's own key. No key is fine for a local server. Every other configured provider is
//! resolved too, for switching mid-conversation. Pure: the environment is passed in as a
//! lookup function.

use crate::api::Endpoint;
use crate::config::theme::ThemeSpec;
use crate::config::{ColorOverrides, Config, ThemeChoice, UnknownProvider};
use crate::secret::ApiKey;

/// Flags that override the config.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub provider: Option<String>,
    pub base_url: Option<String>,
    /// `--api-key-env`: the variable whose key the current provider (or the `--base-url`
    /// server) gets.
    pub api_key_env: Option<String>,
    pub model: Option<String>,
    pub system: Option<String>,
    /// The terminal's answer to a background-colour query, asked only for the full-screen
    /// app (the variables above it win).
    pub terminal_is_light: Option<bool>,
    /// `--inline`: no alternate screen, whatever the config says.
    pub inline: bool,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub endpoint: Endpoint,
    pub model: String,
    pub system_prompt: String,
    pub mouse: bool,
    /// `show_usage`: each reply's usage and cost under it.
    pub show_usage: bool,
    /// What decides the colours: the config's `theme` and `[colors]`, `NO_COLOR`, and what
    /// the terminal says of its background and colour depth.
    pub palette: Palette,
    pub max_retries: u32,
    pub idle_timeout: std::time::Duration,
    /// `[models."NAME"]` windows: window and reply reserve.
    pub windows: std::collections::BTreeMap<String, (usize, Option<usize>)>,
    /// `[models."NAME"]` prices, for models whose server lists none.
    pub prices: std::collections::BTreeMap<String, crate::chat::price::Price>,
    /// Every provider a conversation can switch to, by name; the current one included
    /// (under its label when `--base-url` replaced its URL).
    pub providers: std::collections::BTreeMap<String, ProviderSettings>,
    /// The config's `favorites`, as written.
    pub favorites: Vec<String>,
    /// The provider or model was given on the command line: a reopened conversation keeps
    /// it instead of going back to the one it used.
    pub target_from_flags: bool,
    /// A server's URL was given (`--base-url`, `OPENAI_BASE_URL`) but no model: the model
    /// is the replaced provider's default, a guess until the server says what it serves.
    pub model_guessed: bool,
    /// MCP servers and the limits on calling their tools.
    pub tools: crate::config::mcp::Tools,
    /// Full screen or inline (`screen`, `--inline`).
    pub screen: crate::config::ScreenMode,
    pub notify: crate::config::Notify,
    /// Images drawn in the transcript (`images`); inline mode keeps the labelled line.
    pub images: crate::config::Images,
    /// `[keys]`, as written; the app checks them against its actions.
    pub keys: Vec<crate::config::KeySetting>,
    /// `[presets.NAME]` from the config (saved ones are in the store).
    pub presets: std::collections::BTreeMap<String, crate::chat::preset::Preset>,
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
    /// It needs a key and has none: the variable it is read from is not set (named here,
    /// for the first screen to say so) and no command prints one.
    pub missing_key: Option<Option<String>>,
    /// Its `/models` is asked at start for prices.
    pub list_prices: bool,
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
    let key_timeout = std::time::Duration::from_secs(config.api_key_cmd_timeout_secs);
    let mut providers: std::collections::BTreeMap<String, ProviderSettings> = config
        .providers
        .iter()
        .map(|(name, provider)| {
            let own = KeyRoute::Own;
            (name.clone(), provider_settings(name, provider, None, own, key_timeout, &env))
        })
        .collect();
    let route = match (&overrides.api_key_env, &override_url) {
        (Some(name), _) => KeyRoute::Named(name),
        (None, Some(_)) => KeyRoute::NoneForOverride,
        (None, None) => KeyRoute::Own,
    };
    let mut current =
        provider_settings(&label, provider, override_url.as_deref(), route, key_timeout, &env);
    current.offered = true;
    let endpoint = current.endpoint.clone();
    providers.insert(label, current);
    Ok(Settings {
        target_from_flags: overrides.provider.is_some() || overrides.model.is_some(),
        model_guessed: override_url.is_some() && overrides.model.is_none(),
        tools: config.tools.clone(),
        endpoint,
        providers,
        favorites: config.favorites.clone(),
        screen: match overrides.inline {
            true => crate::config::ScreenMode::Inline,
            false => config.screen,
        },
        notify: config.notify,
        images: config.images,
        keys: config.keys.clone(),
        presets: config.presets.clone(),
        model: overrides.model.clone().unwrap_or_else(|| provider.model.clone()),
        system_prompt: overrides.system.clone().unwrap_or_else(|| config.system_prompt.clone()),
        mouse: config.mouse,
        show_usage: config.show_usage,
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
        prices: config
            .models
            .iter()
            .filter_map(|(name, m)| Some((name.clone(), m.price()?)))
            .collect(),
        idle_timeout: std::time::Duration::from_secs(config.idle_timeout_secs),
    })
}

/// Where a provider's key comes from.
#[derive(Clone, Copy)]
enum KeyRoute<'a> {
    /// Its own `api_key_env`, else its `api_key_cmd`.
    Own,
    /// The variable `--api-key-env` names.
    Named(&'a str),
    /// None: its URL was replaced by one the user gave without saying which key goes there.
    NoneForOverride,
}

/// A key, or the command that will print one, and a sentence saying where it came from
/// (or why there is none), for a 401's advice.
struct Key {
    key: Option<ApiKey>,
    command: Option<String>,
    hint: String,
}

impl Key {
    fn none(hint: String) -> Key {
        Key { key: None, command: None, hint }
    }
}

/// `provider` as the app uses it, named `label`, at `url` when given instead of its own,
/// with the key `route` says.
fn provider_settings(
    label: &str,
    provider: &crate::config::Provider,
    url: Option<&str>,
    route: KeyRoute<'_>,
    key_timeout: std::time::Duration,
    env: &impl Fn(&str) -> Option<String>,
) -> ProviderSettings {
    let base_url = url.unwrap_or(&provider.base_url);
    let variable = match route {
        KeyRoute::Own => provider.api_key_env.clone(),
        KeyRoute::Named(name) => Some(name.to_owned()),
        KeyRoute::NoneForOverride => None,
    };
    let overridden = matches!(route, KeyRoute::NoneForOverride);
    let key = find_key(provider, route, env);
    let needs_key = provider.api_key_env.is_some() || provider.api_key_cmd.is_some();
    let keyless = key.key.is_none() && key.command.is_none();
    let missing_key = (needs_key && !overridden && keyless).then_some(variable);
    ProviderSettings {
        offered: !needs_key || key.key.is_some() || key.command.is_some(),
        endpoint: Endpoint {
            provider: label.to_owned(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key: key.key,
            key_hint: key.hint,
            stream_usage: provider.stream_usage,
            api_key_cmd: key.command,
            api_key_cmd_timeout: key_timeout,
            headers: provider.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            params: provider.params.clone(),
        },
        model: provider.model.clone(),
        models: provider.models.clone(),
        missing_key,
        list_prices: provider.list_prices,
    }
}

/// `http://user:pw@127.0.0.1:8080/v1` → `127.0.0.1:8080`: a label is shown, logged and
/// stored, so the credentials stay out of it.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority.rsplit_once('@').map_or(authority, |(_, host)| host).to_owned()
}

/// The key `route` gives `provider`; never another provider's, never a fallback.
fn find_key(
    provider: &crate::config::Provider,
    route: KeyRoute<'_>,
    env: &impl Fn(&str) -> Option<String>,
) -> Key {
    let read = |name: &str| env(name).and_then(ApiKey::new);
    match route {
        KeyRoute::Named(name) => match read(name) {
            Some(key) => Key {
                key: Some(key),
                command: None,
                hint: format!("it was read from {name} (--api-key-env)"),
            },
            None => Key::none(format!("no key was sent, because {name} (--api-key-env) is not set")),
        },
        KeyRoute::NoneForOverride => Key::none(
            "no key was sent: a server given by --base-url or OPENAI_BASE_URL gets one only with --api-key-env NAME".to_owned(),
        ),
        KeyRoute::Own => {
            let variable = provider.api_key_env.as_deref();
            if let Some((name, key)) = variable.and_then(|name| Some((name, read(name)?))) {
                return Key { key: Some(key), command: None, hint: format!("it was read from {name}") };
            }
            match (&provider.api_key_cmd, variable) {
                (Some(command), _) => Key {
                    key: None,
                    command: Some(command.clone()),
                    hint: format!("it was printed by `{command}` (api_key_cmd)"),
                },
                (None, Some(name)) => Key::none(format!("no key was sent, because {name} is not set")),
                (None, None) => Key::none(
                    "no key was sent: the provider has no api_key_env or api_key_cmd".to_owned(),
                ),
            }
        }
    }
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

    /// Every provider shape in config.example.toml, with every variable set: each gets
    /// its own key and no other; the local servers get none.
    #[test]
    fn each_provider_gets_its_own_key_and_no_other() {
        let text = "[providers.lab]\nbase_url = \"http://lab:1/v1\"\nmodel = \"m\"\napi_key_cmd = \"pass show lab\"\n";
        let config = Config::from_toml(text, std::path::Path::new("c.toml")).unwrap();
        let env = env_of(&[
            ("OPENAI_API_KEY", "sk-openai-0123456789"),
            ("ROCKAPI_API_KEY", "rk-rockapi-0123456789"),
            ("OPENROUTER_API_KEY", "or-openrouter-0123456789"),
        ]);
        let settings = resolve(&config, &Overrides::default(), &env).unwrap();
        let key = |name: &str| {
            let endpoint = &settings.providers[name].endpoint;
            (endpoint.api_key.as_ref().map(|k| k.expose().to_owned()), endpoint.api_key_cmd.clone())
        };
        assert_eq!(key("rockapi"), (Some("rk-rockapi-0123456789".into()), None));
        assert_eq!(key("openai"), (Some("sk-openai-0123456789".into()), None));
        assert_eq!(key("openrouter"), (Some("or-openrouter-0123456789".into()), None));
        for local in ["ollama", "llamacpp", "vllm"] {
            assert_eq!(key(local), (None, None), "{local}");
        }
        assert_eq!(key("lab"), (None, Some("pass show lab".into())));
        assert_eq!(settings.providers["lab"].endpoint.api_key_cmd_timeout.as_secs(), 30);
        let none = resolve(&config, &Overrides::default(), env_of(&[("OPENAI_API_KEY", "sk-x")]));
        let none = none.unwrap();
        assert!(none.endpoint.api_key.is_none(), "rockapi never gets OPENAI_API_KEY");
        assert_eq!(none.endpoint.key_hint, "no key was sent, because ROCKAPI_API_KEY is not set");
    }

    #[test]
    fn a_base_url_from_the_user_gets_a_key_only_when_named() {
        let config = Config::defaults().unwrap();
        let env = env_of(&[
            ("ROCKAPI_API_KEY", "rk-rockapi-0123456789"),
            ("OPENAI_API_KEY", "sk-openai-0123456789"),
            ("OPENAI_BASE_URL", "http://proxy.example:4000/v1"),
        ]);
        let settings = resolve(&config, &Overrides::default(), &env).unwrap();
        assert_eq!(settings.endpoint.base_url, "http://proxy.example:4000/v1");
        assert!(settings.endpoint.api_key.is_none(), "not the provider's key, nor OpenAI's");
        assert!(
            settings.endpoint.key_hint.contains("--api-key-env"),
            "{}",
            settings.endpoint.key_hint
        );
        let named =
            Overrides { api_key_env: Some("OPENAI_API_KEY".into()), ..Overrides::default() };
        let settings = resolve(&config, &named, &env).unwrap();
        assert_eq!(settings.endpoint.api_key.unwrap().expose(), "sk-openai-0123456789");
        assert_eq!(settings.endpoint.key_hint, "it was read from OPENAI_API_KEY (--api-key-env)");
        // The configured rockapi, at its own URL, still has its own key for switching.
        let rockapi = &settings.providers["rockapi"].endpoint;
        assert_eq!(rockapi.api_key.as_ref().unwrap().expose(), "rk-rockapi-0123456789");
    }

    #[test]
    fn credentials_in_a_base_url_stay_out_of_the_label() {
        let config = Config::defaults().unwrap();
        let flag = Overrides {
            base_url: Some("http://alice:s3cret@10.0.0.1:8080/v1".into()),
            ..Overrides::default()
        };
        let settings = resolve(&config, &flag, env_of(&[])).unwrap();
        assert_eq!(settings.endpoint.provider, "10.0.0.1:8080");
        assert_eq!(settings.endpoint.shown_url(), "http://***@10.0.0.1:8080/v1");
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
    fn a_server_url_without_a_model_leaves_the_model_a_guess() {
        let config = Config::defaults().unwrap();
        let url =
            Overrides { base_url: Some("http://127.0.0.1:8080/v1".into()), ..Overrides::default() };
        assert!(resolve(&config, &url, env_of(&[])).unwrap().model_guessed);
        let env = env_of(&[("OPENAI_BASE_URL", "http://env:1/v1")]);
        assert!(resolve(&config, &Overrides::default(), &env).unwrap().model_guessed);
        let model = Overrides { model: Some("tiny-llama".into()), ..url };
        assert!(!resolve(&config, &model, env_of(&[])).unwrap().model_guessed);
        assert!(!resolve(&config, &Overrides::default(), env_of(&[])).unwrap().model_guessed);
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
        assert_eq!(offered, ["llamacpp", "lmstudio", "ollama", "openai", "rockapi", "vllm"]);
        let openai = &settings.providers["openai"].endpoint;
        assert!(openai.api_key.is_none(), "the command runs later, in the client");
        assert_eq!(openai.api_key_cmd.as_deref(), Some("pass show openai"));
        assert_eq!(openai.key_hint, "it was printed by `pass show openai` (api_key_cmd)");
        assert_eq!(settings.providers["ollama"].endpoint.base_url, "http://localhost:11434/v1");
    }

    /// What the first screen says: the default provider's variable that is not set; nothing
    /// for a server that needs no key, a key that is there, or a URL given on the command
    /// line.
    #[test]
    fn a_missing_key_names_its_variable() {
        let config = Config::defaults().unwrap();
        let missing = |overrides: &Overrides, env: &'static [(&'static str, &'static str)]| {
            let settings = resolve(&config, overrides, env_of(env)).unwrap();
            settings.providers[&settings.endpoint.provider].missing_key.clone()
        };
        let plain = Overrides::default();
        assert_eq!(missing(&plain, &[]), Some(Some("ROCKAPI_API_KEY".into())));
        assert_eq!(missing(&plain, &[("ROCKAPI_API_KEY", "rk-123456789")]), None);
        let ollama = Overrides { provider: Some("ollama".into()), ..Overrides::default() };
        assert_eq!(missing(&ollama, &[]), None);
        let url = Overrides { base_url: Some("http://127.0.0.1:9/v1".into()), ..plain.clone() };
        assert_eq!(missing(&url, &[]), None);
        let named = Overrides { api_key_env: Some("MY_KEY".into()), ..plain };
        assert_eq!(missing(&named, &[]), Some(Some("MY_KEY".into())));
    }
}

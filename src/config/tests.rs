//! Config: the embedded defaults, merging, and errors that name file, line and key.

use super::*;

const USER_PATH: &str = "/home/u/.config/rockchat/config.toml";

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml(text, Path::new(USER_PATH))
}

/// The line, key and message of an `Invalid` error.
fn invalid(text: &str) -> (usize, Option<String>, String) {
    match parse(text) {
        Err(ConfigError::Invalid { line, key, message, .. }) => (line, key, message),
        other => panic!("expected an Invalid error for {text:?}, got {other:?}"),
    }
}

fn shown(text: &str) -> String {
    match parse(text) {
        Err(err) => err.to_string(),
        Ok(config) => panic!("expected an error for {text:?}, got {config:?}"),
    }
}

#[test]
fn embedded_example_is_the_default_with_seven_providers() {
    let config = Config::defaults().unwrap();
    assert_eq!(config.provider, "rockapi");
    assert_eq!(config.system_prompt, "You are a helpful assistant");
    assert!(!config.mouse);
    let expected = [
        ("llamacpp", "http://localhost:8080/v1", "default", None),
        ("ollama", "http://localhost:11434/v1", "llama3.2", None),
        ("lmstudio", "http://localhost:1234/v1", "default", None),
        ("openai", "https://api.openai.com/v1", "gpt-4o-mini", Some("OPENAI_API_KEY")),
        (
            "openrouter",
            "https://openrouter.ai/api/v1",
            "openai/gpt-4o-mini",
            Some("OPENROUTER_API_KEY"),
        ),
        ("rockapi", "https://api.rockapi.ru/openai/v1", "gpt-4o-mini", Some("ROCKAPI_API_KEY")),
        ("vllm", "http://localhost:8000/v1", "default", None),
    ];
    assert_eq!(config.providers.len(), expected.len());
    for (name, base_url, model, key_env) in expected {
        let provider = config.provider(name).unwrap();
        assert_eq!(provider.base_url, base_url, "{name}");
        assert_eq!(provider.model, model, "{name}");
        assert_eq!(provider.api_key_env.as_deref(), key_env, "{name}");
        assert!(provider.stream_usage, "{name}");
        assert!(provider.models.is_empty(), "{name}");
    }
}

#[test]
fn empty_user_file_gives_the_defaults() {
    assert_eq!(parse("").unwrap(), Config::defaults().unwrap());
    assert_eq!(parse("# nothing\n").unwrap(), Config::defaults().unwrap());
}

#[test]
fn overriding_only_the_model_keeps_the_rest_of_the_provider() {
    let config = parse("[providers.rockapi]\nmodel = \"gpt-4o\"\n").unwrap();
    let defaults = Config::defaults().unwrap();
    let rockapi = config.provider("rockapi").unwrap();
    assert_eq!(rockapi.model, "gpt-4o");
    assert_eq!(rockapi.base_url, "https://api.rockapi.ru/openai/v1");
    assert_eq!(rockapi.api_key_env.as_deref(), Some("ROCKAPI_API_KEY"));
    assert_eq!(config.providers.len(), defaults.providers.len());
    assert_eq!(config.system_prompt, defaults.system_prompt);
    assert_eq!(config.provider, "rockapi");
}

#[test]
fn top_level_keys_override_the_defaults() {
    let config =
        parse("provider = \"ollama\"\nsystem_prompt = \"Be terse\"\nmouse = true\n").unwrap();
    assert_eq!(config.provider, "ollama");
    assert_eq!(config.system_prompt, "Be terse");
    assert!(config.mouse);
    assert!(parse("show_usage = true\n").unwrap().show_usage);
    assert!(!Config::defaults().unwrap().show_usage);
}

#[test]
fn new_provider_table_adds_a_provider_with_default_options() {
    let text = "provider = \"lab\"\n\n[providers.lab]\nbase_url = \"http://127.0.0.1:9000/v1\"\nmodel = \"qwen\"\nmodels = [\"a\", \"b\"]\n";
    let config = parse(text).unwrap();
    assert_eq!(config.provider, "lab");
    assert_eq!(
        config.provider("lab").unwrap(),
        &Provider {
            base_url: "http://127.0.0.1:9000/v1".to_owned(),
            model: "qwen".to_owned(),
            api_key_env: None,
            stream_usage: true,
            list_prices: false,
            models: vec!["a".to_owned(), "b".to_owned()],
            api_key_cmd: None,
            headers: BTreeMap::new(),
            params: serde_json::Map::new(),
        }
    );
    assert!(config.provider("ollama").is_ok());
}

#[test]
fn new_provider_may_be_an_inline_table() {
    let text = "[providers]\nlab = { base_url = \"https://lab/v1\", model = \"m\", stream_usage = false }\n";
    let lab = parse(text).unwrap().providers.remove("lab").unwrap();
    assert_eq!((lab.model.as_str(), lab.stream_usage), ("m", false));
}

#[test]
fn empty_api_key_env_drops_the_inherited_variable() {
    let config = parse("[providers.openai]\napi_key_env = \"\"\n").unwrap();
    assert_eq!(config.provider("openai").unwrap().api_key_env, None);
}

#[test]
fn user_models_list_replaces_the_inherited_one() {
    let config =
        parse("[providers.ollama]\nmodels = [\"qwen2.5\"]\nstream_usage = false\n").unwrap();
    let ollama = config.provider("ollama").unwrap();
    assert_eq!(ollama.models, ["qwen2.5"]);
    assert!(!ollama.stream_usage);
    assert_eq!(ollama.model, "llama3.2");
}

#[test]
fn the_readme_presets_parse_and_carry_their_turns_and_json() {
    let readme = include_str!("../../README.md");
    let section = readme.split("### Presets").nth(1).unwrap();
    let toml = section.split("```toml\n").nth(1).unwrap().split("```").next().unwrap();
    let config = parse(toml).unwrap();
    let shell = &config.presets["shell"];
    assert_eq!(shell.params.temperature, Some(0.0));
    assert_eq!(shell.turns[0].assistant.as_deref(), Some("du -sh ."));
    let translate = &config.presets["translate"];
    assert_eq!(translate.turns.len(), 2);
    assert_eq!(
        translate.params.response_format,
        Some(crate::chat::json::ResponseFormat::JsonObject)
    );
}

#[test]
fn a_bad_preset_names_its_line_and_key() {
    let error = shown("\n[presets.x]\nprovider = \"nope\"\n");
    assert!(
        error.starts_with(
            "/home/u/.config/rockchat/config.toml:2: presets.x.provider: unknown provider `nope`"
        ),
        "{error}"
    );
    let error = shown("[presets.x]\ntemperature = 3.0\n");
    assert!(error.contains("presets.x.temperature: 3 is not a number from 0 to 2"), "{error}");
    let error = shown("[presets.x]\nschema = { type = 12 }\n");
    assert!(error.contains("presets.x.schema: not a usable JSON Schema"), "{error}");
    let error = shown("[presets.x]\n[[presets.x.turns]]\n");
    assert!(
        error.contains("presets.x.turns[0]: a turn needs `user`, `assistant` or both"),
        "{error}"
    );
}

#[test]
fn unknown_key_names_file_line_and_key() {
    assert_eq!(
        shown("system_prompt = \"hi\"\ncolour = \"blue\"\n"),
        "/home/u/.config/rockchat/config.toml:2: colour: unknown field `colour`, \
         expected one of `provider`, `system_prompt`, `mouse`, `show_usage`, `theme`, `dark_theme`, `light_theme`, `colors`, `max_retries`, `idle_timeout_secs`, `api_key_cmd_timeout_secs`, `providers`, `models`, `favorites`, \
         `tool_timeout_secs`, `max_tool_rounds`, `mcp`, `screen`, `notify`, `images`, `keys`, `presets`"
    );
}

#[test]
fn unknown_key_inside_a_provider_is_named_with_its_table() {
    let (line, key, message) =
        invalid("[providers.ollama]\nbase_url = \"http://x:1/v1\"\napi_key = \"sk\"\n");
    assert_eq!((line, key.as_deref()), (3, Some("providers.ollama.api_key")));
    // A key in the file is the one unknown field with its own message: where keys go.
    assert!(message.starts_with("API keys never go in this file"), "{message}");
    assert!(message.contains("api_key_env") && !message.contains("sk"), "{message}");
}

#[test]
fn unknown_subtable_of_a_provider_is_named() {
    let (line, key, _) = invalid("\n[providers.ollama.extras]\nx = 1\n");
    assert_eq!((line, key.as_deref()), (2, Some("providers.ollama.extras")));
}

#[test]
fn wrong_type_names_line_and_key() {
    assert_eq!(
        shown("\n\nmouse = \"yes\"\n"),
        "/home/u/.config/rockchat/config.toml:3: mouse: invalid type: string \"yes\", \
         expected a boolean"
    );
}

#[test]
fn wrong_type_inside_a_provider_names_the_qualified_key() {
    let (line, key, _) = invalid("[providers.ollama]\n\nstream_usage = 1\n");
    assert_eq!((line, key.as_deref()), (3, Some("providers.ollama.stream_usage")));
    let (line, key, _) = invalid("[providers]\nollama = { stream_usage = 1 }\n");
    assert_eq!((line, key.as_deref()), (2, Some("providers.ollama.stream_usage")));
    let (line, key, _) = invalid("[providers.ollama]\nmodels = [\n  \"a\",\n  2,\n]\n");
    assert_eq!((line, key.as_deref()), (4, Some("providers.ollama.models")));
}

#[test]
fn toml_syntax_error_names_the_line_in_one_short_message() {
    let (line, key, message) = invalid("mouse = true\n\n[providers.ollama]\nmodel = \n");
    assert_eq!(line, 4);
    assert_eq!(key.as_deref(), Some("providers.ollama.model"));
    assert!(!message.contains('\n') && !message.contains("TOML parse error"), "{message}");
    let (line, _, _) = invalid("mouse = true\n[providers.ollama\n");
    assert_eq!(line, 2);
}

#[test]
fn lines_are_counted_the_same_with_crlf_endings() {
    let (line, key, _) = invalid("mouse = true\r\n\r\ncolour = 1\r\n");
    assert_eq!((line, key.as_deref()), (3, Some("colour")));
}

#[test]
fn duplicate_key_names_its_second_line() {
    let (line, key, message) = invalid("mouse = true\nmouse = false\n");
    assert_eq!((line, key.as_deref()), (2, Some("mouse")));
    assert_eq!(message, "duplicate key");
}

#[test]
fn missing_file_is_a_read_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.toml");
    let err = Config::load(&path).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }), "{err:?}");
    let expected = format!("cannot read config file {}: ", path.display());
    assert!(err.to_string().starts_with(&expected), "{err}");
}

#[test]
fn load_merges_a_file_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "system_prompt = \"Be terse\"\n").unwrap();
    let config = Config::load(&path).unwrap();
    assert_eq!(config.system_prompt, "Be terse");
    assert_eq!(config.provider, "rockapi");
}

#[test]
fn errors_in_a_loaded_file_name_that_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "mouse = 1\n").unwrap();
    let shown = Config::load(&path).unwrap_err().to_string();
    assert!(shown.starts_with(&format!("{}:1: mouse: ", path.display())), "{shown}");
}

#[test]
fn unknown_default_provider_lists_the_known_ones_at_its_line() {
    assert_eq!(
        shown("mouse = false\nprovider = \"nope\"\n"),
        "/home/u/.config/rockchat/config.toml:2: provider: unknown provider `nope`; \
         known providers: llamacpp, lmstudio, ollama, openai, openrouter, rockapi, vllm"
    );
}

#[test]
fn new_provider_without_base_url_names_its_header_line_and_the_key() {
    let (line, key, message) = invalid("mouse = true\n\n[providers.lab]\nmodel = \"m\"\n");
    assert_eq!((line, key.as_deref()), (3, Some("providers.lab.base_url")));
    assert!(message.starts_with("missing"), "{message}");
    let (line, key, _) = invalid("[providers.lab]\nbase_url = \"http://lab/v1\"\n");
    assert_eq!((line, key.as_deref()), (1, Some("providers.lab.model")));
}

#[test]
fn base_url_without_an_http_scheme_is_refused() {
    assert_eq!(
        shown("[providers.ollama]\nbase_url = \"localhost:11434\"\n"),
        "/home/u/.config/rockchat/config.toml:2: providers.ollama.base_url: \
         `localhost:11434` does not start with http:// or https://"
    );
    let (line, key, _) = invalid("[providers.lab]\nmodel = \"m\"\nbase_url = \"ftp://x\"\n");
    assert_eq!((line, key.as_deref()), (3, Some("providers.lab.base_url")));
    assert!(parse("[providers.ollama]\nbase_url = \"HTTPS://Host/v1\"\n").is_ok());
}

#[test]
fn unknown_provider_lookup_lists_the_known_ones() {
    let config = Config::defaults().unwrap();
    assert_eq!(
        config.provider("nope").unwrap_err().to_string(),
        "unknown provider `nope`; known providers: llamacpp, lmstudio, ollama, openai, \
         openrouter, rockapi, vllm"
    );
}

#[test]
fn no_prefix_or_mangling_of_the_example_panics() {
    let mut inputs: Vec<String> =
        EXAMPLE_CONFIG.char_indices().map(|(at, _)| EXAMPLE_CONFIG[..at].to_owned()).collect();
    inputs.extend(
        [
            "\u{feff}mouse = 1",
            "\"\"\"",
            "[[providers]]\n",
            "[providers.\"é\"]\nmodel = \"ü\"\nbase_url = 1\n",
            "providers = { a = { b = 1 } }",
            "= \n",
            "\0",
        ]
        .map(str::to_owned),
    );
    let lines = |text: &str| text.split('\n').count();
    for text in &inputs {
        if let Err(ConfigError::Invalid { line, .. }) = parse(text) {
            assert!((1..=lines(text)).contains(&line), "{text:?} gave line {line}");
        }
    }
}

#[test]
fn retry_and_timeout_limits_are_configurable() {
    let defaults = Config::defaults().unwrap();
    assert_eq!((defaults.max_retries, defaults.idle_timeout_secs), (3, 120));
    let config = parse("max_retries = 0\nidle_timeout_secs = 30\n").unwrap();
    assert_eq!((config.max_retries, config.idle_timeout_secs), (0, 30));
    assert_eq!(defaults.api_key_cmd_timeout_secs, 30);
    assert_eq!(parse("api_key_cmd_timeout_secs = 5\n").unwrap().api_key_cmd_timeout_secs, 5);
}

#[test]
fn model_windows_can_be_set_per_model() {
    let config =
        parse("[models.\"qwen2.5\"]\ncontext_window = 32768\nmax_output = 8192\n").unwrap();
    assert_eq!(
        config.models["qwen2.5"],
        ModelLimits { context_window: Some(32_768), max_output: Some(8_192), ..Default::default() }
    );
    let (line, key, _) = invalid("[models.\"x\"]\nwindow = 5\n");
    assert_eq!((line, key.as_deref()), (2, Some("models.x.window")));
}

#[test]
fn model_prices_are_dollars_per_million_tokens_read_exactly() {
    let config = parse(
        "[models.\"gpt-4o\"]\ninput_price = 2.5\ncached_input_price = 1.25\noutput_price = 10\n\
         [models.\"cheap\"]\ninput_price = 0.075\noutput_price = \"0.3\"\n\
         [models.\"half\"]\ninput_price = 1\n",
    )
    .unwrap();
    let price = config.models["gpt-4o"].price().unwrap();
    assert_eq!(
        (price.input, price.cached_input, price.output, price.reasoning),
        (2_500_000, Some(1_250_000), 10_000_000, None)
    );
    let cheap = config.models["cheap"].price().unwrap();
    assert_eq!((cheap.input, cheap.output), (75_000, 300_000), "0.075 is not a float's neighbour");
    assert_eq!(config.models["half"].price(), None, "an output price is needed too");
    let (line, key, message) = invalid("[models.\"x\"]\ninput_price = -1\n");
    assert_eq!(line, 2, "{message}");
    assert!(key.as_deref().is_some_and(|k| k.contains("input_price")), "{key:?} {message}");
    assert!(message.contains("not a price"), "{message}");
}

#[test]
fn favorites_key_command_headers_and_params_are_read() {
    let text = r#"favorites = ["openai/gpt-4o", "llama3.2"]

[providers.openrouter]
api_key_cmd = "pass show openrouter"
headers = { "HTTP-Referer" = "https://example.org", "X-Title" = "rockchat" }
params = { temperature = 0.7, top_k = 40, stop = ["END"], provider = { sort = "price" } }
"#;
    let config = parse(text).unwrap();
    assert_eq!(config.favorites, ["openai/gpt-4o", "llama3.2"]);
    let provider = config.provider("openrouter").unwrap();
    assert_eq!(provider.api_key_cmd.as_deref(), Some("pass show openrouter"));
    assert_eq!(provider.headers["HTTP-Referer"], "https://example.org");
    assert_eq!(
        serde_json::Value::Object(provider.params.clone()),
        serde_json::json!({"temperature": 0.7, "top_k": 40, "stop": ["END"], "provider": {"sort": "price"}})
    );
}

#[test]
fn params_may_not_replace_the_fields_rockchat_sets() {
    for key in ["model", "messages", "stream"] {
        let text = format!("[providers.ollama]\nparams = {{ {key} = 1 }}\n");
        let (line, name, message) = invalid(&text);
        assert_eq!(line, 2);
        assert_eq!(name, Some(format!("providers.ollama.params.{key}")));
        assert!(message.contains("rockchat sets this field itself"), "{message}");
    }
}

#[test]
fn theme_defaults_to_auto_between_dark_and_light_and_names_a_wrong_value() {
    let shipped = |name| theme::shipped(name).unwrap().unwrap();
    let defaults = Config::defaults().unwrap();
    assert_eq!(defaults.theme, ThemeChoice::Auto);
    assert_eq!((defaults.dark_theme, defaults.light_theme), (shipped("dark"), shipped("light")));
    assert_eq!(
        parse("theme = \"light\"\n").unwrap().theme,
        ThemeChoice::Fixed(Box::new(shipped("light")))
    );
    assert_eq!(
        parse("theme = \"gruvbox\"\n").unwrap().theme,
        ThemeChoice::Fixed(Box::new(shipped("gruvbox")))
    );
    let pair =
        parse("dark_theme = \"solarized-dark\"\nlight_theme = \"solarized-light\"\n").unwrap();
    assert_eq!(pair.theme, ThemeChoice::Auto);
    assert_eq!(pair.dark_theme, shipped("solarized-dark"));
    assert_eq!(pair.light_theme, shipped("solarized-light"));
    let (line, key, message) = invalid("mouse = true\ntheme = \"blue\"\n");
    assert_eq!((line, key.as_deref()), (2, Some("theme")));
    assert!(message.contains("gruvbox") && message.contains("path"), "{message}");
    let (line, key, _) = invalid("\n\nlight_theme = \"Solarized\"\n");
    assert_eq!((line, key.as_deref()), (3, Some("light_theme")));
    let (line, key, _) = invalid("theme = 3\n");
    assert_eq!((line, key.as_deref()), (1, Some("theme")));
}

#[test]
fn colours_are_checked_and_name_their_key() {
    use ratatui::style::Color;
    let config =
        parse("[colors]\nheading = \"#e0a040\"\nlink = \"lightcyan\"\ncode = \"208\"\n").unwrap();
    assert_eq!(config.colors.0["heading"], Color::Rgb(0xe0, 0xa0, 0x40));
    assert_eq!(config.colors.0["link"], Color::LightCyan);
    assert_eq!(config.colors.0["code"], Color::Indexed(208));
    let (line, key, message) = invalid("[colors]\nlink = \"blu\"\n");
    assert_eq!((line, key.as_deref()), (2, Some("colors.link")));
    assert!(message.contains("#rrggbb"), "{message}");
    let (line, key, message) = invalid("[colors]\n\nbackground = \"red\"\n");
    assert_eq!((line, key.as_deref()), (3, Some("colors.background")));
    assert!(message.contains("heading"), "{message}");
}

#[test]
fn keys_are_read_with_their_lines_and_a_bad_one_is_reported_at_file_line_and_key() {
    let text = "mouse = false\n[keys]\nmodel = \"ctrl+k\"\ndelete-to-end = \"alt+k\"\n";
    let config = Config::from_toml(text, Path::new("/home/u/config.toml")).unwrap();
    let model = config.keys.iter().find(|k| k.action == "model").unwrap();
    assert_eq!((model.key.as_str(), model.line), ("ctrl+k", 3));
    assert!(config.keymap().is_ok());
    let bad = "mouse = false\n[keys]\nmodel = \"ctrl+k\"\n";
    let config = Config::from_toml(bad, Path::new("/home/u/config.toml")).unwrap();
    let error = config.keymap().unwrap_err().to_string();
    assert!(
        error.starts_with(
            "/home/u/config.toml:3: keys.model: `ctrl+k` is already `delete-to-end`'s key"
        ),
        "{error}"
    );
    let unknown = "[keys]\nmodels = \"f5\"\n";
    let config = Config::from_toml(unknown, Path::new("/home/u/config.toml")).unwrap();
    let error = config.keymap().unwrap_err().to_string();
    assert!(error.starts_with("/home/u/config.toml:2: keys.models: no action is called `models`"));
}

#[test]
fn images_switch_defaults_to_auto_and_takes_off_and_blocks() {
    assert_eq!(Config::defaults().unwrap().images, Images::Auto);
    assert_eq!(parse("images = \"off\"\n").unwrap().images, Images::Off);
    assert_eq!(parse("images = \"blocks\"\n").unwrap().images, Images::Blocks);
    let (line, key, message) = invalid("mouse = false\nimages = \"sometimes\"\n");
    assert_eq!((line, key.as_deref()), (2, Some("images")));
    assert!(message.contains("expected one of `auto`, `off`, `blocks`"), "{message}");
}

//! Config: the embedded defaults, merging, and errors that name file, line and key.

use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml(text, Path::new("/home/u/.config/rockchat/config.toml"))
}

fn error(text: &str) -> (usize, Option<String>, String) {
    match parse(text) {
        Err(ConfigError::Invalid { line, key, message, .. }) => (line, key, message),
        other => panic!("expected an invalid-config error, got {other:?}"),
    }
}

#[test]
fn embedded_example_is_the_default_with_six_providers() {
    let config = Config::defaults().unwrap();
    assert_eq!(config.provider, "rockapi");
    assert_eq!(config.system_prompt, "You are a helpful assistant");
    assert!(!config.mouse);
    let names: Vec<&str> = config.providers.keys().map(String::as_str).collect();
    assert_eq!(names, ["llamacpp", "ollama", "openai", "openrouter", "rockapi", "vllm"]);
    let rockapi = config.provider("rockapi").unwrap();
    assert_eq!(rockapi.base_url, "https://api.rockapi.ru/openai/v1");
    assert_eq!(rockapi.model, "gpt-4o-mini");
    assert_eq!(rockapi.api_key_env.as_deref(), Some("ROCKAPI_API_KEY"));
    assert!(rockapi.stream_usage);
    assert_eq!(config.provider("ollama").unwrap().base_url, "http://localhost:11434/v1");
    assert_eq!(config.provider("llamacpp").unwrap().base_url, "http://localhost:8080/v1");
    assert_eq!(config.provider("vllm").unwrap().base_url, "http://localhost:8000/v1");
    assert_eq!(config.provider("ollama").unwrap().api_key_env, None);
}

#[test]
fn a_user_file_overrides_only_the_keys_it_gives() {
    let config = parse("mouse = true\n[providers.rockapi]\nmodel = \"gpt-4o\"\n").unwrap();
    let rockapi = config.provider("rockapi").unwrap();
    assert_eq!(rockapi.model, "gpt-4o");
    assert_eq!(rockapi.base_url, "https://api.rockapi.ru/openai/v1");
    assert!(config.mouse);
    assert_eq!(config.system_prompt, "You are a helpful assistant");
}

#[test]
fn a_new_provider_can_be_added_and_made_the_default() {
    let text = "provider = \"lab\"\n\n[providers.lab]\nbase_url = \"http://10.0.0.5:8000/v1\"\nmodel = \"qwen\"\nstream_usage = false\n";
    let config = parse(text).unwrap();
    assert_eq!(config.provider, "lab");
    let lab = config.provider("lab").unwrap();
    assert_eq!((lab.model.as_str(), lab.stream_usage), ("qwen", false));
}

#[test]
fn unknown_key_names_file_line_and_key() {
    let err = parse("system_prompt = \"hi\"\ncolour = \"blue\"\n").unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.starts_with("/home/u/.config/rockchat/config.toml:2: colour: unknown field `colour`"),
        "{shown}"
    );
}

#[test]
fn unknown_key_inside_a_provider_is_named() {
    let (line, key, message) =
        error("[providers.ollama]\nbase_url = \"http://x:1/v1\"\napi_key = \"sk\"\n");
    assert_eq!((line, key.as_deref()), (3, Some("providers.ollama.api_key")));
    assert!(message.contains("unknown field `api_key`"), "{message}");
}

#[test]
fn wrong_type_names_line_and_qualified_key() {
    let (line, key, message) = error("\n\nmouse = \"yes\"\n");
    assert_eq!((line, key.as_deref()), (3, Some("mouse")));
    assert!(message.contains("invalid type"), "{message}");
    let (line, key, _) = error("[providers.ollama]\nstream_usage = 1\n");
    assert_eq!((line, key.as_deref()), (2, Some("providers.ollama.stream_usage")));
}

#[test]
fn toml_syntax_error_names_the_line() {
    let (line, _, _) = error("mouse = true\nprovider = \n");
    assert_eq!(line, 2);
}

#[test]
fn missing_file_is_a_read_error_naming_the_path() {
    let err = Config::load(Path::new("/nonexistent/rockchat.toml")).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }));
    assert!(err.to_string().starts_with("cannot read config file /nonexistent/rockchat.toml"));
}

#[test]
fn unknown_default_provider_lists_the_known_ones() {
    let (line, key, message) = error("mouse = false\nprovider = \"nope\"\n");
    assert_eq!((line, key.as_deref()), (2, Some("provider")));
    assert_eq!(
        message,
        "unknown provider `nope`; known providers: llamacpp, ollama, openai, openrouter, rockapi, vllm"
    );
}

#[test]
fn a_new_provider_without_base_url_is_refused() {
    let (line, key, message) = error("\n[providers.lab]\nmodel = \"m\"\n");
    assert_eq!(key.as_deref(), Some("providers.lab.base_url"));
    assert!(line >= 2, "{line}");
    assert_eq!(message, "a new provider needs `base_url`");
}

#[test]
fn base_url_must_be_http() {
    let shown =
        parse("[providers.ollama]\nbase_url = \"localhost:11434\"\n").unwrap_err().to_string();
    assert_eq!(
        shown,
        "/home/u/.config/rockchat/config.toml:2: providers.ollama.base_url: `localhost:11434` is not an http:// or https:// URL"
    );
}

#[test]
fn a_real_file_on_disk_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "system_prompt = \"Be terse\"\n").unwrap();
    assert_eq!(Config::load(&path).unwrap().system_prompt, "Be terse");
}

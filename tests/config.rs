//! `rockchat config path|show|check` and the log file, as a user runs them: the real
//! binary, a real config file.

use std::path::Path;
use std::process::{Command, Output};

fn rockchat(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rockchat"))
        .args(args)
        .env("ROCKCHAT_DATA_DIR", dir)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir)
        .env_remove("ROCKCHAT_CONFIG")
        .env_remove("ROCKCHAT_LOG")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn config_file(dir: &Path, toml: &str) -> String {
    let path = dir.join("config.toml");
    std::fs::write(&path, toml).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path.to_str().unwrap().to_owned()
}

#[test]
fn check_reports_every_mistake_at_once_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = config_file(
        dir.path(),
        "mouse = \"yes\"\nmodle = \"x\"\n\n[colors]\nheading = \"nope\"\n\n\
         [providers.rockapi]\nbase_url = \"ftp://example.com\"\n",
    );
    let output = rockchat(dir.path(), &["--config", &path, "config", "check"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    for (line, key) in
        [(1, "mouse"), (2, "modle"), (5, "colors.heading"), (8, "providers.rockapi.base_url")]
    {
        assert!(stderr.contains(&format!("{path}:{line}: {key}: ")), "line {line}:\n{stderr}");
    }
    assert!(stderr.contains("4 problems"), "{stderr}");
}

#[test]
fn check_passes_a_good_file_and_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = config_file(dir.path(), "mouse = true\n[providers.rockapi]\nmodel = \"gpt-4o\"\n");
    let output = rockchat(dir.path(), &["--config", &path, "config", "check"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("no problems"));
    let output = rockchat(dir.path(), &["config", "check"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("built-in defaults"), "{}", text(&output.stdout));
}

#[test]
fn show_prints_the_config_in_effect_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let path = config_file(
        dir.path(),
        "mouse = true\n[providers.rockapi]\nmodel = \"gpt-4o\"\n\
         headers = { Authorization = \"Bearer sk-live-123\" }\n\
         [providers.mine]\nbase_url = \"https://me:hunter2@llm.example/v1\"\nmodel = \"m\"\n",
    );
    let output = rockchat(dir.path(), &["--config", &path, "config", "show"]);
    let shown = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let table: toml::Table = toml::from_str(&shown).unwrap();
    assert_eq!(table["mouse"].as_bool(), Some(true));
    assert_eq!(table["providers"]["rockapi"]["model"].as_str(), Some("gpt-4o"));
    // What the file did not change comes from the defaults.
    assert_eq!(table["max_retries"].as_integer(), Some(3));
    assert!(!shown.contains("sk-live-123") && !shown.contains("hunter2"), "{shown}");
}

#[test]
fn show_refuses_a_file_with_a_mistake_as_start_up_would() {
    let dir = tempfile::tempdir().unwrap();
    let path = config_file(dir.path(), "modle = \"x\"\n");
    let output = rockchat(dir.path(), &["--config", &path, "config", "show"]);
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains(&format!("{path}:1: modle")), "{}", text(&output.stderr));
}

#[test]
fn path_names_the_file_given_or_the_platform_one() {
    let dir = tempfile::tempdir().unwrap();
    let output = rockchat(dir.path(), &["--config", "/some/where.toml", "config", "path"]);
    assert_eq!(text(&output.stdout), "/some/where.toml\n");
    assert!(text(&output.stderr).contains("no file there yet"));
    let output = rockchat(dir.path(), &["config", "path"]);
    let expected = format!("{}\n", dir.path().join("rockchat").join("config.toml").display());
    assert_eq!(text(&output.stdout), expected);
}

#[test]
fn the_log_level_flag_decides_what_reaches_the_log_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = config_file(dir.path(), "max_retries = 0\n");
    let ask = ["--config", &path, "--base-url", "http://127.0.0.1:9/v1", "ask", "hi"];
    let log = dir.path().join("rockchat.log");
    let quiet: Vec<&str> = ["--log-level", "error"].iter().chain(&ask).copied().collect();
    assert!(!rockchat(dir.path(), &quiet).status.success());
    assert!(!std::fs::read_to_string(&log).unwrap_or_default().contains("ask failed"));
    assert!(!rockchat(dir.path(), &ask).status.success());
    assert!(std::fs::read_to_string(&log).unwrap().contains("ask failed"));
}

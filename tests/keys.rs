//! `[keys]` end to end: the real binary with a config file. `rockchat keys` prints the keys
//! in effect, a mistake in the table stops it with the file, line and key, and the F1 help
//! and the palette name the user's keys.

mod support;

use std::process::Command;

use support::pty::Session;

fn rockchat(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rockchat"))
        .args(args)
        .env("ROCKCHAT_DATA_DIR", dir)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir)
        .env_remove("ROCKCHAT_CONFIG")
        .output()
        .unwrap()
}

const KEYS: &str =
    "mouse = false\n\n[keys]\nmodel = \"ctrl+k\"\ndelete-to-end = \"alt+k\"\nnew = \"f9\"\n";

#[test]
fn rockchat_keys_prints_the_keys_in_effect() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, KEYS).unwrap();
    let output = rockchat(dir.path(), &["--config", config.to_str().unwrap(), "keys"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let table = String::from_utf8(output.stdout).unwrap();
    let row = |name: &str| {
        table
            .lines()
            .find(|line| line.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no row for {name} in:\n{table}"))
            .to_owned()
    };
    assert!(row("model").contains("Ctrl+K") && !row("model").contains("Ctrl+P"), "{table}");
    assert!(row("delete-to-end").contains("Alt+K"), "{table}");
    assert!(row("new").contains("F9") && !row("new").contains("Ctrl+N"), "{table}");
    // The others keep the table's keys and words.
    assert!(row("quit").contains("Ctrl+D"), "{table}");
    assert!(row("send").contains("Enter"), "{table}");
}

#[test]
fn a_bad_keys_table_stops_with_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    for (text, want) in [
        ("[keys]\nmodels = \"f5\"\n", ":2: keys.models: no action is called `models`"),
        (
            "mouse = false\n[keys]\nmodel = \"ctrl+k\"\n",
            ":3: keys.model: `ctrl+k` is already `delete-to-end`'s key",
        ),
        (
            "[keys]\nmodel = \"f5\"\nopen = \"F5\"\n",
            ":3: keys.open: `F5` is also given to `model` here",
        ),
        ("[keys]\nmodel = \"q\"\n", ":2: keys.model: `q` would be typed into the message"),
    ] {
        std::fs::write(&config, text).unwrap();
        let output = rockchat(dir.path(), &["--config", config.to_str().unwrap(), "keys"]);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&format!("config.toml{want}")), "{text:?}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_help_and_the_rebound_key_itself_follow_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, KEYS).unwrap();
    let (dir, config) = (dir.path().to_owned(), config.to_str().unwrap().to_owned());
    tokio::task::spawn_blocking(move || {
        let args = ["--config", config.as_str(), "--base-url", "http://127.0.0.1:9/v1"];
        let mut session = Session::start(&args, &dir, &[]);
        session.press(b"\x1bOP");
        // The rows name the keys in effect.
        session.wait_for("Ctrl+K                ");
        session.wait_for("F9                    ");
        // The editing keys are further down the list: End scrolls to them.
        session.press(b"\x1b[F");
        session.wait_for("Alt+K");
        session.press(b"q");
        // Ctrl+K opens the model picker now.
        session.press(b"\x0b");
        session.wait_for("Enter switches");
        session.quit();
    })
    .await
    .unwrap();
}

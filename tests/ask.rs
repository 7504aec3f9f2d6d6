//! `rockchat ask` end to end: the real binary, a real server on 127.0.0.1, piped stdin.

mod support;

use std::process::Stdio;
use std::time::Duration;

use support::{TestServer, json_reply, sse_chunks, sse_reply};
use tokio::io::AsyncWriteExt;

const KEY: &str = "rk-secret-key-0123456789";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

async fn ask(server: &TestServer, args: &[&str], stdin: Option<&str>) -> Run {
    let data = tempfile::tempdir().unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_rockchat"));
    command
        .arg("--base-url")
        .arg(&server.base_url)
        .arg("ask")
        .args(args)
        .env("ROCKCHAT_DATA_DIR", data.path())
        .env("ROCKAPI_API_KEY", KEY)
        .env("HOME", data.path())
        .env("XDG_CONFIG_HOME", data.path())
        .env_remove("ROCKCHAT_CONFIG")
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).await.unwrap();
    }
    drop(pipe);
    let output = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("rockchat ask finished")
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn reply(deltas: &[&str]) -> support::Reply {
    sse_chunks(&sse_reply(deltas, "stop", Some((10, 2))), 7)
}

#[tokio::test]
async fn the_reply_streams_to_stdout_and_stdin_is_context_after_the_prompt() {
    let server = TestServer::start(vec![reply(&["Two ", "lines ", "changed."])]).await;
    let run = ask(&server, &["Summarise", "this:"], Some("line one\nline two\n")).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "Two lines changed.\n"), "{}", run.stderr);
    let request = &server.requests().await[0];
    assert_eq!(request.body["messages"][0]["content"], "You are a helpful assistant");
    assert_eq!(request.body["messages"][1]["content"], "Summarise this:\n\nline one\nline two");
    assert_eq!(request.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
}

#[tokio::test]
async fn system_and_model_flags_are_sent() {
    let server = TestServer::start(vec![reply(&["ok"])]).await;
    let run = ask(&server, &["--system", "Be terse", "--model", "foo", "hi"], None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let request = &server.requests().await[0];
    assert_eq!(request.body["model"], "foo");
    assert_eq!(request.body["messages"][0]["content"], "Be terse");
}

#[tokio::test]
async fn escape_sequences_are_stripped_unless_raw() {
    let hostile = ["safe \u{1b}[2J", "\u{1b}]52;c;ZXZpbA==\u{7}text"];
    let server = TestServer::start(vec![reply(&hostile), reply(&hostile)]).await;
    let clean = ask(&server, &["x"], None).await;
    assert_eq!(clean.stdout, "safe text\n");
    let raw = ask(&server, &["--raw", "x"], None).await;
    assert_eq!(raw.stdout, "safe \u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}text\n");
}

#[tokio::test]
async fn no_stream_waits_for_the_whole_reply() {
    let body = br#"{"choices":[{"message":{"role":"assistant","content":"whole"},"finish_reason":"stop"}]}"#;
    let server = TestServer::start(vec![json_reply(200, body)]).await;
    let run = ask(&server, &["--no-stream", "x"], None).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "whole\n"));
    assert_eq!(server.requests().await[0].body["stream"], false);
}

#[tokio::test]
async fn an_auth_failure_exits_non_zero_with_advice_and_without_the_key() {
    let body = format!(r#"{{"error":{{"message":"Incorrect API key provided: {KEY}"}}}}"#);
    let server = TestServer::start(vec![json_reply(401, body.as_bytes())]).await;
    let run = ask(&server, &["x"], None).await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("HTTP 401: Incorrect API key provided"), "{}", run.stderr);
    assert!(run.stderr.contains("ROCKAPI_API_KEY"), "{}", run.stderr);
    assert!(!run.stderr.contains(KEY) && !run.stdout.contains(KEY));
}

#[tokio::test]
async fn a_cut_off_reply_is_noted_on_stderr() {
    let server =
        TestServer::start(vec![sse_chunks(&sse_reply(&["partial"], "length", None), 9)]).await;
    let run = ask(&server, &["x"], None).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "partial\n"));
    assert!(run.stderr.contains("cut off at the token limit"), "{}", run.stderr);
}

#[tokio::test]
async fn no_prompt_at_all_is_an_error() {
    let server = TestServer::start(vec![]).await;
    let run = ask(&server, &[], Some("")).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("no prompt"), "{}", run.stderr);
    assert!(server.requests().await.is_empty());
}

#[tokio::test]
async fn a_bad_config_file_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "mouse = false\nmodle = \"x\"\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_rockchat"))
        .args(["--config", path.to_str().unwrap(), "ask", "hi"])
        .env("ROCKCHAT_DATA_DIR", dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains(&format!("{}:2: modle: unknown field `modle`", path.display())),
        "{stderr}"
    );
}

#[tokio::test]
async fn models_lists_what_the_server_offers() {
    let body = br#"{"data":[{"id":"openai/gpt-4o","context_length":128000},{"id":"meta/llama"}]}"#;
    let server = TestServer::start(vec![json_reply(200, body)]).await;
    let data = tempfile::tempdir().unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_rockchat"))
        .args(["--base-url", &server.base_url, "models"])
        .env("ROCKCHAT_DATA_DIR", data.path())
        .env_remove("ROCKCHAT_CONFIG")
        .output()
        .await
        .unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), "meta/llama\nopenai/gpt-4o\t128000\n");
}

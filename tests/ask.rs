//! `rockchat ask` end to end: the real binary, a real server on 127.0.0.1, piped stdin.
//!
//! The server runs on the test's runtime while the child runs; waiting on the child through
//! `tokio::process` yields to the server, so neither blocks the other.

mod support;

use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use support::{
    Body, Reply, TestServer, event_stream, json_reply, split_every, sse_chunks, sse_reply,
    whole_reply,
};
use tokio::io::AsyncWriteExt;

const KEY: &str = "rk-secret-key-0123456789";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `rockchat --base-url <server> ask <args>` with its own data dir, no config file, and
/// `ROCKAPI_API_KEY` as the only key in the environment (a `--base-url` server gets it only
/// when the args say `--api-key-env ROCKAPI_API_KEY`); `env` is applied on top (an empty
/// value removes).
async fn ask_with(
    server: &TestServer,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> Run {
    let data = tempfile::tempdir().unwrap();
    ask_at(&server.base_url, data.path(), args, stdin, env).await
}

/// `ask_with` for any base URL and a data dir the caller keeps (to read the log after).
async fn ask_at(
    base_url: &str,
    data: &std::path::Path,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> Run {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_rockchat"));
    command
        .arg("--base-url")
        .arg(base_url)
        .arg("ask")
        .args(args)
        .env("ROCKCHAT_DATA_DIR", data)
        .env("ROCKAPI_API_KEY", KEY)
        .env("HOME", data)
        .env("XDG_CONFIG_HOME", data)
        // A proxy set in the environment running the tests must not catch loopback requests.
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("ROCKCHAT_CONFIG")
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (name, value) in env {
        match value {
            &"" => command.env_remove(name),
            value => command.env(name, value),
        };
    }
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

async fn ask(server: &TestServer, args: &[&str], stdin: Option<&str>) -> Run {
    ask_with(server, args, stdin, &[]).await
}

fn reply(deltas: &[&str]) -> Reply {
    sse_chunks(&sse_reply(deltas, "stop", Some((10, 2))), 7)
}

#[tokio::test]
async fn the_reply_streams_to_stdout_and_stdin_is_context_after_the_prompt() {
    let server = TestServer::start(vec![reply(&["Two ", "lines ", "changed."])]).await;
    let args = ["--api-key-env", "ROCKAPI_API_KEY", "summarise"];
    let run = ask(&server, &args, Some("line one\nline two\n")).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "Two lines changed.\n"), "{}", run.stderr);
    let request = &server.requests().await[0];
    assert_eq!(
        request.body["messages"],
        json!([
            {"role": "system", "content": "You are a helpful assistant"},
            {"role": "user", "content": "summarise\n\nline one\nline two"}
        ])
    );
    assert_eq!(request.body["stream"], true);
    assert_eq!(request.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
}

#[tokio::test]
async fn system_and_model_flags_are_sent() {
    let server = TestServer::start(vec![reply(&["ok"])]).await;
    let run = ask(&server, &["--system", "Be terse", "--model", "foo", "hi", "there"], None).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "ok\n"), "{}", run.stderr);
    let request = &server.requests().await[0];
    assert_eq!(request.body["model"], "foo");
    assert_eq!(
        request.body["messages"],
        json!([{"role": "system", "content": "Be terse"}, {"role": "user", "content": "hi there"}])
    );
}

#[tokio::test]
async fn a_reply_ending_in_a_newline_gets_no_second_one() {
    let server = TestServer::start(vec![reply(&["done", "\n"])]).await;
    let run = ask(&server, &["x"], None).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "done\n"), "{}", run.stderr);
}

#[tokio::test]
async fn escape_sequences_are_stripped_unless_raw() {
    // The sequences are cut across deltas, as a model's tokens would cut them.
    let hostile = ["safe \u{1b}[2", "J", "\u{1b}]52;c;ZXZp", "bA==\u{7}text"];
    let server = TestServer::start(vec![reply(&hostile), reply(&hostile)]).await;
    let clean = ask(&server, &["x"], None).await;
    assert_eq!((clean.code, clean.stdout.as_str()), (0, "safe text\n"), "{}", clean.stderr);
    let raw = ask(&server, &["--raw", "x"], None).await;
    assert_eq!(raw.stdout, "safe \u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}text\n");
}

#[tokio::test]
async fn reasoning_is_not_printed() {
    let body = b"data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"let me think\"}}]}\n\n\
                 data: {\"choices\":[{\"delta\":{\"content\":\"<think>more thought</think>\\n\\nFour\"}}]}\n\n\
                 data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    let server = TestServer::start(vec![sse_chunks(body, 6)]).await;
    let run = ask(&server, &["2+2?"], None).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "Four\n"), "{}", run.stderr);
}

#[tokio::test]
async fn no_stream_waits_for_the_whole_reply_and_still_strips_escapes() {
    let body = br#"{"choices":[{"message":{"role":"assistant","content":"who\u001b[31mle"},"finish_reason":"stop"}]}"#;
    let server = TestServer::start(vec![json_reply(200, body)]).await;
    let run = ask(&server, &["--no-stream", "x"], None).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "whole\n"), "{}", run.stderr);
    let request = &server.requests().await[0];
    assert_eq!(request.body["stream"], false);
    assert!(request.body.get("stream_options").is_none(), "{}", request.body);
}

#[tokio::test]
async fn an_auth_failure_exits_non_zero_with_advice_and_without_the_key() {
    let body = format!(r#"{{"error":{{"message":"Incorrect API key provided: {KEY}"}}}}"#);
    let server = TestServer::start(vec![json_reply(401, body.as_bytes())]).await;
    let run = ask(&server, &["--api-key-env", "ROCKAPI_API_KEY", "x"], None).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("HTTP 401: Incorrect API key provided"), "{}", run.stderr);
    assert!(run.stderr.contains("ROCKAPI_API_KEY"), "{}", run.stderr);
    assert!(!run.stderr.contains(KEY) && !run.stdout.contains(KEY), "{}", run.stderr);
}

/// A `--base-url` server is not the provider's: with every key in the environment it gets
/// none, and the 401 says how to send one; `--api-key-env` names the one it gets.
#[tokio::test]
async fn a_base_url_server_gets_no_key_unless_the_user_names_one() {
    let body = br#"{"error":{"message":"Missing bearer token"}}"#;
    let server = TestServer::start(vec![json_reply(401, body), reply(&["ok"])]).await;
    let env = [("OPENAI_API_KEY", "sk-openai-0123456789")];
    let none = ask_with(&server, &["x"], None, &env).await;
    assert_ne!(none.code, 0);
    assert!(none.stderr.contains("only with --api-key-env NAME"), "{}", none.stderr);
    let named = ask_with(&server, &["--api-key-env", "OPENAI_API_KEY", "x"], None, &env).await;
    assert_eq!(named.code, 0, "{}", named.stderr);
    let requests = server.requests().await;
    assert_eq!(requests[0].header("authorization"), None, "neither ROCKAPI's nor OpenAI's");
    assert_eq!(requests[1].header("authorization"), Some("Bearer sk-openai-0123456789"));
}

#[tokio::test]
async fn a_dropped_connection_keeps_the_partial_on_stdout_and_fails() {
    let bytes = sse_reply(&["Half ", "an ", "answer"], "stop", None);
    let cut = String::from_utf8_lossy(&bytes).find("answer").unwrap() - 30;
    let pieces = split_every(&bytes[..cut], 8);
    let server = TestServer::start(vec![event_stream(Body::ChunksThenDrop(pieces))]).await;
    let run = ask(&server, &["x"], None).await;
    assert_eq!((run.code, run.stdout.as_str()), (5, "Half an \n"), "{}", run.stderr);
    assert!(run.stderr.starts_with("rockchat: the connection broke mid-reply"), "{}", run.stderr);
}

#[tokio::test]
async fn a_cut_off_reply_is_noted_on_stderr() {
    let server =
        TestServer::start(vec![sse_chunks(&sse_reply(&["partial"], "length", None), 9)]).await;
    let run = ask(&server, &["x"], None).await;
    assert_eq!((run.code, run.stdout.as_str()), (7, "partial\n"));
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

#[test]
fn a_bad_config_file_names_file_line_and_key() {
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
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_rockchat"))
        .args(["--base-url", &server.base_url, "models"])
        .env("ROCKCHAT_DATA_DIR", data.path())
        .env("HOME", data.path())
        .env("XDG_CONFIG_HOME", data.path())
        .env_remove("ROCKCHAT_CONFIG")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(20), run).await.unwrap().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "meta/llama\nopenai/gpt-4o\t128000\n");
    assert_eq!(server.requests().await[0].path, "/v1/models");
}

#[tokio::test]
async fn dry_run_prints_the_request_and_sends_nothing() {
    let server = TestServer::start(vec![]).await;
    let run = ask(&server, &["--dry-run", "--model", "gpt-4o", "hello"], None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let request: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(request["model"], "gpt-4o");
    assert_eq!(request["stream"], true);
    assert_eq!(request["messages"][0]["role"], "system");
    assert_eq!(request["messages"][1]["content"], "hello");
    assert!(server.requests().await.is_empty());
}

#[tokio::test]
async fn a_prompt_too_long_for_the_model_is_refused_before_sending() {
    let server = TestServer::start(vec![]).await;
    let long = "word ".repeat(10_000);
    let run = ask(&server, &["--model", "gpt-4", &long], None).await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("gpt-4's window is 8192"), "{}", run.stderr);
    assert!(server.requests().await.is_empty());
}

#[tokio::test]
async fn a_closed_stdout_is_not_an_error() {
    let server = TestServer::start(vec![reply(&["many ", "words ", "nobody ", "reads"])]).await;
    let data = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_rockchat"))
        .args(["--base-url", &server.base_url, "ask", "x"])
        .env("ROCKCHAT_DATA_DIR", data.path())
        .env("HOME", data.path())
        .env("XDG_CONFIG_HOME", data.path())
        .env_remove("ROCKCHAT_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[tokio::test]
async fn an_image_goes_as_a_content_part_and_a_bad_one_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("chart.png");
    std::fs::write(&image, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let server = TestServer::start(vec![reply(&["A chart."])]).await;
    let path = image.to_str().unwrap();
    let run = ask(&server, &["--image", path, "what does it show?"], None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.trim_end(), "A chart.");
    let content = &server.requests().await[0].body["messages"][1]["content"];
    assert_eq!(content[0], serde_json::json!({"type": "text", "text": "what does it show?"}));
    assert_eq!(content[1]["type"], "image_url");
    assert!(content[1]["image_url"]["url"].as_str().unwrap().starts_with("data:image/png;base64,"));

    let text = dir.path().join("notes.png");
    std::fs::write(&text, "not an image").unwrap();
    let run = ask(&server, &["-i", text.to_str().unwrap(), "what?"], None).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("notes.png is not a PNG, JPEG, GIF or WebP image"),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests().await.len(), 1, "nothing sent for a bad image");
}

#[tokio::test]
async fn a_503_before_any_text_is_retried_with_a_note_on_stderr() {
    let overloaded = Reply {
        status: 503,
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("retry-after-ms".into(), "50".into()),
        ],
        body: Body::Whole(br#"{"error":{"message":"overloaded"}}"#.to_vec()),
    };
    let server = TestServer::start(vec![overloaded, reply(&["Recovered"])]).await;
    let run = ask(&server, &["hello"], None).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "Recovered\n"), "{}", run.stderr);
    assert_eq!(run.stderr, "rockchat: HTTP 503: overloaded; retrying in 0.1 s (1 of 3)\n");
    assert_eq!(server.requests().await.len(), 2);
}

#[tokio::test]
async fn a_refused_connection_is_retried_as_configured_then_fails_with_advice() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    drop(listener);
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("config.toml");
    std::fs::write(&config, "max_retries = 1\n").unwrap();
    let env = [("ROCKCHAT_CONFIG", config.to_str().unwrap())];
    let run = ask_at(&url, data.path(), &["hello"], None, &env).await;
    assert_eq!(run.code, 5, "an unreachable server exits 5");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    assert!(
        lines[0].contains("cannot connect") && lines[0].contains("retrying in"),
        "{}",
        lines[0]
    );
    assert!(lines[0].ends_with("(1 of 1)"), "{}", lines[0]);
    assert!(lines[1].contains("Check that the server is running"), "{}", lines[1]);
    assert!(!run.stderr.contains("Ctrl+"), "the app's keys mean nothing here: {}", run.stderr);
}

#[tokio::test]
async fn a_reply_that_started_is_never_retried() {
    let bytes = sse_reply(&["Half", " of it"], "stop", None);
    let cut = String::from_utf8_lossy(&bytes).find(" of it").unwrap();
    let dropped = event_stream(Body::ChunksThenDrop(split_every(&bytes[..cut], 9)));
    let server = TestServer::start(vec![dropped, reply(&["never asked for"])]).await;
    let run = ask(&server, &["hello"], None).await;
    assert_eq!((run.code, run.stdout.as_str()), (5, "Half\n"));
    assert!(!run.stderr.contains("retrying"), "{}", run.stderr);
    assert_eq!(server.requests().await.len(), 1);
}

#[tokio::test]
async fn requests_go_through_http_proxy_and_no_proxy_is_honoured() {
    // The scripted server plays the proxy: a plain-http request through a proxy carries the
    // absolute URL, and the made-up host resolves nowhere, so an answer proves the proxy.
    let proxy = TestServer::start(vec![reply(&["via the proxy"])]).await;
    let proxy_url = proxy.base_url.trim_end_matches("/v1").to_owned();
    let data = tempfile::tempdir().unwrap();
    let env = [("HTTP_PROXY", proxy_url.as_str()), ("NO_PROXY", "")];
    let run =
        ask_at("http://api.rockchat-proxy-test.invalid/v1", data.path(), &["hi"], None, &env).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "via the proxy\n"), "{}", run.stderr);
    let seen = proxy.requests().await;
    assert_eq!(seen[0].path, "http://api.rockchat-proxy-test.invalid/v1/chat/completions");

    // HTTPS goes through HTTPS_PROXY as a CONNECT tunnel; the proxy refusing it proves the
    // request went there (no certificate is needed to see that).
    let refusing = TestServer::start(vec![whole_reply(403, "text/plain", b"not here")]).await;
    let proxy_url = refusing.base_url.trim_end_matches("/v1").to_owned();
    let config = data.path().join("config.toml");
    std::fs::write(&config, "max_retries = 0\n").unwrap();
    let env = [
        ("HTTPS_PROXY", proxy_url.as_str()),
        ("NO_PROXY", ""),
        ("ROCKCHAT_CONFIG", config.to_str().unwrap()),
    ];
    let run =
        ask_at("https://api.rockchat-proxy-test.invalid/v1", data.path(), &["hi"], None, &env)
            .await;
    assert_eq!(run.code, 5, "{}", run.stderr);
    let seen = refusing.requests().await;
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        ("CONNECT", "api.rockchat-proxy-test.invalid:443")
    );

    // NO_PROXY lets a request past a proxy that is not even listening.
    let direct = TestServer::start(vec![reply(&["direct"])]).await;
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_proxy = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let env = [("HTTP_PROXY", dead_proxy.as_str()), ("NO_PROXY", "127.0.0.1,localhost")];
    let run = ask_at(&direct.base_url, data.path(), &["hi"], None, &env).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "direct\n"), "{}", run.stderr);
}

#[tokio::test]
async fn a_key_echoed_by_the_server_never_reaches_stderr_or_the_log() {
    let body = format!(r#"{{"error":{{"message":"Incorrect API key provided: {KEY}"}}}}"#);
    let server = TestServer::start(vec![json_reply(401, body.as_bytes())]).await;
    let data = tempfile::tempdir().unwrap();
    let env = [("ROCKCHAT_LOG", "trace")];
    let args = ["--api-key-env", "ROCKAPI_API_KEY", "hello"];
    let run = ask_at(&server.base_url, data.path(), &args, None, &env).await;
    assert_eq!(run.code, 4, "a refused key exits 4");
    assert!(run.stderr.contains("Incorrect API key provided: [redacted]"), "{}", run.stderr);
    let log = std::fs::read_to_string(data.path().join("rockchat.log")).unwrap();
    assert!(log.contains("ask failed") && log.contains("[redacted]"), "{log}");
    assert!(!log.contains(KEY) && !run.stderr.contains(KEY), "{log}");
    assert_eq!(
        server.requests().await[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
}

#[test]
fn a_config_file_others_can_change_is_warned_about_and_a_key_in_it_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let run = |text: &str, mode: u32| {
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_rockchat"))
            .args(["--config", path.to_str().unwrap(), "list"])
            .env("ROCKCHAT_DATA_DIR", dir.path())
            .output()
            .unwrap();
        (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
    };
    let (ok, stderr) = run("mouse = false\n", 0o666);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("can be changed by other users (mode 666)"), "{stderr}");
    assert!(stderr.contains("chmod go-w"), "{stderr}");
    let (ok, stderr) = run("mouse = false\n", 0o644);
    assert!(ok && stderr.is_empty(), "{stderr}");

    let (ok, stderr) = run("[providers.rockapi]\napi_key = \"sk-live-0123456789abcdef\"\n", 0o600);
    assert!(!ok, "{stderr}");
    assert!(
        stderr.contains("providers.rockapi.api_key") && stderr.contains("api_key_env"),
        "{stderr}"
    );
    assert!(!stderr.contains("sk-live"), "the key is not echoed: {stderr}");
}

#[test]
fn without_a_terminal_rockchat_points_to_ask() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_rockchat"))
        .env("ROCKCHAT_DATA_DIR", dir.path())
        .env("ROCKCHAT_CONFIG", &config)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("rockchat ask"), "{stderr}");
    assert!(!stderr.contains("os error"), "{stderr}");
}

/// A captured llama-server body with its chunked framing taken off: the SSE bytes.
fn dechunked(name: &str) -> Vec<u8> {
    let raw =
        std::fs::read(format!("{}/tests/fixtures/llama-server/{name}", env!("CARGO_MANIFEST_DIR")))
            .unwrap();
    let mut out = Vec::new();
    let mut rest = &raw[..];
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap(), 16).unwrap();
        rest = &rest[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

fn schema_file(dir: &std::path::Path) -> String {
    let path = dir.join("answer.json");
    std::fs::write(
        &path,
        r#"{"type":"object","properties":{"answer":{"type":"integer"}},"required":["answer"]}"#,
    )
    .unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn json_asked_for_prints_only_the_json_and_exits_zero() {
    let server = TestServer::start(vec![reply(&["\n{\"a\":", " [1, 2]}", "\n"])]).await;
    let run = ask(&server, &["--json", "give me a list"], None).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "{\"a\": [1, 2]}\n"), "{}", run.stderr);
    let body = &server.requests().await[0].body;
    assert_eq!(body["response_format"], json!({"type": "json_object"}));
}

#[tokio::test]
async fn a_reply_that_is_not_json_prints_nothing_on_stdout_and_exits_three() {
    let server = TestServer::start(vec![reply(&["Sure! Here is ", "{\"a\": 1"])]).await;
    let run = ask(&server, &["--json", "x"], None).await;
    assert_eq!((run.code, run.stdout.as_str()), (3, ""), "{}", run.stderr);
    assert!(run.stderr.contains("not valid JSON: line 1, column 1"), "{}", run.stderr);
    assert!(run.stderr.contains("the reply was: Sure! Here is {\"a\": 1"), "{}", run.stderr);
    assert!(run.stderr.contains("ignores response_format"), "{}", run.stderr);
}

#[tokio::test]
async fn a_schema_violation_names_where_and_exits_three() {
    let dir = tempfile::tempdir().unwrap();
    let schema = schema_file(dir.path());
    let server = TestServer::start(vec![reply(&["{\"answer\": ", "\"four\"}"])]).await;
    let run = ask(&server, &["--schema", &schema, "2+2?"], None).await;
    assert_eq!((run.code, run.stdout.as_str()), (3, ""), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "does not match the schema answer: at /answer: \"four\" is not of type \"integer\""
        ),
        "{}",
        run.stderr
    );
    let body = &server.requests().await[0].body;
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert_eq!(body["response_format"]["json_schema"]["name"], "answer");
    assert_eq!(body["response_format"]["json_schema"]["schema"]["required"], json!(["answer"]));
}

#[tokio::test]
async fn llama_servers_grammar_constrained_reply_passes_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let schema = schema_file(dir.path());
    let bytes = dechunked("ls-json-schema-stream.body");
    let server = TestServer::start(vec![sse_chunks(&bytes, 5)]).await;
    let run = ask(&server, &["--schema", &schema, "answer"], None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(value["answer"].is_i64(), "{}", run.stdout);
    assert!(run.stdout.starts_with("{\"answer\""), "only the JSON: {:?}", run.stdout);
}

#[tokio::test]
async fn a_bad_schema_file_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.json");
    std::fs::write(&path, r#"{"type": 12}"#).unwrap();
    let server = TestServer::start(vec![]).await;
    let run = ask(&server, &["--schema", &path.display().to_string(), "x"], None).await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("--schema: not a usable JSON Schema"), "{}", run.stderr);
    assert!(server.requests().await.is_empty());
}

#[tokio::test]
async fn a_server_that_refuses_response_format_gets_a_clear_message() {
    let refusal = br#"{"error":{"message":"response_format is not supported by this model","type":"invalid_request_error"}}"#;
    let server = TestServer::start(vec![json_reply(400, refusal)]).await;
    let run = ask(&server, &["--json", "x"], None).await;
    assert_eq!((run.code, run.stdout.as_str()), (6, ""));
    assert!(
        run.stderr.contains("This server does not take response_format (JSON replies): ask without --json or --schema"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn files_go_after_the_prompt_as_named_fenced_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.md");
    std::fs::write(&notes, "# Todo\n```sh\nls\n```\n").unwrap();
    let main = dir.path().join("main.rs");
    std::fs::write(&main, "fn main() {}").unwrap();
    let server = TestServer::start(vec![reply(&["ok"])]).await;
    let (notes, main) = (notes.display().to_string(), main.display().to_string());
    let run = ask(&server, &["-f", &notes, "--file", &main, "review"], None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let body = &server.requests().await[0].body;
    assert_eq!(
        body["messages"][1]["content"],
        "review\n\nnotes.md\n````md\n# Todo\n```sh\nls\n```\n````\n\nmain.rs\n```rs\nfn main() {}\n```"
    );
}

#[tokio::test]
async fn binary_and_oversized_files_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("a.out");
    std::fs::write(&binary, b"\x7fELF\x02\x01\x01\0\0\0").unwrap();
    let big = dir.path().join("big.log");
    std::fs::write(&big, "word ".repeat(200_000)).unwrap();
    let server = TestServer::start(vec![]).await;
    let run = ask(&server, &["-f", &binary.display().to_string(), "x"], None).await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("a.out is a binary file, not text"), "{}", run.stderr);
    // gpt-4o-mini's window is 128k tokens; a million bytes of words is more.
    let run =
        ask(&server, &["-m", "gpt-4o-mini", "-f", &big.display().to_string(), "x"], None).await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("more than the model's whole window"), "{}", run.stderr);
    let run = ask(&server, &["-f", "/nonexistent/x.md", "x"], None).await;
    assert!(run.stderr.contains("cannot attach /nonexistent/x.md: no such file"), "{}", run.stderr);
    assert!(server.requests().await.is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_preset_from_the_config_sends_its_system_turns_and_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[presets.fr]\nsystem_prompt = \"Translate into French.\"\nmodel = \"tiny-llama\"\n\
         temperature = 0.1\njson = true\n\
         [[presets.fr.turns]]\nuser = \"cat\"\nassistant = '{\"fr\": \"chat\"}'\n",
    )
    .unwrap();
    let server = TestServer::start(vec![reply(&["{\"fr\": \"chien\"}"])]).await;
    let config = config.display().to_string();
    let run = ask(&server, &["--config", &config, "--preset", "fr", "dog"], None).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "{\"fr\": \"chien\"}\n"), "{}", run.stderr);
    let body = &server.requests().await[0].body;
    assert_eq!(body["model"], "tiny-llama");
    assert_eq!(body["temperature"], 0.1);
    assert_eq!(body["response_format"], json!({"type": "json_object"}));
    assert_eq!(
        body["messages"],
        json!([
            {"role": "system", "content": "Translate into French."},
            {"role": "user", "content": "cat"},
            {"role": "assistant", "content": "{\"fr\": \"chat\"}"},
            {"role": "user", "content": "dog"},
        ])
    );
    let run = ask(&server, &["--config", &config, "--preset", "nope", "dog"], None).await;
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("no preset named nope; known presets: fr"), "{}", run.stderr);
}

/// `--usage`: the tokens and cost on stderr, stdout untouched; priced from the server's
/// OpenRouter-shaped `/models`, else from the config, else "cost unknown".
#[tokio::test]
async fn usage_goes_to_stderr_priced_by_the_server_or_the_config_or_unknown() {
    let detailed = |prompt: u64, cached: u64, completion: u64, reasoning: u64| {
        let usage = serde_json::json!({"choices": [], "usage": {
            "prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached},
            "completion_tokens_details": {"reasoning_tokens": reasoning}}});
        let mut bytes = sse_reply(&["Four."], "stop", None);
        let end = bytes.len() - "data: [DONE]\n\n".len();
        bytes.truncate(end);
        bytes.extend(format!("data: {usage}\n\ndata: [DONE]\n\n").into_bytes());
        sse_chunks(&bytes, 11)
    };
    let models = br#"{"data":[{"id":"openai/o3","pricing":{"prompt":"0.000002","completion":"0.000008","input_cache_read":"0.0000005"}}]}"#;
    let server =
        TestServer::start(vec![detailed(1000, 800, 500, 300), json_reply(200, models)]).await;
    let run = ask(&server, &["-m", "openai/o3", "--usage", "2+2?"], None).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "Four.\n"), "{}", run.stderr);
    assert!(
        run.stderr.contains("usage: 1000 in (800 cached) · 500 out (300 reasoning) · $0.0048"),
        "{}",
        run.stderr
    );

    // No price from the server: the config's, per million tokens.
    let server = TestServer::start(vec![reply(&["Four."]), json_reply(404, b"{}")]).await;
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("config.toml");
    std::fs::write(&config, "[models.\"m\"]\ninput_price = 3\noutput_price = 15\n").unwrap();
    let env = [("ROCKCHAT_CONFIG", config.to_str().unwrap())];
    let run =
        ask_at(&server.base_url, data.path(), &["-m", "m", "--usage", "2+2?"], None, &env).await;
    // 10×3 + 2×15 = 60 µ$.
    assert!(run.stderr.contains("usage: 10 in · 2 out · $0.00006"), "{}", run.stderr);

    // Neither: unknown, never $0.
    let server = TestServer::start(vec![reply(&["Four."]), json_reply(404, b"{}")]).await;
    let run = ask(&server, &["--usage", "2+2?"], None).await;
    assert!(run.stderr.contains("usage: 10 in · 2 out · cost unknown"), "{}", run.stderr);
    // Without the flag, nothing is said and no list is asked for.
    let server = TestServer::start(vec![reply(&["Four."])]).await;
    let run = ask(&server, &["2+2?"], None).await;
    assert!(!run.stderr.contains("usage"), "{}", run.stderr);
    assert_eq!(server.requests().await.len(), 1);
}

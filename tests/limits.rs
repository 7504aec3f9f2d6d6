//! Nothing unbounded, nothing hangs: every body and every event a server sends is capped,
//! every read has the idle timeout, a model list fetch has a total timeout and stops when
//! the picker closes, and a key command that hangs is stopped (with what it started) on its
//! timeout, on a cancelled request and on quitting.
//!
//! A scripted server on 127.0.0.1 with real sockets; the timeouts run on tokio's paused
//! clock. The hangs are the real binary's: `ask` as a child process, the app in a pty.

mod support;

use std::path::Path;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rockchat::api::{ApiClient, ApiError, Endpoint};
use rockchat::app::state::Target;
use rockchat::app::{Msg, State};
use rockchat::chat::{RequestMessage, Role};
use rockchat::term::driver::App;
use support::pty::Session;
use support::{Body, Reply, TestServer, event_stream, json_reply};

fn client(server: &TestServer) -> ApiClient {
    let endpoint = Endpoint {
        provider: "local".into(),
        base_url: server.base_url.clone(),
        key_hint: "no key was sent".into(),
        ..Endpoint::default()
    };
    ApiClient::new(endpoint).unwrap()
}

fn hello(client: &ApiClient, stream: bool) -> rockchat::api::types::ChatRequest {
    client.chat_request("tiny-llama", vec![RequestMessage::text(Role::User, "hello")], stream)
}

/// A 200 JSON reply whose body never ends.
fn endless_json() -> Reply {
    let mut reply = json_reply(200, b"");
    reply.body = Body::Endless(b"{\"choices\":[ ".repeat(4096));
    reply
}

/// A 200 reply of `content_type` that sends `head` and then nothing, holding the
/// connection open.
fn stalls(status: u16, content_type: &str, head: &[u8]) -> Reply {
    Reply {
        status,
        headers: vec![("Content-Type".into(), content_type.into())],
        body: Body::ChunksThenHang(vec![head.to_vec()]),
    }
}

/// Guards a hang; on the paused clock it costs no real time.
async fn within<T>(limit: Duration, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(limit, future).await.expect("it hung")
}

// ---- Every body and every event is capped ----

#[tokio::test]
async fn an_endless_json_reply_ends_at_the_limit_with_a_clear_error() {
    let server = TestServer::start(vec![endless_json(), endless_json()]).await;
    let client = client(&server);
    let expected = "the server's reply is longer than 16 MB, rockchat's limit for a body read whole; it was not read further";
    let whole = within(Duration::from_secs(60), client.complete(&hello(&client, false))).await;
    assert_eq!(whole, Err(ApiError::Protocol { message: expected.into() }));
    // A JSON answer to a streamed request is read whole too.
    let request = hello(&client, true);
    let streamed = within(Duration::from_secs(60), client.stream(&request, |_| {})).await;
    assert_eq!(streamed, Err(ApiError::Protocol { message: expected.into() }));
}

#[tokio::test]
async fn an_endless_model_list_ends_at_the_limit() {
    let server = TestServer::start(vec![endless_json()]).await;
    let listed = within(Duration::from_secs(60), client(&server).list_models()).await;
    let Err(ApiError::Protocol { message }) = listed else { panic!("{listed:?}") };
    assert!(message.starts_with("the server's /models is longer than 16 MB"), "{message}");
}

/// Many 1 MB `data:` lines and never the blank line that ends the event: each line is
/// under the line limit, so only a cap on the event stops it. What came before stays.
#[tokio::test]
async fn an_event_of_endless_data_lines_ends_at_the_limit_and_keeps_the_partial() {
    let first = br#"data: {"choices":[{"index":0,"delta":{"content":"Kept so far"}}]}

"#;
    let line = [b"data: ".as_slice(), &b"x".repeat(1024 * 1024), b"\n"].concat();
    let mut pieces = vec![first.to_vec()];
    pieces.extend(std::iter::repeat_n(line, 40));
    let server = TestServer::start(vec![event_stream(Body::Chunks(pieces))]).await;
    let client = client(&server);
    let (text, _, result) = support::collect_stream(&client, &hello(&client, true)).await;
    assert_eq!(text, "Kept so far");
    let message = "the server sent an event longer than 16777216 bytes";
    assert_eq!(result, Err(ApiError::Protocol { message: message.into() }));
}

// ---- Every read has the idle timeout ----

#[tokio::test(start_paused = true)]
async fn a_reply_that_is_not_streamed_and_stalls_times_out() {
    let server = TestServer::start(vec![stalls(200, "application/json", b"{\"choices\":[")]).await;
    let client = client(&server).with_idle_timeout(Duration::from_secs(120));
    let result = within(Duration::from_secs(3600), client.complete(&hello(&client, false))).await;
    let silent = "the server sent nothing for 120 s";
    assert_eq!(result, Err(ApiError::Network { message: silent.into() }));
}

#[tokio::test(start_paused = true)]
async fn an_error_whose_body_stalls_times_out_with_its_status_and_what_arrived() {
    let head = br#"{"error":{"message":"overloaded, try ag"#;
    let server = TestServer::start(vec![stalls(500, "application/json", head)]).await;
    let client = client(&server).with_idle_timeout(Duration::from_secs(120));
    let request = hello(&client, true);
    let result = within(Duration::from_secs(3600), client.stream(&request, |_| {})).await;
    let Err(ApiError::Http { status: 500, message, .. }) = result else { panic!("{result:?}") };
    assert!(message.contains("overloaded, try ag"), "{message}");
    assert!(message.contains("the server stopped sending its error after 39 bytes"), "{message}");
}

#[tokio::test(start_paused = true)]
async fn a_model_list_that_stalls_times_out() {
    let server = TestServer::start(vec![stalls(200, "application/json", b"{\"data\":[")]).await;
    let client = client(&server).with_idle_timeout(Duration::from_secs(120));
    let result = within(Duration::from_secs(3600), client.list_models()).await;
    let Err(ApiError::Network { message }) = result else { panic!("{result:?}") };
    // Whichever comes first: the list's total timeout is shorter than the idle timeout.
    assert_eq!(message, "the model list did not arrive within 30 s");
}

/// A list that trickles in a byte every few seconds never trips the idle timeout; the
/// fetch's total timeout ends it.
#[tokio::test(start_paused = true)]
async fn a_model_list_that_trickles_ends_at_the_total_timeout() {
    let bytes = br#"{"data":[{"id":"a"},{"id":"b"},{"id":"c"},{"id":"d"}]}"#;
    let pieces: Vec<Vec<u8>> = bytes.iter().map(|b| vec![*b]).collect();
    let trickle = Reply {
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: Body::PacedThenHang(pieces, Duration::from_secs(5)),
    };
    let server = TestServer::start(vec![trickle]).await;
    let client = client(&server).with_idle_timeout(Duration::from_secs(10));
    let started = tokio::time::Instant::now();
    let result = within(Duration::from_secs(3600), client.list_models()).await;
    let message = "the model list did not arrive within 30 s";
    assert_eq!(result, Err(ApiError::Network { message: message.into() }));
    assert_eq!(started.elapsed().as_secs(), 30);
}

/// Closing the picker stops the fetch it started: the connection to a server still
/// sending its list is closed, not read on for nobody.
#[tokio::test]
async fn closing_the_picker_stops_its_model_fetch() {
    let slow = Reply {
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: Body::ChunksThenWatch(vec![b"{\"data\":[{\"id\":\"first\"},".to_vec()]),
    };
    let server = TestServer::start(vec![slow]).await;
    let target = Target { provider: "local".into(), model: "tiny-llama".into() };
    let mut state = State::new(target, String::new(), false);
    state.catalog.provider_mut("local").offered = true;
    let terminal = Terminal::new(TestBackend::new(80, 20)).unwrap();
    let mut app = App::new(state, terminal, client(&server), Box::new(|_| Ok(())));
    let key = |code, modifiers| Msg::Key(KeyEvent::new(code, modifiers));
    app.dispatch(key(KeyCode::Char('p'), KeyModifiers::CONTROL)).unwrap();
    within(Duration::from_secs(10), server.body_written()).await;
    app.dispatch(key(KeyCode::Esc, KeyModifiers::NONE)).unwrap();
    within(Duration::from_secs(10), server.client_closed()).await;
    assert!(!app.state().catalog.providers["local"].fetching, "the next open asks again");
}

// ---- A key command that hangs ----

/// The processes whose command line holds `marker` and that still run (not zombies). The
/// arguments of a command line are separated by NULs: `sh -c "…; sleep 9"` holds
/// "sleep 9", the `sleep` it starts holds "sleep\09".
fn running(marker: &str) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    entries
        .filter_map(|entry| {
            let dir = entry.ok()?.path();
            let cmdline = std::fs::read(dir.join("cmdline")).ok()?;
            let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
            let zombie = stat.rsplit(')').next()?.trim_start().starts_with('Z');
            let found = cmdline.windows(marker.len()).any(|w| w == marker.as_bytes());
            (found && !zombie).then_some(())
        })
        .count()
}

/// Waits for the kernel to finish processes already killed until `count` shells of the
/// command run; fails if more keep running (nothing killed them).
fn until_running(marker: &str, count: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let now = running(marker);
        assert!(now >= count, "{now} runs of {marker}, {count} expected");
        if now == count {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{now} runs of {marker} at once");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for the kernel to finish processes already killed, the shell and the `sleep` it
/// started both; only a guard against a hang.
fn until_none_running(marker: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let child = marker.replace(' ', "\0");
    while running(marker) + running(&child) > 0 {
        assert!(std::time::Instant::now() < deadline, "{marker} still runs");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn config_with_key_command(dir: &Path, base_url: &str, command: &str, timeout: u64) -> String {
    let path = dir.join("config.toml");
    let text = format!(
        "api_key_cmd_timeout_secs = {timeout}\n\n[providers.lab]\nbase_url = \"{base_url}\"\nmodel = \"m\"\napi_key_cmd = \"{command}\"\n"
    );
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// `ask` with a key command that never ends: it is stopped after its timeout, with the
/// child it started, and `ask` fails saying so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_with_a_hanging_key_command_fails_clearly_and_leaves_nothing_running() {
    let server = TestServer::start(vec![]).await;
    let data = tempfile::tempdir().unwrap();
    // Two commands, so `sh` forks `sleep` rather than becoming it: the child's child must go too.
    let marker = "sleep 987001";
    let command = format!("{marker}; echo sk-never-0123456789");
    let config = config_with_key_command(data.path(), &server.base_url, &command, 1);
    let mut ask = tokio::process::Command::new(env!("CARGO_BIN_EXE_rockchat"));
    ask.args(["--config", &config, "--provider", "lab", "ask", "hi"])
        .env("ROCKCHAT_DATA_DIR", data.path())
        .env_remove("ROCKCHAT_CONFIG")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let output = within(Duration::from_secs(20), ask.output()).await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "a key command that fails exits 4: {stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot get the API key for provider `lab`: `{command}` did not finish within 1 s (api_key_cmd_timeout_secs) and was stopped"
        )),
        "{stderr}"
    );
    until_none_running(marker);
    assert!(server.requests().await.is_empty(), "nothing is sent without the key");
}

/// The app with a key command that never ends (and a timeout far away): a cancelled
/// request stops it, a new send runs one (never two at once), and quitting neither waits on
/// it nor leaves it behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_key_command_runs_once_at_a_time_and_quitting_stops_it() {
    let server = TestServer::start(vec![]).await;
    let data = tempfile::tempdir().unwrap();
    let fifo = data.path().join("started");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let marker = "sleep 987002";
    // Says it started (the test waits on the pipe, not on time), then hangs.
    let command = format!("echo started > {}; {marker}; echo sk-never-0123456789", fifo.display());
    let config = config_with_key_command(data.path(), &server.base_url, &command, 3600);
    let dir = data.path().to_owned();
    tokio::task::spawn_blocking(move || {
        let started = || std::fs::read_to_string(&fifo).unwrap();
        let args = ["--config", config.as_str(), "--provider", "lab"];
        let mut session = Session::start(&args, &dir, &[]);
        session.press(b"first\r");
        assert_eq!(started(), "started\n");
        session.press(b"\x1b");
        session.wait_for("stopped");
        session.press(b"second\r");
        assert_eq!(started(), "started\n");
        // The cancelled request's run was killed; on a busy machine the kernel may take a
        // moment to finish it, so this waits (bounded) for one run left, not for time.
        until_running(marker, 1);
        session.quit();
        until_none_running(marker);
    })
    .await
    .unwrap();
    assert!(server.requests().await.is_empty());
}

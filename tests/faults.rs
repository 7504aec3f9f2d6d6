//! The fault suite: the whole app (driver, `TestBackend` terminal, a real database file)
//! against a scripted server on 127.0.0.1 that misbehaves in one way per case. Each case
//! checks what the user sees on screen and what the store holds afterwards.
//!
//! Waits are on state, never on time; the cases about time (a server asking to wait, a
//! server gone silent) run on tokio's paused clock.

mod support;

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::stream::{self, Pending};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rockchat::api::{ApiClient, Endpoint};
use rockchat::app::state::{Stream, Target};
use rockchat::app::{Msg, State};
use rockchat::chat::Status;
use rockchat::secret::ApiKey;
use rockchat::store::{Store, StoredConversation};
use rockchat::term::driver::App;
use rockchat::term::host::Host;
use support::{Body, Reply, TestServer, event_stream, json_reply, split_every, whole_reply};
use tempfile::TempDir;

/// One run of the app against one scripted server, saving to its own database file.
struct Case {
    app: App<TestBackend>,
    server: Option<TestServer>,
    data: TempDir,
}

impl Case {
    async fn serve(replies: Vec<Reply>) -> Case {
        let server = TestServer::start(replies).await;
        let mut case = Case::at(&server.base_url);
        case.server = Some(server);
        case
    }

    fn at(base_url: &str) -> Case {
        Case::with_client(base_url, Duration::from_secs(120), None)
    }

    fn with_client(base_url: &str, idle_timeout: Duration, key: Option<&str>) -> Case {
        Case::configured(base_url, idle_timeout, key, |_| {})
    }

    /// A case whose state `configure` sets up before the app starts (a retry policy).
    fn configured(
        base_url: &str,
        idle_timeout: Duration,
        key: Option<&str>,
        configure: impl FnOnce(&mut State),
    ) -> Case {
        let endpoint = Endpoint {
            provider: "local".into(),
            base_url: base_url.to_owned(),
            api_key: key.and_then(ApiKey::new),
            key_hint: "no key was sent".into(),
            stream_usage: true,
            ..Endpoint::default()
        };
        let client = ApiClient::new(endpoint).unwrap().with_idle_timeout(idle_timeout);
        let target = Target { provider: "local".into(), model: "tiny-llama".into() };
        let mut state = State::new(target, "You are a helpful assistant".into(), false);
        // Retries wait milliseconds, except where a case sets its own policy.
        state.retry.base_delay = Duration::from_millis(2);
        configure(&mut state);
        let terminal = Terminal::new(TestBackend::new(80, 20)).unwrap();
        let mut app = App::new(state, terminal, client, Box::new(|_| Ok(())));
        let data = tempfile::tempdir().unwrap();
        app.attach_store(Store::open(&data.path().join("rockchat.db")).unwrap()).unwrap();
        Case { app, server: None, data }
    }

    fn key(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        self.app.dispatch(Msg::Key(KeyEvent::new(code, modifiers))).unwrap();
    }

    fn send(&mut self, text: &str) {
        self.app.dispatch(Msg::Paste(text.into())).unwrap();
        self.key(KeyCode::Enter, KeyModifiers::NONE);
    }

    async fn until(&mut self, done: impl Fn(&State) -> bool) {
        // Long enough for the paused-clock cases, whose waits cost no real time.
        let limit = Duration::from_secs(3_600);
        let mut input: Pending<io::Result<Event>> = stream::pending();
        tokio::time::timeout(limit, self.app.run_until(&mut input, done))
            .await
            .expect("the app reached the expected state")
            .unwrap();
    }

    async fn ask(&mut self, text: &str) {
        self.send(text);
        self.until(idle).await;
    }

    /// The screen as drawn now, wrapped rows joined so a phrase is found across a wrap.
    fn screen(&mut self) -> String {
        self.app.draw().unwrap();
        let buffer = self.app.terminal().backend().buffer();
        let area = buffer.area;
        (0..area.height)
            .map(|y| (0..area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>())
            .map(|row| row.trim().to_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    async fn requests(&self) -> usize {
        match &self.server {
            Some(server) => server.requests().await.len(),
            None => 0,
        }
    }

    /// Ends the app (the writer flushes everything) and hands over its data dir.
    fn finish(self) -> TempDir {
        self.app.finish();
        self.data
    }

    /// Ends the app and reads the conversation back from the file.
    fn stored(self) -> StoredConversation {
        self.stored_with_branches().0
    }

    /// The conversation as loaded (its current branch), and every message row in the file.
    fn stored_with_branches(self) -> (StoredConversation, Vec<(String, String, String)>) {
        let data = self.finish();
        let db = data.path().join("rockchat.db");
        let store = Store::open(&db).unwrap();
        let stored = store.load(store.latest().unwrap().expect("a conversation was saved"));
        (stored.unwrap(), every_message(&db))
    }
}

fn idle(state: &State) -> bool {
    !state.stream.is_busy()
}

fn role_chunk() -> Vec<u8> {
    data(
        r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}]}"#,
    )
}

fn delta(text: &str) -> Vec<u8> {
    let chunk =
        serde_json::json!({"choices":[{"index":0,"delta":{"content":text},"finish_reason":null}]});
    data(&chunk.to_string())
}

fn finish() -> Vec<u8> {
    data(r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#)
}

fn done() -> Vec<u8> {
    data("[DONE]")
}

fn data(payload: &str) -> Vec<u8> {
    format!("data: {payload}\n\n").into_bytes()
}

/// A normal reply: role, the deltas, a finish and `[DONE]`, each event its own piece.
fn reply(deltas: &[&str]) -> Reply {
    let mut pieces = vec![role_chunk()];
    pieces.extend(deltas.iter().map(|d| delta(d)));
    pieces.extend([finish(), done()]);
    event_stream(Body::Chunks(pieces))
}

fn status_and_error(message: &rockchat::store::StoredMessage) -> (&str, &str) {
    (message.status.as_str(), message.error.as_deref().unwrap_or(""))
}

#[tokio::test]
async fn connection_refused_is_retried_then_shown_with_advice_and_the_prompt_is_kept() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    drop(listener);
    let mut case = Case::configured(&url, Duration::from_secs(120), None, |state| {
        state.retry.max_retries = 2;
    });
    case.ask("is anyone there?").await;
    let shown = case.screen();
    assert!(shown.contains("is anyone there?"), "{shown}");
    assert!(shown.contains(&format!("cannot connect to {url}")), "{shown}");
    assert!(shown.contains("Check that the server is running and reachable"), "{shown}");
    assert!(shown.contains("local · tiny-llama · error"), "{shown}");
    let stored = case.stored();
    assert_eq!(stored.messages.len(), 1);
    assert_eq!(stored.messages[0].content, "is anyone there?");
    let (status, error) = status_and_error(&stored.messages[0]);
    assert!(status == "error" && error.contains("cannot connect"), "{status}: {error}");
}

#[tokio::test]
async fn a_dropped_connection_keeps_the_partial_is_not_retried_and_offers_continue_and_retry() {
    let dropped = event_stream(Body::ChunksThenDrop(vec![
        role_chunk(),
        delta("The answer is"),
        delta(" forty"),
    ]));
    let mut case = Case::serve(vec![dropped, reply(["-two."].as_slice())]).await;
    case.ask("what is the answer?").await;
    let shown = case.screen();
    assert!(shown.contains("The answer is forty"), "{shown}");
    assert!(shown.contains("the connection broke mid-reply"), "{shown}");
    assert!(shown.contains("Ctrl+O continues it, Ctrl+R asks again"), "{shown}");
    assert!(shown.contains("partial kept · Ctrl+O continues · Ctrl+R retries"), "{shown}");
    assert_eq!(case.requests().await, 1, "a started reply is never retried silently");

    case.key(KeyCode::Char('o'), KeyModifiers::CONTROL);
    case.until(idle).await;
    let shown = case.screen();
    assert!(shown.contains("-two."), "{shown}");
    let stored = case.stored();
    let texts: Vec<&str> = stored.messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(
        texts,
        [
            "what is the answer?",
            "The answer is forty",
            "Continue exactly where you stopped.",
            "-two."
        ]
    );
    let (status, error) = status_and_error(&stored.messages[1]);
    assert!(status == "error" && error.contains("broke mid-reply"), "{status}: {error}");
    assert_eq!(stored.messages[3].status, "complete");
}

#[tokio::test]
async fn a_garbage_line_ends_the_reply_with_the_line_quoted_and_ctrl_r_asks_again() {
    let garbage = event_stream(Body::Chunks(vec![
        role_chunk(),
        delta("Partial"),
        b"data: <html>proxy says hi</html>\n\n".to_vec(),
        delta(" never shown"),
        done(),
    ]));
    let mut case = Case::serve(vec![garbage, reply(&["Whole answer"])]).await;
    case.ask("hello").await;
    let shown = case.screen();
    assert!(shown.contains("Partial"), "{shown}");
    assert!(!shown.contains("never shown"), "{shown}");
    assert!(shown.contains("not valid JSON"), "{shown}");
    assert!(shown.contains("<html>proxy says hi</html>"), "{shown}");
    assert_eq!(case.requests().await, 1);

    case.key(KeyCode::Char('r'), KeyModifiers::CONTROL);
    case.until(idle).await;
    let shown = case.screen();
    assert!(shown.contains("Whole answer") && shown.contains("branch 2/2"), "{shown}");
    let (stored, rows) = case.stored_with_branches();
    assert_eq!(stored.messages[1].content, "Whole answer");
    // The broken reply stays in the file, beside the retry that replaced it.
    assert_eq!(rows[1].0, "Partial");
    assert!(rows[1].1 == "error" && rows[1].2.contains("not valid JSON"), "{:?}", rows[1]);
    assert_eq!(rows[2].0, "Whole answer");
}

/// Every message row in the file, branches included: content, status, error.
fn every_message(db: &std::path::Path) -> Vec<(String, String, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut statement = conn
        .prepare("SELECT content, status, coalesce(error, '') FROM messages ORDER BY id")
        .unwrap();
    statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

#[tokio::test]
async fn a_truncated_json_line_is_a_clear_error_and_the_text_before_it_stays() {
    let truncated = event_stream(Body::Chunks(vec![
        role_chunk(),
        delta("Before the cut"),
        b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"half a ch\n\n".to_vec(),
        finish(),
        done(),
    ]));
    let mut case = Case::serve(vec![truncated]).await;
    case.ask("hello").await;
    let shown = case.screen();
    assert!(shown.contains("Before the cut"), "{shown}");
    assert!(shown.contains("not valid JSON"), "{shown}");
    let stored = case.stored();
    assert_eq!(stored.messages[1].content, "Before the cut");
    assert_eq!(stored.messages[1].status, "error");
}

#[tokio::test]
async fn a_line_of_several_megabytes_arrives_whole_and_its_end_is_on_screen() {
    let big = format!("{} END OF THE LONG LINE", "x".repeat(3 * 1024 * 1024));
    let bytes = [role_chunk(), delta(&big), finish(), done()].concat();
    // In 64 KiB pieces: the one line spans about fifty reads.
    let mut case = Case::serve(vec![event_stream(Body::Chunks(split_every(&bytes, 65_536)))]).await;
    case.ask("say a lot").await;
    let shown = case.screen();
    assert!(shown.contains("END OF THE LONG LINE"), "{shown}");
    assert!(shown.contains("local · tiny-llama · idle"), "{shown}");
    let stored = case.stored();
    assert_eq!(stored.messages[1].content, big);
    assert_eq!(stored.messages[1].status, "complete");
}

#[tokio::test]
async fn a_line_over_the_limit_ends_the_reply_with_a_clear_error() {
    let huge = vec![b'y'; 17 * 1024 * 1024];
    let mut bytes = [role_chunk(), delta("Kept text")].concat();
    bytes.extend_from_slice(b"data: ");
    bytes.extend_from_slice(&huge);
    let mut case =
        Case::serve(vec![event_stream(Body::ChunksThenHang(split_every(&bytes, 1 << 20)))]).await;
    case.ask("say too much").await;
    let shown = case.screen();
    assert!(shown.contains("Kept text"), "{shown}");
    assert!(shown.contains("line longer than"), "{shown}");
    let stored = case.stored();
    assert_eq!(stored.messages[1].content, "Kept text");
    assert_eq!(stored.messages[1].status, "error");
}

#[tokio::test]
async fn invalid_utf8_becomes_a_replacement_character_and_a_split_character_is_rejoined() {
    let mut bytes = [role_chunk(), delta("caf")].concat();
    // "é" cut across two reads, then two bytes that are never UTF-8.
    bytes.extend_from_slice(b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\xc3");
    let cut = bytes.len();
    bytes.extend_from_slice(b"\xa9 ok \xff\xfe end\"}}]}\n\n");
    bytes.extend([finish(), done()].concat());
    let pieces = vec![bytes[..cut].to_vec(), bytes[cut..].to_vec()];
    let mut case = Case::serve(vec![event_stream(Body::Chunks(pieces))]).await;
    case.ask("accents please").await;
    let shown = case.screen();
    assert!(shown.contains("café ok �� end"), "{shown}");
    let stored = case.stored();
    assert_eq!(stored.messages[1].content, "café ok \u{fffd}\u{fffd} end");
    assert_eq!(stored.messages[1].status, "complete");
}

#[tokio::test]
async fn a_stream_that_ends_after_its_finish_but_without_done_is_complete() {
    let no_done = event_stream(Body::Chunks(vec![role_chunk(), delta("All here"), finish()]));
    let mut case = Case::serve(vec![no_done]).await;
    case.ask("hi").await;
    let shown = case.screen();
    assert!(shown.contains("All here") && shown.contains("· idle"), "{shown}");
    let stored = case.stored();
    assert_eq!(stored.messages[1].status, "complete");
}

#[tokio::test]
async fn a_stream_that_ends_without_finish_or_done_is_cut_short_and_the_partial_stays() {
    let cut = event_stream(Body::Chunks(vec![role_chunk(), delta("Only the start")]));
    let mut case = Case::serve(vec![cut]).await;
    case.ask("hi").await;
    let shown = case.screen();
    assert!(shown.contains("Only the start"), "{shown}");
    assert!(shown.contains("the connection closed before the reply finished"), "{shown}");
    assert_eq!(case.requests().await, 1);
    let stored = case.stored();
    assert_eq!(stored.messages[1].content, "Only the start");
    let (status, error) = status_and_error(&stored.messages[1]);
    assert!(status == "error" && error.contains("before the reply finished"), "{error}");
}

#[tokio::test]
async fn an_error_object_mid_stream_shows_the_servers_message_and_keeps_the_partial() {
    let failing = event_stream(Body::Chunks(vec![
        role_chunk(),
        delta("Thinking about"),
        data(r#"{"error":{"message":"model overloaded","type":"server_error"}}"#),
        done(),
    ]));
    let mut case = Case::serve(vec![failing]).await;
    case.ask("hard question").await;
    let shown = case.screen();
    assert!(shown.contains("Thinking about"), "{shown}");
    assert!(shown.contains("the server reported an error mid-reply: model overloaded"), "{shown}");
    assert_eq!(case.requests().await, 1);
    let stored = case.stored();
    let (status, error) = status_and_error(&stored.messages[1]);
    assert_eq!(stored.messages[1].content, "Thinking about");
    assert!(status == "error" && error.contains("model overloaded"), "{error}");
}

#[tokio::test]
async fn a_200_with_an_html_page_says_it_is_not_an_event_stream() {
    let page = b"<html><head><title>Login</title></head><body>Sign in to the proxy</body></html>";
    let mut case = Case::serve(vec![whole_reply(200, "text/html", page)]).await;
    case.ask("hello").await;
    let shown = case.screen();
    assert!(shown.contains("not an event stream (content type text/html)"), "{shown}");
    assert!(shown.contains("hello"), "{shown}");
    let stored = case.stored();
    assert_eq!(stored.messages.len(), 1);
    let (status, error) = status_and_error(&stored.messages[0]);
    assert!(status == "error" && error.contains("not an event stream"), "{error}");
}

#[tokio::test]
async fn a_500_is_retried_and_the_answer_that_follows_is_complete() {
    let crash = json_reply(500, br#"{"error":{"message":"worker crashed"}}"#);
    let mut case = Case::serve(vec![crash, reply(&["Back", " again"])]).await;
    case.ask("hello").await;
    let shown = case.screen();
    assert!(shown.contains("Back again") && shown.contains("· idle"), "{shown}");
    assert!(!shown.contains("worker crashed"), "the error went with the retry: {shown}");
    assert_eq!(case.requests().await, 2);
    let stored = case.stored();
    let statuses: Vec<&str> = stored.messages.iter().map(|m| m.status.as_str()).collect();
    assert_eq!(statuses, ["complete", "complete"]);
    assert_eq!(stored.messages[1].content, "Back again");
}

#[tokio::test(start_paused = true)]
async fn a_429_with_retry_after_counts_down_on_screen_then_retries() {
    let started = tokio::time::Instant::now();
    let limited = Reply {
        status: 429,
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("Retry-After".into(), "7".into()),
        ],
        body: Body::Whole(br#"{"error":{"message":"slow down"}}"#.to_vec()),
    };
    let mut case = Case::serve(vec![limited, reply(&["Thanks for waiting"])]).await;
    case.send("hello");
    case.until(|s| matches!(s.stream, Stream::Backoff { .. })).await;
    let shown = case.screen();
    assert!(shown.contains("rate limited: retry 1 of 3 in 7 s · Esc cancels"), "{shown}");
    assert!(shown.contains("HTTP 429: slow down"), "{shown}");

    tokio::time::advance(Duration::from_millis(3_500)).await;
    case.app.dispatch(Msg::Tick(tokio::time::Instant::now().into_std())).unwrap();
    let shown = case.screen();
    assert!(shown.contains("retry 1 of 3 in 4 s"), "{shown}");

    case.until(idle).await;
    assert!(started.elapsed() >= Duration::from_secs(7));
    let shown = case.screen();
    assert!(shown.contains("Thanks for waiting") && !shown.contains("slow down"), "{shown}");
    let stored = case.stored();
    assert_eq!(stored.messages[0].status, "complete");
    assert_eq!(stored.messages[1].content, "Thanks for waiting");
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_stalls_times_out_and_keeps_what_arrived() {
    let stall = event_stream(Body::ChunksThenHang(vec![role_chunk(), delta("Still thinking")]));
    let server = TestServer::start(vec![stall]).await;
    let mut case = Case::with_client(&server.base_url, Duration::from_secs(30), None);
    let started = tokio::time::Instant::now();
    case.ask("slow question").await;
    assert!(started.elapsed() >= Duration::from_secs(30));
    let shown = case.screen();
    assert!(shown.contains("Still thinking"), "{shown}");
    assert!(shown.contains("the server sent nothing for 30 s"), "{shown}");
    assert!(shown.contains("Ctrl+O continues"), "{shown}");
    let stored = case.stored();
    assert_eq!(stored.messages[1].content, "Still thinking");
    let (status, error) = status_and_error(&stored.messages[1]);
    assert!(status == "error" && error.contains("sent nothing for 30 s"), "{error}");
}

#[tokio::test]
async fn a_resize_mid_stream_keeps_the_newest_text_in_view() {
    let lines: Vec<String> = (1..=40).map(|i| format!("line {i} of the reply\n")).collect();
    let mut pieces = vec![role_chunk()];
    pieces.extend(lines.iter().map(|l| delta(l)));
    pieces.extend([finish(), done()]);
    let paced = event_stream(Body::PacedThenHang(pieces, Duration::from_millis(3)));
    let mut case = Case::serve(vec![paced]).await;
    case.send("count to forty");
    let has = |text: &'static str| {
        move |s: &State| s.conversation.messages().last().is_some_and(|m| m.content.contains(text))
    };
    case.until(has("line 12 ")).await;
    case.app.terminal_mut().backend_mut().resize(36, 12);
    case.app.dispatch(Msg::Resize(36, 12)).unwrap();
    case.until(has("line 40 ")).await;
    let shown = case.screen();
    assert!(shown.contains("line 40 of the reply"), "{shown}");
    assert!(!shown.contains("line 30 of"), "only the newest lines fit: {shown}");
    let buffer = case.app.terminal().backend().buffer().clone();
    assert_eq!((buffer.area.width, buffer.area.height), (36, 12));
    case.app.terminal_mut().backend_mut().resize(100, 30);
    case.app.dispatch(Msg::Resize(100, 30)).unwrap();
    let shown = case.screen();
    assert!(shown.contains("line 40 of the reply") && shown.contains("line 25 of"), "{shown}");
}

#[tokio::test]
async fn ctrl_z_suspends_and_on_return_the_reply_kept_arriving_and_the_screen_is_whole() {
    // What the real terminal would be asked, in order.
    let calls = Arc::new(Mutex::new(Vec::new()));
    let (screens, stops) = (calls.clone(), calls.clone());
    let paced = event_stream(Body::PacedThenHang(
        [role_chunk(), delta("Before"), delta(" and after"), finish(), done()].to_vec(),
        Duration::from_millis(5),
    ));
    let server = TestServer::start(vec![paced]).await;
    let mut case = Case::at(&server.base_url);
    case.app.set_host(Host {
        screen: Box::new(move |screen| {
            screens.lock().unwrap().push(format!("{screen:?}"));
            Ok(())
        }),
        stop: Box::new(move || {
            stops.lock().unwrap().push("stopped until fg".to_owned());
            Ok(())
        }),
        ..Host::default()
    });
    case.send("tell me");
    case.until(|s| s.conversation.messages().last().is_some_and(|m| m.content == "Before")).await;
    case.key(KeyCode::Char('z'), KeyModifiers::CONTROL);
    assert_eq!(*calls.lock().unwrap(), ["Release", "stopped until fg", "Reclaim { mouse: false }"]);
    case.until(idle).await;
    let shown = case.screen();
    assert!(shown.contains("Before and after") && shown.contains("● You"), "{shown}");
    assert_eq!(case.app.state().conversation.messages()[1].status, Status::Complete);
}

#[tokio::test]
async fn a_key_the_server_echoes_reaches_neither_the_screen_nor_the_database_nor_an_export() {
    const KEY: &str = "sk-live-echoed-0123456789";
    let body = format!(r#"{{"error":{{"message":"Incorrect API key provided: {KEY}"}}}}"#);
    let server = TestServer::start(vec![json_reply(401, body.as_bytes())]).await;
    let mut case = Case::with_client(&server.base_url, Duration::from_secs(30), Some(KEY));
    case.ask("hello").await;
    let shown = case.screen();
    assert!(shown.contains("Incorrect API key provided: [redacted]"), "{shown}");
    assert!(!shown.contains(KEY));
    let data = case.finish();
    let rows = every_message(&data.path().join("rockchat.db"));
    assert_eq!(rows.len(), 1);
    assert!(rows[0].2.contains("Incorrect API key provided: [redacted]"), "{:?}", rows[0]);
    assert!(rows.iter().all(|(content, _, error)| !content.contains(KEY) && !error.contains(KEY)));
    for format in ["json", "md"] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_rockchat"))
            .args(["export", "1", "--format", format])
            .env("ROCKCHAT_DATA_DIR", data.path())
            .env_remove("ROCKCHAT_CONFIG")
            .output()
            .unwrap();
        let exported = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success() && exported.contains("hello"), "{exported}");
        assert!(!exported.contains(KEY), "{exported}");
    }
}

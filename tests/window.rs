//! The context window against real servers' bytes (tests/fixtures, captured from
//! llama.cpp's llama-server and llama-cpp-python's server), replayed by a real server on
//! 127.0.0.1: an overflow that arrives as a silent stream, an image refused by a text-only
//! model, the window asked of the server, counts asked of its tokenizer.

mod support;

use rockchat::api::{ApiClient, ApiError, Endpoint};
use rockchat::chat::{RequestMessage, Role};
use support::{Body, TestServer, captured};

fn client(server: &TestServer) -> ApiClient {
    ApiClient::new(Endpoint {
        provider: "local".into(),
        base_url: server.base_url.clone(),
        key_hint: "no key was sent".into(),
        ..Endpoint::default()
    })
    .unwrap()
}

fn long_prompt() -> Vec<RequestMessage> {
    vec![RequestMessage::text(Role::User, "word ".repeat(6_000))]
}

/// llama-cpp-python's answer to a streamed prompt longer than its window: 200, an empty
/// event stream, and a connection it then closes under the next request sent on it.
fn silent_overflow_stream() -> support::Reply {
    let mut reply = captured("llama-cpp-python", "lcp-overflow-stream");
    let Body::Chunks(pieces) = reply.body else { panic!("the capture is chunked") };
    assert!(pieces.is_empty(), "the captured stream is empty");
    reply.body = Body::ChunksThenCloseOnNext(pieces);
    reply
}

#[tokio::test]
async fn a_silent_overflow_from_llama_cpp_python_is_an_overflow_with_its_numbers() {
    let server = TestServer::start(vec![
        silent_overflow_stream(),
        captured("llama-cpp-python", "lcp-overflow"),
    ])
    .await;
    let client = client(&server);
    let request = client.chat_request("tiny-llama", long_prompt(), true);
    let (_, _, result) = support::collect_stream(&client, &request).await;
    let error = result.expect_err("the prompt is too long");
    assert!(
        matches!(error, ApiError::ContextOverflow { window: Some(512), requested: Some(6402), .. }),
        "the probe reaches the server and its overflow is read: {error:?}"
    );
    let requests = server.requests().await;
    assert_eq!(requests.last().unwrap().body["stream"], false, "the probe is unstreamed");
}

// The whole app (driver, `TestBackend`, a real database file) against the replayed server.

use std::io;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::stream::{self, Pending};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rockchat::app::state::Target;
use rockchat::app::{Msg, State};
use rockchat::chat::Status;
use rockchat::chat::tally::Precision;
use rockchat::store::Store;
use rockchat::term::driver::App;
use support::{Reply, event_stream, split_every, sse_reply};

type Input = Pending<io::Result<Event>>;

/// The app at `server`, saving to `db`, starting from what that database learned before
/// (as `rockchat` does at start).
fn start(server: &TestServer, db: &std::path::Path) -> App<TestBackend> {
    let endpoint = Endpoint {
        provider: "local".into(),
        base_url: server.base_url.clone(),
        key_hint: "no key was sent".into(),
        stream_usage: true,
        ..Endpoint::default()
    };
    let target = Target { provider: "local".into(), model: "tiny-llama".into() };
    let mut state = State::new(target, "You are a helpful assistant".into(), false);
    state.retry.base_delay = Duration::from_millis(2);
    let store = Store::open(db).unwrap();
    state.learned = store.learned().unwrap();
    let terminal = Terminal::new(TestBackend::new(100, 24)).unwrap();
    let mut app =
        App::new(state, terminal, ApiClient::new(endpoint).unwrap(), Box::new(|_| Ok(())));
    app.attach_store(store).unwrap();
    app
}

async fn until(app: &mut App<TestBackend>, done: impl Fn(&State) -> bool) {
    let mut input: Input = stream::pending();
    tokio::time::timeout(Duration::from_secs(10), app.run_until(&mut input, done))
        .await
        .expect("the app reached the expected state")
        .unwrap();
}

fn idle(state: &State) -> bool {
    !state.stream.is_busy()
}

fn key(app: &mut App<TestBackend>, code: KeyCode, modifiers: KeyModifiers) {
    app.dispatch(Msg::Key(KeyEvent::new(code, modifiers))).unwrap();
}

fn send(app: &mut App<TestBackend>, text: &str) {
    app.dispatch(Msg::Paste(text.into())).unwrap();
    key(app, KeyCode::Enter, KeyModifiers::NONE);
}

fn screen(app: &mut App<TestBackend>) -> String {
    app.draw().unwrap();
    let buffer = app.terminal().backend().buffer();
    let area = buffer.area;
    (0..area.height)
        .map(|y| (0..area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>())
        .map(|row| row.trim().to_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn sse(deltas: &[&str], finish: &str, usage: Option<(u64, u64)>) -> Reply {
    event_stream(Body::Chunks(split_every(&sse_reply(deltas, finish, usage), 7)))
}

/// A 4×4 PNG, 75 bytes: the image the captures were made with.
fn tiny_png() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&4u32.to_be_bytes());
    png.extend_from_slice(&4u32.to_be_bytes());
    png.resize(75, 0);
    png
}

fn db() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rockchat.db");
    (dir, path)
}

#[tokio::test]
async fn an_image_refused_by_a_text_only_server_is_not_retried_and_the_conversation_goes_on() {
    let server = TestServer::start(vec![
        captured("llama-server", "ls-image-refused-stream"),
        sse(&["Hello"], "stop", Some((20, 1))),
    ])
    .await;
    let (dir, path) = db();
    let mut app = start(&server, &path);
    let image = dir.path().join("dot.png");
    std::fs::write(&image, tiny_png()).unwrap();
    app.dispatch(Msg::Paste(format!("'{}'", image.display()))).unwrap();
    until(&mut app, |s| !s.attachments.is_empty()).await;
    send(&mut app, "what is this?");
    until(&mut app, |s| idle(s) && s.conversation.messages().len() == 1).await;
    assert_eq!(server.requests().await.len(), 1, "a refusal is not retried");
    let Status::Failed(why) = &app.state().conversation.messages()[0].status else {
        panic!("the prompt says why it failed")
    };
    assert!(why.contains("tiny-llama does not take images"), "{why}");
    assert!(why.contains("image input is not supported"), "the server's words: {why}");
    let shown = screen(&mut app);
    assert!(shown.contains("▣ image: dot.png, 75 B"), "the image stays on screen: {shown}");
    assert!(shown.contains("not sent: this model does not take images"), "{shown}");
    // The conversation goes on, without the image.
    send(&mut app, "hello");
    until(&mut app, |s| idle(s) && s.conversation.messages().len() == 3).await;
    let requests = server.requests().await;
    assert_eq!(requests.len(), 2);
    let messages = requests[1].body["messages"].as_array().unwrap().clone();
    // The prompt that got no reply goes joined to the next, so roles alternate; as text.
    assert_eq!(messages[1]["content"], "what is this?\n\nhello", "text only: {messages:?}");
    assert_eq!(app.state().conversation.messages()[2].content, "Hello");
    app.finish();
    let learned = Store::open(&path).unwrap().learned().unwrap();
    assert_eq!(learned.get("local", "tiny-llama").images, Some(false), "kept for this model");
}

#[tokio::test]
async fn the_window_is_asked_of_the_server_at_start_and_kept_across_restarts() {
    let server = TestServer::start_routed(
        Vec::new(),
        vec![("/props", captured("llama-server", "ls-props"))],
    )
    .await;
    let (_dir, path) = db();
    let mut app = start(&server, &path);
    until(&mut app, |s| s.meter.is_some_and(|m| m.window == Some(512))).await;
    let shown = screen(&mut app);
    assert!(shown.contains("/512 tok"), "the server's own window, before any request: {shown}");
    app.finish();
    // Restarted against a server that no longer answers /props: the window is remembered.
    let silent = TestServer::start(Vec::new()).await;
    let mut again = start(&silent, &path);
    until(&mut again, |s| s.meter.is_some()).await;
    assert_eq!(again.state().meter.unwrap().window, Some(512));
}

#[tokio::test]
async fn a_server_that_cannot_count_calibrates_the_estimate_from_its_usage() {
    // The server counts three times what rockchat estimates (an unusual vocabulary).
    let prompt = "word ".repeat(200);
    let server = TestServer::start(vec![sse(&["ok"], "stop", Some((3 * 270, 1)))]).await;
    let (_dir, path) = db();
    let mut app = start(&server, &path);
    until(&mut app, |s| s.meter.is_some()).await;
    assert_eq!(app.state().meter.unwrap().precision, Precision::Estimated);
    send(&mut app, &prompt);
    until(&mut app, |s| idle(s) && s.conversation.messages().len() == 2).await;
    let meter = app.state().meter.unwrap();
    assert_eq!(meter.precision, Precision::Calibrated, "{meter:?}");
    assert!((700..900).contains(&meter.tokens), "near the server's 810: {meter:?}");
    let shown = screen(&mut app);
    assert!(!shown.contains('≈'), "calibrated, not a bare estimate: {shown}");
    app.finish();
    let learned = Store::open(&path).unwrap().learned().unwrap();
    let ratio = learned.get("local", "tiny-llama").ratio().unwrap();
    assert!((2.7..3.3).contains(&ratio), "kept across restarts: {ratio}");
}

#[tokio::test]
async fn a_silent_overflow_is_learned_from_and_the_trimmed_request_goes_through() {
    let server = TestServer::start(vec![
        sse(&["first answer"], "stop", None),
        silent_overflow_stream(),
        captured("llama-cpp-python", "lcp-overflow"),
        sse(&["fits"], "stop", None),
    ])
    .await;
    let (_dir, path) = db();
    let mut app = start(&server, &path);
    send(&mut app, &"word ".repeat(1_400));
    until(&mut app, |s| idle(s) && s.conversation.messages().len() == 2).await;
    // The history no longer fits the server's 512 tokens; the newest question does.
    send(&mut app, "a short question");
    until(&mut app, |s| idle(s) && s.conversation.messages().len() >= 3).await;
    let messages = app.state().conversation.messages();
    assert_eq!(messages[3].content, "fits", "{:?}", messages[2].status);
    assert!(messages[0].not_sent, "the first turn went to make room");
    assert_eq!(app.state().meter.unwrap().window, Some(512), "the server's window");
    let notice = app.state().notice.clone().unwrap_or_default();
    assert!(notice.contains("512"), "{notice}");
}

#[tokio::test]
async fn llama_server_counts_every_message_so_the_meter_is_exact() {
    let server = TestServer::start_routed(
        vec![sse(&["Hello"], "stop", Some((40, 1)))],
        vec![
            ("/props", captured("llama-server", "ls-props")),
            // Every text is 12 tokens to this replay (the capture counted "Hello world, how
            // are you?"); the template measures as adding nothing.
            ("/tokenize", captured("llama-server", "ls-tokenize")),
            ("/apply-template", captured("llama-server", "ls-apply-template")),
        ],
    )
    .await;
    let (_dir, path) = db();
    let mut app = start(&server, &path);
    send(&mut app, "hello");
    until(&mut app, |s| {
        idle(s)
            && s.conversation.messages().len() == 2
            && s.meter.is_some_and(|m| m.precision == Precision::Exact)
    })
    .await;
    let meter = app.state().meter.unwrap();
    assert_eq!((meter.tokens, meter.spread, meter.window), (36, 0, Some(512)), "{meter:?}");
    let shown = screen(&mut app);
    assert!(shown.contains("36/512 tok"), "{shown}");
    let asked: Vec<String> = server
        .background_requests()
        .await
        .into_iter()
        .filter(|r| r.path == "/tokenize")
        .map(|r| r.body["content"].as_str().unwrap_or_default().to_owned())
        .collect();
    for text in ["You are a helpful assistant", "hello", "Hello"] {
        assert_eq!(
            asked.iter().filter(|t| *t == text).count(),
            1,
            "{text} counted once: {asked:?}"
        );
    }
}

#[tokio::test]
async fn ctrl_o_after_a_cut_off_carries_the_reply_even_when_the_server_says_it_overflowed() {
    let reply: String = (0..400).map(|n| format!("w{n} ")).collect();
    let server = TestServer::start(vec![
        sse(&[reply.as_str()], "length", Some((48, 464))),
        // llama-server at -c 512: "request (3018 tokens) exceeds the available context size
        // (512 tokens)".
        captured("llama-server", "ls-overflow-512-stream"),
        sse(&["and more"], "stop", None),
    ])
    .await;
    let (_dir, path) = db();
    let mut app = start(&server, &path);
    send(&mut app, "write a long story");
    until(&mut app, |s| idle(s) && s.conversation.messages().len() == 2).await;
    key(&mut app, KeyCode::Char('o'), KeyModifiers::CONTROL);
    until(&mut app, |s| idle(s) && s.conversation.messages().len() == 4).await;
    let requests = server.requests().await;
    assert_eq!(requests.len(), 3, "the continuation, refused, then retried once");
    let retried = requests[2].body["messages"].as_array().unwrap().clone();
    let n = retried.len();
    assert_eq!(retried[n - 1]["content"], "Continue exactly where you stopped.");
    assert_eq!(retried[n - 2]["role"], "assistant", "the reply it continues: {retried:?}");
    let tail = retried[n - 2]["content"].as_str().unwrap();
    assert!(reply.trim_end().ends_with(tail.trim_end()) && !tail.is_empty(), "{tail}");
    assert_eq!(app.state().conversation.messages()[3].content, "and more");
    assert_eq!(app.state().meter.unwrap().window, Some(512));
}

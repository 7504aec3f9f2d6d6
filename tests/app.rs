//! Whole-app flows: the real driver loop with a `TestBackend` terminal, talking to a real
//! HTTP server on 127.0.0.1. Keys are fed as messages; waits are on state, never on time.

mod support;

use std::io;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::stream::{self, Pending};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rockchat::api::{ApiClient, Endpoint};
use rockchat::app::state::Target;
use rockchat::app::{Msg, State};
use rockchat::chat::Status;
use rockchat::term::driver::App;
use serde_json::json;
use support::{Body, Reply, TestServer, split_every, sse_reply};

type Input = Pending<io::Result<Event>>;

fn app(server: &TestServer) -> App<TestBackend> {
    app_at(&server.base_url)
}

fn app_at(base_url: &str) -> App<TestBackend> {
    app_configured(base_url, |_| {})
}

/// An app whose state `configure` sets up before it starts (a retry policy).
fn app_configured(base_url: &str, configure: impl FnOnce(&mut State)) -> App<TestBackend> {
    let endpoint = Endpoint {
        provider: "local".into(),
        base_url: base_url.to_owned(),
        api_key: None,
        key_hint: "no key was sent".into(),
        stream_usage: true,
        ..Endpoint::default()
    };
    let client = ApiClient::new(endpoint).unwrap();
    let target = Target { provider: "local".into(), model: "tiny-llama".into() };
    let mut state = State::new(target, "You are a helpful assistant".into(), false);
    // Real waits, kept short so retries take milliseconds.
    state.retry.base_delay = Duration::from_millis(5);
    configure(&mut state);
    let terminal = Terminal::new(TestBackend::new(80, 20)).unwrap();
    App::new(state, terminal, client, Box::new(|_| Ok(())))
}

fn sse(deltas: &[&str]) -> Reply {
    Reply {
        status: 200,
        headers: event_stream(),
        body: Body::Chunks(split_every(&sse_reply(deltas, "stop", Some((12, 3))), 5)),
    }
}

fn event_stream() -> Vec<(String, String)> {
    vec![("Content-Type".into(), "text/event-stream".into())]
}

fn press(app: &mut App<TestBackend>, code: KeyCode) {
    app.dispatch(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))).unwrap();
}

fn send(app: &mut App<TestBackend>, text: &str) {
    app.dispatch(Msg::Paste(text.into())).unwrap();
    press(app, KeyCode::Enter);
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

/// The screen's text with wrapped lines joined, so a phrase can be found across a wrap.
fn screen(app: &App<TestBackend>) -> String {
    let buffer = app.terminal().backend().buffer();
    let area = buffer.area;
    (0..area.height)
        .map(|y| (0..area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>())
        .map(|row| row.trim().to_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn third_request_carries_system_user_assistant_user() {
    let server = TestServer::start(vec![
        sse(&["Hello", " there"]),
        sse(&["Fine", ", thanks"]),
        sse(&["Bye"]),
    ])
    .await;
    let mut app = app(&server);
    for prompt in ["hi", "how are you?", "bye"] {
        send(&mut app, prompt);
        until(&mut app, idle).await;
    }
    let requests = server.requests().await;
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[2].body["messages"],
        json!([
            {"role": "system", "content": "You are a helpful assistant"},
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "Hello there"},
            {"role": "user", "content": "how are you?"},
            {"role": "assistant", "content": "Fine, thanks"},
            {"role": "user", "content": "bye"},
        ])
    );
    assert_eq!(requests[2].body["stream"], json!(true));
    let shown = screen(&app);
    assert!(shown.contains("Fine, thanks"), "{shown}");
    assert!(shown.contains("last turn: 12 in · 3 out"), "{shown}");
}

#[tokio::test]
async fn esc_stops_a_hanging_stream_and_the_partial_stays_on_screen() {
    let partial = sse_reply(&["Once", " upon", " a time"], "stop", None);
    // Everything up to the third delta, then the server goes silent.
    let cut = String::from_utf8_lossy(&partial).find(" a time").unwrap();
    let reply = Reply {
        status: 200,
        headers: event_stream(),
        body: Body::ChunksThenHang(split_every(&partial[..cut - 20], 3)),
    };
    let server = TestServer::start(vec![reply]).await;
    let mut app = app(&server);
    send(&mut app, "tell me a story");
    until(&mut app, |s| s.conversation.messages().last().is_some_and(|m| m.content == "Once upon"))
        .await;
    press(&mut app, KeyCode::Esc);
    until(&mut app, idle).await;
    let reply = app.state().conversation.messages().last().unwrap();
    assert_eq!((reply.content.as_str(), &reply.status), ("Once upon", &Status::Stopped));
    app.draw().unwrap();
    let shown = screen(&app);
    assert!(shown.contains("Once upon") && shown.contains("■ stopped"), "{shown}");
}

#[tokio::test]
async fn server_error_keeps_the_prompt_with_the_servers_message_and_ctrl_r_retries() {
    let failure = Reply {
        status: 500,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: Body::Whole(
            br#"{"error":{"code":500,"message":"model crashed","type":"server_error"}}"#.to_vec(),
        ),
    };
    let server = TestServer::start(vec![failure, sse(&["Recovered"])]).await;
    let mut app = app_configured(&server.base_url, |state| state.retry.max_retries = 0);
    send(&mut app, "are you there?");
    until(&mut app, idle).await;
    app.draw().unwrap();
    let shown = screen(&app);
    assert!(shown.contains("are you there?"), "{shown}");
    assert!(shown.contains("HTTP 500: model crashed (server_error, 500)"), "{shown}");
    assert!(shown.contains("error"), "{shown}");
    app.dispatch(Msg::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL))).unwrap();
    until(&mut app, idle).await;
    let messages = app.state().conversation.messages();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1].content, "Recovered");
    let requests = server.requests().await;
    assert_eq!(requests[1].body["messages"], requests[0].body["messages"]);
}

#[tokio::test]
async fn overloaded_server_is_retried_with_backoff_until_it_answers() {
    let overloaded = || Reply {
        status: 503,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: Body::Whole(br#"{"error":{"message":"overloaded"}}"#.to_vec()),
    };
    let server = TestServer::start(vec![overloaded(), overloaded(), sse(&["Finally"])]).await;
    let mut app = app_configured(&server.base_url, |state| {
        state.retry.base_delay = Duration::from_millis(20);
        state.retry.max_retries = 3;
    });
    send(&mut app, "hello");
    until(&mut app, |s| matches!(s.stream, rockchat::app::state::Stream::Backoff { .. })).await;
    app.draw().unwrap();
    let shown = screen(&app);
    assert!(shown.contains("retry 1 of 3 in") && shown.contains("Esc cancels"), "{shown}");
    assert!(shown.contains("HTTP 503: overloaded"), "{shown}");
    until(&mut app, |s| s.conversation.messages().len() == 2 && !s.stream.is_busy()).await;
    let messages = app.state().conversation.messages();
    assert_eq!((messages[1].content.as_str(), &messages[0].status), ("Finally", &Status::Complete));
    assert_eq!(server.requests().await.len(), 3);
}

#[tokio::test]
async fn connection_refused_is_shown_with_what_to_do() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut app = app_at(&format!("http://127.0.0.1:{port}/v1"));
    send(&mut app, "hello?");
    until(&mut app, idle).await;
    app.draw().unwrap();
    let shown = screen(&app);
    assert!(shown.contains(&format!("cannot connect to http://127.0.0.1:{port}/v1")), "{shown}");
    assert!(shown.contains("Check that the server is running"), "{shown}");
}

#[tokio::test]
async fn ctrl_p_lists_the_servers_models_and_the_next_request_uses_the_chosen_one() {
    let models = Reply {
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: Body::Whole(br#"{"object":"list","data":[{"id":"qwen2.5-7b","max_model_len":32768},{"id":"tiny-llama"}]}"#.to_vec()),
    };
    let server = TestServer::start(vec![models, sse(&["Hi from qwen"])]).await;
    let mut app = app(&server);
    app.dispatch(Msg::Key(KeyEvent::new(KeyCode::Char('p'), KeyModifiers::CONTROL))).unwrap();
    until(&mut app, |s| s.catalog.providers.get("local").is_some_and(|p| p.server.is_some())).await;
    for c in "qwen".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    app.draw().unwrap();
    assert!(screen(&app).contains("qwen2.5-7b  32k ctx"), "{}", screen(&app));
    press(&mut app, KeyCode::Enter);
    send(&mut app, "hello");
    until(&mut app, idle).await;
    let requests = server.requests().await;
    assert_eq!((requests[0].method.as_str(), requests[0].path.as_str()), ("GET", "/v1/models"));
    assert_eq!(requests[1].body["model"], "qwen2.5-7b");
    assert_eq!(app.state().conversation.messages()[1].model.as_deref(), Some("qwen2.5-7b"));
}

#[tokio::test]
async fn llama_cpp_context_overflow_is_trimmed_to_its_window_and_retried() {
    let overflow = Reply {
        status: 400,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: Body::Whole(
            std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/llama-server/context-overflow.json"
            ))
            .unwrap(),
        ),
    };
    let server = TestServer::start(vec![sse(&["ok"]), overflow, sse(&["Fits now"])]).await;
    let mut app = app(&server);
    send(&mut app, &"a very long question ".repeat(1_500));
    until(&mut app, idle).await;
    send(&mut app, "short follow-up");
    until(&mut app, |s| s.conversation.messages().len() == 4 && !s.stream.is_busy()).await;
    let requests = server.requests().await;
    let retried = requests[2].body["messages"].as_array().unwrap();
    assert_eq!(requests[1].body["messages"].as_array().unwrap().len(), 4);
    assert_eq!(retried.len(), 2, "system and the newest prompt: {retried:?}");
    assert_eq!(app.state().conversation.messages()[3].content, "Fits now");
    assert!(app.state().conversation.messages()[0].not_sent);
}

/// The first bytes of a PNG file: enough for rockchat to know it is one.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

#[tokio::test]
async fn a_dropped_image_goes_with_the_prompt_as_a_content_part() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("cat 1.png");
    std::fs::write(&image, PNG).unwrap();
    let server = TestServer::start(vec![sse(&["A cat."])]).await;
    let mut app = app(&server);
    // What a terminal sends when a file is dropped on it: the quoted path, as a paste.
    app.dispatch(Msg::Paste(format!("'{}'", image.display()))).unwrap();
    until(&mut app, |s| !s.attachments.is_empty()).await;
    app.draw().unwrap();
    assert!(screen(&app).contains("▣ cat 1.png, 16 B"), "{}", screen(&app));
    send(&mut app, "what is this?");
    until(&mut app, idle).await;
    let requests = server.requests().await;
    assert_eq!(
        requests[0].body["messages"][1],
        json!({"role": "user", "content": [
            {"type": "text", "text": "what is this?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg=="}},
        ]})
    );
    assert!(app.state().attachments.is_empty(), "sent with the prompt, not kept for the next");
    app.draw().unwrap();
    let shown = screen(&app);
    assert!(shown.contains("▣ image: cat 1.png, 16 B"), "{shown}");
    assert!(shown.contains("A cat."), "{shown}");
}

#[tokio::test]
async fn a_pasted_path_that_is_not_an_image_stays_as_text_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("notes.png");
    std::fs::write(&fake, "just text").unwrap();
    let server = TestServer::start(vec![]).await;
    let mut app = app(&server);
    let paste = fake.display().to_string();
    app.dispatch(Msg::Paste(paste.clone())).unwrap();
    until(&mut app, |s| s.notice.is_some()).await;
    assert_eq!(app.state().input.lines().join("\n"), paste, "the paste is not lost");
    assert!(app.state().attachments.is_empty());
    app.draw().unwrap();
    assert!(screen(&app).contains("not a PNG, JPEG, GIF or WebP image"), "{}", screen(&app));
}

#[tokio::test]
async fn a_conversation_reopened_on_another_provider_still_reaches_the_default_one() {
    // `rockchat -c` on a conversation of `beta`, with `alpha` the configured default: the
    // app starts on beta, and switching back to alpha must reach alpha's server.
    let alpha = TestServer::start(vec![sse(&["from alpha"])]).await;
    let beta = TestServer::start(vec![sse(&["from beta"])]).await;
    let toml = format!(
        "provider = \"alpha\"\n[providers.alpha]\nbase_url = \"{}\"\nmodel = \"a-model\"\n\
         [providers.beta]\nbase_url = \"{}\"\nmodel = \"b-model\"\n",
        alpha.base_url, beta.base_url
    );
    let config =
        rockchat::config::Config::from_toml(&toml, std::path::Path::new("config.toml")).unwrap();
    let settings = rockchat::config::settings::resolve(
        &config,
        &rockchat::config::settings::Overrides::default(),
        |_| None,
    )
    .unwrap();
    // One HTTP client for every provider, as `term::run` shares it.
    let shared = rockchat::api::ApiClient::new(settings.endpoint.clone()).unwrap();
    let clients = rockchat::term::clients(&settings, &shared).unwrap();
    let names: Vec<&str> = clients.iter().map(|(name, _)| name.as_str()).collect();
    assert!(names.contains(&"alpha") && names.contains(&"beta"), "{names:?}");
    let default = clients.iter().find(|(name, _)| name == "alpha").unwrap().1.clone();
    let mut state = State::new(
        Target { provider: "beta".into(), model: "b-model".into() },
        String::new(),
        false,
    );
    state.favorites = vec![Target { provider: "alpha".into(), model: "a-model".into() }];
    let terminal = Terminal::new(TestBackend::new(80, 20)).unwrap();
    // As `term::run` builds it: the default's client first, then every provider's by name.
    let mut app = App::new(state, terminal, default, Box::new(|_| Ok(())));
    for (name, client) in clients {
        app.add_client(name, client);
    }
    send(&mut app, "to beta");
    until(&mut app, idle).await;
    press(&mut app, KeyCode::F(2));
    assert_eq!(app.state().target.provider, "alpha");
    send(&mut app, "to alpha");
    until(&mut app, idle).await;
    assert!(screen(&app).contains("from alpha"), "{}", screen(&app));
    assert_eq!(alpha.requests().await.len(), 1);
    assert_eq!(beta.requests().await.len(), 1);
}

//! Saving for real: the app, a loopback server and a database file, then the file read back
//! by a fresh `Store` and by the `rockchat` commands.

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
use rockchat::store::Store;
use rockchat::term::driver::App;
use support::{Body, Reply, TestServer, split_every, sse_chunks, sse_reply};

fn app(server: &TestServer, db: &std::path::Path) -> App<TestBackend> {
    app_configured(server, db, |_| {})
}

/// An app whose state `configure` sets up before it starts.
fn app_configured(
    server: &TestServer,
    db: &std::path::Path,
    configure: impl FnOnce(&mut State),
) -> App<TestBackend> {
    let endpoint = Endpoint {
        provider: "local".into(),
        base_url: server.base_url.clone(),
        api_key: None,
        key_hint: String::new(),
        stream_usage: true,
        ..Endpoint::default()
    };
    let target = Target { provider: "local".into(), model: "tiny-llama".into() };
    let mut state = State::new(target, "You are a helpful assistant".into(), false);
    configure(&mut state);
    let terminal = Terminal::new(TestBackend::new(80, 20)).unwrap();
    let mut app =
        App::new(state, terminal, ApiClient::new(endpoint).unwrap(), Box::new(|_| Ok(())));
    app.attach_store(Store::open(db).unwrap()).unwrap();
    app
}

fn send(app: &mut App<TestBackend>, text: &str) {
    app.dispatch(Msg::Paste(text.into())).unwrap();
    app.dispatch(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))).unwrap();
}

async fn until(app: &mut App<TestBackend>, done: impl Fn(&State) -> bool) {
    let mut input: Pending<io::Result<Event>> = stream::pending();
    tokio::time::timeout(Duration::from_secs(10), app.run_until(&mut input, done))
        .await
        .expect("the app reached the expected state")
        .unwrap();
}

fn run(args: &[&str], data: &std::path::Path) -> (bool, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_rockchat"))
        .args(args)
        .env("ROCKCHAT_DATA_DIR", data)
        .env_remove("ROCKCHAT_CONFIG")
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (output.status.success(), text(&output.stdout), text(&output.stderr))
}

#[tokio::test]
async fn a_finished_conversation_is_on_disk_and_readable_by_the_commands() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("rockchat.db");
    let server = TestServer::start(vec![
        sse_chunks(&sse_reply(&["Ownership ", "means one owner."], "stop", Some((20, 4))), 7),
        sse_chunks(&sse_reply(&["Borrowing ", "lends it."], "stop", None), 7),
    ])
    .await;
    let mut app = app(&server, &db);
    send(&mut app, "What is ownership?");
    until(&mut app, |s| !s.stream.is_busy()).await;
    send(&mut app, "And borrowing?");
    until(&mut app, |s| !s.stream.is_busy()).await;
    app.finish();

    let store = Store::open(&db).unwrap();
    let stored = store.load(store.latest().unwrap().unwrap()).unwrap();
    assert_eq!(stored.title, "What is ownership?");
    let texts: Vec<&str> = stored.messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(
        texts,
        [
            "What is ownership?",
            "Ownership means one owner.",
            "And borrowing?",
            "Borrowing lends it."
        ]
    );
    assert!(stored.messages.iter().all(|m| m.status == "complete"));
    assert_eq!(stored.messages[1].completion_tokens, Some(4));
    drop(store);

    let (ok, listed, _) = run(&["list"], data.path());
    assert!(
        ok && listed.contains("What is ownership?") && listed.contains("(4 messages)"),
        "{listed}"
    );
    let (_, found, _) = run(&["search", "lends"], data.path());
    assert!(found.contains("Borrowing [lends] it."), "{found}");
    let (_, exported, _) = run(&["export", "1", "--format", "json"], data.path());
    let body: serde_json::Value = serde_json::from_str(&exported).unwrap();
    assert_eq!(body["model"], "tiny-llama");
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["messages"][4]["content"], "Borrowing lends it.");
    let (ok, _, _) = run(&["delete", "1"], data.path());
    assert!(ok);
    let (ok, _, err) = run(&["show", "1"], data.path());
    assert!(!ok && err.contains("no conversation with id 1"), "{err}");
}

#[tokio::test]
async fn a_partial_reply_saved_before_a_crash_comes_back_marked_interrupted() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("rockchat.db");
    let bytes = sse_reply(&["Half ", "of an ", "answer"], "stop", None);
    let cut = String::from_utf8_lossy(&bytes).find("answer").unwrap();
    let hang = Reply {
        status: 200,
        headers: vec![("Content-Type".into(), "text/event-stream".into())],
        body: Body::ChunksThenHang(split_every(&bytes[..cut - 25], 6)),
    };
    let server = TestServer::start(vec![hang]).await;
    let mut app = app(&server, &db);
    send(&mut app, "Tell me something");
    until(&mut app, |s| {
        s.conversation.messages().last().is_some_and(|m| m.content == "Half of an ")
    })
    .await;
    // A tick a second later saves the partial, as the driver's own tick would.
    let later = (tokio::time::Instant::now() + Duration::from_secs(1)).into_std();
    app.dispatch(Msg::Tick(later)).unwrap();
    // The process "dies" here: whatever the writer has is all there is.
    app.finish();

    let store = Store::open(&db).unwrap();
    let stored = store.load(1).unwrap();
    assert_eq!(stored.messages[0].content, "Tell me something");
    let reply = &stored.messages[1];
    assert_eq!((reply.content.as_str(), reply.status.as_str()), ("Half of an ", "interrupted"));
}

#[tokio::test]
async fn continue_reopens_the_latest_conversation_in_the_terminal() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("rockchat.db");
    let server =
        TestServer::start(vec![sse_chunks(&sse_reply(&["Saved reply"], "stop", None), 5)]).await;
    let mut app = app(&server, &db);
    send(&mut app, "Remember me");
    until(&mut app, |s| !s.stream.is_busy()).await;
    app.finish();

    let store = Store::open(&db).unwrap();
    let (conversation, _) = rockchat::app::persist::restore(
        store.load(store.latest().unwrap().unwrap()).unwrap(),
        &mut rockchat::chat::Keys::default(),
    );
    let texts: Vec<&str> = conversation.messages().iter().map(|m| m.content.as_str()).collect();
    assert_eq!(texts, ["Remember me", "Saved reply"]);
    assert_eq!(conversation.system, "You are a helpful assistant");
}

#[tokio::test]
async fn ctrl_l_lists_saved_conversations_and_enter_reopens_one() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("rockchat.db");
    let server =
        TestServer::start(vec![sse_chunks(&sse_reply(&["First answer"], "stop", None), 5)]).await;
    let mut app = app(&server, &db);
    send(&mut app, "First topic");
    until(&mut app, |s| !s.stream.is_busy()).await;
    app.dispatch(Msg::Key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL))).unwrap();
    app.dispatch(Msg::Key(KeyEvent::new(KeyCode::Char('l'), KeyModifiers::CONTROL))).unwrap();
    until(&mut app, |s| match &s.popup {
        Some(rockchat::app::state::Popup::Library(list)) => !list.items.is_empty(),
        _ => false,
    })
    .await;
    app.dispatch(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))).unwrap();
    until(&mut app, |s| !s.conversation.messages().is_empty()).await;
    let texts: Vec<&str> =
        app.state().conversation.messages().iter().map(|m| m.content.as_str()).collect();
    assert_eq!(texts, ["First topic", "First answer"]);
    app.finish();
}

#[test]
fn an_export_imports_back_as_the_same_conversation() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("chat.json");
    let body = r#"{"model":"gpt-4o","messages":[{"role":"system","content":"Be brief"},
        {"role":"user","content":"Capital of France?"},{"role":"assistant","content":"Paris."}],
        "metadata":{"rockchat":{"title":"Geography","messages":[{"model":null},{"model":"gpt-4o"}]}}}"#;
    std::fs::write(&file, body).unwrap();
    let (ok, out, err) = run(&["import", file.to_str().unwrap()], data.path());
    assert!(ok, "{err}");
    assert_eq!(out, "imported 1 conversations (2 messages)\n");
    let (_, exported, _) = run(&["export", "1", "--format", "json"], data.path());
    let again: serde_json::Value = serde_json::from_str(&exported).unwrap();
    let original: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(again["messages"], original["messages"]);
    assert_eq!(again["metadata"]["rockchat"]["title"], "Geography");
    assert_eq!(again["metadata"]["rockchat"]["messages"][1]["model"], "gpt-4o");
    let (ok, _, err) =
        run(&["import", data.path().join("missing.json").to_str().unwrap()], data.path());
    assert!(!ok && err.contains("cannot read"), "{err}");
}

#[test]
fn an_export_piped_into_head_ends_quietly() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("chat.json");
    // Larger than a pipe's buffer, so the writer meets the closed pipe.
    let long = "word ".repeat(100_000);
    let body = serde_json::json!({"model": "m", "messages": [{"role": "user", "content": long}]});
    std::fs::write(&file, body.to_string()).unwrap();
    assert!(run(&["import", file.to_str().unwrap()], data.path()).0);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rockchat"))
        .args(["export", "1", "--format", "json"])
        .env("ROCKCHAT_DATA_DIR", data.path())
        .env_remove("ROCKCHAT_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

/// `app` with a second provider, `other`, at `other_server`, and it as the one favorite.
fn app_with_two_providers(
    server: &TestServer,
    other_server: &TestServer,
    db: &std::path::Path,
) -> App<TestBackend> {
    let mut app = app_configured(server, db, |state| {
        for (name, model) in [("local", "tiny-llama"), ("other", "big")] {
            let models = state.catalog.provider_mut(name);
            models.default_model = model.into();
            models.offered = true;
        }
        state.favorites = vec![Target { provider: "other".into(), model: "big".into() }];
    });
    let endpoint = Endpoint {
        provider: "other".into(),
        base_url: other_server.base_url.clone(),
        ..Endpoint::default()
    };
    app.add_client("other".into(), ApiClient::new(endpoint).unwrap());
    app
}

fn key(app: &mut App<TestBackend>, code: KeyCode) {
    app.dispatch(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))).unwrap();
}

#[tokio::test]
async fn a_conversation_switched_to_another_provider_reopens_on_it_with_its_parameters() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("rockchat.db");
    let reply = |text: &str| sse_chunks(&sse_reply(&[text], "stop", None), 9);
    let local = TestServer::start(vec![reply("from local")]).await;
    let other = TestServer::start(vec![reply("from other"), reply("still other")]).await;
    let mut app = app_with_two_providers(&local, &other, &db);
    send(&mut app, "first");
    until(&mut app, |s| !s.stream.is_busy()).await;
    key(&mut app, KeyCode::F(2));
    key(&mut app, KeyCode::F(4));
    for c in "0.3".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    key(&mut app, KeyCode::Enter);
    send(&mut app, "second");
    until(&mut app, |s| !s.stream.is_busy()).await;
    assert_eq!(app.state().conversation.messages()[3].content, "from other");
    app.finish();

    let store = Store::open(&db).unwrap();
    let id = store.latest().unwrap().unwrap();
    let stored = store.load(id).unwrap();
    assert_eq!((stored.provider.as_str(), stored.model.as_str()), ("other", "big"));
    assert_eq!(stored.params, r#"{"temperature":0.3}"#);
    drop(store);

    // A fresh start on the default provider, then the conversation reopened.
    let mut app = app_with_two_providers(&local, &other, &db);
    app.save(rockchat::store::writer::StoreCmd::Load { id });
    until(&mut app, |s| s.conversation.stored_id == Some(id)).await;
    assert_eq!(app.state().target, Target { provider: "other".into(), model: "big".into() });
    send(&mut app, "third");
    until(&mut app, |s| !s.stream.is_busy()).await;
    app.finish();
    assert_eq!(local.requests().await.len(), 1);
    let sent = other.requests().await;
    assert_eq!(sent.len(), 2);
    for request in &sent {
        assert_eq!(request.body["model"], "big");
        assert_eq!(request.body["temperature"], 0.3);
    }
    assert_eq!(sent[1].body["messages"].as_array().unwrap().len(), 6, "the whole history");
}

fn press(app: &mut App<TestBackend>, code: KeyCode, modifiers: KeyModifiers) {
    app.dispatch(Msg::Key(KeyEvent::new(code, modifiers))).unwrap();
}

fn chars(app: &mut App<TestBackend>, keys: &str) {
    for c in keys.chars() {
        press(app, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

#[tokio::test]
async fn branches_pins_and_deletions_survive_reopening_the_file() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("rockchat.db");
    let replies = ["A1", "A2", "B"].map(|text| sse_chunks(&sse_reply(&[text], "stop", None), 3));
    let server = TestServer::start(replies.to_vec()).await;
    let mut app = app(&server, &db);
    send(&mut app, "first question");
    until(&mut app, |s| !s.stream.is_busy() && s.conversation.messages().len() == 2).await;
    press(&mut app, KeyCode::Char('r'), KeyModifiers::CONTROL);
    until(&mut app, |s| {
        !s.stream.is_busy() && s.conversation.messages().get(1).is_some_and(|m| m.content == "A2")
    })
    .await;
    // Back to the first reply, pin the question, then a new turn whose exchange is deleted
    // (its prompt, and with it its reply).
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    chars(&mut app, "[kp");
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    send(&mut app, "second");
    until(&mut app, |s| !s.stream.is_busy() && s.conversation.messages().len() == 4).await;
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    chars(&mut app, "kdy");
    app.finish();

    let store = Store::open(&db).unwrap();
    let stored = store.load(store.latest().unwrap().unwrap()).unwrap();
    let (conversation, _) =
        rockchat::app::persist::restore(stored, &mut rockchat::chat::Keys::default());
    type Shown<'a> = (&'a str, bool, bool, Option<(usize, usize)>);
    let shown: Vec<Shown> = conversation
        .messages()
        .iter()
        .map(|m| (m.content.as_str(), m.pinned, m.hidden, m.branch))
        .collect();
    assert_eq!(
        shown,
        [
            ("first question", true, false, None),
            ("A1", false, false, Some((1, 2))),
            ("second", false, true, None),
            ("B", false, true, None),
        ]
    );
    let aside: Vec<&str> = conversation.off_branch().iter().map(|m| m.content.as_str()).collect();
    assert_eq!(aside, ["A2"]);

    // The reopened conversation switches like the live one did.
    let target = Target { provider: "local".into(), model: "tiny-llama".into() };
    let mut state = State::new(target, String::new(), false);
    state.conversation = conversation;
    let key = |state: &mut State, code| {
        rockchat::app::update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    };
    key(&mut state, KeyCode::Tab);
    // The newest message shown is A1: the deleted exchange is skipped.
    key(&mut state, KeyCode::Char(']'));
    let texts: Vec<&str> =
        state.conversation.messages().iter().map(|m| m.content.as_str()).collect();
    assert_eq!(texts, ["first question", "A2"]);
}

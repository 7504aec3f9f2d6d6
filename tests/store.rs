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
    assert!(ok && listed.contains("4 messages  What is ownership?"), "{listed}");
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
    assert_eq!(out, "imported 1 conversation (2 messages)\n");
    let (_, exported, _) = run(&["export", "1", "--format", "json"], data.path());
    let again: serde_json::Value = serde_json::from_str(&exported).unwrap();
    let original: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(again["messages"], original["messages"]);
    // An export from before the archive: its title and models come back from its metadata.
    let (_, shown, _) = run(&["show", "1", "--json"], data.path());
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["title"], "Geography");
    assert_eq!(shown["messages"][1]["model"], "gpt-4o");
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

fn alt(app: &mut App<TestBackend>, c: char) {
    app.dispatch(Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT))).unwrap();
}

#[tokio::test]
async fn few_shot_turns_files_and_image_urls_are_sent_stored_reopened_and_exported() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("rockchat.db");
    let notes = data.path().join("notes.md");
    std::fs::write(&notes, "buy milk\n").unwrap();
    let server =
        TestServer::start(vec![sse_chunks(&sse_reply(&["Milk ", "and a cat."], "stop", None), 7)])
            .await;
    let mut app = app(&server, &db);
    // An example exchange written by the user, for both sides.
    app.dispatch(Msg::Paste("Summarise: eggs, bread".into())).unwrap();
    alt(&mut app, 'u');
    app.dispatch(Msg::Paste("Eggs and bread.".into())).unwrap();
    alt(&mut app, 'a');
    // A text file dropped on the terminal, and an image URL pasted alone.
    app.dispatch(Msg::Paste(format!("'{}'", notes.display()))).unwrap();
    until(&mut app, |s| !s.attachments.is_empty()).await;
    app.dispatch(Msg::Paste("https://example.org/cat.png".into())).unwrap();
    app.draw().unwrap();
    let shown = rows(&app);
    assert!(shown.iter().any(|r| r.contains("▤ notes.md, 9 B · ")), "{shown:#?}");
    assert!(shown.iter().any(|r| r.contains("▣ https://example.org/cat.png")), "{shown:#?}");
    send(&mut app, "Summarise:");
    until(&mut app, |s| !s.stream.is_busy()).await;
    let body = &server.requests().await[0].body;
    assert_eq!(
        body["messages"],
        serde_json::json!([
            {"role": "system", "content": "You are a helpful assistant"},
            {"role": "user", "content": "Summarise: eggs, bread"},
            {"role": "assistant", "content": "Eggs and bread."},
            {"role": "user", "content": [
                {"type": "text", "text": "Summarise:\n\nnotes.md\n```md\nbuy milk\n```"},
                {"type": "image_url", "image_url": {"url": "https://example.org/cat.png"}},
            ]},
        ])
    );
    app.draw().unwrap();
    let shown = rows(&app).join("\n");
    assert!(shown.contains("◇ assistant turn, written by you"), "{shown}");
    app.finish();

    let store = Store::open(&db).unwrap();
    let stored = store.load(store.latest().unwrap().unwrap()).unwrap();
    assert!(stored.messages[1].authored && stored.messages[1].model.is_none());
    let names: Vec<(&str, &str)> =
        stored.messages[2].attachments.iter().map(|a| (a.name.as_str(), a.mime())).collect();
    assert_eq!(
        names,
        [("https://example.org/cat.png", "text/uri-list"), ("notes.md", "text/plain")]
    );
    assert_eq!(stored.messages[2].attachments[1].text(), Some("buy milk\n"));
    drop(store);
    let (_, exported, _) = run(&["export", "1", "--format", "json"], data.path());
    let body: serde_json::Value = serde_json::from_str(&exported).unwrap();
    assert_eq!(body["messages"][2]["role"], "assistant");
    assert_eq!(
        body["messages"][3]["content"][1]["image_url"]["url"],
        "https://example.org/cat.png"
    );
    let (_, archive, _) = run(&["export", "1", "--format", "archive"], data.path());
    let archive: serde_json::Value = serde_json::from_str(&archive).unwrap();
    assert_eq!(archive["conversations"][0]["messages"][1]["authored"], true);
    let (_, markdown, _) = run(&["export", "1"], data.path());
    assert!(markdown.contains("## Assistant (written by you)\n\nEggs and bread."), "{markdown}");
    assert!(markdown.contains("notes.md\n```md\nbuy milk\n```"), "{markdown}");
}

#[tokio::test]
async fn a_json_reply_is_checked_shown_pretty_and_its_check_kept() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("rockchat.db");
    let server = TestServer::start(vec![
        sse_chunks(&sse_reply(&["{\"answer\":", "4,\"why\":\"2+2\"}"], "stop", None), 7),
        sse_chunks(&sse_reply(&["{\"answer\": \"four\"}"], "stop", None), 7),
        sse_chunks(&sse_reply(&["It is four."], "stop", None), 7),
    ])
    .await;
    let schema =
        r#"{"type":"object","properties":{"answer":{"type":"integer"}},"required":["answer"]}"#;
    let mut app = app_configured(&server, &db, |state| {
        state.conversation.params.response_format =
            Some(rockchat::chat::json::ResponseFormat::schema("answer.json", schema).unwrap());
    });
    send(&mut app, "2+2?");
    until(&mut app, |s| !s.stream.is_busy()).await;
    app.draw().unwrap();
    let shown = rows(&app).join("\n");
    assert!(shown.contains("\"answer\": 4,"), "pretty-printed: {shown}");
    send(&mut app, "again");
    until(&mut app, |s| !s.stream.is_busy()).await;
    send(&mut app, "once more");
    until(&mut app, |s| !s.stream.is_busy()).await;
    app.draw().unwrap();
    let shown = rows(&app).join("\n");
    assert!(shown.contains("✗ JSON asked for (F4): not valid JSON: line 1, column 1"), "{shown}");
    let body = &server.requests().await[0].body;
    assert_eq!(body["response_format"]["json_schema"]["name"], "answer");
    app.finish();

    let store = Store::open(&db).unwrap();
    let stored = store.load(store.latest().unwrap().unwrap()).unwrap();
    let checks: Vec<Option<&str>> =
        stored.messages.iter().map(|m| m.json_check.as_deref()).collect();
    assert_eq!(checks[1], Some(""), "valid");
    assert_eq!(
        checks[3],
        Some("does not match the schema answer: at /answer: \"four\" is not of type \"integer\"")
    );
    assert!(checks[5].unwrap().starts_with("not valid JSON"));
    assert_eq!(checks[0], None);
}

#[tokio::test]
async fn a_saved_preset_is_on_disk_and_ask_preset_uses_it() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("rockchat.db");
    let server = TestServer::start(vec![]).await;
    let mut app = app(&server, &db);
    app.dispatch(Msg::Paste("list files".into())).unwrap();
    alt(&mut app, 'u');
    app.dispatch(Msg::Paste("ls -la".into())).unwrap();
    alt(&mut app, 'a');
    key(&mut app, KeyCode::Char('/'));
    chars(&mut app, "save preset");
    key(&mut app, KeyCode::Enter);
    chars(&mut app, "sh");
    key(&mut app, KeyCode::Enter);
    app.finish();
    let store = Store::open(&db).unwrap();
    let saved = store.presets().unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].0, "sh");
    drop(store);
    let ask = TestServer::start(vec![sse_chunks(&sse_reply(&["du -sh ."], "stop", None), 7)]).await;
    // Waited on through tokio, so the server on this runtime answers meanwhile.
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_rockchat"))
        .args(["--base-url", &ask.base_url, "ask", "--preset", "sh", "disk use"])
        .env("ROCKCHAT_DATA_DIR", data.path())
        .env_remove("ROCKCHAT_CONFIG")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env("XDG_CONFIG_HOME", data.path())
        .env("HOME", data.path())
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "du -sh .\n", "{stderr}");
    let body = &ask.requests().await[0].body;
    let texts: Vec<&str> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["You are a helpful assistant", "list files", "ls -la", "disk use"]);
}

fn rows(app: &App<TestBackend>) -> Vec<String> {
    let buffer = app.terminal().backend().buffer();
    (0..buffer.area.height)
        .map(|y| (0..buffer.area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>())
        .collect()
}

#[tokio::test]
async fn a_conversation_held_on_a_base_url_reopens_there_from_the_list_with_no_key() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("rockchat.db");
    let reply = |text: &str| sse_chunks(&sse_reply(&[text], "stop", None), 9);
    let configured = TestServer::start(vec![]).await;
    let held = TestServer::start(vec![reply("Paris."), reply("About 2 million.")]).await;
    // The server answers on this runtime's thread, so the binary is waited for on another.
    let (url, dir) = (held.base_url.clone(), data.path().to_owned());
    let (ok, _, stderr) = tokio::task::spawn_blocking(move || {
        run(&["--base-url", &url, "ask", "Capital of France?"], &dir)
    })
    .await
    .unwrap();
    assert!(ok, "{stderr}");

    // Started on a configured provider with a key; the conversation is picked from Ctrl+L.
    let endpoint = Endpoint {
        provider: "local".into(),
        base_url: configured.base_url.clone(),
        api_key: rockchat::secret::ApiKey::new("sk-local-0123456789"),
        ..Endpoint::default()
    };
    let target = Target { provider: "local".into(), model: "tiny-llama".into() };
    let state = State::new(target, "You are a helpful assistant".into(), false);
    let terminal = Terminal::new(TestBackend::new(80, 20)).unwrap();
    let mut app =
        App::new(state, terminal, ApiClient::new(endpoint).unwrap(), Box::new(|_| Ok(())));
    app.attach_store(Store::open(&db).unwrap()).unwrap();
    app.dispatch(Msg::Key(KeyEvent::new(KeyCode::Char('l'), KeyModifiers::CONTROL))).unwrap();
    until(&mut app, |s| match &s.popup {
        Some(rockchat::app::state::Popup::Library(list)) => !list.items.is_empty(),
        _ => false,
    })
    .await;
    key(&mut app, KeyCode::Enter);
    until(&mut app, |s| !s.conversation.messages().is_empty()).await;
    let host = held.base_url.trim_start_matches("http://").trim_end_matches("/v1").to_owned();
    assert_eq!(app.state().target.provider, host);
    let notice = app.state().notice.clone().unwrap_or_default();
    assert!(!notice.contains("no longer configured"), "{notice}");
    send(&mut app, "How many people?");
    until(&mut app, |s| !s.stream.is_busy()).await;
    assert_eq!(app.state().conversation.messages()[3].content, "About 2 million.");
    app.finish();

    assert!(configured.requests().await.is_empty(), "nothing went to the configured provider");
    let sent = held.requests().await;
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].body["messages"].as_array().unwrap().len(), 4, "the whole history");
    assert_eq!(sent[1].header("authorization"), None, "the configured provider's key stays");
}

/// A stored conversation of `turns` prompt-and-reply pairs on one branch; its id.
fn long_conversation(db: &std::path::Path, turns: u64) -> i64 {
    use rockchat::store::writer::{StoreCmd, Writer};
    let writer = Writer::spawn(Store::open(db).unwrap(), |_| {}).unwrap();
    writer.send(StoreCmd::CreateConversation {
        key: 1,
        title: "long".into(),
        system_prompt: "You are a helpful assistant".into(),
        provider: "local".into(),
        model: "tiny-llama".into(),
    });
    let fields = |role, content: String| {
        let model = (role == rockchat::chat::Role::Assistant).then(|| "tiny-llama".to_owned());
        rockchat::store::MessageFields::complete(role, content, model)
    };
    let mut parent = None;
    for turn in 0..turns {
        let (user, reply) = (10 + 2 * turn, 11 + 2 * turn);
        writer.send(StoreCmd::AddMessage {
            key: user,
            conversation: 1,
            parent,
            fields: fields(rockchat::chat::Role::User, format!("question {turn}")),
        });
        writer.send(StoreCmd::AddMessage {
            key: reply,
            conversation: 1,
            parent: Some(user),
            fields: fields(rockchat::chat::Role::Assistant, format!("answer {turn}")),
        });
        parent = Some(reply);
    }
    writer.close().unwrap();
    Store::open(db).unwrap().latest().unwrap().unwrap()
}

#[tokio::test]
async fn a_prompt_sent_before_the_whole_conversation_is_read_carries_the_whole_history() {
    use rockchat::app::tail::{Partial, TAIL};
    use rockchat::store::writer::StoreCmd;
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("rockchat.db");
    let id = long_conversation(&db, 150);
    let server =
        TestServer::start(vec![sse_chunks(&sse_reply(&["Still here."], "stop", None), 7)]).await;
    // As `rockchat --open` does: the first frame from the tail, the whole read by the store's
    // thread.
    let (tail, whole) = Store::open(&db).unwrap().load_tail(id, TAIL).unwrap();
    assert!(!whole);
    assert_eq!(tail.messages.len(), TAIL);
    let mut adopt = None;
    let mut app = app_configured(&server, &db, |state| {
        let (conversation, command) = rockchat::app::persist::restore(tail, &mut state.keys);
        state.conversation = conversation;
        state.partial = Some(Partial::new(id));
        adopt = Some(command);
    });
    app.save(adopt.unwrap());
    app.draw().unwrap();
    let first = rows(&app).join("\n");
    assert!(first.contains("answer 149"), "{first}");
    assert!(first.contains("reading earlier messages"), "said quietly: {first}");
    // Typed and sent before the rest arrives: it waits, and nothing is sent yet.
    send(&mut app, "And now?");
    assert!(!app.state().stream.is_busy());
    assert_eq!(app.state().input.text(), "", "the draft waits with the keys");
    app.save(StoreCmd::LoadWhole { id });
    until(&mut app, |s| {
        s.partial.is_none() && !s.stream.is_busy() && s.conversation.messages().len() == 302
    })
    .await;
    let requests = server.requests().await;
    assert_eq!(requests.len(), 1);
    let messages = requests[0].body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1 + 300 + 1, "the system message, the whole history, the prompt");
    assert_eq!(messages[1]["content"], "question 0");
    assert_eq!(messages[300]["content"], "answer 149");
    assert_eq!(messages[301]["content"], "And now?");
    app.draw().unwrap();
    let after = rows(&app).join("\n");
    assert!(after.contains("Still here."), "{after}");
    assert!(!after.contains("reading earlier messages"), "{after}");
}

//! The driver's side of select mode and the prompt editor: what reaches the terminal when a
//! message is copied, and the draft's round trip through a real `$EDITOR` program (a shell
//! script), with the screen handed over and taken back around it; and that a reply streams
//! on and finishes while `$EDITOR` or `$PAGER` has the terminal.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use futures_util::stream;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rockchat::api::{ApiClient, Endpoint};
use rockchat::app::state::Target;
use rockchat::app::{Msg, State};
use rockchat::chat::Status;
use rockchat::term::driver::App;
use rockchat::term::host::{Handover, Host};
use rockchat::term::programs::Programs;
use support::{Body, TestServer, event_stream, sse_chunks, sse_reply};

/// What the app did to the terminal, in order.
#[derive(Default, Clone)]
struct Record(Arc<Mutex<Vec<String>>>);

impl Record {
    fn push(&self, what: String) {
        self.0.lock().unwrap().push(what);
    }

    fn taken(&self) -> Vec<String> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

fn app(base_url: &str, editor: &str, record: &Record) -> App<TestBackend> {
    let programs = Programs { editor: editor.to_owned(), pager: "true".into() };
    app_with(base_url, programs, Duration::from_secs(30), record)
}

/// The app with these programs and this idle timeout for the server's replies.
fn app_with(
    base_url: &str,
    programs: Programs,
    idle: Duration,
    record: &Record,
) -> App<TestBackend> {
    let endpoint = Endpoint {
        provider: "local".into(),
        base_url: base_url.to_owned(),
        api_key: None,
        key_hint: String::new(),
        stream_usage: true,
        ..Endpoint::default()
    };
    let target = Target { provider: "local".into(), model: "tiny-llama".into() };
    let state = State::new(target, String::new(), false);
    let terminal = Terminal::new(TestBackend::new(80, 20)).unwrap();
    let client = ApiClient::new(endpoint).unwrap().with_idle_timeout(idle);
    let mut app = App::new(state, terminal, client, Box::new(|_| Ok(())));
    let (screens, writes) = (record.clone(), record.clone());
    app.set_host(Host {
        screen: Box::new(move |screen| {
            screens.push(format!("{screen:?}"));
            Ok(())
        }),
        raw: Box::new(move |bytes| {
            writes.push(bytes.to_owned());
            Ok(())
        }),
        clipboard: None,
        programs,
        stop: Box::new(|| Ok(())),
        cursor: Box::new(|| None),
    });
    app
}

fn press(app: &mut App<TestBackend>, code: KeyCode, modifiers: KeyModifiers) {
    app.dispatch(Msg::Key(KeyEvent::new(code, modifiers))).unwrap();
}

async fn until(app: &mut App<TestBackend>, done: impl Fn(&State) -> bool) {
    let mut input = stream::pending();
    tokio::time::timeout(Duration::from_secs(10), app.run_until(&mut input, done))
        .await
        .expect("the app reached the expected state")
        .unwrap();
}

#[tokio::test]
async fn copying_a_code_block_writes_exactly_it_as_osc_52_to_the_terminal() {
    let reply = "Here:\n```rust\nfn main() {\n    println!(\"hi\");\n}\n```\n";
    let server = TestServer::start(vec![sse_chunks(&sse_reply(&[reply], "stop", None), 7)]).await;
    let record = Record::default();
    let mut app = app(&server.base_url, "true", &record);
    app.dispatch(Msg::Paste("show me".into())).unwrap();
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    until(&mut app, |s| !s.stream.is_busy() && s.conversation.messages().len() == 2).await;
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    press(&mut app, KeyCode::Char('1'), KeyModifiers::NONE);
    let code = "fn main() {\n    println!(\"hi\");\n}";
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(code);
    assert_eq!(record.taken(), [format!("\x1b]52;c;{encoded}\x07")]);
    let notice = format!("copied code block 1 ({} chars)", code.chars().count());
    assert_eq!(app.state().notice.as_deref(), Some(notice.as_str()));
}

#[tokio::test]
async fn ctrl_e_hands_the_screen_to_the_editor_and_reads_the_edited_draft_back() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("editor.sh");
    // A fake editor that checks it got the draft, then rewrites the file.
    std::fs::write(
        &script,
        "#!/bin/sh\ngrep -q 'my draft' \"$1\" || exit 3\nprintf 'line one\\nline two\\n' > \"$1\"\n",
    )
    .unwrap();
    let record = Record::default();
    let mut app = app("http://127.0.0.1:9/v1", &format!("sh {}", script.display()), &record);
    app.dispatch(Msg::Paste("my draft".into())).unwrap();
    press(&mut app, KeyCode::Char('e'), KeyModifiers::CONTROL);
    until(&mut app, |s| s.input.lines() != ["my draft"]).await;
    assert_eq!(app.state().input.lines(), ["line one", "line two"]);
    let reclaim = format!("{:?}", Handover::Reclaim { mouse: false });
    assert_eq!(record.taken(), [format!("{:?}", Handover::Release), reclaim]);
}

#[tokio::test]
async fn an_editor_that_fails_keeps_the_draft_and_says_why() {
    let record = Record::default();
    let mut app = app("http://127.0.0.1:9/v1", "exit 4; true", &record);
    app.dispatch(Msg::Paste("keep me".into())).unwrap();
    press(&mut app, KeyCode::Char('e'), KeyModifiers::CONTROL);
    until(&mut app, |s| s.notice.is_some()).await;
    assert_eq!(app.state().input.lines(), ["keep me"]);
    let notice = app.state().notice.clone().unwrap();
    assert!(notice.contains("exited") && notice.contains("draft is unchanged"), "{notice}");
    assert_eq!(record.taken().len(), 2, "the screen came back after the failure");
}

/// A reply of `words` streamed one event at a time, `gap` apart, like a model writing.
fn paced(words: &[String], gap: Duration) -> support::Reply {
    let deltas: Vec<&str> = words.iter().map(String::as_str).collect();
    let bytes = sse_reply(&deltas, "stop", None);
    let text = String::from_utf8(bytes).unwrap();
    let events = text.split_inclusive("\n\n").map(|event| event.as_bytes().to_vec()).collect();
    event_stream(Body::PacedThenHang(events, gap))
}

/// A program (editor or pager) that stays open until the test writes to its gate (a FIFO),
/// then writes `text` into the file it was given and exits with `code`. It gives up after
/// 10 s, so a driver that blocks on it fails the test rather than hanging it.
fn gated_program(dir: &std::path::Path, text: &str, code: u8) -> (String, std::path::PathBuf) {
    let gate = dir.join("gate");
    let made = std::process::Command::new("mkfifo").arg(&gate).status().unwrap();
    assert!(made.success());
    let script = dir.join("program.sh");
    let body = format!(
        "#!/bin/sh\ntimeout 10 cat '{}' > /dev/null\nprintf '{text}' > \"$1\"\nexit {code}\n",
        gate.display()
    );
    std::fs::write(&script, body).unwrap();
    (format!("sh {}", script.display()), gate)
}

/// 30 words 20 ms apart take twice the 300 ms idle timeout: a driver that stopped reading
/// the stream while a program had the terminal would time out (or hang) instead.
fn slow_reply() -> (Vec<String>, support::Reply) {
    let words: Vec<String> = (0..30).map(|n| format!("word{n} ")).collect();
    let reply = paced(&words, Duration::from_millis(20));
    (words, reply)
}

const IDLE: Duration = Duration::from_millis(300);

#[tokio::test]
async fn a_reply_keeps_streaming_and_finishes_while_the_editor_is_open() {
    let (words, reply) = slow_reply();
    let server = TestServer::start(vec![reply]).await;
    let dir = tempfile::tempdir().unwrap();
    let (editor, gate) = gated_program(dir.path(), "written in the editor\n", 0);
    let record = Record::default();
    let programs = Programs { editor, pager: "true".into() };
    let mut app = app_with(&server.base_url, programs, IDLE, &record);
    app.dispatch(Msg::Paste("tell me".into())).unwrap();
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    app.dispatch(Msg::Paste("my next question".into())).unwrap();
    press(&mut app, KeyCode::Char('e'), KeyModifiers::CONTROL);
    assert_eq!(record.taken(), ["Release"]);

    until(&mut app, |s| !s.stream.is_busy()).await;
    let reply = &app.state().conversation.messages()[1];
    assert_eq!((&reply.status, &reply.content), (&Status::Complete, &words.concat()));
    assert!(record.taken().is_empty(), "the editor still has the terminal");
    assert_eq!(app.state().input.lines(), ["my next question"]);

    std::fs::write(&gate, "close").unwrap();
    until(&mut app, |s| s.input.lines() != ["my next question"]).await;
    assert_eq!(app.state().input.lines(), ["written in the editor"]);
    assert_eq!(record.taken(), [format!("{:?}", Handover::Reclaim { mouse: false })]);
    let shown = app.terminal().backend().to_string();
    assert!(shown.contains("word28 word29"), "{shown}");
}

#[tokio::test]
async fn a_reply_keeps_streaming_and_finishes_while_the_pager_shows_a_message() {
    let first = sse_chunks(&sse_reply(&["the first answer"], "stop", None), 9);
    let (words, reply) = slow_reply();
    let server = TestServer::start(vec![first, reply]).await;
    let dir = tempfile::tempdir().unwrap();
    let (pager, gate) = gated_program(dir.path(), "", 3);
    let record = Record::default();
    let programs = Programs { editor: "true".into(), pager };
    let mut app = app_with(&server.base_url, programs, IDLE, &record);
    app.dispatch(Msg::Paste("first".into())).unwrap();
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    until(&mut app, |s| !s.stream.is_busy() && s.conversation.messages().len() == 2).await;
    app.dispatch(Msg::Paste("second".into())).unwrap();
    press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    press(&mut app, KeyCode::Char('o'), KeyModifiers::NONE);
    assert_eq!(record.taken(), ["Release"]);

    until(&mut app, |s| !s.stream.is_busy()).await;
    let reply = &app.state().conversation.messages()[3];
    assert_eq!((&reply.status, &reply.content), (&Status::Complete, &words.concat()));
    assert!(record.taken().is_empty(), "the pager still has the terminal");

    // This pager fails on the way out, so its return shows.
    std::fs::write(&gate, "close").unwrap();
    until(&mut app, |s| s.notice.is_some()).await;
    let notice = app.state().notice.clone().unwrap();
    assert!(notice.contains("exited with code 3"), "{notice}");
    assert_eq!(record.taken(), [format!("{:?}", Handover::Reclaim { mouse: false })]);
}

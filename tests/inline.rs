//! Inline mode in a real pseudo-terminal: the binary with `--inline`, a real server, and a
//! small terminal emulator reading back what the terminal holds. The conversation must be in
//! the terminal's own scrollback after quitting, rendered as the transcript draws it, with
//! the live part (input, status line) gone; resizing and Ctrl+Z must keep it working.

mod support;

use support::pty::Session;
use support::vt::Vt;
use support::{Body, Reply, TestServer, sse_reply};

fn reply(text: &str) -> Reply {
    Reply {
        status: 200,
        headers: vec![("Content-Type".into(), "text/event-stream".into())],
        body: Body::Whole(sse_reply(&[text], "stop", None)),
    }
}

/// `needles` appear in `text` in this order.
fn in_order(text: &str, needles: &[&str]) {
    let mut from = 0;
    for needle in needles {
        match text[from..].find(needle) {
            Some(at) => from += at + needle.len(),
            None => panic!("{needle:?} missing or out of order in:\n{text}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conversation_stays_in_the_scrollback_through_a_resize_and_ctrl_z() {
    let long: String = (1..=40).map(|n| format!("line {n} of a long answer\n\n")).collect();
    let first = format!("Some code:\n\n```rust\nfn main() {{}}\n```\n\n{long}DONE-ONE");
    let server = TestServer::start(vec![reply(&first), reply("short second DONE-TWO")]).await;
    let data = tempfile::tempdir().unwrap();
    let (url, dir) = (server.base_url.clone(), data.path().to_owned());
    let (bytes, resized_at) = tokio::task::spawn_blocking(move || {
        let mut session =
            Session::start(&["--inline", "--base-url", &url, "-m", "tiny"], &dir, &[]);
        session.press(b"first prompt\r");
        session.wait_for("DONE-ONE");
        // A frame of its own drawn last, so every byte before the resize is in.
        session.press(b"qqwwzz");
        session.wait_for("qqwwzz");
        let resized_at = session.seen().len();
        session.resize(100, 24);
        session.press(b"\x15");
        // Ctrl+Z in a pty with no job-control shell: refused, and the app carries on.
        session.press(b"\x1a");
        session.wait_for("no shell with job control");
        session.press(b"second prompt\r");
        session.wait_for("DONE-TWO");
        (String::from_utf8_lossy(&session.quit_and_read()).into_owned(), resized_at)
    })
    .await
    .unwrap();
    // (A narrower terminal has ratatui clear a whole screen: that one is the alternate's.)
    let conversation = &bytes[..resized_at];
    assert!(!conversation.contains("\x1b[?1049h"), "inline mode drew on the alternate screen");
    // Finished lines go out as text (the live part is drawn cell by cell, skipping blanks).
    assert!(conversation.contains("line 17 of a long answer"), "not printed as text");
    let mut vt = Vt::new(160, 30);
    vt.feed(&bytes.as_bytes()[..resized_at]);
    vt.resize(100, 24);
    vt.feed(&bytes.as_bytes()[resized_at..]);
    let history = vt.history();
    in_order(
        &history,
        &[
            "● You",
            "first prompt",
            "◆ tiny",
            "fn main() {}",
            "line 1 of a long answer",
            "line 40 of a long answer",
            "DONE-ONE",
            "second prompt",
            "short second DONE-TWO",
        ],
    );
    // Every line once: nothing printed twice, nothing lost to the resize.
    assert_eq!(history.matches("line 17 of a long answer").count(), 1, "{history}");
    // The live part is gone: the shell's prompt comes right under the conversation.
    let screen = vt.screen_lines();
    let last = screen.iter().rposition(|line| !line.is_empty()).unwrap();
    assert!(
        screen[last].contains("DONE-TWO") || screen[last - 1].contains("DONE-TWO"),
        "{screen:#?}"
    );
    assert!(!screen.iter().any(|line| line.contains("F1 help")), "{screen:#?}");
    // Nor was the live part ever copied into the scrollback (tmux does that with a screen
    // cleared from its top-left corner).
    assert!(!history.contains("F1 help"), "the live part in the scrollback:\n{history}");
    assert!(vt.cursor().0 > last, "the cursor is under the conversation");
}

/// Reopening a long conversation inline prints its tail, not the whole of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_a_conversation_inline_prints_its_tail() {
    let answer: String = (1..=30).map(|n| format!("row {n}\n\n")).collect();
    // Words with no letter in common at any position, so a frame's diff writes them whole.
    let ends = ["apple", "bingo", "crisp", "dwarf"];
    let replies = ends.iter().map(|end| reply(&format!("{answer}{end}"))).collect();
    let server = TestServer::start(replies).await;
    let data = tempfile::tempdir().unwrap();
    let (url, dir) = (server.base_url.clone(), data.path().to_owned());
    let bytes = tokio::task::spawn_blocking(move || {
        let mut session = Session::start(&["--base-url", &url, "-m", "tiny"], &dir, &[]);
        for (n, end) in ends.iter().enumerate() {
            session.press(format!("question {n}\r").as_bytes());
            session.wait_for(end);
        }
        session.quit();
        let args = ["--inline", "-c", "--base-url", &url, "-m", "tiny"];
        let mut session = Session::start(&args, &dir, &[]);
        session.wait_for("dwarf");
        String::from_utf8_lossy(&session.quit_and_read()).into_owned()
    })
    .await
    .unwrap();
    let mut vt = Vt::new(160, 30);
    vt.feed(bytes.as_bytes());
    let history = vt.history();
    in_order(&history, &["earlier message", "question 3", "row 30", "dwarf"]);
    assert!(!history.contains("question 0"), "the whole conversation was printed:\n{history}");
}

/// The terminal says it lost focus (`CSI O`): a reply ending then sends a desktop
/// notification through the terminal; after it says it has focus again (`CSI I`), none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_ending_unfocused_sends_a_notification_and_focused_none() {
    let server = TestServer::start(vec![reply("first apple"), reply("second bingo")]).await;
    let data = tempfile::tempdir().unwrap();
    let (url, dir) = (server.base_url.clone(), data.path().to_owned());
    let (unfocused, focused) = tokio::task::spawn_blocking(move || {
        let mut session = Session::start(&["--base-url", &url, "-m", "tiny"], &dir, &[]);
        assert!(session.seen().contains("\x1b[?1004h"), "focus events were not asked for");
        session.press(b"\x1b[O");
        session.press(b"one\r");
        session.wait_for("apple");
        session.wait_for("\x1b]9;");
        let unfocused = session.seen().len();
        session.press(b"\x1b[I");
        session.press(b"two\r");
        session.wait_for("bingo");
        let bytes = session.quit_and_read();
        (String::from_utf8_lossy(&bytes[..unfocused]).into_owned(), {
            String::from_utf8_lossy(&bytes[unfocused..]).into_owned()
        })
    })
    .await
    .unwrap();
    assert!(unfocused.contains("\x1b]9;rockchat: the reply is done\x1b\\"), "{unfocused:?}");
    assert!(!focused.contains("\x1b]9;"), "a notification while focused: {focused:?}");
    assert!(!focused.contains('\x07'), "a bell while focused");
}

/// A key pressed as the terminal is resized is read at once. crossterm's default reader
/// waits on edge-triggered readiness and, when a resize and keys arrive together, reports the
/// resize and loses the keys' wake-up: they sat unread until the next key (seen here as a
/// Ctrl+Z answered only when the terminal closed). The reader that polls /dev/tty does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_pressed_as_the_terminal_resizes_are_read_at_once() {
    let server = TestServer::start(vec![]).await;
    let data = tempfile::tempdir().unwrap();
    let (url, dir) = (server.base_url.clone(), data.path().to_owned());
    tokio::task::spawn_blocking(move || {
        let mut session =
            Session::start(&["--inline", "--base-url", &url, "-m", "tiny"], &dir, &[]);
        let mut typed = String::new();
        // Each resize-and-key is a chance to lose the key; forty make a loss all but sure.
        for (n, key) in ('a'..='z').chain('A'..='N').enumerate() {
            let width = if n % 2 == 0 { 100 } else { 140 };
            session.resize(width, 24);
            session.press(key.to_string().as_bytes());
            typed.push(key);
            session.wait_for(&typed);
        }
        session.quit();
    })
    .await
    .unwrap();
}

/// The viewport while a reply taller than it streams: the reply's newest rows, as the full
/// screen follows it, not its first ones.
#[tokio::test]
async fn a_long_reply_streaming_inline_shows_its_newest_rows() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::{Terminal, backend::TestBackend};
    use rockchat::api::{ApiClient, Endpoint};
    use rockchat::app::{Msg, State, state::Target};

    let deltas: Vec<Vec<u8>> = (1..=60)
        .map(|n| {
            let piece = serde_json::json!({"choices": [{"delta": {"content": format!("paragraph {n}\n\n")}}]});
            format!("data: {piece}\n\n").into_bytes()
        })
        .collect();
    let server = TestServer::start(vec![Reply {
        status: 200,
        headers: vec![("Content-Type".into(), "text/event-stream".into())],
        body: Body::ChunksThenHang(deltas),
    }])
    .await;
    let endpoint = Endpoint {
        provider: "local".into(),
        base_url: server.base_url.clone(),
        ..Endpoint::default()
    };
    let target = Target { provider: "local".into(), model: "tiny".into() };
    let state = State::new(target, "You are a helpful assistant".into(), false);
    let terminal = Terminal::new(TestBackend::new(60, 24)).unwrap();
    let mut app = rockchat::term::driver::App::new(
        state,
        terminal,
        ApiClient::new(endpoint).unwrap(),
        Box::new(|_| Ok(())),
    );
    app.set_inline().unwrap();
    app.dispatch(Msg::Paste("write a lot".into())).unwrap();
    app.dispatch(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))).unwrap();
    let mut input = futures_util::stream::pending::<std::io::Result<crossterm::event::Event>>();
    let arrived = |s: &State| {
        s.conversation.messages().last().is_some_and(|m| m.content.contains("paragraph 60"))
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), app.run_until(&mut input, arrived))
        .await
        .expect("the reply arrived")
        .unwrap();
    app.draw().unwrap();
    let screen: String = app
        .terminal()
        .backend()
        .buffer()
        .content()
        .chunks(60)
        .map(|row| row.iter().map(|cell| cell.symbol()).collect::<String>() + "\n")
        .collect();
    assert!(app.state().stream.is_busy(), "still streaming");
    assert!(screen.contains("paragraph 60"), "{screen}");
    assert!(!screen.contains("paragraph 1\n") && !screen.contains("paragraph 1 "), "{screen}");
}

//! `kill -9` in the middle of a reply: the real binary in a pseudo-terminal, a model that
//! writes slowly, then the database reopened. The partial reply must be there, marked
//! interrupted.

mod support;

use std::time::Duration;

use rockchat::store::Store;
use support::pty::Session;
use support::{Body, Reply, TestServer, sse_reply};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_cut_by_kill_9_comes_back_partial_and_marked_interrupted() {
    let words: Vec<String> = (0..60).map(|i| format!("w{i} ")).collect();
    let deltas: Vec<&str> = words.iter().map(String::as_str).collect();
    let bytes = sse_reply(&deltas, "stop", None);
    // One piece per SSE event, 40 ms apart; the finish never comes.
    let events: Vec<Vec<u8>> = String::from_utf8_lossy(&bytes)
        .split_inclusive("\n\n")
        .take(deltas.len())
        .map(|e| e.as_bytes().to_vec())
        .collect();
    let slow = Reply {
        status: 200,
        headers: vec![("Content-Type".into(), "text/event-stream".into())],
        body: Body::PacedThenHang(events, Duration::from_millis(40)),
    };
    let server = TestServer::start(vec![slow]).await;
    let data = tempfile::tempdir().unwrap();
    let base_url = server.base_url.clone();
    let data_dir = data.path().to_owned();

    let session = tokio::task::spawn_blocking(move || {
        let args = ["--base-url", base_url.as_str(), "--model", "tiny"];
        let mut session = Session::start(&args, &data_dir, &[]);
        session.press(b"tell me a long story\r");
        session.wait_for("w30");
        let pid = session.child.process_id().unwrap();
        let status = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
        assert!(status.unwrap().success());
        session.child.wait().unwrap();
    });
    session.await.unwrap();

    let store = Store::open(&data.path().join("rockchat.db")).unwrap();
    let stored = store.load(store.latest().unwrap().unwrap()).unwrap();
    assert_eq!(stored.messages[0].content, "tell me a long story");
    let reply = &stored.messages[1];
    assert_eq!(reply.status, "interrupted");
    let full: String = words.concat();
    assert!(full.starts_with(&reply.content), "not a prefix of the reply: {:?}", reply.content);
    // 30 words arrived over about 1.2 s; saves every 250 ms keep all but the last few.
    assert!(reply.content.contains("w20 "), "too little was saved: {:?}", reply.content);
}

/// A pty's own command has no shell to return to (its process group is orphaned, so the
/// kernel would drop the stop signal): Ctrl+Z says so, and the app carries on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_z_without_a_job_control_shell_says_why_and_keeps_running() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_owned();
    tokio::task::spawn_blocking(move || {
        let args = ["--base-url", "http://127.0.0.1:9/v1", "--model", "tiny"];
        let mut session = Session::start(&args, &data_dir, &[]);
        session.press(b"\x1a");
        session.wait_for("no shell with job control to return to");
        session.press(b"still here");
        session.wait_for("still here");
        session.quit();
    })
    .await
    .unwrap();
}

/// Runs the real binary in a pty until `needle` shows, then quits with Ctrl+D.
fn session_until(args: &[&str], data_dir: &std::path::Path, keys: &[u8], needle: &str) -> String {
    let mut session = Session::start(args, data_dir, &[("COLORFGBG", "15;0")]);
    session.press(keys);
    session.wait_for(needle);
    session.quit()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_goes_back_to_the_conversations_model_unless_one_is_asked_for() {
    let reply = || {
        let bytes = sse_reply(&["Saved."], "stop", None);
        Reply {
            status: 200,
            headers: vec![("Content-Type".into(), "text/event-stream".into())],
            body: Body::Whole(bytes),
        }
    };
    let server = TestServer::start(vec![reply()]).await;
    let data = tempfile::tempdir().unwrap();
    let (url, dir) = (server.base_url.clone(), data.path().to_owned());
    tokio::task::spawn_blocking(move || {
        session_until(&["--base-url", &url, "-m", "first-model"], &dir, b"hi\r", "Saved.");
        // -c alone: the conversation's own model comes back.
        let screen = session_until(&["--base-url", &url, "-c"], &dir, b"", "· first-model · idle");
        assert!(!screen.contains("as asked") && !screen.contains("gpt-4o-mini"), "{screen}");
        // -c with -m: the model asked for stays, and the user is told.
        let asked = &["--base-url", &url, "-m", "second-model", "-c"];
        session_until(asked, &dir, b"", "continuing with second-model, as asked");
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_held_on_a_base_url_reopens_there_without_the_flag() {
    let reply = |text: &str| Reply {
        status: 200,
        headers: vec![("Content-Type".into(), "text/event-stream".into())],
        body: Body::Whole(sse_reply(&[text], "stop", None)),
    };
    let server = TestServer::start(vec![reply("Saved."), reply("Again.")]).await;
    let data = tempfile::tempdir().unwrap();
    let (url, dir) = (server.base_url.clone(), data.path().to_owned());
    let host = url.trim_start_matches("http://").trim_end_matches("/v1").to_owned();
    let with_password = url.replacen("http://", "http://bob:pw@", 1);
    tokio::task::spawn_blocking(move || {
        session_until(&["--base-url", &with_password, "-m", "m1"], &dir, b"hi\r", "Saved.");
        // No flag: the conversation goes back to its server, and its next reply comes from it.
        let screen = session_until(&["-c"], &dir, b"more\r", "Again.");
        assert!(!screen.contains("no longer configured"), "{screen}");
        assert!(screen.contains(&host), "{screen}");
    })
    .await
    .unwrap();
    assert_eq!(server.requests().await.len(), 2);
    let db = rusqlite::Connection::open(data.path().join("rockchat.db")).unwrap();
    let held: String =
        db.query_row("SELECT base_url FROM conversations", [], |r| r.get(0)).unwrap();
    assert_eq!(held, server.base_url, "kept without the user name and password");
}

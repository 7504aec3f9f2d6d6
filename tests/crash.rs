//! `kill -9` in the middle of a reply: the real binary in a pseudo-terminal, a model that
//! writes slowly, then the database reopened. The partial reply must be there, marked
//! interrupted.

mod support;

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::Duration;

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use rockchat::store::Store;
use support::{Body, Reply, TestServer, sse_reply};

/// Waits until the terminal output contains `needle`; the timeout only guards a hang.
fn wait_for(output: &mpsc::Receiver<Vec<u8>>, seen: &mut Vec<u8>, needle: &str) {
    while !String::from_utf8_lossy(seen).contains(needle) {
        match output.recv_timeout(Duration::from_secs(15)) {
            Ok(bytes) => seen.extend(bytes),
            Err(_) => {
                panic!("never saw {needle:?}; screen so far: {}", String::from_utf8_lossy(seen))
            }
        }
    }
}

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
        let pty = native_pty_system()
            .openpty(PtySize { rows: 30, cols: 100, pixel_width: 0, pixel_height: 0 })
            .unwrap();
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_rockchat"));
        command.args(["--base-url", &base_url, "--model", "tiny"]);
        command.env("ROCKCHAT_DATA_DIR", &data_dir);
        command.env("HOME", &data_dir);
        command.env("XDG_CONFIG_HOME", &data_dir);
        command.env("TERM", "xterm-256color");
        command.env_remove("ROCKCHAT_CONFIG");
        let mut child = pty.slave.spawn_command(command).unwrap();
        let mut reader = pty.master.try_clone_reader().unwrap();
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 || tx.send(buffer[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let mut seen = Vec::new();
        wait_for(&output, &mut seen, "F1 help");
        let mut keys = pty.master.take_writer().unwrap();
        keys.write_all(b"tell me a long story\r").unwrap();
        keys.flush().unwrap();
        wait_for(&output, &mut seen, "w30");
        let pid = child.process_id().unwrap();
        let status = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
        assert!(status.unwrap().success());
        child.wait().unwrap();
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
        let pty = native_pty_system()
            .openpty(PtySize { rows: 30, cols: 140, pixel_width: 0, pixel_height: 0 })
            .unwrap();
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_rockchat"));
        command.args(["--base-url", "http://127.0.0.1:9/v1", "--model", "tiny"]);
        command.env("ROCKCHAT_DATA_DIR", &data_dir);
        command.env("HOME", &data_dir);
        command.env("XDG_CONFIG_HOME", &data_dir);
        command.env("TERM", "xterm-256color");
        command.env_remove("ROCKCHAT_CONFIG");
        let mut child = pty.slave.spawn_command(command).unwrap();
        let mut reader = pty.master.try_clone_reader().unwrap();
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 || tx.send(buffer[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let mut seen = Vec::new();
        wait_for(&output, &mut seen, "F1 help");
        let mut keys = pty.master.take_writer().unwrap();
        keys.write_all(b"\x1a").unwrap();
        keys.flush().unwrap();
        wait_for(&output, &mut seen, "no shell with job control to return to");
        keys.write_all(b"still here").unwrap();
        keys.flush().unwrap();
        wait_for(&output, &mut seen, "still here");
        keys.write_all(b"\x04").unwrap();
        keys.flush().unwrap();
        assert!(child.wait().unwrap().success());
    })
    .await
    .unwrap();
}

/// Runs the real binary in a pty until `needle` shows, then quits with Ctrl+D.
fn session_until(args: &[&str], data_dir: &std::path::Path, keys: &[u8], needle: &str) -> String {
    let pty = native_pty_system()
        .openpty(PtySize { rows: 30, cols: 160, pixel_width: 0, pixel_height: 0 })
        .unwrap();
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_rockchat"));
    command.args(args);
    command.env("ROCKCHAT_DATA_DIR", data_dir);
    command.env("HOME", data_dir);
    command.env("XDG_CONFIG_HOME", data_dir);
    command.env("TERM", "xterm-256color");
    command.env("COLORFGBG", "15;0");
    command.env_remove("ROCKCHAT_CONFIG");
    let mut child = pty.slave.spawn_command(command).unwrap();
    let mut reader = pty.master.try_clone_reader().unwrap();
    let (tx, output) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buffer) {
            if n == 0 || tx.send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    wait_for(&output, &mut seen, "F1 help");
    let mut writer = pty.master.take_writer().unwrap();
    writer.write_all(keys).unwrap();
    writer.flush().unwrap();
    wait_for(&output, &mut seen, needle);
    writer.write_all(b"\x04").unwrap();
    writer.flush().unwrap();
    assert!(child.wait().unwrap().success());
    String::from_utf8_lossy(&seen).into_owned()
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

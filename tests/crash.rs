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

/// The real binary in a pseudo-terminal: what it draws arrives on `output`, keys go in.
struct Session {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    keys: Box<dyn Write + Send>,
    output: mpsc::Receiver<Vec<u8>>,
    seen: Vec<u8>,
    // Dropping the pty's master side would hang up on the child.
    _pty: Box<dyn portable_pty::MasterPty + Send>,
}

impl Session {
    /// Starts rockchat with `args` and its data in `data_dir`, and waits for its first frame.
    fn start(args: &[&str], data_dir: &std::path::Path, env: &[(&str, &str)]) -> Session {
        let pty = native_pty_system()
            .openpty(PtySize { rows: 30, cols: 160, pixel_width: 0, pixel_height: 0 })
            .unwrap();
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_rockchat"));
        command.args(args);
        command.env("ROCKCHAT_DATA_DIR", data_dir);
        command.env("HOME", data_dir);
        command.env("XDG_CONFIG_HOME", data_dir);
        command.env("TERM", "xterm-256color");
        command.env_remove("ROCKCHAT_CONFIG");
        for (name, value) in env {
            command.env(name, value);
        }
        let child = pty.slave.spawn_command(command).unwrap();
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
        let keys = pty.master.take_writer().unwrap();
        let mut session = Session { child, keys, output, seen: Vec::new(), _pty: pty.master };
        session.wait_for("F1 help");
        session
    }

    fn wait_for(&mut self, needle: &str) {
        wait_for(&self.output, &mut self.seen, needle);
    }

    fn press(&mut self, keys: &[u8]) {
        self.keys.write_all(keys).unwrap();
        self.keys.flush().unwrap();
    }

    /// Ctrl+D, and a clean exit.
    fn quit(mut self) -> String {
        self.press(b"\x04");
        assert!(self.child.wait().unwrap().success());
        String::from_utf8_lossy(&self.seen).into_owned()
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

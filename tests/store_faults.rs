//! The store when something goes wrong around it, on real database files: a lock held by
//! another program, a second rockchat deleting, reading or starting at the same moment, a
//! damaged file, a data dir that cannot be written, an import killed halfway or run twice, and
//! an import of a very large export. The other programs are real processes: the `rockchat`
//! binary, and Python's `sqlite3` to hold a lock.

mod support;

use std::io::{self, BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::stream::{self, Pending};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rockchat::api::{ApiClient, Endpoint};
use rockchat::app::state::{Popup, Target};
use rockchat::app::{Msg, State};
use rockchat::store::Store;
use rockchat::term::driver::App;
use support::{Body, Reply, TestServer, split_every, sse_chunks, sse_reply};

fn app(server: &TestServer, db: &Path) -> App<TestBackend> {
    let endpoint = Endpoint {
        provider: "local".into(),
        base_url: server.base_url.clone(),
        ..Endpoint::default()
    };
    let target = Target { provider: "local".into(), model: "tiny-llama".into() };
    let state = State::new(target, String::new(), false);
    let terminal = Terminal::new(TestBackend::new(100, 20)).unwrap();
    let mut app =
        App::new(state, terminal, ApiClient::new(endpoint).unwrap(), Box::new(|_| Ok(())));
    app.attach_store(Store::open(db).unwrap()).unwrap();
    app
}

fn send(app: &mut App<TestBackend>, text: &str) {
    app.dispatch(Msg::Paste(text.into())).unwrap();
    press(app, KeyCode::Enter, KeyModifiers::NONE);
}

fn press(app: &mut App<TestBackend>, code: KeyCode, modifiers: KeyModifiers) {
    app.dispatch(Msg::Key(KeyEvent::new(code, modifiers))).unwrap();
}

async fn until(app: &mut App<TestBackend>, done: impl Fn(&State) -> bool) {
    let mut input: Pending<io::Result<Event>> = stream::pending();
    tokio::time::timeout(Duration::from_secs(20), app.run_until(&mut input, done))
        .await
        .expect("the app reached the expected state")
        .unwrap();
}

fn idle(state: &State) -> bool {
    !state.stream.is_busy()
}

/// The screen as drawn now, rows joined.
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

fn reply(text: &str) -> Reply {
    sse_chunks(&sse_reply(&[text], "stop", None), 7)
}

/// Runs the `rockchat` binary on the data dir `data`: (succeeded, stdout, stderr).
fn run(args: &[&str], data: &Path) -> (bool, String, String) {
    let output = rockchat(args, data).output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (output.status.success(), text(&output.stdout), text(&output.stderr))
}

/// `rockchat import` of a one-turn JSON export (written to `dir`) into `data`.
fn import_a_small_export(dir: &Path, data: &Path) {
    let file = dir.join("chat.json");
    std::fs::write(
        &file,
        r#"{"model":"m","messages":[{"role":"user","content":"Capital of France?"},
            {"role":"assistant","content":"Paris."}]}"#,
    )
    .unwrap();
    let (ok, _, err) = run(&["import", file.to_str().unwrap()], data);
    assert!(ok, "{err}");
}

fn rockchat(args: &[&str], data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rockchat"));
    command.args(args).env("ROCKCHAT_DATA_DIR", data).env_remove("ROCKCHAT_CONFIG");
    command
}

/// Another program (Python's sqlite3) holding the database's write lock until dropped.
struct LockHolder(std::process::Child);

impl LockHolder {
    fn take(db: &Path) -> LockHolder {
        let script = "import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute('BEGIN EXCLUSIVE')
print('locked', flush=True)
sys.stdin.read()
c.execute('COMMIT')";
        let mut child = Command::new("python3")
            .args(["-c", script])
            .arg(db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "locked");
        LockHolder(child)
    }

    fn release(mut self) {
        drop(self.0.stdin.take());
        assert!(self.0.wait().unwrap().success());
    }
}

#[tokio::test]
async fn turns_sent_while_another_program_holds_the_lock_are_saved_in_order_once_it_lets_go() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("rockchat.db");
    let server =
        TestServer::start(vec![reply("First answer"), reply("Second answer"), reply("Third")])
            .await;
    let mut app = app(&server, &db);
    send(&mut app, "first");
    until(&mut app, idle).await;

    let lock = LockHolder::take(&db);
    send(&mut app, "second");
    until(&mut app, |s| idle(s) && s.unsaved.is_some()).await;
    let shown = screen(&mut app);
    assert!(
        shown.contains("not saved yet: database locked by another program, retrying"),
        "{shown}"
    );
    lock.release();
    until(&mut app, |s| s.unsaved.is_none()).await;
    assert!(!screen(&mut app).contains("not saved yet"));
    send(&mut app, "third");
    until(&mut app, idle).await;
    assert!(app.finish().is_none(), "everything was written");

    let expected = ["first", "First answer", "second", "Second answer", "third", "Third"];
    let (ok, shown, err) = run(&["show", "1"], data.path());
    assert!(ok, "{err}");
    let mut at = 0;
    for text in expected {
        let found = shown[at..].find(&format!("\n{text}\n")).unwrap_or_else(|| {
            panic!("{text:?} missing or out of order in `show`:\n{shown}");
        });
        at += found + text.len();
    }
    let (_, exported, _) = run(&["export", "1", "--format", "json"], data.path());
    let body: serde_json::Value = serde_json::from_str(&exported).unwrap();
    let texts: Vec<&str> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts, expected);
    // `-c` reopens the same branch, root to leaf.
    let store = Store::open(&db).unwrap();
    assert_eq!(store.list(10).unwrap().len(), 1, "no stray conversation");
    let stored = store.load(store.latest().unwrap().unwrap()).unwrap();
    let texts: Vec<&str> = stored.messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(texts, expected);
    for pair in stored.messages.windows(2) {
        assert_eq!(pair[1].parent_id, Some(pair[0].id), "{:?}", pair[1].content);
    }
}

#[tokio::test]
async fn a_conversation_deleted_by_another_rockchat_is_saved_again_as_a_new_one() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("rockchat.db");
    let server = TestServer::start(vec![reply("A1"), reply("A2")]).await;
    let mut app = app(&server, &db);
    send(&mut app, "first");
    until(&mut app, |s| idle(s) && s.conversation.stored_id == Some(1)).await;

    // Another terminal deletes it, then imports something.
    assert!(run(&["delete", "1"], data.path()).0);
    import_a_small_export(data.path(), data.path());

    send(&mut app, "second");
    until(&mut app, |s| idle(s) && s.conversation.stored_id.is_some_and(|id| id != 1 && id != 2))
        .await;
    let notice = app.state().notice.clone().unwrap_or_default();
    assert!(notice.contains("deleted by another program"), "{notice}");
    let id = app.state().conversation.stored_id.unwrap();
    app.finish();

    let store = Store::open(&db).unwrap();
    let texts = |id| -> Vec<String> {
        store.load(id).unwrap().messages.into_iter().map(|m| m.content).collect()
    };
    assert_eq!(texts(2), ["Capital of France?", "Paris."], "the import got a new id, untouched");
    assert_eq!(texts(id), ["first", "A1", "second", "A2"], "every turn, in a new conversation");
    assert_eq!(store.list(10).unwrap().len(), 2);
}

#[tokio::test]
async fn rockchat_list_during_another_process_stream_leaves_the_live_reply_alone() {
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
    let later = (tokio::time::Instant::now() + Duration::from_secs(1)).into_std();
    app.dispatch(Msg::Tick(later)).unwrap();
    // The list is read after the writes queued before it: the partial reply is on disk.
    press(&mut app, KeyCode::Char('l'), KeyModifiers::CONTROL);
    until(&mut app, |s| matches!(&s.popup, Some(Popup::Library(l)) if !l.loading)).await;
    press(&mut app, KeyCode::Esc, KeyModifiers::NONE);

    let (ok, listed, err) = run(&["list"], data.path());
    assert!(ok && listed.contains("Tell me something"), "{listed}{err}");
    let status = |db: &Path| -> String {
        let conn =
            rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .unwrap();
        conn.query_row("SELECT status FROM messages WHERE role = 'assistant'", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(status(&db), "streaming", "the reply is still being written by its owner");
    assert!(app.state().stream.is_busy());
    // Its writer gone without finishing it, the next open marks it.
    app.finish();
    assert!(run(&["list"], data.path()).0);
    assert_eq!(status(&db), "interrupted");
}

#[test]
fn two_rockchats_starting_together_on_a_fresh_data_dir_both_work() {
    let mut failures = Vec::new();
    for _ in 0..30 {
        let data = tempfile::tempdir().unwrap();
        let children: Vec<_> = (0..2)
            .map(|_| {
                rockchat(&["list"], data.path())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            if !output.status.success() {
                failures.push(String::from_utf8_lossy(&output.stderr).into_owned());
            }
        }
    }
    assert!(failures.is_empty(), "{} of 60 failed: {failures:?}", failures.len());
}

/// A data dir whose database has its `conversations` table root overwritten by an empty
/// page (the table spans many pages): rows unreachable with no error from SQLite when a
/// conversation is looked up or a word searched.
fn damaged_data_dir() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("many.json");
    let many: Vec<_> = (0..300)
        .map(|n| {
            serde_json::json!({"id": format!("c-{n}"), "title": format!("conversation {n} with a title long enough to fill pages"),
                "current_node": "a", "mapping": {"a": {"parent": null, "message": {
                    "author": {"role": "user"}, "content": {"parts": ["lantern"]}}}}})
        })
        .collect();
    std::fs::write(&file, serde_json::to_string(&many).unwrap()).unwrap();
    assert!(run(&["import", file.to_str().unwrap()], data.path()).0);
    let db = data.path().join("rockchat.db");
    let (root, page_size): (i64, i64) = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        let root = conn
            .query_row("SELECT rootpage FROM sqlite_master WHERE name = 'conversations'", [], |r| {
                r.get(0)
            })
            .unwrap();
        (root, conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap())
    };
    let mut bytes = std::fs::read(&db).unwrap();
    let page = &mut bytes[((root - 1) * page_size) as usize..(root * page_size) as usize];
    page.fill(0);
    // An empty table leaf: type 13, no cells, content starting at the page's end.
    page[0] = 13;
    page[5..7].copy_from_slice(&(page_size as u16).to_be_bytes());
    std::fs::write(&db, bytes).unwrap();
    data
}

#[tokio::test]
async fn a_damaged_database_is_reported_as_damage_by_every_reading_command() {
    let data = damaged_data_dir();
    let db = data.path().join("rockchat.db");
    let before = std::fs::read(&db).unwrap();
    for args in [&["show", "7"][..], &["export", "7"], &["search", "lantern"], &["list"]] {
        let (ok, out, err) = run(args, data.path());
        assert!(!ok, "{args:?} exited 0 with {out:?}");
        assert!(
            err.contains(&db.display().to_string())
                && err.contains("damaged")
                && err.contains("rockchat backup"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("no conversation"), "{args:?}: {err}");
    }
    // The app's list (Ctrl+L) says so too, rather than "No saved conversations yet".
    let server = TestServer::start(Vec::new()).await;
    let mut app = app(&server, &db);
    press(&mut app, KeyCode::Char('l'), KeyModifiers::CONTROL);
    until(&mut app, |s| s.notice.is_some()).await;
    let shown = screen(&mut app);
    assert!(shown.contains("is damaged") && !shown.contains("No saved"), "{shown}");
    app.finish();
    assert!(std::fs::read(&db).unwrap() == before, "the file was changed");
}

/// A ChatGPT export of `count` conversations of `turns` user/assistant pairs, each with
/// `padding` bytes of branches that are not imported (as real exports carry).
fn chatgpt_export(count: usize, turns: usize, padding: usize) -> String {
    let mut out = String::from("[");
    for c in 0..count {
        let mut mapping = serde_json::Map::new();
        let mut parent = serde_json::Value::Null;
        for m in 0..turns * 2 {
            let role = if m % 2 == 0 { "user" } else { "assistant" };
            let node = format!("n{m}");
            let text = format!("conversation {c} message {m} {}", "words ".repeat(20));
            mapping.insert(
                node.clone(),
                serde_json::json!({"parent": parent, "message": {"author": {"role": role},
                    "content": {"content_type": "text", "parts": [text]}}}),
            );
            parent = serde_json::Value::String(node);
        }
        let aside = "an old branch ".repeat(padding / 14);
        mapping.insert(
            "old".into(),
            serde_json::json!({"parent": "n0", "message": {"author": {"role": "assistant"},
                "content": {"parts": [aside]}}}),
        );
        let conversation = serde_json::json!({"id": format!("id-{c}"), "title": format!("Chat {c}"),
            "current_node": parent, "mapping": mapping});
        if c > 0 {
            out.push(',');
        }
        out.push_str(&conversation.to_string());
    }
    out.push(']');
    out
}

#[test]
fn an_import_killed_halfway_leaves_whole_conversations_and_a_second_run_adds_only_the_rest() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("conversations.json");
    std::fs::write(&file, chatgpt_export(600, 5, 0)).unwrap();
    let db = data.path().join("rockchat.db");
    let mut import = rockchat(&["import", file.to_str().unwrap()], data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let count = |db: &Path| -> i64 {
        let Ok(conn) =
            rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        else {
            return 0;
        };
        conn.query_row("SELECT count(*) FROM conversations", [], |r| r.get(0)).unwrap_or(0)
    };
    // Polled: the import is another process, with nothing to wait on but its file.
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(&db) < 20 {
        assert!(Instant::now() < deadline, "the import wrote nothing");
        assert!(import.try_wait().unwrap().is_none(), "the import ended before it was killed");
        std::thread::sleep(Duration::from_millis(5));
    }
    import.kill().unwrap();
    import.wait().unwrap();

    let complete = |db: &Path| {
        let store = Store::open(db).unwrap();
        let list = store.list(10_000).unwrap();
        for conversation in &list {
            assert_eq!(conversation.messages, 10, "{} is whole", conversation.title);
        }
        let mut titles: Vec<String> = list.into_iter().map(|c| c.title).collect();
        titles.sort();
        titles
    };
    let before = complete(&db);
    let (ok, out, err) = run(&["import", file.to_str().unwrap()], data.path());
    assert!(ok, "{err}");
    let after = complete(&db);
    let mut expected: Vec<String> = (0..600).map(|c| format!("Chat {c}")).collect();
    expected.sort();
    assert_eq!(after, expected, "each conversation exactly once");
    assert!(out.contains(&format!("skipped {} imported before", before.len())), "{out}");
    assert!(before.len() < 600, "the kill came before the end ({} imported)", before.len());
    let (_, out, _) = run(&["import", file.to_str().unwrap()], data.path());
    assert!(out.starts_with("imported 0 conversations"), "{out}");
}

#[test]
fn importing_a_large_export_holds_one_conversation_in_memory_not_the_file() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("conversations.json");
    // 40 MB, most of it branches that are parsed and left out, as in real exports.
    let export = chatgpt_export(400, 2, 100_000);
    assert!(export.len() > 40_000_000);
    std::fs::write(&file, export).unwrap();
    // Python's getrusage sees the peak of its child, the import, alone.
    let script = "import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)";
    let output = Command::new("python3")
        .args(["-c", script, env!("CARGO_BIN_EXE_rockchat"), "import"])
        .arg(&file)
        .env("ROCKCHAT_DATA_DIR", data.path())
        .env_remove("ROCKCHAT_CONFIG")
        .output()
        .expect("python3 runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let peak_kb: u64 = String::from_utf8_lossy(&output.stdout).trim().parse().unwrap();
    eprintln!("peak RSS of the import: {peak_kb} kB");
    assert!(peak_kb < 40 * 1024, "peak RSS {} MB for a 40 MB file", peak_kb / 1024);
    let store = Store::open(&data.path().join("rockchat.db")).unwrap();
    assert_eq!(store.list(1000).unwrap().len(), 400);
}

/// Runs the command as a user who cannot write `data` (this process's own, unless it is
/// root, who may write anywhere: then as `nobody`).
fn run_without_write_access(args: &[&str], data: &Path) -> (bool, String, String) {
    let root = rustix::process::geteuid().is_root();
    let mut command = if root {
        // A copy beside the data, as the build dir may sit where nobody else may enter.
        let binary = data.parent().expect("data has a parent").join("rockchat");
        if !binary.exists() {
            std::fs::copy(env!("CARGO_BIN_EXE_rockchat"), &binary).unwrap();
        }
        let mut command = Command::new("setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(&binary).args(args);
        command
    } else {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rockchat"));
        command.args(args);
        command
    };
    let output = command
        .env("ROCKCHAT_DATA_DIR", data)
        .env("HOME", data)
        .env_remove("ROCKCHAT_CONFIG")
        .output()
        .expect("setpriv runs (util-linux) when the tests run as root");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (output.status.success(), text(&output.stdout), text(&output.stderr))
}

#[test]
fn the_reading_commands_work_in_a_data_dir_that_cannot_be_written() {
    use std::os::unix::fs::PermissionsExt;
    let outer = tempfile::tempdir().unwrap();
    let data = outer.path().join("data");
    import_a_small_export(outer.path(), &data);
    let backups = outer.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    let mode = |path: &Path, mode| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    mode(outer.path(), 0o755);
    mode(&backups, 0o777);
    for entry in std::fs::read_dir(&data).unwrap() {
        mode(&entry.unwrap().path(), 0o444);
    }
    mode(&data, 0o555);

    let (ok, out, err) = run_without_write_access(&["list"], &data);
    assert!(ok && out.contains("Capital of France?"), "{out}{err}");
    let (ok, out, err) = run_without_write_access(&["show", "1"], &data);
    assert!(ok && out.contains("Paris."), "{out}{err}");
    let (ok, out, err) = run_without_write_access(&["search", "Paris"], &data);
    assert!(ok && out.contains("[Paris]"), "{out}{err}");
    let (ok, out, err) = run_without_write_access(&["export", "1", "--format", "json"], &data);
    assert!(ok && out.contains("\"Paris.\""), "{out}{err}");
    let copy = backups.join("copy.db");
    let (ok, _, err) = run_without_write_access(&["backup", copy.to_str().unwrap()], &data);
    assert!(ok, "{err}");
    assert_eq!(Store::open(&copy).unwrap().list(5).unwrap()[0].title, "Capital of France?");
    // Writing says why it cannot.
    let (ok, _, err) = run_without_write_access(&["delete", "1"], &data);
    assert!(!ok && err.contains("cannot be written"), "{err}");
    mode(&data, 0o755);
}

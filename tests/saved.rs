//! The saved-conversation commands as a user runs them: the real binary on a real database
//! file, `ask` against a loopback server. `ask` saving and continuing, where a conversation
//! was held, the archive's lossless round trip (every field of both databases compared), the
//! replayable request body, imports, and the CLI's output, errors and exit codes.

mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use support::{TestServer, sse_chunks, sse_reply};
use tokio::io::AsyncWriteExt;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `rockchat ARGS` with its own data dir and no config file.
async fn rockchat(data: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_rockchat"));
    command
        .args(args)
        .env("ROCKCHAT_DATA_DIR", data)
        .env("HOME", data)
        .env("XDG_CONFIG_HOME", data)
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env_remove("ROCKCHAT_CONFIG")
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).await.unwrap();
    }
    drop(pipe);
    let output = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("rockchat finished")
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn reply(text: &str) -> support::Reply {
    sse_chunks(&sse_reply(&[text], "stop", Some((10, 2))), 5)
}

/// A 1×1 PNG.
fn png() -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, 1, 1);
    encoder.set_color(png::ColorType::Rgba);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&[255, 0, 0, 255]).unwrap();
    writer.finish().unwrap();
    bytes
}

#[tokio::test]
async fn ask_saves_continue_and_open_carry_the_history_and_the_url_is_remembered() {
    let data = tempfile::tempdir().unwrap();
    let server =
        TestServer::start(vec![reply("Paris."), reply("About 2 million."), reply("Yes.")]).await;
    // Credentials in the URL are used, never stored.
    let url = server.base_url.replacen("http://", "http://alice:s3cret@", 1);
    let first =
        rockchat(data.path(), &["--base-url", &url, "ask", "Capital of France?"], None).await;
    assert_eq!((first.code, first.stdout.as_str()), (0, "Paris.\n"), "{}", first.stderr);
    // Continued without --base-url: the conversation goes back where it was held.
    let second = rockchat(data.path(), &["ask", "-c", "How many people?"], None).await;
    assert_eq!(
        (second.code, second.stdout.as_str()),
        (0, "About 2 million.\n"),
        "{}",
        second.stderr
    );
    let third = rockchat(data.path(), &["ask", "--open", "1", "--no-save", "Sure?"], None).await;
    assert_eq!(third.code, 0, "{}", third.stderr);
    let sent = server.requests().await;
    assert_eq!(
        sent[1].body["messages"],
        json!([
            {"role": "system", "content": "You are a helpful assistant"},
            {"role": "user", "content": "Capital of France?"},
            {"role": "assistant", "content": "Paris."},
            {"role": "user", "content": "How many people?"},
        ])
    );
    assert_eq!(sent[2].body["messages"].as_array().unwrap().len(), 6);

    let list = rockchat(data.path(), &["list", "--json"], None).await;
    let rows: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "a continued conversation is one row");
    assert_eq!(rows[0]["messages"], 4, "--no-save saved nothing");
    assert_eq!(rows[0]["title"], "Capital of France?");
    let db = rusqlite::Connection::open(data.path().join("rockchat.db")).unwrap();
    let held: String =
        db.query_row("SELECT base_url FROM conversations", [], |r| r.get(0)).unwrap();
    assert_eq!(held, server.base_url);
    assert!(!held.contains("s3cret"));

    // Nothing to continue, and no such conversation: said, with exit 1.
    let empty = tempfile::tempdir().unwrap();
    let none = rockchat(empty.path(), &["ask", "-c", "hi"], None).await;
    assert_eq!(none.code, 1);
    assert!(none.stderr.contains("no saved conversation to continue"), "{}", none.stderr);
    let missing = rockchat(data.path(), &["ask", "--open", "99", "hi"], None).await;
    assert!(missing.stderr.contains("no conversation with id 99"), "{}", missing.stderr);
}

#[tokio::test]
async fn list_aligns_its_columns_and_counts_in_words() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start(vec![reply("One."), reply("Two.")]).await;
    let url = server.base_url.clone();
    rockchat(data.path(), &["--base-url", &url, "ask", "-m", "m", "first"], None).await;
    let import = data.path().join("one.json");
    std::fs::write(
        &import,
        r#"{"model":"a-longer-model","messages":[{"role":"user","content":"lonely"}]}"#,
    )
    .unwrap();
    let run = rockchat(data.path(), &["import", import.to_str().unwrap()], None).await;
    assert_eq!(run.stdout, "imported 1 conversation (1 message)\n", "{}", run.stderr);
    let run = rockchat(data.path(), &["list"], None).await;
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(lines[0].contains("a-longer-model  1 message   lonely"), "{}", run.stdout);
    assert!(lines[1].contains("m               2 messages  first"), "{}", run.stdout);
    assert_eq!(lines[0].find("lonely"), lines[1].find("first"), "titles line up");
}

/// Every row of every table, by column name, for comparing two databases.
type Row = Vec<(String, rusqlite::types::Value)>;

fn dump(path: &Path) -> Vec<(String, Vec<Row>)> {
    let db = rusqlite::Connection::open(path).unwrap();
    let mut tables = Vec::new();
    for (table, order) in [
        ("conversations", "id"),
        ("messages", "id"),
        ("attachments", "id"),
        ("tool_calls", "id"),
        ("drafts", "conversation_id"),
    ] {
        let mut statement = db.prepare(&format!("SELECT * FROM {table} ORDER BY {order}")).unwrap();
        let names: Vec<String> = statement.column_names().iter().map(|n| n.to_string()).collect();
        let rows = statement
            .query_map([], |row| {
                Ok(names
                    .iter()
                    .enumerate()
                    // Where a conversation came from is the import's own record.
                    .filter(|(_, name)| *name != "source")
                    .map(|(i, name)| {
                        (name.clone(), row.get::<_, rusqlite::types::Value>(i).unwrap())
                    })
                    .collect())
            })
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        tables.push((table.to_owned(), rows));
    }
    tables
}

#[tokio::test]
async fn an_archive_imports_into_a_new_database_with_every_field_equal_but_the_server() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start(vec![reply("A red dot."), reply("It is small.")]).await;
    let image = data.path().join("dot.png");
    std::fs::write(&image, png()).unwrap();
    let notes = data.path().join("notes.txt");
    std::fs::write(&notes, "line one\nline two\n").unwrap();
    let url = server.base_url.clone();
    let args = ["--base-url", &url, "ask", "-m", "vision", "-s", "Be\nbrief", "-i"];
    let run = rockchat(
        data.path(),
        &[&args[..], &[image.to_str().unwrap(), "-f", notes.to_str().unwrap(), "What is this?"]]
            .concat(),
        None,
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    rockchat(data.path(), &["ask", "-c", "And?"], None).await;
    // What only the app makes: another branch, a pin, a deleted message, parameters, a
    // draft, a JSON check, a tool call.
    let db = rusqlite::Connection::open(data.path().join("rockchat.db")).unwrap();
    db.execute_batch(
        "INSERT INTO messages (conversation_id, parent_id, role, content, reasoning, model, status,
                               error, finish_reason, prompt_tokens, completion_tokens, created_at,
                               updated_at, pinned, hidden, authored, json_check, provider,
                               cached_tokens, reasoning_tokens, cost)
         VALUES (1, 1, 'assistant', 'An older reply', 'thought', 'vision', 'error', 'HTTP 500',
                 'length', 3, 4, 1000, 2000, 0, 0, 0, 'not an object', 'lab', 2, 1, 37500);
         UPDATE messages SET pinned = 1 WHERE id = 1;
         UPDATE messages SET hidden = 1 WHERE id = 3;
         UPDATE conversations SET params = '{\"temperature\":0.5,\"seed\":7}', tools = '[\"arith\"]';
         INSERT INTO drafts (conversation_id, text) VALUES (1, 'half typed');
         INSERT INTO tool_calls (message_id, position, call_id, name, server, arguments, state, result)
         VALUES (2, 0, 'c1', 'add', 'arith', '{\"a\":1}', 'ok', '2');",
    )
    .unwrap();
    drop(db);
    let archive = rockchat(data.path(), &["export", "--all", "--format", "archive"], None).await;
    assert_eq!(archive.code, 0, "{}", archive.stderr);
    let file = data.path().join("archive.json");
    std::fs::write(&file, &archive.stdout).unwrap();

    let other = tempfile::tempdir().unwrap();
    let run = rockchat(other.path(), &["import", file.to_str().unwrap()], None).await;
    assert_eq!(run.stdout, "imported 1 conversation (5 messages)\n", "{}", run.stderr);
    let before = dump(&data.path().join("rockchat.db"));
    let after = dump(&other.path().join("rockchat.db"));
    // The server it was held on (`--base-url`) is not taken from a file: opening the
    // imported conversation would send its history there unasked.
    let url_of = |dump: &[(String, Vec<Row>)]| {
        let row = &dump[0].1[0];
        row.iter().find(|(name, _)| name == "base_url").map(|(_, value)| value.clone())
    };
    assert_eq!(url_of(&before), Some(rusqlite::types::Value::Text(url.clone())));
    assert_eq!(url_of(&after), Some(rusqlite::types::Value::Null));
    let without_url = |mut dump: Vec<(String, Vec<Row>)>| {
        dump[0].1[0].retain(|(name, _)| name != "base_url");
        dump
    };
    assert_eq!(without_url(before.clone()), without_url(after));
    // Something in each table, so the comparison compared something.
    assert!(before.iter().all(|(_, rows)| !rows.is_empty()), "{before:?}");
    // Again: nothing added twice.
    let run = rockchat(other.path(), &["import", file.to_str().unwrap()], None).await;
    assert!(run.stdout.contains("skipped 1 imported before"), "{}", run.stdout);
}

#[tokio::test]
async fn the_request_export_is_what_ask_sends_and_imports_back_with_its_image() {
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start(vec![reply("A red dot.")]).await;
    let image = data.path().join("dot.png");
    std::fs::write(&image, png()).unwrap();
    let url = server.base_url.clone();
    let args = [
        "--base-url",
        &url,
        "ask",
        "-m",
        "vision",
        "-s",
        "Be\nbrief",
        "-i",
        image.to_str().unwrap(),
        "What is this?",
    ];
    assert_eq!(rockchat(data.path(), &args, None).await.code, 0);
    let db = rusqlite::Connection::open(data.path().join("rockchat.db")).unwrap();
    db.execute("UPDATE conversations SET params = '{\"temperature\":0.5}'", []).unwrap();
    drop(db);
    let exported = rockchat(data.path(), &["export", "1", "--format", "json"], None).await;
    let body: serde_json::Value = serde_json::from_str(&exported.stdout).unwrap();
    let dry =
        rockchat(data.path(), &["ask", "--open", "1", "--no-stream", "--dry-run", "next"], None)
            .await;
    let mut asked: serde_json::Value = serde_json::from_str(&dry.stdout).unwrap();
    asked["messages"].as_array_mut().unwrap().pop();
    assert_eq!(body, asked, "the export is the request without the new prompt");
    assert_eq!(body["temperature"], 0.5);
    assert_eq!(body["stream"], false);
    assert!(body.get("metadata").is_none(), "nothing the API refuses");
    let url = body["messages"][1]["content"][1]["image_url"]["url"].as_str().unwrap();
    assert!(url.starts_with("data:image/png;base64,"), "{url}");

    // Imported elsewhere: the image is back, and no made-up provider.
    let file = data.path().join("request.json");
    std::fs::write(&file, &exported.stdout).unwrap();
    let other = tempfile::tempdir().unwrap();
    assert_eq!(rockchat(other.path(), &["import", file.to_str().unwrap()], None).await.code, 0);
    let db = rusqlite::Connection::open(other.path().join("rockchat.db")).unwrap();
    let (mime, bytes): (String, Vec<u8>) = db
        .query_row("SELECT mime, data FROM attachments", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!((mime.as_str(), bytes), ("image/png", png()));
    let provider: String =
        db.query_row("SELECT provider FROM conversations", [], |r| r.get(0)).unwrap();
    assert_eq!(provider, "");

    // Markdown keeps the two-line system message inside its quote.
    let markdown = rockchat(data.path(), &["export", "1"], None).await.stdout;
    assert!(markdown.contains("> **System:**\n>\n> Be\n> brief\n\n"), "{markdown}");
    let html = rockchat(data.path(), &["export", "1", "--format", "html"], None).await.stdout;
    assert!(
        html.contains("<pre>What is this?</pre>") && html.contains("src=\"data:image/png;base64,"),
        "{html}"
    );
}

#[tokio::test]
async fn search_without_a_match_says_so_and_exits_1() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("one.json");
    std::fs::write(
        &file,
        r#"{"model":"m","messages":[{"role":"user","content":"render the scene"}]}"#,
    )
    .unwrap();
    rockchat(data.path(), &["import", file.to_str().unwrap()], None).await;
    let run = rockchat(data.path(), &["search", "nothing-here"], None).await;
    assert_eq!((run.code, run.stdout.as_str()), (1, ""));
    assert_eq!(run.stderr, "rockchat: no conversation matches nothing-here\n");
    let run = rockchat(data.path(), &["search", "--json", "render"], None).await;
    let hits: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(hits[0]["id"], 1);
}

#[tokio::test]
async fn errors_name_the_right_thing() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("one.json");
    std::fs::write(&file, r#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#).unwrap();
    rockchat(data.path(), &["import", file.to_str().unwrap()], None).await;
    let run = rockchat(data.path(), &["backup", file.to_str().unwrap()], None).await;
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        format!(
            "rockchat: {} already exists; backup writes a new file (remove it, or name another)\n",
            file.display()
        )
    );
    let missing = data.path().join("nope.toml");
    let run = rockchat(data.path(), &["--config", missing.to_str().unwrap(), "list"], None).await;
    assert_eq!(
        run.stderr,
        format!(
            "rockchat: cannot read config file {}: No such file or directory (os error 2)\n",
            missing.display()
        )
    );
    let run = rockchat(data.path(), &["show", "7"], None).await;
    assert_eq!((run.code, run.stderr.as_str()), (1, "rockchat: no conversation with id 7\n"));
    let run = rockchat(data.path(), &["list", "--bogus"], None).await;
    assert_eq!(run.code, 2, "a usage error exits 2");
}

#[tokio::test]
async fn each_subcommand_shows_only_its_flags_each_described() {
    let data = tempfile::tempdir().unwrap();
    for command in ["list", "show", "delete", "backup", "search", "export", "import"] {
        let help = rockchat(data.path(), &[command, "--help"], None).await.stdout;
        for flag in ["--provider", "--model", "--system", "--base-url", "--preset"] {
            assert!(!help.contains(flag), "`{command} --help` shows {flag}:\n{help}");
        }
    }
    let help = rockchat(data.path(), &["ask", "--help"], None).await.stdout;
    for flag in ["--provider", "--model", "--base-url", "--continue", "--open", "--no-save"] {
        assert!(help.contains(flag), "{help}");
    }
    // Every argument of every command has a description.
    let command = <rockchat::config::cli::Cli as clap::CommandFactory>::command();
    let mut undescribed = Vec::new();
    for sub in std::iter::once(&command).chain(command.get_subcommands()) {
        for arg in sub.get_arguments() {
            let builtin = ["help", "version"].contains(&arg.get_id().as_str());
            if arg.get_help().is_none() && !builtin {
                undescribed.push(format!("{} {}", sub.get_name(), arg.get_id()));
            }
        }
    }
    assert!(undescribed.is_empty(), "{undescribed:?}");
    let help = rockchat(data.path(), &["--help"], None).await.stdout;
    assert!(
        help.contains("Exit codes:") && help.contains("7  `ask`: the reply was cut off"),
        "{help}"
    );
}

#[tokio::test]
async fn completions_are_printed_for_each_shell() {
    let data = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = rockchat(data.path(), &["completions", shell], None).await;
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains("rockchat"), "{shell}");
        assert!(run.stdout.contains("COMPLETE"), "{shell}: the script asks the binary");
    }
}

/// What the binary answers a shell completing `line` (fish's protocol: one candidate a
/// line, its description after a tab).
async fn completed(data: &Path, line: &[&str]) -> Vec<String> {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_rockchat"));
    command
        .arg("--")
        .args(line)
        .env("COMPLETE", "fish")
        .env("ROCKCHAT_DATA_DIR", data)
        .env("ROCKCHAT_CONFIG", data.join("config.toml"))
        .env("HOME", data)
        .env("XDG_CONFIG_HOME", data);
    let output = command.output().await.unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().lines().map(str::to_owned).collect()
}

#[tokio::test]
async fn completion_offers_conversation_ids_with_titles_and_model_names() {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(
        data.path().join("config.toml"),
        "[providers.lab]\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"qwen-coder\"\nmodels = [\"llama-3\"]\n\n[presets.shell]\nsystem_prompt = \"terse\"\n",
    )
    .unwrap();
    let server = TestServer::start(vec![reply("Paris."), reply("Rome.")]).await;
    let url = server.base_url.as_str();
    for prompt in ["Capital of France?", "Capital of\x1b[31m Italy?"] {
        let args = ["--base-url", url, "ask", "-m", "tiny", prompt];
        assert_eq!(rockchat(data.path(), &args, None).await.code, 0);
    }
    let ids = completed(data.path(), &["rockchat", "show", ""]).await;
    assert_eq!(&ids[..2], ["2\tCapital of Italy?", "1\tCapital of France?"], "{ids:?}");
    let opened = completed(data.path(), &["rockchat", "ask", "--open", ""]).await;
    assert_eq!(opened.len(), 2, "{opened:?}");
    let models = completed(data.path(), &["rockchat", "-m", ""]).await;
    for model in ["qwen-coder\tlab", "llama-3\tlab", "tiny\tused recently"] {
        assert!(models.iter().any(|m| m == model), "{model}: {models:?}");
    }
    let presets = completed(data.path(), &["rockchat", "ask", "--preset", ""]).await;
    assert_eq!(presets, ["shell"]);
    // Nothing saved yet: no ids, and no error in the middle of the command line.
    let empty = tempfile::tempdir().unwrap();
    let none = completed(empty.path(), &["rockchat", "delete", ""]).await;
    assert!(!none.iter().any(|c| c.starts_with(|c: char| c.is_ascii_digit())), "{none:?}");
}

#[tokio::test]
async fn search_finds_prefixes_substrings_and_cjk_once_per_conversation_best_first() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("chats.json");
    // Two conversations as a ChatGPT export, imported; a third mentions render twice.
    let conversation = |id: &str, title: &str, texts: &[&str]| {
        let mut mapping = serde_json::Map::new();
        let mut parent = serde_json::Value::Null;
        for (i, text) in texts.iter().enumerate() {
            let key = format!("{id}-{i}");
            let role = if i % 2 == 0 { "user" } else { "assistant" };
            mapping.insert(
                key.clone(),
                json!({"message": {"author": {"role": role}, "content": {"parts": [text]}},
                       "parent": parent}),
            );
            parent = json!(key);
        }
        json!({"id": id, "title": title, "current_node": parent, "mapping": mapping})
    };
    let export = json!([
        conversation(
            "a",
            "Rendering",
            &["How do I render a scene?", "Render it with a renderer: rendering renders."]
        ),
        conversation("b", "Coffee", &["Best café in town?", "The café by the harbour."]),
        conversation("c", "Kanji", &["漢字テXスト を読む", "読めます"]),
    ]);
    std::fs::write(&file, export.to_string()).unwrap();
    assert_eq!(rockchat(data.path(), &["import", file.to_str().unwrap()], None).await.code, 0);
    let ids = |run: &Run| -> Vec<i64> {
        let hits: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        hits.as_array().unwrap().iter().map(|h| h["id"].as_i64().unwrap()).collect()
    };
    for (query, expected) in [
        ("rend", vec![1]),
        ("caf", vec![2]),
        ("漢字", vec![3]),
        ("字テ", vec![3]),
        ("a*", vec![1]),
        ("th", vec![2]),
        ("re", vec![1]),
        ("harbour café", vec![2]),
        // The title alone: its messages are Japanese.
        ("kanji", vec![3]),
        ("ka", vec![3]),
    ] {
        let run = rockchat(data.path(), &["search", "--json", query], None).await;
        assert_eq!(ids(&run), expected, "{query}: {}", run.stdout);
    }
    let run = rockchat(data.path(), &["search", "rend"], None).await;
    assert_eq!(run.stdout.lines().count(), 2, "one conversation, one row and its snippet");
    assert!(run.stdout.contains("[Rend]er it with a [rend]erer"), "{}", run.stdout);
}

#[tokio::test]
async fn a_database_from_before_indexes_its_messages_once_with_progress() {
    let data = tempfile::tempdir().unwrap();
    let path = data.path().join("rockchat.db");
    // Schema 11 as the rockchat before this one made it, with a few thousand messages.
    {
        let store = rockchat::store::Store::open(&path).unwrap();
        drop(store);
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch(
            "DROP TRIGGER messages_trigram_insert; DROP TRIGGER messages_trigram_delete;
             DROP TRIGGER messages_trigram_update; DROP TABLE messages_trigram;
             ALTER TABLE conversations DROP COLUMN base_url;
             PRAGMA user_version = 11;
             INSERT INTO conversations (id, title, created_at, updated_at) VALUES (1, 'old', 0, 0);",
        )
        .unwrap();
        let mut insert = db
            .prepare(
                "INSERT INTO messages (conversation_id, role, content, status, created_at, updated_at)
                 VALUES (1, 'user', ?1, 'complete', 0, 0)",
            )
            .unwrap();
        db.execute_batch("BEGIN").unwrap();
        for i in 0..12_000 {
            insert.execute([format!("message {i} about the lighthouse")]).unwrap();
        }
        db.execute_batch("COMMIT").unwrap();
    }
    let run = rockchat(data.path(), &["search", "--json", "ghthou"], None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "rockchat: indexing 12000 messages for search (once, after an upgrade)…\n\
         rockchat: indexed 12000 messages for search\n"
    );
    let run = rockchat(data.path(), &["search", "--json", "ghthou", "--limit", "1"], None).await;
    assert_eq!(run.stderr, "", "only once");
    let hits: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(hits[0]["snippet"], "message 11999 about the li[ghthou]se", "newest first");
}

#[tokio::test]
async fn ask_saves_each_reply_with_its_usage_cost_and_json_check() {
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("config.toml");
    std::fs::write(&config, "[models.\"m\"]\ninput_price = 3\noutput_price = 15\n").unwrap();
    let config = config.to_str().unwrap();
    let server =
        TestServer::start(vec![reply("Four."), reply("{\"a\": 1"), reply("{\"a\": 1}")]).await;
    let url = server.base_url.as_str();
    for args in [&["2+2?"][..], &["--json", "as JSON"], &["--json", "again"]] {
        let mut all = vec!["--config", config, "--base-url", url, "ask", "-m", "m"];
        if args.len() == 1 {
            all.extend(args);
        } else {
            all.extend(["-c"]);
            all.extend(args);
        }
        rockchat(data.path(), &all, None).await;
    }
    let db = rusqlite::Connection::open(data.path().join("rockchat.db")).unwrap();
    let mut statement = db
        .prepare(
            "SELECT prompt_tokens, completion_tokens, cost, json_check FROM messages
             WHERE role = 'assistant' ORDER BY id",
        )
        .unwrap();
    let rows: Vec<(i64, i64, i64, Option<String>)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    // 10 in × $3 + 2 out × $15 per million = $0.00006, in picodollars.
    let cost = 60_000_000;
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0], (10, 2, cost, None), "a plain reply: usage and cost");
    assert_eq!((rows[1].0, rows[1].2), (10, cost));
    assert!(rows[1].3.as_deref().unwrap().starts_with("not valid JSON"), "{:?}", rows[1].3);
    assert_eq!(rows[2].3.as_deref(), Some(""), "valid JSON is kept as checked");
    // The stats see what ask spent.
    let stats = rockchat(data.path(), &["stats", "--json"], None).await;
    assert!(stats.stdout.contains("\"prompt_tokens\": 30"), "{}", stats.stdout);
}

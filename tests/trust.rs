//! Hostile servers and files, and where the key goes: every string a server or an import
//! sends reaches the terminal, the store and an export sanitised, one-line fields stay one
//! line, bidi and zero-width characters show; each provider gets only its own key, a URL's
//! credentials are never shown, and a redirect never carries the request elsewhere.
//!
//! Real parts throughout: a scripted server on 127.0.0.1, the real binary (`ask`,
//! `models`, the saved-conversation commands, the full-screen app in a pty), the app's
//! driver with a real database file.

mod support;

use std::io;
use std::path::Path;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::stream;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rockchat::api::{ApiClient, ApiError, Endpoint};
use rockchat::app::state::Target;
use rockchat::app::{Msg, State};
use rockchat::chat::{RequestMessage, Role};
use rockchat::secret::ApiKey;
use rockchat::store::Store;
use rockchat::term::driver::App;
use support::pty::Session;
use support::{Reply, TestServer, json_reply, sse_chunks, sse_reply, whole_reply};

/// What the finish reason of the issue did through `ask`'s stderr: retitle the pane, write
/// the clipboard, colour the terminal.
const HOSTILE: &str = "\u{1b}]0;TITLE\u{7}\u{1b}]52;c;UFdORUQ=\u{7}\u{1b}[31mweird";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The real binary with `args`, its data in `data`, no config file unless the args name
/// one, no key or proxy from the environment running the tests; `env` on top.
fn rockchat(args: &[&str], data: &Path, env: &[(&str, &str)]) -> Run {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_rockchat"));
    command
        .args(args)
        .env("ROCKCHAT_DATA_DIR", data)
        .env("HOME", data)
        .env("XDG_CONFIG_HOME", data)
        .stdin(std::process::Stdio::null());
    for name in [
        "ROCKCHAT_CONFIG",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "ROCKAPI_API_KEY",
        "OPENROUTER_API_KEY",
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let output = command.output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The binary run while the test's server keeps serving on this runtime.
async fn rockchat_async(args: &[&str], data: &Path, env: &[(&str, &str)]) -> Run {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let env: Vec<(String, String)> =
        env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let data = data.to_owned();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        rockchat(&args, &data, &env)
    })
    .await
    .unwrap()
}

fn no_terminal_control(text: &str) -> bool {
    !text.chars().any(|c| {
        (c.is_control() && c != '\n' && c != '\t') || ('\u{202a}'..='\u{202e}').contains(&c)
    })
}

fn endpoint(base_url: &str, key: Option<&str>) -> Endpoint {
    Endpoint {
        provider: "local".into(),
        base_url: base_url.to_owned(),
        api_key: key.and_then(ApiKey::new),
        key_hint: "no key was sent".into(),
        ..Endpoint::default()
    }
}

fn hello(client: &ApiClient) -> rockchat::api::types::ChatRequest {
    client.chat_request("tiny-llama", vec![RequestMessage::text(Role::User, "hello")], true)
}

async fn stream_error(client: &ApiClient) -> ApiError {
    support::collect_stream(client, &hello(client)).await.2.expect_err("the request failed")
}

/// The full-screen app's driver on a `TestBackend`, saving to `data`.
fn app(base_url: &str, data: &Path) -> App<TestBackend> {
    let client = ApiClient::new(endpoint(base_url, None)).unwrap();
    let target = Target { provider: "local".into(), model: "tiny-llama".into() };
    let state = State::new(target, "You are a helpful assistant".into(), false);
    let terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let mut app = App::new(state, terminal, client, Box::new(|_| Ok(())));
    app.attach_store(Store::open(&data.join("rockchat.db")).unwrap()).unwrap();
    app
}

fn press(app: &mut App<TestBackend>, code: KeyCode, modifiers: KeyModifiers) {
    app.dispatch(Msg::Key(KeyEvent::new(code, modifiers))).unwrap();
}

/// Sends `text` and runs the app until the reply is over.
async fn ask(app: &mut App<TestBackend>, text: &str) {
    app.dispatch(Msg::Paste(text.into())).unwrap();
    press(app, KeyCode::Enter, KeyModifiers::NONE);
    let mut input = stream::pending::<io::Result<Event>>();
    let done = app.run_until(&mut input, |state| !state.stream.is_busy());
    tokio::time::timeout(Duration::from_secs(20), done).await.expect("the reply ended").unwrap();
}

fn screen(app: &mut App<TestBackend>) -> String {
    app.draw().unwrap();
    let buffer = app.terminal().backend().buffer();
    let area = buffer.area;
    (0..area.height)
        .map(|y| (0..area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

// ---- Untrusted text never reaches the terminal ----

#[tokio::test]
async fn a_hostile_finish_reason_reaches_asks_stderr_as_one_clean_line() {
    let server = TestServer::start(vec![sse_chunks(&sse_reply(&["Hi"], HOSTILE, None), 9)]).await;
    let data = tempfile::tempdir().unwrap();
    let run =
        rockchat_async(&["--base-url", &server.base_url, "ask", "hi"], data.path(), &[]).await;
    assert_eq!((run.code, run.stdout.as_str()), (0, "Hi\n"), "{}", run.stderr);
    assert_eq!(run.stderr, "rockchat: note: the reply was finished: weird\n");
}

#[tokio::test]
async fn a_hostile_finish_reason_is_stored_and_exported_clean() {
    let server = TestServer::start(vec![sse_chunks(&sse_reply(&["Hi"], HOSTILE, None), 9)]).await;
    let data = tempfile::tempdir().unwrap();
    let mut app = app(&server.base_url, data.path());
    ask(&mut app, "hello").await;
    assert!(screen(&mut app).contains("finished: weird"), "{}", screen(&mut app));
    app.finish();
    let store = Store::open(&data.path().join("rockchat.db")).unwrap();
    let stored = store.load(store.latest().unwrap().unwrap()).unwrap();
    assert_eq!(stored.messages[1].finish_reason.as_deref(), Some("weird"));
    for format in ["json", "md"] {
        let run = rockchat(&["export", "1", "--format", format], data.path(), &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains("Hi") && no_terminal_control(&run.stdout), "{:?}", run.stdout);
        assert!(
            !run.stdout.contains("\\u001b") && !run.stdout.contains("UFdORUQ"),
            "{}",
            run.stdout
        );
    }
}

#[tokio::test]
async fn model_ids_with_line_breaks_stay_one_row_each_in_models_output() {
    let list = br#"{"data":[{"id":"good","context_length":8192},{"id":"evil\nforged-row\t999999"},{"id":"tab\there\u001b]0;x\u0007"}]}"#;
    let server = TestServer::start(vec![json_reply(200, list)]).await;
    let data = tempfile::tempdir().unwrap();
    let run = rockchat_async(&["--base-url", &server.base_url, "models"], data.path(), &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows: Vec<Vec<&str>> = run.stdout.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows, [vec!["evil forged-row 999999"], vec!["good", "8192"], vec!["tab here"]]);
}

#[tokio::test]
async fn an_error_type_and_code_are_one_clean_line() {
    let body = br#"{"error":{"message":"bad request","type":"invalid\nrockchat: fake line\u001b[2J","code":"c\r\nd"}}"#;
    let server = TestServer::start(vec![json_reply(400, body)]).await;
    let client = ApiClient::new(endpoint(&server.base_url, None)).unwrap();
    let error = stream_error(&client).await;
    assert_eq!(error.to_string(), "HTTP 400: bad request (invalid rockchat: fake line, c d)");
}

#[tokio::test]
async fn a_content_type_quoted_in_an_error_is_one_capped_line() {
    let kind = format!("text/x-{}", "a".repeat(5000));
    let server = TestServer::start(vec![whole_reply(200, &kind, b"<p>not a stream</p>")]).await;
    let client = ApiClient::new(endpoint(&server.base_url, None)).unwrap();
    let error = stream_error(&client).await.to_string();
    assert!(
        error.starts_with("the server's reply is not an event stream (content type text/x-aaa")
    );
    assert!(error.chars().count() < 400, "capped: {} chars", error.chars().count());
}

/// A rockchat JSON export whose title and model carry a newline, a tab, escapes, a bidi
/// override and a zero-width space.
fn forged_export() -> String {
    serde_json::json!({
        "model": "gpt\n    2  1 min  forged-model  forged title  (9 messages)",
        "messages": [
            {"role": "user", "content": "the needle question"},
            {"role": "assistant", "content": "an answer"}
        ],
        "metadata": {"rockchat": {
            "title": "real\n    2  1 min  gpt-4o  forged row\u{1b}[31m (1 messages)\tend \u{202e}txt.exe is\u{200b}_admin"
        }}
    })
    .to_string()
}

#[test]
fn imported_titles_and_models_with_line_breaks_print_one_row_each() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("forged.json");
    std::fs::write(&file, forged_export()).unwrap();
    let run = rockchat(&["import", file.to_str().unwrap()], data.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let list = rockchat(&["list"], data.path(), &[]);
    assert_eq!(list.stdout.lines().count(), 1, "one conversation, one row: {}", list.stdout);
    assert!(list.stdout.contains("gpt "), "{}", list.stdout);
    let search = rockchat(&["search", "needle"], data.path(), &[]);
    assert_eq!(search.stdout.lines().count(), 2, "a title row and a snippet: {}", search.stdout);
    let show = rockchat(&["show", "1"], data.path(), &[]);
    let headings: Vec<&str> = show.stdout.lines().filter(|l| l.starts_with('#')).collect();
    assert_eq!(headings.len(), 3, "the title, You and the model: {}", show.stdout);
    for out in [&list.stdout, &search.stdout, &show.stdout] {
        assert!(no_terminal_control(out), "{out:?}");
        // Shown as editors show them, so "is_admin" and "txt.exe" cannot be faked.
        assert!(out.contains("<U+202E>txt.exe is<U+200B>_admin"), "{out}");
    }
}

#[tokio::test]
async fn bidi_controls_are_shown_in_asks_output_and_prose_keeps_its_joiners() {
    let text = "if access\u{202e} \u{2066}// check\u{2069} 👨\u{200d}👩\u{200d}👧";
    let server = TestServer::start(vec![sse_chunks(&sse_reply(&[text], "stop", None), 5)]).await;
    let data = tempfile::tempdir().unwrap();
    let run =
        rockchat_async(&["--base-url", &server.base_url, "ask", "hi"], data.path(), &[]).await;
    assert_eq!(
        run.stdout, "if access<U+202E> <U+2066>// check<U+2069> 👨\u{200d}👩\u{200d}👧\n",
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn zero_width_characters_in_code_are_shown_on_screen() {
    let reply = "Use this:\n\n```python\nif is\u{200b}_admin:\n    grant()\n```\n";
    let server = TestServer::start(vec![sse_chunks(&sse_reply(&[reply], "stop", None), 7)]).await;
    let data = tempfile::tempdir().unwrap();
    let mut app = app(&server.base_url, data.path());
    ask(&mut app, "hello").await;
    let shown = screen(&mut app);
    assert!(shown.contains("if is<U+200B>_admin:"), "{shown}");
}

// ---- The key goes only where the user sends it ----

/// Each provider of config.example.toml, pointed at the test server, with every provider's
/// variable set: each receives its own key and no other, the local ones none.
#[tokio::test]
async fn each_provider_in_the_example_config_gets_only_its_own_key() {
    let providers = ["rockapi", "openai", "openrouter", "ollama", "llamacpp", "vllm", "lab"];
    let replies = (0..providers.len()).map(|_| sse_chunks(&sse_reply(&["ok"], "stop", None), 64));
    let server = TestServer::start(replies.collect()).await;
    let data = tempfile::tempdir().unwrap();
    let mut config = String::new();
    for name in providers {
        config.push_str(&format!("[providers.{name}]\nbase_url = \"{}\"\n", server.base_url));
        if name == "lab" {
            config.push_str("model = \"m\"\napi_key_cmd = \"echo lab-from-command-0123\"\n");
        }
    }
    let path = data.path().join("config.toml");
    std::fs::write(&path, config).unwrap();
    let env = [
        ("OPENAI_API_KEY", "sk-openai-0123456789"),
        ("ROCKAPI_API_KEY", "rk-rockapi-0123456789"),
        ("OPENROUTER_API_KEY", "or-openrouter-0123456789"),
    ];
    for name in providers {
        let args = ["--config", path.to_str().unwrap(), "--provider", name, "ask", "hi"];
        let run = rockchat_async(&args, data.path(), &env).await;
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
    }
    let sent: Vec<Option<String>> = server
        .requests()
        .await
        .iter()
        .map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    let bearer = |key: &str| Some(format!("Bearer {key}"));
    assert_eq!(
        sent,
        [
            bearer("rk-rockapi-0123456789"),
            bearer("sk-openai-0123456789"),
            bearer("or-openrouter-0123456789"),
            None,
            None,
            None,
            bearer("lab-from-command-0123"),
        ]
    );
}

fn files_containing(dir: &Path, secret: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let bytes = std::fs::read(&path).ok()?;
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            found.then(|| path.display().to_string())
        })
        .collect()
}

/// `http://user:pass@host`: the password is never shown (status line, error, advice),
/// printed (stderr), stored (the database) or logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_in_the_base_url_are_never_shown_stored_or_logged() {
    const PASSWORD: &str = "s3cret-pw-4711";
    let body = br#"{"error":{"message":"no such model"}}"#;
    let server = TestServer::start(vec![json_reply(404, body)]).await;
    let with_password = server.base_url.replace("http://", &format!("http://alice:{PASSWORD}@"));
    let host = server.base_url.trim_start_matches("http://").trim_end_matches("/v1").to_owned();
    let data = tempfile::tempdir().unwrap();
    let (url, dir) = (with_password.clone(), data.path().to_owned());
    let screen = tokio::task::spawn_blocking(move || {
        let args = ["--base-url", url.as_str(), "--model", "tiny"];
        let mut session = Session::start(&args, &dir, &[("ROCKCHAT_LOG", "trace")]);
        session.press(b"hello\r");
        session.wait_for("no such model");
        session.quit()
    })
    .await
    .unwrap();
    assert!(screen.contains(&format!("{host} · tiny")), "the status line names the host");
    assert!(screen.contains("http://***@"), "the advice quotes the URL, redacted");
    assert!(!screen.contains(PASSWORD) && !screen.contains("alice"), "{screen}");

    let refused = with_password.replace(&host, "127.0.0.1:9");
    let env = [("ROCKCHAT_LOG", "trace")];
    let run = rockchat_async(&["--base-url", &refused, "ask", "hi"], data.path(), &env).await;
    assert!(run.stderr.contains("cannot connect to http://***@127.0.0.1:9/v1"), "{}", run.stderr);
    assert!(!run.stderr.contains(PASSWORD), "{}", run.stderr);

    let log = std::fs::read_to_string(data.path().join("rockchat.log")).unwrap();
    assert!(log.contains("request failed") && log.contains("ask failed"), "{log}");
    assert_eq!(files_containing(data.path(), PASSWORD), Vec::<String>::new());
}

/// A server that redirects the chat to another origin gets the 3xx back, unfollowed: the
/// other origin never sees the conversation, the key or the provider's headers.
#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed_and_says_where_it_pointed() {
    let elsewhere = TestServer::start(vec![]).await;
    let target = format!("{}/chat/completions", elsewhere.base_url);
    let redirect = Reply {
        status: 307,
        headers: vec![("Location".into(), target.clone())],
        body: support::Body::Whole(Vec::new()),
    };
    let server = TestServer::start(vec![redirect]).await;
    let mut endpoint = endpoint(&server.base_url, Some("sk-live-0123456789abc"));
    endpoint.headers = vec![("api-key".into(), "azure-style-secret".into())];
    let client = ApiClient::new(endpoint).unwrap();
    let error = stream_error(&client).await;
    let ApiError::Http { status: 307, message, .. } = &error else { panic!("{error:?}") };
    assert!(message.contains(&target) && message.contains("another origin"), "{message}");
    assert!(elsewhere.requests().await.is_empty(), "the other origin got nothing");
}

#[tokio::test]
async fn a_redirect_within_the_origin_is_followed_with_the_key_and_headers() {
    let redirect = Reply {
        status: 308,
        headers: vec![("Location".into(), "/v2/chat/completions".into())],
        body: support::Body::Whole(Vec::new()),
    };
    let ok = sse_chunks(&sse_reply(&["moved"], "stop", None), 16);
    let server = TestServer::start(vec![redirect, ok]).await;
    let mut endpoint = endpoint(&server.base_url, Some("sk-live-0123456789abc"));
    endpoint.headers = vec![("api-key".into(), "azure-style-secret".into())];
    let client = ApiClient::new(endpoint).unwrap();
    let (text, _, result) = support::collect_stream(&client, &hello(&client)).await;
    assert_eq!((text.as_str(), result), ("moved", Ok(())));
    let second = &server.requests().await[1];
    assert_eq!(second.path, "/v2/chat/completions");
    assert_eq!(second.header("api-key"), Some("azure-style-secret"));
    assert_eq!(second.body["messages"][0]["content"], "hello");
}

/// A 401 that echoes a key longer than the error-body limit: redacting after the cut would
/// leave the key's first characters in the message.
#[tokio::test]
async fn a_very_long_echoed_key_is_redacted_before_the_body_is_cut() {
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let key: String = std::iter::repeat_with(|| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        alphabet[(seed % alphabet.len() as u64) as usize] as char
    })
    .take(70 * 1024)
    .collect();
    let key = format!("sk-{key}");
    let body = format!("Incorrect API key provided: {key}");
    let server = TestServer::start(vec![whole_reply(401, "text/plain", body.as_bytes())]).await;
    let client = ApiClient::new(endpoint(&server.base_url, Some(&key))).unwrap();
    let error = stream_error(&client).await;
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("Incorrect API key provided: [redacted]"), "{}", &shown[..300]);
    assert!(!shown.contains(&key[..24]), "the key's start leaked");
}

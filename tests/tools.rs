//! Tools end to end: the real driver loop with a `TestBackend` terminal, a real HTTP server on
//! 127.0.0.1 scripted with `tool_calls` streams, a real MCP server (tests/mcp/arith_server.py,
//! spoken to through rmcp over its stdin and stdout) and a real store file. Each case asserts
//! the exact next request body, what the screen shows and what the store kept. Keys are fed
//! as messages; waits are on state, never on time.

mod support;

use std::collections::BTreeMap;
use std::io;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::stream::{self, Pending};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rockchat::api::{ApiClient, Endpoint};
use rockchat::app::state::Target;
use rockchat::app::tools::{Server, Tools};
use rockchat::app::{Msg, State};
use rockchat::chat::tools::{CallState, Outcome};
use rockchat::config::mcp::{McpServer, McpTransport, Tools as ToolConfig};
use rockchat::store::{Store, StoredConversation};
use rockchat::term::driver::App;
use serde_json::{Value, json};
use support::{
    Reply, TestServer, call_more, call_start, json_reply, sse_chunks, sse_reply, sse_tool_reply,
};
use tempfile::TempDir;

type Input = Pending<io::Result<Event>>;

const SYSTEM: &str = "You are a helpful assistant";

fn arith(env: &[(&str, &str)]) -> McpServer {
    McpServer {
        transport: McpTransport::Stdio {
            command: "python3".into(),
            args: vec![format!("{}/tests/mcp/arith_server.py", env!("CARGO_MANIFEST_DIR"))],
            env: env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        },
        enabled: true,
        auto_approve: Vec::new(),
        timeout: None,
    }
}

struct Case {
    app: App<TestBackend>,
    server: TestServer,
    data: TempDir,
}

impl Case {
    async fn start(replies: Vec<Reply>, configure: impl FnOnce(&mut ToolConfig)) -> Case {
        let server = TestServer::start(replies).await;
        let endpoint = Endpoint {
            provider: "local".into(),
            base_url: server.base_url.clone(),
            ..Endpoint::default()
        };
        let client = ApiClient::new(endpoint).unwrap();
        let target = Target { provider: "local".into(), model: "tiny-llama".into() };
        let mut state = State::new(target, SYSTEM.into(), false);
        let mut config = ToolConfig {
            servers: BTreeMap::from([("arith".to_owned(), arith(&[]))]),
            ..ToolConfig::default()
        };
        configure(&mut config);
        state.tools = Tools::new(config);
        let terminal = Terminal::new(TestBackend::new(100, 40)).unwrap();
        let mut app = App::new(state, terminal, client, Box::new(|_| Ok(())));
        let data = tempfile::tempdir().unwrap();
        app.attach_store(Store::open(&data.path().join("rockchat.db")).unwrap()).unwrap();
        let mut case = Case { app, server, data };
        // The first frame starts the servers; wait until arith has listed its tools.
        case.until(|s| {
            !matches!(s.tools.servers.get("arith"), Some(Server::Off | Server::Starting))
        })
        .await;
        case
    }

    fn key(&mut self, code: KeyCode) {
        self.app.dispatch(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))).unwrap();
    }

    fn send(&mut self, text: &str) {
        self.app.dispatch(Msg::Paste(text.into())).unwrap();
        self.key(KeyCode::Enter);
    }

    async fn until(&mut self, done: impl Fn(&State) -> bool) {
        let mut input: Input = stream::pending();
        tokio::time::timeout(Duration::from_secs(20), self.app.run_until(&mut input, done))
            .await
            .expect("the app reached the expected state")
            .unwrap();
    }

    /// Waits until a call asks for an answer.
    async fn asked(&mut self) {
        self.until(|s| rockchat::app::tools::asked(s).is_some()).await;
    }

    /// Waits until the turn is over: no request, no call waiting or running.
    async fn settled(&mut self, messages: usize) {
        self.until(move |s| {
            !s.stream.is_busy()
                && s.tools.turn.is_none()
                && s.conversation.messages().len() == messages
        })
        .await;
    }

    fn screen(&mut self) -> String {
        self.app.draw().unwrap();
        let buffer = self.app.terminal().backend().buffer();
        let area = buffer.area;
        (0..area.height)
            .map(|y| (0..area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>())
            .map(|row| row.trim_end().to_owned())
            .collect::<Vec<_>>()
            .join("\n")
    }

    async fn body(&self, n: usize) -> Value {
        self.server.requests().await[n].body.clone()
    }

    fn stored(self) -> StoredConversation {
        self.stored_with_data().0
    }

    /// The conversation as stored, and the data dir that holds the file.
    fn stored_with_data(self) -> (StoredConversation, TempDir) {
        self.app.finish();
        let store = Store::open(&self.data.path().join("rockchat.db")).unwrap();
        let stored = store.load(store.latest().unwrap().expect("saved")).unwrap();
        (stored, self.data)
    }
}

fn calls_reply(text: &[&str], pieces: &[Value]) -> Reply {
    sse_chunks(&sse_tool_reply(text, pieces), 7)
}

fn text_reply(text: &str) -> Reply {
    sse_chunks(&sse_reply(&[text], "stop", None), 11)
}

fn user(text: &str) -> Value {
    json!({"role": "user", "content": text})
}

fn system() -> Value {
    json!({"role": "system", "content": SYSTEM})
}

fn turn(content: Option<&str>, calls: &[(&str, &str, &str)]) -> Value {
    let calls: Vec<Value> = calls
        .iter()
        .map(|(id, name, args)| json!({"id": id, "type": "function", "function": {"name": name, "arguments": args}}))
        .collect();
    json!({"role": "assistant", "content": content, "tool_calls": calls})
}

fn result(id: &str, content: &str) -> Value {
    json!({"role": "tool", "tool_call_id": id, "content": content})
}

fn outcomes(stored: &StoredConversation) -> Vec<(String, Outcome, String)> {
    stored
        .messages
        .iter()
        .flat_map(|m| &m.tool_calls)
        .map(|c| match &c.state {
            CallState::Done(r) => (c.name.clone(), r.outcome, r.content.clone()),
            other => panic!("a stored call not done: {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn two_parallel_calls_with_split_arguments_run_after_approval_and_go_back_in_order() {
    let pieces = [
        call_start(0, "call_a", "add", "{\"a\": 2,"),
        call_start(1, "call_b", "add", "{\"a\": 10"),
        call_more(0, " \"b\": 3}"),
        call_more(1, ", \"b\": 5}"),
    ];
    let mut case =
        Case::start(vec![calls_reply(&["Let me add."], &pieces), text_reply("5 and 15.")], |_| {})
            .await;
    case.send("2+3 and 10+5?");
    case.asked().await;
    let screen = case.screen();
    assert!(screen.contains("⚙ add · arith"), "{screen}");
    assert!(screen.contains("\"a\": 2,"), "pretty JSON arguments: {screen}");
    assert!(screen.contains("? run add? y once · a always in this chat · n refuse"), "{screen}");
    assert_eq!(case.server.requests().await.len(), 1, "nothing runs before the user says so");
    case.key(KeyCode::Char('y'));
    case.asked().await;
    case.key(KeyCode::Char('y'));
    case.settled(3).await;

    let first = case.body(0).await;
    assert_eq!(first["tools"].as_array().unwrap().len(), 5, "{first}");
    assert_eq!(first["tools"][0]["function"]["name"], "add");
    assert_eq!(
        case.body(1).await["messages"],
        json!([
            system(),
            user("2+3 and 10+5?"),
            turn(
                Some("Let me add."),
                &[
                    ("call_a", "add", "{\"a\": 2, \"b\": 3}"),
                    ("call_b", "add", "{\"a\": 10, \"b\": 5}")
                ]
            ),
            result("call_a", "5"),
            result("call_b", "15"),
        ])
    );
    let screen = case.screen();
    assert!(screen.contains("↳ 5"), "{screen}");
    assert!(screen.contains("↳ 15"), "{screen}");
    assert!(screen.contains("5 and 15."), "{screen}");
    let sent = case.body(1).await["messages"].clone();
    let (stored, data) = case.stored_with_data();
    let data = data.path().to_owned();
    assert_eq!(
        outcomes(&stored),
        [("add".into(), Outcome::Ok, "5".into()), ("add".into(), Outcome::Ok, "15".into())]
    );
    assert_eq!(stored.messages[1].tool_calls[0].server.as_deref(), Some("arith"));
    assert_eq!(stored.messages[2].content, "5 and 15.");

    // Exported as the request carried it, and as markdown with each call and result.
    let endpoint = rockchat::api::Endpoint::default();
    let exported = rockchat::commands::saved::request_body(stored.clone(), &endpoint).unwrap();
    let exported = serde_json::to_value(&exported).unwrap();
    let messages = exported["messages"].as_array().unwrap();
    assert_eq!(messages[..5], sent.as_array().unwrap()[..]);
    assert_eq!(messages[5], json!({"role": "assistant", "content": "5 and 15."}));
    let store = Store::open(&data.join("rockchat.db")).unwrap();
    let archived = store.archive(stored.id).unwrap();
    assert_eq!(archived.messages[1].tool_calls[1].state, "ok");
    let mut markdown = Vec::new();
    rockchat::commands::saved::show(&store, stored.id, false, &mut markdown).unwrap();
    let markdown = String::from_utf8(markdown).unwrap();
    assert!(
        markdown.contains("**⚙ add** on arith\n\n```json\n{\n  \"a\": 2,\n  \"b\": 3\n}\n```\n\n→ ok:\n\n```\n5\n```"),
        "{markdown}"
    );

    // Reopened, the calls and results are on screen again.
    let mut reopened = Case::start(vec![], |_| {}).await;
    std::fs::copy(data.join("rockchat.db"), reopened.data.path().join("other.db")).unwrap();
    let stored_again =
        Store::open(&reopened.data.path().join("other.db")).unwrap().load(stored.id).unwrap();
    reopened
        .app
        .dispatch(Msg::Stored(rockchat::store::writer::StoreEvent::Loaded(Ok(Box::new(
            stored_again,
        )))))
        .unwrap();
    let screen = reopened.screen();
    assert!(screen.contains("⚙ add · arith"), "{screen}");
    assert!(screen.contains("↳ 15"), "{screen}");
}

#[tokio::test]
async fn a_long_result_shows_folded_and_ctrl_t_unfolds_it_and_folds_it_again() {
    let pieces = [call_start(0, "call_l", "lines", "{\"count\": 40}")];
    let mut case =
        Case::start(vec![calls_reply(&[], &pieces), text_reply("Forty lines.")], |_| {}).await;
    case.send("forty lines please");
    case.asked().await;
    case.key(KeyCode::Char('y'));
    case.settled(3).await;
    let folded = case.screen();
    assert!(folded.contains("↳ line 1"), "{folded}");
    assert!(folded.contains("line 3"), "{folded}");
    assert!(!folded.contains("line 4\n"), "only the first lines while folded: {folded}");
    assert!(folded.contains("… 40 lines, 310 bytes (Ctrl+T unfolds)"), "{folded}");
    // The whole result went to the model, folded or not.
    let sent = case.body(1).await["messages"][3]["content"].clone();
    assert_eq!(sent.as_str().unwrap().lines().count(), 40);

    let ctrl_t = KeyEvent::new(KeyCode::Char('t'), KeyModifiers::CONTROL);
    case.app.dispatch(Msg::Key(ctrl_t)).unwrap();
    let unfolded = case.screen();
    assert!(unfolded.contains("line 40"), "{unfolded}");
    assert!(unfolded.contains("Forty lines."), "the reply after it stays in view: {unfolded}");
    assert!(!unfolded.contains("Ctrl+T unfolds"), "{unfolded}");

    case.app.dispatch(Msg::Key(ctrl_t)).unwrap();
    let again = case.screen();
    assert!(again.contains("… 40 lines, 310 bytes (Ctrl+T unfolds)"), "{again}");
    assert!(!again.contains("line 40"), "{again}");
}

#[tokio::test]
async fn a_refusal_an_unknown_tool_and_invalid_arguments_are_answered_without_running() {
    let pieces = [
        call_start(0, "c1", "add", "{\"a\": 1, \"b\": 1}"),
        call_start(1, "c2", "multiply", "{\"a\": 2}"),
        call_start(2, "c3", "add", "{\"a\": 1,"),
    ];
    let mut case =
        Case::start(vec![calls_reply(&[], &pieces), text_reply("Understood.")], |_| {}).await;
    case.send("do things");
    case.asked().await;
    case.key(KeyCode::Char('n'));
    case.settled(3).await;
    let refused = "The user refused to run this tool call.";
    let unknown =
        "No tool named `multiply` is available. Available tools: add, slow, fail, crash, lines.";
    let invalid = "The call was not run: the arguments are not valid JSON (EOF while parsing a value at line 1 column 8). Call the tool again with a JSON object.";
    assert_eq!(
        case.body(1).await["messages"],
        json!([
            system(),
            user("do things"),
            turn(
                None,
                &[
                    ("c1", "add", "{\"a\": 1, \"b\": 1}"),
                    ("c2", "multiply", "{\"a\": 2}"),
                    ("c3", "add", "{\"a\": 1,")
                ]
            ),
            result("c1", refused),
            result("c2", unknown),
            result("c3", invalid),
        ])
    );
    let screen = case.screen();
    assert!(screen.contains("■ refused: The user refused"), "{screen}");
    assert!(screen.contains("✗ unknown: No tool named `multiply`"), "{screen}");
    assert!(screen.contains("✗ invalid: The call was not run"), "{screen}");
    let stored = case.stored();
    let kinds: Vec<Outcome> = outcomes(&stored).into_iter().map(|o| o.1).collect();
    assert_eq!(kinds, [Outcome::Refused, Outcome::Unknown, Outcome::Invalid]);
}

#[tokio::test]
async fn a_slow_call_times_out_and_the_model_is_told() {
    let pieces = [call_start(0, "s1", "slow", "{\"seconds\": 30}")];
    let mut case =
        Case::start(vec![calls_reply(&[], &pieces), text_reply("It timed out.")], |config| {
            config.timeout = Duration::from_millis(300);
        })
        .await;
    case.send("be slow");
    case.asked().await;
    case.key(KeyCode::Char('a'));
    case.until(|s| s.tools.is_running()).await;
    assert!(case.screen().contains("◐ running… (Esc cancels)"));
    case.settled(3).await;
    let timed_out = "The tool did not answer within 0.3 s and was cancelled.";
    assert_eq!(
        case.body(1).await["messages"],
        json!([
            system(),
            user("be slow"),
            turn(None, &[("s1", "slow", "{\"seconds\": 30}")]),
            result("s1", timed_out)
        ])
    );
    assert!(case.screen().contains("✗ timeout: The tool did not answer within 0.3 s"));
    let stored = case.stored();
    assert_eq!(outcomes(&stored), [("slow".into(), Outcome::TimedOut, timed_out.into())]);
}

#[tokio::test]
async fn esc_cancels_a_running_call_and_no_request_follows() {
    let pieces = [call_start(0, "s1", "slow", "{\"seconds\": 30}")];
    let mut case = Case::start(vec![calls_reply(&[], &pieces)], |_| {}).await;
    case.send("be slow");
    case.asked().await;
    case.key(KeyCode::Char('y'));
    case.until(|s| s.tools.is_running()).await;
    case.key(KeyCode::Esc);
    case.settled(2).await;
    assert_eq!(case.server.requests().await.len(), 1);
    let screen = case.screen();
    assert!(screen.contains("■ cancelled: The user cancelled this tool call"), "{screen}");
    let stored = case.stored();
    assert_eq!(outcomes(&stored)[0].1, Outcome::Cancelled);
}

#[tokio::test]
async fn a_server_that_dies_mid_call_is_reported_and_the_chat_goes_on_without_it() {
    let pieces = [call_start(0, "k1", "crash", "{}")];
    let mut case = Case::start(
        vec![calls_reply(&[], &pieces), text_reply("The server died."), text_reply("Still here.")],
        |_| {},
    )
    .await;
    case.send("crash it");
    case.asked().await;
    case.key(KeyCode::Char('y'));
    case.settled(3).await;
    case.until(|s| matches!(s.tools.servers.get("arith"), Some(Server::Failed(_)))).await;
    let body = case.body(1).await;
    let answer = body["messages"][3]["content"].as_str().unwrap().to_owned();
    assert!(answer.starts_with("The tool's server `arith`"), "{answer}");
    assert_eq!(body["messages"][3]["tool_call_id"], "k1");
    let screen = case.screen();
    assert!(screen.contains("tool server `arith` stopped"), "{screen}");
    // The chat goes on, without the dead server's tools.
    case.send("hello?");
    case.settled(5).await;
    let next = case.body(2).await;
    assert!(next.get("tools").is_none(), "{next}");
    assert_eq!(next["messages"][5], user("hello?"));
    let stored = case.stored();
    assert_eq!(outcomes(&stored)[0].1, Outcome::Error);
}

#[tokio::test]
async fn a_server_that_cannot_start_says_why_and_requests_go_without_tools() {
    let mut case = Case::start(vec![text_reply("Hi.")], |config| {
        config.servers.insert("arith".into(), arith(&[("ARITH_FAIL_START", "1")]));
    })
    .await;
    let Some(Server::Failed(why)) = case.app.state().tools.servers.get("arith").cloned() else {
        panic!("arith did not fail")
    };
    assert!(why.contains("cannot open the database"), "{why}");
    assert!(case.screen().contains("tool server `arith` did not start"));
    case.send("hi");
    case.settled(2).await;
    assert!(case.body(0).await.get("tools").is_none());
}

#[tokio::test]
async fn auto_approved_tools_run_without_asking_until_the_round_limit_asks() {
    let round = |n: u32| {
        calls_reply(&[], &[call_start(0, &format!("r{n}"), "add", "{\"a\": 1, \"b\": 1}")])
    };
    let mut case = Case::start(vec![round(1), round(2), text_reply("Done.")], |config| {
        config.max_rounds = 2;
        if let Some(arith) = config.servers.get_mut("arith") {
            arith.auto_approve = vec!["add".into()];
        }
    })
    .await;
    case.send("loop");
    case.until(|s| s.tools.turn.as_ref().is_some_and(|t| t.asking_more)).await;
    assert_eq!(case.server.requests().await.len(), 2, "two rounds ran without asking");
    assert!(case.screen().contains("2 rounds of tool calls: y goes on · n stops"));
    case.key(KeyCode::Char('y'));
    case.settled(4).await;
    let last = case.body(2).await;
    assert_eq!(last["messages"][5], result("r2", "2"));
}

#[tokio::test]
async fn a_provider_that_rejects_tools_is_asked_again_without_them() {
    // What llama-server started without --jinja answers, byte for byte.
    let rejection = br#"{"error":{"code":500,"message":"tools param requires --jinja flag","type":"server_error"}}"#;
    let mut case =
        Case::start(vec![json_reply(500, rejection), text_reply("Hello.")], |_| {}).await;
    case.send("hi");
    case.settled(2).await;
    let requests = case.server.requests().await;
    assert_eq!(requests.len(), 2, "asked again at once, not retried with the tools");
    assert!(requests[0].body.get("tools").is_some());
    assert!(requests[1].body.get("tools").is_none());
    assert_eq!(requests[1].body["messages"], json!([system(), user("hi")]));
    let screen = case.screen();
    assert!(screen.contains("tiny-llama does not take tools"), "{screen}");
    assert!(screen.contains("Hello."), "{screen}");
}

/// A config file naming the arith server, for the binary.
fn config_file(dir: &std::path::Path, extra: &str) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    let script = format!("{}/tests/mcp/arith_server.py", env!("CARGO_MANIFEST_DIR"));
    std::fs::write(
        &path,
        format!("[mcp.arith]\ncommand = \"python3\"\nargs = [{script:?}]\n{extra}"),
    )
    .unwrap();
    path
}

/// `rockchat --config <file> --base-url <url> <args>` with its own data dir.
async fn rockchat(base_url: &str, dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_rockchat"))
        .arg("--config")
        .arg(dir.join("config.toml"))
        .arg("--base-url")
        .arg(base_url)
        .args(args)
        .env("ROCKCHAT_DATA_DIR", dir)
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(30), output).await.unwrap().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn ask_runs_calls_only_when_approved_and_reports_refusals_on_stderr() {
    let pieces = [call_start(0, "a1", "add", "{\"a\": 2, \"b\": 3}")];
    let server = TestServer::start(vec![
        calls_reply(&["Adding. "], &pieces),
        text_reply("It is 5."),
        calls_reply(&[], &pieces),
        text_reply("I may not add."),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    config_file(dir.path(), "");
    let (code, stdout, stderr) =
        rockchat(&server.base_url, dir.path(), &["ask", "--approve", "add", "2+3?"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "Adding. It is 5.\n");
    assert!(
        stderr.contains("rockchat: running `add` on arith with {\"a\": 2, \"b\": 3}"),
        "{stderr}"
    );
    let requests = server.requests().await;
    assert_eq!(requests[1].body["messages"][3], result("a1", "5"));

    let (code, stdout, stderr) = rockchat(&server.base_url, dir.path(), &["ask", "2+3?"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "I may not add.\n");
    assert!(
        stderr.contains("rockchat: refused a call to `add` on arith with {\"a\": 2, \"b\": 3}: run with --yes, or --approve add, to allow it"),
        "{stderr}"
    );
    let requests = server.requests().await;
    assert_eq!(
        requests[3].body["messages"][3],
        result("a1", "The user refused to run this tool call.")
    );
}

#[tokio::test]
async fn rockchat_tools_lists_each_server_with_its_tools_and_says_which_failed() {
    let dir = tempfile::tempdir().unwrap();
    config_file(
        dir.path(),
        "auto_approve = [\"add\"]\n[mcp.broken]\ncommand = \"/nonexistent/mcp-server\"\n",
    );
    let (code, stdout, stderr) = rockchat("http://127.0.0.1:9/v1", dir.path(), &["tools"]).await;
    assert_eq!(code, 1, "a server failed: {stderr}");
    assert!(stdout.contains("arith  ready, 5 tools  python3 "), "{stdout}");
    assert!(stdout.contains("  add  Adds two numbers  (runs without asking)"), "{stdout}");
    assert!(stdout.contains("broken  failed: cannot start `/nonexistent/mcp-server`"), "{stdout}");
}

#[tokio::test]
async fn ask_goes_on_without_tools_when_the_server_refuses_them() {
    // llama-server started with --no-jinja answers a request with `tools` this way.
    let rejection = br#"{"error":{"code":500,"message":"tools param requires --jinja flag","type":"server_error"}}"#;
    let server = TestServer::start(vec![json_reply(500, rejection), text_reply("It is 5.")]).await;
    let dir = tempfile::tempdir().unwrap();
    config_file(dir.path(), "");
    let (code, stdout, stderr) = rockchat(&server.base_url, dir.path(), &["ask", "2+3?"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "It is 5.\n");
    assert!(
        stderr.contains(
            "does not take tools (the server said: tools param requires --jinja flag (server_error, 500)); asking without them"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("retrying"), "not retried with the tools: {stderr}");
    let requests = server.requests().await;
    assert_eq!(requests.len(), 2);
    assert!(requests[0].body.get("tools").is_some());
    assert!(requests[1].body.get("tools").is_none());
    assert_eq!(requests[1].body["messages"], requests[0].body["messages"]);
}

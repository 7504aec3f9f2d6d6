//! What replies cost, for real: prices from an OpenRouter-shaped `/models` on a loopback
//! server and usage details in its stream, the cost on screen and in the database file, and
//! `rockchat stats` reading that file (grouping, `--json`, unknown costs).

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
use support::{TestServer, json_reply, sse_chunks};

const DAY_MS: i64 = 86_400_000;

fn run(args: &[&str], data: &std::path::Path) -> (bool, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_rockchat"))
        .args(args)
        .env("ROCKCHAT_DATA_DIR", data)
        .env("TZ", "UTC")
        .env_remove("ROCKCHAT_CONFIG")
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (output.status.success(), text(&output.stdout), text(&output.stderr))
}

fn now_ms() -> i64 {
    rockchat::store::now_ms()
}

/// A conversation on `provider` and one reply per `(days ago, model, provider, prompt,
/// cached, completion, reasoning, cost)`, written as the app writes them.
#[allow(clippy::type_complexity)]
fn seed(
    db: &std::path::Path,
    conversation_provider: &str,
    replies: &[(i64, &str, Option<&str>, i64, i64, i64, i64, Option<i64>)],
) {
    drop(Store::open(db).unwrap());
    let conn = rusqlite::Connection::open(db).unwrap();
    // Noon, so the day is the same in every time zone the tests may run in.
    let noon = now_ms() - now_ms() % DAY_MS + DAY_MS / 2;
    conn.execute(
        "INSERT INTO conversations (title, provider, model, created_at, updated_at)
         VALUES ('t', ?1, 'm', 0, 0)",
        [conversation_provider],
    )
    .unwrap();
    let id = conn.last_insert_rowid();
    for (days, model, provider, prompt, cached, completion, reasoning, cost) in replies {
        let at = noon - days * DAY_MS;
        conn.execute(
            "INSERT INTO messages (conversation_id, role, content, status, created_at,
                                   updated_at)
             VALUES (?1, 'user', 'q', 'complete', ?2, ?2)",
            rusqlite::params![id, at],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO messages (conversation_id, role, content, model, provider, status,
                                   prompt_tokens, cached_tokens, completion_tokens,
                                   reasoning_tokens, cost, created_at, updated_at)
             VALUES (?1, 'assistant', 'a', ?2, ?3, 'complete', ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
            rusqlite::params![id, model, provider, prompt, cached, completion, reasoning, cost, at],
        )
        .unwrap();
    }
}

#[test]
fn stats_group_by_model_provider_and_day_and_say_what_is_unknown() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("rockchat.db");
    let cent = 10_000_000_000; // pico-dollars
    seed(
        &db,
        "openrouter",
        &[
            (0, "openai/o3", Some("openrouter"), 1000, 800, 500, 300, Some(65 * cent / 100)),
            (1, "openai/o3", Some("openrouter"), 2000, 0, 100, 0, Some(cent)),
            (1, "tiny-llama", Some("local"), 300, 0, 40, 0, None),
            // A row from before replies kept their provider: the conversation's.
            (2, "gpt-4o", None, 100, 0, 10, 0, Some(cent / 2)),
            // Older than the period asked for.
            (40, "gpt-4o", Some("openai"), 9999, 0, 9999, 0, Some(100 * cent)),
        ],
    );

    let (ok, out, err) = run(&["stats", "--by", "model", "--json"], data.path());
    assert!(ok, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = json["rows"].as_array().unwrap();
    let keys: Vec<&str> = rows.iter().map(|r| r["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["openai/o3", "gpt-4o", "tiny-llama"], "costliest first: {out}");
    assert_eq!(rows[0]["replies"], 2);
    assert_eq!(rows[0]["prompt_tokens"], 3000);
    assert_eq!(rows[0]["cached_tokens"], 800);
    assert_eq!(rows[0]["completion_tokens"], 600);
    assert_eq!(rows[0]["reasoning_tokens"], 300);
    assert_eq!(rows[0]["cost_usd"], "0.0165", "exact decimal dollars");
    assert_eq!(rows[2]["cost_usd"], serde_json::Value::Null, "unknown, not $0");
    assert_eq!(rows[2]["unpriced_replies"], 1);
    assert_eq!(json["total"]["replies"], 4, "the 40-day-old reply is outside 30d");
    assert_eq!(json["total"]["cost_usd"], "0.0215");
    assert_eq!(json["total"]["unpriced_replies"], 1);

    let (_, out, _) = run(&["stats", "--by", "provider", "--json"], data.path());
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let by: Vec<(String, i64)> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["key"].as_str().unwrap().to_owned(), r["replies"].as_i64().unwrap()))
        .collect();
    assert_eq!(by, [("openrouter".to_owned(), 3), ("local".to_owned(), 1)], "{out}");

    let (_, out, _) = run(&["stats", "--by", "day", "--since", "all", "--json"], data.path());
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let days: Vec<i64> =
        json["rows"].as_array().unwrap().iter().map(|r| r["replies"].as_i64().unwrap()).collect();
    assert_eq!(days, [1, 1, 2, 1], "oldest day first, all time: {out}");

    // As a person reads it.
    let (ok, out, _) = run(&["stats", "--by", "model"], data.path());
    assert!(ok);
    assert!(out.starts_with("Tokens and cost by model, the last 30 days"), "{out}");
    let line = |key: &str| out.lines().find(|l| l.starts_with(key)).unwrap().to_owned();
    assert!(line("openai/o3").ends_with("$0.0165"), "{out}");
    assert!(line("tiny-llama").ends_with("unknown"), "{out}");
    assert!(line("total").ends_with("$0.0215 + ?"), "{out}");
    assert!(out.contains("1 of 4 replies had no known price"), "{out}");

    let (ok, _, err) = run(&["stats", "--since", "30"], data.path());
    assert!(!ok && err.contains("--since"), "{err}");
}

#[test]
fn stats_of_an_empty_period_say_so() {
    let data = tempfile::tempdir().unwrap();
    seed(&data.path().join("rockchat.db"), "local", &[]);
    let (ok, out, err) = run(&["stats"], data.path());
    assert!(ok, "{err}");
    assert!(out.contains("No replies with usage"), "{out}");
}

/// A stream whose usage carries OpenAI's details, as OpenRouter relays them.
fn reply_with_details() -> Vec<u8> {
    let chunks = [
        serde_json::json!({"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]}),
        serde_json::json!({"choices":[{"index":0,"finish_reason":"stop","delta":{}}]}),
        serde_json::json!({"choices":[],"usage":{"prompt_tokens":1000,"completion_tokens":500,
            "total_tokens":1500,"prompt_tokens_details":{"cached_tokens":800},
            "completion_tokens_details":{"reasoning_tokens":300}}}),
    ];
    let mut out = String::new();
    for chunk in chunks {
        out.push_str(&format!("data: {chunk}\n\n"));
    }
    out.push_str("data: [DONE]\n\n");
    out.into_bytes()
}

#[tokio::test]
async fn a_reply_is_priced_from_the_servers_model_list_and_stats_read_it_back() {
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("rockchat.db");
    // OpenRouter's shape: dollars per token as strings; $2/M in, $0.50/M cached, $8/M out.
    let models = br#"{"data":[{"id":"openai/o3","context_length":200000,"pricing":{"prompt":"0.000002","completion":"0.000008","request":"0","image":"0","input_cache_read":"0.0000005","internal_reasoning":"0"}}]}"#;
    let server =
        TestServer::start(vec![json_reply(200, models), sse_chunks(&reply_with_details(), 9)])
            .await;
    let endpoint = Endpoint {
        provider: "router".into(),
        base_url: server.base_url.clone(),
        stream_usage: true,
        ..Endpoint::default()
    };
    let target = Target { provider: "router".into(), model: "openai/o3".into() };
    let mut state = State::new(target, String::new(), false);
    state.list_prices = true;
    let terminal = Terminal::new(TestBackend::new(120, 20)).unwrap();
    let mut app =
        App::new(state, terminal, ApiClient::new(endpoint).unwrap(), Box::new(|_| Ok(())));
    app.attach_store(Store::open(&db).unwrap()).unwrap();
    app.dispatch(Msg::Start).unwrap();
    until(&mut app, |s| s.catalog.price("router", "openai/o3").is_some()).await;
    app.dispatch(Msg::Paste("hello".into())).unwrap();
    app.dispatch(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))).unwrap();
    let priced = |s: &State| s.conversation.messages().get(1).is_some_and(|m| m.cost.is_some());
    until(&mut app, |s| priced(s) && !s.stream.is_busy()).await;
    // 200×2 + 800×0.5 + 500×8 µ$ = $0.0048 (reasoning at the output price: its 0 is no price).
    let reply = &app.state().conversation.messages()[1];
    assert_eq!(reply.cost.unwrap().exact(), "0.0048");
    let usage = reply.usage.unwrap();
    assert_eq!((usage.cached_tokens, usage.reasoning_tokens), (800, 300));
    app.draw().unwrap();
    let shown: String =
        app.terminal().backend().buffer().content().iter().map(|c| c.symbol()).collect();
    assert!(shown.contains("$0.0048"), "the status line shows the cost: {shown}");
    app.finish();

    let stored = Store::open(&db).unwrap();
    let id = stored.latest().unwrap().unwrap();
    let row = &stored.load(id).unwrap().messages[1];
    eprintln!("{row:?}");
    assert_eq!((row.cached_tokens, row.reasoning_tokens), (Some(800), Some(300)));
    assert_eq!((row.cost, row.provider.as_deref()), (Some(4_800_000_000), Some("router")));
    drop(stored);

    let (ok, out, err) = run(&["stats", "--by", "provider", "--json"], data.path());
    assert!(ok, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["rows"][0]["key"], "router");
    assert_eq!(json["rows"][0]["cost_usd"], "0.0048");
    assert_eq!(json["rows"][0]["cached_tokens"], 800);

    // The archive carries each reply's usage and cost (in pico-dollars, exact); the request
    // export carries only what the API takes.
    let (ok, out, err) = run(&["export", &id.to_string(), "--format", "archive"], data.path());
    assert!(ok, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let reply = &json["conversations"][0]["messages"][1];
    assert_eq!(reply["cost"], 4_800_000_000_i64, "{reply}");
    assert_eq!(reply["cached_tokens"], 800);
    assert_eq!(reply["reasoning_tokens"], 300);
    assert_eq!(reply["provider"], "router");
}

async fn until(app: &mut App<TestBackend>, done: impl Fn(&State) -> bool) {
    let mut input: Pending<io::Result<Event>> = stream::pending();
    tokio::time::timeout(Duration::from_secs(10), app.run_until(&mut input, done))
        .await
        .expect("the app reached the expected state")
        .unwrap();
}

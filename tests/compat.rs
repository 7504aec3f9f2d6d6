//! Compatibility: the response shapes of OpenAI, OpenRouter, Ollama, vLLM and llama.cpp's
//! llama-server (tests/fixtures), replayed by a real server on 127.0.0.1, streaming and not,
//! with their model lists and error bodies; and the provider config (key command, headers,
//! params) as the server receives it.

mod support;

use std::path::Path;

use rockchat::api::{ApiClient, ApiError, Endpoint, StreamEvent};
use rockchat::chat::params::RequestParams;
use rockchat::chat::{FinishReason, RequestMessage, Role, Usage};
use rockchat::config::Config;
use rockchat::config::settings::{Overrides, resolve};
use support::{TestServer, json_reply, sse_chunks};

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn client(server: &TestServer) -> ApiClient {
    ApiClient::new(Endpoint {
        provider: "test".into(),
        base_url: server.base_url.clone(),
        key_hint: "no key was sent".into(),
        stream_usage: true,
        ..Endpoint::default()
    })
    .unwrap()
}

fn hello(client: &ApiClient, stream: bool) -> rockchat::api::types::ChatRequest {
    let messages = vec![RequestMessage::text(Role::User, "hello")];
    client.chat_request("m", messages, stream)
}

/// Streams one request; the text, the other events, and the outcome.
async fn stream(client: &ApiClient) -> (String, Vec<StreamEvent>, Result<(), ApiError>) {
    support::collect_stream(client, &hello(client, true)).await
}

fn usage(prompt: u64, completion: u64) -> StreamEvent {
    StreamEvent::Usage(Usage {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
        ..Usage::default()
    })
}

#[tokio::test]
async fn each_servers_stream_reassembles_with_its_finish_and_usage() {
    let cases = [
        ("openai", "Hello! How can I help?", FinishReason::Stop, Some(usage(19, 7))),
        ("openrouter", "Bonjour ! Comment puis-je aider ?", FinishReason::Stop, Some(usage(12, 9))),
        ("ollama", "Hi! I'm here.", FinishReason::Stop, Some(usage(26, 6))),
        ("vllm", "The answer is 42.", FinishReason::Length, Some(usage(30, 5))),
    ];
    for (server_kind, expected, finish, usage) in cases {
        let bytes = fixture(&format!("{server_kind}/stream.sse"));
        let server = TestServer::start(vec![sse_chunks(&bytes, 7)]).await;
        let (text, others, result) = stream(&client(&server)).await;
        result.unwrap_or_else(|e| panic!("{server_kind}: {e}"));
        assert_eq!(text, expected, "{server_kind}");
        let mut wanted = vec![StreamEvent::Finish(finish)];
        wanted.extend(usage);
        assert_eq!(others, wanted, "{server_kind}");
    }
}

#[tokio::test]
async fn each_servers_non_streamed_reply_is_read() {
    let cases = [
        ("openai", "Hello! How can I help?", 7),
        ("openrouter", "Bonjour ! Comment puis-je aider ?", 9),
        ("ollama", "Hi! I'm here.", 6),
        ("vllm", "The answer is 42.", 6),
    ];
    for (server_kind, expected, completion_tokens) in cases {
        let body = fixture(&format!("{server_kind}/nonstream.json"));
        let server = TestServer::start(vec![json_reply(200, &body)]).await;
        let client = client(&server);
        let reply = client.complete(&hello(&client, false)).await.unwrap();
        assert_eq!(reply.content, expected, "{server_kind}");
        assert_eq!(reply.finish, Some(FinishReason::Stop), "{server_kind}");
        assert_eq!(reply.usage.unwrap().completion_tokens, completion_tokens, "{server_kind}");
    }
}

/// A model id and the window the server reported for it.
type Listed = (&'static str, Option<usize>);

#[tokio::test]
async fn each_servers_model_list_gives_ids_and_the_windows_it_reports() {
    let cases: [(&str, &[Listed]); 4] = [
        ("openai", &[("gpt-4o", None), ("gpt-4o-mini", None), ("o3-mini", None)]),
        (
            "openrouter",
            &[
                ("meta-llama/llama-3.1-8b-instruct", Some(131_072)),
                ("openai/gpt-4o-mini", Some(128_000)),
            ],
        ),
        ("ollama", &[("llama3.2:latest", None), ("qwen2.5-coder:7b", None)]),
        ("vllm", &[("Qwen/Qwen2.5-7B-Instruct", Some(32_768))]),
    ];
    for (server_kind, expected) in cases {
        let body = fixture(&format!("{server_kind}/models.json"));
        let server = TestServer::start(vec![json_reply(200, &body)]).await;
        let models = client(&server).list_models().await.unwrap();
        let got: Vec<(&str, Option<usize>)> =
            models.iter().map(|m| (m.id.as_str(), m.context_window)).collect();
        assert_eq!(got, expected, "{server_kind}");
        assert_eq!(server.requests().await.len(), 1, "{server_kind}: only /models is asked");
    }
}

#[tokio::test]
async fn llama_server_window_comes_from_props_per_slot() {
    let server = TestServer::start_routed(
        vec![json_reply(200, &fixture("llama-server/models.json"))],
        vec![("/props", json_reply(200, &fixture("llama-server/props.json")))],
    )
    .await;
    let models = client(&server).list_models().await.unwrap();
    assert_eq!(models[0].id, "tiny-llama");
    assert_eq!(models[0].context_window, Some(2048), "the slot's window, not the cache's 4096");
    let paths: Vec<String> = server.requests().await.into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/v1/models"]);
    let background = server.background_requests().await;
    assert_eq!(background.len(), 1);
    assert_eq!(background[0].path, "/props");
}

#[tokio::test]
async fn llama_server_without_props_falls_back_to_the_lists_meta() {
    // No route for /props: the test server answers it 404, as an older llama-server.
    let server =
        TestServer::start(vec![json_reply(200, &fixture("llama-server/models.json"))]).await;
    let models = client(&server).list_models().await.unwrap();
    assert_eq!(models[0].context_window, Some(4096));
}

async fn error_of(status: u16, path: &str) -> ApiError {
    let server = TestServer::start(vec![json_reply(status, &fixture(path))]).await;
    stream(&client(&server)).await.2.expect_err("the request fails")
}

#[tokio::test]
async fn each_servers_error_bodies_become_typed_errors_with_their_words() {
    let error = error_of(401, "openai/error-401.json").await;
    assert!(
        matches!(&error, ApiError::Auth { message, .. } if message.starts_with("Incorrect API key provided")),
        "{error:?}"
    );
    let error = error_of(400, "openai/error-context.json").await;
    assert!(
        matches!(&error, ApiError::ContextOverflow { message, .. } if message.contains("128000 tokens")),
        "{error:?}"
    );
    let error = error_of(401, "openrouter/error-401.json").await;
    assert_eq!(error.to_string(), "HTTP 401: No auth credentials found (401)");
    let error = error_of(402, "openrouter/error-402.json").await;
    assert!(
        matches!(&error, ApiError::Http { status: 402, message, .. } if message.contains("requires more credits")),
        "{error:?}"
    );
    let error = error_of(404, "ollama/error-404.json").await;
    assert!(
        matches!(&error, ApiError::NotFound { message, .. } if message.contains("try pulling it first")),
        "{error:?}"
    );
    let error = error_of(400, "vllm/error-context.json").await;
    assert!(
        matches!(&error, ApiError::ContextOverflow { message, .. } if message.starts_with("This model's maximum context length is 32768")),
        "vLLM's top-level error body is read: {error:?}"
    );
    let error = error_of(404, "vllm/error-404.json").await;
    assert!(
        matches!(&error, ApiError::NotFound { message, .. } if message.contains("does not exist")),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_error_chunk_mid_stream_from_openrouter_keeps_the_partial_and_says_why() {
    let bytes = fixture("openrouter/stream-error.sse");
    let server = TestServer::start(vec![sse_chunks(&bytes, 11)]).await;
    let (text, _, result) = stream(&client(&server)).await;
    assert_eq!(text, "Partial");
    let error = result.unwrap_err();
    assert!(error.to_string().contains("Provider disconnected unexpectedly"), "{error}");
}

/// The endpoint the config file `text` gives provider `lab` at `server`.
fn configured(server: &TestServer, lab: &str) -> Endpoint {
    let text = format!(
        "provider = \"lab\"\n[providers.lab]\nbase_url = \"{}\"\nmodel = \"m\"\n{lab}",
        server.base_url
    );
    let config = Config::from_toml(&text, Path::new("test.toml")).unwrap();
    resolve(&config, &Overrides::default(), |_| None).unwrap().endpoint
}

#[tokio::test]
async fn headers_params_and_the_key_from_api_key_cmd_reach_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    let sse = support::sse_reply(&["ok"], "stop", None);
    let server = TestServer::start(vec![sse_chunks(&sse, 50), sse_chunks(&sse, 50)]).await;
    let endpoint = configured(
        &server,
        &format!(
            "api_key_cmd = \"echo run >> {}; printf 'sk-from-pass-0123456789\\\\nsecond line\\\\n'\"\n\
             headers = {{ \"HTTP-Referer\" = \"https://example.org/rockchat\", \"X-Title\" = \"rockchat\" }}\n\
             params = {{ temperature = 0.7, top_k = 40, stop = [\"END\"] }}\n",
            runs.display()
        ),
    );
    let client = ApiClient::new(endpoint).unwrap();
    let conversation =
        RequestParams { temperature: Some(0.2), seed: Some(7), ..Default::default() };
    for _ in 0..2 {
        let request = hello(&client, true).with_params(&conversation);
        client.stream(&request, |_| {}).await.unwrap();
    }
    let requests = server.requests().await;
    for request in &requests {
        assert_eq!(request.header("authorization"), Some("Bearer sk-from-pass-0123456789"));
        assert_eq!(request.header("http-referer"), Some("https://example.org/rockchat"));
        assert_eq!(request.header("x-title"), Some("rockchat"));
        assert_eq!(request.body["temperature"], 0.2, "the conversation's value wins");
        assert_eq!(request.body["top_k"], 40);
        assert_eq!(request.body["stop"], serde_json::json!(["END"]));
        assert_eq!(request.body["seed"], 7);
        assert_eq!(request.body["model"], "m");
        assert_eq!(request.body["stream"], true);
    }
    let ran = std::fs::read_to_string(&runs).unwrap();
    assert_eq!(ran.lines().count(), 1, "the key command runs once");
}

#[tokio::test]
async fn a_failing_key_command_names_the_provider_and_command_but_not_its_output() {
    let server = TestServer::start(vec![]).await;
    let endpoint = configured(&server, "api_key_cmd = \"echo $((6 * 7))-secret; exit 3\"\n");
    let client = ApiClient::new(endpoint).unwrap();
    let error = stream(&client).await.2.unwrap_err();
    let shown = rockchat::app::advice::full_message(&error);
    assert!(matches!(error, ApiError::KeyCommand { .. }), "{error:?}");
    assert!(shown.contains("provider `lab`"), "{shown}");
    assert!(shown.contains("`echo $((6 * 7))-secret; exit 3` failed (exit status: 3)"), "{shown}");
    assert!(!shown.contains("42-secret"), "{shown}");
    assert!(server.requests().await.is_empty(), "nothing is sent without the key");
}

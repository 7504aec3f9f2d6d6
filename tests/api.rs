//! The HTTP client against a real server on 127.0.0.1: real sockets, real SSE bytes cut
//! at awkward places, real error bodies captured from llama.cpp.

mod support;

use std::time::Duration;

use rockchat::api::{ApiClient, ApiError, Endpoint, StreamEvent};
use rockchat::app::advice::advice;
use rockchat::chat::{FinishReason, RequestMessage, Role, Usage};
use rockchat::secret::ApiKey;
use serde_json::json;
use support::{
    Body, TestServer, event_stream, json_reply, split_every, sse_chunks, sse_reply, whole_reply,
};

const KEY: &str = "sk-test-0123456789abcdef";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/llama-server/{name}", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
}

fn endpoint(base_url: &str, key: Option<&str>, stream_usage: bool) -> Endpoint {
    Endpoint {
        provider: "test".into(),
        base_url: base_url.to_owned(),
        api_key: key.and_then(ApiKey::new),
        key_hint: "it was read from ROCKAPI_API_KEY".into(),
        stream_usage,
        ..Endpoint::default()
    }
}

fn client(server: &TestServer, key: Option<&str>, stream_usage: bool) -> ApiClient {
    ApiClient::new(endpoint(&server.base_url, key, stream_usage)).unwrap()
}

fn hello() -> Vec<RequestMessage> {
    vec![
        RequestMessage::text(Role::System, "You are a helpful assistant"),
        RequestMessage::text(Role::User, "hello"),
    ]
}

/// Streams one request; returns the text, the other events, and the outcome.
async fn stream(client: &ApiClient) -> (String, Vec<StreamEvent>, Result<(), ApiError>) {
    support::collect_stream(client, &client.chat_request("tiny-llama", hello(), true)).await
}

/// One non-streamed request.
async fn complete(client: &ApiClient) -> Result<rockchat::api::Reply, ApiError> {
    let request = client.chat_request("tiny-llama", hello(), false);
    tokio::time::timeout(Duration::from_secs(10), client.complete(&request)).await.unwrap()
}

/// The error of a stream that must fail.
async fn stream_error(server: &TestServer, key: Option<&str>) -> ApiError {
    stream(&client(server, key, false)).await.2.expect_err("the request should fail")
}

/// The text a fixture's deltas add up to, read straight from its JSON lines.
fn fixture_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        .filter_map(|v| v["choices"][0]["delta"]["content"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn llama_stream_split_anywhere_reassembles_the_reply() {
    let bytes = fixture("stream-stop.sse");
    let expected = fixture_text(&bytes);
    assert!(expected.len() > 20);
    for piece in [1, 7, 64] {
        let server = TestServer::start(vec![sse_chunks(&bytes, piece)]).await;
        let (text, others, result) = stream(&client(&server, None, false)).await;
        result.unwrap();
        assert_eq!(text, expected, "pieces of {piece} bytes");
        assert_eq!(others, [StreamEvent::Finish(FinishReason::Stop)]);
    }
}

#[tokio::test]
async fn length_finish_and_usage_chunk_arrive_from_llama_server() {
    let bytes = fixture("stream-usage-length.sse");
    let server = TestServer::start(vec![sse_chunks(&bytes, 13)]).await;
    let (text, others, result) = stream(&client(&server, None, true)).await;
    result.unwrap();
    assert_eq!(text, fixture_text(&bytes));
    let usage =
        Usage { prompt_tokens: 31, completion_tokens: 6, total_tokens: 37, ..Usage::default() };
    assert_eq!(others, [StreamEvent::Finish(FinishReason::Length), StreamEvent::Usage(usage)]);
}

#[tokio::test]
async fn request_carries_model_history_stream_options_and_key() {
    let server = TestServer::start(vec![sse_chunks(&sse_reply(&["hi"], "stop", None), 50)]).await;
    stream(&client(&server, Some(KEY), true)).await.2.unwrap();
    let requests = server.requests().await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/v1/chat/completions"));
    assert_eq!(
        request.body,
        json!({
            "model": "tiny-llama",
            "messages": [
                {"role": "system", "content": "You are a helpful assistant"},
                {"role": "user", "content": "hello"}
            ],
            "stream": true,
            "stream_options": {"include_usage": true}
        })
    );
    assert_eq!(request.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
}

#[tokio::test]
async fn without_a_key_or_usage_flag_neither_is_sent() {
    let server = TestServer::start(vec![sse_chunks(&sse_reply(&["hi"], "stop", None), 50)]).await;
    stream(&client(&server, None, false)).await.2.unwrap();
    let request = &server.requests().await[0];
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.body["stream"], true);
    assert!(request.body.get("stream_options").is_none(), "{}", request.body);
}

#[tokio::test]
async fn crlf_cr_pings_empty_choices_and_split_utf8_are_handled() {
    let body = "data: {\"choices\":[{\"delta\":{\"content\":\"h\u{e9}llo \"}}]}\r\n\r\n\
                : ping\r\n\r\n\
                data: {\"choices\":[]}\r\n\r\n\
                : ping\r\r\
                data: {\"choices\":[{\"delta\":{\"content\":\"\u{1f980}\"}}]}\r\r\
                data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\r\n\r\n\
                data: [DONE]\r\n\r\n";
    // Every piece size up to 5 cuts the CRLFs, "é" and "🦀" at every offset somewhere.
    for piece in 1..=5 {
        let server = TestServer::start(vec![sse_chunks(body.as_bytes(), piece)]).await;
        let (text, others, result) = stream(&client(&server, None, false)).await;
        result.unwrap();
        assert_eq!(text, "héllo 🦀", "pieces of {piece} bytes");
        assert_eq!(others, [StreamEvent::Finish(FinishReason::Stop)]);
    }
}

#[tokio::test]
async fn a_stream_ending_after_finish_without_done_is_complete() {
    let body =
        b"data: {\"choices\":[{\"delta\":{\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}\n\n";
    let server = TestServer::start(vec![sse_chunks(body, 10)]).await;
    let (text, others, result) = stream(&client(&server, None, false)).await;
    assert_eq!((text.as_str(), result), ("ok", Ok(())));
    assert_eq!(others, [StreamEvent::Finish(FinishReason::Stop)]);
}

#[tokio::test]
async fn a_connection_dropped_mid_reply_is_a_network_error_after_the_partial() {
    let bytes = sse_reply(&["Once", " upon", " a", " time"], "stop", None);
    let cut = String::from_utf8_lossy(&bytes).find(" a\"").unwrap();
    let reply = event_stream(Body::ChunksThenDrop(split_every(&bytes[..cut], 9)));
    let server = TestServer::start(vec![reply]).await;
    let (text, others, result) = stream(&client(&server, None, false)).await;
    assert_eq!(text, "Once upon");
    assert!(others.is_empty(), "{others:?}");
    let Err(ApiError::Network { message }) = result else { panic!("{result:?}") };
    assert!(message.contains("mid-reply"), "{message}");
}

/// A proxy that closes a length-less body mid-event cut the reply short: that is a broken
/// connection, not a server sending bad JSON.
#[tokio::test]
async fn a_close_delimited_stream_cut_mid_event_is_a_network_error() {
    let bytes = sse_reply(&["Once", " upon", " a", " time"], "stop", None);
    let cut = String::from_utf8_lossy(&bytes).find(" a\"").unwrap();
    let reply = event_stream(Body::CloseDelimited(vec![bytes[..cut].to_vec()]));
    let server = TestServer::start(vec![reply]).await;
    let (text, _, result) = stream(&client(&server, None, false)).await;
    assert_eq!(text, "Once upon");
    assert!(matches!(result, Err(ApiError::Network { .. })), "{result:?}");
}

/// The reply finished; only the usage chunk after it was lost, to a close mid-chunk or a
/// dropped connection: the user has the whole reply, which is no error.
#[tokio::test]
async fn a_connection_lost_after_the_finish_still_completes_the_reply() {
    let bytes = sse_reply(&["All", " of it"], "stop", Some((5, 2)));
    let cut = String::from_utf8_lossy(&bytes).find("\"usage\"").unwrap() + 12;
    let server = TestServer::start(vec![
        event_stream(Body::CloseDelimited(vec![bytes[..cut].to_vec()])),
        event_stream(Body::ChunksThenDrop(split_every(&bytes[..cut], 10))),
    ])
    .await;
    let client = client(&server, None, true);
    for how in ["closed", "dropped"] {
        let (text, others, result) = stream(&client).await;
        assert_eq!(text, "All of it", "{how}");
        assert_eq!(others, [StreamEvent::Finish(FinishReason::Stop)], "{how}");
        assert_eq!(result, Ok(()), "{how}");
    }
}

#[tokio::test]
async fn an_error_object_inside_a_200_stream_is_reported_with_its_message() {
    let body = b"data: {\"choices\":[{\"delta\":{\"content\":\"par\"}}]}\n\n\
                 data: {\"error\":{\"message\":\"upstream provider overloaded\",\"code\":502}}\n\n";
    let server = TestServer::start(vec![sse_chunks(body, 16)]).await;
    let (text, _, result) = stream(&client(&server, None, false)).await;
    assert_eq!(text, "par");
    let Err(error @ ApiError::InStream { .. }) = result else { panic!("{result:?}") };
    assert!(error.to_string().contains("upstream provider overloaded (502)"), "{error}");
}

#[tokio::test]
async fn an_error_event_inside_a_200_stream_is_reported_with_its_message() {
    let body = b"data: {\"choices\":[{\"delta\":{\"content\":\"par\"}}]}\n\n\
                 event: error\ndata: {\"error\":{\"message\":\"model crashed\"}}\n\n";
    let server = TestServer::start(vec![sse_chunks(body, 5)]).await;
    let (text, _, result) = stream(&client(&server, None, false)).await;
    assert_eq!(text, "par");
    assert_eq!(result, Err(ApiError::InStream { message: "model crashed".into() }));
}

#[tokio::test]
async fn garbage_in_the_stream_is_a_protocol_error() {
    let server = TestServer::start(vec![sse_chunks(b"data: {not json\n\n", 4)]).await;
    let result = stream(&client(&server, None, false)).await.2;
    assert!(
        matches!(&result, Err(ApiError::Protocol { message }) if message.contains("not valid JSON")),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_html_page_with_status_200_is_not_taken_for_a_stream() {
    let page = whole_reply(200, "text/html", b"<html><body>Proxy login required</body></html>");
    let server = TestServer::start(vec![page]).await;
    let result = stream(&client(&server, None, false)).await.2;
    let Err(ApiError::Protocol { message }) = result else { panic!("{result:?}") };
    assert_eq!(message, "the server's reply is not an event stream (content type text/html)");
}

#[tokio::test]
async fn unauthorized_shows_the_server_message_names_the_variable_and_hides_the_key() {
    let body = format!(
        r#"{{"error":{{"message":"Incorrect API key provided: {KEY}.","type":"invalid_request_error","code":"invalid_api_key"}}}}"#
    );
    let server = TestServer::start(vec![json_reply(401, body.as_bytes())]).await;
    let error = stream_error(&server, Some(KEY)).await;
    assert!(matches!(error, ApiError::Auth { status: 401, .. }), "{error:?}");
    let shown = format!("{error} {error:?} {}", advice(&error));
    assert!(shown.contains("Incorrect API key provided: [redacted]."), "{shown}");
    assert!(advice(&error).contains("ROCKAPI_API_KEY"), "{}", advice(&error));
    assert!(!shown.contains(KEY), "the key leaked: {shown}");
}

/// A body that is not JSON is quoted in the error, cut at 200 characters; the key must be
/// redacted even when the cut falls inside it (here 20 of its 24 characters would show).
#[tokio::test]
async fn a_key_echoed_where_a_quoted_body_is_cut_is_still_redacted() {
    let echo = format!("{}{KEY} is not valid", "x".repeat(174));
    let in_stream = format!("data: {echo}\n\n");
    let server = TestServer::start(vec![
        whole_reply(401, "text/plain", echo.as_bytes()),
        sse_chunks(in_stream.as_bytes(), 64),
    ])
    .await;
    let client = client(&server, Some(KEY), false);
    for _ in 0..2 {
        let error = stream(&client).await.2.unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(shown.contains("xxx"), "the body is quoted: {shown}");
        assert!(!shown.contains(&KEY[..KEY.len() - 4]), "most of the key leaked: {shown}");
    }
}

#[tokio::test]
async fn control_sequences_in_a_server_error_are_stripped() {
    let body = br#"{"error":{"message":"bad \u001b]52;c;ZXZpbA==\u0007request\u001b[2J"}}"#;
    let server = TestServer::start(vec![json_reply(400, body)]).await;
    let error = stream_error(&server, None).await;
    assert_eq!(
        error,
        ApiError::Http { status: 400, message: "bad request".into(), retry_after: None }
    );
}

#[tokio::test]
async fn not_found_points_at_base_url_and_model() {
    let body = br#"{"error":{"message":"model not found"}}"#;
    let server = TestServer::start(vec![json_reply(404, body)]).await;
    let error = stream_error(&server, None).await;
    assert!(matches!(&error, ApiError::NotFound { message, .. } if message == "model not found"));
    let advice = advice(&error);
    assert!(advice.contains(&server.base_url) && advice.contains("tiny-llama"), "{advice}");
}

#[tokio::test]
async fn rate_limit_reads_retry_after() {
    let mut reply = json_reply(429, br#"{"error":{"message":"Rate limit reached"}}"#);
    reply.headers.push(("Retry-After".into(), "7".into()));
    let server = TestServer::start(vec![reply]).await;
    let error = stream_error(&server, None).await;
    assert_eq!(
        error,
        ApiError::RateLimited {
            message: "Rate limit reached".into(),
            retry_after: Some(Duration::from_secs(7))
        }
    );
    assert!(advice(&error).contains("7 s"), "{}", advice(&error));
}

#[tokio::test]
async fn server_errors_keep_the_servers_words() {
    let plain = whole_reply(500, "text/plain", b"Internal Server Error");
    let server =
        TestServer::start(vec![json_reply(500, &fixture("malformed-json.json")), plain]).await;
    // One client for both: the second request reuses the kept-alive connection.
    let client = client(&server, None, false);
    let first = stream(&client).await.2.unwrap_err();
    assert!(
        matches!(&first, ApiError::Http { status: 500, message, .. } if message.contains("parse error at line 1")),
        "{first:?}"
    );
    let second = stream(&client).await.2.unwrap_err();
    assert_eq!(
        second,
        ApiError::Http { status: 500, message: "Internal Server Error".into(), retry_after: None }
    );
    assert_eq!(server.requests().await.len(), 2);
}

#[tokio::test]
async fn llama_context_overflow_is_recognised() {
    let server = TestServer::start(vec![json_reply(400, &fixture("context-overflow.json"))]).await;
    let error = stream_error(&server, None).await;
    assert!(
        matches!(&error, ApiError::ContextOverflow { status: 400, message, .. } if message.contains("30011 tokens")),
        "{error:?}"
    );
    assert!(
        matches!(
            &error,
            ApiError::ContextOverflow { window: Some(4096), requested: Some(30011), .. }
        ),
        "the server's numbers are read: {error:?}"
    );
    assert!(advice(&error).contains("context window"), "{}", advice(&error));
}

#[tokio::test]
async fn refused_connection_names_the_url() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base_url = format!("http://127.0.0.1:{port}/v1");
    let client = ApiClient::new(endpoint(&base_url, None, false)).unwrap();
    let error = stream(&client).await.2.unwrap_err();
    assert!(matches!(error, ApiError::Network { .. }), "{error:?}");
    assert_eq!(error.to_string(), format!("cannot connect to {base_url} (Connection refused)"));
}

#[tokio::test]
async fn non_streamed_completion_reads_text_finish_and_usage() {
    let server = TestServer::start(vec![json_reply(200, &fixture("nonstream-length.json"))]).await;
    let reply = complete(&client(&server, None, true)).await.unwrap();
    assert_eq!(reply.content, " commun additional paparrassedEmmalog");
    assert_eq!(reply.finish, Some(FinishReason::Length));
    // llama-server reports its prompt cache as OpenAI does; the details are kept.
    let usage = Usage {
        prompt_tokens: 14,
        completion_tokens: 6,
        total_tokens: 20,
        cached_tokens: 13,
        reasoning_tokens: 0,
    };
    assert_eq!(reply.usage, Some(usage));
    let body = &server.requests().await[0].body;
    assert_eq!(body["stream"], false);
    assert!(body.get("stream_options").is_none(), "{body}");
}

#[tokio::test]
async fn reasoning_fields_arrive_as_reasoning() {
    let body = b"data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"hmm\"}}]}\n\n\
                 data: {\"choices\":[{\"delta\":{\"reasoning\":\" ok\"}}]}\n\n\
                 data: {\"choices\":[{\"delta\":{\"content\":\"Yes\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    let server = TestServer::start(vec![sse_chunks(body, 11)]).await;
    let client = client(&server, None, false);
    let request = client.chat_request("m", hello(), true);
    let mut deltas = Vec::new();
    client
        .stream(&request, |event| {
            if let StreamEvent::Delta { content, reasoning } = event {
                deltas.push((content, reasoning));
            }
        })
        .await
        .unwrap();
    let pairs = [("", "hmm"), ("", " ok"), ("Yes", "")].map(|(c, r)| (c.to_owned(), r.to_owned()));
    assert_eq!(deltas, pairs);
}

#[tokio::test]
async fn a_stream_that_goes_silent_ends_with_a_clear_error_after_the_partial() {
    let bytes = sse_reply(&["Still ", "here", " and more"], "stop", None);
    let cut = String::from_utf8_lossy(&bytes).find(" and more").unwrap() - 30;
    let reply = event_stream(Body::ChunksThenHang(split_every(&bytes[..cut], 20)));
    let server = TestServer::start(vec![reply]).await;
    let client = client(&server, None, false).with_idle_timeout(Duration::from_millis(300));
    let (text, _, result) = stream(&client).await;
    assert_eq!(text, "Still here");
    assert_eq!(
        result,
        Err(ApiError::Network { message: "the server sent nothing for 0.3 s".into() })
    );
}

/// OpenRouter and LiteLLM may answer a failed non-streamed request with 200 and an error
/// object; that must not pass for an empty reply.
#[tokio::test]
async fn an_error_object_in_a_200_non_streamed_reply_is_an_error() {
    let body = br#"{"error":{"message":"upstream provider overloaded","code":502}}"#;
    let server = TestServer::start(vec![json_reply(200, body)]).await;
    let error = complete(&client(&server, None, false)).await.expect_err("not an empty reply");
    assert!(error.to_string().contains("upstream provider overloaded"), "{error:?}");
}

/// A server that ignores `stream: true` answers with one JSON completion: that is the reply;
/// a JSON error object with status 200 is the server's error, in its words.
#[tokio::test]
async fn a_json_answer_to_a_streamed_request_is_read_as_the_reply_or_the_error() {
    let server = TestServer::start(vec![
        json_reply(200, &fixture("nonstream-length.json")),
        json_reply(200, br#"{"error":{"message":"upstream provider overloaded","code":502}}"#),
    ])
    .await;
    let client = client(&server, None, false);
    let (text, others, result) = stream(&client).await;
    assert_eq!((text.as_str(), result), (" commun additional paparrassedEmmalog", Ok(())));
    assert_eq!(others[0], StreamEvent::Finish(FinishReason::Length));
    let (_, _, result) = stream(&client).await;
    assert!(
        matches!(&result, Err(ApiError::InStream { message }) if message.contains("overloaded")),
        "{result:?}"
    );
}

/// llama-cpp-python's answer to a prompt longer than its context, when streaming: 200 with
/// `text/event-stream; charset=utf-8`, then an empty body (the error is only in its log).
/// Asked again without streaming, it says why, with its numbers (captured from its server).
#[tokio::test]
async fn an_empty_event_stream_is_asked_again_unstreamed_to_learn_why() {
    let empty = || whole_reply(200, "text/event-stream; charset=utf-8", b"");
    let overflow = br#"{"error":{"message":"This model's maximum context length is 512 tokens. However, you requested 935 tokens (935 in the messages, None in the completion). Please reduce the length of the messages or completion.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#;
    let answer = br#"{"choices":[{"index":0,"message":{"role":"assistant","content":"Short."},"finish_reason":"stop"}]}"#;
    let server = TestServer::start(vec![
        empty(),
        json_reply(400, overflow),
        empty(),
        json_reply(200, answer),
    ])
    .await;
    let client = client(&server, None, false);
    let result = stream(&client).await.2;
    let Err(ApiError::ContextOverflow { message, .. }) = result else { panic!("{result:?}") };
    assert!(message.contains("maximum context length is 512 tokens"), "{message}");
    let (text, _, result) = stream(&client).await;
    assert_eq!((text.as_str(), result), ("Short.", Ok(())));
    let requests = server.requests().await;
    let streamed: Vec<_> = requests.iter().map(|r| r.body["stream"].clone()).collect();
    assert_eq!(streamed, [true, false, true, false]);
    assert_eq!(requests[1].body.get("stream_options"), None);
}

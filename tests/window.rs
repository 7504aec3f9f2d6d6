//! The context window against real servers' bytes (tests/fixtures, captured from
//! llama.cpp's llama-server and llama-cpp-python's server), replayed by a real server on
//! 127.0.0.1: an overflow that arrives as a silent stream, an image refused by a text-only
//! model, the window asked of the server, counts asked of its tokenizer.

mod support;

use rockchat::api::{ApiClient, ApiError, Endpoint};
use rockchat::chat::{RequestMessage, Role};
use support::{Body, TestServer, captured};

fn client(server: &TestServer) -> ApiClient {
    ApiClient::new(Endpoint {
        provider: "local".into(),
        base_url: server.base_url.clone(),
        key_hint: "no key was sent".into(),
        ..Endpoint::default()
    })
    .unwrap()
}

fn long_prompt() -> Vec<RequestMessage> {
    vec![RequestMessage::text(Role::User, "word ".repeat(6_000))]
}

/// llama-cpp-python's answer to a streamed prompt longer than its window: 200, an empty
/// event stream, and a connection it then closes under the next request sent on it.
fn silent_overflow_stream() -> support::Reply {
    let mut reply = captured("llama-cpp-python", "lcp-overflow-stream");
    let Body::Chunks(pieces) = reply.body else { panic!("the capture is chunked") };
    assert!(pieces.is_empty(), "the captured stream is empty");
    reply.body = Body::ChunksThenCloseOnNext(pieces);
    reply
}

#[tokio::test]
async fn a_silent_overflow_from_llama_cpp_python_is_an_overflow_with_its_numbers() {
    let server = TestServer::start(vec![
        silent_overflow_stream(),
        captured("llama-cpp-python", "lcp-overflow"),
    ])
    .await;
    let client = client(&server);
    let request = client.chat_request("tiny-llama", long_prompt(), true);
    let (_, _, result) = support::collect_stream(&client, &request).await;
    let error = result.expect_err("the prompt is too long");
    assert!(
        matches!(error, ApiError::ContextOverflow { window: Some(512), requested: Some(6402), .. }),
        "the probe reaches the server and its overflow is read: {error:?}"
    );
    let requests = server.requests().await;
    assert_eq!(requests.last().unwrap().body["stream"], false, "the probe is unstreamed");
}

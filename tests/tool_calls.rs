//! Tool calls on the wire, against a real server on 127.0.0.1: the request offers `tools`,
//! and a reply's calls, streamed in pieces cut anywhere (two calls interleaved, arguments
//! split mid-string, mid-escape and mid-character), come out whole and in order.

mod support;

use rockchat::api::{ApiClient, Endpoint, StreamEvent};
use rockchat::chat::tools::{Assembly, CallState, ToolCall, ToolSpec};
use rockchat::chat::{FinishReason, RequestMessage, Role};
use serde_json::json;
use support::{TestServer, call_more, call_start, json_reply, sse_chunks, sse_tool_reply};

fn client(server: &TestServer) -> ApiClient {
    let endpoint = Endpoint {
        provider: "test".into(),
        base_url: server.base_url.clone(),
        ..Endpoint::default()
    };
    ApiClient::new(endpoint).unwrap()
}

fn add_tool() -> ToolSpec {
    ToolSpec {
        name: "add".into(),
        description: "Adds two numbers".into(),
        parameters: json!({"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}}}),
        server: "arith".into(),
    }
}

/// Streams a request offering `add` and assembles the calls.
async fn calls_from(server: &TestServer) -> (String, Vec<ToolCall>, Vec<StreamEvent>) {
    let client = client(server);
    let request = client
        .chat_request("tiny-llama", vec![RequestMessage::text(Role::User, "2+3?")], true)
        .with_tools(vec![add_tool()]);
    let (mut text, mut calls, mut others) = (String::new(), Vec::new(), Vec::new());
    let mut assembly = Assembly::default();
    client
        .stream(&request, |event| match event {
            StreamEvent::Delta { content, .. } => text.push_str(&content),
            StreamEvent::ToolCall(delta) => {
                assembly.push(&mut calls, delta);
            }
            other => others.push(other),
        })
        .await
        .unwrap();
    assembly.finish(&mut calls, 1);
    (text, calls, others)
}

#[tokio::test]
async fn two_parallel_calls_split_anywhere_are_assembled_exactly() {
    let pieces = [
        call_start(0, "call_a", "add", "{\"a\": 2"),
        call_start(1, "call_b", "add", "{\"a\": \"é\\u00e9"),
        call_more(0, ", \"b\": 3}"),
        call_more(1, "\", \"b\": 1}"),
    ];
    let bytes = sse_tool_reply(&["Let me add."], &pieces);
    for cut in [1, 3, 7, 64] {
        let server = TestServer::start(vec![sse_chunks(&bytes, cut)]).await;
        let (text, calls, others) = calls_from(&server).await;
        assert_eq!(text, "Let me add.");
        assert_eq!(calls.len(), 2, "cut every {cut}");
        assert_eq!((calls[0].id.as_str(), calls[0].name.as_str()), ("call_a", "add"));
        assert_eq!(calls[0].arguments, "{\"a\": 2, \"b\": 3}");
        assert_eq!(calls[1].arguments, "{\"a\": \"é\\u00e9\", \"b\": 1}");
        assert_eq!(calls[1].parsed_arguments().unwrap()["a"], "éé");
        assert!(calls.iter().all(|c| c.state == CallState::Asked));
        assert_eq!(others, [StreamEvent::Finish(FinishReason::ToolCalls)]);
        let sent = &server.requests().await[0].body;
        assert_eq!(
            sent["tools"],
            json!([{"type":"function","function":{"name":"add","description":"Adds two numbers",
                "parameters":{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}}}}}])
        );
    }
}

#[tokio::test]
async fn a_whole_reply_with_calls_gives_the_same_calls() {
    let body = json!({"choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,
    "tool_calls":[
        {"id":"x","type":"function","function":{"name":"add","arguments":"{\"a\":1,\"b\":2}"}},
        {"id":"y","type":"function","function":{"name":"add","arguments":"{\"a\":3,\"b\":4}"}}
    ]}}]});
    let server = TestServer::start(vec![json_reply(200, body.to_string().as_bytes())]).await;
    let (text, calls, others) = calls_from(&server).await;
    assert_eq!(text, "");
    assert_eq!(calls.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["x", "y"]);
    assert_eq!(calls[1].arguments, "{\"a\":3,\"b\":4}");
    assert_eq!(others, [StreamEvent::Finish(FinishReason::ToolCalls)]);
}

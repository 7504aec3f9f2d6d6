//! A real, scripted HTTP/1.1 server on 127.0.0.1 for the tests: it answers each request
//! with the next scripted reply, writing a body piece by piece, and records what it
//! received. Requests are read in a loop on each connection, so keep-alive works.
//!
//! A chunked body's pieces reach the client as separate reads whatever the timing: hyper
//! never hands out one frame spanning two HTTP chunks, so a piece boundary that cuts an SSE
//! event, a CRLF or a UTF-8 character is exactly where the client's decoder sees a cut.
#![allow(dead_code)]

pub mod pty;
pub mod tui;
pub mod vt;

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, Notify};

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

#[derive(Debug, Clone)]
pub enum Body {
    /// Chunked transfer encoding, one chunk per piece.
    Chunks(Vec<Vec<u8>>),
    /// A Content-Length body.
    Whole(Vec<u8>),
    /// These pieces, then silence with the connection held open.
    ChunksThenHang(Vec<Vec<u8>>),
    /// These pieces, then the connection is dropped without the final chunk.
    ChunksThenDrop(Vec<Vec<u8>>),
    /// No length and no chunking: the body ends when the server closes the connection
    /// (HTTP/1.0 style, as some proxies answer). Pieces may be merged on the way.
    CloseDelimited(Vec<Vec<u8>>),
    /// These pieces spaced out in time, like a model writing, then silence.
    PacedThenHang(Vec<Vec<u8>>, std::time::Duration),
    /// This piece again and again, for as long as the client reads: a body that never ends.
    Endless(Vec<u8>),
    /// These pieces, then silence until the client closes the connection, which
    /// `TestServer::client_closed` then reports.
    ChunksThenWatch(Vec<Vec<u8>>),
    /// These pieces and the final chunk, with the connection left open; the next request
    /// on it is read and the connection closed without an answer, as a server does that
    /// closes a connection the client has already reused (llama-cpp-python after an empty
    /// stream).
    ChunksThenCloseOnNext(Vec<Vec<u8>>),
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: serde_json::Value,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

pub struct TestServer {
    pub base_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    /// Told when a `ChunksThenWatch` body was written, and when its client went away.
    watch: Arc<Watch>,
}

#[derive(Default)]
struct Watch {
    written: Notify,
    closed: Notify,
}

/// The paths a client asks in the background about the server (llama-server's window,
/// tokenizer and template). They are answered from `routes`, never from the script, so a
/// test's scripted replies stay in step with its requests; a path no route names gets a
/// 404, as from a server that does not have it.
pub const BACKGROUND_PATHS: &[&str] = &["/props", "/tokenize", "/apply-template"];

impl TestServer {
    pub async fn start(replies: Vec<Reply>) -> TestServer {
        TestServer::start_routed(replies, Vec::new()).await
    }

    /// A server that also answers the background paths: each route's reply is given to
    /// every request for its path.
    pub async fn start_routed(replies: Vec<Reply>, routes: Vec<(&str, Reply)>) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(replies.into_iter()));
        let routes: Routes =
            Arc::new(routes.into_iter().map(|(path, reply)| (path.to_owned(), reply)).collect());
        let recorded = requests.clone();
        let watch = Arc::new(Watch::default());
        let watching = watch.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                // Each piece leaves in its own segment, not held back by Nagle.
                let _ = socket.set_nodelay(true);
                let (script, routes) = (script.clone(), routes.clone());
                tokio::spawn(serve(socket, script, routes, recorded.clone(), watching.clone()));
            }
        });
        TestServer { base_url, requests, watch }
    }

    /// The requests the script answered (the background ones left out).
    pub async fn requests(&self) -> Vec<Recorded> {
        let all = self.requests.lock().await.clone();
        all.into_iter().filter(|r| !BACKGROUND_PATHS.contains(&r.path.as_str())).collect()
    }

    /// The background requests (`BACKGROUND_PATHS`), in order.
    pub async fn background_requests(&self) -> Vec<Recorded> {
        let all = self.requests.lock().await.clone();
        all.into_iter().filter(|r| BACKGROUND_PATHS.contains(&r.path.as_str())).collect()
    }

    /// Waits until a `ChunksThenWatch` body's pieces were written.
    pub async fn body_written(&self) {
        self.watch.written.notified().await;
    }

    /// Waits until the client closed the connection of a `ChunksThenWatch` body.
    pub async fn client_closed(&self) {
        self.watch.closed.notified().await;
    }
}

type Script = Arc<Mutex<std::vec::IntoIter<Reply>>>;
type Routes = Arc<std::collections::HashMap<String, Reply>>;

async fn serve(
    mut socket: TcpStream,
    script: Script,
    routes: Routes,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    watch: Arc<Watch>,
) {
    while let Some(request) = read_request(&mut socket).await {
        let path = request.path.clone();
        recorded.lock().await.push(request);
        if BACKGROUND_PATHS.contains(&path.as_str()) {
            let reply = routes.get(&path).cloned().unwrap_or_else(|| {
                json_reply(
                    404,
                    br#"{"error":{"code":404,"message":"File Not Found","type":"not_found_error"}}"#,
                )
            });
            if !write_reply(&mut socket, reply, &watch).await {
                return;
            }
            continue;
        }
        let reply = script.lock().await.next().unwrap_or_else(|| Reply {
            status: 500,
            headers: vec![],
            body: Body::Whole(b"no more scripted replies".to_vec()),
        });
        if !write_reply(&mut socket, reply, &watch).await {
            return;
        }
    }
}

async fn read_request(socket: &mut TcpStream) -> Option<Recorded> {
    let mut buffer = Vec::new();
    let header_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[header_end..].to_vec();
    while body.len() < length {
        let mut chunk = vec![0u8; length - body.len()];
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    // Clients here never pipeline, so nothing past this request's body is expected.
    body.truncate(length);
    let body = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    Some(Recorded { method, path, headers, body })
}

/// Writes one reply; false when the connection must end.
async fn write_reply(socket: &mut TcpStream, reply: Reply, watch: &Watch) -> bool {
    let mut head = format!("HTTP/1.1 {} Scripted\r\n", reply.status);
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let pieces = match reply.body {
        Body::Whole(bytes) => {
            head.push_str(&format!("Content-Length: {}\r\n\r\n", bytes.len()));
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&bytes).await;
            return socket.flush().await.is_ok();
        }
        Body::CloseDelimited(pieces) => {
            head.push_str("Connection: close\r\n\r\n");
            let _ = socket.write_all(head.as_bytes()).await;
            for piece in pieces {
                let _ = socket.write_all(&piece).await;
                let _ = socket.flush().await;
            }
            let _ = socket.shutdown().await;
            return false;
        }
        Body::Chunks(pieces) => (pieces, End::Finish),
        Body::ChunksThenHang(pieces) => (pieces, End::Hang),
        Body::ChunksThenDrop(pieces) => (pieces, End::Drop),
        Body::PacedThenHang(pieces, gap) => (pieces, End::PacedHang(gap)),
        Body::ChunksThenWatch(pieces) => (pieces, End::Watch),
        Body::Endless(piece) => {
            head.push_str("Transfer-Encoding: chunked\r\n\r\n");
            let framed = [format!("{:x}\r\n", piece.len()).as_bytes(), &piece, b"\r\n"].concat();
            let mut out = socket.write_all(head.as_bytes()).await;
            while out.is_ok() {
                out = socket.write_all(&framed).await;
            }
            return false;
        }
        Body::ChunksThenCloseOnNext(pieces) => (pieces, End::CloseOnNext),
    };
    head.push_str("Transfer-Encoding: chunked\r\n\r\n");
    if socket.write_all(head.as_bytes()).await.is_err() {
        return false;
    }
    let (pieces, end) = pieces;
    for piece in pieces.iter().filter(|p| !p.is_empty()) {
        let framed = [format!("{:x}\r\n", piece.len()).as_bytes(), piece, b"\r\n"].concat();
        if socket.write_all(&framed).await.is_err() || socket.flush().await.is_err() {
            return false;
        }
        // Let the client read this piece before the next is written.
        match end {
            End::PacedHang(gap) => tokio::time::sleep(gap).await,
            _ => tokio::task::yield_now().await,
        }
    }
    match end {
        End::Finish => socket.write_all(b"0\r\n\r\n").await.is_ok(),
        End::CloseOnNext => {
            let _ = socket.write_all(b"0\r\n\r\n").await;
            let _ = socket.flush().await;
            let _ = read_request(socket).await;
            false
        }
        End::Drop => false,
        End::Hang | End::PacedHang(_) => {
            std::future::pending::<()>().await;
            false
        }
        End::Watch => {
            watch.written.notify_one();
            // Nothing more is sent; a read ends only when the client closes or resets.
            let mut rest = [0u8; 256];
            while matches!(socket.read(&mut rest).await, Ok(n) if n > 0) {}
            watch.closed.notify_one();
            false
        }
    }
}

#[derive(Clone, Copy)]
enum End {
    Finish,
    Hang,
    Drop,
    /// A pause between pieces (the pace of a model writing), then silence.
    PacedHang(std::time::Duration),
    /// Silence, watching for the client to close.
    Watch,
    /// The final chunk, then the next request read and left unanswered.
    CloseOnNext,
}

/// SSE bytes shaped like llama.cpp's: a role chunk with null content, one chunk per delta,
/// a finish chunk, an optional usage chunk with empty choices, then `[DONE]`.
pub fn sse_reply(deltas: &[&str], finish: &str, usage: Option<(u64, u64)>) -> Vec<u8> {
    let mut out = String::new();
    let mut event = |value: serde_json::Value| out.push_str(&format!("data: {value}\n\n"));
    event(
        serde_json::json!({"choices":[{"index":0,"finish_reason":null,"delta":{"role":"assistant","content":null}}],"model":"tiny-llama","object":"chat.completion.chunk"}),
    );
    for delta in deltas {
        event(
            serde_json::json!({"choices":[{"index":0,"finish_reason":null,"delta":{"content":delta}}],"model":"tiny-llama","object":"chat.completion.chunk"}),
        );
    }
    event(
        serde_json::json!({"choices":[{"index":0,"finish_reason":finish,"delta":{}}],"model":"tiny-llama","object":"chat.completion.chunk"}),
    );
    if let Some((prompt, completion)) = usage {
        event(
            serde_json::json!({"choices":[],"usage":{"prompt_tokens":prompt,"completion_tokens":completion,"total_tokens":prompt+completion}}),
        );
    }
    out.push_str("data: [DONE]\n\n");
    out.into_bytes()
}

/// A response captured from a real server (`tests/fixtures/{dir}/{name}.headers` and
/// `.body`, the bytes on the wire), replayed: its status, its headers (less the framing and
/// connection ones, which the test server writes itself) and its body, one piece per HTTP
/// chunk when it was chunked. `Connection: close` is left out, so the client keeps the
/// connection alive as it would with the server in normal use.
pub fn captured(dir: &str, name: &str) -> Reply {
    let path =
        |ext: &str| format!("{}/tests/fixtures/{dir}/{name}.{ext}", env!("CARGO_MANIFEST_DIR"));
    let head = std::fs::read_to_string(path("headers")).unwrap();
    let body = std::fs::read(path("body")).unwrap();
    let mut lines = head.split("\r\n").filter(|l| !l.is_empty());
    let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let mut chunked = false;
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        let lower = name.to_ascii_lowercase();
        if lower == "transfer-encoding" {
            chunked = value.trim().eq_ignore_ascii_case("chunked");
        } else if !["content-length", "connection"].contains(&lower.as_str()) {
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
    }
    let body = if chunked { Body::Chunks(dechunk(&body)) } else { Body::Whole(body) };
    Reply { status, headers, body }
}

/// The chunks of an HTTP/1.1 chunked body, without their framing.
fn dechunk(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut pieces = Vec::new();
    loop {
        let line_end = bytes.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&bytes[..line_end]).unwrap().trim(), 16)
                .unwrap();
        if size == 0 {
            return pieces;
        }
        let start = line_end + 2;
        pieces.push(bytes[start..start + size].to_vec());
        bytes = &bytes[start + size + 2..];
    }
}

/// Cuts bytes into pieces of `n`, wherever that falls.
pub fn split_every(bytes: &[u8], n: usize) -> Vec<Vec<u8>> {
    bytes.chunks(n.max(1)).map(<[u8]>::to_vec).collect()
}

/// A 200 `text/event-stream` reply with the given body.
pub fn event_stream(body: Body) -> Reply {
    Reply { status: 200, headers: vec![("Content-Type".into(), "text/event-stream".into())], body }
}

/// A `text/event-stream` reply cut every `n` bytes.
pub fn sse_chunks(bytes: &[u8], n: usize) -> Reply {
    event_stream(Body::Chunks(split_every(bytes, n)))
}

/// A JSON reply with a status, e.g. an error body.
pub fn json_reply(status: u16, body: &[u8]) -> Reply {
    whole_reply(status, "application/json", body)
}

/// A Content-Length reply of any type: an HTML proxy page, a plain-text error.
pub fn whole_reply(status: u16, content_type: &str, body: &[u8]) -> Reply {
    Reply {
        status,
        headers: vec![("Content-Type".into(), content_type.into())],
        body: Body::Whole(body.to_vec()),
    }
}

/// Streams `request`; the text, the other events, and the outcome. The timeout only guards
/// a hang.
pub async fn collect_stream(
    client: &rockchat::api::ApiClient,
    request: &rockchat::api::types::ChatRequest,
) -> (String, Vec<rockchat::api::StreamEvent>, Result<(), rockchat::api::ApiError>) {
    let mut text = String::new();
    let mut others = Vec::new();
    let result = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        client.stream(request, |event| match event {
            rockchat::api::StreamEvent::Delta { content, .. } => text.push_str(&content),
            other => others.push(other),
        }),
    )
    .await
    .expect("the stream ended");
    (text, others, result)
}

/// SSE bytes of a reply that calls tools, shaped like llama-server's with `--jinja`: a role
/// chunk, text deltas, then one chunk per entry of `pieces` (each the inside of a
/// `delta.tool_calls` array), then a `tool_calls` finish and `[DONE]`.
pub fn sse_tool_reply(text: &[&str], pieces: &[serde_json::Value]) -> Vec<u8> {
    let mut out = String::new();
    let mut event = |value: serde_json::Value| out.push_str(&format!("data: {value}\n\n"));
    event(
        serde_json::json!({"choices":[{"index":0,"finish_reason":null,"delta":{"role":"assistant","content":null}}],"model":"tiny-llama"}),
    );
    for delta in text {
        event(
            serde_json::json!({"choices":[{"index":0,"finish_reason":null,"delta":{"content":delta}}],"model":"tiny-llama"}),
        );
    }
    for piece in pieces {
        event(
            serde_json::json!({"choices":[{"index":0,"finish_reason":null,"delta":{"tool_calls":[piece]}}],"model":"tiny-llama"}),
        );
    }
    event(
        serde_json::json!({"choices":[{"index":0,"finish_reason":"tool_calls","delta":{}}],"model":"tiny-llama"}),
    );
    out.push_str("data: [DONE]\n\n");
    out.into_bytes()
}

/// The first piece of a call: its index, id, name and the start of its arguments.
pub fn call_start(index: u32, id: &str, name: &str, arguments: &str) -> serde_json::Value {
    serde_json::json!({"index":index,"id":id,"type":"function","function":{"name":name,"arguments":arguments}})
}

/// A later piece of call `index`: more of its arguments.
pub fn call_more(index: u32, arguments: &str) -> serde_json::Value {
    serde_json::json!({"index":index,"function":{"arguments":arguments}})
}

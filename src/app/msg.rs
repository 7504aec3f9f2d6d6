//! The app's vocabulary: every input `update` understands (`Msg`) and every piece of IO it
//! can ask the driver for (`Effect`).
//!
//! Messages are owned values so background tasks can send them over a channel; effects are
//! plain data so tests can assert on them without doing any IO.

use std::time::Instant;

use crossterm::event::{KeyEvent, MouseEvent};

use super::server::{Counted, CountsAnswer};
use super::state::Shown;
use crate::api::facts::{ServerFacts, Tokenizer};
use crate::api::models::ModelInfo;
use crate::api::{ApiError, StreamEvent};
use crate::chat::RequestMessage;
use crate::chat::attachment::Attachment;
use crate::chat::params::RequestParams;
use crate::store::writer::{StoreCmd, StoreEvent};
use crate::tokens::{Counter, Encoding};

/// Identifies one request; events carrying an older id are ignored.
pub type RequestId = u64;

#[derive(Debug, Clone)]
pub enum Msg {
    /// A key press from the terminal.
    Key(KeyEvent),
    /// A bracketed paste, delivered whole.
    Paste(String),
    /// A mouse event (only arrives while mouse capture is on).
    Mouse(MouseEvent),
    /// The terminal now has this many columns and rows.
    Resize(u16, u16),
    /// The terminal gained (true) or lost the user's focus.
    Focus(bool),
    /// A frame was drawn and its transcript pane showed this: relative scrolling starts
    /// here, and a scroll intent that reached the bottom follows the text again.
    Shown(Shown),
    /// Something happened to request `id`, at the time the driver received it.
    Api { id: RequestId, event: ApiEvent, at: Instant },
    /// A frame of animation while a request is in flight (spinner, tok/s, countdown).
    Tick(Instant),
    /// Nothing in the state changed, but what the screen draws from it did (the code
    /// highlighter became ready): draw again.
    Redraw,
    /// The wait before retrying request `id` is over.
    RetryDue { id: RequestId },
    /// The system asked us to end (SIGTERM, SIGHUP): stop and restore the terminal.
    Shutdown,
    /// The store's thread answered: a new row, a failed write, or a read.
    Stored(StoreEvent),
    /// The draft came back from `$EDITOR`, or why it did not (the draft is then unchanged).
    Composed(Result<String, String>),
    /// `$PAGER` could not show a message: why.
    PagerFailed(String),
    /// Ctrl+Z could not stop the process (no shell with job control to return to): why.
    SuspendFailed(String),
    /// A provider's model list, or why it could not be had.
    ModelsListed { provider: String, result: Result<Vec<ModelInfo>, ApiError> },
    /// A file named by a paste or an `@path` was read: attached, or why not (`None`: there
    /// is no such file, the paste was only text); `paste`, when it came from one, then goes
    /// into the draft as the text it also was.
    Attached { result: Result<Attachment, Option<String>>, paste: Option<String> },
    /// The names that complete `typed` after an `@` in the draft (folders end in `/`).
    PathsFound { typed: String, found: Vec<String> },
    /// A JSON Schema file for F4 was read: its name and text, or why not.
    SchemaRead(Result<(String, String), String>),
    /// This tokenizer finished loading in the background: counts with it are exact now.
    TokenizerReady(Encoding),
    /// A background count of the draft, as asked with `Effect::CountDraft`.
    DraftCounted { counter: Counter, tokens: usize },
    /// A background count of part of the history, as asked with `Effect::CountHistory`:
    /// (message, bytes counted, tokens) for each.
    HistoryCounted {
        conversation: crate::chat::Key,
        counter: Counter,
        counts: Vec<(crate::chat::Key, usize, usize)>,
    },
    /// The app is running: the driver sends this once, before anything else happens.
    Start,
    /// What the server said about `model` (window, images, counting), or why it could not.
    ServerFacts { provider: String, model: String, result: Result<ServerFacts, ApiError> },
    /// The server's token counts for `target` (and its template's share, if asked); `None`
    /// when it could not count.
    Counted { target: super::state::Target, counts: Option<CountsAnswer> },
    /// The first frame is on screen: what waits for it (tool servers) may start.
    Started,
    /// An MCP server started, could not, or stopped.
    ToolServer { name: String, event: crate::mcp::ServerEvent },
    /// A tool call ended with this result.
    ToolResult { id: crate::mcp::CallId, result: crate::chat::tools::ToolResult },
}

/// The life of one request, as the driver reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiEvent {
    /// Something the server streamed: text, why the reply ended, or usage.
    Stream(StreamEvent),
    /// The stream ended normally.
    Done,
    /// The request failed; whatever arrived before stays.
    Failed(ApiError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Send `messages` to `model` at `provider`, with the conversation's `params`, and
    /// report the events as `Msg::Api` with `id`.
    StartRequest {
        id: RequestId,
        provider: String,
        model: String,
        messages: Vec<RequestMessage>,
        params: RequestParams,
        /// The functions the model may call (none: no `tools` field).
        tools: Vec<crate::chat::tools::ToolSpec>,
    },
    /// Abort request `id`; the state already holds its partial reply.
    CancelRequest { id: RequestId },
    /// Send `Msg::RetryDue { id }` at `at` (cancelled along with request `id`).
    WakeAt { id: RequestId, at: Instant },
    /// Turn the terminal's mouse capture on or off.
    SetMouseCapture(bool),
    /// Give the terminal back to the shell and stop (job control), then take it back and
    /// redraw everything; a request in flight is not cancelled and catches up on `fg`.
    Suspend,
    /// Leave the app, restoring the terminal.
    Quit,
    /// From now on `provider` is the server at `base_url`, reached with no key (a
    /// conversation held on a `--base-url` server, reopened).
    AddServer { provider: String, base_url: String },
    /// Fetch this provider's model list in the background.
    FetchModels { provider: String },
    /// Stop every model list fetch still under way: the picker that wanted them closed.
    StopModelFetches,
    /// Put `text` on the clipboard: OSC 52 to the terminal, and the system clipboard where
    /// there is one.
    Copy { text: String },
    /// Leave the screen, let the user edit `draft` in `$EDITOR`, and answer `Msg::Composed`.
    Compose { draft: String },
    /// Leave the screen and show `text` in `$PAGER` until the user quits it.
    Page { text: String },
    /// Hand this to the store's thread (saves, and the list's reads).
    Store(StoreCmd),
    /// Read the file at `path` (an image, or text counted by `counter` and refused past
    /// `window` tokens) and answer with `Msg::Attached`, giving `paste` back.
    LoadFile {
        path: std::path::PathBuf,
        paste: Option<String>,
        counter: Counter,
        window: Option<usize>,
    },
    /// List what completes `typed` (a path after `@`) and answer `Msg::PathsFound`.
    CompletePath { typed: String },
    /// Read the JSON Schema file at `path` and answer `Msg::SchemaRead`.
    ReadSchema { path: std::path::PathBuf },
    /// Read the image on the system clipboard and answer with `Msg::Attached` (an error
    /// with no paste when there is none).
    PasteImage,
    /// Load this tokenizer off the UI thread and answer `Msg::TokenizerReady`.
    LoadTokenizer(Encoding),
    /// Tell the user a reply ended while they looked elsewhere: a desktop notification
    /// through the terminal saying `body`, and the bell with `bell`.
    Notify { body: String, bell: bool },
    /// Count `text` (a long draft) as the next prompt off the UI thread and answer
    /// `Msg::DraftCounted`.
    CountDraft { text: String, counter: Counter },
    /// Count `items` (messages of `conversation`'s history not counted yet: key, role, text
    /// as sent) off the UI thread and answer `Msg::HistoryCounted`.
    CountHistory {
        conversation: crate::chat::Key,
        counter: Counter,
        items: Vec<(crate::chat::Key, crate::chat::Role, String)>,
    },
    /// Ask `provider` in the background about `model` and answer with `Msg::ServerFacts`.
    AskServer { provider: String, model: String },
    /// Have the server count `items` (and measure its chat template, if `template`) in the
    /// background, and answer with `Msg::Counted`.
    CountTokens {
        provider: String,
        model: String,
        tokenizer: Tokenizer,
        items: Vec<(Counted, String)>,
        template: bool,
    },
    /// Start MCP server `name` in the background; it answers with `Msg::ToolServer`.
    StartToolServer { name: String, server: crate::config::mcp::McpServer },
    /// Call `tool` on `server`, for at most `timeout`; the answer is `Msg::ToolResult`.
    CallTool {
        id: crate::mcp::CallId,
        server: String,
        tool: String,
        arguments: serde_json::Map<String, serde_json::Value>,
        timeout: std::time::Duration,
    },
    /// Cancel call `id` on `server`; the state already holds it as cancelled.
    CancelToolCall { id: crate::mcp::CallId, server: String },
}

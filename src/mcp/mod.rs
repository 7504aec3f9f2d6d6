//! MCP servers, the tools they offer and the calls made to them, through the official Rust
//! SDK (`rmcp`). `client` is one connection (start, list, call, end); `result` turns an
//! answer into the text a model reads; [`Hub`] runs each server of the full-screen app in a
//! task of its own and reports what happens as [`Report`]s, so a server that is slow to
//! start never holds up a frame, and one that fails or dies is reported while the chat
//! goes on.
//!
//! IO, like `api`: it knows `chat` and `config`, nothing above them. It never decides what
//! runs (the app does, after asking the user) and never waits without a timeout.

pub mod client;
pub mod result;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

pub use client::{Caller, Connection, connect};

use crate::chat::tools::{Outcome, ToolResult, ToolSpec};
use crate::config::mcp::McpServer;

/// Names one call for the life of the app.
pub type CallId = u64;

/// What happened to a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// Started; these are its tools.
    Ready(Vec<ToolSpec>),
    /// It could not be started: why.
    Failed(String),
    /// It was running and ended: why.
    Stopped(String),
}

/// What the hub reports, from its tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    Server {
        name: String,
        event: ServerEvent,
    },
    /// Call `id` ended with this result.
    Result {
        id: CallId,
        result: ToolResult,
    },
}

enum Command {
    Call {
        id: CallId,
        tool: String,
        arguments: serde_json::Map<String, serde_json::Value>,
        timeout: Duration,
    },
    Cancel {
        id: CallId,
    },
}

type Reporter = Arc<dyn Fn(Report) + Send + Sync>;

/// The running servers, one task each. Dropping the hub (or `stop_all`) ends them.
pub struct Hub {
    report: Reporter,
    servers: HashMap<String, (UnboundedSender<Command>, JoinHandle<()>)>,
}

impl Hub {
    pub fn new(report: impl Fn(Report) + Send + Sync + 'static) -> Self {
        Self { report: Arc::new(report), servers: HashMap::new() }
    }

    /// Starts `name` in the background unless it is running; its `Ready`, `Failed` or
    /// `Stopped` comes as a report.
    pub fn start(&mut self, name: &str, server: &McpServer) {
        if self.servers.get(name).is_some_and(|(_, task)| !task.is_finished()) {
            return;
        }
        let (tx, rx) = unbounded_channel();
        let task = tokio::spawn(run(name.to_owned(), server.clone(), rx, self.report.clone()));
        self.servers.insert(name.to_owned(), (tx, task));
    }

    /// Calls `tool` on `server`; the result comes as a report, whatever happens.
    pub fn call(
        &mut self,
        server: &str,
        id: CallId,
        tool: String,
        arguments: serde_json::Map<String, serde_json::Value>,
        timeout: Duration,
    ) {
        let sent = self
            .servers
            .get(server)
            .map(|(tx, _)| tx.send(Command::Call { id, tool, arguments, timeout }).is_ok());
        if sent != Some(true) {
            let result = ToolResult::new(
                Outcome::Error,
                format!("The tool's server `{server}` is not running, so the call was not made."),
            );
            (self.report)(Report::Result { id, result });
        }
    }

    /// Stops call `id` on `server`; the app already recorded it as cancelled.
    pub fn cancel(&mut self, server: &str, id: CallId) {
        if let Some((tx, _)) = self.servers.get(server) {
            let _ = tx.send(Command::Cancel { id });
        }
    }

    /// Ends every server (their processes are killed with what they started).
    pub fn stop_all(&mut self) {
        for (_, (_, task)) in self.servers.drain() {
            task.abort();
        }
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// One server's life: start, list, then serve calls until it ends or the hub lets go.
async fn run(
    name: String,
    server: McpServer,
    mut commands: tokio::sync::mpsc::UnboundedReceiver<Command>,
    report: Reporter,
) {
    let event = |event| Report::Server { name: name.clone(), event };
    let connection = match connect(&name, &server).await {
        Ok(connection) => connection,
        Err(why) => return report(event(ServerEvent::Failed(why))),
    };
    let tools = match connection.tools().await {
        Ok(tools) => tools,
        Err(why) => {
            connection.close().await;
            return report(event(ServerEvent::Failed(why)));
        }
    };
    tracing::info!(server = %name, tools = tools.len(), "MCP server ready");
    report(event(ServerEvent::Ready(tools)));
    let caller = connection.caller();
    let stop = connection.stopper();
    let mut closed = Box::pin(connection.closed());
    let mut calls: HashMap<CallId, JoinHandle<()>> = HashMap::new();
    loop {
        tokio::select! {
            why = &mut closed => {
                tracing::warn!(server = %name, %why, "MCP server stopped");
                for (id, task) in calls.drain() {
                    if !task.is_finished() {
                        task.abort();
                        let result = ToolResult::new(
                            Outcome::Error,
                            format!("The tool's server `{name}` stopped before it answered ({why})."),
                        );
                        report(Report::Result { id, result });
                    }
                }
                return report(event(ServerEvent::Stopped(why)));
            }
            command = commands.recv() => match command {
                // The hub let go: the app is closing.
                None => {
                    stop();
                    let _ = tokio::time::timeout(Duration::from_secs(3), closed).await;
                    return;
                }
                Some(Command::Call { id, tool, arguments, timeout }) => {
                    calls.retain(|_, task| !task.is_finished());
                    let (caller, report) = (caller.clone(), report.clone());
                    let task = tokio::spawn(async move {
                        let result = caller.call(&tool, arguments, timeout).await;
                        report(Report::Result { id, result });
                    });
                    calls.insert(id, task);
                }
                Some(Command::Cancel { id }) => {
                    // Dropping the request tells the server to cancel it.
                    if let Some(task) = calls.remove(&id) {
                        task.abort();
                    }
                }
            }
        }
    }
}

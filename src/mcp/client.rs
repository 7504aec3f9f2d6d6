//! One connection to one MCP server, through the official SDK (`rmcp`): start it (a child
//! process on stdin and stdout, or a streamable HTTP endpoint), list its tools, call one,
//! and learn when it ends and why.
//!
//! A child gets a new process group and is killed with everything it started when the
//! connection is dropped; it does not inherit rockchat's environment (API keys stay here),
//! only what a program needs to run ([`PASSED_ENV`]) and the table's `env`. Its stderr never
//! reaches the terminal: the last lines are kept to say why it failed. Every wait is
//! bounded: starting and listing by [`START_TIMEOUT`], a call by the caller's timeout.

use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::{CallToolRequestParams, ClientCapabilities, ClientConfig, Implementation};
use rmcp::service::{Peer, RoleClient, RunningService, ServiceExt};
use tokio::io::AsyncBufReadExt;

use crate::chat::tools::{Outcome, ToolResult, ToolSpec};
use crate::config::mcp::{McpServer, McpTransport};
use crate::sanitize::one_line;

/// Starting a server and listing its tools may take this long.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The variables a server inherits from rockchat's environment: what finding and running
/// a program needs, and nothing secret.
pub const PASSED_ENV: &[&str] =
    &["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "SHELL"];

/// Most tools kept from one server.
pub const MAX_TOOLS: usize = 128;
/// Longest description kept (sent to the model with every request).
pub const MAX_DESCRIPTION: usize = 4 * 1024;
/// Largest argument schema kept, as JSON text.
pub const MAX_SCHEMA: usize = 64 * 1024;
/// Longest result sent to the model and stored; the rest is cut with a note.
pub const MAX_RESULT: usize = 256 * 1024;
/// Stderr lines kept to explain a failure.
const STDERR_LINES: usize = 20;

type Service = RunningService<RoleClient, ClientConfig>;

/// A running server.
pub struct Connection {
    name: String,
    service: Service,
    stderr: Stderr,
}

/// A clonable handle that calls tools on a running server.
#[derive(Clone)]
pub struct Caller {
    server: String,
    peer: Peer<RoleClient>,
}

impl std::fmt::Debug for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller").field("server", &self.server).finish()
    }
}

/// The last lines a child wrote to stderr.
#[derive(Clone, Default)]
struct Stderr(Arc<Mutex<VecDeque<String>>>);

impl Stderr {
    fn push(&self, line: String) {
        if let Ok(mut lines) = self.0.lock() {
            if lines.len() == STDERR_LINES {
                lines.pop_front();
            }
            lines.push_back(line);
        }
    }

    /// The last non-empty line, as one safe line, to end an error message with.
    fn last(&self) -> Option<String> {
        let lines = self.0.lock().ok()?;
        let line = lines.iter().rev().find(|l| !l.trim().is_empty())?;
        Some(one_line(line, 200).into_owned())
    }
}

/// Starts `server` and initialises the session; why not, as a sentence.
pub async fn connect(name: &str, server: &McpServer) -> Result<Connection, String> {
    let stderr = Stderr::default();
    let client = ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new("rockchat", env!("CARGO_PKG_VERSION")),
    );
    let started = match &server.transport {
        McpTransport::Stdio { command, args, env } => {
            let mut command_line = tokio::process::Command::new(command);
            command_line.args(args).env_clear();
            for variable in PASSED_ENV {
                if let Some(value) = std::env::var_os(variable) {
                    command_line.env(variable, value);
                }
            }
            command_line.envs(env);
            let mut wrapped = process_wrap::tokio::CommandWrap::from(command_line);
            wrapped.wrap(process_wrap::tokio::ProcessGroup::leader());
            wrapped.wrap(process_wrap::tokio::KillOnDrop);
            let (transport, child_stderr) = rmcp::transport::TokioChildProcess::builder(wrapped)
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot start `{}`: {e}", one_line(command, 200)))?;
            if let Some(child_stderr) = child_stderr {
                let kept = stderr.clone();
                let server = name.to_owned();
                tokio::spawn(async move {
                    let mut lines = tokio::io::BufReader::new(child_stderr).lines();
                    while let Ok(Some(line)) = lines.next_line().await {
                        tracing::debug!(server = %server, "stderr: {}", one_line(&line, 500));
                        kept.push(line);
                    }
                });
            }
            tokio::time::timeout(START_TIMEOUT, client.serve(transport)).await
        }
        McpTransport::Http { url } => {
            let transport =
                rmcp::transport::StreamableHttpClientTransport::<reqwest::Client>::from_uri(
                    url.as_str(),
                );
            tokio::time::timeout(START_TIMEOUT, client.serve(transport)).await
        }
    };
    let why = |what: String| match stderr.last() {
        Some(line) => format!("{what}; it said: {line}"),
        None => what,
    };
    match started {
        Ok(Ok(service)) => Ok(Connection { name: name.to_owned(), service, stderr }),
        Ok(Err(error)) => Err(why(format!(
            "it did not start an MCP session ({})",
            one_line(&error.to_string(), 300)
        ))),
        Err(_) => Err(why(format!("it did not answer within {} s", START_TIMEOUT.as_secs()))),
    }
}

impl Connection {
    /// The server's tools as the model is offered them, bounded, named by this server.
    pub async fn tools(&self) -> Result<Vec<ToolSpec>, String> {
        let listed = tokio::time::timeout(START_TIMEOUT, self.service.peer().list_all_tools())
            .await
            .map_err(|_| format!("it did not list its tools within {} s", START_TIMEOUT.as_secs()))?
            .map_err(|e| {
                format!("it could not list its tools ({})", one_line(&e.to_string(), 300))
            })?;
        let mut tools = Vec::new();
        for tool in listed.into_iter().take(MAX_TOOLS) {
            let parameters = serde_json::Value::Object((*tool.input_schema).clone());
            if parameters.to_string().len() > MAX_SCHEMA {
                tracing::warn!(server = %self.name, tool = %tool.name, "schema too large; tool left out");
                continue;
            }
            let description = tool.description.as_deref().unwrap_or_default();
            tools.push(ToolSpec {
                name: tool.name.to_string(),
                description: capped(description, MAX_DESCRIPTION),
                parameters,
                server: self.name.clone(),
            });
        }
        Ok(tools)
    }

    pub fn caller(&self) -> Caller {
        Caller { server: self.name.clone(), peer: self.service.peer().clone() }
    }

    /// Waits until the session ends (the server exited or closed the connection), and says
    /// why as a sentence. Dropping the future leaves the server running.
    pub async fn closed(self) -> String {
        let stderr = self.stderr.clone();
        let _ = self.service.waiting().await;
        match stderr.last() {
            Some(line) => format!("it stopped; it said: {line}"),
            None => "it stopped".to_owned(),
        }
    }

    /// Ends the session and the server.
    pub async fn close(mut self) {
        let _ = self.service.close_with_timeout(Duration::from_secs(3)).await;
    }

    /// A token that ends the session from elsewhere (a task waiting in `closed`).
    pub fn stopper(&self) -> impl FnOnce() + Send + 'static {
        let token = self.service.cancellation_token();
        move || token.cancel()
    }
}

impl Caller {
    /// Calls `tool` with `arguments`; whatever happens, a result to send back: the tool's
    /// answer, its error, or why there is none (a timeout, a server gone).
    pub async fn call(
        &self,
        tool: &str,
        arguments: serde_json::Map<String, serde_json::Value>,
        timeout: Duration,
    ) -> ToolResult {
        let request = CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments);
        // Dropping the request on a timeout tells the server to cancel it.
        match tokio::time::timeout(timeout, self.peer.call_tool(request)).await {
            Err(_) => ToolResult::new(
                Outcome::TimedOut,
                format!(
                    "The tool did not answer within {} s and was cancelled.",
                    timeout.as_secs_f64()
                ),
            ),
            Ok(Err(rmcp::ServiceError::McpError(error))) => ToolResult::new(
                Outcome::Error,
                format!("The tool failed: {}", crate::sanitize::sanitize(&error.message)),
            ),
            Ok(Err(error)) => ToolResult::new(
                Outcome::Error,
                format!(
                    "The tool's server `{}` could not run it: {}",
                    self.server,
                    one_line(&error.to_string(), 300)
                ),
            ),
            Ok(Ok(result)) => super::result::text_of(result),
        }
    }
}

/// `text` cut to at most `max` bytes at a character boundary.
pub(super) fn capped(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

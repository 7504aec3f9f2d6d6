//! `[mcp.NAME]` tables and the tool settings around them: which MCP servers offer tools
//! (a program spoken to on its stdin and stdout, or a streamable HTTP endpoint), which of
//! their tools run without asking, how long a call may take, and how many rounds of calls
//! one prompt may lead to before the user is asked.
//!
//! It only reads: starting a server is `mcp`'s, deciding what runs is the app's.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::check::{ConfigError, Source};

/// Every tool setting, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tools {
    /// By name, as `[mcp.NAME]` names them.
    pub servers: BTreeMap<String, McpServer>,
    /// How long a call may run when its server sets no `timeout_secs`.
    pub timeout: Duration,
    /// Rounds of calls one prompt may lead to before the user is asked to go on.
    pub max_rounds: u32,
}

impl Default for Tools {
    fn default() -> Self {
        Self { servers: BTreeMap::new(), timeout: Duration::from_secs(60), max_rounds: 10 }
    }
}

/// One `[mcp.NAME]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McpServer {
    pub transport: McpTransport,
    /// Offered in new conversations (each conversation can turn it on or off).
    pub enabled: bool,
    /// Tools of this server that run without asking (read-only ones).
    pub auto_approve: Vec<String>,
    /// How long one call may run; the global `tool_timeout_secs` when not set.
    pub timeout: Option<Duration>,
}

/// How rockchat reaches a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum McpTransport {
    /// A program rockchat starts, speaking MCP on its stdin and stdout.
    Stdio { command: String, args: Vec<String>, env: BTreeMap<String, String> },
    /// A server already running, at a streamable HTTP endpoint.
    Http { url: String },
}

impl McpServer {
    /// The command line or URL, as the tools list shows it.
    pub fn describe(&self) -> String {
        match &self.transport {
            McpTransport::Stdio { command, args, .. } => std::iter::once(command.as_str())
                .chain(args.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(" "),
            McpTransport::Http { url } => crate::secret::redact_url_credentials(url).into_owned(),
        }
    }
}

/// `[mcp.NAME]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileMcp {
    command: Option<String>,
    args: Option<Vec<String>>,
    env: Option<BTreeMap<String, String>>,
    url: Option<Spanned<String>>,
    enabled: Option<bool>,
    auto_approve: Option<Vec<String>>,
    timeout_secs: Option<u64>,
}

/// Adds the file's `[mcp.*]` tables to `tools`, checking each; `header` is where each
/// table starts, for the error.
pub(super) fn merge(
    tools: &mut Tools,
    tables: BTreeMap<String, Spanned<FileMcp>>,
    source: &Source<'_>,
) -> Result<(), ConfigError> {
    for (name, table) in tables {
        let header = table.span().start;
        let file = table.into_inner();
        let command = file.command.filter(|c| !c.trim().is_empty());
        source.mcp_transport(&name, header, command.is_some(), file.url.as_ref())?;
        let transport = match (command, file.url) {
            (Some(command), _) => McpTransport::Stdio {
                command,
                args: file.args.unwrap_or_default(),
                env: file.env.unwrap_or_default(),
            },
            (None, Some(url)) => McpTransport::Http { url: url.into_inner() },
            // `mcp_transport` refused a table with neither.
            (None, None) => continue,
        };
        let server = McpServer {
            transport,
            enabled: file.enabled.unwrap_or(true),
            auto_approve: file.auto_approve.unwrap_or_default(),
            timeout: file.timeout_secs.map(|s| Duration::from_secs(s.max(1))),
        };
        tools.servers.insert(name, server);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::Config;

    use super::*;

    #[test]
    fn a_stdio_server_and_an_http_server_are_read_with_their_settings() {
        let text = r#"
tool_timeout_secs = 5
max_tool_rounds = 3

[mcp.arith]
command = "python3"
args = ["server.py"]
env = { MODE = "test" }
auto_approve = ["add"]

[mcp.web]
url = "http://127.0.0.1:9/mcp"
enabled = false
timeout_secs = 2
"#;
        let config = Config::from_toml(text, Path::new("c.toml")).unwrap();
        let tools = &config.tools;
        assert_eq!((tools.timeout, tools.max_rounds), (Duration::from_secs(5), 3));
        let arith = &tools.servers["arith"];
        assert_eq!(arith.describe(), "python3 server.py");
        assert!(arith.enabled);
        assert_eq!(arith.auto_approve, ["add"]);
        let web = &tools.servers["web"];
        assert_eq!(web.transport, McpTransport::Http { url: "http://127.0.0.1:9/mcp".into() });
        assert_eq!((web.enabled, web.timeout), (false, Some(Duration::from_secs(2))));
    }

    #[test]
    fn a_server_with_neither_command_nor_url_is_an_error_at_its_line() {
        let error = Config::from_toml("\n[mcp.x]\nargs = []\n", Path::new("c.toml")).unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("c.toml:2: mcp.x: "), "{text}");
        assert!(text.contains("command"), "{text}");
        let both = "[mcp.x]\ncommand = \"a\"\nurl = \"http://h/mcp\"\n";
        assert!(Config::from_toml(both, Path::new("c.toml")).is_err());
        let ftp = "[mcp.x]\nurl = \"ftp://h/mcp\"\n";
        let error = Config::from_toml(ftp, Path::new("c.toml")).unwrap_err().to_string();
        assert!(error.contains("mcp.x.url"), "{error}");
        let typo = "[mcp.x]\ncommand = \"a\"\nauto_aprove = []\n";
        assert!(
            Config::from_toml(typo, Path::new("c.toml"))
                .unwrap_err()
                .to_string()
                .contains("auto_aprove")
        );
    }
}

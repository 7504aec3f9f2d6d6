//! Tools from the command line: `rockchat tools` (start each configured MCP server, list its
//! tools, say which failed and why), and the calls of `rockchat ask`, which has no one to
//! ask: a call runs only with `--yes`, `--approve TOOL` or the server's `auto_approve`; any
//! other is refused (the model is told) and reported on stderr, as is every call that runs.
//!
//! Names, descriptions and reasons come from servers: each is printed as one safe line.

use std::io::Write;

use crate::chat::tools::{CallState, Outcome, ToolCall, ToolResult, ToolSpec};
use crate::config::cli::AskArgs;
use crate::config::settings::Settings;
use crate::mcp::{Caller, Connection, connect};
use crate::sanitize::one_line;

/// A running server: its name, a caller, and its tools.
pub type Running = (String, Caller, Vec<ToolSpec>);

/// Starts every enabled server at once; one that fails is reported on `err` and left out.
pub async fn connect_all(settings: &Settings, err: &mut (dyn Write + Send)) -> Vec<Running> {
    let enabled: Vec<_> = settings.tools.servers.iter().filter(|(_, s)| s.enabled).collect();
    let started = futures_util::future::join_all(enabled.iter().map(|(name, server)| async move {
        let connection = connect(name, server).await?;
        let tools = connection.tools().await?;
        Ok::<(Connection, Vec<ToolSpec>), String>((connection, tools))
    }))
    .await;
    let mut running = Vec::new();
    for ((name, _), started) in enabled.into_iter().zip(started) {
        match started {
            Ok((connection, tools)) => {
                let caller = connection.caller();
                // The connection lives as long as the process; its server dies with it.
                tokio::spawn(connection.closed());
                running.push((name.clone(), caller, tools));
            }
            Err(why) => {
                let _ = writeln!(
                    err,
                    "rockchat: tool server `{name}` did not start: {}; going on without it",
                    one_line(&why, 400)
                );
            }
        }
    }
    running
}

/// Runs or refuses each call, as the flags allow; every call comes back answered.
pub async fn run_calls(
    mut calls: Vec<ToolCall>,
    running: &[Running],
    settings: &Settings,
    args: &AskArgs,
    err: &mut (dyn Write + Send),
) -> Vec<ToolCall> {
    for call in &mut calls {
        let name = one_line(&call.name, 80).into_owned();
        let Some((server, caller, _)) =
            running.iter().find(|(_, _, tools)| tools.iter().any(|t| t.name == call.name))
        else {
            let _ = writeln!(err, "rockchat: the model called `{name}`, which no server offers");
            call.state = CallState::Done(ToolResult::new(
                Outcome::Unknown,
                format!("No tool named `{}` is available.", call.name),
            ));
            continue;
        };
        call.server = Some(server.clone());
        let arguments = match call.parsed_arguments() {
            Ok(arguments) => arguments,
            Err(why) => {
                let _ = writeln!(err, "rockchat: not running `{name}`: {why}");
                call.state = CallState::Done(ToolResult::new(
                    Outcome::Invalid,
                    format!("The call was not run: {why}. Call the tool again with a JSON object."),
                ));
                continue;
            }
        };
        let config = settings.tools.servers.get(server);
        let allowed = args.yes
            || args.approve.contains(&call.name)
            || config.is_some_and(|c| c.auto_approve.contains(&call.name));
        let shown = one_line(&call.arguments, 200);
        if !allowed {
            let _ = writeln!(
                err,
                "rockchat: refused a call to `{name}` on {server} with {shown}: run with --yes, or --approve {name}, to allow it"
            );
            call.state = CallState::Done(ToolResult::refused());
            continue;
        }
        let _ = writeln!(err, "rockchat: running `{name}` on {server} with {shown}");
        let timeout = config.and_then(|c| c.timeout).unwrap_or(settings.tools.timeout);
        let result = caller.call(&call.name, arguments, timeout).await;
        if result.outcome != Outcome::Ok {
            let _ = writeln!(
                err,
                "rockchat: `{name}` {}: {}",
                result.outcome.as_str(),
                one_line(&result.content, 300)
            );
        }
        call.state = CallState::Done(result);
    }
    calls
}

/// `rockchat tools`: each server, its status and its tools. False if one failed.
pub async fn list(settings: &Settings, out: &mut impl Write) -> anyhow::Result<bool> {
    if settings.tools.servers.is_empty() {
        writeln!(out, "no MCP servers: add an [mcp.NAME] table to the config")?;
        return Ok(true);
    }
    let servers: Vec<_> = settings.tools.servers.iter().collect();
    let started = futures_util::future::join_all(servers.iter().map(|(name, server)| async move {
        let connection = connect(name, server).await?;
        let tools = connection.tools().await;
        connection.close().await;
        tools
    }))
    .await;
    let mut all_ok = true;
    for ((name, server), started) in servers.into_iter().zip(started) {
        let off = if server.enabled { "" } else { " (off in new conversations)" };
        let how = one_line(&server.describe(), 200).into_owned();
        match started {
            Ok(tools) => {
                writeln!(out, "{name}  ready, {} tools{off}  {how}", tools.len())?;
                for tool in tools {
                    let auto = if server.auto_approve.contains(&tool.name) {
                        "  (runs without asking)"
                    } else {
                        ""
                    };
                    let first = tool.description.lines().next().unwrap_or_default();
                    writeln!(
                        out,
                        "  {}  {}{auto}",
                        one_line(&tool.name, 80),
                        one_line(first, 200)
                    )?;
                }
            }
            Err(why) => {
                all_ok = false;
                writeln!(out, "{name}  failed: {}  {how}", one_line(&why, 400))?;
            }
        }
    }
    Ok(all_ok)
}

//! The tool calls side table: each call a reply made, with its result, one row per call in
//! the reply's order. A reply's calls are rewritten whole when any of them changes (they
//! are few), and read back when a conversation opens. A call still waiting or running when
//! rockchat died comes back interrupted, with a result saying so, so every call a request
//! carries is answered.
//!
//! Text from a model or a server is sanitised before it is written (names on one line);
//! the arguments are kept as the model wrote them, since they are JSON the model reads.

use rusqlite::{Connection, params};

use super::StoredMessage;
use crate::chat::tools::{CallState, Outcome, ToolCall, ToolResult};
use crate::sanitize::{one_line, sanitize};

/// The `state` column: how the call stood, or its outcome once answered.
fn state_word(state: &CallState) -> &'static str {
    match state {
        CallState::Streaming => "streaming",
        CallState::Asked => "asked",
        CallState::Running => "running",
        CallState::Done(result) => result.outcome.as_str(),
    }
}

pub(super) fn replace(conn: &Connection, message: i64, calls: &[ToolCall]) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM tool_calls WHERE message_id = ?1", [message])?;
    let mut statement = conn.prepare_cached(
        "INSERT INTO tool_calls (message_id, position, call_id, name, server, arguments, state, result)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for (position, call) in calls.iter().enumerate() {
        statement.execute(params![
            message,
            position as i64,
            call.id,
            one_line(&call.name, crate::chat::tools::MAX_NAME),
            call.server.as_deref().map(|s| one_line(s, 200).into_owned()),
            call.arguments,
            state_word(&call.state),
            call.result().map(|r| sanitize(&r.content).into_owned()),
        ])?;
    }
    Ok(())
}

/// Which MCP servers the conversation uses.
pub(super) fn set_enabled(
    conn: &Connection,
    conversation: i64,
    enabled: &[String],
) -> rusqlite::Result<()> {
    let json = serde_json::to_string(enabled).unwrap_or_else(|_| "[]".into());
    conn.execute("UPDATE conversations SET tools = ?2 WHERE id = ?1", params![conversation, json])
        .map(drop)
}

/// Calls left waiting or running by a rockchat that died.
pub(super) fn recover_interrupted(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE tool_calls SET state = 'interrupted', result = ?1
         WHERE state IN ('streaming', 'asked', 'running')",
        [ToolResult::interrupted().content],
    )
}

/// Gives each loaded message its calls.
pub(super) fn fill(
    conn: &Connection,
    conversation: i64,
    from: i64,
    messages: &mut [StoredMessage],
) -> rusqlite::Result<()> {
    let mut statement = conn.prepare_cached(
        "SELECT t.message_id, t.call_id, t.name, t.server, t.arguments, t.state, t.result
         FROM tool_calls t JOIN messages m ON m.id = t.message_id
         WHERE m.conversation_id = ?1 AND m.id >= ?2 ORDER BY t.message_id, t.position",
    )?;
    let rows = statement.query_map([conversation, from], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            ToolCall {
                id: r.get(1)?,
                name: r.get(2)?,
                server: r.get(3)?,
                arguments: r.get(4)?,
                state: {
                    let word: String = r.get(5)?;
                    let result: Option<String> = r.get(6)?;
                    match Outcome::parse(&word) {
                        Some(outcome) => {
                            CallState::Done(ToolResult::new(outcome, result.unwrap_or_default()))
                        }
                        // Written while it waited or ran, and the writer's last word.
                        None => CallState::Done(ToolResult::interrupted()),
                    }
                },
            },
        ))
    })?;
    let index: std::collections::HashMap<i64, usize> =
        messages.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    for row in rows {
        let (message, call) = row?;
        if let Some(&i) = index.get(&message) {
            messages[i].tool_calls.push(call);
        }
    }
    Ok(())
}

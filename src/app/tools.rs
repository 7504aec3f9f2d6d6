//! Tools, as `update` sees them: the MCP servers and how each stands, which of them this
//! conversation uses, and the calls of a reply from the moment it ends to the next request.
//!
//! The user stays in control. Each call is shown with its tool, server and arguments and
//! runs only once allowed: `y` once, `a` always for this tool in this conversation, `n`
//! refuses (the model is told). A server's `auto_approve` tools run without asking. A call
//! to a tool no enabled server offers, or with arguments that are not a JSON object, is
//! answered at once with why. When every call has its result the history goes back to the
//! model, for at most `max_rounds` rounds per prompt; then the user is asked. Esc stops the
//! calls (a running one is cancelled) and the turn. Every change of a call is saved.
//!
//! Pure, like `update`: servers start and calls run in the driver (`Effect::StartToolServer`,
//! `Effect::CallTool`), and come back as `Msg::ToolServer` and `Msg::ToolResult`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::msg::Effect;
use super::state::{Popup, State};
use super::turn;
use crate::chat::Status;
use crate::chat::tools::{CallState, Outcome, ToolResult, ToolSpec};
use crate::config::mcp::Tools as ToolConfig;
use crate::mcp::{CallId, ServerEvent};
use crate::store::writer::StoreCmd;

/// How one server stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Server {
    /// Not started (nothing has wanted it yet).
    Off,
    Starting,
    Ready(Vec<ToolSpec>),
    /// It could not start, or it stopped: why.
    Failed(String),
}

/// The tools side of the app.
#[derive(Debug, Clone, Default)]
pub struct Tools {
    pub config: ToolConfig,
    /// Every configured server's state, by name.
    pub servers: BTreeMap<String, Server>,
    /// The servers this conversation uses.
    pub enabled: BTreeSet<String>,
    /// Tools the user allowed for the rest of this conversation (`a`).
    pub always: BTreeSet<String>,
    /// The calls of the reply being dealt with, if any.
    pub turn: Option<Turn>,
    /// Hands out call ids.
    pub next_call: CallId,
    /// Providers and models that refused `tools`: not offered again this session.
    pub refused_by: BTreeSet<(String, String)>,
    /// The request that offered tools, to know what a refusal was about.
    pub offered_in: Option<super::msg::RequestId>,
    /// Rounds of calls behind the request in flight, since the user's prompt.
    pub round: u32,
}

/// The calls of one reply, from its end to the next request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// The reply holding the calls.
    pub reply: usize,
    /// Running calls: id to position in the reply's calls.
    pub running: HashMap<CallId, usize>,
    /// Rounds of calls since the user's prompt.
    pub round: u32,
    /// All calls answered and the round limit reached: the user decides whether to go on.
    pub asking_more: bool,
}

impl Tools {
    pub fn new(config: ToolConfig) -> Self {
        let servers = config.servers.keys().map(|name| (name.clone(), Server::Off)).collect();
        let enabled =
            config.servers.iter().filter(|(_, s)| s.enabled).map(|(n, _)| n.clone()).collect();
        Self { config, servers, enabled, next_call: 1, ..Self::default() }
    }

    /// The tools offered to the model: every ready, enabled server's, the first server (by
    /// name) winning a name two offer.
    pub fn offered(&self) -> Vec<ToolSpec> {
        let mut seen = BTreeSet::new();
        let mut offered = Vec::new();
        for (name, server) in &self.servers {
            let Server::Ready(tools) = server else { continue };
            if !self.enabled.contains(name) {
                continue;
            }
            for tool in tools {
                if seen.insert(tool.name.clone()) {
                    offered.push(tool.clone());
                }
            }
        }
        offered
    }

    /// True while a call runs: the spinner turns.
    pub fn is_running(&self) -> bool {
        self.turn.as_ref().is_some_and(|turn| !turn.running.is_empty())
    }

    /// True while calls wait for the user or run, or the round limit asks.
    pub fn is_busy(&self) -> bool {
        self.turn.is_some()
    }

    /// The conversation changed: its own choice of servers (or the config's), nothing
    /// allowed yet.
    pub fn reset_for_conversation(&mut self, enabled: Option<BTreeSet<String>>) {
        self.enabled = enabled.unwrap_or_else(|| {
            self.config.servers.iter().filter(|(_, s)| s.enabled).map(|(n, _)| n.clone()).collect()
        });
        self.enabled.retain(|name| self.servers.contains_key(name));
        self.always.clear();
        self.turn = None;
    }
}

/// The first frame is on screen (or a conversation opened): start the servers it uses.
pub fn start_wanted(state: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    for name in state.tools.enabled.clone() {
        if let Some(server) = state.tools.servers.get_mut(&name)
            && *server == Server::Off
            && let Some(spec) = state.tools.config.servers.get(&name)
        {
            *server = Server::Starting;
            effects.push(Effect::StartToolServer { name, server: spec.clone() });
        }
    }
    effects
}

/// A server started, failed or stopped.
pub fn on_server(state: &mut State, name: String, event: ServerEvent) -> Vec<Effect> {
    let Some(server) = state.tools.servers.get_mut(&name) else { return Vec::new() };
    match event {
        ServerEvent::Ready(tools) => *server = Server::Ready(tools),
        ServerEvent::Failed(why) => {
            state.notice = Some(format!(
                "tool server `{name}` did not start: {why}; the chat goes on without it"
            ));
            *server = Server::Failed(why);
        }
        ServerEvent::Stopped(why) => {
            state.notice =
                Some(format!("tool server `{name}` stopped: {why}; the chat goes on without it"));
            *server = Server::Failed(why);
        }
    }
    Vec::new()
}

/// A reply ended; if it called tools, deal with its calls.
pub fn after_reply(state: &mut State, reply: usize, round: u32) -> Vec<Effect> {
    let Some(message) = state.conversation.messages().get(reply) else { return Vec::new() };
    if message.tool_calls.is_empty() {
        return Vec::new();
    }
    let finished = message.status == Status::Complete;
    let offered = state.tools.offered();
    let Some(message) = state.conversation.edit(reply) else { return Vec::new() };
    let mut effects = Vec::new();
    let mut running = HashMap::new();
    for (position, call) in message.tool_calls.iter_mut().enumerate() {
        if call.is_done() {
            continue;
        }
        if !finished {
            // A reply stopped or broken off: its calls may be incomplete and are not run.
            call.state = CallState::Done(ToolResult::new(
                Outcome::Cancelled,
                "The reply was interrupted before this call could run.",
            ));
            continue;
        }
        let Some(tool) = offered.iter().find(|t| t.name == call.name) else {
            let names: Vec<&str> = offered.iter().map(|t| t.name.as_str()).collect();
            call.state = CallState::Done(ToolResult::new(
                Outcome::Unknown,
                format!(
                    "No tool named `{}` is available. Available tools: {}.",
                    call.name,
                    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
                ),
            ));
            continue;
        };
        call.server = Some(tool.server.clone());
        let arguments = match call.parsed_arguments() {
            Ok(arguments) => arguments,
            Err(why) => {
                call.state = CallState::Done(ToolResult::new(
                    Outcome::Invalid,
                    format!("The call was not run: {why}. Call the tool again with a JSON object."),
                ));
                continue;
            }
        };
        let allowed = state.tools.always.contains(&call.name)
            || state
                .tools
                .config
                .servers
                .get(&tool.server)
                .is_some_and(|s| s.auto_approve.contains(&call.name));
        if allowed {
            let id = state.tools.next_call;
            state.tools.next_call += 1;
            call.state = CallState::Running;
            running.insert(id, position);
            effects.push(call_effect(&state.tools.config, id, &tool.server, &call.name, arguments));
        } else {
            call.state = CallState::Asked;
        }
    }
    effects.push(Effect::Store(save_calls(message)));
    state.tools.turn = Some(Turn { reply, running, round, asking_more: false });
    if !finished {
        state.tools.turn = None;
        return effects;
    }
    effects.extend(advance(state));
    effects
}

fn call_effect(
    config: &ToolConfig,
    id: CallId,
    server: &str,
    tool: &str,
    arguments: serde_json::Map<String, serde_json::Value>,
) -> Effect {
    let timeout = config.servers.get(server).and_then(|s| s.timeout).unwrap_or(config.timeout);
    Effect::CallTool { id, server: server.to_owned(), tool: tool.to_owned(), arguments, timeout }
}

fn save_calls(message: &crate::chat::Message) -> StoreCmd {
    StoreCmd::SetToolCalls { message: message.key, calls: message.tool_calls.clone() }
}

/// The call the user is being asked about: the first one waiting.
pub fn asked(state: &State) -> Option<(usize, &crate::chat::tools::ToolCall)> {
    let turn = state.tools.turn.as_ref()?;
    let message = state.conversation.messages().get(turn.reply)?;
    message.tool_calls.iter().enumerate().find(|(_, c)| c.state == CallState::Asked)
}

/// Goes on when nothing waits: the next request, or the question past the round limit.
fn advance(state: &mut State) -> Vec<Effect> {
    let Some(turn) = &mut state.tools.turn else { return Vec::new() };
    let Some(message) = state.conversation.messages().get(turn.reply) else {
        state.tools.turn = None;
        return Vec::new();
    };
    if !message.tool_calls.iter().all(|c| c.is_done()) {
        return Vec::new();
    }
    if turn.round + 1 >= state.tools.config.max_rounds {
        turn.asking_more = true;
        return Vec::new();
    }
    next_request(state)
}

fn next_request(state: &mut State) -> Vec<Effect> {
    let Some(turn) = state.tools.turn.take() else { return Vec::new() };
    state.tools.round = turn.round + 1;
    turn::start_request(state, turn.reply, 0)
}

/// A result came back.
pub fn on_result(state: &mut State, id: CallId, result: ToolResult) -> Vec<Effect> {
    let Some(turn) = &mut state.tools.turn else { return Vec::new() };
    let Some(position) = turn.running.remove(&id) else { return Vec::new() };
    let reply = turn.reply;
    let Some(message) = state.conversation.edit(reply) else { return Vec::new() };
    let Some(call) = message.tool_calls.get_mut(position) else { return Vec::new() };
    call.state = CallState::Done(result);
    let mut effects = vec![Effect::Store(save_calls(message))];
    effects.extend(advance(state));
    effects
}

/// A key while calls wait or run; `None` lets it through to the usual handling.
pub fn on_key(state: &mut State, key: &KeyEvent) -> Option<Vec<Effect>> {
    let turn = state.tools.turn.as_ref()?;
    if key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
        return None;
    }
    if turn.asking_more {
        return match key.code {
            KeyCode::Char('y') => Some(next_request(state)),
            KeyCode::Char('n') | KeyCode::Esc => {
                state.tools.turn = None;
                state.notice =
                    Some("stopped: the results are kept; your next message goes on".into());
                Some(Vec::new())
            }
            KeyCode::Char(_) => Some(Vec::new()),
            _ => None,
        };
    }
    if key.code == KeyCode::Esc {
        return Some(stop(state));
    }
    let (position, call) = asked(state)?;
    let name = call.name.clone();
    match key.code {
        KeyCode::Char('y') => Some(allow(state, vec![position])),
        KeyCode::Char('a') => {
            state.tools.always.insert(name.clone());
            let reply = state.tools.turn.as_ref().map_or(0, |t| t.reply);
            let same: Vec<usize> = state
                .conversation
                .messages()
                .get(reply)
                .map(|m| {
                    m.tool_calls
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| c.state == CallState::Asked && c.name == name)
                        .map(|(i, _)| i)
                        .collect()
                })
                .unwrap_or_default();
            Some(allow(state, same))
        }
        KeyCode::Char('n') => {
            let reply = state.tools.turn.as_ref().map_or(0, |t| t.reply);
            let Some(message) = state.conversation.edit(reply) else { return Some(Vec::new()) };
            if let Some(call) = message.tool_calls.get_mut(position) {
                call.state = CallState::Done(ToolResult::refused());
            }
            let mut effects = vec![Effect::Store(save_calls(message))];
            effects.extend(advance(state));
            Some(effects)
        }
        // Letters would only be lost in a draft that cannot be sent now.
        KeyCode::Char(_) => {
            state.notice =
                Some("answer the tool call: y runs it · a always · n refuses · Esc stops".into());
            Some(Vec::new())
        }
        _ => None,
    }
}

/// Runs the calls at `positions` of the turn's reply.
fn allow(state: &mut State, positions: Vec<usize>) -> Vec<Effect> {
    let Some(turn) = &mut state.tools.turn else { return Vec::new() };
    let reply = turn.reply;
    let Some(message) = state.conversation.edit(reply) else { return Vec::new() };
    let mut effects = Vec::new();
    for position in positions {
        let Some(call) = message.tool_calls.get_mut(position) else { continue };
        let (Some(server), Ok(arguments)) = (call.server.clone(), call.parsed_arguments()) else {
            continue;
        };
        let id = state.tools.next_call;
        state.tools.next_call += 1;
        call.state = CallState::Running;
        turn.running.insert(id, position);
        effects.push(call_effect(&state.tools.config, id, &server, &call.name, arguments));
    }
    effects.push(Effect::Store(save_calls(message)));
    effects
}

/// Esc: calls still waiting are not run, running ones are cancelled; no request follows.
pub fn stop(state: &mut State) -> Vec<Effect> {
    let Some(turn) = state.tools.turn.take() else { return Vec::new() };
    let Some(message) = state.conversation.edit(turn.reply) else { return Vec::new() };
    let mut effects = Vec::new();
    for (id, position) in turn.running {
        if let Some(call) = message.tool_calls.get_mut(position) {
            if let Some(server) = &call.server {
                effects.push(Effect::CancelToolCall { id, server: server.clone() });
            }
            call.state = CallState::Done(ToolResult::cancelled());
        }
    }
    for call in &mut message.tool_calls {
        if !call.is_done() {
            call.state = CallState::Done(ToolResult::new(
                Outcome::Cancelled,
                "The user stopped the turn before this call ran.",
            ));
        }
    }
    effects.push(Effect::Store(save_calls(message)));
    state.notice = Some("tool calls stopped: what ran is kept; your next message goes on".into());
    effects
}

/// F7: the servers, their tools and status; Space turns one on or off for this chat.
pub fn open(state: &mut State) -> Vec<Effect> {
    state.popup = Some(Popup::Tools(ToolsPopup::default()));
    Vec::new()
}

/// The tools popup's cursor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ToolsPopup {
    pub selected: usize,
}

pub fn on_popup_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(Popup::Tools(popup)) = &mut state.popup else { return Vec::new() };
    let count = state.tools.servers.len();
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => popup.selected = popup.selected.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => {
            popup.selected = (popup.selected + 1).min(count.saturating_sub(1));
        }
        KeyCode::Char(' ') | KeyCode::Enter => {
            let selected = popup.selected;
            let Some(name) = state.tools.servers.keys().nth(selected).cloned() else {
                return Vec::new();
            };
            let mut effects = Vec::new();
            if state.tools.enabled.remove(&name) {
                state.notice = Some(format!("tool server `{name}` off for this conversation"));
            } else {
                state.tools.enabled.insert(name.clone());
                if matches!(state.tools.servers.get(&name), Some(Server::Failed(_))) {
                    // Turned on again after a failure: try once more.
                    state.tools.servers.insert(name.clone(), Server::Off);
                }
                state.notice = Some(format!("tool server `{name}` on for this conversation"));
                effects.extend(start_wanted(state));
            }
            if state.conversation.saved {
                effects.push(Effect::Store(StoreCmd::SetTools {
                    conversation: state.conversation.key,
                    enabled: state.tools.enabled.iter().cloned().collect(),
                }));
            }
            return effects;
        }
        _ => state.popup = None,
    }
    Vec::new()
}

/// The request for a prompt carries these tools, unless the provider refused them.
pub fn for_request(state: &State) -> Vec<ToolSpec> {
    let target = (state.target.provider.clone(), state.target.model.clone());
    if state.tools.refused_by.contains(&target) {
        return Vec::new();
    }
    state.tools.offered()
}

/// The server refused the request that offered tools (an error naming them: llama-server
/// without `--jinja` answers 500 "tools param requires --jinja flag"): remember that this
/// model takes none, say so, and ask again without them, before any retry. `None` when it
/// was not that.
pub fn refused(state: &mut State, error: &crate::api::ApiError) -> Option<Vec<Effect>> {
    let message = error.refusing_tools()?;
    if state.stream.id().is_none() || state.stream.id() != state.tools.offered_in {
        return None;
    }
    let super::state::Stream::Waiting { user_index, attempt, .. } = state.stream else {
        return None;
    };
    state.tools.refused_by.insert((state.target.provider.clone(), state.target.model.clone()));
    state.notice = Some(format!(
        "{} does not take tools ({}): going on without them",
        state.target.model,
        crate::sanitize::one_line(message, 120)
    ));
    Some(turn::start_request(state, user_index, attempt))
}

/// The message the popup lists a server with: its status in words.
pub fn status_words(server: &Server) -> String {
    match server {
        Server::Off => "not started".into(),
        Server::Starting => "starting…".into(),
        Server::Ready(tools) => {
            format!("ready · {} tool{}", tools.len(), if tools.len() == 1 { "" } else { "s" })
        }
        Server::Failed(why) => format!("failed: {why}"),
    }
}

/// A stored conversation's choice of servers (a JSON list), or the config's when it made
/// none; what it allowed with `a` is not kept.
pub fn restore_enabled(state: &mut State, stored: Option<&str>) {
    let enabled = stored.and_then(|json| serde_json::from_str::<Vec<String>>(json).ok());
    state.tools.reset_for_conversation(enabled.map(|names| names.into_iter().collect()));
}

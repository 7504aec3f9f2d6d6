//! The driver: the one event loop. It owns the terminal, the channel from background tasks
//! and the running requests; it feeds every input to `update`, carries out the effects, and
//! draws at most once per frame interval, only after something changed. While `$EDITOR` or
//! `$PAGER` has the terminal it reads no keys and draws nothing, but still handles every
//! message, so a reply streams on (and its idle timeout never fires because of an editor). It holds one HTTP
//! client per provider, so a conversation can switch provider between two requests. The
//! hooks into the real terminal, and the effects that hand it to other programs, are `host`'s.
//!
//! It is generic over the backend and the input stream so tests drive it with `TestBackend`
//! and their own events against a real server.

use std::collections::HashMap;
use std::io;
use std::time::Duration;

use crossterm::event::Event;
use futures_util::{Stream as FuturesStream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior, interval, sleep_until};

use crate::api::{ApiClient, ApiError};
use crate::app::msg::{ApiEvent, Effect, Msg, RequestId};
use crate::app::state::State;
use crate::app::update::update;
use crate::store::Store;
use crate::store::writer::{StoreCmd, Writer};
use crate::ui::Screen;

use super::host::{Host, MouseSwitch, Program};
use super::programs::Running;

/// Deltas arriving faster than this are coalesced into one frame.
const FRAME: Duration = Duration::from_millis(16);
/// Spinner and tok/s refresh while a request is in flight.
const TICK: Duration = Duration::from_millis(120);
/// At most this many queued messages per batch, so input is never starved by a flood.
const MAX_BATCH: usize = 4096;

pub struct App<B: Backend> {
    /// Changed only by `update`, fed every message.
    state: State,
    terminal: Terminal<B>,
    /// By provider name; each knows its base URL, key, headers and params.
    clients: HashMap<String, ApiClient>,
    tx: UnboundedSender<Msg>,
    rx: UnboundedReceiver<Msg>,
    requests: HashMap<RequestId, JoinHandle<()>>,
    /// Model list fetches under way, by provider; stopped when the picker closes.
    fetches: HashMap<String, JoinHandle<()>>,
    mouse_switch: MouseSwitch,
    last_draw: Option<Instant>,
    dirty: bool,
    /// The layout caches and theme the frames are drawn with.
    screen: Screen,
    writer: Option<Writer>,
    host: Host,
    /// The program (`$EDITOR`, `$PAGER`) that has the terminal: until it exits no key is
    /// read and nothing is drawn, while messages (the stream, the store) are still handled.
    away: Option<(Program, Running)>,
    /// The MCP servers, one task each; their reports come back as messages.
    hub: crate::mcp::Hub,
    /// `Msg::Start` was sent (`run_until` may be called more than once).
    started: bool,
    /// Whether `Msg::Started` went out (after the first frame).
    tools_started: bool,
    /// Inline mode: where the live part sits on the main screen; `None` in full-screen mode.
    inline: Option<super::inline::Inline>,
}

impl<B: super::print::Scrollback> App<B>
where
    B::Error: Send + Sync + 'static,
{
    pub fn new(
        state: State,
        terminal: Terminal<B>,
        client: ApiClient,
        mouse_switch: MouseSwitch,
    ) -> Self {
        let (tx, rx) = unbounded_channel();
        let clients = HashMap::from([(state.target.provider.clone(), client)]);
        let reports = tx.clone();
        let hub = crate::mcp::Hub::new(move |report| {
            let msg = match report {
                crate::mcp::Report::Server { name, event } => Msg::ToolServer { name, event },
                crate::mcp::Report::Result { id, result } => Msg::ToolResult { id, result },
            };
            // The receiver is gone only when the app is shutting down.
            let _ = reports.send(msg);
        });
        Self {
            state,
            terminal,
            clients,
            tx,
            rx,
            requests: HashMap::new(),
            fetches: HashMap::new(),
            mouse_switch,
            last_draw: None,
            dirty: true,
            screen: Screen::default(),
            writer: None,
            host: Host::default(),
            away: None,
            hub,
            tools_started: false,
            started: false,
            inline: None,
        }
    }

    /// Inline mode from now on: no alternate screen, finished messages go into the
    /// terminal's scrollback. Starts under the terminal's cursor.
    pub fn set_inline(&mut self) -> io::Result<()> {
        self.inline = Some(super::inline::Inline::start(&mut self.terminal)?);
        Ok(())
    }

    /// Inline mode's last act: what is not printed yet goes into the scrollback and the live
    /// part is cleared, so the conversation stays in the terminal.
    pub fn finish_inline(&mut self) -> io::Result<()> {
        let Some(inline) = &mut self.inline else { return Ok(()) };
        inline.finish(&mut self.terminal, &mut self.screen, &self.state, &mut self.host.raw)
    }

    /// Frames are drawn with this screen (its theme) from now on.
    pub fn set_screen(&mut self, screen: Screen) {
        self.screen = screen;
    }

    /// Another provider the conversation may switch to.
    pub fn add_client(&mut self, provider: String, client: ApiClient) {
        self.clients.insert(provider, client);
    }

    /// The client for `provider`, or the error a request to it ends with.
    fn client(&self, provider: &str) -> Result<ApiClient, ApiError> {
        self.clients.get(provider).cloned().ok_or_else(|| ApiError::Protocol {
            message: format!("provider `{provider}` is not in the config"),
        })
    }

    /// The real terminal's hooks (tests keep the no-op default or record with their own).
    pub fn set_host(&mut self, host: Host) {
        self.host = host;
    }

    /// Saves from now on go to `store`, through its own writer thread; a failed write
    /// comes back as a notice.
    pub fn attach_store(&mut self, store: Store) -> io::Result<()> {
        let tx = self.tx.clone();
        let writer = Writer::spawn(store, move |event| {
            let _ = tx.send(Msg::Stored(event));
        })?;
        self.writer = Some(writer);
        Ok(())
    }

    /// Tells the store what an already-loaded conversation's keys stand for.
    pub fn save(&mut self, command: StoreCmd) {
        if let Some(writer) = &self.writer {
            writer.send(command);
        }
    }

    /// Ends the app: everything still queued for the store is written first; what could
    /// not be (the disk still full) comes back, for the caller to show.
    pub fn finish(mut self) -> Option<crate::store::writer::Unwritten> {
        self.stop_tasks();
        self.writer.take().and_then(|writer| writer.close().err())
    }

    /// A sender for messages from outside the loop (signals).
    pub fn sender(&self) -> UnboundedSender<Msg> {
        self.tx.clone()
    }

    pub fn terminal(&self) -> &Terminal<B> {
        &self.terminal
    }

    /// The state as the last message left it (for tests and diagnostics; never mutable).
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The terminal itself, for tests that resize it.
    pub fn terminal_mut(&mut self) -> &mut Terminal<B> {
        &mut self.terminal
    }

    /// Runs until the user quits or the input ends.
    pub async fn run<S>(&mut self, input: &mut S) -> io::Result<()>
    where
        S: FuturesStream<Item = io::Result<Event>> + Unpin,
    {
        let result = self.run_until(input, |state| state.quitting).await;
        // Quitting (SIGTERM) while the editor is open: it is killed before the terminal
        // is restored under it.
        self.away = None;
        result
    }

    /// Runs until `done` holds for the state (checked after every batch), the user quits,
    /// or the input ends. Tests use it to wait for "the reply finished".
    pub async fn run_until<S>(
        &mut self,
        input: &mut S,
        done: impl Fn(&State) -> bool,
    ) -> io::Result<()>
    where
        S: FuturesStream<Item = io::Result<Event>> + Unpin,
    {
        let size = self.terminal.size().map_err(io::Error::other)?;
        if !self.started {
            self.started = true;
            self.dispatch(Msg::Start)?;
        }
        self.dispatch(Msg::Resize(size.width, size.height))?;
        self.draw()?;
        if !self.tools_started {
            // Tool servers start now, never before the first frame.
            self.tools_started = true;
            self.dispatch(Msg::Started)?;
        }
        let mut tick = interval(TICK);
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut input_open = true;
        while !done(&self.state) && !self.state.quitting {
            let here = self.away.is_none();
            let draw_at = (self.dirty && here).then(|| self.next_frame());
            let msg = tokio::select! {
                biased;
                // While a program has the terminal its keys are its own: none is read here.
                event = input.next(), if input_open && here => match event {
                    Some(Ok(event)) => match to_msg(event) {
                        Some(msg) => msg,
                        None => continue,
                    },
                    Some(Err(error)) => return Err(error),
                    None => {
                        input_open = false;
                        continue;
                    }
                },
                result = program_exit(&mut self.away), if !here => {
                    self.come_back(result)?;
                    continue;
                }
                Some(msg) = self.rx.recv() => msg,
                _ = sleep_until(draw_at.unwrap_or_else(Instant::now)), if draw_at.is_some() => {
                    self.draw()?;
                    continue;
                }
                now = tick.tick(), if self.state.is_animating() => Msg::Tick(now.into_std()),
            };
            self.dispatch(msg)?;
            for _ in 0..MAX_BATCH {
                match self.rx.try_recv() {
                    Ok(msg) => self.dispatch(msg)?,
                    Err(_) => break,
                }
            }
            self.dirty = true;
            if self.away.is_none() && Instant::now() >= self.next_frame() {
                self.draw()?;
            }
        }
        if self.dirty && self.away.is_none() {
            self.draw()?;
        }
        Ok(())
    }

    /// Hands the terminal to `program` on `text`; its result comes back as a message once
    /// it exits (see `come_back`), and the loop goes on meanwhile.
    fn hand_over(&mut self, program: Program, text: &str) -> io::Result<()> {
        if self.away.is_some() {
            // Keys are not read while a program runs, so nothing asks for a second one.
            return Ok(());
        }
        if let Some(inline) = &mut self.inline {
            inline.release(&mut self.terminal, &mut self.host.raw)?;
        }
        match self.host.hand_over(program, text, self.state.mouse)? {
            Ok(running) => self.away = Some((program, running)),
            Err(why) => {
                if let Some(inline) = &mut self.inline {
                    inline.reclaim(&mut self.terminal, None)?;
                }
                self.repaint();
                self.dispatch(program_failed(program, why))?;
            }
        }
        Ok(())
    }

    /// The program that had the terminal exited: take the terminal back, repaint it whole at
    /// its size now (it may have been resized meanwhile), and report what the program did.
    fn come_back(&mut self, exit: Result<(), String>) -> io::Result<()> {
        let Some((program, running)) = self.away.take() else { return Ok(()) };
        self.host.take_back(self.state.mouse)?;
        if let Some(inline) = &mut self.inline {
            inline.reclaim(&mut self.terminal, None)?;
        }
        self.repaint();
        let size = self.terminal.size().map_err(io::Error::other)?;
        self.dispatch(Msg::Resize(size.width, size.height))?;
        let msg = match (program, exit) {
            (Program::Editor, exit) => match exit.and_then(|()| running.text()) {
                Ok(text) => Msg::Composed(Ok(text)),
                Err(why) => program_failed(program, why),
            },
            (Program::Pager, Ok(())) => return Ok(()),
            (Program::Pager, Err(why)) => program_failed(program, why),
        };
        self.dispatch(msg)
    }

    /// Feeds one message to `update` and carries out its effects.
    pub fn dispatch(&mut self, msg: Msg) -> io::Result<()> {
        match &msg {
            Msg::Api { id, event: ApiEvent::Done, .. } => {
                tracing::info!(id, "request finished");
                self.requests.remove(id);
            }
            Msg::Api { id, event: ApiEvent::Failed(error), .. } => {
                // The client already redacted the key from every error.
                tracing::warn!(id, %error, "request failed");
                self.requests.remove(id);
            }
            Msg::ModelsListed { provider, .. } => {
                self.fetches.remove(provider);
            }
            _ => {}
        }
        for effect in update(&mut self.state, msg) {
            self.execute(effect)?;
        }
        Ok(())
    }

    fn execute(&mut self, effect: Effect) -> io::Result<()> {
        match effect {
            Effect::StartRequest { id, provider, model, messages, params, tools } => {
                tracing::info!(id, %provider, %model, messages = messages.len(), "request started");
                let client = self.client(&provider);
                let tx = self.tx.clone();
                let task = tokio::spawn(async move {
                    let send = |event: ApiEvent| {
                        // The receiver is gone only when the app is shutting down.
                        let _ = tx.send(Msg::Api { id, event, at: Instant::now().into_std() });
                    };
                    let result = match client {
                        Ok(client) => {
                            let request = client
                                .chat_request(&model, messages, true)
                                .with_params(&params)
                                .with_tools(tools);
                            client.stream(&request, |event| send(ApiEvent::Stream(event))).await
                        }
                        Err(error) => Err(error),
                    };
                    send(match result {
                        Ok(()) => ApiEvent::Done,
                        Err(error) => ApiEvent::Failed(error),
                    });
                });
                self.requests.insert(id, task);
            }
            Effect::WakeAt { id, at } => {
                let tx = self.tx.clone();
                let at = Instant::from_std(at);
                let task = tokio::spawn(async move {
                    sleep_until(at).await;
                    let _ = tx.send(Msg::RetryDue { id });
                });
                self.requests.insert(id, task);
            }
            Effect::CancelRequest { id } => {
                tracing::info!(id, "request cancelled");
                if let Some(task) = self.requests.remove(&id) {
                    task.abort();
                }
            }
            Effect::SetMouseCapture(on) => (self.mouse_switch)(on)?,
            Effect::Suspend => {
                if let Some(inline) = &mut self.inline {
                    inline.release(&mut self.terminal, &mut self.host.raw)?;
                }
                let stopped = self.host.suspend(self.state.mouse)?;
                if let Some(inline) = &mut self.inline {
                    let cursor = (self.host.cursor)();
                    inline.reclaim(&mut self.terminal, Some(cursor))?;
                }
                self.repaint();
                if let Err(why) = stopped {
                    let _ = self.tx.send(Msg::SuspendFailed(why));
                }
            }
            Effect::Store(command) => self.save(command),
            Effect::AddServer { provider, base_url } => {
                let shared = self.clients.values().next().cloned();
                if let (false, Some(shared)) = (self.clients.contains_key(&provider), shared) {
                    self.clients.insert(provider.clone(), shared.at_url(&provider, &base_url));
                }
            }
            Effect::FetchModels { provider } => {
                let client = self.client(&provider);
                let tx = self.tx.clone();
                let name = provider.clone();
                let task = tokio::spawn(async move {
                    let result = match client {
                        Ok(client) => client.list_models().await,
                        Err(error) => Err(error),
                    };
                    let _ = tx.send(Msg::ModelsListed { provider, result });
                });
                if let Some(older) = self.fetches.insert(name, task) {
                    older.abort();
                }
            }
            Effect::StopModelFetches => {
                // Dropping a fetch closes its connection and stops a key command it ran.
                for (_, task) in self.fetches.drain() {
                    task.abort();
                }
            }

            Effect::AskServer { provider, model } => {
                let client = self.client(&provider);
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result = match client {
                        Ok(client) => {
                            crate::api::facts::ModelServer::new(&client).server_facts(&model).await
                        }
                        Err(error) => Err(error),
                    };
                    let _ = tx.send(Msg::ServerFacts { provider, model, result });
                });
            }
            Effect::CountTokens { provider, model, tokenizer, items, template } => {
                let Ok(client) = self.client(&provider) else { return Ok(()) };
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let counts = count_tokens(&client, tokenizer, &model, items, template).await;
                    let target = crate::app::state::Target { provider, model };
                    let _ = tx.send(Msg::Counted { target, counts });
                });
            }
            Effect::LoadFile { path, paste, counter, window } => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let result = crate::files::attach(&path, counter, window);
                    let _ = tx.send(Msg::Attached { result, paste });
                });
            }
            Effect::CompletePath { typed } => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let found = crate::files::complete(&typed);
                    let _ = tx.send(Msg::PathsFound { typed, found });
                });
            }
            Effect::ReadSchema { path } => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let _ = tx.send(Msg::SchemaRead(crate::files::read_schema(&path)));
                });
            }
            Effect::PasteImage => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let result = super::programs::clipboard_image().map_err(Some);
                    let _ = tx.send(Msg::Attached { result, paste: None });
                });
            }
            Effect::LoadTokenizer(encoding) => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    encoding.load();
                    let _ = tx.send(Msg::TokenizerReady(encoding));
                });
            }
            Effect::CountDraft { text, counter } => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let tokens = crate::app::meter::draft_tokens(counter, &text);
                    let _ = tx.send(Msg::DraftCounted { counter, tokens });
                });
            }
            Effect::CountHistory { conversation, counter, items } => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let counts = crate::app::meter::count_history(counter, &items);
                    let _ = tx.send(Msg::HistoryCounted { conversation, counter, counts });
                });
            }
            Effect::Copy { text } => self.host.copy(&text),
            Effect::Notify { body, bell } => {
                let sequence = super::programs::notification("rockchat", &body, bell);
                if let Err(error) = (self.host.raw)(&sequence) {
                    tracing::warn!(%error, "could not write the notification");
                }
            }
            Effect::Compose { draft } => self.hand_over(Program::Editor, &draft)?,
            Effect::Page { text } => self.hand_over(Program::Pager, &text)?,
            Effect::Quit => self.stop_tasks(),
            Effect::StartToolServer { name, server } => {
                tracing::info!(%name, "starting MCP server");
                self.hub.start(&name, &server);
            }
            Effect::CallTool { id, server, tool, arguments, timeout } => {
                tracing::info!(id, %server, %tool, "tool call started");
                self.hub.call(&server, id, tool, arguments, timeout);
            }
            Effect::CancelToolCall { id, server } => {
                tracing::info!(id, %server, "tool call cancelled");
                self.hub.cancel(&server, id);
            }
        }
        Ok(())
    }

    /// Aborts every request and fetch: their connections close, and a key command one of
    /// them was waiting on is killed, so quitting waits on nothing.
    fn stop_tasks(&mut self) {
        self.hub.stop_all();
        let requests = self.requests.drain().map(|(_, task)| task);
        for task in requests.chain(self.fetches.drain().map(|(_, task)| task)) {
            task.abort();
        }
    }

    /// The terminal came back blank from another program: forget what was drawn so the
    /// next frame repaints every cell. (`Terminal::clear` would ask the terminal for its
    /// cursor, a reply that can go astray while the key reader restarts.)
    fn repaint(&mut self) {
        self.terminal.swap_buffers();
        self.terminal.swap_buffers();
        self.dirty = true;
    }

    fn next_frame(&self) -> Instant {
        self.last_draw.map_or_else(Instant::now, |at| at + FRAME)
    }

    /// Lays out what changed and draws one frame, then tells `update` what it showed.
    pub fn draw(&mut self) -> io::Result<()> {
        let (state, screen) = (&self.state, &mut self.screen);
        let mut shown = None;
        let live = match &mut self.inline {
            Some(inline) => {
                inline.prepare(&mut self.terminal, screen, state, &mut self.host.raw)?;
                !inline.is_full()
            }
            None => false,
        };
        let drawn = self
            .terminal
            .draw(|frame| {
                shown = Some(match live {
                    true => screen.draw_inline(state, frame),
                    false => screen.draw(state, frame),
                })
            })
            .map_err(io::Error::other)?;
        if let Some(inline) = &mut self.inline {
            inline.drawn(screen.inline_cursor(), drawn.buffer);
        }
        self.last_draw = Some(Instant::now());
        self.dirty = false;
        // What was drawn is what the report describes, so it needs no frame of its own.
        if let Some(shown) = shown.filter(|shown| self.state.view.shown != Some(*shown)) {
            for effect in update(&mut self.state, Msg::Shown(shown)) {
                self.execute(effect)?;
            }
        }
        Ok(())
    }
}

/// Waits for the program that has the terminal to exit; never, when none has it.
async fn program_exit(away: &mut Option<(Program, Running)>) -> Result<(), String> {
    match away {
        Some((_, running)) => running.wait().await,
        None => std::future::pending().await,
    }
}

/// What `update` is told when `program` failed to start or run.
fn program_failed(program: Program, why: String) -> Msg {
    match program {
        Program::Editor => Msg::Composed(Err(format!("{why}; your draft is unchanged"))),
        Program::Pager => Msg::PagerFailed(why),
    }
}

/// Has the server count each item, one request at a time (a local server is quick, and
/// this never competes with a reply for more than one slot), and its template's tokens if
/// asked. `None` if it could not count.
async fn count_tokens(
    client: &ApiClient,
    tokenizer: crate::api::facts::Tokenizer,
    model: &str,
    items: Vec<(crate::app::server::Counted, String)>,
    template: bool,
) -> Option<crate::app::server::CountsAnswer> {
    let timeout = crate::api::facts::FACTS_TIMEOUT;
    let server = crate::api::facts::ModelServer::new(client);
    let template = match template {
        true => {
            let measured = tokio::time::timeout(timeout, server.template_tokens(tokenizer, model));
            Some(measured.await.ok()?.ok()?)
        }
        false => None,
    };
    let mut counts = Vec::with_capacity(items.len());
    for (item, text) in items {
        let counted = tokio::time::timeout(timeout, server.count_tokens(tokenizer, model, &text));
        counts.push((item, counted.await.ok()?.ok()?));
    }
    Some(crate::app::server::CountsAnswer { counts, template })
}

fn to_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) => Some(Msg::Key(key)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Mouse(mouse) => Some(Msg::Mouse(mouse)),
        Event::Resize(width, height) => Some(Msg::Resize(width, height)),
        Event::FocusGained => Some(Msg::Focus(true)),
        Event::FocusLost => Some(Msg::Focus(false)),
    }
}

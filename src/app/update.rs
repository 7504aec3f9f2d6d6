//! `update`: the one place the app state changes. Pure: no network, no files, no clock; it
//! returns the IO it wants as `Effect`s for the driver to carry out.
//!
//! Its promise is that nothing is lost: a typed prompt stays until it is sent, a sent prompt
//! stays with its error if the request fails, and a partial reply stays when stopped or cut.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};

use super::bindings::{Action, action_for};
use super::meter;
use super::msg::{ApiEvent, Effect, Msg};
use super::state::{Popup, Scroll, State};
use super::{
    attach, few_shot, first_run, library, palette, params_form, persist, picker, ping, presets,
    queue, scroll, select, server, tail, target, tools, turn,
};
use crate::app::editor::{self, EditAction, Editor};
use crate::chat::Role;
use crate::chat::{Conversation, FinishReason, Status};
use crate::store::writer::{StoreCmd, StoreEvent};

/// What Ctrl+O sends: visible in the transcript, so the user sees what was asked.
pub const CONTINUE_PROMPT: &str = crate::chat::context::CONTINUE_PROMPT;

const MOUSE_SCROLL_ROWS: isize = 3;

/// Rows a page of the keys list (F1) moves.
const HELP_PAGE: usize = 10;

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    // While the conversation is only its tail, what the user does waits for the whole.
    let Some(msg) = tail::hold(state, msg) else { return Vec::new() };
    // The context meter follows the draft and the history, not every delta.
    let recount = matches!(
        msg,
        Msg::Key(_)
            | Msg::Paste(_)
            | Msg::Attached { .. }
            | Msg::Stored(StoreEvent::Loaded(_) | StoreEvent::Whole(_))
            | Msg::Api { event: ApiEvent::Done | ApiEvent::Failed(_), .. }
            | Msg::TokenizerReady(_)
            | Msg::ToolResult { .. }
    );
    let recount = recount && !select::only_looks(state, &msg);
    // What the server learns or counts changes the meter too, and a settled history is
    // worth counting exactly.
    let learns = matches!(
        msg,
        Msg::Start
            | Msg::ServerFacts { .. }
            | Msg::Counted { .. }
            | Msg::Stored(StoreEvent::Whole(Ok(_)))
    );
    let typing = matches!(msg, Msg::Key(_) | Msg::Paste(_));
    // The totals follow the history and the prices, not every delta.
    let spends = recount
        || matches!(
            msg,
            Msg::Api { event: ApiEvent::Stream(crate::api::StreamEvent::Usage(_)), .. }
                | Msg::ModelsListed { .. }
        );
    let was_busy = state.stream.is_busy();
    let mut effects = dispatch(state, msg);
    // Counting a partial history would be wrong: it is counted when the whole arrives, and
    // the tokenizer loads then too (nothing counts before): loaded meanwhile, its tables sat
    // beside the rows read and the messages made of them, the memory's peak.
    if state.partial.is_some() {
        return effects;
    }
    if was_busy && !state.stream.is_busy() {
        effects.extend(ping::turn_ended(state));
        effects.extend(queue::turn_ended(state));
    }
    // Not on every keystroke: only when the history may have changed.
    let sent = effects.iter().any(|e| matches!(e, Effect::StartRequest { .. }));
    if (recount && !typing) || learns || sent {
        effects.extend(server::want_counts(state));
    }
    if learns {
        state.counting.forget_history();
    }
    if recount || learns {
        effects.extend(meter::refresh_meter(state));
    }
    if spends {
        state.spent = super::spend::Totals::of(&state.conversation);
    }
    effects.extend(meter::load_tokenizer(state));
    effects
}

fn dispatch(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if key.kind != KeyEventKind::Release => on_key(state, key),
        Msg::Key(_) => Vec::new(),
        Msg::Paste(text) => match attach::paste(state, &text) {
            // A dropped or pasted path or image URL becomes an attachment.
            Some(effects) => effects,
            None => paste_text(state, &text),
        },
        Msg::Attached { result, paste } => attach::loaded(state, result, paste),
        Msg::PathsFound { typed, found } => attach::found(state, typed, found),
        Msg::SchemaRead(result) => params_form::schema_read(state, result),
        Msg::Mouse(mouse) => on_mouse(state, mouse),
        // The screen lays out for the new size when it draws; an anchored view stays on the
        // line it was on.
        Msg::Resize(..) | Msg::Redraw => Vec::new(),
        Msg::Focus(focused) => {
            ping::focus(state, focused);
            Vec::new()
        }
        Msg::Shown(shown) => {
            if let (Some(Popup::Help { scroll }), Some(top)) = (&mut state.popup, shown.help_top) {
                *scroll = top;
            }
            scroll::shown(state, shown);
            Vec::new()
        }
        Msg::Api { id, event, at } => turn::on_api(state, id, event, at),
        Msg::Stored(StoreEvent::Failed(error)) => {
            state.notice = Some(error);
            Vec::new()
        }
        Msg::Stored(StoreEvent::Unsaved(reason)) => {
            state.unsaved = Some(format!("not saved yet: {reason}, retrying"));
            Vec::new()
        }
        Msg::Stored(StoreEvent::Saved) => {
            state.unsaved = None;
            Vec::new()
        }
        Msg::Stored(StoreEvent::Deleted { key }) => deleted_elsewhere(state, key),
        Msg::Composed(Ok(text)) => {
            // Editors end a file with a newline; the prompt does not.
            let text = text.strip_suffix('\n').unwrap_or(&text);
            let text = text.strip_suffix('\r').unwrap_or(text).replace("\r\n", "\n");
            let text = crate::sanitize::sanitize(&text).into_owned();
            // Undo gives back the draft as it was before the editor.
            state.input.set_text(&text);
            Vec::new()
        }
        Msg::Composed(Err(why)) | Msg::PagerFailed(why) => {
            state.notice = Some(why);
            Vec::new()
        }
        Msg::SuspendFailed(why) => {
            state.notice = Some(format!("cannot suspend: {why}"));
            Vec::new()
        }
        Msg::ModelsListed { provider, result } => {
            picker::listed(state, provider.clone(), result);
            let mut effects = super::spend::listed(state, &provider);
            effects.extend(super::target::adopt_served(state, &provider));
            effects
        }
        Msg::Stored(StoreEvent::Found { query, items, now_ms }) => {
            library::found(state, query, items, now_ms);
            Vec::new()
        }
        Msg::Stored(StoreEvent::Loaded(Ok(stored))) => open_conversation(state, *stored),
        Msg::Stored(StoreEvent::Whole(result)) => tail::whole(state, result),
        Msg::Stored(StoreEvent::Loaded(Err(error))) => {
            state.notice = Some(error);
            Vec::new()
        }
        Msg::Stored(StoreEvent::Created { key, id }) => {
            if state.conversation.key == key {
                state.conversation.stored_id = Some(id);
            }
            Vec::new()
        }
        Msg::TokenizerReady(encoding) => {
            state.counting.loaded(encoding);
            Vec::new()
        }
        Msg::DraftCounted { counter, tokens } => meter::draft_counted(state, counter, tokens),
        Msg::HistoryCounted { conversation, counter, counts } => {
            meter::history_counted(state, conversation, counter, counts)
        }
        Msg::Start => {
            let mut effects = server::ask(state);
            effects.extend(first_run::probe(state));
            effects.extend(super::spend::ask_prices(state));
            effects.extend(super::target::ask_served(state));
            effects
        }
        Msg::ServerFacts { provider, model, result } => {
            server::on_facts(state, provider, model, result)
        }
        Msg::Counted { target, counts } => server::on_counted(state, target, counts),
        Msg::Shutdown => quit(state),
        Msg::Started => tools::start_wanted(state),
        Msg::ToolServer { name, event } => tools::on_server(state, name, event),
        Msg::ToolResult { id, result } => tools::on_result(state, id, result),
        Msg::RetryDue { id } => turn::retry_due(state, id),
        Msg::Tick(now) => {
            state.frame = state.frame.wrapping_add(1);
            state.now = Some(now);
            turn::save_if_due(state, now).into_iter().collect()
        }
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    state.notice = None;
    // Whatever is open, Ctrl+D quits and Ctrl+C closes it.
    if state.popup.is_some() {
        match action_for(&key, false) {
            Some(Action::Quit) => return quit(state),
            Some(Action::StopOrQuit) => {
                state.popup = None;
                state.popup_keys = false;
                return Vec::new();
            }
            _ => {}
        }
        // The popup's keys, shown by F1, go with the next key.
        if std::mem::take(&mut state.popup_keys) {
            return Vec::new();
        }
        if key.code == KeyCode::F(1) && !matches!(state.popup, Some(Popup::Help { .. })) {
            state.popup_keys = true;
            return Vec::new();
        }
    }
    match &state.popup {
        Some(Popup::Library(_)) => return library::on_key(state, key),
        Some(Popup::Models(_)) => return picker::on_key(state, key),
        Some(Popup::Params(_)) => return params_form::on_key(state, key),
        Some(Popup::SavePreset(_)) => return presets::on_name_key(state, key),
        Some(Popup::Presets(_)) => {
            return match presets::on_picker_key(state, key) {
                Some(name) => {
                    let mut effects = new_conversation(state);
                    if let Some(name) = name {
                        effects.extend(presets::apply(state, &name));
                    }
                    effects
                }
                None => Vec::new(),
            };
        }
        Some(Popup::Palette(_)) => {
            return match palette::on_key(state, key) {
                Some(action) => on_action(state, action),
                None => Vec::new(),
            };
        }
        Some(Popup::Tools(_)) => return tools::on_popup_key(state, key),
        _ => {}
    }
    let armed = state.armed.take();
    if let Some(popup) = &mut state.popup {
        let Some(close) = on_popup_key(popup, key) else { return Vec::new() };
        state.popup = None;
        let Some(system) = close else { return Vec::new() };
        state.notice = Some(match system.trim().is_empty() {
            true => "system message saved: none (requests start with your prompt)".into(),
            false => format!("system message saved ({} chars)", system.chars().count()),
        });
        state.conversation.system = system.clone();
        if !state.conversation.saved {
            return Vec::new();
        }
        let conversation = state.conversation.key;
        return vec![Effect::Store(StoreCmd::SetSystemPrompt { conversation, text: system })];
    }
    // Tool calls waiting for an answer, or running, take y, a, n and Esc first.
    if state.selection.is_none()
        && let Some(effects) = tools::on_key(state, &key)
    {
        return effects;
    }
    if state.selection.is_some() {
        if let Some(effects) = select::on_key(state, &key) {
            return effects;
        }
        // Other keys keep their meaning, except that none of them types into the draft.
        return match action_for(&key, state.input.is_empty()) {
            None | Some(Action::Send | Action::Newline | Action::Select | Action::Edit(_)) => {
                Vec::new()
            }
            Some(action) => on_action(state, action),
        };
    }
    let Some(action) = action_for(&key, state.input.is_empty()) else {
        if let crossterm::event::KeyCode::Char(digit @ '1'..='9') = key.code
            && first_run::showing(state)
            && !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            // A digit not matching a server found picks nothing, and types nothing either.
            return first_run::pick(state, digit).unwrap_or_default();
        }
        if key.code == crossterm::event::KeyCode::Char('/')
            && state.input.is_empty()
            && !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            palette::open(state);
            return Vec::new();
        }
        let width = input_width(state);
        editor::on_key(&mut state.input, &key, width);
        return Vec::new();
    };
    if action == Action::NewConversation && !confirm_leaving(state, armed, action) {
        return Vec::new();
    }
    on_action(state, action)
}

fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Send => send(state),
        Action::Select => select::enter(state),
        Action::Compose => vec![Effect::Compose { draft: state.input.text() }],
        Action::PasteImage => vec![Effect::PasteImage],
        Action::Edit(action) => edit_draft(state, action),
        Action::Stop if !state.stream.is_busy() && state.editing.is_some() => {
            select::cancel_edit(state)
        }
        Action::Stop if !state.stream.is_busy() && state.turn_as.is_some() => {
            few_shot::disarm(state)
        }
        Action::AsAssistant => few_shot::add_or_arm(state, Role::Assistant),
        Action::AsUser => few_shot::add_or_arm(state, Role::User),
        Action::Newline => {
            state.input.newline();
            Vec::new()
        }
        Action::Stop => stop(state),
        Action::StopOrQuit if state.stream.is_busy() => stop(state),
        // A draft is never thrown away by a quit: the first Ctrl+C clears it, undoably.
        Action::StopOrQuit if !state.input.is_empty() => {
            state.input.clear();
            state.notice = Some("draft cleared: Ctrl+/ brings it back · Ctrl+C again quits".into());
            Vec::new()
        }
        Action::StopOrQuit | Action::Quit => quit(state),
        Action::Retry => retry(state),
        Action::NewConversation => match presets::offer(state) {
            Some(effects) => effects,
            None => new_conversation(state),
        },
        Action::SavePreset => presets::ask_name(state),
        Action::ToggleUsage => {
            state.view.show_usage = !state.view.show_usage;
            Vec::new()
        }
        Action::Context => super::breakdown::open(state),
        Action::Library => library::open(state),
        Action::Models => picker::open(state),
        Action::NextFavorite => target::cycle_favorites(state, true),
        Action::PreviousFavorite => target::cycle_favorites(state, false),
        Action::Params => params_form::open(state),
        Action::Tools => tools::open(state),
        Action::Continue => continue_reply(state),
        Action::ToggleReasoning => {
            state.view.show_reasoning = !state.view.show_reasoning;
            Vec::new()
        }
        Action::Help => {
            state.popup = Some(Popup::Help { scroll: 0 });
            Vec::new()
        }
        Action::EditSystem => {
            let editor = Editor::with_text(&state.conversation.system);
            state.popup = Some(Popup::System(Box::new(editor)));
            Vec::new()
        }
        Action::ToggleMouse => {
            state.mouse = !state.mouse;
            state.notice = Some(if state.mouse {
                "mouse on: wheel scrolls; F6 gives selection back to the terminal".to_owned()
            } else {
                "mouse off: the terminal selects and copies text".to_owned()
            });
            vec![Effect::SetMouseCapture(state.mouse)]
        }
        Action::Suspend => vec![Effect::Suspend],
        Action::PageUp => scroll::by_pages(state, -1),
        Action::PageDown => scroll::by_pages(state, 1),
        Action::ScrollTop => {
            state.view.scroll = Scroll::Top;
            Vec::new()
        }
        Action::ScrollBottom => {
            state.view.scroll = Scroll::Follow;
            Vec::new()
        }
    }
}

/// `None`: keep the popup open. `Some(None)`: close it. `Some(Some(text))`: close and save
/// the system message.
fn on_popup_key(popup: &mut Popup, key: KeyEvent) -> Option<Option<String>> {
    match popup {
        Popup::Help { scroll } => {
            // Past the end the screen shows the last page, and says where that was.
            *scroll = match key.code {
                KeyCode::Up => scroll.saturating_sub(1),
                KeyCode::Down => scroll.saturating_add(1),
                KeyCode::PageUp => scroll.saturating_sub(HELP_PAGE),
                KeyCode::PageDown => scroll.saturating_add(HELP_PAGE),
                KeyCode::Home => 0,
                KeyCode::End => usize::MAX,
                _ => return Some(None),
            };
            None
        }
        Popup::Library(_)
        | Popup::Models(_)
        | Popup::Params(_)
        | Popup::Presets(_)
        | Popup::SavePreset(_)
        | Popup::Context(_)
        | Popup::Palette(_)
        | Popup::Tools(_) => Some(None),
        Popup::System(editor) => match action_for(&key, false) {
            Some(Action::Stop) => Some(None),
            Some(Action::Send) => Some(Some(editor.lines().join("\n"))),
            Some(Action::Newline) => {
                editor.newline();
                None
            }
            _ => {
                editor::on_key(editor, &key, usize::MAX);
                None
            }
        },
    }
}

/// The draft's width as the last frame drew it, for moves by wrapped rows.
fn input_width(state: &State) -> usize {
    state.view.shown.map_or(80, |shown| usize::from(shown.input_width.max(1)))
}

/// An editing key on the draft. Up and Down past the draft's first or last row walk the
/// prompt history; Backspace in an empty draft takes off the last image attached.
fn edit_draft(state: &mut State, action: EditAction) -> Vec<Effect> {
    if action == EditAction::Tab
        && let Some(effects) = attach::complete(state)
    {
        return effects;
    }
    if action == EditAction::Backspace
        && state.input.is_empty()
        && let Some(image) = state.attachments.pop()
    {
        state.notice = Some(format!("removed {}", image.name));
        return Vec::new();
    }
    // Up in an empty draft takes back the newest queued prompt before the history.
    if action == EditAction::Up && state.input.is_empty() && queue::take_back_last(state) {
        return Vec::new();
    }
    let width = input_width(state);
    if state.input.apply(action, width) {
        return Vec::new();
    }
    let recalled = match action {
        EditAction::Up => state.history.older(&state.input.text()).map(str::to_owned),
        EditAction::Down => state.history.newer().map(str::to_owned),
        _ => None,
    };
    if let Some(text) = recalled {
        state.input.set_text(&text);
        let history = &state.history;
        if let Some(query) = history.query() {
            let query = crate::sanitize::one_line(query, 40);
            state.notice = Some(format!("prompts containing “{query}”: Up older, Down newer"));
        } else if history.missed() {
            let query = crate::sanitize::one_line(history.draft().trim(), 40);
            state.notice = Some(format!("no earlier prompt contains “{query}”: all of them"));
        }
    }
    Vec::new()
}

fn on_mouse(state: &mut State, mouse: MouseEvent) -> Vec<Effect> {
    match mouse.kind {
        MouseEventKind::ScrollUp => scroll::by_rows(state, -MOUSE_SCROLL_ROWS),
        MouseEventKind::ScrollDown => scroll::by_rows(state, MOUSE_SCROLL_ROWS),
        _ => Vec::new(),
    }
}

pub(super) fn paste_text(state: &mut State, text: &str) -> Vec<Effect> {
    // A paste can carry escape sequences copied from another terminal; the editor draws
    // what it holds, so they are stripped here like model output.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let text = crate::sanitize::sanitize(&text).into_owned();
    match &mut state.popup {
        Some(Popup::System(editor)) => editor.insert_str(&text),
        // A field of F4 is one line: a schema pasted over several lines still fits it.
        Some(Popup::Params(form)) => params_form::paste(form, &text),
        Some(Popup::SavePreset(name)) => name.insert_str(text.lines().next().unwrap_or("")),
        _ => state.input.insert_str(&text),
    };
    Vec::new()
}

fn send(state: &mut State) -> Vec<Effect> {
    if let Some(role) = state.turn_as {
        return few_shot::add_turn(state, role);
    }
    // Trailing blank lines (a paste ending in a newline) are not part of the prompt.
    let text = state.input.text().trim_end().to_owned();
    if text.trim().is_empty() && state.attachments.is_empty() {
        // Enter on an empty draft sends a queue the last turn held.
        if !state.stream.is_busy() && state.editing.is_none() {
            return queue::send_next(state);
        }
        return Vec::new();
    }
    if state.stream.is_busy() && state.editing.is_some() {
        state.notice = Some("a reply is still arriving: Esc stops it; your text stays here".into());
        return Vec::new();
    }
    if state.tools.is_busy() {
        state.notice =
            Some("tool calls are waiting: answer them (y/a/n) or Esc; your text stays here".into());
        return Vec::new();
    }
    if let Some(editing) = state.editing.take_if(|e| e.role == Role::Assistant) {
        state.history.push(text.clone());
        state.input = Editor::with_text(&editing.draft);
        return few_shot::replace_reply(state, editing.key, text);
    }
    state.input = Editor::new();
    state.history.push(text.clone());
    let images = std::mem::take(&mut state.attachments);
    if state.stream.is_busy() {
        queue::push(state, text, images);
        return Vec::new();
    }
    match state.editing.take() {
        Some(editing) => select::send_edit(state, editing, text, images),
        None => turn::send_prompt(state, text, images),
    }
}

fn stop(state: &mut State) -> Vec<Effect> {
    let Some(id) = state.stream.id() else {
        return tools::stop(state);
    };
    let mut effects = turn::end_stream(state, Status::Stopped);
    effects.push(Effect::CancelRequest { id });
    effects
}

fn quit(state: &mut State) -> Vec<Effect> {
    let mut effects = stop(state);
    // What was typed and not sent waits with its conversation for the next start.
    let fresh = std::mem::take(&mut state.fresh_draft);
    let saved = state.conversation.saved;
    effects.extend(stash_draft(state));
    if saved && !fresh.is_empty() {
        effects.push(Effect::Store(StoreCmd::SetDraft { conversation: None, text: fresh }));
    }
    state.quitting = true;
    effects.push(Effect::Quit);
    effects
}

/// Whether to leave the conversation now: yes unless a reply is still arriving, which is
/// stopped (its partial kept) only when the same key comes twice; the first time asks.
pub fn confirm_leaving(state: &mut State, armed: Option<Action>, action: Action) -> bool {
    if !state.stream.is_busy() || armed == Some(action) {
        return true;
    }
    state.armed = Some(action);
    state.notice = Some(
        "a reply is still arriving here: press the key again to stop it (the partial is kept) \
         and leave"
            .into(),
    );
    false
}

/// Keeps the draft with the conversation being left: in the store for a saved one, in
/// memory (and the store's slot for a conversation not started) otherwise.
fn stash_draft(state: &mut State) -> Vec<Effect> {
    let text = match state.editing.take() {
        Some(editing) => editing.draft,
        None => state.input.text(),
    };
    let text = queue::fold_into(state, text);
    state.input = Editor::new();
    let conversation = &state.conversation;
    if !conversation.saved {
        state.fresh_draft = text.clone();
    }
    let key = conversation.saved.then_some(conversation.key);
    vec![Effect::Store(StoreCmd::SetDraft { conversation: key, text })]
}

/// Ctrl+N: a fresh conversation with the same system message; the old one is already saved,
/// with its draft. One not started yet is already fresh: the draft stays.
fn new_conversation(state: &mut State) -> Vec<Effect> {
    let mut effects = stop(state);
    if state.conversation.saved {
        effects.extend(stash_draft(state));
        state.input = Editor::with_text(&std::mem::take(&mut state.fresh_draft));
    }
    let system = state.conversation.system.clone();
    state.conversation = Conversation::new(state.keys.fresh(), system);
    state.tools.reset_for_conversation(None);
    effects.extend(tools::start_wanted(state));
    state.selection = None;
    state.editing = None;
    state.view.scroll = Scroll::Follow;
    state.last_usage = None;
    state.notice = Some("new conversation".into());
    effects
}

/// Replaces the conversation on screen with a stored one (the current one is saved, with
/// its draft), and brings back the draft it was left with.
fn open_conversation(state: &mut State, stored: crate::store::StoredConversation) -> Vec<Effect> {
    let mut effects = stop(state);
    effects.extend(stash_draft(state));
    state.input = Editor::with_text(&stored.draft);
    let title = stored.title.clone();
    let (provider, model) = (stored.provider.clone(), stored.model.clone());
    effects.extend(target::reach_again(state, &provider, stored.base_url.as_deref()));
    let enabled = stored.tools.clone();
    let (conversation, adopt) = persist::restore(stored, &mut state.keys);
    state.conversation = conversation;
    tools::restore_enabled(state, enabled.as_deref());
    effects.extend(tools::start_wanted(state));
    state.selection = None;
    state.editing = None;
    state.view.scroll = Scroll::Follow;
    state.last_usage = None;
    state.notice = Some(match target::restore(state, &provider, &model) {
        Some(note) => format!("opened: {title} ({note})"),
        None => format!("opened: {title} · {} on {}", state.target.model, state.target.provider),
    });
    effects.push(Effect::Store(adopt));
    effects.extend(server::ask(state));
    effects
}

/// Another program deleted the conversation on screen: it is saved again, whole, as a new
/// one, so the turns on screen (and those still to come) are not lost, and the user is told.
fn deleted_elsewhere(state: &mut State, key: crate::chat::Key) -> Vec<Effect> {
    if state.conversation.key != key {
        return Vec::new();
    }
    let conversation = &mut state.conversation;
    let old = conversation.stored_id.take();
    let target = &state.target;
    let commands = persist::save_again(conversation, &target.provider, &target.model);
    let was = old.map(|id| format!(" {id}")).unwrap_or_default();
    state.notice = Some(format!(
        "conversation{was} was deleted by another program; what is on screen is saved again as a new conversation"
    ));
    commands.into_iter().map(Effect::Store).collect()
}

/// Sends the last prompt again; the replies after it move to another branch, which `[` at
/// the new reply brings back.
fn retry(state: &mut State) -> Vec<Effect> {
    if state.stream.is_busy() {
        return Vec::new();
    }
    let conversation = &mut state.conversation;
    let Some(last_user) =
        conversation.messages().iter().rposition(|m| m.role == Role::User && !m.hidden)
    else {
        state.notice = Some("nothing to retry yet".into());
        return Vec::new();
    };
    // The old replies become another branch; `[` at the new reply brings them back.
    conversation.detach_from(last_user + 1);
    if state.selection.as_ref().is_some_and(|s| s.index > last_user) {
        state.selection = None;
    }
    let conversation = &mut state.conversation;
    let mut effects = Vec::new();
    if let Some(prompt) = conversation.edit(last_user)
        && prompt.status != Status::Complete
    {
        prompt.status = Status::Complete;
        effects.push(Effect::Store(persist::update(prompt)));
    }
    state.view.scroll = Scroll::Follow;
    effects.extend(turn::start_request(state, last_user, 0));
    effects
}

fn continue_reply(state: &mut State) -> Vec<Effect> {
    let last = state.conversation.messages().last();
    let can_continue = last.is_some_and(|m| m.role == Role::Assistant && m.is_sent());
    if state.stream.is_busy() || !can_continue {
        state.notice = Some("Ctrl+O continues a reply that was cut off".into());
        return Vec::new();
    }
    // A reply that ended as the model meant it has nothing to continue.
    let finished = last.is_some_and(|m| {
        m.status == Status::Complete && matches!(m.finish, None | Some(FinishReason::Stop))
    });
    if finished {
        state.notice = Some(
            "that reply finished: Ctrl+O continues one that was cut off or stopped; Ctrl+R asks again"
                .into(),
        );
        return Vec::new();
    }
    turn::send_prompt(state, CONTINUE_PROMPT.to_owned(), Vec::new())
}

#[cfg(test)]
pub(crate) mod tests;

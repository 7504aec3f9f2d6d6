//! The conversation list (Ctrl+L): newest first, or every message searched as you type;
//! Enter opens, F2 renames, Delete deletes after a yes.
//!
//! Queries run off the UI thread (`Effect::FindConversations`); results carry their query,
//! so a slow answer to an old query never replaces a newer one.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::msg::Effect;
use super::state::{Popup, State};
use crate::app::editor::{self, Editor};
use crate::chat::Conversation;
use crate::store::ConversationSummary;
use crate::store::writer::StoreCmd;

#[derive(Debug, Clone, Default)]
pub struct Library {
    pub query: String,
    pub items: Vec<ConversationSummary>,
    pub selected: usize,
    /// The store's clock when the items were read, for "3 min ago".
    pub now_ms: i64,
    pub mode: Mode,
    /// A query is out and its answer has not come back.
    pub loading: bool,
    /// The conversation on screen, marked in the list and selected when it opens.
    pub current: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub enum Mode {
    #[default]
    Browse,
    Rename(Box<Editor>),
    ConfirmDelete,
}

impl Library {
    pub fn selected_item(&self) -> Option<&ConversationSummary> {
        self.items.get(self.selected)
    }
}

/// Rows the list shows per page, for PgUp/PgDn.
const PAGE: usize = 10;

pub fn open(state: &mut State) -> Vec<Effect> {
    // Loading until the answer comes: a read that fails (a damaged file) must not look like
    // an empty list.
    let library =
        Library { current: state.conversation.stored_id, loading: true, ..Library::default() };
    state.popup = Some(Popup::Library(Box::new(library)));
    vec![Effect::Store(StoreCmd::Find { query: String::new() })]
}

/// Results for `query`; ignored if the user has typed on since.
pub fn found(state: &mut State, query: String, items: Vec<ConversationSummary>, now_ms: i64) {
    if let Some(Popup::Library(library)) = &mut state.popup
        && library.query == query
    {
        let first = library.items.is_empty() && library.query.is_empty();
        library.items = items;
        library.selected = library.selected.min(library.items.len().saturating_sub(1));
        // The first list shown starts at the conversation on screen.
        if first
            && let Some(at) = library.items.iter().position(|item| Some(item.id) == library.current)
        {
            library.selected = at;
        }
        library.now_ms = now_ms;
        library.loading = false;
    }
}

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(Popup::Library(library)) = &mut state.popup else { return Vec::new() };
    match &mut library.mode {
        Mode::Browse => browse(state, key),
        Mode::Rename(editor) => match key.code {
            KeyCode::Esc => {
                library.mode = Mode::Browse;
                Vec::new()
            }
            KeyCode::Enter => {
                let title = editor.text().replace('\n', " ").trim().to_owned();
                library.mode = Mode::Browse;
                let Some(item) = library.items.get_mut(library.selected) else { return Vec::new() };
                if title.is_empty() {
                    return Vec::new();
                }
                item.title = title.clone();
                if state.conversation.stored_id == Some(item.id) {
                    state.conversation.title = title.clone();
                }
                vec![Effect::Store(StoreCmd::Rename { id: item.id, title })]
            }
            _ => {
                editor::on_key(editor, &key, usize::MAX);
                Vec::new()
            }
        },
        Mode::ConfirmDelete => {
            library.mode = Mode::Browse;
            if !matches!(key.code, KeyCode::Char('y' | 'Y')) {
                return Vec::new();
            }
            delete_selected(state)
        }
    }
}

fn browse(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let armed = state.armed.take();
    let Some(Popup::Library(library)) = &mut state.popup else { return Vec::new() };
    let last = library.items.len().saturating_sub(1);
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => state.popup = None,
        KeyCode::Char('l') if ctrl => state.popup = None,
        KeyCode::Up => library.selected = library.selected.saturating_sub(1),
        KeyCode::Down => library.selected = (library.selected + 1).min(last),
        KeyCode::PageUp => library.selected = library.selected.saturating_sub(PAGE),
        KeyCode::PageDown => library.selected = (library.selected + PAGE).min(last),
        KeyCode::Home => library.selected = 0,
        KeyCode::End => library.selected = last,
        KeyCode::Enter => {
            let Some(id) = library.selected_item().map(|item| item.id) else { return Vec::new() };
            let action = super::bindings::Action::Library;
            if !super::update::confirm_leaving(state, armed, action) {
                return Vec::new();
            }
            state.popup = None;
            return vec![Effect::Store(StoreCmd::Load { id })];
        }
        KeyCode::F(2) => {
            if let Some(item) = library.selected_item() {
                library.mode = Mode::Rename(Box::new(Editor::with_text(&item.title)));
            }
        }
        KeyCode::Delete if library.selected_item().is_some() => library.mode = Mode::ConfirmDelete,
        KeyCode::Backspace if library.query.pop().is_some() => return requery(library),
        KeyCode::Char(c) if !ctrl => {
            library.query.push(c);
            return requery(library);
        }
        _ => {}
    }
    Vec::new()
}

fn requery(library: &mut Library) -> Vec<Effect> {
    library.loading = true;
    library.selected = 0;
    vec![Effect::Store(StoreCmd::Find { query: library.query.clone() })]
}

/// Deletes the selected conversation; deleting the open one leaves a fresh conversation.
fn delete_selected(state: &mut State) -> Vec<Effect> {
    let Some(Popup::Library(library)) = &mut state.popup else { return Vec::new() };
    if library.selected >= library.items.len() {
        return Vec::new();
    }
    let item = library.items.remove(library.selected);
    library.selected = library.selected.min(library.items.len().saturating_sub(1));
    let mut effects = Vec::new();
    if state.conversation.stored_id == Some(item.id) {
        if let Some(id) = state.stream.id() {
            effects.push(Effect::CancelRequest { id });
            state.stream = super::state::Stream::Idle;
        }
        state.conversation =
            Conversation::new(state.keys.fresh(), state.conversation.system.clone());
    }
    state.notice = Some(format!("deleted \u{201c}{}\u{201d}", item.title));
    effects.push(Effect::Store(StoreCmd::Delete { id: item.id }));
    effects
}

#[cfg(test)]
mod tests;

//! Which key does what. One table serves both dispatch and the F1 help popup, so the help
//! can never drift from the real bindings.
//!
//! Keys not in the table go to the input editor.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Something the user asked for by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Send,
    Newline,
    /// Esc: stop a streaming reply, else close whatever is open.
    Stop,
    /// Ctrl+C: stop a reply, or quit when idle.
    StopOrQuit,
    Quit,
    Retry,
    NewConversation,
    Library,
    Models,
    /// F2: the next favorite model.
    NextFavorite,
    /// Shift+F2: the previous favorite model.
    PreviousFavorite,
    /// F4: the conversation's request parameters.
    Params,
    Continue,
    ToggleReasoning,
    Help,
    EditSystem,
    ToggleMouse,
    PageUp,
    PageDown,
    ScrollTop,
    ScrollBottom,
    /// Tab (input empty) or Ctrl+Up: pick a message to act on.
    Select,
    /// Ctrl+E: write the draft in `$EDITOR`.
    Compose,
    /// Ctrl+Z: back to the shell; `fg` returns.
    Suspend,
}

/// What a key does while a message is selected. Keys not listed do nothing there, so a
/// letter meant as a command never lands in the draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectAction {
    Older,
    Newer,
    Oldest,
    Newest,
    Leave,
    Copy,
    /// Copy the message's n-th fenced code block (1-based).
    CopyCode(usize),
    Page,
    Edit,
    Pin,
    Delete,
    PreviousBranch,
    NextBranch,
}

/// The help popup's rows: keys as a user reads them, and what they do.
pub const HELP: &[(&str, &str)] = &[
    ("Enter", "send the message"),
    ("Alt+Enter, Ctrl+J", "new line in the message"),
    ("Esc", "stop the reply (the partial text stays)"),
    ("Ctrl+C", "stop the reply, or quit when idle"),
    ("Ctrl+D / Ctrl+Z", "quit / suspend to the shell (fg returns)"),
    ("Ctrl+R", "retry the last prompt; [ ] shows the old reply"),
    ("Ctrl+O", "ask the model to continue its reply"),
    ("Ctrl+N", "new conversation (this one is saved)"),
    ("Ctrl+L", "saved conversations: type to search, Enter opens"),
    ("Ctrl+P", "switch model or provider (type to filter)"),
    ("F2, Shift+F2", "next / previous favorite model"),
    ("Ctrl+T", "fold or unfold the model's reasoning"),
    ("PgUp, PgDn", "scroll the transcript"),
    ("Home, End", "top / bottom (Ctrl+Home, Ctrl+End while typing)"),
    ("F1", "this help"),
    ("F3", "edit the system message"),
    ("F4", "temperature, top_p, max_tokens, seed (this chat)"),
    ("F6", "mouse on/off (off: the terminal selects text)"),
    ("Ctrl+E", "write the message in $EDITOR"),
    ("Tab, Ctrl+Up", "select a message: Up/Down, k/j move; Esc leaves"),
    ("  y, 1-9", "copy it / copy its n-th code block"),
    ("  o, e", "open it in $PAGER / edit a prompt: new branch"),
    ("  p, d", "pin it (never trimmed) / delete it (asks)"),
    ("  [, ]", "previous / next branch at this message"),
];

/// The action bound to `key`, or `None` to pass it to the editor. Home/End scroll only
/// when the input is empty, so they still move the cursor inside a draft.
pub fn action_for(key: &KeyEvent, input_is_empty: bool) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let shift = key.modifiers.contains(KeyModifiers::SHIFT);
    let action = match key.code {
        KeyCode::Enter if alt || shift || ctrl => Action::Newline,
        KeyCode::Enter => Action::Send,
        KeyCode::Char('j') if ctrl => Action::Newline,
        KeyCode::Char('c') if ctrl => Action::StopOrQuit,
        KeyCode::Char('d') if ctrl => Action::Quit,
        KeyCode::Char('r') if ctrl => Action::Retry,
        KeyCode::Char('n') if ctrl => Action::NewConversation,
        KeyCode::Char('l') if ctrl => Action::Library,
        KeyCode::Char('p') if ctrl => Action::Models,
        KeyCode::Char('o') if ctrl => Action::Continue,
        KeyCode::Char('t') if ctrl => Action::ToggleReasoning,
        KeyCode::Char('e') if ctrl => Action::Compose,
        KeyCode::Char('z') if ctrl => Action::Suspend,
        KeyCode::Up if ctrl => Action::Select,
        KeyCode::Tab if input_is_empty && !ctrl && !alt => Action::Select,
        KeyCode::Esc => Action::Stop,
        KeyCode::F(1) => Action::Help,
        // Terminals that do not report Shift with function keys send Shift+F2 as F14.
        KeyCode::F(2) if shift => Action::PreviousFavorite,
        KeyCode::F(14) => Action::PreviousFavorite,
        KeyCode::F(2) => Action::NextFavorite,
        KeyCode::F(3) => Action::EditSystem,
        KeyCode::F(4) => Action::Params,
        KeyCode::F(6) => Action::ToggleMouse,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home if ctrl || input_is_empty => Action::ScrollTop,
        KeyCode::End if ctrl || input_is_empty => Action::ScrollBottom,
        _ => return None,
    };
    Some(action)
}

/// The select-mode action bound to `key`; `None` for keys that mean nothing there (Ctrl
/// keys then fall through to the main table).
pub fn select_action_for(key: &KeyEvent) -> Option<SelectAction> {
    if key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
        return None;
    }
    let action = match key.code {
        KeyCode::Up | KeyCode::Char('k') => SelectAction::Older,
        KeyCode::Down | KeyCode::Char('j') => SelectAction::Newer,
        KeyCode::Home | KeyCode::Char('g') => SelectAction::Oldest,
        KeyCode::End | KeyCode::Char('G') => SelectAction::Newest,
        KeyCode::Esc | KeyCode::Tab => SelectAction::Leave,
        KeyCode::Char('y') => SelectAction::Copy,
        KeyCode::Char(digit @ '1'..='9') => SelectAction::CopyCode(digit as usize - '0' as usize),
        KeyCode::Char('o') => SelectAction::Page,
        KeyCode::Char('e') => SelectAction::Edit,
        KeyCode::Char('p') => SelectAction::Pin,
        KeyCode::Char('d') => SelectAction::Delete,
        KeyCode::Char('[') => SelectAction::PreviousBranch,
        KeyCode::Char(']') => SelectAction::NextBranch,
        _ => return None,
    };
    Some(action)
}

/// The status line's reminder while a message is selected.
pub const SELECT_HINT: &str = "y copy  1-9 code  o page  e edit  p pin  d del  [] branch  Esc";

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn enter_sends_and_alt_enter_or_ctrl_j_insert_a_newline() {
        assert_eq!(action_for(&key(KeyCode::Enter, KeyModifiers::NONE), false), Some(Action::Send));
        assert_eq!(
            action_for(&key(KeyCode::Enter, KeyModifiers::ALT), false),
            Some(Action::Newline)
        );
        assert_eq!(
            action_for(&key(KeyCode::Char('j'), KeyModifiers::CONTROL), false),
            Some(Action::Newline)
        );
    }

    #[test]
    fn home_moves_the_cursor_while_typing_and_scrolls_otherwise() {
        assert_eq!(action_for(&key(KeyCode::Home, KeyModifiers::NONE), false), None);
        assert_eq!(
            action_for(&key(KeyCode::Home, KeyModifiers::NONE), true),
            Some(Action::ScrollTop)
        );
        assert_eq!(
            action_for(&key(KeyCode::End, KeyModifiers::CONTROL), false),
            Some(Action::ScrollBottom)
        );
    }

    #[test]
    fn tab_selects_only_when_the_input_is_empty_and_letters_are_commands_in_select_mode() {
        assert_eq!(action_for(&key(KeyCode::Tab, KeyModifiers::NONE), true), Some(Action::Select));
        assert_eq!(action_for(&key(KeyCode::Tab, KeyModifiers::NONE), false), None);
        assert_eq!(
            action_for(&key(KeyCode::Up, KeyModifiers::CONTROL), false),
            Some(Action::Select)
        );
        let select = |code| select_action_for(&key(code, KeyModifiers::NONE));
        assert_eq!(select(KeyCode::Char('3')), Some(SelectAction::CopyCode(3)));
        assert_eq!(select(KeyCode::Char('j')), Some(SelectAction::Newer));
        assert_eq!(select(KeyCode::Char('x')), None);
        assert_eq!(select_action_for(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)), None);
    }

    #[test]
    fn ctrl_z_suspends_rather_than_reaching_the_editor() {
        let ctrl_z = key(KeyCode::Char('z'), KeyModifiers::CONTROL);
        assert_eq!(action_for(&ctrl_z, false), Some(Action::Suspend));
    }

    #[test]
    fn plain_letters_go_to_the_editor() {
        assert_eq!(action_for(&key(KeyCode::Char('r'), KeyModifiers::NONE), false), None);
    }
}

//! What each popup's keys do, for F1 inside it. A popup reads its keys itself (typing goes
//! to its query or field), so they are not in the binding table; this list is what F1
//! shows there, and a test holds it to what each popup really does with the keys.

use super::state::Popup;

/// One row: the keys, and what they do.
pub type KeyRow = (&'static str, &'static str);

/// The popup's name and its keys. Ctrl+C closes any popup and Ctrl+D quits from any.
pub fn of(popup: &Popup) -> (&'static str, &'static [KeyRow]) {
    match popup {
        Popup::Help { .. } => ("Keys", HELP),
        Popup::System(_) => ("System message", SYSTEM),
        Popup::Library(_) => ("Conversations", LIBRARY),
        Popup::Models(_) => ("Model", MODELS),
        Popup::Params(_) => ("Parameters", PARAMS),
        Popup::Palette(_) => ("Commands", PALETTE),
        Popup::Tools(_) => ("Tool servers", TOOLS),
        Popup::Presets(_) => ("Start from", PRESETS),
        Popup::SavePreset(_) => ("Save as a preset", SAVE_PRESET),
        Popup::Context(_) => ("Context", CONTEXT),
    }
}

const EVERYWHERE: [KeyRow; 2] = [("Ctrl+C", "closes this"), ("Ctrl+D", "quits rockchat")];

const HELP: &[KeyRow] = &[
    ("Up / Down", "scroll a line"),
    ("PgUp / PgDn", "scroll a page"),
    ("Home / End", "the first or last keys"),
    ("any other key", "closes the list"),
    EVERYWHERE[1],
];

const SYSTEM: &[KeyRow] = &[
    ("Enter", "saves the system message"),
    ("Alt+Enter / Ctrl+J", "a new line"),
    ("Esc", "cancels"),
    EVERYWHERE[0],
    EVERYWHERE[1],
];

const LIBRARY: &[KeyRow] = &[
    ("type", "searches every message"),
    ("Up / Down", "moves"),
    ("PgUp / PgDn, Home / End", "moves a page, to the ends"),
    ("Enter", "opens the conversation"),
    ("F2", "renames it"),
    ("Delete", "deletes it (asks first)"),
    ("Esc, Ctrl+L", "closes the list"),
    EVERYWHERE[0],
    EVERYWHERE[1],
];

const MODELS: &[KeyRow] = &[
    ("type", "filters (model or provider/model)"),
    ("Up / Down", "moves"),
    ("Enter", "switches to the model (and its provider)"),
    ("Esc, Ctrl+P", "closes the list"),
    EVERYWHERE[0],
    EVERYWHERE[1],
];

const PARAMS: &[KeyRow] = &[
    ("Tab / Down", "the next field"),
    ("Shift+Tab / Up", "the previous field"),
    ("type, Backspace", "edits the field (empty: the server's default)"),
    ("Enter", "saves for this conversation"),
    ("Esc", "cancels"),
    EVERYWHERE[0],
    EVERYWHERE[1],
];

const PALETTE: &[KeyRow] = &[
    ("type", "filters the commands"),
    ("Up / Down", "moves"),
    ("Enter", "runs the command"),
    ("/ (first)", "types a slash in the draft instead"),
    ("Esc, Backspace when empty", "closes the list"),
    EVERYWHERE[0],
    EVERYWHERE[1],
];

const TOOLS: &[KeyRow] = &[
    ("Up / Down, k / j", "moves"),
    ("Space, Enter", "turns the server on or off for this conversation"),
    ("any other key", "closes the list"),
    EVERYWHERE[0],
    EVERYWHERE[1],
];

const PRESETS: &[KeyRow] = &[
    ("Up / Down", "moves"),
    ("Enter", "starts a conversation from it"),
    ("Esc", "closes the list"),
    EVERYWHERE[0],
    EVERYWHERE[1],
];

const CONTEXT: &[KeyRow] = &[("any key", "closes it"), EVERYWHERE[1]];

const SAVE_PRESET: &[KeyRow] = &[
    ("type", "the preset's name"),
    ("Enter", "saves it"),
    ("Esc", "cancels"),
    EVERYWHERE[0],
    EVERYWHERE[1],
];

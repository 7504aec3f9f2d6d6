//! The user's own keys: the config's `[keys]` table (action name = key) laid over the
//! binding table. A rebound action answers its new key (or none, for `"none"`) instead of
//! its defaults; every other binding keeps its keys. Built once at start-up and installed
//! for the whole process, so dispatch, F1, the command palette and `rockchat keys` all read
//! the same table.
//!
//! Names are the command palette's, plus a name for each key-only action (`send`,
//! `delete-to-end`, …). An unknown name, a key that cannot be read, a key typed into the
//! draft, or a key another action already answers is refused with the line it is on.
//! Pure data and lookups; nothing here reads files or changes the app's state.

use std::sync::OnceLock;

use crossterm::event::KeyCode::{
    Backspace, Char, Delete, Down, End, Enter, Esc, F, Home, Insert, Left, PageDown, PageUp, Right,
    Tab, Up,
};
use crossterm::event::{KeyEvent, KeyModifiers};

use super::bindings::{Action, BINDINGS, Chord, Code, Does, Mode, When, palette_name};
use super::editor::EditAction;

const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const ALT: KeyModifiers = KeyModifiers::ALT;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

/// The binding table with the user's keys over it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keymap {
    /// Each rebound action and its keys now (none: unbound).
    rebound: Vec<(Action, Vec<Chord>)>,
}

/// A `[keys]` entry that cannot be taken, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    /// The index of the entry in what was given.
    pub entry: usize,
    pub message: String,
}

/// The name `[keys]` and `rockchat keys` use for a chat action: the palette's, else one of
/// its own.
pub fn key_name(action: Action) -> &'static str {
    if let Some(name) = palette_name(action) {
        return name;
    }
    match action {
        Action::Send => "send",
        Action::Newline => "newline",
        Action::Stop => "stop",
        Action::StopOrQuit => "stop-or-quit",
        Action::PageUp => "page-up",
        Action::PageDown => "page-down",
        Action::Edit(edit) => match edit {
            EditAction::Left => "left",
            EditAction::Right => "right",
            EditAction::WordLeft => "word-left",
            EditAction::WordRight => "word-right",
            EditAction::Home => "line-start",
            EditAction::End => "line-end",
            EditAction::Up => "up",
            EditAction::Down => "down",
            EditAction::Backspace => "backspace",
            EditAction::Delete => "delete",
            EditAction::DeleteWordBack => "delete-word-back",
            EditAction::DeleteWordForward => "delete-word-forward",
            EditAction::DeleteToStart => "delete-to-start",
            EditAction::DeleteToEnd => "delete-to-end",
            EditAction::Yank => "yank",
            EditAction::Undo => "undo",
            EditAction::Redo => "redo",
            EditAction::Tab => "tab",
        },
        // Every other action has a palette name.
        _ => "",
    }
}

/// Every chat action, in table order, once.
fn chat_actions() -> Vec<Action> {
    let mut actions: Vec<Action> = Vec::new();
    for binding in BINDINGS {
        if let Does::Chat(action) = binding.does
            && !actions.contains(&action)
        {
            actions.push(action);
        }
    }
    actions
}

/// A key as written in `[keys]`: modifiers (`ctrl+`, `alt+`, `shift+`) then a key name
/// (`k`, `/`, `f5`, `enter`, `pgup`, …), any case.
pub fn parse_chord(text: &str) -> Result<Chord, String> {
    let lower = text.trim().to_lowercase();
    let mut parts: Vec<&str> = lower.split('+').collect();
    // `ctrl++` is Ctrl and the plus key.
    if lower.ends_with("++") {
        parts.truncate(parts.len() - 2);
        parts.push("+");
    }
    let Some((key, modifiers)) = parts.split_last() else {
        return Err("empty key".to_owned());
    };
    let mut held = KeyModifiers::NONE;
    for modifier in modifiers {
        held |= match *modifier {
            "ctrl" | "control" | "c" => CTRL,
            "alt" | "meta" | "option" | "m" => ALT,
            "shift" | "s" => SHIFT,
            other => return Err(format!("`{other}` is not a modifier (ctrl, alt, shift)")),
        };
    }
    let code = match *key {
        "enter" | "return" => Enter,
        "esc" | "escape" => Esc,
        "tab" => Tab,
        "backspace" => Backspace,
        "delete" | "del" => Delete,
        "insert" | "ins" => Insert,
        "home" => Home,
        "end" => End,
        "pgup" | "pageup" => PageUp,
        "pgdn" | "pagedown" => PageDown,
        "up" => Up,
        "down" => Down,
        "left" => Left,
        "right" => Right,
        "space" => Char(' '),
        name if name.starts_with('f') && name.len() > 1 => match name[1..].parse::<u8>() {
            Ok(n @ 1..=24) => F(n),
            _ => return Err(format!("`{name}` is not a key")),
        },
        name => {
            let mut chars = name.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Char(c),
                _ => {
                    return Err(format!(
                        "`{name}` is not a key: use a letter, a symbol, f1-f24 or a name such as enter, esc, tab, pgup"
                    ));
                }
            }
        }
    };
    // Shift with a letter arrives as the capital.
    let code = match code {
        Char(c) if held.contains(SHIFT) => Char(c.to_ascii_uppercase()),
        code => code,
    };
    if matches!(code, Char(_)) && !held.intersects(CTRL | ALT) {
        return Err(format!(
            "`{}` would be typed into the message: give it Ctrl or Alt, or use a function key",
            text.trim()
        ));
    }
    // Any modifier not asked for must not be held, so `f2` is not also Shift+F2; a letter's
    // Shift is in its case.
    let mut not_held = (CTRL | ALT | SHIFT) - held;
    if matches!(code, Char(_)) {
        not_held -= SHIFT;
    }
    Ok(Chord { code: Code::Key(code), held, not_held, when: When::Always, shown: true })
}

/// The key event a chord stands for, to look it up.
fn press(chord: &Chord) -> Option<KeyEvent> {
    match chord.code {
        Code::Key(code) => Some(KeyEvent::new(code, chord.held)),
        Code::Digit => None,
    }
}

impl Keymap {
    /// The user's `entries` (action name, key) over the table, or the first entry that
    /// cannot be taken.
    pub fn new(entries: &[(&str, &str)]) -> Result<Keymap, KeyError> {
        let actions = chat_actions();
        let mut keymap = Keymap::default();
        let mut owners: Vec<(Chord, usize)> = Vec::new();
        for (entry, (name, key)) in entries.iter().enumerate() {
            let fail = |message: String| KeyError { entry, message };
            let Some(action) = actions.iter().copied().find(|a| key_name(*a) == *name) else {
                let known: Vec<&str> = actions.iter().map(|a| key_name(*a)).collect();
                return Err(fail(format!(
                    "no action is called `{name}`; the names (`rockchat keys` lists them): {}",
                    known.join(", ")
                )));
            };
            let chords = match key.trim().eq_ignore_ascii_case("none") {
                true => Vec::new(),
                false => vec![parse_chord(key).map_err(fail)?],
            };
            for chord in &chords {
                if let Some((_, other)) = owners.iter().find(|(c, _)| same_key(c, chord)) {
                    let other = entries[*other].0;
                    return Err(fail(format!("`{key}` is also given to `{other}` here")));
                }
                owners.push((*chord, entry));
            }
            keymap.rebound.push((action, chords));
        }
        // A key of theirs that is the own key of an action they left alone.
        for binding in BINDINGS.iter().filter(|binding| binding.mode() == Mode::Chat) {
            let Does::Chat(action) = binding.does else { continue };
            if keymap.rebound(action).is_some() {
                continue;
            }
            for event in binding.keys.iter().filter_map(press) {
                let taken = owners
                    .iter()
                    .find(|(chord, _)| chord.matches(&event, false) || chord.matches(&event, true));
                if let Some((_, entry)) = taken {
                    return Err(KeyError {
                        entry: *entry,
                        message: format!(
                            "`{}` is already `{}`'s key: give that one another key (or \"none\") too",
                            entries[*entry].1,
                            key_name(action)
                        ),
                    });
                }
            }
        }
        Ok(keymap)
    }

    fn rebound(&self, action: Action) -> Option<&[Chord]> {
        self.rebound.iter().find(|(a, _)| *a == action).map(|(_, chords)| chords.as_slice())
    }

    /// The table's chat binding for `key`, among the actions not rebound.
    fn default_binding(
        &self,
        key: &KeyEvent,
        input_is_empty: bool,
    ) -> Option<&'static super::bindings::Binding> {
        BINDINGS.iter().filter(|binding| binding.mode() == Mode::Chat).find(|binding| {
            let rebound =
                matches!(binding.does, Does::Chat(action) if self.rebound(action).is_some());
            !rebound && binding.keys.iter().any(|chord| chord.matches(key, input_is_empty))
        })
    }

    /// The chat action `key` does, or `None` to pass it to the editor.
    pub fn action_for(&self, key: &KeyEvent, input_is_empty: bool) -> Option<Action> {
        for (action, chords) in &self.rebound {
            if chords.iter().any(|chord| chord.matches(key, input_is_empty)) {
                return Some(*action);
            }
        }
        match self.default_binding(key, input_is_empty)?.does {
            Does::Chat(action) => Some(action),
            _ => None,
        }
    }

    /// `action`'s keys as the labels name them, when the user rebound it.
    pub fn keys_label(&self, action: Action) -> Option<String> {
        let chords = self.rebound(action)?;
        Some(match chords.is_empty() {
            true => "(none)".to_owned(),
            false => chords.iter().map(Chord::label).collect::<Vec<_>>().join(", "),
        })
    }

    /// Whether any key was rebound.
    pub fn is_default(&self) -> bool {
        self.rebound.is_empty()
    }
}

/// Two chords that answer the same press.
fn same_key(a: &Chord, b: &Chord) -> bool {
    a.code == b.code && a.held == b.held
}

static ACTIVE: OnceLock<Keymap> = OnceLock::new();

/// Makes `keymap` the process's keys (once, at start-up; a second call is ignored).
pub fn install(keymap: Keymap) {
    let _ = ACTIVE.set(keymap);
}

/// The keys in effect: the installed keymap, or the table's own.
pub fn active() -> &'static Keymap {
    static DEFAULT: Keymap = Keymap { rebound: Vec::new() };
    ACTIVE.get().unwrap_or(&DEFAULT)
}

/// `rockchat keys`: every chat action's name, its keys in effect, and what it does.
pub fn effective_table() -> Vec<(&'static str, String, &'static str)> {
    let keymap = active();
    let mut table: Vec<(&'static str, String, &'static str)> = Vec::new();
    for binding in BINDINGS {
        let Does::Chat(action) = binding.does else { continue };
        let text = match (binding.help, binding.readme) {
            (super::bindings::Doc::Row { text, .. }, _)
            | (_, super::bindings::Doc::Row { text, .. }) => text,
            _ => table.last().map_or("", |row| row.2),
        };
        let keys = keymap.keys_label(action).unwrap_or_else(|| {
            let labels: Vec<String> =
                binding.keys.iter().filter(|chord| chord.shown).map(Chord::label).collect();
            labels.join(", ")
        });
        match table.iter_mut().find(|row| row.0 == key_name(action)) {
            Some(row) if keymap.keys_label(action).is_none() => {
                row.1 = format!("{}, {keys}", row.1);
            }
            Some(_) => {}
            None => table.push((key_name(action), keys, text)),
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyCode;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn a_rebound_action_answers_its_new_key_and_not_its_old_one() {
        let keymap = Keymap::new(&[("model", "ctrl+k"), ("delete-to-end", "alt+k")]).unwrap();
        assert_eq!(keymap.action_for(&key(Char('k'), CTRL), false), Some(Action::Models));
        assert_eq!(keymap.action_for(&key(Char('p'), CTRL), false), None, "Ctrl+P is free now");
        assert_eq!(
            keymap.action_for(&key(Char('k'), ALT), false),
            Some(Action::Edit(EditAction::DeleteToEnd))
        );
        // Everything else keeps its keys.
        assert_eq!(keymap.action_for(&key(Char('n'), CTRL), false), Some(Action::NewConversation));
        assert_eq!(keymap.keys_label(Action::Models).as_deref(), Some("Ctrl+K"));
    }

    #[test]
    fn none_unbinds_and_function_keys_and_names_parse() {
        let keymap =
            Keymap::new(&[("new", "none"), ("model", "F5"), ("open", "Ctrl+Shift+O")]).unwrap();
        assert_eq!(keymap.action_for(&key(Char('n'), CTRL), false), None);
        assert_eq!(keymap.action_for(&key(F(5), KeyModifiers::NONE), false), Some(Action::Models));
        assert_eq!(keymap.action_for(&key(F(5), SHIFT), false), None, "F5 is not Shift+F5");
        assert_eq!(keymap.keys_label(Action::NewConversation).as_deref(), Some("(none)"));
        assert_eq!(keymap.action_for(&key(Char('O'), CTRL | SHIFT), false), Some(Action::Library));
    }

    #[test]
    fn unknown_names_bad_keys_typed_keys_and_clashes_are_refused_with_the_entry() {
        let error = |entries: &[(&str, &str)]| Keymap::new(entries).unwrap_err();
        let unknown = error(&[("model", "ctrl+k"), ("modle", "f5")]);
        assert_eq!(unknown.entry, 1);
        assert!(unknown.message.contains("no action is called `modle`"), "{}", unknown.message);
        assert!(unknown.message.contains("model"), "the names are listed");
        assert!(error(&[("model", "ctrl+kk")]).message.contains("`kk` is not a key"));
        assert!(error(&[("model", "hyper+k")]).message.contains("not a modifier"));
        assert!(error(&[("model", "k")]).message.contains("typed into the message"));
        let twice = error(&[("model", "f5"), ("open", "F5")]);
        assert_eq!(
            (twice.entry, twice.message.as_str()),
            (1, "`F5` is also given to `model` here")
        );
        // Ctrl+K is delete-to-end's until that gets another key.
        let taken = error(&[("model", "ctrl+k")]);
        assert_eq!(taken.entry, 0);
        assert!(taken.message.contains("already `delete-to-end`'s key"), "{}", taken.message);
    }

    #[test]
    fn every_chat_action_has_a_name_of_its_own() {
        let names: Vec<&str> = chat_actions().into_iter().map(key_name).collect();
        assert!(names.iter().all(|name| !name.is_empty()), "{names:?}");
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "a name twice: {names:?}");
    }
}

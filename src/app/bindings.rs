//! Every key the app binds, in one table: the keys, the mode they work in, what they do, and
//! how the F1 popup, the status line's select-mode hint and the README's keys tables tell
//! it. Dispatch looks keys up in [`BINDINGS`] and those texts are generated from it, so they
//! cannot drift apart; the tests hold each hand-written label to its keys and README.md to
//! the table.
//!
//! Data and lookups only: nothing here changes `State` or draws. A key the table does not
//! bind goes to the input editor; in select mode it falls through to the chat bindings.

use std::sync::OnceLock;

use crossterm::event::KeyCode::{
    self, Backspace, Char, Delete, Down, End, Enter, Esc, F, Home, Left, PageDown, PageUp, Right,
    Tab, Up,
};
use crossterm::event::{KeyEvent, KeyModifiers};

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
    /// F7: the MCP servers and their tools, on or off for this conversation.
    Tools,
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
    /// Ctrl+V: attach the image on the system clipboard.
    PasteImage,
    /// Alt+A: the draft becomes an assistant turn written by you (a few-shot example);
    /// nothing is sent. With an empty draft, the next Enter does it.
    AsAssistant,
    /// Alt+U: the draft becomes your turn without being sent (a few-shot example).
    AsUser,
    /// `/save preset`: keep this conversation's system message, turns, model and
    /// parameters as a preset, under a name asked for.
    SavePreset,
    /// F8: each reply's tokens and cost under it, or not.
    ToggleUsage,
    /// `/context`: the next request part by part, against the window.
    Context,
    /// A key that edits the text being typed (the draft, or the editor of a popup).
    Edit(EditAction),
}

use super::editor::EditAction;

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

/// Which keys a binding listens to, so one key can mean different things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The input has the keys: what no binding takes is typed into the draft.
    Chat,
    /// A message is selected: these bindings come first, and a key none of them takes (Ctrl
    /// and Alt keys among them) falls through to the chat bindings, never to the draft.
    Select,
}

/// What a binding does; the variant says in which mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Does {
    Chat(Action),
    Select(SelectAction),
    /// Select mode's digits: copy the code block the digit numbers, so one binding stands for
    /// nine keys.
    CopyCode,
}

impl Does {
    pub fn mode(self) -> Mode {
        match self {
            Does::Chat(_) => Mode::Chat,
            Does::Select(_) | Does::CopyCode => Mode::Select,
        }
    }
}

/// The key of a [`Chord`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Key(KeyCode),
    /// 1 to 9.
    Digit,
}

/// When a chord applies beyond its key and modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Always,
    /// Only while the draft is empty, so the key keeps its editing meaning while typing.
    InputEmpty,
}

/// One key press a binding answers: the key, the modifiers that must be held and those
/// that must not (any other may be), and whether it needs an empty input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chord {
    pub code: Code,
    pub held: KeyModifiers,
    pub not_held: KeyModifiers,
    pub when: When,
    /// `false` for a second way to press a key the labels already name (F14 is Shift+F2 on
    /// terminals that do not report Shift with function keys), left out of the labels.
    pub shown: bool,
}

impl Chord {
    /// `code` with any modifiers.
    const fn on(code: Code) -> Self {
        Chord {
            code,
            held: KeyModifiers::NONE,
            not_held: KeyModifiers::NONE,
            when: When::Always,
            shown: true,
        }
    }

    const fn key(code: KeyCode) -> Self {
        Chord::on(Code::Key(code))
    }

    const fn ctrl(code: KeyCode) -> Self {
        Chord::key(code).with(KeyModifiers::CONTROL)
    }

    /// Without Ctrl or Alt, as select mode's keys are (Shift is how `G` arrives).
    const fn plain(code: KeyCode) -> Self {
        Chord::key(code).without(KeyModifiers::CONTROL.union(KeyModifiers::ALT))
    }

    /// 1 to 9, plain.
    const fn digits() -> Self {
        Chord::on(Code::Digit).without(KeyModifiers::CONTROL.union(KeyModifiers::ALT))
    }

    const fn with(self, modifiers: KeyModifiers) -> Self {
        Chord { held: self.held.union(modifiers), ..self }
    }

    const fn without(self, modifiers: KeyModifiers) -> Self {
        Chord { not_held: self.not_held.union(modifiers), ..self }
    }

    const fn if_input_empty(self) -> Self {
        Chord { when: When::InputEmpty, ..self }
    }

    const fn alias(self) -> Self {
        Chord { shown: false, ..self }
    }

    pub fn matches(&self, key: &KeyEvent, input_is_empty: bool) -> bool {
        let code = match self.code {
            Code::Key(code) => key.code == code,
            Code::Digit => matches!(key.code, Char('1'..='9')),
        };
        code && key.modifiers.contains(self.held)
            && !key.modifiers.intersects(self.not_held)
            && (self.when == When::Always || input_is_empty)
    }
}

/// How one of the texts tells a binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doc {
    /// A row of its own: the keys as a reader reads them (each named as the tests name a
    /// chord, e.g. `Ctrl+J`, `PgUp`, `1-9`; `,` and `/` separate them, `(…)` may explain),
    /// and what they do.
    Row { keys: &'static str, text: &'static str },
    /// In the row above, whose words cover this binding too.
    Above,
    /// Not in this text (the popup is short: select mode's moves are told in the row that
    /// enters it).
    Unlisted,
}

const fn row(keys: &'static str, text: &'static str) -> Doc {
    Doc::Row { keys, text }
}

/// A key binding and how each text tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    /// The key presses; no two bindings of one mode share one (a test checks).
    pub keys: &'static [Chord],
    pub does: Does,
    /// Its row in the F1 popup.
    pub help: Doc,
    /// Its row in README.md's keys tables: longer words, and a row per key where the popup
    /// has to be brief.
    pub readme: Doc,
    /// Its words in the status line while a message is selected, key first.
    pub hint: Option<&'static str>,
}

impl Binding {
    pub fn mode(&self) -> Mode {
        self.does.mode()
    }
}

const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const ALT: KeyModifiers = KeyModifiers::ALT;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

/// Every binding, chat mode's first, each mode in the order the popup, the README and the
/// hint list them.
pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &[Chord::key(Enter).without(ALT.union(SHIFT).union(CTRL))],
        does: Does::Chat(Action::Send),
        help: row("Enter", "send the message"),
        readme: row("Enter", "send"),
        hint: None,
    },
    Binding {
        // Terminals differ in which modifier they let through with Enter, so any will do.
        keys: &[
            Chord::key(Enter).with(ALT),
            Chord::key(Enter).with(SHIFT).alias(),
            Chord::key(Enter).with(CTRL).alias(),
            Chord::ctrl(Char('j')),
        ],
        does: Does::Chat(Action::Newline),
        help: row("Alt+Enter, Ctrl+J", "new line in the message"),
        readme: row("Alt+Enter, Ctrl+J", "new line"),
        hint: None,
    },
    Binding {
        keys: &[Chord::key(Esc)],
        does: Does::Chat(Action::Stop),
        help: row("Esc", "stop the reply (the partial text stays)"),
        readme: row("Esc", r#"stop the reply (the partial text stays, marked "stopped")"#),
        hint: None,
    },
    Binding {
        keys: &[Chord::ctrl(Char('c'))],
        does: Does::Chat(Action::StopOrQuit),
        help: row("Ctrl+C", "stop the reply, clear the draft, or quit"),
        readme: row(
            "Ctrl+C",
            "stop the reply; else clear the draft (Ctrl+/ brings it back); else quit",
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::ctrl(Char('d'))],
        does: Does::Chat(Action::Quit),
        help: row("Ctrl+D / Ctrl+Z", "quit / suspend to the shell (fg returns)"),
        readme: row("Ctrl+D", "quit"),
        hint: None,
    },
    Binding {
        keys: &[Chord::ctrl(Char('z'))],
        does: Does::Chat(Action::Suspend),
        help: Doc::Above,
        readme: row(
            "Ctrl+Z",
            "suspend to the shell; `fg` comes back to the same screen (a reply in flight \
             carries on)",
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::ctrl(Char('r'))],
        does: Does::Chat(Action::Retry),
        help: row("Ctrl+R", "retry the last prompt; [ ] shows the old reply"),
        readme: row(
            "Ctrl+R",
            "retry the last prompt (the old reply stays as a branch: select the new reply and \
             press `[`)",
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::ctrl(Char('o'))],
        does: Does::Chat(Action::Continue),
        help: row("Ctrl+O", "ask the model to continue its reply"),
        readme: row(
            "Ctrl+O",
            r#"ask the model to continue a reply (after "cut off at the token limit")"#,
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::ctrl(Char('n'))],
        does: Does::Chat(Action::NewConversation),
        help: row("Ctrl+N", "new conversation (this one is saved)"),
        readme: row(
            "Ctrl+N",
            "new conversation (the current one is already saved); with presets, pick one to \
             start from first",
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::ctrl(Char('l'))],
        does: Does::Chat(Action::Library),
        help: row("Ctrl+L", "saved conversations: type to search, Enter opens"),
        readme: row(
            "Ctrl+L",
            "saved conversations: type to search every message, Enter opens, F2 renames, Del \
             deletes",
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::ctrl(Char('p'))],
        does: Does::Chat(Action::Models),
        help: row("Ctrl+P", "switch model or provider (type to filter)"),
        readme: row(
            "Ctrl+P",
            "switch model or provider mid-conversation: every reachable provider's `/models` \
             plus configured ones, grouped by provider, recent first, type to filter (matches \
             `provider/model` too); a name not listed is taken as typed",
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::key(F(2)).without(SHIFT)],
        does: Does::Chat(Action::NextFavorite),
        help: row("F2, Shift+F2", "next / previous favorite model"),
        readme: row(
            "F2, Shift+F2",
            "next / previous of the config's `favorites`, without the picker",
        ),
        hint: None,
    },
    Binding {
        // Terminals that do not report Shift with function keys send Shift+F2 as F14.
        keys: &[Chord::key(F(2)).with(SHIFT), Chord::key(F(14)).alias()],
        does: Does::Chat(Action::PreviousFavorite),
        help: Doc::Above,
        readme: Doc::Above,
        hint: None,
    },
    Binding {
        keys: &[Chord::ctrl(Char('t'))],
        does: Does::Chat(Action::ToggleReasoning),
        help: row("Ctrl+T", "fold or unfold reasoning and tool results"),
        readme: row("Ctrl+T", "fold / unfold reasoning, tool arguments and tool results"),
        hint: None,
    },
    Binding {
        keys: &[Chord::key(PageUp)],
        does: Does::Chat(Action::PageUp),
        help: row("PgUp, PgDn", "scroll the transcript"),
        readme: row(
            "PgUp, PgDn, Home, End",
            "scroll (Home/End move the cursor while you type; Ctrl+Home/End always scroll)",
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::key(PageDown)],
        does: Does::Chat(Action::PageDown),
        help: Doc::Above,
        readme: Doc::Above,
        hint: None,
    },
    Binding {
        // Only with the input empty, so Home and End still move the cursor inside a draft.
        keys: &[Chord::key(Home).if_input_empty(), Chord::ctrl(Home).alias()],
        does: Does::Chat(Action::ScrollTop),
        help: row("Home, End", "top / bottom (Ctrl+Home, Ctrl+End while typing)"),
        readme: Doc::Above,
        hint: None,
    },
    Binding {
        keys: &[Chord::key(End).if_input_empty(), Chord::ctrl(End).alias()],
        does: Does::Chat(Action::ScrollBottom),
        help: Doc::Above,
        readme: Doc::Above,
        hint: None,
    },
    Binding {
        keys: &[Chord::key(F(1))],
        does: Does::Chat(Action::Help),
        help: row("F1", "this help"),
        readme: row("F1", "help"),
        hint: None,
    },
    Binding {
        keys: &[Chord::key(F(3))],
        does: Does::Chat(Action::EditSystem),
        help: row("F3", "edit the system message"),
        readme: row("F3", "edit the conversation's system message"),
        hint: None,
    },
    Binding {
        keys: &[Chord::key(F(4))],
        does: Does::Chat(Action::Params),
        help: row("F4", "temperature, top_p, max_tokens, seed, JSON replies (this chat)"),
        readme: row(
            "F4",
            "this conversation's temperature, top_p, max_tokens, seed and JSON replies (Tab \
             moves, Enter saves, empty = the provider's default)",
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::key(Char('a')).with(ALT)],
        does: Does::Chat(Action::AsAssistant),
        help: row("Alt+A", "add the draft as an assistant turn you wrote, unsent"),
        readme: row(
            "Alt+A",
            "add the draft as an assistant turn written by you, without sending (a few-shot \
             example; on an empty draft the next Enter adds it, Esc cancels)",
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::key(Char('u')).with(ALT)],
        does: Does::Chat(Action::AsUser),
        help: row("Alt+U", "add the draft as your turn, unsent"),
        readme: row("Alt+U", "add the draft as your turn, without sending (a few-shot example)"),
        hint: None,
    },
    Binding {
        keys: &[],
        does: Does::Chat(Action::SavePreset),
        help: row("(/save preset)", "keep this chat's system, turns, model as a preset"),
        readme: row(
            "(/save preset)",
            "keep this conversation's system message, turns (as few-shot examples), provider, \
             model and parameters as a preset under a name you type; Ctrl+N offers it",
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::key(F(8))],
        does: Does::Chat(Action::ToggleUsage),
        help: row("F8", "each reply's tokens and cost under it, or not"),
        readme: row(
            "F8",
            "show or hide each reply's usage under it: tokens in (cached), out (reasoning) and \
             cost (config: `show_usage = true`)",
        ),
        hint: None,
    },
    Binding {
        keys: &[],
        does: Does::Chat(Action::Context),
        help: row("(/context)", "what the next request holds, part by part"),
        readme: row(
            "(/context)",
            "the next request part by part: system message, pinned messages, history sent, \
             not sent, the draft, reserved for the reply, free, against the window",
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::key(F(6))],
        does: Does::Chat(Action::ToggleMouse),
        help: row("F6", "mouse on/off (off: the terminal selects text)"),
        readme: row("F6", "mouse capture on/off"),
        hint: None,
    },
    Binding {
        keys: &[Chord::key(F(7))],
        does: Does::Chat(Action::Tools),
        help: row("F7", "tools: MCP servers, on/off for this chat"),
        readme: row(
            "F7",
            "tools: each MCP server with its status and tools; Space turns one on or off for \
             this conversation",
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::ctrl(Char('e'))],
        does: Does::Chat(Action::Compose),
        help: row("Ctrl+E", "write the message in $EDITOR"),
        readme: row(
            "Ctrl+E",
            "write the message in `$EDITOR` (then `$VISUAL`, else `vi`); saving and quitting \
             puts the text in the input, a failing editor leaves the draft as it was; a reply \
             keeps streaming meanwhile",
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::ctrl(Char('v'))],
        does: Does::Chat(Action::PasteImage),
        help: row("Ctrl+V", "attach the image on the clipboard"),
        readme: row(
            "Ctrl+V",
            "attach the image on the system clipboard (a screenshot), as a dropped image file is; \
             text pastes with the terminal's own paste key",
        ),
        hint: None,
    },
    Binding {
        // Tab only with the input empty: while typing it is the editor's.
        keys: &[Chord::key(Tab).without(CTRL.union(ALT)).if_input_empty(), Chord::ctrl(Up)],
        does: Does::Chat(Action::Select),
        help: row("Tab, Ctrl+Up", "select a message: Up/Down, k/j move; Esc leaves"),
        readme: row("Tab (input empty), Ctrl+Up", "select mode: pick a message (below)"),
        hint: None,
    },
    Binding {
        keys: &[Chord::key(Left).without(CTRL.union(ALT))],
        does: Does::Chat(Action::Edit(EditAction::Left)),
        help: Doc::Unlisted,
        readme: row(
            "Left, Right, Backspace, Delete",
            "move or delete by character (an emoji, or a letter with its accent, is one)",
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::key(Right).without(CTRL.union(ALT))],
        does: Does::Chat(Action::Edit(EditAction::Right)),
        help: Doc::Unlisted,
        readme: Doc::Above,
        hint: None,
    },
    Binding {
        keys: &[Chord::key(Backspace).without(CTRL.union(ALT))],
        does: Does::Chat(Action::Edit(EditAction::Backspace)),
        help: Doc::Unlisted,
        readme: Doc::Above,
        hint: None,
    },
    Binding {
        keys: &[Chord::key(Delete).without(CTRL.union(ALT))],
        does: Does::Chat(Action::Edit(EditAction::Delete)),
        help: Doc::Unlisted,
        readme: Doc::Above,
        hint: None,
    },
    Binding {
        keys: &[Chord::key(Tab).without(CTRL.union(ALT))],
        does: Does::Chat(Action::Edit(EditAction::Tab)),
        help: Doc::Unlisted,
        readme: row("Tab (while typing)", "four spaces"),
        hint: None,
    },
    Binding {
        // Alt+Left and Alt+Right are what some terminals send for the same keys.
        keys: &[
            Chord::ctrl(Left),
            Chord::key(Char('b')).with(ALT),
            Chord::key(Left).with(ALT).alias(),
        ],
        does: Does::Chat(Action::Edit(EditAction::WordLeft)),
        help: row("Ctrl+Left, Ctrl+Right, Alt+B, Alt+F", "a word left / right"),
        readme: row(
            "Ctrl+Left, Ctrl+Right, Alt+B, Alt+F",
            "a word left / right (Alt+Left, Alt+Right too)",
        ),
        hint: None,
    },
    Binding {
        keys: &[
            Chord::ctrl(Right),
            Chord::key(Char('f')).with(ALT),
            Chord::key(Right).with(ALT).alias(),
        ],
        does: Does::Chat(Action::Edit(EditAction::WordRight)),
        help: Doc::Above,
        readme: Doc::Above,
        hint: None,
    },
    Binding {
        keys: &[Chord::key(Home).without(CTRL), Chord::ctrl(Char('a'))],
        does: Does::Chat(Action::Edit(EditAction::Home)),
        help: row("Ctrl+A, Home, End", "start / end of the line"),
        readme: row("Ctrl+A, Home, End", "start / end of the line (Ctrl+E is the editor)"),
        hint: None,
    },
    Binding {
        keys: &[Chord::key(End).without(CTRL)],
        does: Does::Chat(Action::Edit(EditAction::End)),
        help: Doc::Above,
        readme: Doc::Above,
        hint: None,
    },
    Binding {
        keys: &[Chord::ctrl(Char('w')), Chord::key(Backspace).with(ALT)],
        does: Does::Chat(Action::Edit(EditAction::DeleteWordBack)),
        help: row("Ctrl+W, Alt+Backspace, Alt+D", "delete a word back / forward"),
        readme: row(
            "Ctrl+W, Alt+Backspace, Alt+D",
            "delete a word back / forward (Ctrl+Delete too)",
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::key(Char('d')).with(ALT), Chord::ctrl(Delete).alias()],
        does: Does::Chat(Action::Edit(EditAction::DeleteWordForward)),
        help: Doc::Above,
        readme: Doc::Above,
        hint: None,
    },
    Binding {
        keys: &[Chord::ctrl(Char('u'))],
        does: Does::Chat(Action::Edit(EditAction::DeleteToStart)),
        help: row("Ctrl+U, Ctrl+K, Ctrl+Y", "delete to the line's start / end; put it back"),
        readme: row(
            "Ctrl+U, Ctrl+K, Ctrl+Y",
            "delete to the start / end of the line; put back what the last word or line \
             deletion removed",
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::ctrl(Char('k'))],
        does: Does::Chat(Action::Edit(EditAction::DeleteToEnd)),
        help: Doc::Above,
        readme: Doc::Above,
        hint: None,
    },
    Binding {
        keys: &[Chord::ctrl(Char('y'))],
        does: Does::Chat(Action::Edit(EditAction::Yank)),
        help: Doc::Above,
        readme: Doc::Above,
        hint: None,
    },
    Binding {
        // Terminals send Ctrl+/ and Ctrl+_ as one byte, which arrives as Ctrl+7.
        keys: &[
            Chord::ctrl(Char('/')),
            Chord::ctrl(Char('_')).alias(),
            Chord::ctrl(Char('7')).alias(),
        ],
        does: Does::Chat(Action::Edit(EditAction::Undo)),
        help: row("Ctrl+/, Alt+/", "undo / redo typing (Ctrl+_ too)"),
        readme: row("Ctrl+/, Alt+/", "undo / redo in the text being typed (Ctrl+_ also undoes)"),
        hint: None,
    },
    Binding {
        keys: &[Chord::key(Char('/')).with(ALT)],
        does: Does::Chat(Action::Edit(EditAction::Redo)),
        help: Doc::Above,
        readme: Doc::Above,
        hint: None,
    },
    Binding {
        keys: &[Chord::key(Up).without(CTRL.union(ALT))],
        does: Does::Chat(Action::Edit(EditAction::Up)),
        help: row("Up, Down", "a row up / down; earlier / later prompts past the ends"),
        readme: row(
            "Up, Down",
            "a row up / down in the draft; on its first row Up recalls earlier prompts (also \
             from earlier sessions; only those containing what you typed, when any does), and \
             Down on its last comes back to what you were typing",
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::key(Down).without(CTRL.union(ALT))],
        does: Does::Chat(Action::Edit(EditAction::Down)),
        help: Doc::Above,
        readme: Doc::Above,
        hint: None,
    },
    Binding {
        keys: &[Chord::plain(Up), Chord::plain(Char('k'))],
        does: Does::Select(SelectAction::Older),
        help: Doc::Unlisted,
        readme: row(
            "Up/Down, k/j",
            "previous / next message (the view scrolls to keep it visible)",
        ),
        hint: None,
    },
    Binding {
        keys: &[Chord::plain(Down), Chord::plain(Char('j'))],
        does: Does::Select(SelectAction::Newer),
        help: Doc::Unlisted,
        readme: Doc::Above,
        hint: None,
    },
    Binding {
        keys: &[Chord::plain(Home), Chord::plain(Char('g'))],
        does: Does::Select(SelectAction::Oldest),
        help: Doc::Unlisted,
        readme: row("Home/End, g/G", "first / last message"),
        hint: None,
    },
    Binding {
        keys: &[Chord::plain(End), Chord::plain(Char('G'))],
        does: Does::Select(SelectAction::Newest),
        help: Doc::Unlisted,
        readme: Doc::Above,
        hint: None,
    },
    Binding {
        keys: &[Chord::plain(Char('y'))],
        does: Does::Select(SelectAction::Copy),
        help: row("y, 1-9", "copy it / copy its n-th code block"),
        readme: row("y", "copy the message"),
        hint: Some("y copy"),
    },
    Binding {
        keys: &[Chord::digits()],
        does: Does::CopyCode,
        help: Doc::Above,
        readme: row("1-9", "copy its n-th fenced code block"),
        hint: Some("1-9 code"),
    },
    Binding {
        keys: &[Chord::plain(Char('o'))],
        does: Does::Select(SelectAction::Page),
        help: row("o, e", "open it in $PAGER / edit a prompt: new branch"),
        readme: row("o", "open it in `$PAGER` (else `less`)"),
        hint: Some("o page"),
    },
    Binding {
        keys: &[Chord::plain(Char('e'))],
        does: Does::Select(SelectAction::Edit),
        help: Doc::Above,
        readme: row(
            "e",
            "edit your prompt, or a reply: its text goes to the input; Enter sends the prompt as \
             a new branch, or keeps the reply as a new branch written by you (nothing is sent); \
             Esc cancels and gives back what you had typed",
        ),
        hint: Some("e edit"),
    },
    Binding {
        keys: &[Chord::plain(Char('p'))],
        does: Does::Select(SelectAction::Pin),
        help: row("p, d", "pin it (never trimmed) / delete it (asks)"),
        readme: row(
            "p",
            "pin / unpin: a pinned message (`⚑ pinned`) is always sent, never trimmed from the \
             context",
        ),
        hint: Some("p pin"),
    },
    Binding {
        keys: &[Chord::plain(Char('d'))],
        does: Does::Select(SelectAction::Delete),
        help: Doc::Above,
        readme: row("d", "delete, after asking (y confirms)"),
        hint: Some("d del"),
    },
    Binding {
        keys: &[Chord::plain(Char('['))],
        does: Does::Select(SelectAction::PreviousBranch),
        help: row("[, ]", "previous / next branch at this message"),
        readme: row(
            "[, ]",
            "previous / next branch at this message (shown as `‹ branch 2/3 ›` on messages that \
             have siblings)",
        ),
        hint: Some("[] branch"),
    },
    Binding {
        keys: &[Chord::plain(Char(']'))],
        does: Does::Select(SelectAction::NextBranch),
        help: Doc::Above,
        readme: Doc::Above,
        hint: None,
    },
    Binding {
        keys: &[Chord::plain(Esc), Chord::plain(Tab)],
        does: Does::Select(SelectAction::Leave),
        help: Doc::Unlisted,
        readme: row("Esc, Tab", "leave select mode"),
        hint: Some("Esc"),
    },
];

/// The name an action goes by in the command palette (`/` on an empty draft), where it can
/// be run without its key; actions that only make sense as keys have none.
pub fn palette_name(action: Action) -> Option<&'static str> {
    Some(match action {
        Action::Retry => "retry",
        Action::Continue => "continue",
        Action::NewConversation => "new",
        Action::Library => "open",
        Action::Models => "model",
        Action::NextFavorite => "next-favorite",
        Action::PreviousFavorite => "previous-favorite",
        Action::Params => "params",
        Action::Tools => "tools",
        Action::ToggleReasoning => "reasoning",
        Action::Help => "help",
        Action::EditSystem => "system",
        Action::ToggleMouse => "mouse",
        Action::Compose => "editor",
        Action::Select => "select",
        Action::Suspend => "suspend",
        Action::PasteImage => "paste-image",
        Action::Quit => "quit",
        Action::ScrollTop => "top",
        Action::ScrollBottom => "bottom",
        Action::AsAssistant => "as assistant",
        Action::AsUser => "as user",
        Action::SavePreset => "save preset",
        Action::ToggleUsage => "usage",
        Action::Context => "context",
        Action::Send
        | Action::Newline
        | Action::Stop
        | Action::StopOrQuit
        | Action::PageUp
        | Action::PageDown
        | Action::Edit(_) => return None,
    })
}

/// One entry of the command palette: its name, the keys that do the same, and what it does,
/// in the binding table's order and words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub name: &'static str,
    pub keys: String,
    pub text: &'static str,
    pub action: Action,
}

/// Every named action, from the table: the popup's words where it has a row of its own,
/// else the README's.
pub fn commands() -> Vec<Command> {
    let mut commands: Vec<Command> = Vec::new();
    for binding in BINDINGS {
        let Does::Chat(action) = binding.does else { continue };
        let Some(name) = palette_name(action) else { continue };
        let keys = super::keymap::active().keys_label(action).unwrap_or_else(|| {
            let keys: Vec<String> =
                binding.keys.iter().filter(|chord| chord.shown).map(Chord::label).collect();
            keys.join(", ")
        });
        let text = match (binding.help, binding.readme) {
            (Doc::Row { text, .. }, _) | (_, Doc::Row { text, .. }) => text,
            _ => commands.last().map_or("", |c| c.text),
        };
        commands.push(Command { name, keys, text, action });
    }
    commands
}

impl Chord {
    /// The chord as the labels name it: `Ctrl+J`, `Shift+F2`, `PgUp`, `Home (input empty)`.
    pub fn label(&self) -> String {
        let mut name = String::new();
        for (modifier, word) in [(CTRL, "Ctrl+"), (ALT, "Alt+"), (SHIFT, "Shift+")] {
            if self.held.contains(modifier) {
                name.push_str(word);
            }
        }
        let key = match self.code {
            Code::Digit => "1-9".to_owned(),
            Code::Key(Char(c)) if self.held.intersects(CTRL.union(ALT)) => {
                c.to_ascii_uppercase().to_string()
            }
            Code::Key(Char(c)) => c.to_string(),
            Code::Key(F(n)) => format!("F{n}"),
            Code::Key(PageUp) => "PgUp".to_owned(),
            Code::Key(PageDown) => "PgDn".to_owned(),
            Code::Key(code) => format!("{code:?}"),
        };
        name + &key
    }
}

/// The binding of `mode` that answers `key`.
fn lookup(mode: Mode, key: &KeyEvent, input_is_empty: bool) -> Option<&'static Binding> {
    BINDINGS
        .iter()
        .filter(|binding| binding.mode() == mode)
        .find(|binding| binding.keys.iter().any(|chord| chord.matches(key, input_is_empty)))
}

/// The action bound to `key` by the keys in effect (the table, with the user's `[keys]`
/// over it), or `None` to pass it to the editor.
pub fn action_for(key: &KeyEvent, input_is_empty: bool) -> Option<Action> {
    super::keymap::active().action_for(key, input_is_empty)
}

/// The select-mode action bound to `key`; `None` for keys that mean nothing there (Ctrl
/// keys then fall through to the main table).
pub fn select_action_for(key: &KeyEvent) -> Option<SelectAction> {
    match lookup(Mode::Select, key, false)?.does {
        Does::Select(action) => Some(action),
        Does::CopyCode => match key.code {
            Char(digit) => digit.to_digit(10).map(|n| SelectAction::CopyCode(n as usize)),
            _ => None,
        },
        Does::Chat(_) => None,
    }
}

/// A row of the popup or the README: the bindings one label tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub mode: Mode,
    pub keys: String,
    pub text: &'static str,
    pub bindings: Vec<&'static Binding>,
}

/// The F1 popup's rows, in table order, with the keys in effect: a row holding an action
/// the user rebound names the keys as they are now.
pub fn help_rows() -> Vec<Row> {
    let keymap = super::keymap::active();
    let mut rows = rows(|binding| binding.help);
    if keymap.is_default() {
        return rows;
    }
    for row in &mut rows {
        let rebound = row.bindings.iter().any(|binding| {
            matches!(binding.does, Does::Chat(action) if keymap.keys_label(action).is_some())
        });
        if !rebound {
            continue;
        }
        let keys: Vec<String> = row
            .bindings
            .iter()
            .map(|binding| {
                match binding.does {
                    Does::Chat(action) => keymap.keys_label(action),
                    _ => None,
                }
                .unwrap_or_else(|| {
                    let labels: Vec<String> =
                        binding.keys.iter().filter(|chord| chord.shown).map(Chord::label).collect();
                    labels.join(", ")
                })
            })
            .collect();
        row.keys = keys.join(" / ");
    }
    rows
}

/// README.md's rows, in table order; each mode is a table of its own there.
pub fn readme_rows() -> Vec<Row> {
    rows(|binding| binding.readme)
}

fn rows(doc: fn(&Binding) -> Doc) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    for binding in BINDINGS {
        match doc(binding) {
            Doc::Row { keys, text } => {
                let keys = keys.to_owned();
                rows.push(Row { mode: binding.mode(), keys, text, bindings: vec![binding] });
            }
            Doc::Above => {
                if let Some(row) = rows.last_mut() {
                    row.bindings.push(binding);
                }
            }
            Doc::Unlisted => {}
        }
    }
    rows
}

/// The status line's reminder while a message is selected: the hinted select bindings in
/// table order.
pub fn select_hint() -> &'static str {
    static HINT: OnceLock<String> = OnceLock::new();
    HINT.get_or_init(|| {
        BINDINGS
            .iter()
            .filter(|binding| binding.mode() == Mode::Select)
            .filter_map(|binding| binding.hint)
            .collect::<Vec<_>>()
            .join("  ")
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn enter_sends_and_alt_enter_or_ctrl_j_insert_a_newline() {
        assert_eq!(action_for(&key(Enter, KeyModifiers::NONE), false), Some(Action::Send));
        assert_eq!(action_for(&key(Enter, KeyModifiers::ALT), false), Some(Action::Newline));
        assert_eq!(
            action_for(&key(Char('j'), KeyModifiers::CONTROL), false),
            Some(Action::Newline)
        );
    }

    #[test]
    fn enter_with_any_modifier_is_a_newline_and_f14_is_shift_f2() {
        for modifiers in [SHIFT, CTRL, ALT.union(SHIFT)] {
            assert_eq!(action_for(&key(Enter, modifiers), false), Some(Action::Newline));
        }
        assert_eq!(action_for(&key(F(2), SHIFT), false), Some(Action::PreviousFavorite));
        assert_eq!(
            action_for(&key(F(14), KeyModifiers::NONE), false),
            Some(Action::PreviousFavorite)
        );
        assert_eq!(action_for(&key(F(2), KeyModifiers::NONE), false), Some(Action::NextFavorite));
    }

    #[test]
    fn home_moves_the_cursor_while_typing_and_scrolls_otherwise() {
        assert_eq!(
            action_for(&key(Home, KeyModifiers::NONE), false),
            Some(Action::Edit(EditAction::Home))
        );
        assert_eq!(action_for(&key(Home, KeyModifiers::NONE), true), Some(Action::ScrollTop));
        assert_eq!(action_for(&key(End, KeyModifiers::CONTROL), false), Some(Action::ScrollBottom));
    }

    #[test]
    fn tab_selects_only_when_the_input_is_empty_and_letters_are_commands_in_select_mode() {
        assert_eq!(action_for(&key(Tab, KeyModifiers::NONE), true), Some(Action::Select));
        assert_eq!(
            action_for(&key(Tab, KeyModifiers::NONE), false),
            Some(Action::Edit(EditAction::Tab))
        );
        assert_eq!(action_for(&key(Up, KeyModifiers::CONTROL), false), Some(Action::Select));
        let select = |code| select_action_for(&key(code, KeyModifiers::NONE));
        assert_eq!(select(Char('3')), Some(SelectAction::CopyCode(3)));
        assert_eq!(select(Char('j')), Some(SelectAction::Newer));
        assert_eq!(select(Char('x')), None);
        assert_eq!(select_action_for(&key(Char('c'), KeyModifiers::CONTROL)), None);
    }

    #[test]
    fn ctrl_z_suspends_rather_than_reaching_the_editor() {
        let ctrl_z = key(Char('z'), KeyModifiers::CONTROL);
        assert_eq!(action_for(&ctrl_z, false), Some(Action::Suspend));
    }

    #[test]
    fn plain_letters_go_to_the_editor() {
        assert_eq!(action_for(&key(Char('r'), KeyModifiers::NONE), false), None);
    }

    /// The key events a chord stands for, pressed with its modifiers and no others.
    fn presses(chord: &Chord) -> Vec<(KeyEvent, Option<usize>)> {
        match chord.code {
            Code::Key(code) => vec![(key(code, chord.held), None)],
            Code::Digit => (1..=9u8)
                .map(|n| (key(Char(char::from(b'0' + n)), chord.held), Some(usize::from(n))))
                .collect(),
        }
    }

    #[test]
    fn every_key_in_the_table_dispatches_to_its_own_binding() {
        // A key another binding of the same mode answers first would fail here.
        for binding in BINDINGS {
            for chord in binding.keys {
                let input_is_empty = chord.when == When::InputEmpty;
                for (event, digit) in presses(chord) {
                    let got = match binding.mode() {
                        Mode::Chat => action_for(&event, input_is_empty).map(Does::Chat),
                        Mode::Select => select_action_for(&event).map(Does::Select),
                    };
                    let want = match (binding.does, digit) {
                        (Does::CopyCode, Some(n)) => Does::Select(SelectAction::CopyCode(n)),
                        (does, _) => does,
                    };
                    assert_eq!(got, Some(want), "{event:?} in {:?} mode", binding.mode());
                }
            }
        }
    }

    /// A chord as the labels name it: `Ctrl+J`, `Shift+F2`, `PgUp`, `k`, `1-9`.
    fn name(chord: &Chord) -> String {
        chord.label()
    }

    #[test]
    fn the_palette_lists_every_named_action_with_its_keys_once() {
        let commands = commands();
        let names: Vec<&str> = commands.iter().map(|c| c.name).collect();
        for name in ["model", "new", "system", "params", "retry", "help", "open", "quit", "tools"] {
            assert!(names.contains(&name), "/{name} is missing from {names:?}");
        }
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "a name twice: {names:?}");
        let model = commands.iter().find(|c| c.name == "model").unwrap();
        assert_eq!((model.keys.as_str(), model.action), ("Ctrl+P", Action::Models));
    }

    /// The keys a label names: split at `,` and `/`, explanations in brackets left out.
    fn named_in(label: &str) -> BTreeSet<String> {
        let mut bare = String::new();
        let mut depth = 0;
        for c in label.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ if depth == 0 => bare.push(c),
                _ => {}
            }
        }
        // A `/` right after `+` is the key itself (Ctrl+/), not a separator.
        let mut keys = Vec::new();
        let mut key = String::new();
        for c in bare.chars() {
            if c == ',' || (c == '/' && !key.ends_with('+')) {
                keys.push(std::mem::take(&mut key));
            } else {
                key.push(c);
            }
        }
        keys.push(key);
        keys.into_iter().map(|k| k.trim().to_owned()).filter(|k| !k.is_empty()).collect()
    }

    #[test]
    fn every_label_names_exactly_the_keys_of_its_row() {
        for row in help_rows().into_iter().chain(readme_rows()) {
            let keys: BTreeSet<String> = row
                .bindings
                .iter()
                .flat_map(|binding| binding.keys)
                .filter(|chord| chord.shown)
                .map(name)
                .collect();
            assert_eq!(named_in(&row.keys), keys, "the row {:?}", row.keys);
            for binding in &row.bindings {
                assert_eq!(
                    binding.mode(),
                    row.mode,
                    "{:?} joins a row of another mode",
                    binding.does
                );
            }
        }
    }

    #[test]
    fn every_binding_is_in_the_readme_and_the_popup_leaves_out_only_select_moves() {
        let told = |rows: Vec<Row>| -> Vec<Does> {
            rows.iter().flat_map(|row| row.bindings.iter().map(|b| b.does)).collect()
        };
        let (readme, help) = (told(readme_rows()), told(help_rows()));
        // The popup's row that enters select mode sums up moving and leaving.
        let moves = [
            SelectAction::Older,
            SelectAction::Newer,
            SelectAction::Oldest,
            SelectAction::Newest,
            SelectAction::Leave,
        ];
        // Nor does it list the keys that move and delete one character.
        let typing = [
            EditAction::Left,
            EditAction::Right,
            EditAction::Backspace,
            EditAction::Delete,
            EditAction::Tab,
        ];
        for binding in BINDINGS {
            assert!(readme.contains(&binding.does), "{:?} is not in the README", binding.does);
            let a_move = matches!(binding.does, Does::Select(action) if moves.contains(&action))
                || matches!(binding.does, Does::Chat(Action::Edit(e)) if typing.contains(&e));
            assert!(
                help.contains(&binding.does) || a_move,
                "{:?} is not in the F1 popup",
                binding.does
            );
        }
    }

    #[test]
    fn the_select_hint_names_the_hinted_select_keys_in_order() {
        assert_eq!(select_hint(), "y copy  1-9 code  o page  e edit  p pin  d del  [] branch  Esc");
        for (binding, hint) in BINDINGS.iter().filter_map(|b| Some((b, b.hint?))) {
            assert_eq!(binding.mode(), Mode::Select, "{hint:?} is hinted outside select mode");
            let keys = hint.split(' ').next().unwrap();
            assert!(
                binding
                    .keys
                    .iter()
                    .filter(|chord| chord.shown)
                    .any(|chord| keys.starts_with(&name(chord))),
                "the hint {hint:?} does not start with a key of {:?}",
                binding.does
            );
        }
    }

    /// README.md's keys table for `mode`, as the test below expects it.
    fn readme_table(mode: Mode) -> String {
        let mut table = String::from("| key | does |\n|---|---|\n");
        for row in readme_rows().iter().filter(|row| row.mode == mode) {
            table.push_str(&format!("| {} | {} |\n", row.keys, row.text));
        }
        table
    }

    /// The first table after the line `heading` in `markdown`.
    fn table_after(markdown: &str, heading: &str) -> String {
        markdown
            .lines()
            .skip_while(|line| *line != heading)
            .skip_while(|line| !line.starts_with('|'))
            .take_while(|line| line.starts_with('|'))
            .map(|line| format!("{line}\n"))
            .collect()
    }

    #[test]
    fn the_readme_keys_tables_are_the_binding_table() {
        let readme = include_str!("../../README.md");
        let stale: String = [("## Keys", Mode::Chat), ("### Select mode", Mode::Select)]
            .into_iter()
            .filter_map(|(heading, mode)| {
                let want = readme_table(mode);
                (table_after(readme, heading) != want)
                    .then(|| format!("the table under {heading:?} should be:\n\n{want}\n"))
            })
            .collect();
        assert!(stale.is_empty(), "README.md differs from src/app/bindings.rs; {stale}");
    }
}

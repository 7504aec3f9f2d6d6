//! The command palette: `/` on an empty draft lists every named action with its keys (from
//! the binding table), filtered as you type; Enter runs the one selected, Esc closes, and a
//! second `/` closes it leaving a `/` in the draft, so a prompt can start with one.
//!
//! Pure, like `update`: running an action is `update`'s.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::bindings::{Action, Command, commands};
use super::state::{Popup, State};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Palette {
    pub query: String,
    pub selected: usize,
}

pub fn open(state: &mut State) {
    state.popup = Some(Popup::Palette(Box::default()));
}

/// The commands matching `query`: names starting with it first, then names containing it,
/// then those whose words contain it, each in table order.
pub fn matches(query: &str) -> Vec<Command> {
    let query = query.trim().to_lowercase();
    let mut ranked: Vec<(usize, Command)> = commands()
        .into_iter()
        .filter_map(|command| {
            let rank = if command.name.starts_with(&query) {
                0
            } else if command.name.contains(&query) {
                1
            } else if command.text.to_lowercase().contains(&query) {
                2
            } else {
                return None;
            };
            Some((rank, command))
        })
        .collect();
    ranked.sort_by_key(|(rank, _)| *rank);
    ranked.into_iter().map(|(_, command)| command).collect()
}

/// A key in the palette; `Some(action)` to run once it is closed.
pub fn on_key(state: &mut State, key: KeyEvent) -> Option<Action> {
    let Some(Popup::Palette(palette)) = &mut state.popup else { return None };
    let plain = !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    match key.code {
        KeyCode::Esc => state.popup = None,
        KeyCode::Up => palette.selected = palette.selected.saturating_sub(1),
        KeyCode::Down => palette.selected += 1,
        KeyCode::Backspace if palette.query.pop().is_none() => state.popup = None,
        KeyCode::Backspace => palette.selected = 0,
        // `//`: a prompt that starts with a slash.
        KeyCode::Char('/') if palette.query.is_empty() => {
            state.popup = None;
            state.input.type_char('/');
        }
        KeyCode::Char(c) if plain => {
            palette.query.push(c);
            palette.selected = 0;
        }
        KeyCode::Enter => {
            let found = matches(&palette.query);
            let chosen = found.get(palette.selected.min(found.len().saturating_sub(1)));
            let action = chosen.map(|command| command.action);
            let query = std::mem::take(&mut palette.query);
            state.popup = None;
            if action.is_none() {
                state.notice = Some(format!("no command matches /{query}"));
            }
            return action;
        }
        _ => {}
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::msg::{Effect, Msg};
    use crate::app::state::Target;
    use crate::app::update;

    fn state() -> State {
        State::new(Target { provider: "p".into(), model: "m".into() }, String::new(), false)
    }

    fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
        update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    #[test]
    fn slash_on_an_empty_draft_opens_the_palette_and_enter_runs_the_match() {
        let mut state = state();
        press(&mut state, KeyCode::Char('/'));
        assert!(matches!(state.popup, Some(Popup::Palette(_))));
        for c in "mod".chars() {
            press(&mut state, KeyCode::Char(c));
        }
        assert_eq!(matches("mod")[0].action, Action::Models);
        let effects = press(&mut state, KeyCode::Enter);
        assert!(matches!(state.popup, Some(Popup::Models(_))), "the picker opened");
        assert!(effects.iter().any(|e| matches!(e, Effect::FetchModels { .. })));
    }

    #[test]
    fn two_slashes_type_one_and_a_slash_inside_a_draft_is_just_a_slash() {
        let mut state = state();
        press(&mut state, KeyCode::Char('/'));
        press(&mut state, KeyCode::Char('/'));
        assert!(state.popup.is_none());
        assert_eq!(state.input.text(), "/");
        press(&mut state, KeyCode::Char('/'));
        assert_eq!(state.input.text(), "//");
    }

    #[test]
    fn words_find_commands_too() {
        assert_eq!(matches("system")[0].action, Action::EditSystem);
        assert!(matches("temperature").iter().any(|c| c.action == Action::Params));
        assert!(matches("zzz").is_empty());
    }
}

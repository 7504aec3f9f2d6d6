//! Scrolling the transcript, as intent: page and row moves, top and bottom, kept in
//! `View::scroll` for the screen to resolve when it draws. Moves are relative to what the last
//! frame showed (`Msg::Shown`), so they need no layout here; a view that reached the bottom
//! follows new text again.

use super::msg::Effect;
use super::state::{Scroll, Shown, State};

/// Moves the view `pages` pages down (up when negative); a page keeps two rows of the last
/// one in view.
pub fn by_pages(state: &mut State, pages: isize) -> Vec<Effect> {
    let Some(shown) = state.view.shown else { return Vec::new() };
    let page = (shown.height as isize).saturating_sub(2).max(1);
    by_rows(state, pages.saturating_mul(page))
}

/// Moves the view `rows` rows down (up when negative).
pub fn by_rows(state: &mut State, rows: isize) -> Vec<Effect> {
    let Some(shown) = state.view.shown else { return Vec::new() };
    let (index, line) = match state.view.scroll {
        Scroll::Anchor { index, line } => (index, line),
        // Moves since the last frame build on each other; from anywhere else a move starts
        // at what is on screen.
        Scroll::Follow | Scroll::Top | Scroll::Reveal(_) => {
            (shown.top.0, isize::try_from(shown.top.1).unwrap_or(isize::MAX))
        }
    };
    state.view.scroll = Scroll::Anchor { index, line: line.saturating_add(rows) };
    Vec::new()
}

/// A frame showed `shown`: an intent it carried out becomes the place it reached, and one
/// that reached the bottom follows new text from now on.
pub fn shown(state: &mut State, shown: Shown) {
    state.view.shown = Some(shown);
    state.view.scroll = match state.view.scroll {
        Scroll::Follow => Scroll::Follow,
        _ if shown.at_bottom => Scroll::Follow,
        _ => Scroll::Anchor {
            index: shown.top.0,
            line: isize::try_from(shown.top.1).unwrap_or(isize::MAX),
        },
    };
}

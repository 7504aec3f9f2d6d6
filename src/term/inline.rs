//! Inline mode's terminal: no alternate screen. Finished messages are written into the
//! terminal's own screen just above a viewport that holds the live part, and scroll up into
//! its scrollback as the terminal scrolls them, so the terminal's own scrolling, search and
//! selection cover the conversation, and it stays there after quitting.
//!
//! The viewport is a fixed rectangle that sits right under the last line written: it grows
//! downwards (scrolling the screen when it reaches the bottom) and is moved down as lines
//! are written above it. Popups, select mode and scrolling back take the alternate screen
//! for as long as they last (a full-screen moment); closing them returns to the main
//! screen as the terminal kept it. Everything goes through the backend, so tests drive it
//! with `TestBackend`: finished lines through its [`Scrollback`] printing (styled text
//! written straight to the terminal's writer, or cell by cell on a backend without one);
//! the alternate screen's switch goes through the host's raw writer.
//!
//! It never changes the app's state: what to print and how tall the live part is are the
//! screen's.

use std::io;

use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;

use super::host::RawWrite;
use super::print::Scrollback;
use crate::app::state::{Scroll, State};
use crate::ui::Screen;

/// Where the viewport is on the main screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inline {
    /// The viewport's first row: the row under the last line written.
    top: u16,
    height: u16,
    /// The terminal's size as last seen.
    size: (u16, u16),
    /// A popup, select mode or scrolling back has the alternate screen.
    full: bool,
    /// The cursor's row in the viewport as last drawn: the terminal keeps the cursor with
    /// its line when it rewraps or scrolls on a resize, so it finds the viewport again.
    cursor: u16,
    /// How far each row above the cursor was painted, as last drawn: a terminal that
    /// rewraps its lines when it gets narrower makes a row wider than the new width two.
    painted: Vec<u16>,
    /// Whether the terminal rewraps (reflows) its lines on a resize (tmux and most terminal
    /// emulators do; xterm does not): known from the environment, never asked.
    reflows: bool,
}

const ENTER_ALTERNATE: &str = "\x1b[?1049h\x1b[2J";
const LEAVE_ALTERNATE: &str = "\x1b[?1049l";

impl Inline {
    /// Starts under the cursor (asked of the terminal, before anything reads its keys); on
    /// the last row when the terminal does not say.
    pub fn start<B: Scrollback<Error = E>, E: std::error::Error + Send + Sync + 'static>(
        terminal: &mut Terminal<B>,
    ) -> io::Result<Inline> {
        let size = terminal.size().map_err(io::Error::other)?;
        let bottom = Position::new(0, size.height.saturating_sub(1));
        let cursor = terminal.get_cursor_position().unwrap_or(bottom);
        let mut inline = Inline {
            top: cursor.y,
            height: 0,
            size: (size.width, size.height),
            full: false,
            cursor: 0,
            painted: Vec::new(),
            reflows: reflows(|name| std::env::var_os(name)),
        };
        // The cursor may sit after a prompt's text: start on a fresh row.
        if cursor.x > 0 {
            inline.top = inline.top.saturating_add(1);
        }
        Ok(inline)
    }

    /// Whether the state wants the whole screen: a popup, select mode, scrolling back, or
    /// the first run's offer of servers (it fills the empty transcript pane).
    fn wants_full(state: &State) -> bool {
        let offer = state.first_run.is_some() && state.conversation.messages().is_empty();
        state.popup.is_some()
            || state.selection.is_some()
            || state.view.scroll != Scroll::Follow
            || offer
    }

    pub fn is_full(&self) -> bool {
        self.full
    }

    /// Before a frame: switches to or from a full-screen moment, writes the finished
    /// messages into the scrollback, and fits the viewport to the live part.
    pub fn prepare<B: Scrollback<Error = E>, E: std::error::Error + Send + Sync + 'static>(
        &mut self,
        terminal: &mut Terminal<B>,
        screen: &mut Screen,
        state: &State,
        raw: &mut RawWrite,
    ) -> io::Result<()> {
        let size = terminal.size().map_err(io::Error::other)?;
        if (size.width, size.height) != self.size {
            // In a full-screen moment the main screen is the terminal's to rewrap; it is
            // found again on the way back.
            match self.full {
                true => {
                    self.size = (size.width, size.height);
                    self.top = u16::MAX;
                }
                false => self.resized(terminal, (size.width, size.height), raw)?,
            }
        }
        let full = Self::wants_full(state);
        if full != self.full {
            self.full = full;
            if full {
                raw(ENTER_ALTERNATE)?;
                let area = Rect::new(0, 0, self.size.0, self.size.1);
                terminal.resize(area).map_err(io::Error::other)?;
                return Ok(());
            }
            raw(LEAVE_ALTERNATE)?;
            // The main screen is back as it was, the cursor where it was left; the viewport
            // is drawn afresh below (after a resize meanwhile, from the last row).
            self.height = 0;
            if self.top >= self.size.1 {
                self.resized(terminal, self.size, raw)?;
            }
        }
        if self.full {
            return Ok(());
        }
        let lines = screen.to_print(state, self.size.0, self.size.1, false);
        let mut height = screen.inline_height(state, self.size);
        // While a reply streams the live part only grows, so its rows do not jump about;
        // it shrinks when lines are printed or the turn is over.
        if lines.is_empty() && state.stream.is_busy() {
            height = height.max(self.height);
        }
        self.place(terminal, &lines, height, raw)
    }

    /// Quitting: everything not printed yet (a partial reply too) goes into the scrollback,
    /// and the live part is cleared, leaving the cursor under the conversation for the shell.
    pub fn finish<B: Scrollback<Error = E>, E: std::error::Error + Send + Sync + 'static>(
        &mut self,
        terminal: &mut Terminal<B>,
        screen: &mut Screen,
        state: &State,
        raw: &mut RawWrite,
    ) -> io::Result<()> {
        if self.full {
            raw(LEAVE_ALTERNATE)?;
            self.full = false;
        }
        let lines = screen.to_print(state, self.size.0, self.size.1, true);
        self.place(terminal, &lines, 1, raw)?;
        self.clear_live(terminal)
    }

    /// Before handing the terminal to another program (or the shell on Ctrl+Z): the live
    /// part is cleared so what runs next starts under the conversation.
    pub fn release<B: Scrollback<Error = E>, E: std::error::Error + Send + Sync + 'static>(
        &mut self,
        terminal: &mut Terminal<B>,
        raw: &mut RawWrite,
    ) -> io::Result<()> {
        if self.full {
            raw(LEAVE_ALTERNATE)?;
            self.full = false;
        }
        self.clear_live(terminal)
    }

    /// The terminal is back. A program with a screen of its own (an editor, a pager) left
    /// the main screen as it was, so the viewport goes back where it was; after the shell
    /// (Ctrl+Z, `fg`) the cursor is somewhere under the shell's lines, which are not asked
    /// for (the answer would race the key reader), so the viewport starts on the last row.
    pub fn reclaim<B: Scrollback<Error = E>, E: std::error::Error + Send + Sync + 'static>(
        &mut self,
        terminal: &mut Terminal<B>,
        shell: Option<Option<(u16, u16)>>,
    ) -> io::Result<()> {
        let size = terminal.size().map_err(io::Error::other)?;
        self.size = (size.width, size.height);
        match shell {
            // Under what the shell printed, on a fresh row.
            Some(Some((column, row))) => self.top = row + u16::from(column > 0),
            Some(None) => self.top = size.height.saturating_sub(1),
            None => {}
        }
        self.top = self.top.min(size.height.saturating_sub(1));
        self.height = 0;
        Ok(())
    }

    /// Once a frame is drawn: where its cursor is, from the viewport's top, and how far
    /// the rows of `buffer` (the viewport as drawn) above it are painted.
    pub fn drawn(&mut self, cursor: u16, buffer: &Buffer) {
        self.cursor = cursor;
        let area = buffer.area;
        self.painted = (area.y..area.y.saturating_add(cursor).min(area.bottom()))
            .map(|y| {
                (area.x..area.right())
                    .rev()
                    .find(|&x| buffer[(x, y)].symbol() != " ")
                    .map_or(0, |x| x - area.x + 1)
            })
            .collect();
    }

    /// The terminal was resized: it may have rewrapped and moved the rows it had, but it
    /// moved the cursor with its line. So the old live part is cleared from where the cursor
    /// is now, by relative moves (asking the terminal where the cursor is would race the key
    /// reader), and the viewport starts again on the last row, drawn afresh.
    fn resized<B: Scrollback<Error = E>, E: std::error::Error + Send + Sync + 'static>(
        &mut self,
        terminal: &mut Terminal<B>,
        size: (u16, u16),
        raw: &mut RawWrite,
    ) -> io::Result<()> {
        let narrower = size.0 < self.size.0;
        self.size = size;
        Backend::flush(terminal.backend_mut()).map_err(io::Error::other)?;
        let rows = match self.reflows && narrower {
            true => rows_after_reflow(&self.painted, size.0),
            false => self.cursor,
        };
        let up = match rows {
            0 => String::new(),
            rows => format!("\x1b[{rows}A"),
        };
        raw(&format!("{up}\r\x1b[J\x1b[999B"))?;
        self.top = size.1.saturating_sub(1);
        self.height = 0;
        Ok(())
    }

    /// Clears the viewport's rows and leaves the cursor at its first.
    fn clear_live<B: Scrollback<Error = E>, E: std::error::Error + Send + Sync + 'static>(
        &mut self,
        terminal: &mut Terminal<B>,
    ) -> io::Result<()> {
        let rows = self.size.1;
        let backend = terminal.backend_mut();
        clear_from(backend, self.top, rows).map_err(io::Error::other)?;
        backend.show_cursor().map_err(io::Error::other)?;
        Backend::flush(backend).map_err(io::Error::other)?;
        self.height = 0;
        Ok(())
    }

    /// Writes `lines` under what is printed, then puts a viewport of `height` rows under
    /// them, scrolling the screen (into the scrollback) as far as that needs.
    fn place<B: Scrollback<Error = E>, E: std::error::Error + Send + Sync + 'static>(
        &mut self,
        terminal: &mut Terminal<B>,
        lines: &[Line<'static>],
        height: u16,
        raw: &mut RawWrite,
    ) -> io::Result<()> {
        let (width, rows) = self.size;
        let height = height.min(rows);
        let moved = !lines.is_empty() || height != self.height;
        if !moved {
            return Ok(());
        }
        let old_bottom = self.top.saturating_add(self.height).min(rows);
        let backend = terminal.backend_mut();
        if !lines.is_empty() {
            // The live part (drawn again after this) is cleared once, before anything
            // scrolls, so the lines go onto blank rows: cleared, or scrolled in below.
            clear_from(backend, self.top, rows).map_err(io::Error::other)?;
        }
        let room = rows.saturating_sub(height).max(1);
        for chunk in lines.chunks(usize::from(room)) {
            let count = chunk.len() as u16;
            self.top = scroll_for(backend, self.top, count + height, rows)?;
            // The rows as styled text in one write: the backend flushes each clear and
            // cursor move, so clearing row by row cost two writes a row.
            let top = self.top;
            backend.set_cursor_position(Position::new(0, top)).map_err(io::Error::other)?;
            backend.print(top, chunk, width).map_err(io::Error::other)?;
            self.top += count;
        }
        self.top = scroll_for(backend, self.top, height, rows)?;
        let bottom = self.top + height;
        if bottom < old_bottom {
            backend.set_cursor_position(Position::new(0, bottom)).map_err(io::Error::other)?;
            backend.clear_region(ClearType::AfterCursor).map_err(io::Error::other)?;
        }
        Backend::flush(backend).map_err(io::Error::other)?;
        self.height = height;
        let narrower = terminal.get_frame().area().width > width;
        if narrower {
            // ratatui clears the whole screen when a viewport gets narrower: done on the
            // alternate screen, that clears nothing of the conversation.
            raw(ENTER_ALTERNATE)?;
            terminal.resize(Rect::new(0, 0, width, 1)).map_err(io::Error::other)?;
            raw(LEAVE_ALTERNATE)?;
        }
        terminal.resize(Rect::new(0, self.top, width, height)).map_err(io::Error::other)?;
        Ok(())
    }
}

/// Scrolls the screen up so `needed` rows fit from row `top` down; the new `top`.
fn scroll_for<B: Scrollback<Error = E>, E: std::error::Error + Send + Sync + 'static>(
    backend: &mut B,
    top: u16,
    needed: u16,
    rows: u16,
) -> io::Result<u16> {
    let over = top.saturating_add(needed).saturating_sub(rows);
    if over == 0 {
        return Ok(top);
    }
    backend
        .set_cursor_position(Position::new(0, rows.saturating_sub(1)))
        .map_err(io::Error::other)?;
    backend.scroll(over).map_err(io::Error::other)?;
    Ok(top.saturating_sub(over))
}

/// Clears from the start of row `top` to the end of the screen and leaves the cursor there.
/// From the top-left corner that is clearing the whole screen, which tmux (`scroll-on-clear`,
/// on by default) turns into copying the screen into its scrollback first: the last frame of
/// the live part would stay in the conversation. So row 0 is cleared on its own.
fn clear_from<B: Backend>(backend: &mut B, top: u16, rows: u16) -> Result<(), B::Error> {
    let at = |row| Position::new(0, row);
    match top {
        0 => {
            backend.set_cursor_position(at(0))?;
            backend.clear_region(ClearType::CurrentLine)?;
            if rows > 1 {
                backend.set_cursor_position(at(1))?;
                backend.clear_region(ClearType::AfterCursor)?;
            }
        }
        _ => {
            backend.set_cursor_position(at(top))?;
            backend.clear_region(ClearType::AfterCursor)?;
        }
    }
    backend.set_cursor_position(at(top))
}

/// The rows that `painted` (each row's painted width) take once rewrapped at `width`.
fn rows_after_reflow(painted: &[u16], width: u16) -> u16 {
    let width = width.max(1);
    painted.iter().map(|&w| w.div_ceil(width).max(1)).sum()
}

/// Whether the terminal rewraps its lines when it gets narrower, from its environment.
/// Unknown ones are taken not to: clearing too few rows leaves a stray line, clearing too
/// many would erase the end of the conversation above.
fn reflows(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    let set = |name: &str| var(name).is_some_and(|value| !value.is_empty());
    let program = var("TERM_PROGRAM").map(|p| p.to_string_lossy().into_owned());
    let term = var("TERM").map(|t| t.to_string_lossy().into_owned()).unwrap_or_default();
    set("TMUX")
        || set("KITTY_WINDOW_ID")
        || set("WEZTERM_PANE")
        || set("ALACRITTY_WINDOW_ID")
        || set("VTE_VERSION")
        || set("WT_SESSION")
        || set("GHOSTTY_RESOURCES_DIR")
        || matches!(
            program.as_deref(),
            Some("iTerm.app" | "Apple_Terminal" | "WezTerm" | "ghostty" | "vscode" | "tmux")
        )
        || term.starts_with("foot")
        || term == "xterm-kitty"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_wider_than_the_new_width_count_twice_after_a_reflow() {
        // A 120-column border and a short line, the cursor under them, now 90 wide.
        assert_eq!(rows_after_reflow(&[120, 20], 90), 3);
        assert_eq!(rows_after_reflow(&[90, 0], 90), 2, "an exact fit and a blank row");
        assert_eq!(rows_after_reflow(&[], 90), 0);
    }

    #[test]
    fn tmux_and_known_terminals_reflow_others_are_not_assumed_to() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        assert!(reflows(env(&[("TMUX", "/tmp/tmux-0/default,1,0")])));
        assert!(reflows(env(&[("TERM_PROGRAM", "iTerm.app")])));
        assert!(reflows(env(&[("TERM", "foot")])));
        assert!(!reflows(env(&[("TERM", "xterm-256color"), ("XTERM_VERSION", "XTerm(390)")])));
        assert!(!reflows(env(&[("TMUX", "")])));
    }
}

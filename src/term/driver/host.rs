//! How the driver reaches the real terminal and the programs around it: the hooks a [`Host`]
//! carries (no-ops in tests, which record what they need), and the effects that use them.
//! Suspending, `$EDITOR` and `$PAGER` hand the terminal over and take it back with every cell
//! repainted; copying writes OSC 52 and, when there is one, to the system clipboard. None of
//! this touches the state beyond a notice or the redraw it owes.

use std::io;

use ratatui::backend::Backend;

use super::App;
use crate::app::msg::Msg;
use crate::term::programs as external;

/// Switches the real terminal's mouse capture; a no-op for tests.
pub type MouseSwitch = Box<dyn FnMut(bool) -> io::Result<()> + Send>;

/// Hands the real terminal to a child program and takes it back; a no-op for tests.
pub type ScreenSwitch = Box<dyn FnMut(Handover) -> io::Result<()> + Send>;

/// Writes raw bytes (an OSC 52 clipboard sequence) to the real terminal; tests record them.
pub type RawWrite = Box<dyn FnMut(&str) -> io::Result<()> + Send>;

/// What a `ScreenSwitch` is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handover {
    /// Leave the alternate screen and raw mode, and stop reading keys, so a child program
    /// (an editor, a pager) has the terminal to itself.
    Release,
    /// Take the terminal back, with mouse capture as the state has it.
    Reclaim { mouse: bool },
}

/// How the driver reaches the real terminal and the programs around it.
pub struct Host {
    pub screen: ScreenSwitch,
    pub raw: RawWrite,
    /// The system clipboard, besides OSC 52; `None` in tests.
    pub clipboard: Option<external::SystemClipboard>,
    pub programs: external::Programs,
    /// Stops the process until the shell continues it (Ctrl+Z, then `fg`); a no-op in
    /// tests, which have no shell to return to.
    pub stop: Box<dyn FnMut() -> io::Result<()> + Send>,
}

impl Default for Host {
    fn default() -> Self {
        Self {
            screen: Box::new(|_| Ok(())),
            raw: Box::new(|_| Ok(())),
            clipboard: None,
            programs: external::Programs::from_env(),
            stop: Box::new(|| Ok(())),
        }
    }
}

impl<B: Backend> App<B> {
    /// Stops the process for the shell (Ctrl+Z), with the terminal released meanwhile.
    pub(super) fn suspend(&mut self) -> io::Result<()> {
        tracing::info!("suspended");
        self.release_screen()?;
        let stopped = (self.host.stop)();
        self.reclaim_screen()?;
        // Not being able to stop is worth a notice, not the end of the session.
        if let Err(error) = stopped {
            self.state.notice = Some(format!("cannot suspend: {error}"));
        }
        Ok(())
    }

    pub(super) fn copy(&mut self, text: &str) {
        // A terminal without OSC 52 ignores it; the system clipboard may still work.
        if let Err(error) = (self.host.raw)(&external::osc52(text)) {
            tracing::warn!(%error, "could not write OSC 52");
        }
        if let Some(clipboard) = &mut self.host.clipboard {
            clipboard.copy(text);
        }
    }

    /// Edits `draft` in `$EDITOR`; the result comes back as a message.
    pub(super) fn compose(&mut self, draft: &str) -> io::Result<()> {
        let editor = self.host.programs.editor.clone();
        let result = self.with_screen_released(|| external::edit_text(&editor, draft))?;
        let _ = self.tx.send(Msg::Composed(result));
        Ok(())
    }

    /// Shows `text` in `$PAGER`; only a failure comes back as a message.
    pub(super) fn page(&mut self, text: &str) -> io::Result<()> {
        let pager = self.host.programs.pager.clone();
        let result = self.with_screen_released(|| external::page_text(&pager, text))?;
        if let Err(why) = result {
            let _ = self.tx.send(Msg::PagerFailed(why));
        }
        Ok(())
    }

    /// Runs `child` (which blocks, running a program in the terminal) with the terminal
    /// released to it, then takes the terminal back and redraws everything. Streams keep
    /// arriving meanwhile; they are drawn when the program ends.
    pub fn with_screen_released<T>(&mut self, child: impl FnOnce() -> T) -> io::Result<T> {
        self.release_screen()?;
        let result = child();
        self.reclaim_screen()?;
        Ok(result)
    }

    fn release_screen(&mut self) -> io::Result<()> {
        (self.host.screen)(Handover::Release)
    }

    /// Takes the terminal back after `release_screen` and redraws everything.
    fn reclaim_screen(&mut self) -> io::Result<()> {
        (self.host.screen)(Handover::Reclaim { mouse: self.state.mouse })?;
        // The screen came back blank: forget what was drawn so the next frame repaints every
        // cell. (`Terminal::clear` would ask the terminal for its cursor, a reply that can go
        // astray while the key reader restarts.)
        self.terminal.swap_buffers();
        self.terminal.swap_buffers();
        self.dirty = true;
        Ok(())
    }
}

//! How the driver reaches the real terminal and the programs around it: the hooks a [`Host`]
//! carries (no-ops in tests, which record what they need), and the effects that use them.
//! Suspending, `$EDITOR` and `$PAGER` hand the terminal over and take it back (suspending
//! blocks until `fg`; the editor and pager run while the driver's loop goes on); copying
//! writes OSC 52 and, when there is one, to the system clipboard. It never touches the app's
//! state: results go back to the driver, which reports them to `update` as messages.

use std::io;

use super::programs;

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

/// The programs the terminal is handed over to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    /// `$EDITOR`, on the draft.
    Editor,
    /// `$PAGER`, on a message.
    Pager,
}

/// How the driver reaches the real terminal and the programs around it.
pub struct Host {
    pub screen: ScreenSwitch,
    pub raw: RawWrite,
    /// The system clipboard, besides OSC 52; `None` in tests.
    pub clipboard: Option<programs::SystemClipboard>,
    pub programs: programs::Programs,
    /// Stops the process until the shell continues it (Ctrl+Z, then `fg`); a no-op in
    /// tests, which have no shell to return to.
    pub stop: Box<dyn FnMut() -> io::Result<()> + Send>,
    /// Asks the terminal where its cursor is, with the key reader paused so the answer is
    /// not taken for keys; `None` when it cannot say (tests, a terminal that does not
    /// answer). Inline mode finds its viewport again with it after a resize or `fg`.
    pub cursor: Box<dyn FnMut() -> Option<(u16, u16)> + Send>,
}

impl Default for Host {
    fn default() -> Self {
        Self {
            screen: Box::new(|_| Ok(())),
            raw: Box::new(|_| Ok(())),
            clipboard: None,
            programs: programs::Programs::from_env(),
            stop: Box::new(|| Ok(())),
            cursor: Box::new(|| None),
        }
    }
}

impl Host {
    /// Stops the process for the shell (Ctrl+Z), with the terminal released meanwhile;
    /// `Err` with why when it cannot stop (no shell to return to).
    pub fn suspend(&mut self, mouse: bool) -> io::Result<Result<(), String>> {
        tracing::info!("suspended");
        self.release()?;
        let stopped = (self.stop)();
        self.reclaim(mouse)?;
        Ok(stopped.map_err(|error| error.to_string()))
    }

    /// Puts `text` on the clipboard: OSC 52 to the terminal (one without it ignores it), and
    /// the system clipboard where there is one.
    pub fn copy(&mut self, text: &str) {
        if let Err(error) = (self.raw)(&programs::osc52(text)) {
            tracing::warn!(%error, "could not write OSC 52");
        }
        if let Some(clipboard) = &mut self.clipboard {
            clipboard.copy(text);
        }
    }

    /// Hands the terminal to `program` (`$EDITOR` or `$PAGER`) on a file holding `text`, and
    /// returns it running: the caller takes the terminal back with [`Host::take_back`] once
    /// it exits. If it cannot start, the terminal is taken back at once and why is returned.
    pub fn hand_over(
        &mut self,
        program: Program,
        text: &str,
        mouse: bool,
    ) -> io::Result<Result<programs::Running, String>> {
        let command = match program {
            Program::Editor => &self.programs.editor,
            Program::Pager => &self.programs.pager,
        };
        let command = command.clone();
        tracing::info!(?program, "terminal handed over");
        self.release()?;
        match programs::Running::start(&command, text) {
            Ok(running) => Ok(Ok(running)),
            Err(why) => {
                self.reclaim(mouse)?;
                Ok(Err(why))
            }
        }
    }

    /// Takes the terminal back from a program that exited, with mouse capture as `mouse`
    /// says. The caller repaints every cell: the screen comes back blank.
    pub fn take_back(&mut self, mouse: bool) -> io::Result<()> {
        tracing::info!("terminal taken back");
        self.reclaim(mouse)
    }

    fn release(&mut self) -> io::Result<()> {
        (self.screen)(Handover::Release)
    }

    fn reclaim(&mut self, mouse: bool) -> io::Result<()> {
        (self.screen)(Handover::Reclaim { mouse })
    }
}

//! The real terminal: raw mode, alternate screen, bracketed paste and optional mouse
//! capture, their undoing on every exit path (panics included), handing the terminal over
//! for a while (to `$EDITOR`, `$PAGER`, or the shell on Ctrl+Z) and taking it back, the
//! signals that end the app, and the background-colour query.

use std::io::{self, stdout};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    EventStream,
};
use crossterm::execute;

use super::host::Handover;
use crate::app::Msg;

/// SIGTERM and SIGHUP end the app through the normal path, so the terminal is restored.
pub(super) fn forward_signals(tx: tokio::sync::mpsc::UnboundedSender<Msg>) {
    use tokio::signal::unix::{SignalKind, signal};
    for kind in [SignalKind::terminate(), SignalKind::hangup()] {
        let Ok(mut stream) = signal(kind) else {
            continue;
        };
        let tx = tx.clone();
        tokio::spawn(async move {
            if stream.recv().await.is_some() {
                let _ = tx.send(Msg::Shutdown);
            }
        });
    }
}

pub(super) fn set_mouse(on: bool) -> io::Result<()> {
    if on {
        execute!(stdout(), EnableMouseCapture)
    } else {
        execute!(stdout(), DisableMouseCapture)
    }
}

/// The terminal's key events, with a pause: while a child program (editor, pager) runs,
/// the reader is dropped, since crossterm's reader thread would otherwise take keys meant for
/// the child. Cloned handles share the one reader.
#[derive(Clone, Default)]
pub(super) struct TerminalEvents {
    reader: std::sync::Arc<std::sync::Mutex<Option<EventStream>>>,
}

impl TerminalEvents {
    fn pause(&self) {
        // Dropping the stream stops crossterm's reader thread from reading the tty.
        if let Ok(mut reader) = self.reader.lock() {
            reader.take();
        }
    }

    fn resume(&self) {
        if let Ok(mut reader) = self.reader.lock() {
            *reader = Some(EventStream::new());
        }
    }
}

impl futures_util::Stream for TerminalEvents {
    type Item = io::Result<crossterm::event::Event>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let Ok(mut reader) = self.reader.lock() else { return std::task::Poll::Ready(None) };
        let reader = reader.get_or_insert_with(EventStream::new);
        std::pin::Pin::new(reader).poll_next(cx)
    }
}

/// Hands the terminal to a child program and takes it back: the reusable half of running
/// `$EDITOR` or `$PAGER` from the full-screen app.
pub(super) fn switch_screen(screen: Handover, events: &TerminalEvents) -> io::Result<()> {
    use crossterm::terminal::{
        EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
    };
    match screen {
        Handover::Release => {
            events.pause();
            let _ = execute!(stdout(), DisableMouseCapture, DisableBracketedPaste);
            execute!(stdout(), LeaveAlternateScreen, crossterm::cursor::Show)?;
            disable_raw_mode()
        }
        Handover::Reclaim { mouse } => {
            enable_raw_mode()?;
            execute!(
                stdout(),
                EnterAlternateScreen,
                crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
                EnableBracketedPaste
            )?;
            set_mouse(mouse)?;
            events.resume();
            Ok(())
        }
    }
}

/// Writes a control sequence straight to the terminal (OSC 52), outside ratatui's buffer.
pub(super) fn write_raw(sequence: &str) -> io::Result<()> {
    use std::io::Write;
    let mut out = stdout();
    out.write_all(sequence.as_bytes())?;
    out.flush()
}

/// Ctrl+Z: stops the process group like the terminal's own Ctrl+Z would (raw mode turned
/// that into a key), and returns once `fg` has continued it. The driver releases the
/// terminal before and takes it back after.
pub(super) fn stop_until_continued() -> io::Result<()> {
    if !job_control_available() {
        return Err(io::Error::other("no shell with job control to return to (Ctrl+D quits)"));
    }
    // The whole group is stopped (kill(0, SIGTSTP)) so a wrapper (a script, `cargo run`)
    // stops too and the shell gets its prompt back; execution resumes here on SIGCONT.
    rustix::process::kill_current_process_group(rustix::process::Signal::TSTP)?;
    Ok(())
}

/// Whether a stop would reach a shell. The kernel drops SIGTSTP sent to an orphaned process
/// group (no member has a parent in another group of the same session: nobody to `fg` it),
/// which is rockchat's case when it is a terminal's or tmux pane's own command. The group
/// leader's parent is the shell when there is one (`cargo run` puts cargo in front).
#[cfg(target_os = "linux")]
fn job_control_available() -> bool {
    use rustix::process::{Pid, getpgid, getpgrp, getsid};
    let group = getpgrp();
    let session = getsid(None).ok();
    let Some(parent) = parent_of(group) else { return true };
    // A parent of 0 lives outside this pid namespace (or is the kernel): no shell of ours.
    let Some(parent) = Pid::from_raw(parent) else { return false };
    // A parent that has gone away has neither id, and so cannot take the stop.
    let (parent_group, parent_session) = (getpgid(Some(parent)).ok(), getsid(Some(parent)).ok());
    parent_group != Some(group) && parent_session == session
}

#[cfg(not(target_os = "linux"))]
fn job_control_available() -> bool {
    true
}

/// A process's parent from `/proc/PID/stat` (`pid (name) state ppid …`; the name may hold
/// spaces and parentheses, so fields are read after the last `)`).
#[cfg(target_os = "linux")]
fn parent_of(pid: rustix::process::Pid) -> Option<rustix::process::RawPid> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.as_raw_pid())).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    let parent: u32 = after_name.split_whitespace().nth(1)?.parse().ok()?;
    parent.try_into().ok()
}

/// Asks the terminal for its background colour (OSC 11), for `theme = "auto"` when no
/// variable says. Done before the app takes the terminal; a terminal that cannot answer is
/// recognised by its reply to a second, universal query, so it costs one round trip, and
/// `QUERY_TIMEOUT` bounds a terminal that answers nothing at all.
pub fn terminal_is_light() -> Option<bool> {
    use terminal_colorsaurus::{QueryOptions, ThemeMode, theme_mode};
    const QUERY_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(300);
    let mut options = QueryOptions::default();
    options.timeout = QUERY_TIMEOUT;
    match theme_mode(options) {
        Ok(mode) => Some(mode == ThemeMode::Light),
        Err(error) => {
            tracing::debug!(%error, "the terminal did not report its background");
            None
        }
    }
}

pub(super) fn restore() {
    // Each step is attempted even if one fails: a half-restored terminal is the worst case.
    let _ = execute!(stdout(), DisableMouseCapture, DisableBracketedPaste);
    ratatui::restore();
}

/// ratatui's own hook restores raw mode and the screen; this one also turns off paste and
/// mouse modes, which would otherwise leak into the user's shell.
pub(super) fn install_panic_cleanup() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

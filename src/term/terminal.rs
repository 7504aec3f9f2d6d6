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

/// Inline mode: the alternate screen is never entered, so restoring must not leave it (on
/// most terminals leaving it also moves the cursor to where entering it last saved it).
static INLINE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Takes the terminal: raw mode, and the alternate screen unless `inline`.
pub(super) fn take(inline: bool) -> io::Result<()> {
    INLINE.store(inline, std::sync::atomic::Ordering::SeqCst);
    crossterm::terminal::enable_raw_mode()?;
    if !inline {
        execute!(stdout(), crossterm::terminal::EnterAlternateScreen)?;
    }
    Ok(())
}

fn inline() -> bool {
    INLINE.load(std::sync::atomic::Ordering::SeqCst)
}

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
            let _ = execute!(
                stdout(),
                DisableMouseCapture,
                DisableBracketedPaste,
                crossterm::event::DisableFocusChange
            );
            if !inline() {
                execute!(stdout(), LeaveAlternateScreen)?;
            }
            execute!(stdout(), crossterm::cursor::Show)?;
            disable_raw_mode()
        }
        Handover::Reclaim { mouse } => {
            enable_raw_mode()?;
            if !inline() {
                execute!(
                    stdout(),
                    EnterAlternateScreen,
                    crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
                )?;
            }
            execute!(stdout(), EnableBracketedPaste, crossterm::event::EnableFocusChange)?;
            set_mouse(mouse)?;
            events.resume();
            Ok(())
        }
    }
}

/// Where the terminal's cursor is, asked with the key reader stopped: crossterm's reader
/// thread would otherwise hold the input while the answer arrives, and the question time out.
pub(super) fn cursor_position(events: &TerminalEvents) -> Option<(u16, u16)> {
    events.pause();
    let position = crossterm::cursor::position();
    events.resume();
    position
        .map_err(|error| tracing::debug!(%error, "the terminal did not say where its cursor is"))
        .ok()
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
    job_control_in(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
}

#[cfg(not(target_os = "linux"))]
fn job_control_available() -> bool {
    true
}

/// `job_control_available`, reading each process's `/proc/PID/stat` through `stat`. The ids
/// come from procfs rather than getpgrp(2) and friends: in a container the group or the
/// session may belong to a process outside this pid namespace, and then its id reads 0.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn job_control_in(stat: impl Fn(&str) -> Option<String>) -> bool {
    let ids = |pid: &str| stat(pid).as_deref().and_then(StatIds::parse);
    let Some(me) = ids("self") else { return true };
    // A group or session led from outside this namespace has no shell of ours to return to.
    if me.group == 0 || me.session == 0 {
        return false;
    }
    let Some(leader) = ids(&me.group.to_string()) else { return true };
    if leader.parent == 0 {
        return false;
    }
    // A parent that has gone away cannot take the stop either.
    ids(&leader.parent.to_string())
        .is_some_and(|parent| parent.group != me.group && parent.session == me.session)
}

/// A process's parent, group and session from its `/proc/PID/stat` line (`pid (name) state
/// ppid pgrp session …`; the name may hold spaces and parentheses, so fields are read after
/// the last `)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StatIds {
    parent: u32,
    group: u32,
    session: u32,
}

impl StatIds {
    fn parse(stat: &str) -> Option<Self> {
        let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace().skip(1);
        let mut next = || fields.next()?.parse::<u32>().ok();
        Some(Self { parent: next()?, group: next()?, session: next()? })
    }
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
    let _ = execute!(
        stdout(),
        DisableMouseCapture,
        DisableBracketedPaste,
        crossterm::event::DisableFocusChange
    );
    if inline() {
        let _ = crossterm::terminal::disable_raw_mode();
        let _ = execute!(stdout(), crossterm::cursor::Show);
    } else {
        ratatui::restore();
    }
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

#[cfg(test)]
mod job_control {
    use super::*;

    /// `/proc/PID/stat` lines for a few processes: (pid, parent, group, session).
    fn procs(list: &[(&'static str, u32, u32, u32)]) -> impl Fn(&str) -> Option<String> {
        let list = list.to_vec();
        move |pid| {
            list.iter()
                .find(|p| p.0 == pid)
                .map(|p| format!("1 (rock chat (x)) S {} {} {} 34816 0", p.1, p.2, p.3))
        }
    }

    #[test]
    fn a_shell_in_another_group_of_the_session_can_take_the_stop() {
        let shell = procs(&[("self", 100, 200, 100), ("200", 100, 200, 100), ("100", 1, 100, 100)]);
        assert!(job_control_in(shell));
    }

    #[test]
    fn a_terminals_own_command_has_no_shell_to_return_to() {
        let orphan = procs(&[("self", 1, 200, 200), ("200", 1, 200, 200), ("1", 0, 1, 1)]);
        assert!(!job_control_in(orphan));
    }

    /// In a container whose session leader lives outside its pid namespace, the ids read 0:
    /// rockchat says there is nowhere to return to instead of failing.
    #[test]
    fn ids_from_outside_the_pid_namespace_mean_no_job_control() {
        assert!(!job_control_in(procs(&[("self", 7, 0, 0)])));
        assert!(!job_control_in(procs(&[("self", 7, 9, 0)])));
        assert!(!job_control_in(procs(&[("self", 7, 9, 9), ("9", 0, 9, 9)])));
        // A pty's command under a test runner whose own group and session are outside.
        let runner = procs(&[("self", 3, 5, 5), ("5", 3, 5, 5), ("3", 1, 0, 0)]);
        assert!(!job_control_in(runner));
    }
}

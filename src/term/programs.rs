//! The world outside the app that the driver reaches for the user: the clipboard (OSC 52 to
//! the terminal, and the system clipboard where there is one), `$EDITOR` for composing a
//! prompt and `$PAGER` for reading a message.
//!
//! These functions block and run child programs; only the driver calls them, with the
//! terminal handed over to the child (see `App::with_screen_released`). Never `update`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;

/// The programs the user chose for editing and paging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programs {
    pub editor: String,
    pub pager: String,
}

impl Programs {
    /// `$EDITOR`, then `$VISUAL`, then `vi`; `$PAGER`, then `less`. Empty values count as
    /// unset.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self {
            editor: var("EDITOR").or_else(|| var("VISUAL")).unwrap_or_else(|| "vi".into()),
            pager: var("PAGER").unwrap_or_else(|| "less".into()),
        }
    }
}

/// The OSC 52 sequence that asks the terminal to put `text` on the clipboard. Written
/// plainly (not wrapped for tmux): tmux takes it itself when `set-clipboard` is on, and
/// forwards it to the outer terminal, which also carries it across SSH.
pub fn osc52(text: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    format!("\x1b]52;c;{encoded}\x07")
}

/// The system clipboard, opened at the first copy and kept: on X11 the copied text lives
/// only while its owner does.
#[derive(Default)]
pub struct SystemClipboard {
    clipboard: Option<arboard::Clipboard>,
    unavailable: bool,
}

impl SystemClipboard {
    /// Copies `text` if there is a system clipboard; headless, this quietly does nothing
    /// (OSC 52 already carried the text).
    pub fn copy(&mut self, text: &str) {
        if self.unavailable {
            return;
        }
        if self.clipboard.is_none() {
            match arboard::Clipboard::new() {
                Ok(clipboard) => self.clipboard = Some(clipboard),
                Err(error) => {
                    tracing::info!(%error, "no system clipboard; OSC 52 only");
                    self.unavailable = true;
                    return;
                }
            }
        }
        if let Some(clipboard) = &mut self.clipboard
            && let Err(error) = clipboard.set_text(text)
        {
            tracing::info!(%error, "system clipboard refused the text; OSC 52 only");
        }
    }
}

/// Lets the user edit `draft` in `editor` (a shell word list such as `code -w`) and returns
/// the file's text afterwards. Any failure leaves the caller's draft as it was.
pub fn edit_text(editor: &str, draft: &str) -> Result<String, String> {
    let file = TempFile::create(draft).map_err(|e| format!("could not write a temp file: {e}"))?;
    run(editor, file.path()).map_err(|why| format!("{why}; your draft is unchanged"))?;
    std::fs::read_to_string(file.path())
        .map_err(|e| format!("could not read the edited text back: {e}; your draft is unchanged"))
}

/// Shows `text` in `pager` until the user quits it.
pub fn page_text(pager: &str, text: &str) -> Result<(), String> {
    let file = TempFile::create(text).map_err(|e| format!("could not write a temp file: {e}"))?;
    run(pager, file.path())
}

/// Runs `program` (through `sh`, so it may carry arguments) on `path` and waits.
fn run(program: &str, path: &Path) -> Result<(), String> {
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{program} \"$1\""))
        .arg("sh")
        .arg(path)
        .status()
        .map_err(|e| format!("could not start {program}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{program} exited with {status}")) }
}

/// A file only this user can read, removed when dropped.
struct TempFile {
    path: PathBuf,
}

impl TempFile {
    fn create(text: &str) -> std::io::Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name =
            format!("rockchat-{}-{}.md", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let path = std::env::temp_dir().join(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path)?;
        let written = file.write_all(text.as_bytes()).and_then(|()| file.flush());
        let temp = Self { path };
        written.map(|()| temp)
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_carries_the_text_in_base64() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }

    #[test]
    fn the_editor_edits_a_file_holding_the_draft_and_its_text_comes_back() {
        let edited = edit_text("sed -i 's/draft/prompt/'", "my draft\n").unwrap();
        assert_eq!(edited, "my prompt\n");
    }

    #[test]
    fn an_editor_that_fails_says_so_and_returns_nothing() {
        let error = edit_text("false", "keep me").unwrap_err();
        assert!(error.contains("false exited") && error.contains("draft is unchanged"), "{error}");
        let error = edit_text("/no/such/editor", "keep me").unwrap_err();
        assert!(error.contains("exited"), "{error}");
    }
}

//! The world outside the app that the driver reaches for the user: the clipboard (OSC 52 to
//! the terminal, and the system clipboard where there is one), `$EDITOR` for composing a
//! prompt and `$PAGER` for reading a message.
//!
//! Only the driver runs these programs, with the terminal handed over to them (see
//! `host`); it never waits for one to exit, so the app goes on reading the stream meanwhile.
//! Never `update`.

use std::io::Write;
use std::path::{Path, PathBuf};
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

/// The image on the system clipboard (a screenshot, an image copied in a browser), as a
/// PNG attachment; why not when there is no clipboard or no image on it. Blocking.
pub fn clipboard_image() -> Result<crate::chat::attachment::Attachment, String> {
    let mut clipboard =
        arboard::Clipboard::new().map_err(|error| format!("no system clipboard here ({error})"))?;
    let image = clipboard.get_image().map_err(|error| {
        // X11 answers a request for an image from a clipboard holding text with a type
        // error, not "no content": the text is what tells the user what happened.
        let holds_text = clipboard.get_text().is_ok_and(|text| !text.is_empty());
        why_no_image(&error, holds_text)
    })?;
    let png = png_of(image.width, image.height, &image.bytes)?;
    crate::chat::attachment::Attachment::from_bytes("clipboard.png".to_owned(), png)
}

/// What to tell the user when the clipboard gave no image.
fn why_no_image(error: &arboard::Error, holds_text: bool) -> String {
    match error {
        arboard::Error::ContentNotAvailable => {
            "no image on the clipboard (text pastes with the terminal's paste key)".to_owned()
        }
        _ if holds_text => {
            "the clipboard holds text, not an image: paste it with the terminal's paste key"
                .to_owned()
        }
        error => format!("cannot read the clipboard: {error}"),
    }
}

/// RGBA pixels as a PNG file.
pub fn png_of(width: usize, height: usize, rgba: &[u8]) -> Result<Vec<u8>, String> {
    let (Ok(w), Ok(h)) = (u32::try_from(width), u32::try_from(height)) else {
        return Err("the clipboard's image is too large".to_owned());
    };
    if rgba.len() != width.saturating_mul(height).saturating_mul(4) {
        return Err("the clipboard's image is not RGBA".to_owned());
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let fail = |error: png::EncodingError| format!("cannot encode the clipboard's image: {error}");
    let mut writer = encoder.write_header().map_err(fail)?;
    writer.write_image_data(rgba).map_err(fail)?;
    writer.finish().map_err(fail)?;
    Ok(out)
}

/// A program (`$EDITOR`, `$PAGER`) running in the terminal on a temp file that holds the
/// text it was given. It runs while the driver's loop goes on (the stream is still read, the
/// store still written); the driver awaits [`Running::wait`] and reads the file back after.
/// Dropped before it exits (the app quits), the program is killed.
pub struct Running {
    program: String,
    file: TempFile,
    child: tokio::process::Child,
}

impl Running {
    /// Starts `program` (a shell word list such as `code -w`) on a new temp file holding
    /// `text`; why not, if it could not start. Needs the tokio runtime.
    pub fn start(program: &str, text: &str) -> Result<Self, String> {
        let file =
            TempFile::create(text).map_err(|e| format!("could not write a temp file: {e}"))?;
        // `exec`, so the program itself is the child the driver waits on and kills on quit
        // (a shell in between would leave it running in the terminal).
        let child = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(format!("exec {program} \"$1\""))
            .arg("sh")
            .arg(file.path())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("could not start {program}: {e}"))?;
        Ok(Self { program: program.to_owned(), file, child })
    }

    /// Waits until the program exits: `Ok`, or how it failed. Cancel-safe: the driver's
    /// loop may drop this future and call it again.
    pub async fn wait(&mut self) -> Result<(), String> {
        let program = &self.program;
        let status =
            self.child.wait().await.map_err(|e| format!("could not wait for {program}: {e}"))?;
        match (status.success(), status.code()) {
            (true, _) => Ok(()),
            (false, Some(code)) => Err(format!("{program} exited with code {code}")),
            (false, None) => Err(format!("{program} was stopped by a signal")),
        }
    }

    /// The file's text, read back after the program exited (the edited draft).
    pub fn text(&self) -> Result<String, String> {
        std::fs::read_to_string(self.file.path())
            .map_err(|e| format!("could not read the edited text back: {e}"))
    }
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
    fn a_clipboard_holding_text_says_so_rather_than_a_type_error() {
        let type_error = arboard::Error::Unknown {
            description: "incorrect type received from clipboard".to_owned(),
        };
        assert_eq!(
            why_no_image(&type_error, true),
            "the clipboard holds text, not an image: paste it with the terminal's paste key"
        );
        assert!(why_no_image(&type_error, false).starts_with("cannot read the clipboard: "));
        assert!(why_no_image(&arboard::Error::ContentNotAvailable, true).starts_with("no image"));
    }

    #[test]
    fn osc52_carries_the_text_in_base64() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }

    /// Edits `draft` in `editor` as the driver would: the edited text, or why not.
    async fn edit(editor: &str, draft: &str) -> Result<String, String> {
        let mut running = Running::start(editor, draft)?;
        running.wait().await?;
        running.text()
    }

    #[tokio::test]
    async fn the_editor_edits_a_file_holding_the_draft_and_its_text_comes_back() {
        let edited = edit("sed -i 's/draft/prompt/'", "my draft\n").await.unwrap();
        assert_eq!(edited, "my prompt\n");
    }

    #[tokio::test]
    async fn an_editor_that_fails_says_so() {
        let error = edit("false", "keep me").await.unwrap_err();
        assert!(error.contains("false exited"), "{error}");
        let error = edit("/no/such/editor", "keep me").await.unwrap_err();
        assert!(error.contains("exited"), "{error}");
    }

    #[tokio::test]
    async fn the_temp_file_is_gone_once_the_program_is_done_with() {
        let running = Running::start("true", "secret draft").unwrap();
        let path = running.file.path().to_owned();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "secret draft");
        drop(running);
        assert!(!path.exists());
    }
}

/// A desktop notification through the terminal: OSC 777 where the terminal is known to
/// take it (foot, urxvt), else OSC 9 (iTerm2, kitty, WezTerm, Ghostty, Windows Terminal);
/// inside tmux wrapped for its passthrough (`set -g allow-passthrough on`), and the bell
/// after it with `bell`. Control characters are taken out of `title` and `body`.
pub fn notification(title: &str, body: &str, bell: bool) -> String {
    let env = |name: &str| std::env::var(name).unwrap_or_default();
    notification_for(title, body, bell, &env("TERM"), !env("TMUX").is_empty())
}

fn notification_for(title: &str, body: &str, bell: bool, term: &str, tmux: bool) -> String {
    let clean =
        |text: &str| text.chars().filter(|c| !c.is_control() && *c != ';').collect::<String>();
    let (title, body) = (clean(title), clean(body));
    let osc = match term.starts_with("foot") || term.starts_with("rxvt") {
        true => format!("\x1b]777;notify;{title};{body}\x1b\\"),
        false => format!("\x1b]9;{title}: {body}\x1b\\"),
    };
    let mut out = match tmux {
        // DCS passthrough: every ESC inside is doubled.
        true => format!("\x1bPtmux;{}\x1b\\", osc.replace('\x1b', "\x1b\x1b")),
        false => osc,
    };
    if bell {
        out.push('\x07');
    }
    out
}

#[cfg(test)]
mod notification_tests {
    use super::notification_for;

    #[test]
    fn clipboard_pixels_become_a_png_the_attachment_takes() {
        let png = super::png_of(2, 1, &[255, 0, 0, 255, 0, 0, 255, 255]).unwrap();
        let image =
            crate::chat::attachment::Attachment::from_bytes("clipboard.png".into(), png).unwrap();
        assert!(image.url().starts_with("data:image/png;base64,"));
        assert!(super::png_of(2, 2, &[0; 4]).is_err(), "too few pixels");
    }

    #[test]
    fn osc_9_by_default_777_for_foot_wrapped_in_tmux_and_the_bell_when_asked() {
        assert_eq!(
            notification_for("rockchat", "done", false, "xterm-256color", false),
            "\x1b]9;rockchat: done\x1b\\"
        );
        assert_eq!(
            notification_for("rockchat", "done", true, "foot", false),
            "\x1b]777;notify;rockchat;done\x1b\\\x07"
        );
        assert_eq!(
            notification_for("rockchat", "done", false, "screen-256color", true),
            "\x1bPtmux;\x1b\x1b]9;rockchat: done\x1b\x1b\\\x1b\\"
        );
        // Nothing from the text can end the sequence early.
        assert_eq!(
            notification_for("a\x07b", "c\x1b\\d;e", false, "xterm", false),
            "\x1b]9;ab: c\\de\x1b\\"
        );
    }
}

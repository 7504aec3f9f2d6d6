//! What goes with a prompt besides its text: an image (its bytes, checked by their first
//! bytes, never by the name alone, and sent as a data URL), an image on the web (only its
//! URL is sent: the server fetches it, rockchat downloads nothing), or a text file (sent as a
//! named fenced block after the prompt). Also how a paste is recognised as one of these: a
//! dropped or copied path, or an image URL pasted alone.
//!
//! Reading a file is not done here but in `files`, by the driver or `ask`; the app state
//! only holds finished `Attachment`s. The bytes are shared, so the history that goes out
//! with every request is not copied.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::tokens::Counter;

/// Larger images are refused before they are read whole: providers reject them anyway
/// (OpenAI's limit is 20 MB per image).
pub const MAX_IMAGE_BYTES: u64 = 20 * 1024 * 1024;

/// Larger text files are refused before they are read whole, whatever the model's window:
/// 4 MB is about a million tokens, more than any window.
pub const MAX_TEXT_BYTES: u64 = 4 * 1024 * 1024;

/// Longest image URL taken from a paste; a longer one is pasted as text.
const MAX_URL: usize = 2048;

const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "webp"];

/// The stored type of an image given by URL (the row's data is the URL).
pub const URL_MIME: &str = "text/uri-list";

/// The stored type of a text file.
pub const TEXT_MIME: &str = "text/plain";

#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file name the user attached (or the URL), for display and export.
    pub name: String,
    kind: Kind,
}

#[derive(Clone, PartialEq, Eq)]
enum Kind {
    Image { mime: &'static str, data: Arc<[u8]>, url: Arc<str>, picture: Picture },
    ImageUrl { url: Arc<str> },
    Text { text: Arc<str>, tokens: Option<(Counter, usize)> },
}

/// What drawing an image needs to know before it is decoded: a key for its bytes and its
/// size in pixels, read from its header (or why it cannot be drawn), so the transcript
/// knows how many rows it takes without decoding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// A hash of the bytes: the same image, attached twice or read back from the store,
    /// is decoded once.
    pub key: u64,
    pub size: Result<(u32, u32), String>,
}

/// Larger images are not drawn: decoding one would take this many pixels at four bytes
/// each (a 12-megapixel photo is 48 MB while it is scaled down).
pub const MAX_DRAWN_PIXELS: u64 = 40_000_000;
/// Nor are images wider or taller than this.
pub const MAX_DRAWN_SIDE: u32 = 16_384;

impl Picture {
    fn read(bytes: &[u8]) -> Self {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        bytes.hash(&mut hasher);
        let size = image::ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|error| error.to_string())
            .and_then(|reader| reader.into_dimensions().map_err(|error| error.to_string()))
            .map_err(|error| crate::sanitize::one_line(&error, 120).into_owned())
            .and_then(|(width, height)| {
                let pixels = u64::from(width) * u64::from(height);
                if width == 0 || height == 0 {
                    Err("it has no pixels".to_owned())
                } else if pixels > MAX_DRAWN_PIXELS || width.max(height) > MAX_DRAWN_SIDE {
                    Err(format!("{width}×{height} pixels is too large to draw"))
                } else {
                    Ok((width, height))
                }
            });
        Self { key: hasher.finish(), size }
    }
}

/// Never prints the bytes: an attachment in a log line is its name and size.
impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Attachment({}, {}, {} bytes)", self.name, self.mime(), self.data().len())
    }
}

impl Attachment {
    /// An image from its bytes; an error says why they are not an image we can send.
    pub fn from_bytes(name: String, bytes: Vec<u8>) -> Result<Self, String> {
        let Some(mime) = sniff(&bytes) else {
            return Err(format!("{name} is not a PNG, JPEG, GIF or WebP image"));
        };
        if bytes.len() as u64 > MAX_IMAGE_BYTES {
            return Err(format!("{name} is larger than 20 MB"));
        }
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let url = format!("data:{mime};base64,{encoded}");
        let picture = Picture::read(&bytes);
        let kind = Kind::Image { mime, data: bytes.into(), url: url.into(), picture };
        Ok(Self { name, kind })
    }

    /// An image the server fetches from `url` (already checked by [`url_in_paste`]).
    pub fn image_url(url: &str) -> Self {
        Self { name: url.to_owned(), kind: Kind::ImageUrl { url: url.into() } }
    }

    /// A text file from its bytes: refused, with the reason, when they are not text.
    pub fn text_file(name: String, bytes: Vec<u8>) -> Result<Self, String> {
        if bytes.len() as u64 > MAX_TEXT_BYTES {
            return Err(format!("{name} is larger than 4 MB"));
        }
        // A NUL is the surest sign of a binary file; UTF-16 text has them too, and is
        // refused as well rather than sent as noise.
        let head = &bytes[..bytes.len().min(8192)];
        if head.contains(&0) {
            return Err(format!("{name} is a binary file, not text"));
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("{name} is not UTF-8 text (a binary file?)"))?;
        // Terminal control in a file would reach the screen and the store.
        let text = crate::sanitize::sanitize(&text).into_owned();
        Ok(Self { name, kind: Kind::Text { text: text.into(), tokens: None } })
    }

    /// A stored attachment read back: its kind comes from the stored type.
    pub fn from_stored(name: String, mime: &str, data: Vec<u8>) -> Result<Self, String> {
        match mime {
            URL_MIME => match String::from_utf8(data) {
                Ok(url) => Ok(Self::image_url(&url)),
                Err(_) => Err(format!("{name}: a stored URL is not text")),
            },
            TEXT_MIME => Self::text_file(name, data),
            _ => Self::from_bytes(name, data),
        }
    }

    pub fn is_image(&self) -> bool {
        !matches!(self.kind, Kind::Text { .. })
    }

    /// The stored type: an image's, or [`URL_MIME`], or [`TEXT_MIME`].
    pub fn mime(&self) -> &'static str {
        match &self.kind {
            Kind::Image { mime, .. } => mime,
            Kind::ImageUrl { .. } => URL_MIME,
            Kind::Text { .. } => TEXT_MIME,
        }
    }

    /// The stored bytes: an image's, a URL's, or a file's text.
    pub fn data(&self) -> &[u8] {
        match &self.kind {
            Kind::Image { data, .. } => data,
            Kind::ImageUrl { url } => url.as_bytes(),
            Kind::Text { text, .. } => text.as_bytes(),
        }
    }

    /// An image's bytes, to draw it; `None` for a URL or a file.
    pub fn image_bytes(&self) -> Option<&Arc<[u8]>> {
        match &self.kind {
            Kind::Image { data, .. } => Some(data),
            _ => None,
        }
    }

    /// An image's key and size, to draw it; `None` for a URL or a file.
    pub fn picture(&self) -> Option<&Picture> {
        match &self.kind {
            Kind::Image { picture, .. } => Some(picture),
            _ => None,
        }
    }

    /// What an `image_url` part carries: `data:image/png;base64,…`, or the web address.
    /// Empty for a text file, which is never sent as an image.
    pub fn url(&self) -> &str {
        match &self.kind {
            Kind::Image { url, .. } | Kind::ImageUrl { url } => url,
            Kind::Text { .. } => "",
        }
    }

    /// A text file's text; `None` for an image.
    pub fn text(&self) -> Option<&str> {
        match &self.kind {
            Kind::Text { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The file's cost in a request as counted by `counter`, if it was.
    pub fn tokens(&self, counter: Counter) -> Option<usize> {
        match &self.kind {
            Kind::Text { tokens: Some((by, tokens)), .. } if *by == counter => Some(*tokens),
            _ => None,
        }
    }

    /// The file's cost as counted when it was read, by whichever counter.
    pub fn counted_tokens(&self) -> Option<usize> {
        match &self.kind {
            Kind::Text { tokens: Some((_, tokens)), .. } => Some(*tokens),
            _ => None,
        }
    }

    /// Remembers a text file's cost (counted off the UI thread when it was read).
    pub fn with_tokens(mut self, counter: Counter, tokens: usize) -> Self {
        if let Kind::Text { tokens: slot, .. } = &mut self.kind {
            *slot = Some((counter, tokens));
        }
        self
    }

    /// "cat.png, 120 KB", "main.rs, 2 KB, 530 tokens", or the URL, for the transcript and
    /// the row above the input.
    pub fn label(&self) -> String {
        match &self.kind {
            Kind::ImageUrl { url } => url.to_string(),
            Kind::Text { text, tokens: Some((_, tokens)) } => format!(
                "{}, {}, {} token{}",
                self.name,
                human_size(text.len()),
                tokens,
                if *tokens == 1 { "" } else { "s" }
            ),
            _ => format!("{}, {}", self.name, human_size(self.data().len())),
        }
    }
}

/// A prompt's text with its files after it, each a fenced block under its name: what the
/// model reads. The fence is longer than any run of backticks in the file.
pub fn with_files(content: &str, files: &[Attachment]) -> String {
    if files.is_empty() {
        return content.to_owned();
    }
    let mut out = content.to_owned();
    for file in files {
        let Some(text) = file.text() else { continue };
        let longest = longest_backtick_run(text);
        let fence = "`".repeat((longest + 1).max(3));
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        let language = Path::new(&file.name).extension().and_then(|e| e.to_str()).unwrap_or("");
        out.push_str(&format!("{}\n{fence}{language}\n{text}", file.name));
        if !text.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&fence);
    }
    out
}

fn longest_backtick_run(text: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// Whether the file's name ends in an image's extension.
pub fn named_as_image(name: &str) -> bool {
    let extension = Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or("");
    IMAGE_EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str())
}

/// The image type, from the file's magic bytes.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// The file path in a paste, if the paste is one: what a terminal sends when a file is
/// dropped on it (`'/a b/c.png'`, `/a\ b/c.png`, `file:///a%20b/c.md`) or a copied path.
/// Only the shape is checked here; `files` finds out whether it is a file, and what kind.
pub fn path_in_paste(text: &str) -> Option<PathBuf> {
    let text = text.trim();
    if text.is_empty() || text.contains('\n') {
        return None;
    }
    let unquoted = ['\'', '"']
        .iter()
        .find_map(|q| text.strip_prefix(*q).and_then(|t| t.strip_suffix(*q)))
        .map(str::to_owned);
    let path = match unquoted {
        Some(inner) => inner,
        None => match text.strip_prefix("file://") {
            Some(rest) => percent_decode(rest)?,
            None => text.replace("\\ ", " "),
        },
    };
    let looks_like_path = path.starts_with('/') || path.starts_with("~/") || path.starts_with('.');
    let named = Path::new(&path).file_name().is_some_and(|n| !n.is_empty());
    // A bare path with spaces not escaped is more likely a sentence than a file.
    let spaced = unquoted_spaces(text);
    (looks_like_path && named && !spaced && path.len() > 1).then(|| PathBuf::from(path))
}

fn unquoted_spaces(text: &str) -> bool {
    let quoted = text.starts_with(['\'', '"']) || text.starts_with("file://");
    !quoted && text.replace("\\ ", "").contains(' ')
}

/// An image URL pasted alone: `http(s)://…` ending in an image's extension (before any
/// `?query`), one line, no spaces or control characters, at most 2 KB.
pub fn url_in_paste(text: &str) -> Option<String> {
    let url = text.trim();
    let lower = url.to_ascii_lowercase();
    let scheme = lower.starts_with("https://") || lower.starts_with("http://");
    if !scheme || url.len() > MAX_URL || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let path = lower.split(['?', '#']).next().unwrap_or("");
    let extension = path.rsplit_once('.').map(|(_, e)| e)?;
    IMAGE_EXTENSIONS.contains(&extension).then(|| url.to_owned())
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// "512 B", "12 KB", "1.5 MB".
pub fn human_size(bytes: usize) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{} KB", bytes / 1024),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn a_dropped_or_copied_path_is_recognised_in_every_terminal_spelling() {
        let plain = Some(PathBuf::from("/tmp/a b/cat.png"));
        assert_eq!(path_in_paste("'/tmp/a b/cat.png'"), plain);
        assert_eq!(path_in_paste("\"/tmp/a b/cat.png\"\n"), plain);
        assert_eq!(path_in_paste("/tmp/a\\ b/cat.png"), plain);
        assert_eq!(path_in_paste("file:///tmp/a%20b/cat.png"), plain);
        assert_eq!(path_in_paste("./Cat.JPG"), Some(PathBuf::from("./Cat.JPG")));
        assert_eq!(path_in_paste("~/notes/todo.md"), Some(PathBuf::from("~/notes/todo.md")));
        assert_eq!(path_in_paste("/etc/hosts"), Some(PathBuf::from("/etc/hosts")));
    }

    #[test]
    fn ordinary_text_is_not_taken_for_a_path() {
        assert_eq!(path_in_paste("look at cat.png please"), None);
        assert_eq!(path_in_paste("/tmp/a.png\n/tmp/b.png"), None);
        assert_eq!(path_in_paste("file:///tmp/%zz.png"), None);
        assert_eq!(path_in_paste("/ is the root"), None);
        assert_eq!(path_in_paste("/"), None);
        assert_eq!(path_in_paste("notes.txt"), None);
    }

    #[test]
    fn an_image_url_alone_is_recognised_and_nothing_else() {
        let url = "https://example.org/cats/Tabby.JPG?size=large";
        assert_eq!(url_in_paste(&format!(" {url}\n")).as_deref(), Some(url));
        assert_eq!(url_in_paste("http://x.org/a.webp").as_deref(), Some("http://x.org/a.webp"));
        assert_eq!(url_in_paste("https://example.org/page"), None);
        assert_eq!(url_in_paste("see https://example.org/a.png"), None);
        assert_eq!(url_in_paste("ftp://example.org/a.png"), None);
        assert_eq!(url_in_paste("https://example.org/a\u{1b}[31m.png"), None);
        assert_eq!(url_in_paste(&format!("https://e.org/{}.png", "a".repeat(3000))), None);
        let image = Attachment::image_url(url);
        assert_eq!((image.url(), image.is_image(), image.mime()), (url, true, URL_MIME));
        assert_eq!(Attachment::from_stored(url.into(), URL_MIME, url.into()), Ok(image));
    }

    #[test]
    fn images_are_known_by_their_bytes_and_become_data_urls() {
        let image = Attachment::from_bytes("cat.png".into(), PNG.to_vec()).unwrap();
        assert_eq!(image.mime(), "image/png");
        assert!(image.url().starts_with("data:image/png;base64,iVBORw0KGgo"));
        assert_eq!(image.label(), "cat.png, 16 B");
        assert_eq!(format!("{image:?}"), "Attachment(cat.png, image/png, 16 bytes)");
        let error = Attachment::from_bytes("fake.png".into(), b"hello".to_vec()).unwrap_err();
        assert!(error.contains("not a PNG"), "{error}");
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
    }

    #[test]
    fn text_files_are_refused_when_binary_and_go_as_named_fenced_blocks() {
        let error = Attachment::text_file("a.out".into(), b"\x7fELF\0\0\x01".to_vec()).unwrap_err();
        assert_eq!(error, "a.out is a binary file, not text");
        let error = Attachment::text_file("l1.txt".into(), vec![0xE9, b'a']).unwrap_err();
        assert!(error.contains("not UTF-8"), "{error}");
        let file = Attachment::text_file("main.rs".into(), b"fn main() {}\n".to_vec()).unwrap();
        let notes = Attachment::text_file("notes.md".into(), b"a ``` b".to_vec()).unwrap();
        assert_eq!(
            with_files("Review these.", &[file.clone(), notes]),
            "Review these.\n\nmain.rs\n```rs\nfn main() {}\n```\n\nnotes.md\n````md\na ``` b\n````"
        );
        assert_eq!(
            with_files("", std::slice::from_ref(&file)),
            "main.rs\n```rs\nfn main() {}\n```"
        );
        assert_eq!(file.label(), "main.rs, 13 B");
        let counted = file.with_tokens(Counter::estimate(), 5);
        assert_eq!(counted.label(), "main.rs, 13 B, 5 tokens");
        assert_eq!(counted.tokens(Counter::estimate()), Some(5));
        assert!(!counted.is_image());
    }
}

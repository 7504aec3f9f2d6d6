//! Images attached to a prompt: recognised from a pasted or dropped file path, checked by
//! their first bytes (never by their name alone), and carried as a data URL in the request.
//!
//! Reading the file is not done here but in `files`, by the driver or `ask`; the app
//! state only holds finished `Attachment`s. The bytes are shared, so the history that goes
//! out with every request is not copied.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Larger images are refused before they are read whole: providers reject them anyway
/// (OpenAI's limit is 20 MB per image).
pub const MAX_IMAGE_BYTES: u64 = 20 * 1024 * 1024;

const EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "webp"];

#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file name the user attached, for display and export.
    pub name: String,
    pub mime: &'static str,
    data: Arc<[u8]>,
    url: Arc<str>,
}

/// Never prints the bytes: an attachment in a log line is its name and size.
impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Attachment({}, {}, {} bytes)", self.name, self.mime, self.data.len())
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
        Ok(Self { name, mime, data: bytes.into(), url: url.into() })
    }

    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// `data:image/png;base64,…`, as the Chat Completions `image_url` part takes it.
    pub fn data_url(&self) -> &str {
        &self.url
    }

    /// "cat.png, 120 KB", for the transcript and the input's border.
    pub fn label(&self) -> String {
        format!("{}, {}", self.name, human_size(self.data.len()))
    }
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

/// The image path in a paste, if the paste is one: what a terminal sends when a file is
/// dropped on it (`'/a b/c.png'`, `/a\ b/c.png`, `file:///a%20b/c.png`) or a copied path.
/// Only the name is checked here; `load` checks the bytes.
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
    let extension = Path::new(&path).extension()?.to_str()?.to_ascii_lowercase();
    let looks_like_path = path.starts_with('/') || path.starts_with("~/") || path.starts_with('.');
    (looks_like_path && EXTENSIONS.contains(&extension.as_str())).then(|| PathBuf::from(path))
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

fn human_size(bytes: usize) -> String {
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
    fn a_dropped_or_copied_image_path_is_recognised_in_every_terminal_spelling() {
        let plain = Some(PathBuf::from("/tmp/a b/cat.png"));
        assert_eq!(path_in_paste("'/tmp/a b/cat.png'"), plain);
        assert_eq!(path_in_paste("\"/tmp/a b/cat.png\"\n"), plain);
        assert_eq!(path_in_paste("/tmp/a\\ b/cat.png"), plain);
        assert_eq!(path_in_paste("file:///tmp/a%20b/cat.png"), plain);
        assert_eq!(path_in_paste("./Cat.JPG"), Some(PathBuf::from("./Cat.JPG")));
    }

    #[test]
    fn ordinary_text_is_not_taken_for_an_image() {
        assert_eq!(path_in_paste("look at cat.png please"), None);
        assert_eq!(path_in_paste("/tmp/notes.txt"), None);
        assert_eq!(path_in_paste("/tmp/a.png\n/tmp/b.png"), None);
        assert_eq!(path_in_paste("file:///tmp/%zz.png"), None);
    }

    #[test]
    fn images_are_known_by_their_bytes_and_become_data_urls() {
        let image = Attachment::from_bytes("cat.png".into(), PNG.to_vec()).unwrap();
        assert_eq!(image.mime, "image/png");
        assert!(image.data_url().starts_with("data:image/png;base64,iVBORw0KGgo"));
        assert_eq!(image.label(), "cat.png, 16 B");
        assert_eq!(format!("{image:?}"), "Attachment(cat.png, image/png, 16 bytes)");
        let error = Attachment::from_bytes("fake.png".into(), b"hello".to_vec()).unwrap_err();
        assert!(error.contains("not a PNG"), "{error}");
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
    }
}

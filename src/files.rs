//! Reading the files a user names to attach to a prompt, and listing a folder to complete
//! an `@path`. Blocking IO: the terminal driver calls it off the UI thread, and `ask` before
//! it sends. Whether the bytes are an image or text is `chat::attachment`'s to decide; this
//! module finds and reads them, within the size a provider would take, and counts a text
//! file's tokens against the model's window.

use std::path::{Path, PathBuf};

use crate::chat::attachment::{self, Attachment, MAX_IMAGE_BYTES, MAX_TEXT_BYTES};
use crate::sanitize::sanitize;
use crate::tokens::Counter;

/// At most this many names are offered for one completion.
const MAX_COMPLETIONS: usize = 200;

/// Reads an image file the user named (`~/` is their home directory).
pub fn load(path: &Path) -> Result<Attachment, String> {
    let missing =
        || format!("cannot attach {}: no such file", sanitize(&path.display().to_string()));
    let (name, bytes) = read(path, MAX_IMAGE_BYTES).map_err(|why| why.unwrap_or_else(missing))?;
    Attachment::from_bytes(name, bytes)
}

/// Reads a file to attach to a prompt: an image (by its bytes) or a text file, counted by
/// `counter` and refused when it alone would not fit `window` tokens. `Err(None)` when the
/// path names no file at all (a paste that only looked like a path); otherwise why not.
pub fn attach(
    path: &Path,
    counter: Counter,
    window: Option<usize>,
) -> Result<Attachment, Option<String>> {
    let (name, bytes) = read(path, MAX_IMAGE_BYTES)?;
    // A name that says image is held to it: a `.png` that is not one is refused, not sent
    // as text.
    if attachment::sniff(&bytes).is_some() || attachment::named_as_image(&name) {
        return Attachment::from_bytes(name, bytes).map_err(Some);
    }
    let file = Attachment::text_file(name.clone(), bytes).map_err(Some)?;
    let tokens = counter.count(&attachment::with_files("", std::slice::from_ref(&file)));
    if let Some(window) = window.filter(|&window| tokens > window) {
        return Err(Some(format!(
            "cannot attach {name}: it is about {} tokens, more than the model's whole window ({})",
            crate::format::tokens(tokens),
            crate::format::tokens(window)
        )));
    }
    Ok(file.with_tokens(counter, tokens))
}

/// The file's name and bytes, read only when it is a file within `cap` (or the text cap,
/// whichever is larger); `Err(None)` when nothing is there.
fn read(path: &Path, cap: u64) -> Result<(String, Vec<u8>), Option<String>> {
    let path = expand_home(path);
    let path = path.as_path();
    let name = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let name = sanitize(&name).into_owned();
    let shown = sanitize(&path.display().to_string()).into_owned();
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(None),
        Err(e) => return Err(Some(format!("cannot attach {shown}: {e}"))),
    };
    if metadata.is_dir() {
        return Err(Some(format!("cannot attach {shown}: it is a folder")));
    }
    let cap = cap.max(MAX_TEXT_BYTES);
    if metadata.len() > cap {
        return Err(Some(format!(
            "cannot attach {shown}: it is {}, more than rockchat sends ({} for an image, {} for text)",
            attachment::human_size(usize::try_from(metadata.len()).unwrap_or(usize::MAX)),
            attachment::human_size(MAX_IMAGE_BYTES as usize),
            attachment::human_size(MAX_TEXT_BYTES as usize)
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| Some(format!("cannot attach {shown}: {e}")))?;
    Ok((name, bytes))
}

/// The names that complete `typed` (a path as typed after `@`): entries of its folder that
/// start with its last part, folders ending in `/`, sorted; hidden ones only when the part
/// starts with a dot. Each is `typed`'s folder part followed by the entry's name.
pub fn complete(typed: &str) -> Vec<String> {
    let (folder, part) = match typed.rfind('/') {
        Some(at) => (&typed[..=at], &typed[at + 1..]),
        None => ("", typed),
    };
    let dir = if folder.is_empty() { PathBuf::from(".") } else { expand_home(Path::new(folder)) };
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut found: Vec<String> = entries
        .filter_map(Result::ok)
        .take(10_000)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let shown = name.starts_with(part) && (part.starts_with('.') || !name.starts_with('.'));
            let clean = sanitize(&name) == name && !name.contains(char::is_whitespace);
            (shown && clean).then(|| {
                let folder_mark = if entry.path().is_dir() { "/" } else { "" };
                format!("{folder}{name}{folder_mark}")
            })
        })
        .collect();
    found.sort();
    found.truncate(MAX_COMPLETIONS);
    found
}

/// A JSON Schema file's name and text (1 MB at most), for F4 and `ask --schema`.
pub fn read_schema(path: &Path) -> Result<(String, String), String> {
    let full = expand_home(path);
    let shown = sanitize(&path.display().to_string()).into_owned();
    let size = std::fs::metadata(&full).map_err(|e| format!("cannot read {shown}: {e}"))?.len();
    if size > 1024 * 1024 {
        return Err(format!("cannot read {shown}: a schema of more than 1 MB"));
    }
    let text = std::fs::read_to_string(&full).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let name = full.file_name().map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
    Ok((name, text))
}

fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let error = load(Path::new("/nonexistent/cat.png")).unwrap_err();
        assert_eq!(error, "cannot attach /nonexistent/cat.png: no such file");
        assert_eq!(attach(Path::new("/nonexistent/x.md"), Counter::estimate(), None), Err(None));
    }

    #[test]
    fn text_binary_too_big_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.md");
        std::fs::write(&text, "# Notes\nbuy milk\n").unwrap();
        let file = attach(&text, Counter::estimate(), Some(1000)).unwrap();
        assert_eq!(file.text(), Some("# Notes\nbuy milk\n"));
        assert!(file.tokens(Counter::estimate()).is_some());
        let error = attach(&text, Counter::estimate(), Some(3)).unwrap_err().unwrap();
        assert!(error.contains("more than the model's whole window (3)"), "{error}");
        let binary = dir.path().join("a.out");
        std::fs::write(&binary, b"\x7fELF\x02\x01\x01\0\0\0").unwrap();
        let error = attach(&binary, Counter::estimate(), None).unwrap_err().unwrap();
        assert_eq!(error, "a.out is a binary file, not text");
        let big = dir.path().join("big.log");
        std::fs::write(&big, vec![b'a'; 21 * 1024 * 1024]).unwrap();
        let error = attach(&big, Counter::estimate(), None).unwrap_err().unwrap();
        assert!(error.contains("it is 21.0 MB, more than rockchat sends"), "{error}");
        let error = attach(dir.path(), Counter::estimate(), None).unwrap_err().unwrap();
        assert!(error.ends_with("it is a folder"), "{error}");
    }

    #[test]
    fn completion_lists_matching_names_with_folders_marked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("main.rs"), "").unwrap();
        std::fs::write(dir.path().join("mail.txt"), "").unwrap();
        std::fs::write(dir.path().join(".hidden"), "").unwrap();
        let base = format!("{}/", dir.path().display());
        assert_eq!(
            complete(&format!("{base}ma")),
            [format!("{base}mail.txt"), format!("{base}main.rs")]
        );
        assert_eq!(complete(&format!("{base}s")), [format!("{base}src/")]);
        assert_eq!(complete(&base).len(), 3, "no hidden files unless asked");
        assert_eq!(complete(&format!("{base}.h")), [format!("{base}.hidden")]);
    }
}

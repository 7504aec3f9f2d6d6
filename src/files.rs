//! Reading the files a user names to attach to a prompt. Blocking IO: the terminal driver
//! calls it off the UI thread, and `ask` before it sends. Whether the bytes are an image is
//! `chat::attachment`'s to decide; this module only finds and reads them, within the size a
//! provider would take.

use std::path::{Path, PathBuf};

use crate::chat::attachment::{Attachment, MAX_IMAGE_BYTES};
use crate::sanitize::sanitize;

/// Reads an image file the user named (`~/` is their home directory).
pub fn load(path: &Path) -> Result<Attachment, String> {
    let path = expand_home(path);
    let path = path.as_path();
    let name = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let name = sanitize(&name).into_owned();
    let shown = sanitize(&path.display().to_string()).into_owned();
    let size = std::fs::metadata(path).map_err(|e| format!("cannot attach {shown}: {e}"))?.len();
    if size > MAX_IMAGE_BYTES {
        return Err(format!("cannot attach {shown}: it is larger than 20 MB"));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot attach {shown}: {e}"))?;
    Attachment::from_bytes(name, bytes)
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
        assert!(error.contains("/nonexistent/cat.png"), "{error}");
    }
}

//! The log file: `rockchat.log` in the data dir, rotated so it never grows without bound
//! (at `LIMIT` bytes it becomes `rockchat.log.1`, the older ones shift up, and the
//! `KEEP`th is dropped), and the filter that says how much goes there.
//!
//! Logs never go to the terminal, and nothing here decides what is logged: callers never
//! log a key (`secret`). Failing to open or rotate the file never stops rockchat: it logs
//! less.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Bytes a log file reaches before it is rotated.
pub const LIMIT: u64 = 1024 * 1024;
/// Rotated files kept besides the current one.
pub const KEEP: usize = 3;

/// Sets up logging to `rockchat.log` in `dir`: `level` when the user gave one (`--log-level`),
/// else the `ROCKCHAT_LOG` filter, else info.
pub fn init(dir: &Path, level: Option<&str>) {
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let Ok(file) = RotatingFile::open(dir.join("rockchat.log"), LIMIT) else { return };
    let filter = match level {
        Some(level) => tracing_subscriber::EnvFilter::new(format!("rockchat={level}")),
        None => tracing_subscriber::EnvFilter::try_from_env("ROCKCHAT_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("rockchat=info")),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
}

/// A log file that rotates itself when a write would take it past its limit.
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    file: File,
    written: u64,
    limit: u64,
}

impl RotatingFile {
    /// Opens `path` for appending (rotating it first if it is already full).
    pub fn open(path: PathBuf, limit: u64) -> io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let written = file.metadata()?.len();
        let mut log = RotatingFile { path, file, written, limit };
        if log.written >= limit {
            log.rotate()?;
        }
        Ok(log)
    }

    /// `rockchat.log.N` for `n` = N.
    fn rotated(&self, n: usize) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.file.flush()?;
        let _ = std::fs::remove_file(self.rotated(KEEP));
        for n in (1..KEEP).rev() {
            let _ = std::fs::rename(self.rotated(n), self.rotated(n + 1));
        }
        std::fs::rename(&self.path, self.rotated(1))?;
        self.file = OpenOptions::new().create(true).append(true).open(&self.path)?;
        self.written = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.written > 0 && self.written + buf.len() as u64 > self.limit {
            // A failed rotation keeps writing to the full file rather than losing the line.
            let _ = self.rotate();
        }
        let written = self.file.write(buf)?;
        self.written += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_log_moves_to_dot_one_and_the_oldest_beyond_keep_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rockchat.log");
        let mut log = RotatingFile::open(path.clone(), 100).unwrap();
        for n in 0..(KEEP + 3) * 2 {
            // Two 60-byte lines never fit in 100 bytes: each second line rotates. One write
            // per line, as the log's formatter makes them.
            log.write_all(format!("{n:059}\n").as_bytes()).unwrap();
        }
        let names: Vec<String> = {
            let mut names: Vec<String> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        assert_eq!(names, ["rockchat.log", "rockchat.log.1", "rockchat.log.2", "rockchat.log.3"]);
        let newest = std::fs::read_to_string(&path).unwrap();
        assert_eq!(newest, format!("{:059}\n", (KEEP + 3) * 2 - 1));
        let previous = std::fs::read_to_string(dir.path().join("rockchat.log.1")).unwrap();
        assert_eq!(previous, format!("{:059}\n", (KEEP + 3) * 2 - 2));
        assert!(std::fs::metadata(&path).unwrap().len() <= 100);
    }

    #[test]
    fn a_log_already_full_at_start_is_rotated_before_the_first_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rockchat.log");
        std::fs::write(&path, vec![b'x'; 200]).unwrap();
        let mut log = RotatingFile::open(path.clone(), 100).unwrap();
        log.write_all(b"fresh\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "fresh\n");
        assert_eq!(std::fs::metadata(dir.path().join("rockchat.log.1")).unwrap().len(), 200);
    }
}

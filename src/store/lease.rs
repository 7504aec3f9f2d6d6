//! Which process is writing a reply: a lease is a file in `rockchat.db-writers/` on which
//! its process holds an exclusive `flock` for as long as it lives. The kernel releases the
//! lock when the process ends, however it ends (`kill -9` included), so a free lock, or a
//! missing file, means the writer is gone.
//!
//! A row being streamed names its writer's lease, and an open marks a reply interrupted only
//! when that lease is free: never a reply another rockchat is streaming right now. This
//! module only takes, checks and sweeps leases; it never touches the database.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use rustix::fs::{FlockOperation, flock};

/// This process's lease; the file goes when the lease is dropped.
#[derive(Debug)]
pub struct Lease {
    token: String,
    path: PathBuf,
    // The open file holds the lock.
    _file: File,
}

impl Lease {
    /// Takes a new lease in `dir`, clearing away the files of writers that are gone.
    pub fn take(dir: &Path) -> io::Result<Lease> {
        std::fs::create_dir_all(dir)?;
        sweep(dir);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let token = format!("{}-{nanos}", std::process::id());
        let path = dir.join(&token);
        // Locked under a name no sweep looks at, then renamed into place (the lock goes with
        // the file): a lease file is never seen unlocked while its writer lives, which
        // another rockchat's sweep would take for a gone writer's and remove.
        let pending = dir.join(format!(".{token}"));
        let file = OpenOptions::new().write(true).create_new(true).open(&pending)?;
        let placed = flock(&file, FlockOperation::NonBlockingLockExclusive)
            .map_err(io::Error::from)
            .and_then(|()| std::fs::rename(&pending, &path));
        if let Err(error) = placed {
            let _ = std::fs::remove_file(&pending);
            return Err(error);
        }
        Ok(Lease { token, path, _file: file })
    }

    /// What a row being streamed records as its writer.
    pub fn token(&self) -> &str {
        &self.token
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // Removed before the lock is released (the file closes after this), so no one ever
        // finds the file of a finished writer unlocked and takes it for a crashed one.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether the writer that recorded `token` is gone. A row from before leases (`None`), or a
/// token that is not one of ours, names no live writer.
pub fn is_gone(dir: &Path, token: Option<&str>) -> bool {
    let Some(token) = token else { return true };
    if !is_token(token) {
        return true;
    }
    let path = dir.join(token);
    match File::open(&path) {
        Err(error) => error.kind() == io::ErrorKind::NotFound,
        Ok(file) => {
            let free = flock(&file, FlockOperation::NonBlockingLockExclusive).is_ok();
            if free {
                let _ = std::fs::remove_file(&path);
            }
            free
        }
    }
}

/// Whether a writer other than `own` holds a lease in `dir` now.
pub fn others_live(dir: &Path, own: Option<&str>) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().any(|entry| {
        entry
            .file_name()
            .to_str()
            .is_some_and(|name| is_token(name) && Some(name) != own && !is_gone(dir, Some(name)))
    })
}

/// Removes the leases of writers that are gone (their replies are marked by whoever opens
/// the store next: a missing lease is a gone writer too).
fn sweep(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if let Some(name) = entry.file_name().to_str()
            && is_token(name)
        {
            is_gone(dir, Some(name));
        }
    }
}

/// `pid-nanos`: digits and one dash, so a token read from a file never leaves the directory.
fn is_token(token: &str) -> bool {
    let mut parts = token.split('-');
    let digits = |part: Option<&str>| {
        part.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    digits(parts.next()) && digits(parts.next()) && parts.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_being_taken_is_never_swept_as_a_gone_writers() {
        // Writers taking leases at the same moment, each sweeping the others' files: each
        // one's own lease must stay alive for as long as it holds it.
        let dir = tempfile::tempdir().unwrap();
        let lost: usize = std::thread::scope(|scope| {
            let takers: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        (0..300)
                            .filter(|_| {
                                let lease = Lease::take(dir.path()).unwrap();
                                is_gone(dir.path(), Some(lease.token()))
                            })
                            .count()
                    })
                })
                .collect();
            takers.into_iter().map(|taker| taker.join().unwrap()).sum()
        });
        assert_eq!(lost, 0, "leases of live writers were taken for gone ones");
    }

    #[test]
    fn a_held_lease_is_alive_and_a_dropped_one_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let lease = Lease::take(dir.path()).unwrap();
        let token = lease.token().to_owned();
        assert!(!is_gone(dir.path(), Some(&token)), "another open file sees the lock");
        drop(lease);
        assert!(is_gone(dir.path(), Some(&token)));
        assert!(is_gone(dir.path(), None), "a row from before leases");
        assert!(is_gone(dir.path(), Some("../../etc/passwd")), "not a token: no writer");
    }
}

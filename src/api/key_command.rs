//! A provider's `api_key_cmd`: a shell command (a password manager) that prints the API
//! key. It runs at the first request that needs it, as a child process the app never waits
//! on: every clone of the client shares one run (a request that comes while it runs waits
//! for its answer instead of starting another), and the key it printed is kept for the
//! session. A failure is not kept: the next request runs the command again.
//!
//! The command runs in a process group of its own, so what it starts goes with it: the
//! group is killed when the command outlives its timeout, and when the request waiting for
//! it goes away (Esc, a closed picker, quitting). Its output is read up to a limit.
//!
//! Its output is the key, so it never reaches an error, a log or `Debug`: a failure says
//! which provider and command, and how it failed (exit status, timeout), nothing it printed.

use std::process::Stdio;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::io::AsyncReadExt;

use super::error::ApiError;
use crate::secret::ApiKey;

/// How long the command may run, unless the config says otherwise (`api_key_cmd_timeout_secs`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A key is a line; a command printing more than this is not printing a key.
const MAX_OUTPUT: u64 = 64 * 1024;

#[derive(Debug, Clone)]
pub struct KeyCommand {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    provider: String,
    command: String,
    timeout: Duration,
    key: OnceLock<ApiKey>,
    /// Held while the command runs: one run at a time.
    running: tokio::sync::Mutex<()>,
}

impl KeyCommand {
    pub fn new(provider: String, command: String, timeout: Duration) -> Self {
        let shared = Shared {
            provider,
            command,
            timeout,
            key: OnceLock::new(),
            running: tokio::sync::Mutex::new(()),
        };
        Self { shared: Arc::new(shared) }
    }

    /// The key, running the command if no run gave one yet. Dropping the future stops a
    /// run it started.
    pub async fn key(&self) -> Result<ApiKey, ApiError> {
        if let Some(key) = self.shared.key.get() {
            return Ok(key.clone());
        }
        let _turn = self.shared.running.lock().await;
        // The run this request waited for may have given the key.
        if let Some(key) = self.shared.key.get() {
            return Ok(key.clone());
        }
        let key = run(&self.shared.command, self.shared.timeout).await.map_err(|message| {
            ApiError::KeyCommand {
                provider: self.shared.provider.clone(),
                message: format!("`{}` {message}", self.shared.command),
            }
        })?;
        Ok(self.shared.key.get_or_init(|| key).clone())
    }

    /// The key if a run already gave one, for redacting server text.
    pub fn known(&self) -> Option<&ApiKey> {
        self.shared.key.get()
    }
}

/// Runs `command` with `sh -c` in its own process group and takes the first line it prints
/// as the key; `Err` says how it failed, never what it printed.
async fn run(command: &str, timeout: Duration) -> Result<ApiKey, String> {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("could not be run ({e})"))?;
    let mut group = Group(child.id().and_then(|id| i32::try_from(id).ok()));
    let stdout = child.stdout.take();
    let finished = tokio::time::timeout(timeout, async move {
        let mut output = Vec::new();
        if let Some(stdout) = stdout {
            stdout.take(MAX_OUTPUT + 1).read_to_end(&mut output).await?;
        }
        if output.len() as u64 > MAX_OUTPUT {
            return Ok(None);
        }
        child.wait().await.map(|status| Some((status, output)))
    })
    .await;
    let (status, output) = match finished {
        // `group` is dropped on the way out, which stops the command and its children.
        Err(_) => {
            return Err(format!(
                "did not finish within {} s (api_key_cmd_timeout_secs) and was stopped",
                timeout.as_secs_f64()
            ));
        }
        Ok(Err(error)) => return Err(format!("could not be run ({error})")),
        Ok(Ok(None)) => return Err(format!("printed more than {MAX_OUTPUT} bytes")),
        Ok(Ok(Some(done))) => done,
    };
    // It ended on its own; whatever it left running in its group is its business.
    group.0 = None;
    if !status.success() {
        return Err(format!("failed ({status})"));
    }
    let text = String::from_utf8_lossy(&output);
    let first = text.lines().next().unwrap_or("");
    ApiKey::new(first.trim_end_matches(['\r', '\n'])).ok_or_else(|| "printed no key".to_owned())
}

/// The command's process group, killed when this is dropped (the command timed out, or
/// the request waiting for it went away) unless it was cleared first.
struct Group(Option<i32>);

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(pid) = self.0.and_then(rustix::process::Pid::from_raw) {
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_line_printed_is_the_key() {
        let key = run("printf 'sk-0123456789\\nsecond\\n'", DEFAULT_TIMEOUT).await.unwrap();
        assert_eq!(key.expose(), "sk-0123456789");
    }

    #[tokio::test]
    async fn a_failure_says_how_and_never_what_was_printed() {
        let failed = run("echo sk-secret-42; exit 3", DEFAULT_TIMEOUT).await.unwrap_err();
        assert_eq!(failed, "failed (exit status: 3)");
        assert_eq!(run("true", DEFAULT_TIMEOUT).await.unwrap_err(), "printed no key");
        let endless = run("yes sk-secret", DEFAULT_TIMEOUT).await.unwrap_err();
        assert_eq!(endless, "printed more than 65536 bytes");
    }
}

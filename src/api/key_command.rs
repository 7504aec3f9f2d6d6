//! A provider's `api_key_cmd`: a shell command (a password manager) that prints the API
//! key. It runs once per provider, at the first request that needs it, on a blocking thread
//! so the app never waits for it; every clone of the client shares the result.
//!
//! Its output is the key, so it never reaches an error, a log or `Debug`: a failure says
//! which provider and command, and how it failed (exit status), nothing it printed.

use std::sync::Arc;

use super::error::ApiError;
use crate::secret::ApiKey;

#[derive(Debug, Clone)]
pub struct KeyCommand {
    provider: String,
    command: String,
    result: Arc<tokio::sync::OnceCell<Result<ApiKey, ApiError>>>,
}

impl KeyCommand {
    pub fn new(provider: String, command: String) -> Self {
        Self { provider, command, result: Arc::default() }
    }

    /// The key, running the command the first time.
    pub async fn key(&self) -> Result<ApiKey, ApiError> {
        let result = self
            .result
            .get_or_init(|| async {
                let command = self.command.clone();
                let run = tokio::task::spawn_blocking(move || run(&command));
                let message = match run.await {
                    Ok(Ok(key)) => return Ok(key),
                    Ok(Err(message)) => message,
                    Err(_) => "could not be started".to_owned(),
                };
                Err(ApiError::KeyCommand {
                    provider: self.provider.clone(),
                    message: format!("`{}` {message}", self.command),
                })
            })
            .await;
        result.clone()
    }

    /// The key if the command already ran and gave one, for redacting server text.
    pub fn known(&self) -> Option<&ApiKey> {
        self.result.get()?.as_ref().ok()
    }
}

/// Runs `command` with `sh -c` and takes the first line it prints as the key.
fn run(command: &str) -> Result<ApiKey, String> {
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("could not be run ({e})"))?;
    if !output.status.success() {
        return Err(format!("failed ({})", output.status));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let first = text.lines().next().unwrap_or("");
    ApiKey::new(first.trim_end_matches(['\r', '\n'])).ok_or_else(|| "printed no key".to_owned())
}

//! Reading a whole response body (a reply that is not streamed, a model list, an error
//! page), bounded in size and in time: at most a given number of bytes, and no read waits
//! longer than the idle timeout. A body that breaks either bound is cut where it stood, and
//! the caller is told why; it decides whether the part that arrived is worth anything.
//!
//! It never interprets the body and never reads past its limit, whatever the server sends.

use std::time::Duration;

use futures_util::StreamExt;

/// The longest whole body read: a reply that is not streamed, a model list, llama-server's
/// `/props`. A streamed reply has no such total; its lines and events are capped instead
/// (`SseDecoder::DEFAULT_MAX_LINE`, the same 16 MB).
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// Why a body ended before the server said it was complete.
#[derive(Debug)]
pub(super) enum Cut {
    /// It passed the limit; the first `limit` bytes are kept.
    TooLong,
    /// The server sent nothing for the idle timeout.
    Silent,
    /// The connection broke.
    Broken(reqwest::Error),
}

/// What arrived of a body, and why it stopped early if it did.
#[derive(Debug)]
pub(super) struct Body {
    pub bytes: Vec<u8>,
    pub cut: Option<Cut>,
}

impl Body {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// Reads `response`'s body: at most `limit` bytes, each read within `idle`.
pub(super) async fn read(response: reqwest::Response, limit: usize, idle: Duration) -> Body {
    let mut bytes = Vec::new();
    let mut stream = response.bytes_stream();
    loop {
        let cut = match tokio::time::timeout(idle, stream.next()).await {
            Err(_) => Cut::Silent,
            Ok(None) => return Body { bytes, cut: None },
            Ok(Some(Err(error))) => Cut::Broken(error),
            Ok(Some(Ok(chunk))) => {
                let room = limit.saturating_sub(bytes.len());
                if chunk.len() <= room {
                    bytes.extend_from_slice(&chunk);
                    continue;
                }
                bytes.extend_from_slice(&chunk[..room]);
                Cut::TooLong
            }
        };
        return Body { bytes, cut: Some(cut) };
    }
}

/// `bytes` as people read a size: "16 MB", "64 KB".
pub fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1024 * 1024 && b % (1024 * 1024) == 0 => format!("{} MB", b / (1024 * 1024)),
        b if b >= 1024 && b % 1024 == 0 => format!("{} KB", b / 1024),
        b => format!("{b} bytes"),
    }
}

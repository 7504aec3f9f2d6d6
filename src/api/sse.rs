//! Server-Sent Events framing, by the WHATWG rules: bytes in, complete events out.
//!
//! It owns only the framing: lines ending in CRLF, LF or CR (a CR at the end of one read
//! waits for the next to see whether LF follows), `:` comments, `data`/`event` fields, and a
//! blank line dispatching the event. Lines are decoded as UTF-8 only once complete, so a
//! character split across reads is whole again; invalid bytes become U+FFFD. It never
//! panics and never buffers more than one line past the limit, whatever the server sends.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    #[error("the server sent a line longer than {limit} bytes")]
    LineTooLong { limit: usize },
}

#[derive(Debug, Clone)]
pub struct SseDecoder {
    line: Vec<u8>,
    /// The previous read ended in CR: an LF starting the next read belongs to it.
    after_cr: bool,
    at_start: bool,
    data: String,
    has_data: bool,
    event: Option<String>,
    saw_sse_line: bool,
    max_line: usize,
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::with_max_line(Self::DEFAULT_MAX_LINE)
    }
}

impl SseDecoder {
    pub const DEFAULT_MAX_LINE: usize = 16 * 1024 * 1024;

    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_max_line(limit: usize) -> Self {
        Self {
            line: Vec::new(),
            after_cr: false,
            at_start: true,
            data: String::new(),
            has_data: false,
            event: None,
            saw_sse_line: false,
            max_line: limit,
        }
    }

    /// True once a line shaped like SSE (`data:`, `event:`, `id:`, `retry:`, `:comment`)
    /// arrived: tells an HTML error page from a stream.
    pub fn saw_sse_line(&self) -> bool {
        self.saw_sse_line
    }

    /// Feeds bytes as they arrive; returns the events they complete.
    pub fn push(&mut self, mut bytes: &[u8]) -> Result<Vec<SseEvent>, SseError> {
        let mut events = Vec::new();
        if self.after_cr {
            self.after_cr = false;
            if let Some(rest) = bytes.strip_prefix(b"\n") {
                bytes = rest;
            }
        }
        while let Some(end) = bytes.iter().position(|b| *b == b'\n' || *b == b'\r') {
            self.extend_line(&bytes[..end])?;
            let terminator = bytes[end];
            bytes = &bytes[end + 1..];
            if terminator == b'\r' {
                match bytes.first() {
                    Some(b'\n') => bytes = &bytes[1..],
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            let line = std::mem::take(&mut self.line);
            if let Some(event) = self.process_line(&line) {
                events.push(event);
            }
        }
        self.extend_line(bytes)?;
        Ok(events)
    }

    /// The stream closed: an event whose blank line never came is dispatched anyway.
    pub fn finish(&mut self) -> Result<Option<SseEvent>, SseError> {
        let line = std::mem::take(&mut self.line);
        let mut event = None;
        if !line.is_empty() {
            event = self.process_line(&line);
        }
        if event.is_none() {
            event = self.dispatch();
        }
        self.after_cr = false;
        Ok(event)
    }

    fn extend_line(&mut self, bytes: &[u8]) -> Result<(), SseError> {
        if self.line.len() + bytes.len() > self.max_line {
            self.line.clear();
            return Err(SseError::LineTooLong { limit: self.max_line });
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn process_line(&mut self, mut line: &[u8]) -> Option<SseEvent> {
        if std::mem::take(&mut self.at_start) {
            // Only the first line of the stream may start with a byte-order mark.
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if line.is_empty() {
            return self.dispatch();
        }
        let line = String::from_utf8_lossy(line);
        if line.starts_with(':') {
            self.saw_sse_line = true;
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            "data" => {
                self.saw_sse_line = true;
                self.data.push_str(value);
                self.data.push('\n');
                self.has_data = true;
            }
            "event" => {
                self.saw_sse_line = true;
                self.event = Some(value.to_owned());
            }
            "id" | "retry" => self.saw_sse_line = true,
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event.take();
        if !self.has_data {
            return None;
        }
        self.has_data = false;
        let mut data = std::mem::take(&mut self.data);
        data.pop();
        Some(SseEvent { event, data })
    }
}

#[cfg(test)]
#[path = "sse_tests.rs"]
mod tests;

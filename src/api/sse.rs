//! Server-Sent Events framing by the WHATWG rules: bytes from the socket in, complete events
//! out. This module owns line splitting (CRLF, LF, lone CR), per-line UTF-8 decoding, the
//! `data` and `event` fields, and blank-line dispatch. It must never interpret the payload
//! (JSON is the client's job), never panic, and never hold more than the configured limit,
//! whatever the server sends: a line longer than it is an error before its end arrives, and
//! so is an event whose `data:` lines together pass it (a server that never sends the blank
//! line would otherwise grow one event forever, a line at a time).

const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` type; `None` for the default ("message") type.
    pub event: Option<String>,
    pub data: String,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SseError {
    #[error("the server sent a line longer than {limit} bytes")]
    LineTooLong { limit: usize },
    #[error("the server sent an event longer than {limit} bytes")]
    EventTooLong { limit: usize },
}

#[derive(Debug, Clone)]
pub struct SseDecoder {
    max_line: usize,
    /// Bytes of the line being received; its terminator has not arrived yet.
    line: Vec<u8>,
    /// The previous read ended in CR, so an LF opening the next read finishes that CRLF
    /// rather than being a blank line of its own.
    after_cr: bool,
    at_stream_start: bool,
    data: String,
    event_type: Option<String>,
    saw_sse_line: bool,
    /// Once a line or an event overflowed, the framing of the rest of the stream can't be
    /// trusted: every later call repeats the error.
    overflow: Option<SseError>,
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
            max_line: limit,
            line: Vec::new(),
            after_cr: false,
            at_stream_start: true,
            data: String::new(),
            event_type: None,
            saw_sse_line: false,
            overflow: None,
        }
    }

    /// Feed bytes as they arrive from the socket; returns the events completed by them.
    ///
    /// After `LineTooLong` or `EventTooLong` every further push fails the same way until
    /// `finish`. Events completed before the overlong line in the same bytes are returned
    /// first, and the error comes with the next call: what the server sent before it is
    /// never lost, and the outcome does not depend on where the reads were cut.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, SseError> {
        if let Some(error) = &self.overflow {
            return Err(error.clone());
        }
        if bytes.is_empty() {
            // Changes nothing, and must not forget a CR whose LF is still to come.
            return Ok(Vec::new());
        }
        let mut events = Vec::new();
        let mut rest = bytes;
        if std::mem::take(&mut self.after_cr) {
            rest = rest.strip_prefix(b"\n").unwrap_or(rest);
        }
        // Only the new bytes are searched: earlier ones were already known to hold no
        // terminator, which keeps byte-at-a-time feeding linear.
        while let Some(end) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            let (line_tail, terminator_and_after) = rest.split_at(end);
            if let Err(error) = self.buffer(line_tail) {
                return events_before(events, error);
            }
            let ended_with_cr = terminator_and_after.first() == Some(&b'\r');
            rest = terminator_and_after.get(1..).unwrap_or_default();
            if ended_with_cr {
                self.after_cr = rest.is_empty();
                rest = rest.strip_prefix(b"\n").unwrap_or(rest);
            }
            match self.end_line() {
                Ok(Some(event)) => events.push(event),
                Ok(None) => {}
                Err(error) => return events_before(events, error),
            }
        }
        match self.buffer(rest) {
            Ok(()) => Ok(events),
            Err(error) => events_before(events, error),
        }
    }

    /// The socket closed: dispatch an event whose data lines were not followed by a blank
    /// line (servers that end the stream without the final blank line), then reset.
    ///
    /// An unterminated last line counts as a line, so `data: [DONE]` without a newline still
    /// arrives. `saw_sse_line` survives the reset: callers ask it after the stream ended.
    pub fn finish(&mut self) -> Result<Option<SseEvent>, SseError> {
        let outcome = match self.overflow.clone() {
            Some(error) => Err(error),
            None if self.line.is_empty() => Ok(self.dispatch()),
            None => {
                self.end_line().map(|from_last_line| from_last_line.or_else(|| self.dispatch()))
            }
        };
        *self = Self { saw_sse_line: self.saw_sse_line, ..Self::with_max_line(self.max_line) };
        outcome
    }

    /// True once any line shaped like SSE (`data:`, `event:`, `id:`, `retry:` or a `:`
    /// comment) was seen; lets the client tell an HTML error page from a stream.
    pub fn saw_sse_line(&self) -> bool {
        self.saw_sse_line
    }

    /// Remembers `error` for every later call and lets go of what was held.
    fn overflowed(&mut self, error: SseError) -> SseError {
        self.line = Vec::new();
        self.data = String::new();
        self.overflow = Some(error.clone());
        error
    }

    /// Checked before copying, so a server that never ends a line can't grow memory.
    fn buffer(&mut self, bytes: &[u8]) -> Result<(), SseError> {
        if self.line.len().saturating_add(bytes.len()) > self.max_line {
            return Err(self.overflowed(SseError::LineTooLong { limit: self.max_line }));
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn end_line(&mut self) -> Result<Option<SseEvent>, SseError> {
        let mut line = std::mem::take(&mut self.line);
        let event = self.interpret(&line);
        // Handing the allocation back saves one per line.
        line.clear();
        self.line = line;
        event
    }

    fn interpret(&mut self, line: &[u8]) -> Result<Option<SseEvent>, SseError> {
        let line = if std::mem::take(&mut self.at_stream_start) {
            line.strip_prefix(BYTE_ORDER_MARK).unwrap_or(line)
        } else {
            line
        };
        if line.is_empty() {
            return Ok(self.dispatch());
        }
        // Splitting at the ASCII colon before decoding is safe: a colon is never part of a
        // multi-byte sequence, so the lossy decoding of each side is the same as of the whole.
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let (field, colon_and_value) = line.split_at(colon);
                let value = colon_and_value.get(1..).unwrap_or_default();
                (field, value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        match field {
            // A `:` comment carries nothing, but still shows the body is an event stream.
            b"" => {}
            b"data" => {
                // Checked before copying, like a line: the event is capped, not only its lines.
                if self.data.len().saturating_add(value.len()).saturating_add(1) > self.max_line {
                    return Err(self.overflowed(SseError::EventTooLong { limit: self.max_line }));
                }
                self.data.push_str(&String::from_utf8_lossy(value));
                self.data.push('\n');
            }
            b"event" => {
                // An empty type means the default one, which `None` already says.
                self.event_type =
                    (!value.is_empty()).then(|| String::from_utf8_lossy(value).into_owned());
            }
            b"id" | b"retry" => {}
            _ => return Ok(None),
        }
        self.saw_sse_line = true;
        Ok(None)
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event_type.take();
        if self.data.is_empty() {
            return None;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop();
        Some(SseEvent { event, data })
    }
}

/// The events a push completed before its line overflowed, or the error when there are
/// none; the decoder is overflowed either way, so the next call reports the error.
fn events_before(events: Vec<SseEvent>, error: SseError) -> Result<Vec<SseEvent>, SseError> {
    if events.is_empty() { Err(error) } else { Ok(events) }
}

#[cfg(test)]
mod tests;

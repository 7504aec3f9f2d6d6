//! Server-Sent Events framing by the WHATWG rules: bytes from the socket in, complete events
//! out. This module owns line splitting (CRLF, LF, lone CR), per-line UTF-8 decoding, the
//! `data` and `event` fields, and blank-line dispatch. It must never interpret the payload
//! (JSON is the client's job), never panic, and never buffer more than one line of at most
//! the configured limit, whatever the server sends.

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
    /// Once a line overflowed, the framing of the rest of the stream can't be trusted.
    overflowed: bool,
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
            overflowed: false,
        }
    }

    /// Feed bytes as they arrive from the socket; returns the events completed by them.
    ///
    /// After `LineTooLong` every further push fails the same way until `finish`. Events
    /// completed before the overlong line in the same bytes are returned first, and the
    /// error comes with the next call: what the server sent before it is never lost, and
    /// the outcome does not depend on where the reads were cut.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, SseError> {
        if self.overflowed {
            return Err(self.line_too_long());
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
            if let Some(event) = self.end_line() {
                events.push(event);
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
        let outcome = if self.overflowed {
            Err(self.line_too_long())
        } else {
            let from_last_line = if self.line.is_empty() { None } else { self.end_line() };
            Ok(from_last_line.or_else(|| self.dispatch()))
        };
        *self = Self { saw_sse_line: self.saw_sse_line, ..Self::with_max_line(self.max_line) };
        outcome
    }

    /// True once any line shaped like SSE (`data:`, `event:`, `id:`, `retry:` or a `:`
    /// comment) was seen; lets the client tell an HTML error page from a stream.
    pub fn saw_sse_line(&self) -> bool {
        self.saw_sse_line
    }

    fn line_too_long(&self) -> SseError {
        SseError::LineTooLong { limit: self.max_line }
    }

    /// Checked before copying, so a server that never ends a line can't grow memory.
    fn buffer(&mut self, bytes: &[u8]) -> Result<(), SseError> {
        if self.line.len().saturating_add(bytes.len()) > self.max_line {
            self.line = Vec::new();
            self.overflowed = true;
            return Err(self.line_too_long());
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn end_line(&mut self) -> Option<SseEvent> {
        let mut line = std::mem::take(&mut self.line);
        let event = self.interpret(&line);
        // Handing the allocation back saves one per line.
        line.clear();
        self.line = line;
        event
    }

    fn interpret(&mut self, line: &[u8]) -> Option<SseEvent> {
        let line = if std::mem::take(&mut self.at_stream_start) {
            line.strip_prefix(BYTE_ORDER_MARK).unwrap_or(line)
        } else {
            line
        };
        if line.is_empty() {
            return self.dispatch();
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
                self.data.push_str(&String::from_utf8_lossy(value));
                self.data.push('\n');
            }
            b"event" => {
                // An empty type means the default one, which `None` already says.
                self.event_type =
                    (!value.is_empty()).then(|| String::from_utf8_lossy(value).into_owned());
            }
            b"id" | b"retry" => {}
            _ => return None,
        }
        self.saw_sse_line = true;
        None
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
mod tests {
    use super::*;

    const LLAMA_CHUNK: &[u8] = b"data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\" commun\"}}],\"created\":1795583487,\"id\":\"chatcmpl-dxgobUQOenSyiovnbHRRAYqyc0LBDIh6\",\"model\":\"tiny-llama\",\"system_fingerprint\":\"b1-0c1e570\",\"object\":\"chat.completion.chunk\"}\n\n";

    fn data(text: &str) -> SseEvent {
        SseEvent { event: None, data: text.to_owned() }
    }

    /// Feeds the pieces in order and collects every event, `finish` included.
    fn decode_pieces<'a>(pieces: impl IntoIterator<Item = &'a [u8]>) -> Vec<SseEvent> {
        let mut decoder = SseDecoder::new();
        let mut events = Vec::new();
        for piece in pieces {
            events.extend(decoder.push(piece).unwrap());
        }
        events.extend(decoder.finish().unwrap());
        events
    }

    fn decode(bytes: &[u8]) -> Vec<SseEvent> {
        decode_pieces([bytes])
    }

    /// Every way of cutting `bytes` into two reads, and into single bytes, decodes alike.
    fn assert_split_invariant(bytes: &[u8], expected: &[SseEvent]) {
        for cut in 0..=bytes.len() {
            let (head, tail) = bytes.split_at(cut);
            assert_eq!(decode_pieces([head, tail]), expected, "cut at byte {cut}");
        }
        assert_eq!(decode_pieces(bytes.chunks(1)), expected, "byte by byte");
    }

    #[test]
    fn event_split_at_every_offset_is_reassembled() {
        let events = decode(LLAMA_CHUNK);
        assert_eq!(events.len(), 1);
        assert!(events[0].data.starts_with("{\"choices\""));
        assert!(events[0].data.ends_with("\"chat.completion.chunk\"}"));
        assert_split_invariant(LLAMA_CHUNK, &events);
    }

    #[test]
    fn event_is_dispatched_by_the_push_that_completes_it() {
        let mut decoder = SseDecoder::new();
        assert_eq!(decoder.push(b"data: a\n").unwrap(), []);
        assert_eq!(decoder.push(b"\ndata: b").unwrap(), [data("a")]);
    }

    #[test]
    fn crlf_line_endings_frame_events() {
        assert_eq!(decode(b"data: a\r\n\r\ndata: b\r\n\r\n"), [data("a"), data("b")]);
    }

    #[test]
    fn lone_cr_line_endings_frame_events() {
        assert_eq!(decode(b"data: a\r\rdata: b\rdata: c\r\r"), [data("a"), data("b\nc")]);
    }

    #[test]
    fn crlf_split_between_reads_is_one_line_ending() {
        let events = decode_pieces([&b"data: a\r"[..], b"\n", b"data: b\r", b"\n\r", b"\n"]);
        assert_eq!(events, [data("a\nb")]);
    }

    #[test]
    fn every_line_ending_survives_every_split() {
        let stream = b"data: a\r\ndata: b\rdata: c\n\r\n: ping\r\rdata: d\n\n";
        assert_split_invariant(stream, &[data("a\nb\nc"), data("d")]);
    }

    #[test]
    fn ping_comments_are_ignored() {
        let mut decoder = SseDecoder::new();
        assert_eq!(decoder.push(b": ping\n\n: ping\n\ndata: x\n\n").unwrap(), [data("x")]);
    }

    #[test]
    fn comment_alone_marks_the_stream_as_sse() {
        let mut decoder = SseDecoder::new();
        assert_eq!(decoder.push(b": keep-alive\n\n").unwrap(), []);
        assert!(decoder.saw_sse_line());
    }

    #[test]
    fn multibyte_char_split_inside_is_reassembled() {
        assert_split_invariant("data: héllo 🦀\n\n".as_bytes(), &[data("héllo 🦀")]);
    }

    #[test]
    fn invalid_utf8_becomes_replacement_char() {
        assert_eq!(decode(b"data: a\xFFb\xC3\n\n"), [data("a\u{FFFD}b\u{FFFD}")]);
    }

    #[test]
    fn multi_line_data_is_joined_with_newline() {
        assert_eq!(
            decode(b"data: one\ndata: two\ndata:\ndata: four\n\n"),
            [data("one\ntwo\n\nfour")]
        );
    }

    #[test]
    fn done_marker_is_delivered_as_data() {
        assert_eq!(decode(b"data: [DONE]\n\n"), [data("[DONE]")]);
    }

    #[test]
    fn only_one_leading_space_of_a_value_is_removed() {
        assert_eq!(decode(b"data:x\n\ndata:  y \n\n"), [data("x"), data(" y ")]);
    }

    #[test]
    fn field_without_colon_has_empty_value() {
        assert_eq!(decode(b"data\n\n"), [data("")]);
    }

    #[test]
    fn finish_dispatches_event_missing_its_blank_line() {
        let mut decoder = SseDecoder::new();
        assert_eq!(decoder.push(b"data: last\n").unwrap(), []);
        assert_eq!(decoder.finish().unwrap(), Some(data("last")));
    }

    #[test]
    fn finish_treats_an_unterminated_line_as_complete() {
        assert_eq!(decode(b"data: a\n\ndata: [DONE]"), [data("a"), data("[DONE]")]);
    }

    #[test]
    fn finish_with_nothing_pending_is_none() {
        let mut decoder = SseDecoder::new();
        assert_eq!(decoder.push(b"data: a\n\n").unwrap(), [data("a")]);
        assert_eq!(decoder.finish().unwrap(), None);
        assert_eq!(SseDecoder::new().finish().unwrap(), None);
    }

    #[test]
    fn finish_resets_but_remembers_the_stream_was_sse() {
        let mut decoder = SseDecoder::new();
        decoder.push(b"event: x\ndata: a\r").unwrap();
        assert!(decoder.finish().unwrap().is_some());
        assert!(decoder.saw_sse_line());
        assert_eq!(decoder.push(b"\ndata: b\n\n").unwrap(), [data("b")]);
    }

    #[test]
    fn event_type_is_reported_and_reset_after_dispatch() {
        let events = decode(b"event: error\ndata: {\"error\":\"boom\"}\n\ndata: next\n\n");
        let error =
            SseEvent { event: Some("error".to_owned()), data: "{\"error\":\"boom\"}".into() };
        assert_eq!(events, [error, data("next")]);
    }

    #[test]
    fn blank_line_without_data_dispatches_nothing_and_forgets_the_type() {
        assert_eq!(decode(b"event: error\n\n\n\ndata: x\n\n"), [data("x")]);
    }

    #[test]
    fn id_retry_and_unknown_fields_are_ignored() {
        assert_eq!(decode(b"id: 7\nretry: 10\nfoo: bar\ndata: x\n\n"), [data("x")]);
    }

    #[test]
    fn leading_bom_is_skipped_even_when_split() {
        assert_split_invariant(b"\xEF\xBB\xBFdata: x\n\n", &[data("x")]);
    }

    #[test]
    fn bom_after_the_first_line_is_not_skipped() {
        assert_eq!(decode(b"data: a\n\xEF\xBB\xBFdata: b\n\n"), [data("a")]);
    }

    #[test]
    fn line_too_long_is_an_error_before_its_end_arrives() {
        let mut decoder = SseDecoder::with_max_line(8);
        assert_eq!(decoder.push(b"data: 12").unwrap(), []);
        assert_eq!(decoder.push(b"3"), Err(SseError::LineTooLong { limit: 8 }));
        assert_eq!(decoder.push(b"\n\n"), Err(SseError::LineTooLong { limit: 8 }));
        assert_eq!(decoder.finish(), Err(SseError::LineTooLong { limit: 8 }));
        assert_eq!(decoder.push(b"data: ok\n\n").unwrap(), [data("ok")]);
    }

    #[test]
    fn an_empty_read_between_cr_and_lf_does_not_make_a_blank_line() {
        // Found by tests/properties.rs: an empty read forgot the pending CR, so the LF
        // after it counted as a blank line and split one event in two.
        let pieces: [&[u8]; 3] = [b"data: a\r", b"", b"\ndata: b\n\n"];
        assert_eq!(decode_pieces(pieces), [data("a\nb")]);
    }

    #[test]
    fn events_before_an_overlong_line_in_the_same_read_are_kept() {
        // Found by tests/properties.rs: these events used to vanish with the error when
        // they shared a read with the overlong line, and arrived when the read was cut.
        let bytes = b"data: a\n\ndata: 123456789";
        let mut decoder = SseDecoder::with_max_line(8);
        assert_eq!(decoder.push(bytes).unwrap(), [data("a")]);
        assert_eq!(decoder.finish(), Err(SseError::LineTooLong { limit: 8 }));
        let mut decoder = SseDecoder::with_max_line(8);
        assert_eq!(decoder.push(bytes).unwrap(), [data("a")]);
        assert_eq!(decoder.push(b"\n\n"), Err(SseError::LineTooLong { limit: 8 }));
    }

    #[test]
    fn line_exactly_at_the_limit_is_accepted() {
        let mut decoder = SseDecoder::with_max_line(8);
        assert_eq!(decoder.push(b"data: 12\r\n\r\n").unwrap(), [data("12")]);
    }

    #[test]
    fn line_too_long_error_says_the_limit() {
        let message = SseError::LineTooLong { limit: 8 }.to_string();
        assert_eq!(message, "the server sent a line longer than 8 bytes");
    }

    #[test]
    fn html_body_yields_no_events_and_is_not_sse() {
        let mut decoder = SseDecoder::new();
        let page = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                     <center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";
        assert_eq!(decoder.push(page).unwrap(), []);
        assert_eq!(decoder.finish().unwrap(), None);
        assert!(!decoder.saw_sse_line());
    }

    #[test]
    fn hostile_bytes_never_panic() {
        let mut noise = Vec::new();
        let mut seed = 0x2545_F491_4F6C_DD1D_u64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let alphabet = b"data:event \r\n\xEF\xBB\xBF\xFF\xC3:";
            noise.push(alphabet[(seed % alphabet.len() as u64) as usize]);
        }
        let mut decoder = SseDecoder::with_max_line(64);
        for piece in noise.chunks(7) {
            let _ = decoder.push(piece);
        }
        let _ = decoder.finish();
    }

    #[test]
    fn megabyte_fed_byte_by_byte_stays_linear() {
        let mut stream = b"data: ".to_vec();
        stream.resize(1024 * 1024, b'x');
        stream.extend_from_slice(b"\n\n");
        let started = std::time::Instant::now();
        let events = decode_pieces(stream.chunks(1));
        // Rescanning the buffer on every push would take hours here, not seconds.
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].data.len(), 1024 * 1024 - 6);
    }
}

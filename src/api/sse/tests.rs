//! SSE framing on byte fixtures: events split across reads at every point, CRLF, LF and
//! lone CR line ends, comments, `[DONE]`, error events and over-long lines.

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
    assert_eq!(decode(b"data: one\ndata: two\ndata:\ndata: four\n\n"), [data("one\ntwo\n\nfour")]);
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
    let error = SseEvent { event: Some("error".to_owned()), data: "{\"error\":\"boom\"}".into() };
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

#[test]
fn an_event_of_many_short_lines_is_capped_like_a_line() {
    // Each line fits; together, without the blank line, they would grow one event forever.
    let mut decoder = SseDecoder::with_max_line(16);
    assert_eq!(decoder.push(b"data: a\n\ndata: 12345\ndata: 12345\n").unwrap(), [data("a")]);
    assert_eq!(decoder.push(b"data: 12345\n"), Err(SseError::EventTooLong { limit: 16 }));
    assert_eq!(decoder.push(b"\n"), Err(SseError::EventTooLong { limit: 16 }));
    assert_eq!(decoder.finish(), Err(SseError::EventTooLong { limit: 16 }));
    assert_eq!(decoder.push(b"data: ok\n\n").unwrap(), [data("ok")]);
    let message = SseError::EventTooLong { limit: 16 }.to_string();
    assert_eq!(message, "the server sent an event longer than 16 bytes");
}

#[test]
fn an_event_exactly_at_the_limit_is_accepted() {
    // Each line's value and its newline count: 5 + 5 of 10.
    let mut decoder = SseDecoder::with_max_line(10);
    assert_eq!(decoder.push(b"data:1234\ndata:5678\n\n").unwrap(), [data("1234\n5678")]);
}

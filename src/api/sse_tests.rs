//! SSE framing on byte fixtures: every split point, every line ending, hostile input.

use super::*;

const LLAMA_CHUNK: &[u8] = br#"data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":" commun"}}],"created":1795583487,"id":"chatcmpl-dxgobUQOenSyiovnbHRRAYqyc0LBDIh6","model":"tiny-llama","system_fingerprint":"b1-0c1e570","object":"chat.completion.chunk"}

"#;

fn data(text: &str) -> SseEvent {
    SseEvent { event: None, data: text.to_owned() }
}

/// Feeds `bytes` in the given pieces and collects every event, `finish` included.
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

#[test]
fn event_split_at_every_offset_is_reassembled() {
    let whole = decode(LLAMA_CHUNK);
    assert_eq!(whole.len(), 1);
    assert!(whole[0].data.starts_with(r#"{"choices""#));
    for cut in 0..=LLAMA_CHUNK.len() {
        let (a, b) = LLAMA_CHUNK.split_at(cut);
        assert_eq!(decode_pieces([a, b]), whole, "split at {cut}");
    }
}

#[test]
fn one_byte_reads_give_the_same_events() {
    let stream = [LLAMA_CHUNK, LLAMA_CHUNK, b"data: [DONE]\n\n"].concat();
    let events = decode_pieces(stream.chunks(1));
    assert_eq!(events.len(), 3);
    assert_eq!(events[2], data("[DONE]"));
}

#[test]
fn crlf_and_lone_cr_end_lines_even_when_split_between_reads() {
    assert_eq!(decode(b"data: a\r\n\r\ndata: b\r\rdata: c\n\n"), [data("a"), data("b"), data("c")]);
    let stream = b"data: x\r\n\r\n";
    for cut in 0..=stream.len() {
        let (a, b) = stream.split_at(cut);
        assert_eq!(decode_pieces([a, b]), [data("x")], "split at {cut}");
    }
}

#[test]
fn ping_comments_are_ignored_but_mark_the_stream_as_sse() {
    let mut decoder = SseDecoder::new();
    assert!(decoder.push(b": ping\n\n: ping\n").unwrap().is_empty());
    assert!(decoder.saw_sse_line());
    assert_eq!(decoder.push(b"data: hi\n\n").unwrap(), [data("hi")]);
}

#[test]
fn multibyte_utf8_split_inside_a_character_is_whole_again() {
    let stream = "data: héllo 🦀\n\n".as_bytes();
    for cut in 0..=stream.len() {
        let (a, b) = stream.split_at(cut);
        assert_eq!(decode_pieces([a, b]), [data("héllo 🦀")], "split at {cut}");
    }
}

#[test]
fn invalid_utf8_becomes_replacement_characters() {
    assert_eq!(decode(b"data: a\xFF\xFEb\n\n"), [data("a\u{FFFD}\u{FFFD}b")]);
}

#[test]
fn multi_line_data_is_joined_with_newlines() {
    assert_eq!(decode(b"data: one\ndata:two\ndata\n\n"), [data("one\ntwo\n")]);
}

#[test]
fn event_type_is_kept_and_reset_after_dispatch() {
    let events = decode(b"event: error\ndata: {\"error\":\"x\"}\n\ndata: next\n\n");
    assert_eq!(events[0].event.as_deref(), Some("error"));
    assert_eq!(events[1].event, None);
}

#[test]
fn unterminated_last_event_is_dispatched_at_the_end() {
    assert_eq!(decode(b"data: tail"), [data("tail")]);
    assert_eq!(decode(b"data: tail\n"), [data("tail")]);
    assert!(decode(b"").is_empty());
    assert!(decode(b"\n\n: only a comment\n").is_empty());
}

#[test]
fn a_leading_bom_is_skipped_even_when_split() {
    let stream = b"\xEF\xBB\xBFdata: x\n\n";
    for cut in 0..4 {
        let (a, b) = stream.split_at(cut);
        assert_eq!(decode_pieces([a, b]), [data("x")], "split at {cut}");
    }
}

#[test]
fn a_line_over_the_limit_is_an_error_before_it_ends() {
    let mut decoder = SseDecoder::with_max_line(16);
    assert_eq!(decoder.push(b"data: 0123456789"), Ok(vec![]));
    assert_eq!(decoder.push(b"abc"), Err(SseError::LineTooLong { limit: 16 }));
}

#[test]
fn an_html_page_yields_no_events_and_is_not_sse() {
    let mut decoder = SseDecoder::new();
    let page =
        b"<html>\n<head><title>502 Bad Gateway</title></head>\n<body>bad gateway</body>\n</html>\n";
    assert!(decoder.push(page).unwrap().is_empty());
    assert_eq!(decoder.finish().unwrap(), None);
    assert!(!decoder.saw_sse_line());
}

#[test]
fn a_megabyte_line_in_single_bytes_arrives_whole() {
    let line = format!("data: {}\n\n", "x".repeat(1 << 20));
    let events = decode_pieces(line.as_bytes().chunks(1));
    assert_eq!(events[0].data.len(), 1 << 20);
}

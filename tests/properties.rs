//! The fuzz targets' properties (fuzz/fuzz_targets), run by proptest in every `cargo test`
//! so CI checks them too: the SSE decoder and the sanitiser give the same result however
//! their input is cut, never panic, and the sanitiser lets nothing that steers a terminal
//! (or reorders a line) through. The fuzzer searches far wider; this keeps the properties from regressing.

use proptest::prelude::*;
use rockchat::api::sse::{SseDecoder, SseError, SseEvent};
use rockchat::sanitize::{Sanitizer, sanitize};

/// Every event, then the error if the stream had an overlong line: what the client acts on.
type Decoded = (Vec<SseEvent>, Option<SseError>);

fn decode(pieces: &[&[u8]], max_line: usize) -> Decoded {
    let mut decoder = SseDecoder::with_max_line(max_line);
    let mut events = Vec::new();
    for piece in pieces {
        match decoder.push(piece) {
            Ok(mut more) => events.append(&mut more),
            Err(error) => return (events, Some(error)),
        }
    }
    match decoder.finish() {
        Ok(last) => {
            events.extend(last);
            (events, None)
        }
        Err(error) => (events, Some(error)),
    }
}

/// Bytes that look like SSE often enough to reach every branch: field names, colons, the
/// three line endings, a BOM, and bytes that are not UTF-8.
fn sse_bytes() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(b"data:".to_vec()),
        Just(b"data: ".to_vec()),
        Just(b"event: error".to_vec()),
        Just(b": ping".to_vec()),
        Just(b"id: 7".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just(b"\xC3\xA9".to_vec()),
        Just(b"\xFF".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..12),
    ];
    proptest::collection::vec(token, 0..40).prop_map(|tokens| tokens.concat())
}

fn cut<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.sort_unstable();
    let mut pieces = Vec::new();
    let mut from = 0;
    for point in points {
        pieces.push(&bytes[from..point]);
        from = point;
    }
    pieces.push(&bytes[from..]);
    pieces
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn sse_events_do_not_depend_on_where_the_reads_are_cut(
        bytes in sse_bytes(),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
        max_line in prop_oneof![Just(16usize), Just(1usize << 20)],
    ) {
        let whole = decode(&[&bytes], max_line);
        prop_assert_eq!(&decode(&cut(&bytes, &cuts), max_line), &whole);
        let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
        prop_assert_eq!(&decode(&bytewise, max_line), &whole);
    }

    #[test]
    fn sanitised_text_holds_no_terminal_control_is_stable_and_streams_the_same(
        text in "(\\PC|[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}]|\x1b\\[|\x1b\\]|\\x07){0,80}",
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let clean = sanitize(&text);
        let bad = clean.chars().find(|&c| {
            (c.is_control() && c != '\n' && c != '\t') || rockchat::sanitize::is_bidi_control(c)
        });
        prop_assert!(bad.is_none(), "{:?} passed through in {:?}", bad, clean);
        prop_assert_eq!(sanitize(&clean), clean.clone());

        let mut streamed = String::new();
        let mut sanitizer = Sanitizer::new();
        let mut from = 0;
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (text.len() + 1)).collect();
        points.sort_unstable();
        for mut point in points.into_iter().chain([text.len()]) {
            while !text.is_char_boundary(point) {
                point += 1;
            }
            if point >= from {
                sanitizer.push(&text[from..point], &mut streamed);
                from = point;
            }
        }
        sanitizer.finish(&mut streamed);
        prop_assert_eq!(streamed, clean.into_owned());
    }
}

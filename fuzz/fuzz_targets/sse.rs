//! The SSE decoder fed arbitrary bytes cut at arbitrary points: it must never panic, and
//! the events (and the error, if a line is too long) must not depend on where the cuts fall.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../src/api/sse.rs"]
mod sse;

use sse::{SseDecoder, SseError, SseEvent};

/// A small line limit so the overflow path is reached by inputs of fuzzer size.
const MAX_LINE: usize = 64;

fuzz_target!(|input: &[u8]| {
    // The first byte chooses the cuts, the rest is the stream.
    let Some((&seed, bytes)) = input.split_first() else { return };
    let whole = decode(&[bytes]);
    let mut pieces = Vec::new();
    let mut rest = bytes;
    let mut step = seed as usize;
    while !rest.is_empty() {
        step = step.wrapping_mul(31).wrapping_add(7);
        let at = (step % 9).min(rest.len());
        let (piece, tail) = rest.split_at(at);
        pieces.push(piece);
        rest = tail;
    }
    assert_eq!(decode(&pieces), whole, "cut into {pieces:?}");
    let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(decode(&bytewise), whole);
});

/// Every event, then the error if the stream had an overlong line: what the client acts on.
fn decode(pieces: &[&[u8]]) -> (Vec<SseEvent>, Option<SseError>) {
    let mut decoder = SseDecoder::with_max_line(MAX_LINE);
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

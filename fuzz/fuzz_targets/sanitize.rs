//! The sanitiser fed arbitrary text: nothing that steers a terminal comes out (no ESC, no C0
//! control but `\n` and `\t`, no DEL, no C1 control, no bidi control), sanitising twice
//! changes nothing, and the streaming form gives the same text however the input is cut.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../src/sanitize.rs"]
mod sanitize;

fuzz_target!(|input: &[u8]| {
    let Some((&seed, bytes)) = input.split_first() else { return };
    let text = String::from_utf8_lossy(bytes);
    let clean = sanitize::sanitize(&text);
    if let Some(bad) = clean.chars().find(|&c| is_terminal_control(c)) {
        panic!("{:?} came out of {text:?} as {clean:?}", bad);
    }
    assert_eq!(sanitize::sanitize(&clean), clean, "not idempotent");

    let mut streamed = String::new();
    let mut sanitizer = sanitize::Sanitizer::new();
    let mut rest: &str = &text;
    let mut step = seed as usize;
    while !rest.is_empty() {
        step = step.wrapping_mul(31).wrapping_add(7);
        let mut at = (step % 7).min(rest.len());
        while !rest.is_char_boundary(at) {
            at += 1;
        }
        let (piece, tail) = rest.split_at(at);
        sanitizer.push(piece, &mut streamed);
        rest = tail;
    }
    sanitizer.finish(&mut streamed);
    assert_eq!(streamed, clean, "streamed differently");
});

fn is_terminal_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || c == '\u{7f}' || sanitize::is_bidi_control(c)
}

//! What may reach the terminal: text, newlines and tabs; never a control or a sequence.

use super::*;

fn clean(text: &str) -> String {
    sanitize(text).into_owned()
}

/// The streaming sanitiser, fed `text` cut at every char boundary into two pieces, must
/// agree with the one-shot function.
fn assert_split_invariant(text: &str) {
    let expected = clean(text);
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
    for &cut in &bounds {
        let mut out = String::new();
        let mut sanitizer = Sanitizer::new();
        sanitizer.push(&text[..cut], &mut out);
        sanitizer.push(&text[cut..], &mut out);
        sanitizer.finish(&mut out);
        assert_eq!(out, expected, "{text:?} split at {cut}");
    }
}

const SAMPLES: &[&str] = &[
    "\x1b[31mred\x1b[0m plain",
    "copy \x1b]52;c;SGVsbG8=\x07 done",
    "link \x1b]8;;https://example.com\x1b\\text\x1b]8;;\x1b\\ end",
    "title \x1b]0;pwned\x07 ok",
    "\x1b[2J\x1b[Hcleared",
    "8-bit \u{9b}31mcsi\u{9b}0m and \u{9d}0;t\u{9c} osc",
    "bell\x07 back\x08space nul\0 del\x7f",
    "crlf\r\nline\rover",
    "dcs \x1bPq#0;2;0;0;0\x1b\\ after",
    "two-byte \x1bc \x1b(B \x1b7 escapes",
    "unterminated \x1b]0;title\nnext line kept",
    "emoji 🦀 and 日本語\ttab",
    "esc then non-ascii \x1bé",
];

#[test]
fn colour_codes_vanish_and_text_stays() {
    assert_eq!(clean("\x1b[31mred\x1b[0m plain"), "red plain");
    assert_eq!(clean("\x1b[38;2;255;0;0mrgb\x1b[m"), "rgb");
}

#[test]
fn osc_52_clipboard_writes_and_titles_vanish() {
    assert_eq!(clean("copy \x1b]52;c;SGVsbG8=\x07 done"), "copy  done");
    assert_eq!(clean("title \x1b]0;pwned\x1b\\ ok"), "title  ok");
}

#[test]
fn hyperlinks_keep_their_visible_text() {
    assert_eq!(
        clean("link \x1b]8;;https://example.com\x1b\\text\x1b]8;;\x1b\\ end"),
        "link text end"
    );
}

#[test]
fn screen_clearing_and_cursor_moves_vanish() {
    assert_eq!(clean("\x1b[2J\x1b[Hcleared\x1b[10;10f"), "cleared");
}

#[test]
fn eight_bit_c1_sequences_vanish() {
    assert_eq!(clean("8-bit \u{9b}31mcsi\u{9b}0m and \u{9d}0;t\u{9c} osc"), "8-bit csi and  osc");
}

#[test]
fn lone_controls_are_dropped_but_newline_and_tab_kept() {
    assert_eq!(clean("bell\x07 back\x08space nul\0 del\x7f"), "bell backspace nul del");
    assert_eq!(clean("crlf\r\nline\rover"), "crlf\nlineover");
    assert_eq!(clean("a\tb\nc"), "a\tb\nc");
}

#[test]
fn two_byte_escapes_and_dcs_strings_vanish() {
    assert_eq!(clean("two-byte \x1bc \x1b(B \x1b7 escapes"), "two-byte    escapes");
    assert_eq!(clean("dcs \x1bPq#0;2;0;0;0\x1b\\ after"), "dcs  after");
}

#[test]
fn an_unterminated_string_sequence_ends_at_the_newline() {
    assert_eq!(clean("unterminated \x1b]0;title\nnext line kept"), "unterminated \nnext line kept");
}

#[test]
fn clean_text_is_borrowed_untouched() {
    let text = "emoji 🦀 and 日本語\ttab\n";
    assert!(matches!(sanitize(text), Cow::Borrowed(t) if t == text));
}

#[test]
fn streaming_gives_the_same_result_however_the_text_is_split() {
    for sample in SAMPLES {
        assert_split_invariant(sample);
    }
}

#[test]
fn an_escape_at_the_end_of_a_delta_is_completed_by_the_next() {
    let mut sanitizer = Sanitizer::new();
    let mut out = String::new();
    sanitizer.push("red \x1b", &mut out);
    assert_eq!(out, "red ");
    sanitizer.push("[31mtext", &mut out);
    assert_eq!(out, "red text");
}

#[test]
fn finish_drops_a_dangling_escape() {
    let mut sanitizer = Sanitizer::new();
    let mut out = String::new();
    sanitizer.push("end\x1b", &mut out);
    sanitizer.finish(&mut out);
    sanitizer.push("[after", &mut out);
    assert_eq!(out, "end[after");
}

#[test]
fn no_output_ever_holds_a_control_character() {
    // Every char from U+0000 to U+00FF after ESC, after CSI and alone.
    for c in (0u32..=0xFF).filter_map(char::from_u32) {
        for text in
            [format!("{c}x"), format!("\x1b{c}x"), format!("\x1b[{c}x"), format!("\x1b]{c}x")]
        {
            let out = clean(&text);
            assert!(
                !out.chars().any(|o| is_control(o) && o != '\n' && o != '\t'),
                "{text:?} -> {out:?}"
            );
        }
    }
}

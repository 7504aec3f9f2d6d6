//! Strips terminal control from untrusted text (model output, server messages) so nothing a
//! model writes can move the cursor, retitle the window, write the clipboard (OSC 52),
//! overwrite a line or hide text. It owns the decision of which characters reach a terminal:
//! printable text, `\n` and `\t` are kept; every other C0 control, DEL, every C1 control and
//! whole escape sequences (CSI, OSC, DCS/SOS/PM/APC strings, other `ESC` sequences and their
//! 8-bit forms) are dropped. It must never pass a control character through, never lose
//! ordinary text to an unterminated sequence for longer than one line, and never panic.

use std::borrow::Cow;

/// A string sequence (OSC and friends) that never terminates swallows at most this many
/// chars, so a stray introducer can't eat a whole reply that has no newlines.
const MAX_STRING_PAYLOAD: usize = 4096;

const ESC: char = '\u{1b}';
const BEL: char = '\u{7}';
const CSI_8BIT: char = '\u{9b}';
const OSC_8BIT: char = '\u{9d}';
const ST_8BIT: char = '\u{9c}';

/// Stateless: everything is known to be complete. Borrowed when nothing needs stripping.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut sanitizer = Sanitizer::new();
    sanitizer.push(text, &mut out);
    sanitizer.finish(&mut out);
    Cow::Owned(out)
}

/// Everything a terminal could act on: C0 except `\t` and `\n`, DEL, and C1.
fn is_control(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    #[default]
    Text,
    /// Right after ESC.
    Escape,
    /// After `ESC` and intermediates (0x20–0x2F), waiting for the final byte.
    EscapeIntermediate,
    /// Inside a CSI, waiting for the final byte.
    Csi,
    /// Inside OSC/DCS/SOS/PM/APC; only OSC also ends at BEL.
    ControlString { swallowed: usize, ends_at_bel: bool },
    /// ESC inside a string sequence: either the first half of ST or a new sequence.
    ControlStringEscape,
}

/// Streaming: a sequence may be split across deltas, so an unfinished escape is held back.
///
/// Only the parser state is held, never text, so every push emits all it safely can and the
/// output equals `sanitize` of the concatenated input however it was split.
#[derive(Debug, Default, Clone)]
pub struct Sanitizer {
    state: State,
}

impl Sanitizer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends the safe part of `text` to `out`.
    pub fn push(&mut self, text: &str, out: &mut String) {
        out.reserve(text.len());
        for c in text.chars() {
            self.state = match self.state {
                State::Text => text_char(c, out),
                State::Escape => escape(c, out),
                State::EscapeIntermediate => escape_intermediate(c, out),
                State::Csi => csi(c, out),
                State::ControlString { swallowed, ends_at_bel } => {
                    control_string(c, swallowed, ends_at_bel, out)
                }
                State::ControlStringEscape => control_string_escape(c, out),
            };
        }
    }

    /// Stream over: drop any unfinished sequence. Takes `out` so callers treat it like the
    /// last push, though an unfinished sequence never has anything worth showing.
    pub fn finish(&mut self, _out: &mut String) {
        self.state = State::Text;
    }
}

fn text_char(c: char, out: &mut String) -> State {
    match c {
        ESC => State::Escape,
        CSI_8BIT => State::Csi,
        OSC_8BIT => State::ControlString { swallowed: 0, ends_at_bel: true },
        // DCS, SOS, PM, APC.
        '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => {
            State::ControlString { swallowed: 0, ends_at_bel: false }
        }
        // A lone CR would let text overwrite its own line; CRLF still leaves the LF.
        c if is_control(c) => State::Text,
        c => {
            out.push(c);
            State::Text
        }
    }
}

fn escape(c: char, out: &mut String) -> State {
    match c {
        '[' => State::Csi,
        ']' => State::ControlString { swallowed: 0, ends_at_bel: true },
        'P' | 'X' | '^' | '_' => State::ControlString { swallowed: 0, ends_at_bel: false },
        ' '..='/' => State::EscapeIntermediate,
        '0'..='~' => State::Text,
        // Not a sequence after all: the char is text (or the start of the next sequence).
        c => text_char(c, out),
    }
}

fn escape_intermediate(c: char, out: &mut String) -> State {
    match c {
        ' '..='/' => State::EscapeIntermediate,
        '0'..='~' => State::Text,
        c => text_char(c, out),
    }
}

fn csi(c: char, out: &mut String) -> State {
    match c {
        ' '..='?' => State::Csi,
        '@'..='~' => State::Text,
        c => text_char(c, out),
    }
}

fn control_string(c: char, swallowed: usize, ends_at_bel: bool, out: &mut String) -> State {
    match c {
        BEL if ends_at_bel => State::Text,
        ST_8BIT => State::Text,
        ESC => State::ControlStringEscape,
        // Ending at a newline keeps a stray introducer from hiding the rest of the reply.
        '\n' => {
            out.push('\n');
            State::Text
        }
        c if swallowed >= MAX_STRING_PAYLOAD => text_char(c, out),
        _ => State::ControlString { swallowed: swallowed + 1, ends_at_bel },
    }
}

fn control_string_escape(c: char, out: &mut String) -> State {
    match c {
        '\\' => State::Text,
        // Terminals abort the string at ESC and start a new sequence with it.
        c => escape(c, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn streamed<'a>(pieces: impl IntoIterator<Item = &'a str>) -> String {
        let mut sanitizer = Sanitizer::new();
        let mut out = String::new();
        for piece in pieces {
            sanitizer.push(piece, &mut out);
        }
        sanitizer.finish(&mut out);
        out
    }

    fn char_boundaries(text: &str) -> Vec<usize> {
        text.char_indices().map(|(i, _)| i).chain([text.len()]).collect()
    }

    const SAMPLES: &[&str] = &[
        "plain text 🦀 日本語",
        "\x1b[31mred\x1b[0m and \x1b[1;38;5;200mbold\x1b[m",
        "copy \x1b]52;c;SGVsbG8=\x07done",
        "\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\ after",
        "title \x1b]0;pwned\x1b\\ \x1b]2;x\x07end",
        "\x1b[2J\x1b[Hclear \u{9b}31mred\u{9c} \u{9d}0;t\u{9c}x",
        "a\r\nb\rc\x08d\0e\x7ff\x07g\tq",
        "\x1bP1$r0m\x1b\\dcs \x1b_apc\x1b\\ \x1bXsos\x1b\\ \x1b^pm\x1b\\ end",
        "\x1b(B\x1b7\x1bc\x1b#8 two-byte",
        "\x1b]0;never closed\nkept \x1b[31🦀 \x1b\x1b[1m x\x1b",
        "\x1b]0;a\x1b[32mgreen\x1bé \x1b(\n",
    ];

    #[test]
    fn streaming_matches_stateless_at_every_split() {
        for sample in SAMPLES {
            let whole = sanitize(sample);
            let boundaries = char_boundaries(sample);
            for &cut in &boundaries {
                let (head, tail) = sample.split_at(cut);
                assert_eq!(streamed([head, tail]), whole, "{sample:?} cut at {cut}");
            }
            for &first in &boundaries {
                for &second in boundaries.iter().filter(|&&b| b >= first) {
                    let pieces = [&sample[..first], &sample[first..second], &sample[second..]];
                    assert_eq!(streamed(pieces), whole, "{sample:?} cut at {first}, {second}");
                }
            }
            let one_char_each: Vec<String> = sample.chars().map(String::from).collect();
            assert_eq!(streamed(one_char_each.iter().map(String::as_str)), whole);
        }
    }

    #[test]
    fn output_never_contains_a_control_char() {
        for sample in SAMPLES {
            let clean = sanitize(sample);
            assert!(!clean.chars().any(is_control), "{sample:?} gave {clean:?}");
        }
    }

    #[test]
    fn colour_codes_are_removed() {
        assert_eq!(sanitize("\x1b[31mred\x1b[0m"), "red");
    }

    #[test]
    fn osc52_clipboard_write_vanishes() {
        assert_eq!(sanitize("a\x1b]52;c;SGVsbG8=\x07b"), "ab");
    }

    #[test]
    fn osc8_hyperlink_terminated_by_st_keeps_only_its_text() {
        assert_eq!(sanitize("\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"), "click");
    }

    #[test]
    fn title_set_vanishes() {
        assert_eq!(sanitize("\x1b]0;pwned\x07hi \x1b]2;x\u{9c}there"), "hi there");
    }

    #[test]
    fn screen_clear_and_cursor_home_vanish() {
        assert_eq!(sanitize("\x1b[2J\x1b[Hhello"), "hello");
    }

    #[test]
    fn eight_bit_sequences_are_removed() {
        assert_eq!(sanitize("\u{9b}31mred \u{9d}0;title\u{9c}ok \u{90}dcs\u{9c}."), "red ok .");
    }

    #[test]
    fn string_sequences_end_only_at_st_except_osc() {
        let text = "\x1bPq\x07still dcs\x1b\\ \x1b_apc\x1b\\\x1bXsos\u{9c}\x1b^pm\x1b\\after";
        assert_eq!(sanitize(text), " after");
    }

    #[test]
    fn two_byte_escapes_are_removed() {
        assert_eq!(sanitize("\x1bc\x1b(B\x1b7a\x1b8\x1b#8b"), "ab");
    }

    #[test]
    fn lone_controls_are_dropped() {
        assert_eq!(
            sanitize("ding\x07 back\x08space nul\0 del\x7f c1\u{85}"),
            "ding backspace nul del c1"
        );
    }

    #[test]
    fn crlf_becomes_lf_and_lone_cr_is_dropped() {
        assert_eq!(sanitize("one\r\ntwo\rthree\r"), "one\ntwothree");
    }

    #[test]
    fn clean_text_is_borrowed_untouched() {
        let text = "emoji 🦀🎉, CJK 日本語の文章, tabs\tand\nnewlines, accents é ü";
        assert!(matches!(sanitize(text), Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn tab_is_kept() {
        assert_eq!(sanitize("a\tb\x1b[0m"), "a\tb");
    }

    #[test]
    fn unterminated_osc_ends_at_newline_and_keeps_the_rest() {
        assert_eq!(sanitize("x\x1b]0;no end\nvisible text"), "x\nvisible text");
    }

    #[test]
    fn unterminated_string_ends_after_its_payload_limit() {
        let text = format!("\x1b]0;{}visible", "a".repeat(MAX_STRING_PAYLOAD - 2));
        assert_eq!(sanitize(&text), "visible");
    }

    #[test]
    fn csi_with_an_invalid_char_ends_and_the_char_is_text() {
        assert_eq!(sanitize("\x1b[31🦀x \x1b[1\n2"), "🦀x \n2");
        assert_eq!(sanitize("\x1b[3\x1b[1mz"), "z");
    }

    #[test]
    fn esc_inside_osc_aborts_it_and_starts_a_new_sequence() {
        assert_eq!(sanitize("\x1b]0;t\x1b[32mgreen"), "green");
    }

    #[test]
    fn esc_at_the_end_of_a_push_is_completed_by_the_next() {
        let mut sanitizer = Sanitizer::new();
        let mut out = String::new();
        sanitizer.push("red\x1b", &mut out);
        assert_eq!(out, "red");
        sanitizer.push("[0m done", &mut out);
        assert_eq!(out, "red done");
    }

    #[test]
    fn finish_drops_a_dangling_esc() {
        let mut sanitizer = Sanitizer::new();
        let mut out = String::new();
        sanitizer.push("end\x1b", &mut out);
        sanitizer.finish(&mut out);
        sanitizer.push("[31m is text again", &mut out);
        assert_eq!(out, "end[31m is text again");
    }
}

//! Strips terminal control from untrusted text (model output, server messages, imports) so
//! nothing a model or server writes can move the cursor, retitle the window, write the
//! clipboard (OSC 52), overwrite a line, hide text or reorder it. It owns the decision of
//! which characters reach a terminal:
//! - printable text, `\n` and `\t` are kept; every other C0 control, DEL, every C1 control
//!   and whole escape sequences (CSI, OSC, DCS/SOS/PM/APC strings, other `ESC` sequences
//!   and their 8-bit forms) are dropped;
//! - the bidirectional embedding, override and isolate controls (U+202A–U+202E,
//!   U+2066–U+2069), which reorder how a line is drawn ("Trojan Source"), are shown as a
//!   visible `<U+202E>` everywhere, as editors show them;
//! - the zero-width space and joiners (U+200B–U+200D) stay in prose, where they join emoji
//!   and shape Persian and Indic scripts, and are shown as `<U+200B>` in one-line fields
//!   ([`one_line`]) and code ([`reveal_invisible`]), where they would make two different
//!   names look the same.
//!
//! [`one_line`] also makes a field one line (a title, a model id, a finish reason, an error
//! type: a newline there would forge a row of output) and caps its length.
//!
//! It must never pass a control character through, never lose ordinary text to an
//! unterminated sequence for longer than one line, and never panic.

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
    if !text.chars().any(|c| is_control(c) || is_bidi_control(c)) {
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

/// The bidirectional embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069):
/// they make a line draw in another order than it reads.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The zero-width space, non-joiner and joiner: invisible, so two names that differ only by
/// one look the same.
pub fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200d}')
}

/// `c` as editors show an invisible character: `<U+202E>`.
pub fn push_visible(c: char, out: &mut String) {
    use std::fmt::Write as _;
    let _ = write!(out, "<U+{:04X}>", u32::from(c));
}

/// Text for a one-line field (a title, a model id, a finish reason, an error type, a header
/// value): sanitised, every line break and tab a space, zero-width characters shown, and at
/// most `max_chars` characters of the original, with `…` when cut.
pub fn one_line(text: &str, max_chars: usize) -> Cow<'_, str> {
    let clean = sanitize(text);
    let breaks = |c: char| matches!(c, '\n' | '\t' | '\u{2028}' | '\u{2029}');
    let fits = clean.chars().nth(max_chars).is_none();
    if fits && !clean.chars().any(|c| breaks(c) || is_zero_width(c)) {
        return clean;
    }
    let mut out = String::with_capacity(clean.len().min(max_chars.saturating_mul(4)));
    for (count, c) in clean.chars().enumerate() {
        if count == max_chars {
            out.push('…');
            break;
        }
        match c {
            c if breaks(c) => out.push(' '),
            c if is_zero_width(c) => push_visible(c, &mut out),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Code as the screen shows it: zero-width characters made visible, so `is\u{200b}_admin`
/// does not pass for `is_admin`. The text must already be sanitised.
pub fn reveal_invisible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_zero_width) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_zero_width(c) {
            push_visible(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
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
        c if is_bidi_control(c) => {
            push_visible(c, out);
            State::Text
        }
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
        "access\u{202e} \u{2066}// check\u{2069} \u{2067}later\u{202c}\x1b\u{202a}x",
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
            assert!(!clean.chars().any(is_bidi_control), "{sample:?} gave {clean:?}");
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

    #[test]
    fn bidi_controls_are_shown_as_editors_show_them() {
        // The Trojan Source line: drawn as written, it would read "if access { // check".
        assert_eq!(
            sanitize("if access\u{202e} \u{2066}// check\u{2069}"),
            "if access<U+202E> <U+2066>// check<U+2069>"
        );
        assert_eq!(streamed(["a\u{202d}", "b\u{202a}"]), "a<U+202D>b<U+202A>");
    }

    #[test]
    fn zero_width_characters_stay_in_prose() {
        let family = "👨\u{200d}👩\u{200d}👧 and می\u{200c}خواهم";
        assert_eq!(sanitize(family), family);
    }

    #[test]
    fn one_line_fields_have_no_line_breaks_and_show_invisible_characters() {
        assert_eq!(
            one_line("title\n 12  2 days  gpt-4o  fake row", 200),
            "title  12  2 days  gpt-4o  fake row"
        );
        assert_eq!(one_line("a\tb\r\nc\u{2028}d", 200), "a b c d");
        assert_eq!(one_line("gpt\u{200b}-4o \u{202e}x", 200), "gpt<U+200B>-4o <U+202E>x");
        assert_eq!(one_line("\x1b]0;TITLE\x07\x1b[31mstop", 200), "stop");
        assert!(matches!(one_line("plain", 200), Cow::Borrowed("plain")));
    }

    #[test]
    fn one_line_fields_are_capped() {
        assert_eq!(one_line("abcdef", 3), "abc…");
        assert_eq!(one_line("abc", 3), "abc");
        assert_eq!(one_line(&"日".repeat(10_000), 64).chars().count(), 65);
    }

    #[test]
    fn code_shows_zero_width_characters() {
        assert_eq!(reveal_invisible("is\u{200b}_admin"), "is<U+200B>_admin");
        assert!(matches!(reveal_invisible("is_admin"), Cow::Borrowed(_)));
    }
}

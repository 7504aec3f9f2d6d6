//! Strips terminal control from untrusted text (model output, server messages) so that
//! nothing a model writes can move the cursor, retitle the window, write the clipboard
//! (OSC 52) or hide text.
//!
//! Kept: printable text, `\n` and `\t`. Dropped: every other C0 control, DEL, every C1
//! control, and whole escape sequences (CSI, OSC, DCS/SOS/PM/APC strings, two-byte
//! escapes, and their 8-bit forms). A string sequence that never terminates ends at the
//! next newline, so a stray ESC can never swallow the rest of a reply. `Sanitizer` does
//! the same on a stream whose sequences may be split across deltas.

use std::borrow::Cow;

/// The longest string sequence (OSC and friends) swallowed before giving up on it.
const MAX_STRING_SEQUENCE: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Mode {
    #[default]
    Text,
    /// After ESC.
    Escape,
    /// After `ESC` and intermediates (0x20–0x2F), waiting for the final byte.
    EscapeIntermediate,
    /// Inside a CSI, waiting for the final byte.
    Csi,
    /// Inside OSC/DCS/SOS/PM/APC, waiting for BEL or ST; `len` counts swallowed chars.
    Str { len: usize },
    /// Inside a string sequence, right after ESC (maybe the start of ST, `ESC \`).
    StrEscape { len: usize },
}

/// A streaming sanitiser: feed text in any pieces, get the same output as `sanitize`.
#[derive(Debug, Clone, Default)]
pub struct Sanitizer {
    mode: Mode,
}

impl Sanitizer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends the safe part of `text` to `out`; an unfinished sequence is remembered.
    pub fn push(&mut self, text: &str, out: &mut String) {
        out.reserve(text.len());
        for c in text.chars() {
            self.step(c, out);
        }
    }

    /// The stream ended: an unfinished sequence is simply dropped.
    pub fn finish(&mut self, _out: &mut String) {
        self.mode = Mode::Text;
    }

    fn step(&mut self, c: char, out: &mut String) {
        self.mode = match self.mode {
            Mode::Text => text(c, out),
            Mode::Escape => match c {
                '[' => Mode::Csi,
                ']' | 'P' | 'X' | '^' | '_' => Mode::Str { len: 0 },
                '\u{20}'..='\u{2F}' => Mode::EscapeIntermediate,
                '\u{30}'..='\u{7E}' => Mode::Text,
                // Not an escape after all: the ESC is dropped, the char is text.
                _ => text(c, out),
            },
            Mode::EscapeIntermediate => match c {
                '\u{20}'..='\u{2F}' => Mode::EscapeIntermediate,
                '\u{30}'..='\u{7E}' => Mode::Text,
                _ => text(c, out),
            },
            Mode::Csi => match c {
                '\u{20}'..='\u{3F}' => Mode::Csi,
                '\u{40}'..='\u{7E}' => Mode::Text,
                _ => text(c, out),
            },
            Mode::Str { len } => string_char(c, len, out),
            Mode::StrEscape { len } => match c {
                '\\' => Mode::Text,
                _ => string_char(c, len, out),
            },
        };
    }
}

/// One char of ordinary text; returns the mode that follows it.
fn text(c: char, out: &mut String) -> Mode {
    match c {
        '\u{1B}' => Mode::Escape,
        '\u{9B}' => Mode::Csi,
        '\u{9D}' | '\u{90}' | '\u{98}' | '\u{9E}' | '\u{9F}' => Mode::Str { len: 0 },
        '\n' | '\t' => {
            out.push(c);
            Mode::Text
        }
        c if is_control(c) => Mode::Text,
        c => {
            out.push(c);
            Mode::Text
        }
    }
}

fn string_char(c: char, len: usize, out: &mut String) -> Mode {
    match c {
        '\u{07}' | '\u{9C}' => Mode::Text,
        '\u{1B}' => Mode::StrEscape { len },
        // An unterminated sequence must not eat the reply: the line ends it.
        '\n' => {
            out.push('\n');
            Mode::Text
        }
        _ if len >= MAX_STRING_SEQUENCE => Mode::Text,
        _ => Mode::Str { len: len + 1 },
    }
}

fn is_control(c: char) -> bool {
    matches!(c, '\u{00}'..='\u{1F}' | '\u{7F}'..='\u{9F}')
}

/// Sanitises complete text; borrows when there is nothing to strip (the common case).
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| is_control(c) && c != '\n' && c != '\t') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut sanitizer = Sanitizer::new();
    sanitizer.push(text, &mut out);
    sanitizer.finish(&mut out);
    Cow::Owned(out)
}

#[cfg(test)]
#[path = "sanitize_tests.rs"]
mod tests;

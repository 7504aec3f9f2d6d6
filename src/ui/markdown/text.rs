//! Styled text for the markdown renderer: the last filter before the screen, and wrapping
//! of styled runs by display width.
//!
//! Every string the renderer emits passes through [`clean`]: the message was sanitised, but
//! markdown can make new characters (`&#27;` decodes to ESC), so control characters are
//! dropped here again and tabs become spaces.

use std::borrow::Cow;

use ratatui::style::Style;
use ratatui::text::Span;
use unicode_width::UnicodeWidthChar;

const TAB: &str = "    ";

/// A run of text in one style.
pub type Piece = (String, Style);

/// Drops control characters (C0, DEL, C1) and turns tabs into spaces.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push_str(TAB),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

pub fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

pub fn width_of(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// Word-wraps styled pieces into rows of at most `width` columns. Spaces at a break vanish;
/// a word wider than a row is broken. Always at least one row.
pub fn wrap_words(pieces: &[Piece], width: usize) -> Vec<Vec<Span<'static>>> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut row_width = 0;
    // The spaces seen since the last word, held until the next word shows they fit.
    let mut spaces: Vec<Piece> = Vec::new();
    for (word, style, is_space) in words(pieces) {
        if is_space {
            spaces.push((word.to_owned(), style));
            continue;
        }
        let space_width: usize = spaces.iter().map(|(text, _)| width_of(text)).sum();
        let word_width = width_of(word);
        if row_width > 0 && row_width + space_width + word_width > width {
            rows.push(std::mem::take(&mut row));
            row_width = 0;
            spaces.clear();
        }
        for (text, style) in spaces.drain(..) {
            row_width += width_of(&text);
            push(&mut row, text, style);
        }
        if row_width + word_width <= width {
            row_width += word_width;
            push(&mut row, word.to_owned(), style);
            continue;
        }
        for c in word.chars() {
            let w = char_width(c);
            if row_width + w > width && row_width > 0 {
                rows.push(std::mem::take(&mut row));
                row_width = 0;
            }
            row_width += w;
            push(&mut row, c.to_string(), style);
        }
    }
    rows.push(row);
    rows
}

/// Breaks styled pieces into rows of at most `width` columns anywhere, keeping every space:
/// for code, where indentation matters and words are not prose.
pub fn wrap_hard(pieces: &[Piece], width: usize) -> Vec<Vec<Span<'static>>> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut row_width = 0;
    for (text, style) in pieces {
        let mut run = String::new();
        for c in text.chars() {
            let w = char_width(c);
            if row_width + w > width && row_width > 0 {
                push(&mut row, std::mem::take(&mut run), *style);
                rows.push(std::mem::take(&mut row));
                row_width = 0;
            }
            run.push(c);
            row_width += w;
        }
        push(&mut row, run, *style);
    }
    rows.push(row);
    rows
}

/// Appends to the last span when the style is the same, so a row is a few spans, not one
/// per word.
fn push(row: &mut Vec<Span<'static>>, text: String, style: Style) {
    if text.is_empty() {
        return;
    }
    match row.last_mut() {
        Some(last) if last.style == style => last.content.to_mut().push_str(&text),
        _ => row.push(Span::styled(text, style)),
    }
}

/// Alternating runs of spaces and non-spaces across pieces, with their style. A word that
/// spans two pieces (`**bold**er`) is two runs: it may break between them, rarely.
fn words(pieces: &[Piece]) -> impl Iterator<Item = (&str, Style, bool)> {
    pieces.iter().flat_map(|(text, style)| {
        let mut rest = text.as_str();
        std::iter::from_fn(move || {
            let first = rest.chars().next()?;
            let is_space = first == ' ';
            let end = rest.find(|c: char| (c == ' ') != is_space).unwrap_or(rest.len());
            let (run, tail) = rest.split_at(end);
            rest = tail;
            Some((run, *style, is_space))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(rows: Vec<Vec<Span<'static>>>) -> Vec<String> {
        rows.iter().map(|row| row.iter().map(|span| span.content.as_ref()).collect()).collect()
    }

    #[test]
    fn words_wrap_across_styles_and_spaces_vanish_at_breaks() {
        let bold = Style::new().add_modifier(ratatui::style::Modifier::BOLD);
        let pieces = vec![("the quick ".to_owned(), Style::new()), ("brown fox".to_owned(), bold)];
        assert_eq!(plain(wrap_words(&pieces, 10)), ["the quick", "brown fox"]);
        assert_eq!(plain(wrap_words(&pieces, 4)), ["the", "quic", "k", "brow", "n", "fox"]);
    }

    #[test]
    fn hard_wrap_keeps_spaces_and_counts_wide_chars() {
        let pieces = vec![("    日本語".to_owned(), Style::new())];
        assert_eq!(plain(wrap_hard(&pieces, 6)), ["    日", "本語"]);
    }

    #[test]
    fn clean_drops_controls_and_expands_tabs() {
        assert_eq!(clean("a\u{1b}[31m\tb\u{9b}\u{7}"), "a[31m    b");
    }
}

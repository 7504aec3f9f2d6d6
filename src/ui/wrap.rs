//! Wrapping by display width, the one wrapper for every pane: styled runs (markdown prose,
//! table cells, code) and plain strings (what the user typed, reasoning, notes) are broken
//! into rows no wider than the pane, a wide character counting two columns.
//!
//! It takes text already made safe for the terminal and must never filter or restyle it:
//! the only change is spaces dropped where a row breaks or the text ends (and a typed tab
//! shown as four spaces). Pure and allocation-light: it is on the streaming path, once per
//! new paragraph.

use ratatui::style::Style;
use ratatui::text::Span;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthChar;

const TAB: &str = "    ";

/// A run of text in one style.
pub type Piece = (String, Style);

/// One wrapped row: a few spans, adjacent text of one style merged into one.
pub type Row = Vec<Span<'static>>;

/// How words and the spaces between them fill rows. Both break a word only when it is wider
/// than a whole row; they differ at a row's edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Text shown as typed: spaces are text, kept wherever they fit (at the end too) and
    /// trimmed only where a row breaks before a word; whitespace that does not fit ends the
    /// row. A word wider than a row starts on the current row, filling it.
    Typed,
    /// Prose: spaces are glue, held until the word after them and dropped at a break or at
    /// the end. A word wider than a row starts a new row, so a long link begins at its start.
    Prose,
}

/// Wraps styled pieces into rows of at most `width` columns. A word that spans two pieces
/// (`**bold**er`) is two runs: it may break between them, rarely. Always at least one row.
pub fn wrap(pieces: &[Piece], width: usize, flow: Flow) -> Vec<Row> {
    wrap_runs(pieces.iter().map(|(text, style)| (text.as_str(), *style)), width, flow)
}

/// Wraps one paragraph (no `\n` inside) as typed, tabs shown as four spaces, appending its
/// rows to `rows`; an empty paragraph is one empty row.
pub fn wrap_paragraph(text: &str, width: usize, rows: &mut Vec<String>) {
    let expanded;
    let text = if text.contains('\t') {
        expanded = text.replace('\t', TAB);
        expanded.as_str()
    } else {
        text
    };
    rows.extend(wrap_runs::<String>(std::iter::once((text, Style::new())), width, Flow::Typed));
}

/// Wraps text with newlines as typed: each line a paragraph.
pub fn wrap_text(text: &str, width: usize) -> Vec<String> {
    let mut rows = Vec::new();
    for paragraph in text.split('\n') {
        wrap_paragraph(paragraph, width, &mut rows);
    }
    rows
}

/// Breaks styled pieces into rows of at most `width` columns anywhere, keeping every space:
/// for code, where indentation matters and words are not prose.
pub fn wrap_hard(pieces: &[Piece], width: usize) -> Vec<Row> {
    let mut rows = Rows::new(width);
    for (text, style) in pieces {
        rows.place_broken(text, *style);
    }
    rows.finish()
}

/// Whether a row may begin with `grapheme`: closing punctuation, `!`/`?` and the small kana
/// and marks UAX #14 calls non-starters stay with what comes before them.
fn may_start_a_row(grapheme: &str) -> bool {
    use unicode_linebreak::BreakClass::{
        CloseParenthesis, ClosePunctuation, Exclamation, InfixSeparator, NonStarter,
    };
    let Some(first) = grapheme.chars().next() else { return true };
    !matches!(
        unicode_linebreak::break_property(u32::from(first)),
        ClosePunctuation | CloseParenthesis | Exclamation | InfixSeparator | NonStarter
    )
}

/// Columns a character takes: two for wide ones, none for control and zero-width ones.
pub fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// Columns a string takes, as the terminal (and ratatui) count them: an emoji sequence
/// joined by zero-width joiners is one wide character, not each of its parts.
pub fn width_of(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// The one algorithm behind [`wrap`] and [`wrap_paragraph`], over runs of spaces and words.
fn wrap_runs<'a, L: RowText>(
    pieces: impl Iterator<Item = (&'a str, Style)>,
    width: usize,
    flow: Flow,
) -> Vec<L> {
    let mut rows = Rows::new(width);
    // Prose only: the spaces seen since the last word, placed once the next word shows
    // whether they end up inside a row.
    let mut held: Vec<(&str, Style)> = Vec::new();
    for (run, style) in pieces.flat_map(|(text, style)| runs(text).map(move |run| (run, style))) {
        let run_width = width_of(run);
        match flow {
            // Words and spaces alike go where they fit.
            Flow::Typed if rows.fits(run_width) => {
                rows.place(run, style, run_width);
                continue;
            }
            // Whitespace that does not fit ends the row, and vanishes.
            Flow::Typed if run.trim().is_empty() => {
                rows.end_row();
                continue;
            }
            Flow::Prose if run.starts_with(' ') => {
                held.push((run, style));
                continue;
            }
            _ => {}
        }
        let held_width: usize = held.iter().map(|(text, _)| width_of(text)).sum();
        let to_next_row = match flow {
            Flow::Typed => run_width <= rows.width,
            Flow::Prose => true,
        };
        if rows.row_width > 0 && !rows.fits(held_width + run_width) && to_next_row {
            if flow == Flow::Typed {
                rows.trim_end();
            }
            rows.end_row();
            held.clear();
        }
        for (text, style) in held.drain(..) {
            rows.place(text, style, width_of(text));
        }
        if rows.fits(run_width) {
            rows.place(run, style, run_width);
        } else {
            rows.place_broken(run, style);
        }
    }
    rows.finish()
}

/// Splits into alternating runs of spaces and non-spaces, keeping both.
fn runs(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let is_space = first == ' ';
        let end = rest.find(|c: char| (c == ' ') != is_space).unwrap_or(rest.len());
        let (run, tail) = rest.split_at(end);
        rest = tail;
        Some(run)
    })
}

/// What a row is built as: styled spans, or a plain string where the style means nothing.
trait RowText: Default {
    fn push(&mut self, text: &str, style: Style);
    /// Drops whitespace at the end.
    fn trim_end(&mut self);
}

impl RowText for Row {
    /// Appends to the last span when the style is the same, so a row is a few spans, not
    /// one per word.
    fn push(&mut self, text: &str, style: Style) {
        match self.last_mut() {
            Some(last) if last.style == style => last.content.to_mut().push_str(text),
            _ => Vec::push(self, Span::styled(text.to_owned(), style)),
        }
    }

    fn trim_end(&mut self) {
        while let Some(last) = self.last_mut() {
            let kept = last.content.trim_end().len();
            if kept > 0 {
                last.content.to_mut().truncate(kept);
                return;
            }
            self.pop();
        }
    }
}

impl RowText for String {
    fn push(&mut self, text: &str, _: Style) {
        self.push_str(text);
    }

    fn trim_end(&mut self) {
        self.truncate(str::trim_end(self).len());
    }
}

/// The rows made so far and the one being filled.
struct Rows<L> {
    width: usize,
    done: Vec<L>,
    row: L,
    row_width: usize,
}

impl<L: RowText> Rows<L> {
    fn new(width: usize) -> Self {
        Rows { width: width.max(1), done: Vec::new(), row: L::default(), row_width: 0 }
    }

    fn fits(&self, width: usize) -> bool {
        self.row_width + width <= self.width
    }

    fn place(&mut self, text: &str, style: Style, width: usize) {
        self.row_width += width;
        if !text.is_empty() {
            self.row.push(text, style);
        }
    }

    /// Places `text`, starting a new row wherever the next grapheme would not fit (one
    /// wider than a whole row still gets a row of its own). A grapheme that may not start a
    /// row under UAX #14 (a closing `。`, `」` or `!`) takes the one before it along.
    fn place_broken(&mut self, text: &str, style: Style) {
        let (mut start, mut width) = (0, 0);
        // Where the previous grapheme started, and its width.
        let mut previous: Option<(usize, usize)> = None;
        for (at, grapheme) in text.grapheme_indices(true) {
            let grapheme_width = width_of(grapheme);
            if !self.fits(width + grapheme_width) && self.row_width + width > 0 {
                let mut cut = (at, 0);
                if let Some((before, before_width)) = previous
                    && !may_start_a_row(grapheme)
                    && before > start
                {
                    cut = (before, before_width);
                }
                self.place(&text[start..cut.0], style, width - cut.1);
                self.end_row();
                (start, width) = (cut.0, cut.1);
            }
            width += grapheme_width;
            previous = Some((at, grapheme_width));
        }
        self.place(&text[start..], style, width);
    }

    fn trim_end(&mut self) {
        self.row.trim_end();
    }

    fn end_row(&mut self) {
        self.done.push(std::mem::take(&mut self.row));
        self.row_width = 0;
    }

    fn finish(mut self) -> Vec<L> {
        self.done.push(self.row);
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(rows: Vec<Row>) -> Vec<String> {
        rows.iter().map(|row| row.iter().map(|span| span.content.as_ref()).collect()).collect()
    }

    #[test]
    fn words_wrap_at_spaces_within_the_width() {
        assert_eq!(wrap_text("the quick brown fox", 10), ["the quick", "brown fox"]);
    }

    #[test]
    fn long_words_are_broken_and_wide_chars_counted_as_two() {
        assert_eq!(wrap_text("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap_text("日本語テキスト", 6), ["日本語", "テキス", "ト"]);
    }

    #[test]
    fn empty_lines_are_kept_and_tabs_expanded() {
        assert_eq!(wrap_text("a\n\n\tb", 20), ["a", "", "    b"]);
    }

    #[test]
    fn no_row_is_wider_than_the_width() {
        let text = "lorem ipsum dolor sit amet, consectetur adipiscing elit sed do eiusmod";
        for width in 1..30 {
            for row in wrap_text(text, width) {
                let w: usize = row.chars().map(char_width).sum();
                assert!(w <= width, "{row:?} wider than {width}");
            }
        }
    }

    #[test]
    fn words_wrap_across_styles_and_spaces_vanish_at_breaks() {
        let bold = Style::new().add_modifier(ratatui::style::Modifier::BOLD);
        let pieces = vec![("the quick ".to_owned(), Style::new()), ("brown fox".to_owned(), bold)];
        assert_eq!(plain(wrap(&pieces, 10, Flow::Prose)), ["the quick", "brown fox"]);
        assert_eq!(plain(wrap(&pieces, 4, Flow::Prose)), ["the", "quic", "k", "brow", "n", "fox"]);
    }

    #[test]
    fn a_long_word_fills_the_row_as_typed_and_starts_a_new_one_in_prose() {
        let pieces = vec![("ab cdefgh".to_owned(), Style::new())];
        assert_eq!(plain(wrap(&pieces, 4, Flow::Typed)), ["ab c", "defg", "h"]);
        assert_eq!(plain(wrap(&pieces, 4, Flow::Prose)), ["ab", "cdef", "gh"]);
    }

    #[test]
    fn trailing_spaces_stay_as_typed_and_vanish_in_prose() {
        let pieces = vec![("ab  ".to_owned(), Style::new())];
        assert_eq!(plain(wrap(&pieces, 10, Flow::Typed)), ["ab  "]);
        assert_eq!(plain(wrap(&pieces, 10, Flow::Prose)), ["ab"]);
    }

    #[test]
    fn no_row_starts_with_a_closing_full_stop_and_emoji_sequences_stay_whole() {
        let text = "これは日本語の文章です。次の文も続きます。";
        for width in 4..24 {
            for row in wrap_text(text, width) {
                assert!(!row.starts_with('。'), "{row:?} at {width}");
                assert!(width_of(&row) <= width, "{row:?} wider than {width}");
            }
        }
        let family = "👨\u{200d}👩\u{200d}👧";
        assert_eq!(wrap_text(&family.repeat(3), 4), [family.repeat(2), family.to_owned()]);
    }

    #[test]
    fn hard_wrap_keeps_spaces_and_counts_wide_chars() {
        let pieces = vec![("    日本語".to_owned(), Style::new())];
        assert_eq!(plain(wrap_hard(&pieces, 6)), ["    日", "本語"]);
    }
}

//! Word wrapping by display width, for text that has already been sanitised.
//!
//! Pure and allocation-light: it is on the streaming path, once per new paragraph.

use unicode_width::UnicodeWidthChar;

const TAB: &str = "    ";

/// Wraps one paragraph (no `\n` inside) into rows no wider than `width` columns. Words
/// longer than a row are broken; an empty paragraph is one empty row.
pub fn wrap_paragraph(text: &str, width: usize, rows: &mut Vec<String>) {
    let width = width.max(1);
    let expanded;
    let text = if text.contains('\t') {
        expanded = text.replace('\t', TAB);
        expanded.as_str()
    } else {
        text
    };
    let mut row = String::new();
    let mut row_width = 0;
    for word in split_keeping_spaces(text) {
        let word_width: usize = word.chars().map(char_width).sum();
        if row_width + word_width <= width {
            row.push_str(word);
            row_width += word_width;
            continue;
        }
        if word.trim().is_empty() {
            // Spaces at a break vanish rather than start the next row.
            rows.push(std::mem::take(&mut row));
            row_width = 0;
            continue;
        }
        if row_width > 0 && word_width <= width {
            rows.push(std::mem::take(&mut row).trim_end().to_owned());
            row_width = 0;
        }
        for c in word.chars() {
            let w = char_width(c);
            if row_width + w > width && row_width > 0 {
                rows.push(std::mem::take(&mut row));
                row_width = 0;
            }
            row.push(c);
            row_width += w;
        }
    }
    rows.push(row);
}

/// Wraps text with newlines into rows.
pub fn wrap_text(text: &str, width: usize) -> Vec<String> {
    let mut rows = Vec::new();
    for paragraph in text.split('\n') {
        wrap_paragraph(paragraph, width, &mut rows);
    }
    rows
}

fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// Splits into alternating runs of non-spaces and spaces, keeping both.
fn split_keeping_spaces(text: &str) -> impl Iterator<Item = &str> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}

//! Where a streaming reply can be cut: finds block boundaries that no later text can move,
//! so everything before one is laid out once and never again.
//!
//! A line-level scan, much simpler than a CommonMark parser and deliberately cautious: a
//! boundary is the start of a column-0 line that begins a new top-level block whatever came
//! before (a fence, an ATX heading, or any line after a blank line unless it could continue
//! a list). Top-level fences (at column 0) are split out here rather than left to
//! pulldown-cmark, line by line, so a long code block streams without being laid out again.
//! Only complete lines are looked at, so a boundary found in a prefix of a text is a
//! boundary of every longer text: the basis of "streamed equals rendered at once".

/// A fence's marker: its character and length; a closing fence must match both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fence {
    ch: char,
    len: usize,
}

/// One committed piece of a message, in order.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Whole markdown blocks, laid out by pulldown-cmark.
    Markdown(&'a str),
    /// A top-level fence opened, with the language its info string names.
    FenceOpen {
        info: &'a str,
    },
    /// One line of a top-level code block, without its newline.
    CodeLine(&'a str),
    FenceClose,
}

/// Scans the complete lines of `text[from..]` (the last line too when `complete`), calling
/// `emit` with each piece that can be committed. `fence` is the top-level fence open at
/// `from`, updated. Returns how far was committed; the rest is the unfinished tail.
pub fn scan<'a>(
    text: &'a str,
    from: usize,
    fence: &mut Option<Fence>,
    complete: bool,
    mut emit: impl FnMut(Piece<'a>),
) -> usize {
    let mut upto = from;
    let mut run_start = from;
    let mut nested: Option<Fence> = None;
    let mut in_list = false;
    let mut after_block = false;
    for (start, line, end) in lines(text, from, complete) {
        let Some(end) = end else {
            // A half-received line: it can already end the run before it when its first
            // character rules out everything that could continue that run.
            if fence.is_none() && nested.is_none() && after_block && starts_a_new_block(line) {
                if start > run_start {
                    emit(Piece::Markdown(&text[run_start..start]));
                }
                upto = start;
            }
            break;
        };
        if let Some(open) = *fence {
            if closes(line, open) {
                emit(Piece::FenceClose);
                *fence = None;
                after_block = true;
                in_list = false;
            } else {
                emit(Piece::CodeLine(line));
            }
            (upto, run_start) = (end, end);
            continue;
        }
        if let Some(open) = nested {
            // Blank lines inside an indented fence are code, not block ends.
            if closes(line, open) {
                nested = None;
            }
            continue;
        }
        if is_blank(line) {
            after_block = true;
            continue;
        }
        let column_zero = !line.starts_with([' ', '\t']);
        let top_fence = if column_zero { opens(line) } else { None };
        let boundary = column_zero
            && (top_fence.is_some()
                || is_heading(line)
                || (after_block && !(in_list && is_list_marker(line))));
        if boundary {
            if start > run_start {
                emit(Piece::Markdown(&text[run_start..start]));
            }
            (upto, run_start) = (start, start);
            in_list = false;
        }
        if let Some((open, info)) = top_fence {
            emit(Piece::FenceOpen { info });
            *fence = Some(open);
            (upto, run_start) = (end, end);
            after_block = false;
            continue;
        }
        nested = opens(line.trim_start_matches([' ', '\t'])).map(|(open, _)| open);
        in_list |= is_list_marker(line);
        after_block = column_zero && is_heading(line);
    }
    upto
}

/// `(start, line without newline, end after newline)` of each line, the end `None` for a
/// last line still being received.
fn lines(
    text: &str,
    from: usize,
    complete: bool,
) -> impl Iterator<Item = (usize, &str, Option<usize>)> {
    let mut at = from;
    std::iter::from_fn(move || {
        let rest = text.get(at..).filter(|rest| !rest.is_empty())?;
        let start = at;
        let (line, end) = match rest.find('\n') {
            Some(newline) => (&rest[..newline], Some(at + newline + 1)),
            None if complete => (rest, Some(text.len())),
            None => (rest, None),
        };
        at = end.unwrap_or(text.len());
        Some((start, line, end))
    })
}

/// A line whose first character already says it starts a block after a blank line: not
/// indentation, and nothing that could become a fence, heading or list item.
fn starts_a_new_block(line: &str) -> bool {
    line.chars().next().is_some_and(|first| {
        !matches!(first, ' ' | '\t' | '-' | '+' | '*' | '#' | '`' | '~' | '0'..='9')
    })
}

/// A half-received line that may yet become a closing fence for `open`.
pub fn may_close(line: &str, open: Fence) -> bool {
    let trimmed = line.trim_start_matches(' ');
    line.len() - trimmed.len() <= 3 && {
        let rest = trimmed.trim_start_matches(open.ch);
        rest.trim_matches([' ', '\t']).is_empty()
    }
}

/// A fence opening at the start of `line`: three or more backticks or tildes; a backtick
/// fence's info string may not hold a backtick (that is inline code).
pub fn opens(line: &str) -> Option<(Fence, &str)> {
    let ch = line.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let len = line.chars().take_while(|&c| c == ch).count();
    let info = &line[len * ch.len_utf8()..];
    if len < 3 || (ch == '`' && info.contains('`')) {
        return None;
    }
    Some((Fence { ch, len }, info.trim()))
}

/// A closing fence for `open`: up to three spaces, at least as many of the same character,
/// then nothing but spaces.
pub fn closes(line: &str, open: Fence) -> bool {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return false;
    }
    let len = trimmed.chars().take_while(|&c| c == open.ch).count();
    len >= open.len && trimmed[len * open.ch.len_utf8()..].trim_matches([' ', '\t']).is_empty()
}

fn is_blank(line: &str) -> bool {
    line.trim_matches([' ', '\t']).is_empty()
}

fn is_heading(line: &str) -> bool {
    let hashes = line.bytes().take_while(|&b| b == b'#').count();
    (1..=6).contains(&hashes) && matches!(line.as_bytes().get(hashes), None | Some(b' ' | b'\t'))
}

/// `-`, `+`, `*` or `1.`/`1)` (up to nine digits) followed by a space or the line's end,
/// at any indentation.
fn is_list_marker(line: &str) -> bool {
    let line = line.trim_start_matches([' ', '\t']).as_bytes();
    let after = match line.first() {
        Some(b'-' | b'+' | b'*') => 1,
        Some(b'0'..=b'9') => {
            let digits = line.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits > 9 || !matches!(line.get(digits), Some(b'.' | b')')) {
                return false;
            }
            digits + 1
        }
        _ => return false,
    };
    matches!(line.get(after), None | Some(b' ' | b'\t'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str, complete: bool) -> (Vec<String>, usize) {
        let mut fence = None;
        let mut out = Vec::new();
        let upto = scan(text, 0, &mut fence, complete, |piece| out.push(format!("{piece:?}")));
        (out, upto)
    }

    #[test]
    fn paragraphs_split_at_blank_lines_and_the_last_stays_open() {
        let (out, upto) = pieces("one\ntwo\n\nthree\n\nfour", false);
        assert_eq!(out, [r#"Markdown("one\ntwo\n\n")"#, r#"Markdown("three\n\n")"#]);
        assert_eq!(upto, "one\ntwo\n\nthree\n\n".len());
    }

    #[test]
    fn a_list_is_not_cut_where_another_item_may_follow() {
        let text = "- a\n\n- b\n\n  more\n\nafter\n";
        let (out, _) = pieces(text, false);
        assert_eq!(out, [r#"Markdown("- a\n\n- b\n\n  more\n\n")"#]);
    }

    #[test]
    fn top_level_fences_stream_line_by_line_and_blank_lines_inside_are_code() {
        let text = "intro\n```rust\nfn a() {}\n\n```\nafter\n\nend";
        let (out, _) = pieces(text, false);
        assert_eq!(
            out,
            [
                r#"Markdown("intro\n")"#,
                r#"FenceOpen { info: "rust" }"#,
                r#"CodeLine("fn a() {}")"#,
                r#"CodeLine("")"#,
                "FenceClose",
                r#"Markdown("after\n\n")"#,
            ]
        );
        let (out, _) = pieces("- a\n  ~~~\n\n  x\n  ~~~\n\nb\n", false);
        assert_eq!(out, [r#"Markdown("- a\n  ~~~\n\n  x\n  ~~~\n\n")"#]);
    }

    #[test]
    fn fence_and_marker_rules() {
        assert!(opens("```").is_some() && opens("~~~~ python x").is_some());
        assert!(opens("``").is_none() && opens("``` a`b").is_none() && opens(" ```").is_none());
        let (fence, info) = opens("````rust").unwrap();
        assert_eq!(info, "rust");
        assert!(closes("````", fence) && closes("   `````  ", fence));
        assert!(!closes("```", fence) && !closes("    ````", fence) && !closes("```` x", fence));
        assert!(is_list_marker("- a") && is_list_marker("12) b") && is_list_marker("  *"));
        assert!(
            !is_list_marker("-5 degrees") && !is_list_marker("2000 was") && !is_list_marker("---")
        );
        assert!(
            is_heading("## x") && is_heading("#") && !is_heading("#x") && !is_heading("####### x")
        );
    }
}

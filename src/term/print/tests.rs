use ratatui::backend::IntoCrossterm;
use ratatui::style::Stylize;
use ratatui::text::Span;

use super::*;

fn printed(lines: &[Line<'_>], width: u16) -> String {
    let mut out = Vec::new();
    write_lines(&mut out, lines, width);
    String::from_utf8(out).unwrap()
}

/// A styled line is its text, each style change one SGR sequence (colours, bold,
/// italic), and a reset at its end so nothing leaks into the next line or the shell.
#[test]
fn a_styled_line_is_its_text_its_colours_and_a_reset_at_its_end() {
    let line = Line::from(vec![
        Span::raw("plain "),
        Span::styled("bold", Style::new().red().bold()),
        Span::styled(" and ", Style::new().red().bold()),
        Span::styled(
            "italic",
            Style::new().italic().fg(Color::Rgb(1, 2, 3)).bg(Color::Indexed(236)),
        ),
    ]);
    assert_eq!(
        printed(&[line], 80),
        "plain \x1b[0;1;38;5;1mbold and \x1b[0;3;38;2;1;2;3;48;5;236mitalic\x1b[0m"
    );
    // The line's own style under its spans', as a buffer combines them.
    let dim = Line::from(vec![Span::raw("a "), Span::raw("b").bold()]).style(Style::new().dim());
    assert_eq!(printed(&[dim], 80), "\x1b[0;2ma \x1b[0;1;2mb\x1b[0m");
    // Unstyled text has no sequence at all, and lines are joined by CR LF, none at the end.
    assert_eq!(printed(&[Line::raw("one"), Line::raw(""), Line::raw("two")], 80), "one\r\n\r\ntwo");
}

/// Blanks at a line's end are not written (the terminal then rewraps the line at its real
/// length on a resize), unless they paint a background; a line wider than the terminal is
/// cut at its width, a wide character that does not fit left out.
#[test]
fn blank_ends_are_left_unwritten_and_wide_lines_cut_at_the_width() {
    let padded = Line::from(vec![Span::raw("text   "), Span::styled("    ", Style::new().bold())]);
    assert_eq!(printed(&[padded], 80), "text");
    let bar = Line::from(vec![Span::raw("x"), Span::styled("  ", Style::new().on_blue())]);
    assert_eq!(printed(&[bar], 80), "x\x1b[0;48;5;4m  \x1b[0m");
    assert_eq!(printed(&[Line::raw("abcdefghij")], 4), "abcd");
    // 語 takes two columns: at five, two fit and the third does not, but the x after it does.
    let wide = Line::from(vec![Span::raw("語語語"), Span::raw("x"), Span::raw("yz")]);
    assert_eq!(printed(&[wide], 5), "語語x");
    assert_eq!(printed(&[Line::raw("a\u{7}b\tc")], 80), "abc", "control characters dropped");
}

/// The colours are crossterm's own encoding of them, so a printed line and the live part
/// drawn by the backend show the same colour.
#[test]
fn colours_are_encoded_as_the_backend_encodes_them() {
    use ratatui::crossterm::style::Colored;
    let colours = [
        Color::Black,
        Color::Red,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::Magenta,
        Color::Cyan,
        Color::Gray,
        Color::DarkGray,
        Color::LightRed,
        Color::LightGreen,
        Color::LightYellow,
        Color::LightBlue,
        Color::LightMagenta,
        Color::LightCyan,
        Color::White,
        Color::Indexed(208),
        Color::Rgb(250, 1, 99),
    ];
    for c in colours {
        let mut ours = Vec::new();
        colour(&mut ours, b"", c);
        let ours = String::from_utf8(ours).unwrap();
        let theirs = Colored::ForegroundColor(c.into_crossterm()).to_string();
        assert_eq!(format!("38{ours}"), theirs, "{c:?}");
        let theirs = Colored::BackgroundColor(c.into_crossterm()).to_string();
        assert_eq!(format!("48{ours}"), theirs, "{c:?}");
    }
}

/// The direct writer against the cell buffer path (what `TestBackend` prints and the driver
/// tests see), read back by a small terminal: every cell the buffer paints has the same
/// symbol and style, and every other cell is left blank.
#[test]
fn the_direct_writer_shows_what_the_cell_buffer_paints() {
    let code = Style::new().fg(Color::Rgb(200, 120, 40)).bg(Color::Indexed(235));
    let lines = vec![
        Line::from(vec![Span::styled("● ", Style::new().cyan().bold()), Span::raw("You")]),
        Line::from(vec![
            Span::raw("  Some "),
            Span::styled("bold", Style::new().bold()),
            Span::raw(", "),
            Span::styled("a link", Style::new().underlined().blue()),
            Span::raw(" and "),
            Span::styled("語のテキスト", Style::new().italic()),
            Span::raw("   "),
        ]),
        Line::default(),
        Line::from(vec![
            Span::styled("  │ ", Style::new().dark_gray()),
            Span::styled("fn main() {}", code),
            Span::styled("          ", code),
        ]),
        Line::from("a line far wider than the terminal it is printed in, cut at the width")
            .reversed(),
        Line::from(vec![
            Span::raw("e\u{301}t\u{e9} "),
            Span::raw("👍🏽 ok "),
            Span::styled("x", Style::new().not_bold()),
        ]),
        Line::from(vec![Span::raw("narrow"), Span::styled("   ", Style::new().underlined())]),
        Line::from("語".repeat(30)),
    ];
    let (width, rows) = (41, lines.len() as u16);
    let mut reference = TestBackend::new(width, rows);
    print_cells(&mut reference, 0, &lines, width).unwrap();
    let mut out = Vec::new();
    write_lines(&mut out, &lines, width);
    let shown = read_back(&out, width, rows);
    for y in 0..rows {
        for x in 0..width {
            let (want, got) = (&reference.buffer()[(x, y)], &shown[(x, y)]);
            let row: String = (0..width).map(|x| shown[(x, y)].symbol().to_string()).collect();
            if painted(want) {
                assert_eq!(got.symbol(), want.symbol(), "({x}, {y}): {row:?}");
                assert_eq!(code_of(got.fg), code_of(want.fg), "fg at ({x}, {y}): {row:?}");
                assert_eq!(code_of(got.bg), code_of(want.bg), "bg at ({x}, {y}): {row:?}");
                assert_eq!(got.modifier, want.modifier, "modifier at ({x}, {y}): {row:?}");
            } else {
                assert!(!painted(got), "({x}, {y}) painted: {got:?} in {row:?}");
            }
        }
    }
}

fn code_of(c: Color) -> Vec<u8> {
    let mut out = Vec::new();
    colour(&mut out, b"", c);
    out
}

/// Just enough of a terminal to read `write_lines`' output back into cells: text, SGR
/// and CR LF; it fails on a line that would wrap.
fn read_back(bytes: &[u8], width: u16, rows: u16) -> Buffer {
    let mut screen = Buffer::empty(Rect::new(0, 0, width, rows));
    let mut text = std::str::from_utf8(bytes).unwrap();
    let (mut x, mut y) = (0u16, 0u16);
    let mut pen = Cell::EMPTY;
    while !text.is_empty() {
        if let Some(rest) = text.strip_prefix("\x1b[") {
            let end = rest.find('m').unwrap();
            sgr(&mut pen, &rest[..end]);
            text = &rest[end + 1..];
        } else if let Some(rest) = text.strip_prefix("\r\n") {
            (x, y) = (0, y + 1);
            text = rest;
        } else {
            let grapheme = text.graphemes(true).next().unwrap();
            let columns = grapheme.cell_width();
            assert!(x + columns <= width, "{grapheme:?} at {x} wraps");
            let mut cell = pen.clone();
            cell.set_symbol(grapheme);
            screen[(x, y)] = cell;
            x += columns;
            text = &text[grapheme.len()..];
        }
    }
    screen
}

fn sgr(pen: &mut Cell, params: &str) {
    let mut params = params.split(';').map(|p| p.parse::<u8>().unwrap());
    while let Some(param) = params.next() {
        match param {
            0 => *pen = Cell::EMPTY,
            1..=9 => {
                let bit = Modifier::from_bits_truncate(1u16 << (param - 1));
                pen.modifier.insert(bit);
            }
            38 | 48 | 58 => {
                let colour = match params.next().unwrap() {
                    5 => Color::Indexed(params.next().unwrap()),
                    2 => {
                        let mut next = || params.next().unwrap();
                        Color::Rgb(next(), next(), next())
                    }
                    other => panic!("colour kind {other}"),
                };
                match param {
                    38 => pen.fg = colour,
                    48 => pen.bg = colour,
                    _ => pen.underline_color = colour,
                }
            }
            other => panic!("SGR {other}"),
        }
    }
}

/// Scrolling the screen for a screenful of printed lines is one write to the terminal, not
/// a line feed flushed at a time (a system call per row of every reply printed).
#[test]
fn scrolling_for_printed_lines_is_one_write() {
    use std::cell::RefCell;
    use std::rc::Rc;
    /// The write calls that reach the terminal, and their bytes.
    #[derive(Clone, Default)]
    struct Writes(Rc<RefCell<(usize, Vec<u8>)>>);
    impl Write for Writes {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            let mut seen = self.0.borrow_mut();
            seen.0 += 1;
            seen.1.extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let writes = Writes::default();
    // Line-buffered, as stdout is: it writes out at each line feed.
    let mut backend = CrosstermBackend::new(io::LineWriter::new(writes.clone()));
    backend.scroll(30).unwrap();
    Write::flush(&mut backend).unwrap();
    let (calls, bytes) = writes.0.borrow().clone();
    assert_eq!(bytes, vec![b'\n'; 30]);
    assert_eq!(calls, 1, "one write for 30 rows");
}

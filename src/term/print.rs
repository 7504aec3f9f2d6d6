//! Printing finished lines into inline mode's scrollback: each line written as styled text,
//! its spans as they are with one SGR sequence where the style changes and a reset at its
//! end, rather than set into a cell buffer and drawn cell by cell (grapheme segmentation and
//! a cursor move or style change per cell cost more than drawing the live part did). A line
//! is cut at the width as a buffer would cut it, and its blank end is left unwritten, so a
//! terminal that rewraps on a resize knows how long it really is.
//!
//! It writes the lines and nothing else: where they go (the cursor, clearing the rows,
//! scrolling) is the inline surface's. Backends that have no writer (`TestBackend`) print
//! through the cell buffer, which is how the direct writer is checked.

use std::io::{self, Write};

use ratatui::backend::{Backend, CrosstermBackend, TestBackend};
use ratatui::buffer::{Buffer, Cell, CellWidth};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// A backend inline mode can print finished lines through.
pub trait Scrollback: Backend {
    /// Writes `lines` on the rows from `top` down, each from column 0 and at most `width`
    /// columns wide. The cursor is at the start of row `top` and the rows are clear.
    fn print(&mut self, top: u16, lines: &[Line<'_>], width: u16) -> Result<(), Self::Error>;

    /// Scrolls the screen up `rows` rows, the cursor on its last row (the top rows go into
    /// the scrollback): `Backend::append_lines`, which crossterm's backend writes a line
    /// feed at a time, each flushed by a line-buffered stdout (one system call per row).
    fn scroll(&mut self, rows: u16) -> Result<(), Self::Error> {
        self.append_lines(rows)
    }
}

impl<W: Write> Scrollback for CrosstermBackend<W> {
    fn print(&mut self, _top: u16, lines: &[Line<'_>], width: u16) -> io::Result<()> {
        // One write for the lot, through the backend's own writer, so it lands in order
        // with the backend's moves and clears (a line-buffered stdout then makes it one
        // system call, not one per line).
        let mut out = Vec::with_capacity(lines.len() * (usize::from(width) + 24));
        write_lines(&mut out, lines, width);
        self.write_all(&out)
    }

    fn scroll(&mut self, rows: u16) -> io::Result<()> {
        self.write_all(&vec![b'\n'; usize::from(rows)])?;
        Write::flush(self)
    }
}

impl Scrollback for TestBackend {
    fn print(
        &mut self,
        top: u16,
        lines: &[Line<'_>],
        width: u16,
    ) -> Result<(), std::convert::Infallible> {
        print_cells(self, top, lines, width)
    }
}

/// Prints `lines` through a cell buffer and `Backend::draw`: what any backend can do, and
/// the reference the direct writer is checked against. Blank cells are left unwritten.
pub fn print_cells<B: Backend>(
    backend: &mut B,
    top: u16,
    lines: &[Line<'_>],
    width: u16,
) -> Result<(), B::Error> {
    let count = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let mut buffer = Buffer::empty(Rect::new(0, 0, width, count));
    for (row, line) in lines.iter().take(usize::from(count)).enumerate() {
        buffer.set_line(0, row as u16, line, width);
    }
    let cells = (0..count).flat_map(|row| {
        let buffer = &buffer;
        (0..width).filter_map(move |x| {
            let cell = &buffer[(x, row)];
            painted(cell).then_some((x, top + row, cell))
        })
    });
    backend.draw(cells)
}

/// Whether the cell buffer path writes a cell: anything but a plain blank.
pub fn painted(cell: &Cell) -> bool {
    cell.symbol() != " " || !matches!(cell.bg, Color::Reset) || cell.modifier.contains(REVERSED)
}

const REVERSED: Modifier = Modifier::REVERSED;

/// Appends `lines` as a terminal shows them, from the cursor: each line's text in its
/// styles, cut at `width` columns, then `\r\n` between lines (never after the last, so
/// nothing scrolls that the caller did not make room for).
pub fn write_lines(out: &mut Vec<u8>, lines: &[Line<'_>], width: u16) {
    let mut pieces = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        if n > 0 {
            out.extend_from_slice(b"\r\n");
        }
        pieces.clear();
        fit(line, usize::from(width), &mut pieces);
        trim_blank_end(&mut pieces);
        let mut current = Pen::default();
        for (style, text) in &pieces {
            let pen = Pen::of(*style);
            if pen != current {
                pen.write(out);
                current = pen;
            }
            out.extend_from_slice(text.as_bytes());
        }
        if current != Pen::default() {
            out.extend_from_slice(b"\x1b[0m");
        }
    }
}

/// The pieces of `line` that fit in `width` columns, each with its whole style, as
/// `Buffer::set_line` would place them: control characters and zero-width graphemes
/// dropped, a grapheme that does not fit ends its span (a narrower one of the next span may
/// still fit).
fn fit<'a>(line: &'a Line<'_>, width: usize, pieces: &mut Vec<(Style, &'a str)>) {
    let mut room = width;
    for span in &line.spans {
        if room == 0 {
            break;
        }
        let style = line.style.patch(span.style);
        let text = span.content.as_ref();
        // Printable ASCII, nearly all of a reply: a byte is a column.
        if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            let take = text.len().min(room);
            pieces.push((style, &text[..take]));
            room -= take;
            continue;
        }
        if !text.contains(char::is_control) {
            let columns = text.width();
            if columns <= room {
                pieces.push((style, text));
                room -= columns;
                continue;
            }
        }
        for grapheme in text.graphemes(true) {
            if grapheme.contains(char::is_control) {
                continue;
            }
            let columns = usize::from(grapheme.cell_width());
            if columns == 0 {
                continue;
            }
            if columns > room {
                break;
            }
            pieces.push((style, grapheme));
            room -= columns;
        }
    }
}

/// Drops the blanks at the end that the cell path would not paint (no background, not
/// reversed): the terminal then knows where the line ends.
fn trim_blank_end(pieces: &mut Vec<(Style, &str)>) {
    while let Some((style, text)) = pieces.last_mut() {
        let pen = Pen::of(*style);
        if !matches!(pen.bg, Color::Reset) || pen.modifier.contains(REVERSED) {
            return;
        }
        *text = text.trim_end_matches(' ');
        if !text.is_empty() {
            return;
        }
        pieces.pop();
    }
}

/// A style as a cell ends up with it (what the terminal is asked for): no "unchanged".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
}

impl Default for Pen {
    fn default() -> Self {
        Pen {
            fg: Color::Reset,
            bg: Color::Reset,
            underline: Color::Reset,
            modifier: Modifier::empty(),
        }
    }
}

impl Pen {
    fn of(style: Style) -> Pen {
        Pen {
            fg: style.fg.unwrap_or(Color::Reset),
            bg: style.bg.unwrap_or(Color::Reset),
            underline: style.underline_color.unwrap_or(Color::Reset),
            modifier: style.add_modifier - style.sub_modifier,
        }
    }

    /// One SGR sequence that sets exactly this pen from any other: a reset, then what is on.
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"\x1b[0");
        const CODES: [(Modifier, &[u8]); 9] = [
            (Modifier::BOLD, b";1"),
            (Modifier::DIM, b";2"),
            (Modifier::ITALIC, b";3"),
            (Modifier::UNDERLINED, b";4"),
            (Modifier::SLOW_BLINK, b";5"),
            (Modifier::RAPID_BLINK, b";6"),
            (Modifier::REVERSED, b";7"),
            (Modifier::HIDDEN, b";8"),
            (Modifier::CROSSED_OUT, b";9"),
        ];
        for (modifier, code) in CODES {
            if self.modifier.contains(modifier) {
                out.extend_from_slice(code);
            }
        }
        colour(out, b";38", self.fg);
        colour(out, b";48", self.bg);
        colour(out, b";58", self.underline);
        out.push(b'm');
    }
}

/// A colour's SGR parameters after `lead` (38 foreground, 48 background, 58 underline), as
/// crossterm writes them for the live part, so both show the same colour.
fn colour(out: &mut Vec<u8>, lead: &[u8], colour: Color) {
    let index = match colour {
        Color::Reset => return,
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        Color::Indexed(index) => index,
        Color::Rgb(r, g, b) => {
            out.extend_from_slice(lead);
            // Writing into a Vec cannot fail.
            let _ = write!(out, ";2;{r};{g};{b}");
            return;
        }
    };
    out.extend_from_slice(lead);
    let _ = write!(out, ";5;{index}");
}

#[cfg(test)]
mod tests;

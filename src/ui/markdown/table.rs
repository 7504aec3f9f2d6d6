//! Tables: columns sized to their content and aligned as the markdown asks; when the pane is
//! too narrow the widest columns shrink and their cells wrap, and when even that cannot fit
//! each row is shown as `header: value` lines.

use pulldown_cmark::Alignment;
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;

use crate::ui::theme::Theme;
use crate::ui::wrap::{Flow, Piece, width_of, wrap};

const SEPARATOR: &str = " │ ";
/// Below this many columns per cell a table is unreadable; rows become records instead.
const MIN_COLUMN: usize = 4;

#[derive(Debug, Default)]
pub struct Table {
    pub aligns: Vec<Alignment>,
    /// Rows of cells of styled pieces; the first `header_rows` are the header.
    pub rows: Vec<Vec<Vec<Piece>>>,
    pub header_rows: usize,
}

impl Table {
    /// The cell being filled: the last of the last row.
    pub fn cell(&mut self) -> Option<&mut Vec<Piece>> {
        self.rows.last_mut()?.last_mut()
    }
}

pub fn layout(table: &Table, width: usize, theme: &Theme) -> Vec<Vec<Span<'static>>> {
    let columns = table.rows.iter().map(Vec::len).max().unwrap_or(0);
    if columns == 0 {
        return Vec::new();
    }
    let natural: Vec<usize> = (0..columns)
        .map(|column| {
            let cells = table.rows.iter().filter_map(|row| row.get(column));
            cells.map(|cell| cell.iter().map(|(text, _)| width_of(text)).sum()).max()
        })
        .map(|widest: Option<usize>| widest.unwrap_or(0).max(1))
        .collect();
    let room = width.saturating_sub(SEPARATOR.chars().count() * (columns - 1));
    if room < MIN_COLUMN * columns && natural.iter().sum::<usize>() > room {
        return records(table, width, theme);
    }
    let widths = fit(&natural, room);
    let mut out = Vec::new();
    for (index, row) in table.rows.iter().enumerate() {
        let header = index < table.header_rows;
        let cells: Vec<Vec<Vec<Span<'static>>>> = (0..columns)
            .map(|column| {
                let cell = row.get(column).map(Vec::as_slice).unwrap_or(&[]);
                let cell = if header { bold(cell) } else { cell.to_vec() };
                wrap(&cell, widths[column], Flow::Prose)
            })
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        for line in 0..height {
            let mut spans = Vec::new();
            for (column, rows) in cells.iter().enumerate() {
                if column > 0 {
                    spans.push(Span::styled(SEPARATOR, theme.frame));
                }
                let content = rows.get(line).cloned().unwrap_or_default();
                let used: usize = content.iter().map(|span| span.width()).sum();
                let free = widths[column].saturating_sub(used);
                let (left, right) = match table.aligns.get(column) {
                    Some(Alignment::Right) => (free, 0),
                    Some(Alignment::Center) => (free / 2, free - free / 2),
                    _ => (0, free),
                };
                spans.push(Span::raw(" ".repeat(left)));
                spans.extend(content);
                // No padding after the last column: trailing spaces would only be noise.
                if column + 1 < columns {
                    spans.push(Span::raw(" ".repeat(right)));
                }
            }
            out.push(spans);
        }
        if header && index + 1 == table.header_rows {
            let rule: Vec<String> = widths.iter().map(|&w| "─".repeat(w)).collect();
            out.push(vec![Span::styled(rule.join("─┼─"), theme.frame)]);
        }
    }
    out
}

/// Column widths that fit `room`: the widest columns are capped at one common width, the
/// largest cap that fits, so narrow columns keep their natural width.
fn fit(natural: &[usize], room: usize) -> Vec<usize> {
    if natural.iter().sum::<usize>() <= room {
        return natural.to_vec();
    }
    let total = |cap: usize| natural.iter().map(|&w| w.min(cap)).sum::<usize>();
    let (mut low, mut high) = (1, natural.iter().copied().max().unwrap_or(1));
    while low < high {
        let mid = (low + high).div_ceil(2);
        if total(mid) <= room { low = mid } else { high = mid - 1 }
    }
    natural.iter().map(|&w| w.min(low)).collect()
}

/// Too narrow for columns: each body row as `header: value` lines, rows apart by a rule.
fn records(table: &Table, width: usize, theme: &Theme) -> Vec<Vec<Span<'static>>> {
    let headers = table.rows.get(..table.header_rows).and_then(|rows| rows.last());
    let mut out = Vec::new();
    for (index, row) in table.rows.iter().enumerate().skip(table.header_rows) {
        if index > table.header_rows {
            out.push(vec![Span::styled("─".repeat(width.min(20)), theme.frame)]);
        }
        for (column, cell) in row.iter().enumerate() {
            let mut pieces =
                headers.and_then(|h| h.get(column)).map(|h| bold(h)).unwrap_or_default();
            if !pieces.is_empty() {
                pieces.push((": ".to_owned(), Style::new().add_modifier(Modifier::BOLD)));
            }
            pieces.extend(cell.iter().cloned());
            out.extend(wrap(&pieces, width, Flow::Prose));
        }
    }
    out
}

fn bold(cell: &[Piece]) -> Vec<Piece> {
    cell.iter().map(|(text, style)| (text.clone(), style.add_modifier(Modifier::BOLD))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widest_columns_shrink_first() {
        assert_eq!(fit(&[3, 20, 10], 40), [3, 20, 10]);
        assert_eq!(fit(&[3, 20, 10], 23), [3, 10, 10]);
        assert_eq!(fit(&[3, 20, 10], 17), [3, 7, 7]);
    }
}

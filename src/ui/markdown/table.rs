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

/// A table as it is read: every cell's styled text in one buffer (a table can be megabytes
/// of model output; a `String` and a `Vec` per cell would cost many times its text).
#[derive(Debug, Default)]
pub struct Table {
    pub aligns: Vec<Alignment>,
    /// All cells' text, one after another.
    text: String,
    /// Styled runs of `text`: where each ends, and its style.
    runs: Vec<(usize, Style)>,
    /// Where each cell's runs end in `runs`.
    cells: Vec<usize>,
    /// Where each row's cells end in `cells`.
    rows: Vec<usize>,
    /// The first this many rows are the header.
    header_rows: usize,
}

impl Table {
    pub fn new(aligns: Vec<Alignment>) -> Self {
        Self { aligns, ..Self::default() }
    }

    pub fn start_row(&mut self) {
        self.rows.push(self.cells.len());
    }

    /// A cell starts in the last row (if there is one).
    pub fn start_cell(&mut self) {
        if let Some(end) = self.rows.last_mut() {
            self.cells.push(self.runs.len());
            *end = self.cells.len();
        }
    }

    /// The rows read so far are the header.
    pub fn end_head(&mut self) {
        self.header_rows = self.rows.len();
    }

    /// Whether a cell is open to take text.
    pub fn in_cell(&self) -> bool {
        let first = self.rows.len().checked_sub(2).map_or(0, |row| self.rows[row]);
        self.rows.last().is_some_and(|&end| end > first)
    }

    /// Appends styled text to the open cell.
    pub fn push(&mut self, text: &str, style: Style) {
        if text.is_empty() || self.cells.is_empty() {
            return;
        }
        let cell_start = self.cells.len().checked_sub(2).map_or(0, |before| self.cells[before]);
        let has_runs = self.runs.len() > cell_start;
        self.text.push_str(text);
        let end = self.text.len();
        match self.runs.last_mut() {
            // The same style as the cell's last run: one run.
            Some((last_end, last_style)) if has_runs && *last_style == style => *last_end = end,
            _ => self.runs.push((end, style)),
        }
        if let Some(cell) = self.cells.last_mut() {
            *cell = self.runs.len();
        }
    }

    fn row_count(&self) -> usize {
        self.rows.len()
    }

    /// The cells of row `row`, each as its runs.
    fn row(&self, row: usize) -> impl Iterator<Item = Vec<(&str, Style)>> {
        let first_cell = row.checked_sub(1).map_or(0, |before| self.rows[before]);
        (first_cell..self.rows[row]).map(move |cell| self.cell(cell))
    }

    fn cell(&self, cell: usize) -> Vec<(&str, Style)> {
        let first_run = cell.checked_sub(1).map_or(0, |before| self.cells[before]);
        (first_run..self.cells[cell])
            .map(|run| {
                let start = run.checked_sub(1).map_or(0, |before| self.runs[before].0);
                let (end, style) = self.runs[run];
                (&self.text[start..end], style)
            })
            .collect()
    }
}

pub fn layout(table: &Table, width: usize, theme: &Theme) -> Vec<Vec<Span<'static>>> {
    let columns = (0..table.row_count()).map(|row| table.row(row).count()).max().unwrap_or(0);
    if columns == 0 {
        return Vec::new();
    }
    let mut natural = vec![1; columns];
    for row in 0..table.row_count() {
        for (column, cell) in table.row(row).enumerate() {
            let width = cell.iter().map(|(text, _)| width_of(text)).sum::<usize>();
            natural[column] = natural[column].max(width);
        }
    }
    let room = width.saturating_sub(SEPARATOR.chars().count() * (columns - 1));
    if room < MIN_COLUMN * columns && natural.iter().sum::<usize>() > room {
        return records(table, width, theme);
    }
    let widths = fit(&natural, room);
    let mut out = Vec::new();
    for index in 0..table.row_count() {
        let header = index < table.header_rows;
        let mut row: Vec<Vec<(&str, Style)>> = table.row(index).collect();
        row.resize_with(columns, Vec::new);
        let cells: Vec<Vec<Vec<Span<'static>>>> = row
            .iter()
            .zip(&widths)
            .map(|(cell, &width)| wrap(&pieces(cell, header), width, Flow::Prose))
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        for line in 0..height {
            let mut spans = Spans::default();
            for (column, rows) in cells.iter().enumerate() {
                if column > 0 {
                    spans.push(Span::styled(SEPARATOR, theme.frame));
                }
                let content = rows.get(line).map(Vec::as_slice).unwrap_or_default();
                let used: usize = content.iter().map(Span::width).sum();
                let free = widths[column].saturating_sub(used);
                let (left, right) = match table.aligns.get(column) {
                    Some(Alignment::Right) => (free, 0),
                    Some(Alignment::Center) => (free / 2, free - free / 2),
                    _ => (0, free),
                };
                spans.pad(left, theme);
                for span in content {
                    spans.push(span.clone());
                }
                // No padding after the last column: trailing spaces would only be noise.
                if column + 1 < columns {
                    spans.pad(right, theme);
                }
            }
            out.push(spans.0);
        }
        if header && index + 1 == table.header_rows {
            let rule: Vec<String> = widths.iter().map(|&w| "─".repeat(w)).collect();
            out.push(vec![Span::styled(rule.join("─┼─"), theme.frame)]);
        }
    }
    out
}

/// A row's spans, built with as few spans as it takes: each span costs far more than its
/// text, and a table row would otherwise be three per cell (padding, text, padding).
#[derive(Default)]
struct Spans(Vec<Span<'static>>);

impl Spans {
    /// Appends `span`, joined to the last one when they share a style.
    fn push(&mut self, span: Span<'static>) {
        if span.content.is_empty() {
            return;
        }
        match self.0.last_mut() {
            Some(last) if last.style == span.style => last.content.to_mut().push_str(&span.content),
            _ => self.0.push(span),
        }
    }

    /// Blank columns, in the text's own style so they join the cell's text.
    fn pad(&mut self, columns: usize, theme: &Theme) {
        if columns > 0 {
            self.push(Span::styled(" ".repeat(columns), theme.text));
        }
    }
}

/// A cell's runs as owned pieces for wrapping, bold in the header.
fn pieces(cell: &[(&str, Style)], header: bool) -> Vec<Piece> {
    let bold = |style: Style| if header { style.add_modifier(Modifier::BOLD) } else { style };
    cell.iter().map(|(text, style)| ((*text).to_owned(), bold(*style))).collect()
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
    let headers: Vec<Vec<(&str, Style)>> = match table.header_rows.checked_sub(1) {
        Some(last) => table.row(last).collect(),
        None => Vec::new(),
    };
    let mut out = Vec::new();
    for index in table.header_rows..table.row_count() {
        if index > table.header_rows {
            out.push(vec![Span::styled("─".repeat(width.min(20)), theme.frame)]);
        }
        for (column, cell) in table.row(index).enumerate() {
            let mut pieces = headers.get(column).map(|h| pieces(h, true)).unwrap_or_default();
            if !pieces.is_empty() {
                pieces.push((": ".to_owned(), Style::new().add_modifier(Modifier::BOLD)));
            }
            pieces.extend(self::pieces(&cell, false));
            out.extend(wrap(&pieces, width, Flow::Prose));
        }
    }
    out
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

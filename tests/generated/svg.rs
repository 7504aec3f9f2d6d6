//! A drawn frame as an SVG picture of a terminal: each cell where the buffer put it, in its
//! colours, bold, italic, underlined, dimmed or reversed, in a monospace font stack.
//!
//! Text is laid in runs of one style, each stretched to exactly its cells (`textLength`), so
//! the grid holds whatever font the viewer has. The output depends on nothing but the
//! buffer: the same frame always gives the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr;

const FONT_SIZE: f32 = 14.0;
const CELL_WIDTH: f32 = 8.4;
const ROW_HEIGHT: f32 = 18.0;
/// From a row's top to the baseline of its text.
const BASELINE: f32 = 13.5;
const PADDING: f32 = 14.0;
/// The window's title bar, with its three buttons (the window has a thin grey edge, so a
/// picture of a light terminal stands out on a light page, and a dark one on a dark page).
const BAR: f32 = 26.0;
const FONTS: &str = "ui-monospace, 'SF Mono', 'Cascadia Mono', 'JetBrains Mono', Menlo, \
                     Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";

/// The terminal the picture shows: its default colours and its 16-colour palette (what
/// named colours such as `cyan` look like in it).
pub struct Terminal {
    pub foreground: &'static str,
    pub background: &'static str,
    pub palette: [&'static str; 16],
}

/// VS Code's integrated terminal, dark.
pub const DARK: Terminal = Terminal {
    foreground: "#cccccc",
    background: "#1e1e1e",
    palette: [
        "#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
        "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
    ],
};

/// VS Code's integrated terminal, light.
pub const LIGHT: Terminal = Terminal {
    foreground: "#333333",
    background: "#ffffff",
    palette: [
        "#000000", "#cd3131", "#00bc00", "#949800", "#0451a5", "#bc05bc", "#0598bc", "#555555",
        "#666666", "#cd3131", "#14ce14", "#b5ba00", "#0451a5", "#bc05bc", "#0598bc", "#a5a5a5",
    ],
};

impl Terminal {
    /// `colour` as `#rrggbb`; `None` for the terminal's default.
    fn hex(&self, colour: Color) -> Option<String> {
        let named = |index: usize| Some(self.palette[index].to_owned());
        match colour {
            Color::Reset => None,
            Color::Black => named(0),
            Color::Red => named(1),
            Color::Green => named(2),
            Color::Yellow => named(3),
            Color::Blue => named(4),
            Color::Magenta => named(5),
            Color::Cyan => named(6),
            Color::Gray => named(7),
            Color::DarkGray => named(8),
            Color::LightRed => named(9),
            Color::LightGreen => named(10),
            Color::LightYellow => named(11),
            Color::LightBlue => named(12),
            Color::LightMagenta => named(13),
            Color::LightCyan => named(14),
            Color::White => named(15),
            Color::Indexed(index) if index < 16 => named(usize::from(index)),
            Color::Indexed(index) => {
                let (r, g, b) = xterm_rgb(index);
                Some(format!("#{r:02x}{g:02x}{b:02x}"))
            }
            Color::Rgb(r, g, b) => Some(format!("#{r:02x}{g:02x}{b:02x}")),
        }
    }
}

/// What xterm shows for a colour of its 256-colour palette above the first 16.
fn xterm_rgb(index: u8) -> (u8, u8, u8) {
    if index >= 232 {
        let grey = 8 + 10 * (index - 232);
        return (grey, grey, grey);
    }
    let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
    let cube = index - 16;
    (level(cube / 36), level(cube / 6 % 6), level(cube % 6))
}

/// How one cell's text looks, resolved to colours.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Look {
    fill: String,
    bold: bool,
    italic: bool,
    underline: bool,
    crossed: bool,
    dim: bool,
}

impl Look {
    fn css(&self) -> String {
        let mut css = format!("fill:{}", self.fill);
        if self.bold {
            css.push_str(";font-weight:bold");
        }
        if self.italic {
            css.push_str(";font-style:italic");
        }
        match (self.underline, self.crossed) {
            (true, true) => css.push_str(";text-decoration:underline line-through"),
            (true, false) => css.push_str(";text-decoration:underline"),
            (false, true) => css.push_str(";text-decoration:line-through"),
            (false, false) => {}
        }
        if self.dim {
            css.push_str(";opacity:0.6");
        }
        css
    }
}

/// One cell as drawn: its text (empty for the second half of a wide character), its
/// background and its look.
struct Drawn {
    text: String,
    width: usize,
    background: String,
    look: Look,
}

fn drawn(buffer: &Buffer, x: u16, y: u16, terminal: &Terminal, canvas: &str) -> Drawn {
    let cell = &buffer[(x, y)];
    let modifier = cell.modifier;
    let mut fg = terminal.hex(cell.fg).unwrap_or_else(|| terminal.foreground.to_owned());
    let mut bg = terminal.hex(cell.bg).unwrap_or_else(|| canvas.to_owned());
    if modifier.contains(Modifier::REVERSED) {
        std::mem::swap(&mut fg, &mut bg);
    }
    let mut text = cell.symbol().to_owned();
    if modifier.contains(Modifier::HIDDEN) {
        text = " ".repeat(text.width());
    }
    Drawn {
        width: text.width(),
        text,
        background: bg,
        look: Look {
            fill: fg,
            bold: modifier.contains(Modifier::BOLD),
            italic: modifier.contains(Modifier::ITALIC),
            underline: modifier.contains(Modifier::UNDERLINED),
            crossed: modifier.contains(Modifier::CROSSED_OUT),
            dim: modifier.contains(Modifier::DIM),
        },
    }
}

/// The cells of row `y`; the columns a wide character covers after its first hold nothing.
fn row(buffer: &Buffer, y: u16, terminal: &Terminal, canvas: &str) -> Vec<Drawn> {
    let mut cells = Vec::with_capacity(usize::from(buffer.area.width));
    let mut x = 0;
    while x < buffer.area.width {
        let cell = drawn(buffer, x, y, terminal, canvas);
        let covers = cell.width.max(1);
        let (background, look) = (cell.background.clone(), cell.look.clone());
        cells.push(cell);
        for _ in 1..covers {
            let (background, look) = (background.clone(), look.clone());
            cells.push(Drawn { text: String::new(), width: 0, background, look });
        }
        x += covers as u16;
    }
    cells.truncate(usize::from(buffer.area.width));
    cells
}

/// The picture of `buffer` in `terminal`, on `canvas` (the background the theme paints, or
/// else the terminal's); `title` is what the picture shows, for screen readers.
pub fn render(buffer: &Buffer, terminal: &Terminal, canvas: Option<Color>, title: &str) -> String {
    let canvas = canvas.and_then(|colour| terminal.hex(colour));
    let canvas = canvas.as_deref().unwrap_or(terminal.background);
    let area = buffer.area;
    let width = 2.0 * PADDING + f32::from(area.width) * CELL_WIDTH;
    let height = BAR + 2.0 * PADDING + f32::from(area.height) * ROW_HEIGHT;
    let mut looks: BTreeMap<Look, usize> = BTreeMap::new();
    let mut rows = String::new();
    for y in 0..area.height {
        let cells = row(buffer, y, terminal, canvas);
        let top = BAR + PADDING + f32::from(y) * ROW_HEIGHT;
        let mut line = String::new();
        // Backgrounds first, in runs of one colour; the canvas needs none.
        let mut x = 0;
        while x < cells.len() {
            let run = cells[x..].iter().take_while(|c| c.background == cells[x].background).count();
            if cells[x].background != canvas {
                let left = PADDING + x as f32 * CELL_WIDTH;
                let _ = write!(
                    line,
                    r#"<rect x="{left:.1}" y="{top:.1}" width="{:.1}" height="{ROW_HEIGHT:.1}" fill="{}"/>"#,
                    run as f32 * CELL_WIDTH,
                    cells[x].background
                );
            }
            x += run;
        }
        // Then the text, in runs of one look, without the spaces at their ends.
        let mut x = 0;
        while x < cells.len() {
            let look = &cells[x].look;
            let run = cells[x..].iter().take_while(|c| c.look == *look).count();
            let pieces = &cells[x..x + run];
            let text: String = pieces.iter().map(|c| c.text.as_str()).collect();
            let leading = text.len() - text.trim_start_matches(' ').len();
            let trimmed = text.trim_matches(' ');
            if !trimmed.is_empty() {
                let next = looks.len();
                let class = *looks.entry(look.clone()).or_insert(next);
                let start = x + leading;
                let span = trimmed.width();
                let left = PADDING + start as f32 * CELL_WIDTH;
                let _ = write!(
                    line,
                    r#"<text x="{left:.1}" y="{:.1}" textLength="{:.1}" lengthAdjust="spacingAndGlyphs" class="s{class}">{}</text>"#,
                    top + BASELINE,
                    span as f32 * CELL_WIDTH,
                    escape(trimmed)
                );
            }
            x += run;
        }
        if !line.is_empty() {
            rows.push_str(&line);
            rows.push('\n');
        }
    }
    let mut styles = String::new();
    let mut by_class: Vec<(&Look, &usize)> = looks.iter().collect();
    by_class.sort_by_key(|(_, class)| **class);
    for (look, class) in by_class {
        let _ = writeln!(styles, ".s{class}{{{}}}", look.css());
    }
    let buttons = ["#ff5f57", "#febc2e", "#28c840"]
        .iter()
        .enumerate()
        .map(|(i, fill)| {
            format!(
                r#"<circle cx="{}" cy="{}" r="6" fill="{fill}"/>"#,
                20 + 20 * i,
                BAR / 2.0 + 2.0
            )
        })
        .collect::<String>();
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.1}" height="{height:.1}" viewBox="0 0 {width:.1} {height:.1}" xml:space="preserve">
<title>{title}</title>
<style>
text{{font-family:{FONTS};font-size:{FONT_SIZE}px;white-space:pre}}
{styles}</style>
<rect x="0.5" y="0.5" width="{inner_width:.1}" height="{inner_height:.1}" rx="8" fill="{canvas}" stroke="#8888887f"/>
{buttons}
{rows}</svg>
"##,
        title = escape(title),
        inner_width = width - 1.0,
        inner_height = height - 1.0,
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

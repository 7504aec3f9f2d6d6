//! Just enough of a terminal emulator to read back what rockchat leaves in a terminal: a
//! main screen with a scrollback (a line feed on the last row pushes the top row into it),
//! an alternate screen, cursor moves (absolute and relative), erasing (a clear of the whole
//! main screen copies it into the scrollback first, as tmux does), and resizing as xterm
//! does (rows that no longer fit above the cursor go into the scrollback). Styles are
//! ignored, and so are the control sequences it does not know.

use unicode_width::UnicodeWidthChar;

pub struct Vt {
    cols: usize,
    rows: usize,
    main: Vec<Vec<char>>,
    alternate: Option<Vec<Vec<char>>>,
    /// Rows that scrolled off the top of the main screen, oldest first.
    pub scrollback: Vec<String>,
    row: usize,
    col: usize,
    saved: (usize, usize),
    pending: Vec<u8>,
}

impl Vt {
    pub fn new(cols: u16, rows: u16) -> Vt {
        let (cols, rows) = (usize::from(cols), usize::from(rows));
        Vt {
            cols,
            rows,
            main: vec![vec![' '; cols]; rows],
            alternate: None,
            scrollback: Vec::new(),
            row: 0,
            col: 0,
            saved: (0, 0),
            pending: Vec::new(),
        }
    }

    fn screen(&mut self) -> &mut Vec<Vec<char>> {
        match &mut self.alternate {
            Some(screen) => screen,
            None => &mut self.main,
        }
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        let data = std::mem::take(&mut self.pending);
        let mut i = 0;
        while i < data.len() {
            match data[i] {
                0x1b => match self.escape(&data[i..]) {
                    Some(len) => i += len,
                    None => {
                        self.pending = data[i..].to_vec();
                        return;
                    }
                },
                b'\r' => {
                    self.col = 0;
                    i += 1;
                }
                b'\n' => {
                    self.line_feed();
                    i += 1;
                }
                byte if byte < 0x20 => i += 1,
                first => {
                    let len = match first {
                        0xf0.. => 4,
                        0xe0.. => 3,
                        0xc0.. => 2,
                        _ => 1,
                    };
                    if i + len > data.len() {
                        self.pending = data[i..].to_vec();
                        return;
                    }
                    for c in String::from_utf8_lossy(&data[i..i + len]).chars() {
                        self.put(c);
                    }
                    i += len;
                }
            }
        }
    }

    fn line_feed(&mut self) {
        if self.row + 1 < self.rows {
            self.row += 1;
            return;
        }
        let cols = self.cols;
        let alternate = self.alternate.is_some();
        let top = self.screen().remove(0);
        self.screen().push(vec![' '; cols]);
        if !alternate {
            self.scrollback.push(top.iter().collect::<String>().trim_end().to_owned());
        }
    }

    fn put(&mut self, c: char) {
        let width = c.width().unwrap_or(0);
        if width == 0 {
            return;
        }
        let (row, col) = (self.row, self.col);
        if let Some(cell) = self.screen().get_mut(row).and_then(|line| line.get_mut(col)) {
            *cell = c;
        }
        self.col += width;
    }

    fn escape(&mut self, data: &[u8]) -> Option<usize> {
        match data.get(1)? {
            b'[' => {
                let end = data[2..].iter().position(|b| (0x40..=0x7e).contains(b))? + 2;
                let params = String::from_utf8_lossy(&data[2..end]).into_owned();
                self.csi(&params, data[end]);
                Some(end + 1)
            }
            b']' | b'P' => {
                let end = data.windows(2).position(|w| w[0] == 0x07 || w == b"\x1b\\")?;
                Some(end + if data[end] == 0x07 { 1 } else { 2 })
            }
            _ => Some(2),
        }
    }

    fn csi(&mut self, params: &str, command: u8) {
        let numbers: Vec<usize> =
            params.trim_start_matches('?').split(';').map(|p| p.parse().unwrap_or(0)).collect();
        let first = numbers.first().copied().unwrap_or(0);
        let (rows, cols) = (self.rows, self.cols);
        match command {
            b'H' | b'f' => {
                self.row = first.max(1).min(rows) - 1;
                self.col = numbers.get(1).copied().unwrap_or(1).max(1).min(cols) - 1;
            }
            b'A' => self.row = self.row.saturating_sub(first.max(1)),
            b'B' => self.row = (self.row + first.max(1)).min(rows - 1),
            b'C' => self.col = (self.col + first.max(1)).min(cols - 1),
            b'D' => self.col = self.col.saturating_sub(first.max(1)),
            b'G' => self.col = first.max(1).min(cols) - 1,
            b'J' => {
                let (row, col) = (self.row, self.col);
                // tmux (`scroll-on-clear`, on by default) copies the main screen's rows, up to
                // the last that is not blank, into the scrollback when it is cleared whole.
                let whole = first == 2 || (first == 0 && row == 0 && col == 0);
                if whole && self.alternate.is_none() {
                    let used = self.screen_lines();
                    let last = used.iter().rposition(|line| !line.is_empty());
                    self.scrollback.extend(used.into_iter().take(last.map_or(0, |last| last + 1)));
                }
                let screen = self.screen();
                match first {
                    0 => {
                        for cell in screen[row].iter_mut().skip(col) {
                            *cell = ' ';
                        }
                        for line in screen.iter_mut().skip(row + 1) {
                            line.fill(' ');
                        }
                    }
                    _ => screen.iter_mut().for_each(|line| line.fill(' ')),
                }
            }
            b'K' => {
                let (row, col) = (self.row, self.col);
                let line = &mut self.screen()[row];
                match first {
                    0 => line.iter_mut().skip(col).for_each(|cell| *cell = ' '),
                    _ => line.fill(' '),
                }
            }
            b'h' if params == "?1049" => {
                self.saved = (self.row, self.col);
                self.alternate = Some(vec![vec![' '; cols]; rows]);
            }
            b'l' if params == "?1049" => {
                self.alternate = None;
                (self.row, self.col) = self.saved;
            }
            _ => {}
        }
    }

    /// The terminal got a new size: rows that do not fit above the cursor go into the
    /// scrollback, columns are cut or padded (no rewrapping, as xterm).
    pub fn resize(&mut self, cols: u16, rows: u16) {
        let (cols, rows) = (usize::from(cols), usize::from(rows));
        while self.row >= rows {
            let top = self.main.remove(0);
            self.scrollback.push(top.iter().collect::<String>().trim_end().to_owned());
            self.row -= 1;
        }
        self.main.truncate(rows);
        self.main.resize(rows, vec![' '; cols]);
        for line in &mut self.main {
            line.resize(cols, ' ');
        }
        self.alternate = self.alternate.take().map(|_| vec![vec![' '; cols]; rows]);
        (self.cols, self.rows) = (cols, rows);
        self.col = self.col.min(cols - 1);
    }

    /// The main screen's rows, trailing spaces cut.
    pub fn screen_lines(&self) -> Vec<String> {
        self.main.iter().map(|line| line.iter().collect::<String>().trim_end().to_owned()).collect()
    }

    /// Everything on the main screen and above it: what scrolling back shows.
    pub fn history(&self) -> String {
        let mut lines = self.scrollback.clone();
        lines.extend(self.screen_lines());
        lines.join("\n")
    }

    pub fn cursor(&self) -> (usize, usize) {
        (self.row, self.col)
    }
}

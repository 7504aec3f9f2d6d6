//! The text editors the app holds (the draft, the system message, a title being renamed):
//! lines of text and a cursor that moves, deletes and wraps by grapheme cluster, so an
//! emoji family, a flag or an `e` with its combining accent is one step, never split. It
//! has the shell's editing moves (words, to the start or end of a line, a kill buffer to
//! yank back), undo and redo, and it lays a line out into the rows a pane of a given width
//! shows, breaking where Unicode's line-breaking rules (UAX #14) allow, so the screen draws
//! exactly the rows the cursor moves through.
//!
//! Pure: no IO and no drawing. `update` edits it; `ui::input` reads it.

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// A typed or pasted tab: the editor holds spaces, which every terminal draws alike.
pub const TAB: &str = "    ";

/// Undo steps kept; older ones are forgotten.
const UNDO_LIMIT: usize = 100;

/// An editing key's meaning, the same in every editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditAction {
    Left,
    Right,
    WordLeft,
    WordRight,
    /// To the start or end of the line.
    Home,
    End,
    /// A row up or down (a wrapped line has several); the draft recalls history past its ends.
    Up,
    Down,
    Backspace,
    Delete,
    DeleteWordBack,
    DeleteWordForward,
    DeleteToStart,
    DeleteToEnd,
    /// Puts back what the last word or line deletion removed.
    Yank,
    Undo,
    Redo,
    Tab,
}

/// Where the cursor is: a line and a byte offset in it, always on a grapheme boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cursor {
    pub line: usize,
    pub byte: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    lines: Vec<String>,
    cursor: Cursor,
}

/// What the last change was, so a run of typed letters is one undo step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    None,
    Typing,
    Erasing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editor {
    lines: Vec<String>,
    cursor: Cursor,
    undo: Vec<Snapshot>,
    redo: Vec<Snapshot>,
    group: Group,
    /// The column Up and Down aim for, kept across a run of them.
    goal: Option<usize>,
    killed: String,
}

impl Default for Editor {
    fn default() -> Self {
        Self::new()
    }
}

impl Editor {
    pub fn new() -> Self {
        Self {
            lines: vec![String::new()],
            cursor: Cursor::default(),
            undo: Vec::new(),
            redo: Vec::new(),
            group: Group::None,
            goal: None,
            killed: String::new(),
        }
    }

    /// An editor holding `text`, the cursor at its end.
    pub fn with_text(text: &str) -> Self {
        let mut editor = Self::new();
        editor.lines = split_lines(text);
        editor.cursor = editor.end_of_text();
        editor
    }

    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    pub fn is_empty(&self) -> bool {
        self.lines.len() == 1 && self.lines[0].is_empty()
    }

    pub fn cursor(&self) -> Cursor {
        self.cursor
    }

    /// Replaces the whole text (undo brings the old one back); the cursor goes to the end.
    pub fn set_text(&mut self, text: &str) {
        self.checkpoint(Group::None);
        self.lines = split_lines(text);
        self.cursor = self.end_of_text();
    }

    /// Empties the editor; undo brings the text back. Returns what it held.
    pub fn clear(&mut self) -> String {
        let text = self.text();
        self.set_text("");
        text
    }

    /// A typed character: a run of them is one undo step.
    pub fn type_char(&mut self, c: char) {
        if c == '\t' {
            return self.insert_str(TAB);
        }
        if c == '\n' {
            return self.newline();
        }
        let group = if c == ' ' { Group::None } else { Group::Typing };
        self.checkpoint(group);
        let Cursor { line, byte } = self.cursor;
        self.lines[line].insert(byte, c);
        self.cursor.byte += c.len_utf8();
    }

    /// Inserts text (a paste) at the cursor, newlines starting lines and tabs as spaces.
    pub fn insert_str(&mut self, text: &str) {
        self.checkpoint(Group::None);
        let text = text.replace("\r\n", "\n").replace(['\r'], "\n").replace('\t', TAB);
        let Cursor { line, byte } = self.cursor;
        let after = self.lines[line].split_off(byte);
        let mut pieces = text.split('\n');
        self.lines[line].push_str(pieces.next().unwrap_or(""));
        let mut at = line;
        for piece in pieces {
            at += 1;
            self.lines.insert(at, piece.to_owned());
        }
        self.cursor = Cursor { line: at, byte: self.lines[at].len() };
        self.lines[at].push_str(&after);
    }

    /// The word the cursor stands at the end of (back to a space), for completing it.
    pub fn word_before_cursor(&self) -> &str {
        let Cursor { line, byte } = self.cursor;
        let before = &self.lines[line][..byte];
        let start = before.rfind(char::is_whitespace).map_or(0, |at| at + 1);
        &before[start..]
    }

    /// Replaces the word before the cursor with `text` (undo brings it back).
    pub fn replace_word_before_cursor(&mut self, text: &str) {
        self.checkpoint(Group::None);
        let Cursor { line, byte } = self.cursor;
        let start = byte - self.word_before_cursor().len();
        self.lines[line].replace_range(start..byte, text);
        self.cursor.byte = start + text.len();
    }

    pub fn newline(&mut self) {
        self.checkpoint(Group::None);
        let Cursor { line, byte } = self.cursor;
        let after = self.lines[line].split_off(byte);
        self.lines.insert(line + 1, after);
        self.cursor = Cursor { line: line + 1, byte: 0 };
    }

    /// Carries out `action` in a pane `width` columns wide. False when it could not move:
    /// Up on the first row, Down on the last (where the draft turns to its history).
    pub fn apply(&mut self, action: EditAction, width: usize) -> bool {
        if !matches!(action, EditAction::Up | EditAction::Down) {
            self.goal = None;
        }
        match action {
            EditAction::Left => self.cursor = self.before(self.cursor),
            EditAction::Right => self.cursor = self.after(self.cursor),
            EditAction::WordLeft => self.cursor = self.word_before(self.cursor),
            EditAction::WordRight => self.cursor = self.word_after(self.cursor),
            EditAction::Home => self.cursor.byte = 0,
            EditAction::End => self.cursor.byte = self.lines[self.cursor.line].len(),
            EditAction::Up => return self.vertical(-1, width),
            EditAction::Down => return self.vertical(1, width),
            EditAction::Backspace => {
                let from = self.before(self.cursor);
                self.erase(from, self.cursor, Group::Erasing, false);
            }
            EditAction::Delete => {
                let to = self.after(self.cursor);
                self.erase(self.cursor, to, Group::Erasing, false);
            }
            EditAction::DeleteWordBack => {
                let from = self.word_before(self.cursor);
                self.erase(from, self.cursor, Group::None, true);
            }
            EditAction::DeleteWordForward => {
                let to = self.word_after(self.cursor);
                self.erase(self.cursor, to, Group::None, true);
            }
            EditAction::DeleteToStart => {
                let from = match self.cursor {
                    Cursor { byte: 0, .. } => self.before(self.cursor),
                    Cursor { line, .. } => Cursor { line, byte: 0 },
                };
                self.erase(from, self.cursor, Group::None, true);
            }
            EditAction::DeleteToEnd => {
                let Cursor { line, byte } = self.cursor;
                let to = match self.lines[line].len() {
                    end if end == byte => self.after(self.cursor),
                    end => Cursor { line, byte: end },
                };
                self.erase(self.cursor, to, Group::None, true);
            }
            EditAction::Yank => {
                if !self.killed.is_empty() {
                    let killed = self.killed.clone();
                    self.insert_str(&killed);
                }
            }
            EditAction::Undo => self.step_history(true),
            EditAction::Redo => self.step_history(false),
            EditAction::Tab => self.insert_str(TAB),
        }
        if matches!(action, EditAction::Left | EditAction::Right)
            || matches!(action, EditAction::WordLeft | EditAction::WordRight)
            || matches!(action, EditAction::Home | EditAction::End)
        {
            self.group = Group::None;
        }
        true
    }

    /// The rows the text takes in a pane `width` columns wide: (line, byte range) each.
    pub fn rows(&self, width: usize) -> Vec<(usize, Range<usize>)> {
        self.lines
            .iter()
            .enumerate()
            .flat_map(|(index, line)| rows(line, width).into_iter().map(move |r| (index, r)))
            .collect()
    }

    /// The cursor's row among `rows(width)` and its column. At the end of a full row the
    /// cursor stands at the start of the row after it, which may be one past the last.
    pub fn cursor_row(&self, rows: &[(usize, Range<usize>)], width: usize) -> (usize, usize) {
        let Cursor { line, byte } = self.cursor;
        let mut found = (0, 0);
        for (index, (at, range)) in rows.iter().enumerate() {
            if *at != line {
                continue;
            }
            let last_of_line = rows.get(index + 1).is_none_or(|(next, _)| *next != line);
            if range.contains(&byte) || (last_of_line && byte == range.end) {
                found = (index, self.lines[line][range.start..byte].width());
                break;
            }
        }
        if found.1 >= width.max(1) { (found.0 + 1, 0) } else { found }
    }

    /// Records the state before an edit, unless it continues the same run of typing.
    fn checkpoint(&mut self, group: Group) {
        self.goal = None;
        if group != Group::None && group == self.group {
            return;
        }
        self.group = group;
        self.redo.clear();
        self.undo.push(Snapshot { lines: self.lines.clone(), cursor: self.cursor });
        if self.undo.len() > UNDO_LIMIT {
            self.undo.remove(0);
        }
    }

    fn step_history(&mut self, back: bool) {
        let (from, to) =
            if back { (&mut self.undo, &mut self.redo) } else { (&mut self.redo, &mut self.undo) };
        let Some(snapshot) = from.pop() else { return };
        to.push(Snapshot { lines: std::mem::take(&mut self.lines), cursor: self.cursor });
        self.lines = snapshot.lines;
        self.cursor = snapshot.cursor;
        self.group = Group::None;
    }

    /// Removes the text between `from` and `to` (in that order), keeping it for Yank if
    /// `kill`.
    fn erase(&mut self, from: Cursor, to: Cursor, group: Group, kill: bool) {
        if from == to {
            return;
        }
        self.checkpoint(group);
        let removed = self.slice(from, to);
        if kill {
            self.killed = removed;
        }
        let tail = self.lines[to.line][to.byte..].to_owned();
        self.lines.drain(from.line + 1..=to.line);
        self.lines[from.line].truncate(from.byte);
        self.lines[from.line].push_str(&tail);
        self.cursor = from;
    }

    fn slice(&self, from: Cursor, to: Cursor) -> String {
        if from.line == to.line {
            return self.lines[from.line][from.byte..to.byte].to_owned();
        }
        let mut text = self.lines[from.line][from.byte..].to_owned();
        for line in &self.lines[from.line + 1..to.line] {
            text.push('\n');
            text.push_str(line);
        }
        text.push('\n');
        text.push_str(&self.lines[to.line][..to.byte]);
        text
    }

    fn end_of_text(&self) -> Cursor {
        let line = self.lines.len() - 1;
        Cursor { line, byte: self.lines[line].len() }
    }

    /// One grapheme back; from a line's start, the end of the line above.
    fn before(&self, at: Cursor) -> Cursor {
        if at.byte == 0 {
            return match at.line {
                0 => at,
                line => Cursor { line: line - 1, byte: self.lines[line - 1].len() },
            };
        }
        let text = &self.lines[at.line][..at.byte];
        let byte = text.grapheme_indices(true).next_back().map_or(0, |(i, _)| i);
        Cursor { line: at.line, byte }
    }

    /// One grapheme on; from a line's end, the start of the line below.
    fn after(&self, at: Cursor) -> Cursor {
        let line = &self.lines[at.line];
        if at.byte >= line.len() {
            return match at.line + 1 < self.lines.len() {
                true => Cursor { line: at.line + 1, byte: 0 },
                false => at,
            };
        }
        let step = line[at.byte..].graphemes(true).next().map_or(0, str::len);
        Cursor { line: at.line, byte: at.byte + step }
    }

    /// Back over any spaces and punctuation, then over a word; a line's start steps to
    /// the line above.
    fn word_before(&self, at: Cursor) -> Cursor {
        if at.byte == 0 {
            return self.before(at);
        }
        let text = &self.lines[at.line][..at.byte];
        let mut byte = 0;
        let mut seen_word = false;
        for (index, piece) in text.split_word_bound_indices().rev() {
            let word = is_word(piece);
            if seen_word && !word {
                byte = index + piece.len();
                break;
            }
            seen_word |= word;
        }
        Cursor { line: at.line, byte }
    }

    /// On over any spaces and punctuation, then to the end of a word; a line's end steps
    /// to the line below.
    fn word_after(&self, at: Cursor) -> Cursor {
        let line = &self.lines[at.line];
        if at.byte >= line.len() {
            return self.after(at);
        }
        let mut byte = line.len();
        let mut seen_word = false;
        for (index, piece) in line[at.byte..].split_word_bound_indices() {
            let word = is_word(piece);
            if seen_word && !word {
                byte = at.byte + index;
                break;
            }
            seen_word |= word;
        }
        Cursor { line: at.line, byte }
    }

    /// Moves `step` rows (wrapped rows count), aiming for the same column.
    fn vertical(&mut self, step: isize, width: usize) -> bool {
        let rows = self.rows(width);
        let (row, column) = self.cursor_row(&rows, width);
        let goal = *self.goal.get_or_insert(column);
        let Some(target) = row.checked_add_signed(step).filter(|&r| r < rows.len()) else {
            return false;
        };
        let (line, range) = &rows[target];
        let text = &self.lines[*line];
        let last_of_line = rows.get(target + 1).is_none_or(|(next, _)| next != line);
        let mut byte = range.start;
        let mut used = 0;
        for (index, grapheme) in text[range.clone()].grapheme_indices(true) {
            used += grapheme.width();
            if used > goal {
                break;
            }
            byte = range.start + index + grapheme.len();
        }
        // The end of a row that continues below is the next row's start: stop before it.
        if !last_of_line && byte == range.end && byte > range.start {
            byte = self.before(Cursor { line: *line, byte }).byte;
        }
        self.cursor = Cursor { line: *line, byte };
        self.group = Group::None;
        true
    }
}

fn is_word(piece: &str) -> bool {
    piece.chars().any(char::is_alphanumeric)
}

fn split_lines(text: &str) -> Vec<String> {
    let text = text.replace("\r\n", "\n").replace('\t', TAB);
    text.split('\n').map(str::to_owned).collect()
}

/// A key for an editor: an editing key from the binding table, or a character typed.
/// False for any other key (the caller's own, such as Enter or Esc).
pub fn on_key(editor: &mut Editor, key: &crossterm::event::KeyEvent, width: usize) -> bool {
    use crossterm::event::{KeyCode, KeyModifiers};
    match super::bindings::action_for(key, false) {
        Some(super::bindings::Action::Edit(action)) => {
            editor.apply(action, width);
            true
        }
        Some(_) => false,
        None => match key.code {
            KeyCode::Char(c)
                if !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                editor.type_char(c);
                true
            }
            _ => false,
        },
    }
}

/// Columns a piece of text takes.
pub fn width_of(text: &str) -> usize {
    text.width()
}

/// The rows one line (no newline inside) takes at `width` columns, as byte ranges: a row
/// ends where UAX #14 allows a break (after a space, between ideographs, never before a
/// closing `。`), a piece wider than a row is broken between graphemes, and spaces stay with
/// the word before them. Always at least one row.
pub fn rows(line: &str, width: usize) -> Vec<Range<usize>> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let (mut start, mut used, mut last) = (0, 0, 0);
    for (at, _) in unicode_linebreak::linebreaks(line) {
        let piece = &line[last..at];
        let piece_width = piece.width();
        if used > 0 && used + piece_width > width {
            rows.push(start..last);
            (start, used) = (last, 0);
        }
        if piece_width <= width - used {
            used += piece_width;
        } else {
            for (index, grapheme) in piece.grapheme_indices(true) {
                let grapheme_width = grapheme.width();
                if used > 0 && used + grapheme_width > width {
                    rows.push(start..last + index);
                    (start, used) = (last + index, 0);
                }
                used += grapheme_width;
            }
        }
        last = at;
    }
    rows.push(start..line.len());
    rows
}

#[cfg(test)]
mod tests;

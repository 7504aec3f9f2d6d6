//! Lays out whole markdown blocks (as cut by `blocks`) from pulldown-cmark's events into
//! styled, wrapped lines: containers (quotes, list items) become prefixes, inline runs are
//! word-wrapped by display width, code blocks go to `code` and tables to `table`.
//!
//! Blocks are separated by one blank line, tight list items by none; `started` carries
//! "something is above" across calls, so laying out a text in pieces at block boundaries
//! gives the same lines as laying it out at once.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::code;
use super::table::{self, Table};
use super::text::clean;
use crate::ui::theme::Theme;
use crate::ui::wrap::{Flow, Piece, width_of, wrap};

/// Deeper nesting than this is drawn at this depth: a prefix must leave room for text.
const MAX_DEPTH: usize = 8;
const BULLETS: [&str; 3] = ["• ", "◦ ", "▪ "];

/// A table alone longer than this is parsed a batch of rows at a time.
const BATCHED_TABLE: usize = 64 * 1024;
/// Rows parsed at once in a long table: pulldown-cmark holds a tree of the whole text it
/// parses, about ten times the text, which for a table of megabytes is the largest cost.
const ROWS_PER_BATCH: usize = 1_000;

/// Appends the lines of `text`, whole blocks of markdown, to `out`.
pub fn markdown(
    text: &str,
    width: usize,
    theme: &Theme,
    started: &mut bool,
    out: &mut Vec<Line<'static>>,
) {
    let batches = if text.len() > BATCHED_TABLE { ROWS_PER_BATCH } else { usize::MAX };
    markdown_in_batches(text, width, theme, started, out, batches);
}

/// `markdown`, parsing a text that is one table alone `rows` body rows at a time. Each
/// batch is the header and delimiter rows and some body rows: a row's cells never depend on
/// another row, so the cells come out as from parsing the whole, with a fraction of the
/// memory. Any other text is parsed whole.
pub(super) fn markdown_in_batches(
    text: &str,
    width: usize,
    theme: &Theme,
    started: &mut bool,
    out: &mut Vec<Line<'static>>,
    rows: usize,
) {
    let mut writer = Writer {
        theme,
        width,
        out,
        started,
        gap: true,
        containers: Vec::new(),
        inline: vec![Vec::new()],
        styles: Vec::new(),
        links: Vec::new(),
        code: None,
        table: None,
    };
    let options = crate::chat::markdown::options();
    match lone_table(text).filter(|(_, body)| body.len() > rows) {
        Some((head, body)) if starts_a_table(head) => {
            let batches = body.chunks(rows);
            let last = batches.len() - 1;
            for (index, batch) in batches.enumerate() {
                let chunk = format!("{head}{}", batch.concat());
                // After the first batch its header is a repeat; before the last, the end of
                // the table is not the end yet.
                let mut in_head = index > 0;
                for event in Parser::new_ext(&chunk, options) {
                    match &event {
                        Event::End(TagEnd::TableHead) if in_head => in_head = false,
                        Event::End(TagEnd::Table) if index < last => {}
                        _ if in_head => {}
                        _ => writer.event(event),
                    }
                }
            }
        }
        _ => {
            for event in Parser::new_ext(text, options) {
                writer.event(event);
            }
        }
    }
    writer.flush();
}

/// A text that is a table and nothing else, every row a line starting with `|` (so no
/// line of it can start another block): its header and delimiter lines, and its body lines.
fn lone_table(text: &str) -> Option<(&str, Vec<&str>)> {
    let text = text.trim_end_matches('\n');
    let mut lines = text.split_inclusive('\n');
    let header = lines.next()?;
    let delimiter = lines.next()?;
    let is_delimiter = delimiter.trim_end().chars().all(|c| matches!(c, '|' | '-' | ':' | ' '));
    if !header.starts_with('|') || !delimiter.starts_with('|') || !is_delimiter {
        return None;
    }
    let body: Vec<&str> = lines.collect();
    body.iter()
        .all(|line| line.starts_with('|'))
        .then_some((&text[..header.len() + delimiter.len()], body))
}

/// Whether pulldown-cmark reads `head` (header and delimiter rows) as a table.
fn starts_a_table(head: &str) -> bool {
    let options = crate::chat::markdown::options();
    matches!(Parser::new_ext(head, options).next(), Some(Event::Start(Tag::Table(_))))
}

enum Container {
    Quote,
    List {
        next: Option<u64>,
        depth: usize,
    },
    /// `fresh` until the item's first line is out: that line shows the marker.
    Item {
        marker: String,
        fresh: bool,
    },
}

struct Writer<'a> {
    theme: &'a Theme,
    width: usize,
    out: &'a mut Vec<Line<'static>>,
    started: &'a mut bool,
    /// A block ended: the next one starts after a blank line.
    gap: bool,
    containers: Vec<Container>,
    /// The text waiting to be wrapped, as lines (hard breaks) of styled pieces.
    inline: Vec<Vec<Piece>>,
    styles: Vec<Style>,
    /// Open links: their URL and the text shown so far.
    links: Vec<(String, String)>,
    code: Option<(Option<String>, String)>,
    table: Option<Table>,
}

impl Writer<'_> {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => {
                if let Some((_, code)) = &mut self.code {
                    code.push_str(&text);
                } else {
                    self.text(&text, self.style());
                }
            }
            Event::Code(text) => self.text(&text, self.style().patch(self.theme.code)),
            // An html block comes a line at a time, each with its newline.
            Event::Html(text) => {
                if self.inline.last().is_some_and(|line| !line.is_empty()) {
                    self.inline.push(Vec::new());
                }
                self.text(text.trim_end_matches('\n'), self.theme.dim);
            }
            Event::InlineHtml(text) => self.text(&text, self.theme.dim),
            Event::InlineMath(text) | Event::DisplayMath(text) => self.text(&text, self.style()),
            Event::FootnoteReference(label) => self.text(&format!("[^{label}]"), self.style()),
            // A single newline is a line break, as on GitHub and in chat UIs: models write
            // poems, addresses and step lists that way and mean it.
            Event::SoftBreak | Event::HardBreak => self.inline.push(Vec::new()),
            Event::Rule => {
                self.begin_block();
                let width = self.room().min(self.width);
                self.emit(vec![Span::styled("─".repeat(width), self.theme.frame)]);
                self.gap = true;
            }
            Event::TaskListMarker(done) => {
                let mark = if done { "[x] " } else { "[ ] " };
                self.piece(mark.to_owned(), self.theme.marker);
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph | Tag::HtmlBlock => self.begin_block(),
            Tag::Heading { level, .. } => {
                self.begin_block();
                let mut style = self.theme.heading;
                if level == HeadingLevel::H1 {
                    style = style.add_modifier(Modifier::UNDERLINED);
                }
                self.styles.push(style);
                self.piece(format!("{} ", "#".repeat(level as usize)), style);
            }
            Tag::BlockQuote(_) => {
                self.begin_block();
                self.containers.push(Container::Quote);
            }
            Tag::CodeBlock(kind) => {
                self.begin_block();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => crate::chat::markdown::language(&info),
                    CodeBlockKind::Indented => None,
                };
                self.code = Some((lang, String::new()));
            }
            Tag::List(start) => {
                self.flush();
                let depth =
                    self.containers.iter().filter(|c| matches!(c, Container::List { .. })).count();
                self.containers.push(Container::List { next: start, depth });
            }
            Tag::Item => {
                self.begin_block();
                let marker = match self.containers.last_mut() {
                    Some(Container::List { next: Some(number), .. }) => {
                        let marker = format!("{number}. ");
                        *number = number.saturating_add(1);
                        marker
                    }
                    Some(Container::List { depth, .. }) => {
                        BULLETS[*depth % BULLETS.len()].to_owned()
                    }
                    _ => BULLETS[0].to_owned(),
                };
                self.containers.push(Container::Item { marker, fresh: true });
            }
            Tag::Table(aligns) => {
                self.begin_block();
                self.table = Some(Table::new(aligns));
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some(table) = &mut self.table {
                    table.start_row();
                }
            }
            Tag::TableCell => {
                if let Some(table) = &mut self.table {
                    table.start_cell();
                }
            }
            Tag::Emphasis => self.styles.push(self.style().add_modifier(Modifier::ITALIC)),
            Tag::Strong => self.styles.push(self.style().add_modifier(Modifier::BOLD)),
            Tag::Strikethrough => {
                self.styles.push(self.style().add_modifier(Modifier::CROSSED_OUT))
            }
            Tag::Link { dest_url, .. } => {
                self.styles.push(self.style().patch(self.theme.link));
                self.links.push((clean(&dest_url).into_owned(), String::new()));
            }
            Tag::Image { dest_url, .. } => {
                self.piece("[image: ".to_owned(), self.theme.dim);
                self.links.push((clean(&dest_url).into_owned(), String::new()));
                self.styles.push(self.style());
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::HtmlBlock => {
                self.flush();
                self.gap = true;
            }
            TagEnd::Heading(_) => {
                self.flush();
                self.styles.pop();
                self.gap = true;
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.pop_container();
                self.gap = true;
            }
            TagEnd::CodeBlock => {
                if let Some((lang, text)) = self.code.take() {
                    self.code_block(lang.as_deref(), &text);
                }
                self.gap = true;
            }
            TagEnd::List(_) => {
                self.flush();
                self.pop_container();
                let nested = self.containers.iter().any(|c| matches!(c, Container::List { .. }));
                self.gap |= !nested;
            }
            TagEnd::Item => {
                self.flush();
                if let Some(Container::Item { fresh: true, .. }) = self.containers.last() {
                    self.emit(Vec::new());
                }
                self.pop_container();
            }
            TagEnd::Table => {
                if let Some(table) = self.table.take() {
                    for row in table::layout(&table, self.room(), self.theme) {
                        self.emit(row);
                    }
                }
                self.gap = true;
            }
            TagEnd::TableHead => {
                if let Some(table) = &mut self.table {
                    table.end_head();
                }
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.styles.pop();
            }
            TagEnd::Link => {
                self.styles.pop();
                if let Some((url, text)) = self.links.pop() {
                    let same = url == text || url.strip_prefix("mailto:") == Some(text.as_str());
                    if !url.is_empty() && !same {
                        self.piece(format!(" ({url})"), self.theme.dim);
                    }
                }
            }
            TagEnd::Image => {
                self.styles.pop();
                if let Some((url, _)) = self.links.pop() {
                    let shown = if url.is_empty() { "]".to_owned() } else { format!("] ({url})") };
                    self.piece(shown, self.theme.dim);
                }
            }
            _ => {}
        }
    }

    fn style(&self) -> Style {
        self.styles.last().copied().unwrap_or(self.theme.text)
    }

    fn text(&mut self, text: &str, style: Style) {
        // Html blocks and code spans may hold newlines; they are kept as line breaks.
        for (index, line) in text.split('\n').enumerate() {
            if index > 0 {
                self.inline.push(Vec::new());
            }
            self.piece(line.to_owned(), style);
        }
    }

    fn piece(&mut self, text: String, style: Style) {
        let text = clean(&text).into_owned();
        if text.is_empty() {
            return;
        }
        if let Some((_, shown)) = self.links.last_mut() {
            shown.push_str(&text);
        }
        match &mut self.table {
            Some(table) if table.in_cell() => table.push(&text, style),
            _ => {
                if let Some(line) = self.inline.last_mut() {
                    line.push((text, style));
                }
            }
        }
    }

    /// Before a block: the text of an enclosing tight list item goes out first, then the
    /// blank line the last block asked for.
    fn begin_block(&mut self) {
        self.flush();
        if self.gap && *self.started {
            let mut spans = Vec::new();
            for container in self.containers.iter().take(MAX_DEPTH) {
                if let Container::Quote = container {
                    spans.push(Span::styled("│ ", self.theme.quote));
                }
            }
            if let Some(last) = spans.last_mut() {
                last.content = "│".into();
            }
            self.out.push(Line::from(spans));
        }
        self.gap = false;
    }

    /// Wraps and emits the waiting inline text.
    fn flush(&mut self) {
        let lines = std::mem::replace(&mut self.inline, vec![Vec::new()]);
        if lines.iter().all(Vec::is_empty) {
            return;
        }
        let room = self.room();
        let in_quote = self.containers.iter().any(|c| matches!(c, Container::Quote));
        for line in lines {
            let line = if in_quote {
                line.into_iter()
                    .map(|(text, style)| (text, self.theme.quote.patch(style)))
                    .collect()
            } else {
                line
            };
            for row in wrap(&line, room, Flow::Prose) {
                self.emit(row);
            }
        }
    }

    fn code_block(&mut self, lang: Option<&str>, text: &str) {
        self.emit(code::label(lang, self.theme));
        let mut state = code::start(lang, self.theme);
        let room = self.room();
        let mut rows = Vec::new();
        let body = text.strip_suffix('\n').unwrap_or(text);
        if !text.is_empty() {
            for line in body.split('\n') {
                code::line(&mut state, line, room, self.theme, &mut rows);
            }
        }
        for row in rows {
            self.emit(row);
        }
    }

    /// The columns left for text inside the current containers.
    fn room(&self) -> usize {
        let prefix: usize = self
            .containers
            .iter()
            .take(MAX_DEPTH)
            .map(|container| match container {
                Container::Quote => 2,
                Container::List { .. } => 0,
                Container::Item { marker, .. } => width_of(marker),
            })
            .sum();
        self.width.saturating_sub(prefix).max(1)
    }

    /// One line behind the containers' prefixes; an item's first line shows its marker.
    fn emit(&mut self, content: Vec<Span<'static>>) {
        let mut spans = Vec::with_capacity(content.len() + 2);
        for container in self.containers.iter_mut().take(MAX_DEPTH) {
            match container {
                Container::Quote => spans.push(Span::styled("│ ", self.theme.quote)),
                Container::List { .. } => {}
                Container::Item { marker, fresh } => {
                    if *fresh {
                        spans.push(Span::styled(marker.clone(), self.theme.marker));
                        *fresh = false;
                    } else {
                        spans.push(Span::raw(" ".repeat(width_of(marker))));
                    }
                }
            }
        }
        spans.extend(content);
        self.out.push(Line::from(spans));
        *self.started = true;
    }

    fn pop_container(&mut self) {
        self.containers.pop();
    }
}

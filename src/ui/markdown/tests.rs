use ratatui::style::{Modifier, Style};

use super::*;

pub const SAMPLE: &str = "# Ownership\n\
Rust has **strong** and *emphasised* words, `inline code` and [a link](https://example.com).\n\
\n\
1. first\n\
2. second\n   - nested one\n   - nested two\n\
3. third\n\
\n\
> A quote that is long enough to wrap around at a narrow width.\n\
\n\
| Name | Size |\n\
|:-----|-----:|\n\
| a    |    1 |\n\
| bb   |   22 |\n\
\n\
---\n\
\n\
```rust\n\
fn main() {\n\n    println!(\"hi\");\n\
}\n\
```\n\
After the code.\n\
\n\
- [x] done\n\
- [ ] todo\n\
\n\
~~~\n\
plain\n\
~~~\n\
The end.";

fn plain(lines: &[Line<'static>]) -> Vec<String> {
    lines.iter().map(|line| line.spans.iter().map(|span| span.content.as_ref()).collect()).collect()
}

fn shown(text: &str, width: usize) -> Vec<String> {
    plain(&render(text, width, &Theme::dark()))
}

#[test]
fn streamed_in_two_parts_at_every_split_equals_rendered_at_once() {
    let theme = Theme::dark();
    for width in [12, 40, 80] {
        let whole = render(SAMPLE, width, &theme);
        for split in (0..=SAMPLE.len()).filter(|&at| SAMPLE.is_char_boundary(at)) {
            let mut progress = Progress::default();
            let mut committed = Vec::new();
            render_more(&SAMPLE[..split], false, width, &theme, &mut progress, &mut committed);
            assert_eq!(committed[..], whole[..committed.len()], "split {split} width {width}");
            let tail = render_more(SAMPLE, true, width, &theme, &mut progress, &mut committed);
            committed.extend(tail);
            assert_eq!(committed, whole, "split {split} width {width}");
        }
    }
}

#[test]
fn streamed_a_char_at_a_time_never_restyles_committed_lines() {
    let theme = Theme::light();
    let whole = render(SAMPLE, 30, &theme);
    let mut progress = Progress::default();
    let mut committed = Vec::new();
    let mut tail = Vec::new();
    for end in (1..=SAMPLE.len()).filter(|&at| SAMPLE.is_char_boundary(at)) {
        let complete = end == SAMPLE.len();
        tail = render_more(&SAMPLE[..end], complete, 30, &theme, &mut progress, &mut committed);
        assert_eq!(committed[..], whole[..committed.len()], "at {end}");
    }
    committed.extend(tail);
    assert_eq!(committed, whole);
    // Most of the reply was committed before its end: the tail stays small.
    assert!(progress.upto > SAMPLE.len() - 20, "committed only {}", progress.upto);
}

#[test]
fn an_unclosed_fence_is_code_until_it_closes() {
    let text = "Look:\n```python\ndef f():\n    return 1";
    let mut progress = Progress::default();
    let mut committed = Vec::new();
    let tail = render_more(text, false, 40, &Theme::dark(), &mut progress, &mut committed);
    assert_eq!(plain(&committed), ["Look:", "", "╭─ python", "│ def f():"]);
    assert_eq!(plain(&tail), ["│     return 1"]);
    // A closing fence being typed shows nothing rather than a stray "``" code line.
    let text = "```\ncode\n``";
    let tail =
        render_more(text, false, 40, &Theme::dark(), &mut Progress::default(), &mut Vec::new());
    assert!(plain(&tail).is_empty(), "{tail:?}");
}

#[test]
fn elements_render_as_readers_expect() {
    let lines = shown(SAMPLE, 40);
    let expected = [
        "# Ownership",
        "",
        "Rust has strong and emphasised words,",
        "inline code and a link",
        "(https://example.com).",
        "",
        "1. first",
        "2. second",
        "   ◦ nested one",
        "   ◦ nested two",
        "3. third",
        "",
        "│ A quote that is long enough to wrap",
        "│ around at a narrow width.",
        "",
        "Name │ Size",
        "─────┼─────",
        "a    │    1",
        "bb   │   22",
        "",
        "────────────────────────────────────────",
        "",
        "╭─ rust",
        "│ fn main() {",
        "│ ",
        "│     println!(\"hi\");",
        "│ }",
        "",
        "After the code.",
        "",
        "• [x] done",
        "• [ ] todo",
        "",
        "╭─ code",
        "│ plain",
        "",
        "The end.",
    ];
    assert_eq!(lines, expected);
}

#[test]
fn styles_follow_the_markup_and_code_is_highlighted_only_when_known() {
    let theme = Theme::dark();
    let lines = render(
        "**b** *i* `c`\n\n```rust\nlet x = 1;\n```\n```nosuchlang\nlet x = 1;\n```",
        40,
        &theme,
    );
    let spans = &lines[0].spans;
    assert!(spans[0].style.add_modifier.contains(Modifier::BOLD));
    assert!(spans[2].style.add_modifier.contains(Modifier::ITALIC));
    assert_eq!(spans[4].style, theme.code);
    let rust = &lines[3].spans;
    assert!(rust.len() > 2, "highlighted into several colours: {rust:?}");
    let unknown = &lines[6].spans;
    assert_eq!(plain(&lines[5..6]), ["╭─ nosuchlang"]);
    assert_eq!(unknown.len(), 2, "bar and plain code: {unknown:?}");
    // NO_COLOR: no colour anywhere, code included.
    for line in render(SAMPLE, 40, &Theme::monochrome()) {
        for span in line.spans {
            assert_eq!((span.style.fg, span.style.bg), (None, None), "{span:?}");
        }
    }
}

#[test]
fn narrow_tables_wrap_their_widest_column_then_become_records() {
    let table = "| Key | Description |\n|---|---|\n| a | a long description of the key |\n";
    assert_eq!(
        shown(table, 24),
        [
            "Key │ Description",
            "────┼───────────────────",
            "a   │ a long description",
            "    │ of the key"
        ]
    );
    assert_eq!(
        shown(table, 10),
        ["Key: a", "Descriptio", "n: a long", "descriptio", "n of the", "key"]
    );
}

#[test]
fn no_line_is_wider_than_the_width_and_none_carries_a_control_char() {
    let hostile =
        "&#27;[31mred&#7; `\u{1b}]52;c;x\u{7}`\n\n```ru\u{1b}st\n\tx\u{9b}\n```\n[t](&#27;)\n";
    for text in [SAMPLE, hostile] {
        for width in [1, 2, 5, 13, 40] {
            for line in render(text, width, &Theme::dark()) {
                let row: String = line.spans.iter().map(|span| span.content.as_ref()).collect();
                assert!(!row.chars().any(char::is_control), "{row:?}");
                if width >= 13 {
                    assert!(line.width() <= width, "{row:?} wider than {width}");
                }
            }
        }
    }
}

#[test]
fn a_huge_code_line_is_shown_plain_rather_than_stall_the_highlighter() {
    let text = format!("```js\nlet a = 1;\n{}\nlet b = 2;\n```", "x+".repeat(2_000));
    let lines = render(&text, 200_000, &Theme::dark());
    assert!(lines[1].spans.len() > 2, "short lines before it are highlighted");
    assert_eq!(lines[2].spans.len(), 2, "bar and one plain run");
    assert_eq!(lines[3].spans.len(), 2, "the rest of the block stays plain");
}

#[test]
fn a_strong_word_or_code_span_being_streamed_shows_styled_at_once() {
    let theme = Theme::dark();
    let tail =
        |text| render_more(text, false, 40, &theme, &mut Progress::default(), &mut Vec::new());
    let lines = tail("Use **bold te");
    assert_eq!(plain(&lines), ["Use bold te"]);
    assert!(lines[0].spans[1].style.add_modifier.contains(Modifier::BOLD));
    let lines = tail("call `foo(");
    assert_eq!(plain(&lines), ["call foo("]);
    assert_eq!(lines[0].spans[1].style, theme.code);
    // Closed spans, and stars that are not markup, are left alone.
    assert_eq!(plain(&tail("**a** and 2*3")), ["a and 2*3"]);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    const TOKENS: &[&str] = &[
        "# ",
        "**",
        "*",
        "`",
        "```",
        "```rust",
        "~~~",
        "\n",
        "\n\n",
        "- ",
        "1. ",
        "> ",
        "  ",
        "    ",
        "| a | b |\n|---|--:|\n| 1 | 2 |",
        "---",
        "word ",
        "日本語",
        "\t",
        "[l](u)",
        "&#27;",
        "<b>",
        "\\",
        "- [ ] ",
    ];

    fn markdownish() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(TOKENS), 0..40).prop_map(|t| t.concat())
    }

    proptest! {
        #[test]
        fn streamed_in_three_parts_equals_rendered_at_once(
            text in markdownish(),
            a in 0.0..1.0f64,
            b in 0.0..1.0f64,
            width in 1usize..50,
        ) {
            let boundary = |f: f64| {
                let mut at = (text.len() as f64 * f) as usize;
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                at
            };
            let (first, second) = (boundary(a.min(b)), boundary(a.max(b)));
            let theme = Theme::dark();
            let whole = render(&text, width, &theme);
            let mut progress = Progress::default();
            let mut streamed = Vec::new();
            for end in [first, second] {
                render_more(&text[..end], false, width, &theme, &mut progress, &mut streamed);
                prop_assert_eq!(&streamed[..], &whole[..streamed.len()]);
            }
            let tail = render_more(&text, true, width, &theme, &mut progress, &mut streamed);
            streamed.extend(tail);
            prop_assert_eq!(streamed, whole);
        }
    }
}

#[test]
fn html_is_shown_as_written_without_extra_lines() {
    assert_eq!(shown("<div>\nhi\n</div>\n\nafter", 40), ["<div>", "hi", "</div>", "", "after"]);
    assert_eq!(shown("a <b>bold</b> c", 40), ["a <b>bold</b> c"]);
}

#[test]
fn without_truecolor_highlighted_code_uses_the_256_colour_palette() {
    use ratatui::style::Color;
    let code = "```rust\nfn main() { let x = \"s\"; }\n```";
    let colours = |theme: &Theme| -> Vec<Color> {
        render(code, 60, theme)[1].spans.iter().skip(1).filter_map(|s| s.style.fg).collect()
    };
    let full = colours(&Theme::dark());
    assert!(full.iter().all(|c| matches!(c, Color::Rgb(..))), "{full:?}");
    let indexed = colours(&Theme::dark().in_256_colours());
    assert_eq!(indexed.len(), full.len());
    assert!(indexed.iter().all(|c| matches!(c, Color::Indexed(16..=255))), "{indexed:?}");
}

#[test]
fn code_takes_each_class_of_syntax_from_the_theme() {
    use crate::config::theme::SYNTAX_KEYS;
    use ratatui::style::Color;
    // Every class in a colour of its own, so each piece shows which class it was put in.
    let mut theme = Theme::dark();
    for (index, style) in theme.syntax.iter_mut().enumerate() {
        *style = Style::new().fg(Color::Indexed(index as u8));
    }
    theme.syntax[0] = theme.syntax[0].add_modifier(Modifier::ITALIC);
    let class_of = |code: &str, lang: &str, piece: &str| -> &str {
        let lines = render(&format!("```{lang}\n{code}\n```"), 80, &theme);
        let spans = lines.iter().flat_map(|line| &line.spans);
        let span = spans.clone().find(|span| span.content.contains(piece));
        let span =
            span.unwrap_or_else(|| panic!("no {piece:?} in {:?}", spans.collect::<Vec<_>>()));
        assert!(span.style.add_modifier.contains(Modifier::ITALIC), "plain is under every class");
        match span.style.fg {
            Some(Color::Indexed(index)) => SYNTAX_KEYS[index as usize],
            other => panic!("{piece:?}: {other:?}"),
        }
    };
    let rust =
        "#[derive(Debug)]\nfn main() { let x = 42; Vec::new(); println!(\"a\\n\"); true } // note";
    let expected = [
        ("derive", "attribute"),
        ("fn", "keyword"),
        ("main", "function"),
        ("Vec", "type"),
        ("42", "number"),
        ("println!", "macro"),
        ("\"a", "string"),
        ("\\n", "constant"),
        ("true", "constant"),
        ("// note", "comment"),
        ("=", "operator"),
        (";", "punctuation"),
        (" x ", "plain"),
    ];
    for (piece, class) in expected {
        assert_eq!(class_of(rust, "rust", piece), class, "{piece:?}");
    }
    assert_eq!(class_of("<a href=\"x\">t</a>", "html", "a"), "tag");
    assert_eq!(class_of("<a href=\"x\">t</a>", "html", "href"), "attribute");
    assert_eq!(class_of("class A(B): pass", "python", "A"), "type");
}

#[test]
fn every_class_of_syntax_takes_in_some_scopes() {
    use crate::config::theme::SYNTAX_KEYS;
    for class in &SYNTAX_KEYS[1..] {
        let selectors = super::code::selectors(class);
        assert!(selectors.parse::<syntect::highlighting::ScopeSelectors>().is_ok(), "{class}");
        assert!(!selectors.is_empty(), "{class} takes in no scope");
    }
}

#[test]
fn a_long_table_parsed_a_batch_of_rows_at_a_time_lays_out_as_parsed_whole() {
    let mut table = String::from("| Name | *Size* | Note |\n|:-----|-----:|:---:|\n");
    for n in 0..250 {
        let row = match n % 6 {
            0 => format!("| row {n} | {n} | plain |\n"),
            1 => format!("| `code | pipe` {n} | **{n}** | [link](https://example.com/{n}) |\n"),
            2 => format!("| escaped \\| pipe | {n} |\n"),
            3 => format!("| 日本語 🦀 {n} | {n} | more | cells | than | the header |\n"),
            4 => format!("|{n}|~~gone~~|_a_ and *b*|\n"),
            _ => format!("| a long cell that has to wrap at a narrow width, row {n} | {n} | x |\n"),
        };
        table.push_str(&row);
    }
    let theme = Theme::default();
    for width in [120, 40, 12] {
        let lay_out = |rows| {
            let (mut started, mut lines) = (false, Vec::new());
            render::markdown_in_batches(&table, width, &theme, &mut started, &mut lines, rows);
            lines
        };
        let whole = lay_out(usize::MAX);
        assert!(whole.len() > 250, "{}", whole.len());
        assert_eq!(lay_out(7), whole, "at width {width}");
        assert_eq!(lay_out(1), whole, "at width {width}");
    }
}

#[test]
fn only_a_table_alone_is_parsed_in_batches() {
    let theme = Theme::default();
    let rows = "| a | b |\n".repeat(20);
    for text in [
        format!("| x | y |\n|---|---|\n{rows}\nAfter the table.\n"),
        format!("Before.\n\n| x | y |\n|---|---|\n{rows}"),
        format!("| x | y |\n|---|---|---|\n{rows}"),
        format!("| x | y |\n|---|---|\n{rows}> a quote\n"),
    ] {
        let lay_out = |rows| {
            let (mut started, mut lines) = (false, Vec::new());
            render::markdown_in_batches(&text, 40, &theme, &mut started, &mut lines, rows);
            lines
        };
        assert_eq!(lay_out(3), lay_out(usize::MAX), "{text}");
    }
}

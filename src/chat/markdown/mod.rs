//! What rockchat reads in a reply's markdown without drawing it: where a streaming text can
//! be cut for good (`blocks`), the parser options, the language a fence names, and the code
//! blocks of a message numbered as the transcript shows them. The renderer in `ui::markdown`
//! builds on the same scanner and options, so "copy the n-th code block" copies the n-th
//! block on screen. Pure; never panics on any text.

pub mod blocks;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use self::blocks::Piece;

/// Labels longer than this are cut: an info string is model output and may be anything.
const MAX_LABEL: usize = 40;

/// The markdown extensions replies are read with.
pub fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// The language named by a fence's info string: its first word (`rust,ignore` → `rust`),
/// without control characters.
pub fn language(info: &str) -> Option<String> {
    let word = info.split(|c: char| c.is_whitespace() || c == ',' || c == '{').next()?;
    let word = word.trim_start_matches('.');
    let word: String = word.chars().filter(|c| !c.is_control()).take(MAX_LABEL).collect();
    (!word.is_empty()).then_some(word)
}

/// One code block of a message, as the user sees it numbered from the top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    /// The first word of the fence's info string; `None` for a bare fence or indented code.
    pub lang: Option<String>,
    /// The code, without the fences, ending with a newline unless empty.
    pub code: String,
}

/// The code blocks of `text` in the order they are shown, an unclosed last fence included,
/// for "copy the n-th code block".
pub fn code_blocks(text: &str) -> Vec<CodeBlock> {
    let mut found = Vec::new();
    let mut fence = None;
    let mut open: Option<CodeBlock> = None;
    let upto = blocks::scan(text, 0, &mut fence, true, |piece| match piece {
        Piece::Markdown(blocks) => nested_code_blocks(blocks, &mut found),
        Piece::FenceOpen { info } => {
            open = Some(CodeBlock { lang: language(info), code: String::new() });
        }
        Piece::CodeLine(line) => {
            if let Some(block) = &mut open {
                block.code.push_str(line);
                block.code.push('\n');
            }
        }
        Piece::FenceClose => found.extend(open.take()),
    });
    found.extend(open);
    if fence.is_none() {
        nested_code_blocks(&text[upto..], &mut found);
    }
    found
}

fn nested_code_blocks(markdown: &str, found: &mut Vec<CodeBlock>) {
    let mut open: Option<CodeBlock> = None;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => language(&info),
                    CodeBlockKind::Indented => None,
                };
                open = Some(CodeBlock { lang, code: String::new() });
            }
            Event::Text(text) => {
                if let Some(block) = &mut open {
                    block.code.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => found.extend(open.take()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Intro\n\n```rust\nfn main() {\n\n    println!(\"hi\");\n}\n```\nAfter the code.\n\n~~~\nplain\n~~~\n";

    #[test]
    fn code_blocks_are_listed_in_order_with_their_language() {
        let blocks = code_blocks(SAMPLE);
        assert_eq!(
            blocks,
            [
                CodeBlock {
                    lang: Some("rust".into()),
                    code: "fn main() {\n\n    println!(\"hi\");\n}\n".into()
                },
                CodeBlock { lang: None, code: "plain\n".into() },
            ]
        );
        let nested = code_blocks("- item\n\n  ```sh\n  ls\n  ```\n\n```py\nprint(1)");
        assert_eq!(
            nested,
            [
                CodeBlock { lang: Some("sh".into()), code: "ls\n".into() },
                CodeBlock { lang: Some("py".into()), code: "print(1)\n".into() },
            ]
        );
    }

    #[test]
    fn a_fence_names_its_language_by_its_first_word() {
        assert_eq!(language("rust,ignore").as_deref(), Some("rust"));
        assert_eq!(language(".py {.numberLines}").as_deref(), Some("py"));
        assert_eq!(language("  "), None);
        assert_eq!(language("a\u{1b}[31mb").as_deref(), Some("a[31mb"));
    }
}

//! Whole-screen snapshots of replies in markdown: each element, a narrow table, and a code
//! block caught half-way through streaming. States are built by feeding messages to
//! `update`, as the driver does.

use std::time::Instant;

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rockchat::api::StreamEvent;
use rockchat::app::msg::RequestId;
use rockchat::app::{ApiEvent, Msg, State, update};
use support::tui::Tui;

const WIDTH: u16 = 60;

fn new_state(width: u16, height: u16) -> Tui {
    Tui::new("gpt-4o-mini", width, height)
}

fn send(state: &mut State, text: &str) -> RequestId {
    update(state, Msg::Paste(text.into()));
    update(state, Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    state.stream.id().expect("a request started")
}

fn delta(state: &mut State, id: RequestId, text: &str) {
    let event =
        ApiEvent::Stream(StreamEvent::Delta { content: text.into(), reasoning: String::new() });
    update(state, Msg::Api { id, event, at: Instant::now() });
}

fn screen(tui: &mut Tui, width: u16, height: u16) -> String {
    tui.draw(width, height)
}

/// The screen after `reply` arrived whole, to a prompt that is itself markdown-looking (the
/// user's text is shown as typed).
fn finished(prompt: &str, reply: &str, width: u16, height: u16) -> String {
    let mut state = new_state(width, height);
    let id = send(&mut state, prompt);
    delta(&mut state, id, reply);
    update(&mut state, Msg::Api { id, event: ApiEvent::Done, at: Instant::now() });
    screen(&mut state, width, height)
}

#[test]
fn headings_emphasis_inline_code_and_links() {
    let reply = "# Ownership\n\n## Borrowing\n\nRust has **strong**, *emphasised* and ~~struck~~ \
                 words, `inline code`, [a link](https://doc.rust-lang.org) and <https://x.io>.\n\
                 A single newline is a line break.\n\n### Lifetimes\nEnd.";
    insta::assert_snapshot!(finished("Explain *ownership* in # points", reply, WIDTH, 20));
}

#[test]
fn nested_and_numbered_lists_and_task_items() {
    let reply = "Steps:\n\n1. Install\n2. Configure\n   - edit `config.toml`\n   - set the key\n     \
                 1. in the shell\n     2. or in a file\n3. Run it, with a long item that has to wrap \
                 around the narrow pane\n\n- [x] done\n- [ ] todo\n\n10. ten\n11. eleven";
    insta::assert_snapshot!(finished("List it", reply, WIDTH, 22));
}

#[test]
fn block_quotes_and_horizontal_rules() {
    let reply = "> A quote that is long enough to wrap around at this narrow width, twice over.\n>\n\
                 > > nested quote\n\n---\n\nAfter the rule.";
    insta::assert_snapshot!(finished("Quote", reply, WIDTH, 14));
}

#[test]
fn tables_align_columns_and_degrade_when_narrow() {
    let reply = "| Crate | Downloads | Purpose |\n|:------|----------:|:-------:|\n\
                 | tokio | 300M | async runtime for network applications |\n| serde | 400M | data |";
    insta::assert_snapshot!(finished("Table", reply, WIDTH, 12));
    insta::assert_snapshot!("tables_narrow", finished("Table", reply, 34, 14));
    insta::assert_snapshot!("tables_too_narrow_become_records", finished("Table", reply, 18, 20));
}

#[test]
fn code_blocks_have_a_language_label_and_unknown_languages_are_plain() {
    let reply = "```rust\nfn main() {\n    println!(\"hello\");\n}\n```\n\n```\nno language\n```\n\n\
                 ```klingon\nqapla'\n```";
    insta::assert_snapshot!(finished("Code", reply, WIDTH, 18));
}

#[test]
fn half_streamed_code_block_is_code_with_the_cursor_on_its_last_line() {
    let mut state = new_state(WIDTH, 14);
    let id = send(&mut state, "Write hello world");
    for piece in ["Here it is:\n\n```py", "thon\ndef main():\n", "    print(\"hel"] {
        delta(&mut state, id, piece);
        screen(&mut state, WIDTH, 14);
    }
    insta::assert_snapshot!(screen(&mut state, WIDTH, 14));
    delta(&mut state, id, "lo\")\n```\nDone.");
    update(&mut state, Msg::Api { id, event: ApiEvent::Done, at: Instant::now() });
    insta::assert_snapshot!("half_streamed_code_block_finished", screen(&mut state, WIDTH, 14));
}

#[test]
fn control_sequences_made_by_markdown_entities_never_reach_the_screen() {
    let reply = "&#27;]52;c;aGk=&#7; and &#155;31m `&#27;` [x](&#27;[2J)";
    let shown = finished("hi", reply, WIDTH, 8);
    assert!(!shown.chars().any(|c| c.is_control() && c != '\n'), "{shown:?}");
    assert!(shown.contains("]52;c;aGk= and 31m"), "{shown}");
}

#[test]
fn a_long_conversation_lays_out_only_what_is_near_the_screen_until_scrolled_to() {
    let mut state = new_state(WIDTH, 20);
    for n in 0..300 {
        let id = send(&mut state, &format!("question {n}"));
        delta(&mut state, id, &format!("## Answer {n}\n\n```rust\nlet n = {n};\n```\n"));
        update(&mut state, Msg::Api { id, event: ApiEvent::Done, at: Instant::now() });
    }
    screen(&mut state, WIDTH, 20);
    // A resize drops every layout; only the newest messages are laid out again.
    update(&mut state, Msg::Resize(WIDTH - 10, 20));
    let bottom = screen(&mut state, WIDTH - 10, 20);
    assert!(bottom.contains("question 299") && bottom.contains("let n = 299;"), "{bottom}");
    assert!(!state.screen.transcript().is_measured());
    let laid = state.screen.transcript().resident_lines();
    assert!(laid < 200, "{laid} lines laid out for a 20-line screen");
    // Paging up always finds lines ready, and reading position is kept.
    update(&mut state, Msg::Key(KeyEvent::new(KeyCode::PageUp, KeyModifiers::NONE)));
    let paged = screen(&mut state, WIDTH - 10, 20);
    assert!(paged.contains("Answer 297"), "{paged}");
    update(&mut state, Msg::Key(KeyEvent::new(KeyCode::Home, KeyModifiers::NONE)));
    let top = screen(&mut state, WIDTH - 10, 20);
    assert!(top.starts_with("● You\n  question 0\n\n◆ gpt-4o-mini\n  ## Answer 0"), "{top}");
    // The top is laid out, not the 600 messages between it and the bottom, whose rows are
    // not known: what is below is counted in messages.
    assert!(!state.screen.transcript().is_measured());
    let laid = state.screen.transcript().resident_lines();
    assert!(laid < 400, "{laid} lines laid out after Home");
    assert!(top.contains("↓ 5") && top.contains("more messages"), "{top}");
    update(&mut state, Msg::Key(KeyEvent::new(KeyCode::End, KeyModifiers::NONE)));
    assert_eq!(screen(&mut state, WIDTH - 10, 20), bottom);
}

#[test]
fn selecting_upwards_past_the_laid_out_messages_lays_them_out_and_shows_them() {
    let mut state = new_state(WIDTH, 16);
    for n in 0..60 {
        let id = send(&mut state, &format!("question {n}"));
        delta(&mut state, id, &format!("answer {n}\n\n```sh\necho {n}\n```"));
        update(&mut state, Msg::Api { id, event: ApiEvent::Done, at: Instant::now() });
    }
    screen(&mut state, WIDTH, 16);
    update(&mut state, Msg::Resize(WIDTH - 4, 16));
    screen(&mut state, WIDTH - 4, 16);
    assert!(!state.screen.transcript().is_measured());
    update(&mut state, Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
    for _ in 0..100 {
        update(&mut state, Msg::Key(KeyEvent::new(KeyCode::Char('k'), KeyModifiers::NONE)));
        screen(&mut state, WIDTH - 4, 16);
    }
    // Tab selects the newest message (119); 100 up is message 19, the reply "answer 9".
    let shown = screen(&mut state, WIDTH - 4, 16);
    assert!(shown.contains(" answer 9\n") && shown.contains("echo 9"), "{shown}");
}

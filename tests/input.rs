//! The input as a user sees it: the draft grows with its wrapped rows (words, URLs, CJK,
//! emoji), the terminal's cursor stands at the insertion point (where an input method
//! composes), and Up recalls earlier prompts.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Position;
use rockchat::app::state::Target;
use rockchat::app::{Msg, State, update};
use rockchat::ui::Screen;

fn new_state() -> State {
    let target = Target { provider: "rockapi".into(), model: "gpt-4o-mini".into() };
    let mut state = State::new(target, "You are a helpful assistant".into(), false);
    // Exact counts at once, as the driver's background load would give them.
    state.counting.load_on_first_use();
    state
}

fn press(state: &mut State, code: KeyCode, modifiers: KeyModifiers) {
    update(state, Msg::Key(KeyEvent::new(code, modifiers)));
}

fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        press(state, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

/// The screen as text (rows trimmed) and where the terminal's cursor is.
fn draw(state: &mut State, width: u16, height: u16) -> (String, Position) {
    update(state, Msg::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let mut shown = None;
    terminal.draw(|frame| shown = Some(Screen::default().draw(state, frame))).unwrap();
    update(state, Msg::Shown(shown.unwrap()));
    let cursor = terminal.get_cursor_position().unwrap();
    let buffer = terminal.backend().buffer();
    let text = (0..height)
        .map(|y| {
            // A wide character's second cell is not a character of its own.
            let mut row = String::new();
            let mut x = 0;
            while x < width {
                let symbol = buffer[(x, y)].symbol();
                row.push_str(symbol);
                x += unicode_width::UnicodeWidthStr::width(symbol).max(1) as u16;
            }
            row.trim_end().to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n");
    (text, cursor)
}

/// The input's rows: between the border and the status line.
fn input_rows(screen: &str) -> Vec<&str> {
    let rows: Vec<&str> = screen.lines().collect();
    let border = rows.iter().rposition(|row| row.contains("F1 help")).unwrap();
    rows[border + 1..rows.len() - 1].to_vec()
}

const LONG: &str = "Please compare the ownership models of Rust and C++ in detail, with examples of moves, \
    borrows and lifetimes, and say which errors each catches at compile time.";

#[test]
fn a_prompt_wider_than_the_pane_grows_the_input_at_120_columns() {
    let mut state = new_state();
    type_text(&mut state, LONG);
    let (screen, cursor) = draw(&mut state, 120, 40);
    let rows = input_rows(&screen);
    assert_eq!(rows.len(), 2, "{screen}");
    assert!(rows[0].starts_with(" Please compare"), "the first words stay in view: {rows:?}");
    assert_eq!(rows.concat().split_whitespace().collect::<Vec<_>>().join(" "), LONG);
    assert_eq!(cursor, Position { x: 1 + (rows[1].len() as u16 - 1), y: 38 });
    insta::assert_snapshot!("input_wraps_120x40", screen);
}

#[test]
fn cjk_emoji_and_accents_wrap_whole_at_40_columns_and_the_cursor_follows() {
    let mut state = new_state();
    type_text(
        &mut state,
        "日本語のテキストを入力します。👨\u{200d}👩\u{200d}👧 café and e\u{301}t\u{e9} https://example.com/some/long/path",
    );
    let (screen, _) = draw(&mut state, 40, 20);
    let rows = input_rows(&screen);
    assert!(rows.len() >= 3, "{screen}");
    assert!(!rows.iter().any(|row| row.trim_start().starts_with('。')), "{rows:?}");
    insta::assert_snapshot!("input_wraps_40x20", screen);
    // Home, then two steps right: past 日本, two wide characters.
    press(&mut state, KeyCode::Char('a'), KeyModifiers::CONTROL);
    press(&mut state, KeyCode::Up, KeyModifiers::NONE);
    press(&mut state, KeyCode::Up, KeyModifiers::NONE);
    press(&mut state, KeyCode::Up, KeyModifiers::NONE);
    press(&mut state, KeyCode::Right, KeyModifiers::NONE);
    press(&mut state, KeyCode::Right, KeyModifiers::NONE);
    let (screen, cursor) = draw(&mut state, 40, 20);
    let first = screen.lines().position(|row| row.starts_with(" 日本語")).unwrap() as u16;
    assert_eq!(cursor, Position { x: 1 + 4, y: first }, "{screen}");
}

#[test]
fn the_input_stops_growing_at_its_cap_and_scrolls_to_the_cursor() {
    let mut state = new_state();
    let lines: Vec<String> = (1..=30).map(|n| format!("line {n}")).collect();
    update(&mut state, Msg::Paste(lines.join("\n")));
    let (screen, cursor) = draw(&mut state, 40, 20);
    let rows = input_rows(&screen);
    assert_eq!(rows.len(), 8, "half of a 20-row terminal stays for the transcript: {screen}");
    assert_eq!(rows.last(), Some(&" line 30"));
    assert_eq!(cursor.y, 18);
}

#[test]
fn up_on_the_first_row_recalls_earlier_prompts_and_down_comes_back_to_the_draft() {
    let mut state = new_state();
    for prompt in ["first question", "second question"] {
        type_text(&mut state, prompt);
        press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
        state.stream = rockchat::app::state::Stream::Idle;
    }
    type_text(&mut state, "half");
    press(&mut state, KeyCode::Up, KeyModifiers::NONE);
    assert_eq!(state.input.text(), "second question");
    press(&mut state, KeyCode::Up, KeyModifiers::NONE);
    assert_eq!(state.input.text(), "first question");
    press(&mut state, KeyCode::Down, KeyModifiers::NONE);
    press(&mut state, KeyCode::Down, KeyModifiers::NONE);
    assert_eq!(state.input.text(), "half");
}

#[test]
fn a_draft_typed_before_up_recalls_only_the_prompts_that_contain_it() {
    let mut state = new_state();
    for prompt in ["Explain Rust lifetimes", "hello there", "rust: the borrow checker", "bye"] {
        type_text(&mut state, prompt);
        press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
        state.stream = rockchat::app::state::Stream::Idle;
    }
    type_text(&mut state, "rust");
    press(&mut state, KeyCode::Up, KeyModifiers::NONE);
    assert_eq!(state.input.text(), "rust: the borrow checker");
    assert_eq!(state.notice.as_deref(), Some("prompts containing “rust”: Up older, Down newer"));
    press(&mut state, KeyCode::Up, KeyModifiers::NONE);
    assert_eq!(state.input.text(), "Explain Rust lifetimes", "any case; the others skipped");
    press(&mut state, KeyCode::Down, KeyModifiers::NONE);
    press(&mut state, KeyCode::Down, KeyModifiers::NONE);
    assert_eq!(state.input.text(), "rust", "past the newest match the search comes back");

    // Nothing contains it: every prompt, as in a shell, and the notice says so.
    state.input = rockchat::app::editor::Editor::with_text("kubernetes");
    press(&mut state, KeyCode::Up, KeyModifiers::NONE);
    assert_eq!(state.input.text(), "bye");
    assert_eq!(
        state.notice.as_deref(),
        Some("no earlier prompt contains “kubernetes”: all of them")
    );
}

//! Scrolling as a reader sees it: the state holds the intent (`Scroll`), the screen turns it
//! into rows when it draws, and the frames below are what a user would see.

mod support;

use crossterm::event::{KeyCode, KeyModifiers, MouseEvent, MouseEventKind};
use rockchat::app::{Msg, update};
use support::tui::Tui;

const WIDTH: u16 = 60;
const HEIGHT: u16 = 20;

/// The transcript's rows of a frame (the input and status line left out, and the last row,
/// where a view scrolled up says what is below).
fn transcript(screen: &str) -> Vec<String> {
    screen.lines().take(HEIGHT as usize - 4).map(str::to_owned).collect()
}

/// The transcript's last row: what a view scrolled up says is below.
fn below(screen: &str) -> String {
    screen.lines().nth(HEIGHT as usize - 4).unwrap_or("").trim().to_owned()
}

/// A reply of 100 numbered lines, still streaming; drawn once.
fn long_reply() -> (Tui, u64) {
    let mut tui = Tui::new("tiny", WIDTH, HEIGHT);
    let id = tui.send("count");
    for n in 0..100 {
        tui.delta(id, &format!("line {n}\n\n"));
    }
    tui.draw(WIDTH, HEIGHT);
    (tui, id)
}

#[test]
fn the_view_follows_a_streaming_reply_unless_scrolled_up() {
    let (mut tui, id) = long_reply();
    assert!(tui.draw(WIDTH, HEIGHT).contains("line 99"));
    tui.key(KeyCode::PageUp, KeyModifiers::NONE);
    let screen = tui.draw(WIDTH, HEIGHT);
    let reading = transcript(&screen);
    assert!(!reading.iter().any(|row| row.contains("line 99")), "{reading:?}");
    assert_eq!(below(&screen), "↓ 15 more lines · a reply is arriving · End returns");
    for _ in 0..20 {
        tui.delta(id, "more\n\nand more\n\n");
        let screen = tui.draw(WIDTH, HEIGHT);
        assert_eq!(transcript(&screen), reading, "the text being read never creeps");
    }
    assert!(below(&tui.draw(WIDTH, HEIGHT)).starts_with("↓ 95 more lines"));
    tui.key(KeyCode::End, KeyModifiers::NONE);
    let bottom = tui.draw(WIDTH, HEIGHT);
    assert!(bottom.contains("and more"), "{bottom}");
    tui.delta(id, "the newest\n\n");
    assert!(tui.draw(WIDTH, HEIGHT).contains("the newest"), "following again");
}

#[test]
fn page_up_then_page_down_comes_back_to_the_same_rows() {
    let (mut tui, _) = long_reply();
    tui.key(KeyCode::PageUp, KeyModifiers::NONE);
    tui.key(KeyCode::PageUp, KeyModifiers::NONE);
    let two_up = transcript(&tui.draw(WIDTH, HEIGHT));
    tui.key(KeyCode::PageUp, KeyModifiers::NONE);
    tui.draw(WIDTH, HEIGHT);
    tui.key(KeyCode::PageDown, KeyModifiers::NONE);
    assert_eq!(transcript(&tui.draw(WIDTH, HEIGHT)), two_up);
}

#[test]
fn the_mouse_wheel_scrolls_three_rows() {
    let (mut tui, _) = long_reply();
    let bottom = transcript(&tui.draw(WIDTH, HEIGHT));
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollUp,
        column: 0,
        row: 0,
        modifiers: KeyModifiers::NONE,
    };
    update(&mut tui, Msg::Mouse(wheel));
    let scrolled = transcript(&tui.draw(WIDTH, HEIGHT));
    assert_eq!(scrolled[3..], bottom[..bottom.len() - 3]);
}

#[test]
fn home_shows_the_top_and_end_the_bottom() {
    let (mut tui, _) = long_reply();
    let bottom = tui.draw(WIDTH, HEIGHT);
    tui.key(KeyCode::Home, KeyModifiers::NONE);
    let top = tui.draw(WIDTH, HEIGHT);
    assert!(top.starts_with("● You\n  count\n"), "{top}");
    tui.key(KeyCode::End, KeyModifiers::NONE);
    assert_eq!(tui.draw(WIDTH, HEIGHT), bottom);
}

#[test]
fn selecting_an_old_message_scrolls_it_into_view() {
    let mut tui = Tui::new("tiny", WIDTH, HEIGHT);
    for n in 0..20 {
        let id = tui.send(&format!("question {n}"));
        tui.delta(id, "a reply\nof two lines");
        tui.done(id);
    }
    tui.draw(WIDTH, HEIGHT);
    tui.key(KeyCode::Tab, KeyModifiers::NONE);
    tui.key(KeyCode::Char('g'), KeyModifiers::NONE);
    let top = tui.draw(WIDTH, HEIGHT);
    assert!(top.contains("question 0\n"), "the oldest is shown: {top}");
    tui.key(KeyCode::Char('G'), KeyModifiers::NONE);
    let newest = tui.draw(WIDTH, HEIGHT);
    assert!(newest.contains("question 19") && !newest.contains("question 0\n"), "{newest}");
}

#[test]
fn a_resize_keeps_the_message_being_read_in_view() {
    let mut tui = Tui::new("tiny", WIDTH, HEIGHT);
    for n in 0..30 {
        let id = tui.send(&format!("question {n}"));
        tui.delta(id, &format!("answer {n}, long enough to wrap when the terminal narrows"));
        tui.done(id);
    }
    tui.draw(WIDTH, HEIGHT);
    tui.key(KeyCode::Home, KeyModifiers::NONE);
    tui.draw(WIDTH, HEIGHT);
    for _ in 0..3 {
        tui.key(KeyCode::PageDown, KeyModifiers::NONE);
        tui.draw(WIDTH, HEIGHT);
    }
    let reading = transcript(&tui.draw(WIDTH, HEIGHT));
    let first = reading.iter().find(|row| row.contains("question")).cloned().unwrap();
    update(&mut tui, Msg::Resize(WIDTH - 20, HEIGHT - 10));
    let narrow = tui.draw(WIDTH - 20, HEIGHT - 10);
    assert!(narrow.contains(first.trim()), "{first:?} no longer in view:\n{narrow}");
}

#[test]
fn home_then_a_shorter_terminal_keeps_the_top_in_view() {
    let mut tui = Tui::new("tiny", 120, 40);
    for n in 0..30 {
        let id = tui.send(&format!("question {n}"));
        tui.delta(id, &format!("answer {n}"));
        tui.done(id);
    }
    tui.draw(120, 40);
    tui.key(KeyCode::Home, KeyModifiers::NONE);
    let top = tui.draw(120, 40);
    assert!(top.starts_with("● You\n  question 0\n"), "{top}");
    update(&mut tui, Msg::Resize(120, 30));
    let shorter = tui.draw(120, 30);
    assert!(shorter.starts_with("● You\n  question 0\n"), "still at the top:\n{shorter}");
    update(&mut tui, Msg::Resize(120, 40));
    assert!(tui.draw(120, 40).starts_with("● You\n  question 0\n"), "and back");
}

/// 1,500 exchanges, each drawn as it finished, then drawn once more at the bottom.
fn long_history() -> Tui {
    let mut tui = Tui::new("tiny", WIDTH, HEIGHT);
    for n in 0..1_500 {
        let id = tui.send(&format!("question {n}"));
        tui.delta(id, &format!("answer {n}\n\nand its second paragraph"));
        tui.done(id);
    }
    tui.draw(WIDTH, HEIGHT);
    tui
}

#[test]
fn home_in_a_long_history_lays_out_the_top_not_everything_between() {
    let mut tui = long_history();
    tui.key(KeyCode::Home, KeyModifiers::NONE);
    let top = tui.draw(WIDTH, HEIGHT);
    assert!(top.starts_with("● You\n  question 0\n"), "{top}");
    // Only the pane's messages and the newest (kept from before) are laid out; the rows of
    // the 3,000 between are not known, so what is below is counted in messages.
    assert!(tui.screen.transcript().resident_messages() < 20);
    assert!(!tui.screen.transcript().is_measured());
    // Four messages fill the pane; the fifth's first row lies under this note.
    assert_eq!(below(&top), "↓ 2995 more messages · End returns");
    tui.key(KeyCode::End, KeyModifiers::NONE);
    assert!(tui.draw(WIDTH, HEIGHT).contains("answer 1499"));
}

#[test]
fn reading_a_long_history_keeps_a_bounded_cache_and_the_same_rows_the_second_time() {
    use rockchat::ui::transcript::KEPT_LINES;
    let mut tui = long_history();
    let read = |tui: &mut Tui| {
        tui.key(KeyCode::Home, KeyModifiers::NONE);
        let mut pages = vec![transcript(&tui.draw(WIDTH, HEIGHT))];
        let mut most = 0;
        loop {
            tui.key(KeyCode::PageDown, KeyModifiers::NONE);
            let screen = tui.draw(WIDTH, HEIGHT);
            most = most.max(tui.screen.transcript().resident_lines());
            pages.push(transcript(&screen));
            if below(&screen).is_empty() {
                break;
            }
        }
        (pages, most)
    };
    let (first, most) = read(&mut tui);
    assert!(first.len() > 500, "{} pages", first.len());
    // The budget, plus the messages on screen (whole, though the pane shows part of the
    // first and the last).
    assert!(most <= KEPT_LINES + 2 * HEIGHT as usize, "{most} lines kept");
    // The top's lines were dropped on the way down; laid out again they are the same.
    let (second, _) = read(&mut tui);
    assert_eq!(first, second);
}

#[test]
fn replies_are_labelled_with_their_provider_when_one_model_name_came_from_two() {
    let mut tui = Tui::new("llama-3", 80, 30);
    tui.state.target.provider = "home".into();
    let id = tui.send("first");
    tui.delta(id, "from the home server");
    tui.done(id);
    let alone = tui.draw(80, 30);
    assert!(alone.contains("◆ llama-3"), "{alone}");
    assert!(!alone.contains("home/llama-3"), "one provider: the model alone: {alone}");

    // The same model name, served by another provider: both replies say whose they are.
    tui.state.target.provider = "cloud".into();
    let id = tui.send("second");
    tui.delta(id, "from the cloud");
    tui.done(id);
    let both = tui.draw(80, 30);
    assert!(both.contains("◆ home/llama-3"), "{both}");
    assert!(both.contains("◆ cloud/llama-3"), "{both}");
}

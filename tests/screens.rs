//! Whole-screen snapshots of the key screens, drawn with `TestBackend` from states built by
//! feeding messages to `update`, exactly as the driver does.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rockchat::api::{ApiError, StreamEvent};
use rockchat::app::msg::RequestId;
use rockchat::app::state::Target;
use rockchat::app::{ApiEvent, Msg, State, update};
use rockchat::chat::{FinishReason, Usage};
use rockchat::ui::Screen;

const WIDTH: u16 = 72;
const HEIGHT: u16 = 18;

fn new_state() -> State {
    let target = Target { provider: "rockapi".into(), model: "gpt-4o-mini".into() };
    let mut state = State::new(target, "You are a helpful assistant".into(), false);
    state.counting.load_on_first_use();
    update(&mut state, Msg::Resize(WIDTH, HEIGHT));
    state
}

fn press(state: &mut State, code: KeyCode, modifiers: KeyModifiers) {
    update(state, Msg::Key(KeyEvent::new(code, modifiers)));
}

fn send(state: &mut State, text: &str) -> RequestId {
    update(state, Msg::Paste(text.into()));
    press(state, KeyCode::Enter, KeyModifiers::NONE);
    state.stream.id().expect("a request started")
}

fn event(state: &mut State, id: RequestId, event: ApiEvent, at: Instant) {
    update(state, Msg::Api { id, event, at });
}

fn delta(text: &str) -> ApiEvent {
    ApiEvent::Stream(StreamEvent::Delta { content: text.into(), reasoning: String::new() })
}

fn screen(state: &mut State) -> String {
    screen_sized(state, WIDTH, HEIGHT)
}

fn screen_sized(state: &mut State, width: u16, height: u16) -> String {
    update(state, Msg::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let mut shown = None;
    terminal.draw(|frame| shown = Some(Screen::default().draw(state, frame))).unwrap();
    // Reported back as the driver does, so paging moves from what was on screen.
    update(state, Msg::Shown(shown.unwrap()));
    let buffer = terminal.backend().buffer();
    (0..height)
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
        .join("\n")
}

#[test]
fn empty_screen_shows_placeholder_and_status() {
    let mut state = new_state();
    insta::assert_snapshot!(screen(&mut state));
}

/// The first run without a key: the variable to set, the servers found, each with its digit.
#[test]
fn first_run_without_a_key_names_the_variable_and_offers_the_servers_found() {
    let mut state = new_state();
    for (name, offered) in [("rockapi", false), ("ollama", true), ("llamacpp", true)] {
        let models = state.catalog.provider_mut(name);
        models.offered = offered;
        models.default_model = "llama3.2".into();
    }
    state.first_run = Some(rockchat::app::first_run::FirstRun {
        provider: "rockapi".into(),
        variable: Some("ROCKAPI_API_KEY".into()),
        candidates: vec!["ollama".into(), "llamacpp".into()],
    });
    update(&mut state, Msg::Start);
    let probing = screen_sized(&mut state, 120, 40);
    assert!(probing.contains("Looking for servers on this machine"), "{probing}");
    let served = ["qwen3:4b", "llama3.2"].map(|id| rockchat::api::models::ModelInfo {
        id: id.into(),
        context_window: None,
        price: None,
    });
    let result = Ok(served.to_vec());
    update(&mut state, Msg::ModelsListed { provider: "ollama".into(), result });
    let refused = ApiError::Network { message: "connection refused".into() };
    update(&mut state, Msg::ModelsListed { provider: "llamacpp".into(), result: Err(refused) });
    insta::assert_snapshot!("first_run_120x40", screen_sized(&mut state, 120, 40));
    insta::assert_snapshot!("first_run_40x20", screen_sized(&mut state, 40, 20));
}

#[test]
fn streaming_reply_shows_cursor_and_rate() {
    let mut state = new_state();
    let start = Instant::now();
    let id = send(&mut state, "Write a haiku about Rust");
    event(&mut state, id, delta("Borrowed, never lost —\n"), start);
    event(&mut state, id, delta("lifetimes hold the "), start + Duration::from_millis(500));
    event(&mut state, id, delta("thread"), start + Duration::from_secs(1));
    update(&mut state, Msg::Paste("next question".into()));
    insta::assert_snapshot!(screen(&mut state));
}

#[test]
fn finished_turn_shows_usage_and_cut_off_notice() {
    let mut state = new_state();
    let now = Instant::now();
    let id = send(&mut state, "Count to three");
    event(&mut state, id, delta("One, two,"), now);
    event(&mut state, id, ApiEvent::Stream(StreamEvent::Finish(FinishReason::Length)), now);
    let usage =
        Usage { prompt_tokens: 21, completion_tokens: 4, total_tokens: 25, ..Usage::default() };
    event(&mut state, id, ApiEvent::Stream(StreamEvent::Usage(usage)), now);
    event(&mut state, id, ApiEvent::Done, now);
    insta::assert_snapshot!(screen(&mut state));
}

#[test]
fn failed_request_keeps_prompt_with_error_and_advice() {
    let mut state = new_state();
    let id = send(&mut state, "Hello?");
    let error = ApiError::Auth {
        status: 401,
        message: "Incorrect API key provided (invalid_request_error, invalid_api_key)".into(),
        key_hint: "it was read from ROCKAPI_API_KEY".into(),
    };
    event(&mut state, id, ApiEvent::Failed(error), Instant::now());
    insta::assert_snapshot!(screen(&mut state));
}

#[test]
fn stopped_reply_is_marked_and_reasoning_is_folded() {
    let mut state = new_state();
    let now = Instant::now();
    let id = send(&mut state, "Think first");
    event(&mut state, id, delta("<think>Step one.\nStep two.</think>The answer is"), now);
    press(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    insta::assert_snapshot!(screen(&mut state));
    press(&mut state, KeyCode::Char('t'), KeyModifiers::CONTROL);
    insta::assert_snapshot!("stopped_reply_reasoning_unfolded", screen(&mut state));
}

#[test]
fn help_popup_lists_the_keys() {
    let mut state = new_state();
    press(&mut state, KeyCode::F(1), KeyModifiers::NONE);
    insta::assert_snapshot!(screen(&mut state));
}

#[test]
fn help_popup_uses_two_columns_on_a_short_wide_terminal_and_says_what_a_small_one_hides() {
    let mut state = new_state();
    press(&mut state, KeyCode::F(1), KeyModifiers::NONE);
    insta::assert_snapshot!("help_two_columns", screen_sized(&mut state, 150, 12));
    insta::assert_snapshot!("help_cut_short", screen_sized(&mut state, 72, 10));
    // Too short for all of it: Down and End scroll it, to the last key.
    press(&mut state, KeyCode::End, KeyModifiers::NONE);
    let end = screen_sized(&mut state, 72, 10);
    let last = rockchat::app::bindings::help_rows().last().unwrap().text;
    assert!(end.contains(last), "End shows the last key ({last}): {end}");
    press(&mut state, KeyCode::Up, KeyModifiers::NONE);
    let up = screen_sized(&mut state, 72, 10);
    assert_ne!(up, end, "Up after End moves at once");
    press(&mut state, KeyCode::Home, KeyModifiers::NONE);
    let first = rockchat::app::bindings::help_rows()[0].text;
    assert!(screen_sized(&mut state, 72, 10).contains(first), "Home, the first");
    press(&mut state, KeyCode::Char('x'), KeyModifiers::NONE);
    assert!(state.popup.is_none(), "any other key closes it");
}

/// F1 inside a popup lists that popup's keys over it; the next key only closes the list.
#[test]
fn f1_in_a_popup_lists_its_keys() {
    let mut state = new_state();
    press(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL);
    press(&mut state, KeyCode::F(1), KeyModifiers::NONE);
    insta::assert_snapshot!("picker_keys", screen(&mut state));
    let before = state.target.clone();
    press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    assert!(!state.popup_keys, "the next key closes the list of keys");
    assert!(state.popup.is_some(), "and not the picker");
    assert_eq!(state.target, before, "nor does it switch the model");
    press(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    press(&mut state, KeyCode::F(4), KeyModifiers::NONE);
    press(&mut state, KeyCode::F(1), KeyModifiers::NONE);
    let params = screen(&mut state);
    assert!(params.contains("Parameters: keys") && params.contains("the next field"), "{params}");
}

#[test]
fn system_editor_popup_shows_the_system_message() {
    let mut state = new_state();
    press(&mut state, KeyCode::F(3), KeyModifiers::NONE);
    insta::assert_snapshot!(screen(&mut state));
}

#[test]
fn tiny_and_odd_terminal_sizes_draw_without_panicking() {
    for (width, height) in [(1, 1), (2, 3), (5, 2), (10, 4), (20, 6), (300, 2)] {
        let mut state = new_state();
        let id = send(&mut state, "a prompt long enough to wrap several times in a narrow pane");
        update(
            &mut state,
            Msg::Api { id, event: delta("日本語 🦀 text\n\nmore"), at: Instant::now() },
        );
        press(&mut state, KeyCode::F(1), KeyModifiers::NONE);
        update(&mut state, Msg::Resize(width, height));
        let mut screen = Screen::default();
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|frame| _ = screen.draw(&state, frame)).unwrap();
        press(&mut state, KeyCode::Esc, KeyModifiers::NONE);
        press(&mut state, KeyCode::F(3), KeyModifiers::NONE);
        terminal.draw(|frame| _ = screen.draw(&state, frame)).unwrap();
        for popup in [KeyCode::F(4), KeyCode::Char('p')] {
            press(&mut state, KeyCode::Esc, KeyModifiers::NONE);
            let ctrl =
                if popup == KeyCode::F(4) { KeyModifiers::NONE } else { KeyModifiers::CONTROL };
            press(&mut state, popup, ctrl);
            terminal.draw(|frame| _ = screen.draw(&state, frame)).unwrap();
        }
    }
}

#[test]
fn model_picker_groups_models_by_provider() {
    let mut state = new_state();
    for (name, model, configured) in
        [("rockapi", "gpt-4o-mini", vec!["gpt-4.1"]), ("ollama", "llama3.2", vec![])]
    {
        let models = state.catalog.provider_mut(name);
        models.default_model = model.into();
        models.configured = configured.into_iter().map(String::from).collect();
        models.offered = true;
    }
    press(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL);
    let listed = vec![rockchat::api::models::ModelInfo {
        id: "o3-mini".into(),
        context_window: Some(200_000),
        price: None,
    }];
    update(&mut state, Msg::ModelsListed { provider: "rockapi".into(), result: Ok(listed) });
    insta::assert_snapshot!(screen(&mut state));
}

#[test]
fn parameters_popup_shows_fields_and_an_inline_error() {
    let mut state = new_state();
    press(&mut state, KeyCode::F(4), KeyModifiers::NONE);
    for c in "0.7".chars() {
        press(&mut state, KeyCode::Char(c), KeyModifiers::NONE);
    }
    press(&mut state, KeyCode::Tab, KeyModifiers::NONE);
    press(&mut state, KeyCode::Tab, KeyModifiers::NONE);
    for c in "lots".chars() {
        press(&mut state, KeyCode::Char(c), KeyModifiers::NONE);
    }
    press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    insta::assert_snapshot!(screen(&mut state));
}

#[test]
fn conversation_list_shows_titles_ages_and_highlighted_matches() {
    use rockchat::store::ConversationSummary;
    use rockchat::store::writer::StoreEvent;
    let mut state = new_state();
    press(&mut state, KeyCode::Char('l'), KeyModifiers::CONTROL);
    for c in "own".chars() {
        press(&mut state, KeyCode::Char(c), KeyModifiers::NONE);
    }
    let hour = 3_600_000;
    let items = vec![
        ConversationSummary {
            id: 1,
            title: "Explain ownership".into(),
            preview: "…Rust guarantees memory safety through [ownership]: every value…".into(),
            model: "gpt-4o-mini".into(),
            updated_at: 10 * hour - 5 * 60_000,
            messages: 4,
        },
        ConversationSummary {
            id: 2,
            title: "Who owns the borrow checker?".into(),
            preview: "the [owner] of a value…".into(),
            model: "llama3.2".into(),
            updated_at: 0,
            messages: 2,
        },
    ];
    update(
        &mut state,
        Msg::Stored(StoreEvent::Found { query: "own".into(), items, now_ms: 10 * hour }),
    );
    press(&mut state, KeyCode::Down, KeyModifiers::NONE);
    insta::assert_snapshot!(screen(&mut state));
}

#[test]
fn messages_outside_the_context_window_are_dimmed_and_marked_not_sent() {
    let target = Target { provider: "openai".into(), model: "gpt-4".into() };
    let mut state = State::new(target, "You are a helpful assistant".into(), false);
    state.counting.load_on_first_use();
    update(&mut state, Msg::Resize(WIDTH, HEIGHT));
    let now = Instant::now();
    for turn in 0..3 {
        let id = send(&mut state, &format!("question {turn}: {}", "lorem ipsum ".repeat(700)));
        event(&mut state, id, delta(&format!("answer {turn}")), now);
        event(&mut state, id, ApiEvent::Done, now);
    }
    send(&mut state, "and the newest question");
    screen(&mut state);
    press(&mut state, KeyCode::Home, KeyModifiers::NONE);
    let shown = screen(&mut state);
    assert!(shown.starts_with("● You\n  question 0"), "{shown}");
    let status = shown.lines().last().unwrap().to_owned();
    // Page down through the first question to its footer.
    let mut pages = 0;
    while !screen(&mut state).contains("⋯ not sent: older than what fits") {
        press(&mut state, KeyCode::PageDown, KeyModifiers::NONE);
        pages += 1;
        assert!(pages < 40, "no not-sent marker under the first question");
    }
    assert!(status.contains("/8.2k tok · 2 not sent"), "{status}");
}

#[test]
fn a_selected_message_has_a_gutter_bar_and_branches_and_pins_are_marked() {
    let mut state = new_state();
    let at = Instant::now();
    let id = send(&mut state, "Name a prime.");
    event(&mut state, id, delta("Two."), at);
    event(&mut state, id, ApiEvent::Done, at);
    press(&mut state, KeyCode::Char('r'), KeyModifiers::CONTROL);
    let id = state.stream.id().expect("the retry started");
    event(&mut state, id, delta("Seven, which is\nalso odd."), at);
    event(&mut state, id, ApiEvent::Done, at);
    press(&mut state, KeyCode::Tab, KeyModifiers::NONE);
    press(&mut state, KeyCode::Char('k'), KeyModifiers::NONE);
    press(&mut state, KeyCode::Char('p'), KeyModifiers::NONE);
    press(&mut state, KeyCode::Char('j'), KeyModifiers::NONE);
    insta::assert_snapshot!(screen(&mut state));
}

/// A conversation with a stored id, a title, parameters and its own system message, a reply
/// streaming, scrolled up: every part of "where am I".
fn orientation_state() -> State {
    let mut state = new_state();
    let now = Instant::now();
    let id = send(&mut state, "Explain the borrow checker with examples");
    let key = state.conversation.key;
    update(&mut state, Msg::Stored(rockchat::store::writer::StoreEvent::Created { key, id: 12 }));
    let long: String = (0..60).map(|n| format!("Line {n} of a long answer.\n\n")).collect();
    event(&mut state, id, delta(&long), now);
    state.conversation.system = "Answer like a pirate".into();
    state.conversation.params.temperature = Some(0.7);
    state.conversation.params.max_tokens = Some(256);
    state
}

#[test]
fn where_you_are_at_120x40_and_40x20() {
    for (width, height) in [(120, 40), (40, 20)] {
        let mut state = orientation_state();
        screen_sized(&mut state, width, height);
        press(&mut state, KeyCode::PageUp, KeyModifiers::NONE);
        let shown = screen_sized(&mut state, width, height);
        assert!(shown.contains("more lines"), "{shown}");
        insta::assert_snapshot!(format!("where_you_are_{width}x{height}"), shown);
    }
}

#[test]
fn the_status_line_drops_whole_parts_at_40_columns() {
    let mut state = new_state();
    let now = Instant::now();
    let id = send(&mut state, "Count to three");
    event(&mut state, id, delta("One, two, three."), now);
    let usage =
        Usage { prompt_tokens: 21, completion_tokens: 4, total_tokens: 25, ..Usage::default() };
    event(&mut state, id, ApiEvent::Stream(StreamEvent::Usage(usage)), now);
    event(&mut state, id, ApiEvent::Done, now);
    let narrow = screen_sized(&mut state, 40, 20);
    let status = narrow.lines().last().unwrap();
    assert!(!status.contains("last tur") && !status.contains("≈3."), "{status}");
    insta::assert_snapshot!("finished_turn_40x20", narrow);
    insta::assert_snapshot!("finished_turn_120x40", screen_sized(&mut state, 120, 40));
}

/// $2.50 in, $1.25 cached, $10 out per million for gpt-4o-mini, as `[models."gpt-4o-mini"]`
/// in the config would say.
fn priced(state: &mut State) {
    let price = rockchat::chat::price::Price {
        input: 2_500_000,
        cached_input: Some(1_250_000),
        output: 10_000_000,
        reasoning: None,
    };
    state.prices.insert("gpt-4o-mini".into(), price);
}

/// Two priced turns with cached and reasoning tokens, then a third from a model without a
/// price: the status line's last line at 120 and 40 columns.
#[test]
fn the_status_line_shows_the_last_turns_cost_and_the_total_and_drops_parts_when_narrow() {
    let mut state = new_state();
    priced(&mut state);
    let now = Instant::now();
    let turn = |state: &mut State, prompt: &str, usage: Usage| {
        let id = send(state, prompt);
        event(state, id, delta("An answer."), now);
        event(state, id, ApiEvent::Stream(StreamEvent::Usage(usage)), now);
        event(state, id, ApiEvent::Done, now);
    };
    let usage = Usage::new;
    turn(&mut state, "First", usage(1200, 0, 300, 0));
    turn(&mut state, "Second", usage(1600, 1024, 500, 200));
    let status = |state: &mut State, width| {
        screen_sized(state, width, 20).lines().last().unwrap().trim_end().to_owned()
    };
    // 576×2.5 + 1024×1.25 + 500×10 = 7720 µ$; the total adds the first 6000 µ$.
    let wide = status(&mut state, 120);
    assert!(wide.contains("last turn: 1.6k in · 500 out · $0.0077"), "{wide}");
    assert!(wide.contains("total 3.6k tok · $0.0137"), "{wide}");
    insta::assert_snapshot!("status_line_priced_120", wide);
    let narrow = status(&mut state, 40);
    assert!(!narrow.contains("total") && !narrow.contains("last tur"), "{narrow}");
    insta::assert_snapshot!("status_line_priced_40", narrow);
    // A model without a price: its cost is unknown, never $0, and the total says so.
    state.target.model = "mystery-model".into();
    turn(&mut state, "Third", usage(100, 0, 10, 0));
    let wide = status(&mut state, 120);
    assert!(wide.contains("last turn: 100 in · 10 out · cost unknown"), "{wide}");
    assert!(wide.contains("$0.0137 + ?"), "{wide}");
    insta::assert_snapshot!("status_line_unpriced_120", wide);
}

/// F8 puts each reply's usage under it (cached and reasoning tokens, the cost); `/context`
/// shows the next request part by part.
#[test]
fn f8_shows_each_replys_usage_and_the_palette_shows_the_context_breakdown() {
    let mut state = new_state();
    priced(&mut state);
    let now = Instant::now();
    let id = send(&mut state, "Explain borrowing in one line");
    event(&mut state, id, delta("A borrow lends a value without giving it away."), now);
    let usage = Usage::new(1600, 1024, 500, 200);
    event(&mut state, id, ApiEvent::Stream(StreamEvent::Usage(usage)), now);
    event(&mut state, id, ApiEvent::Done, now);
    let footer = "↳ 1600 in (1024 cached) · 500 out (200 reasoning) · $0.0077";
    assert!(!screen(&mut state).contains(footer), "hidden until asked");
    press(&mut state, KeyCode::F(8), KeyModifiers::NONE);
    let shown = screen(&mut state);
    assert!(shown.contains(footer), "{shown}");
    insta::assert_snapshot!("reply_usage_footer", shown);
    press(&mut state, KeyCode::F(8), KeyModifiers::NONE);
    assert!(!screen(&mut state).contains(footer));

    press(&mut state, KeyCode::Char('/'), KeyModifiers::NONE);
    for c in "context".chars() {
        press(&mut state, KeyCode::Char(c), KeyModifiers::NONE);
    }
    press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    let wide = screen_sized(&mut state, 120, 40);
    for part in ["system message", "pinned (0 messages)", "history sent (2 messages)"] {
        assert!(wide.contains(part), "{part}: {wide}");
    }
    for part in ["not sent (0 messages)", "reserved for the reply", "free", "window"] {
        assert!(wide.contains(part), "{part}: {wide}");
    }
    insta::assert_snapshot!("context_breakdown_120x40", wide);
    insta::assert_snapshot!("context_breakdown_40x20", screen_sized(&mut state, 40, 20));
    press(&mut state, KeyCode::Char('x'), KeyModifiers::NONE);
    assert!(state.popup.is_none(), "any key closes it");
}

#[test]
fn the_conversation_list_marks_the_open_one_and_keeps_columns_with_wide_titles() {
    use rockchat::store::ConversationSummary;
    use rockchat::store::writer::StoreEvent;
    for (width, height) in [(120, 40), (40, 20)] {
        let mut state = orientation_state();
        press(&mut state, KeyCode::Char('l'), KeyModifiers::CONTROL);
        let hour = 3_600_000;
        let item = |id, title: &str, model: &str| ConversationSummary {
            id,
            title: title.into(),
            preview: "a preview".into(),
            model: model.into(),
            updated_at: 0,
            messages: 2,
        };
        let items = vec![
            item(14, "日本語のタイトル 👨\u{200d}👩\u{200d}👧 とても長い", "llama3.2"),
            item(12, "Explain the borrow checker with examples", "gpt-4o-mini"),
            item(3, "Short", "gpt-4o"),
        ];
        update(
            &mut state,
            Msg::Stored(StoreEvent::Found { query: String::new(), items, now_ms: hour }),
        );
        let shown = screen_sized(&mut state, width, height);
        assert!(shown.contains("▌ ● Explain"), "the open one is selected:\n{shown}");
        insta::assert_snapshot!(format!("list_{width}x{height}"), shown);
    }
}

#[test]
fn the_model_picker_uses_the_width_and_wraps_its_errors() {
    for (width, height) in [(120, 40), (40, 20)] {
        let mut state = new_state();
        let models = state.catalog.provider_mut("rockapi");
        models.default_model = "gpt-4o-mini".into();
        models.offered = true;
        press(&mut state, KeyCode::Char('p'), KeyModifiers::CONTROL);
        let refused = ApiError::Network {
            message: "cannot connect to https://api.rockapi.ru/openai/v1 (Connection refused)"
                .into(),
        };
        update(&mut state, Msg::ModelsListed { provider: "rockapi".into(), result: Err(refused) });
        let shown = screen_sized(&mut state, width, height);
        assert!(shown.contains("configured models shown"), "{shown}");
        insta::assert_snapshot!(format!("picker_{width}x{height}"), shown);
    }
}

#[test]
fn the_command_palette_lists_actions_with_their_keys() {
    for (width, height) in [(120, 40), (40, 20)] {
        let mut state = new_state();
        press(&mut state, KeyCode::Char('/'), KeyModifiers::NONE);
        press(&mut state, KeyCode::Char('s'), KeyModifiers::NONE);
        let shown = screen_sized(&mut state, width, height);
        assert!(shown.contains("/system"), "{shown}");
        insta::assert_snapshot!(format!("palette_{width}x{height}"), shown);
    }
}

#[test]
fn help_wraps_whole_words_at_40_columns_and_fits_at_120() {
    for (width, height) in [(120, 40), (40, 20)] {
        let mut state = new_state();
        press(&mut state, KeyCode::F(1), KeyModifiers::NONE);
        let shown = screen_sized(&mut state, width, height);
        assert!(!shown.contains("ta│"), "{shown}");
        insta::assert_snapshot!(format!("help_{width}x{height}"), shown);
    }
}

/// Every cell's background after drawing `state` with `theme`.
fn backgrounds(state: &mut State, theme: rockchat::ui::theme::Theme) -> Vec<ratatui::style::Color> {
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    let mut screen = Screen::new(theme);
    terminal.draw(|frame| _ = screen.draw(state, frame)).unwrap();
    terminal.backend().buffer().content().iter().map(|cell| cell.bg).collect()
}

#[test]
fn a_theme_with_a_background_paints_every_cell_and_dark_and_light_paint_none() {
    use ratatui::style::Color;
    use rockchat::ui::theme::Theme;
    let mut state = new_state();
    let id = send(&mut state, "Show me some code");
    event(&mut state, id, delta("Here:\n\n```rust\nfn main() {}\n```\n\n> quoted"), Instant::now());
    let mut screens = vec![state];
    // The conversation list, renaming (which clears a row of the popup), and the picker.
    let mut library = new_state();
    press(&mut library, KeyCode::Char('l'), KeyModifiers::CONTROL);
    let item = rockchat::store::ConversationSummary {
        id: 1,
        title: "Explain ownership".into(),
        preview: "Rust guarantees memory safety".into(),
        model: "gpt-4o-mini".into(),
        updated_at: 0,
        messages: 2,
    };
    let found = rockchat::store::writer::StoreEvent::Found {
        query: String::new(),
        items: vec![item],
        now_ms: 60_000,
    };
    update(&mut library, Msg::Stored(found));
    press(&mut library, KeyCode::F(2), KeyModifiers::NONE);
    let mut picker = new_state();
    press(&mut picker, KeyCode::Char('p'), KeyModifiers::CONTROL);
    let mut help = new_state();
    press(&mut help, KeyCode::F(1), KeyModifiers::NONE);
    screens.extend([library, picker, help]);
    for state in &mut screens {
        for name in ["gruvbox", "solarized-dark", "solarized-light", "high-contrast"] {
            let unpainted = backgrounds(state, Theme::shipped(name))
                .into_iter()
                .filter(|bg| *bg == Color::Reset)
                .count();
            assert_eq!(unpainted, 0, "{name}: {unpainted} cells in the terminal's background");
        }
        for name in ["dark", "light"] {
            let painted = backgrounds(state, Theme::shipped(name))
                .into_iter()
                .filter(|bg| *bg != Color::Reset)
                .count();
            assert_eq!(painted, 0, "{name} keeps the terminal's background");
        }
    }
}

#[test]
fn prompts_sent_while_a_reply_streams_wait_above_the_input() {
    let mut state = new_state();
    let start = Instant::now();
    let id = send(&mut state, "Write a haiku about Rust");
    event(&mut state, id, delta("Borrowed, never lost —\n"), start);
    update(&mut state, Msg::Paste("and one about C".into()));
    press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    update(&mut state, Msg::Paste("then compare them, line by line, in a table please".into()));
    press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    insta::assert_snapshot!(screen(&mut state));
}

fn done(state: &mut State, id: RequestId) {
    event(state, id, ApiEvent::Done, Instant::now());
}

#[test]
fn few_shot_turns_written_by_you_are_marked_apart_from_the_models() {
    let mut state = new_state();
    update(&mut state, Msg::Paste("Translate: cat".into()));
    press(&mut state, KeyCode::Char('u'), KeyModifiers::ALT);
    update(&mut state, Msg::Paste("chat".into()));
    press(&mut state, KeyCode::Char('a'), KeyModifiers::ALT);
    let id = send(&mut state, "Translate: dog");
    event(&mut state, id, delta("chien"), Instant::now());
    done(&mut state, id);
    press(&mut state, KeyCode::Char('a'), KeyModifiers::ALT);
    insta::assert_snapshot!("few_shot_turns", screen(&mut state));
}

#[test]
fn attachments_are_listed_above_the_input_with_size_and_tokens() {
    use rockchat::chat::attachment::Attachment;
    let mut state = new_state();
    let file = Attachment::text_file("main.rs".into(), b"fn main() {}\n".to_vec()).unwrap();
    let file = file.with_tokens(rockchat::tokens::Counter::estimate(), 6);
    update(&mut state, Msg::Attached { result: Ok(file), paste: None });
    update(&mut state, Msg::Paste("https://example.org/cat.png".into()));
    update(&mut state, Msg::Paste("review this".into()));
    insta::assert_snapshot!("attachments_above_the_input", screen(&mut state));
    let id = send(&mut state, "");
    event(&mut state, id, delta("Looks fine."), Instant::now());
    done(&mut state, id);
    insta::assert_snapshot!("attachments_in_the_transcript", screen(&mut state));
}

#[test]
fn a_json_reply_is_pretty_printed_and_a_failed_check_says_where() {
    use rockchat::chat::json::ResponseFormat;
    let mut state = new_state();
    state.conversation.params.response_format = Some(ResponseFormat::JsonObject);
    let id = send(&mut state, "2+2 as JSON");
    event(&mut state, id, delta("{\"answer\":4,\"steps\":[\"2\",\"+2\"]}"), Instant::now());
    done(&mut state, id);
    let id = send(&mut state, "again");
    event(&mut state, id, delta("The answer is 4."), Instant::now());
    done(&mut state, id);
    insta::assert_snapshot!("json_replies", screen_sized(&mut state, WIDTH, 26));
}

#[test]
fn parameters_popup_takes_a_json_schema() {
    let mut state = new_state();
    press(&mut state, KeyCode::F(4), KeyModifiers::NONE);
    press(&mut state, KeyCode::BackTab, KeyModifiers::NONE);
    update(&mut state, Msg::Paste("{\"type\": 12}".into()));
    press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    insta::assert_snapshot!("parameters_json_schema_error", screen(&mut state));
}

#[test]
fn ctrl_n_offers_presets_and_save_preset_asks_a_name() {
    use rockchat::chat::preset::{Preset, Turn};
    let mut state = new_state();
    let translator = Preset {
        description: Some("English to French".into()),
        system_prompt: Some("Translate into French.".into()),
        turns: vec![Turn { user: Some("cat".into()), assistant: Some("chat".into()) }],
        ..Default::default()
    };
    let shell = Preset {
        system_prompt: Some("Answer with one shell command.".into()),
        model: Some("gpt-4o-mini".into()),
        params: rockchat::chat::params::RequestParams {
            temperature: Some(0.0),
            ..Default::default()
        },
        ..Default::default()
    };
    let config = std::collections::BTreeMap::from([
        ("translator".to_owned(), translator),
        ("shell".to_owned(), shell),
    ]);
    state.presets = rockchat::app::presets::Presets::new(&config, &[]);
    press(&mut state, KeyCode::Char('n'), KeyModifiers::CONTROL);
    press(&mut state, KeyCode::Down, KeyModifiers::NONE);
    insta::assert_snapshot!("presets_picker", screen(&mut state));
    press(&mut state, KeyCode::Down, KeyModifiers::NONE);
    press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    insta::assert_snapshot!("preset_applied", screen(&mut state));
    press(&mut state, KeyCode::Char('/'), KeyModifiers::NONE);
    for c in "save preset".chars() {
        press(&mut state, KeyCode::Char(c), KeyModifiers::NONE);
    }
    press(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    insta::assert_snapshot!("save_preset_name", screen(&mut state));
}

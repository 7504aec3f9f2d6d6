//! The screens the README shows, each built as the app builds it: from a fresh `State`, by
//! feeding the messages the driver would (keys, pasted text, stream events, store results)
//! to `update`. Only public APIs are used, so the scenes follow the app as it changes.
//!
//! Each scene checks that its screen still shows what its picture is for, so a change that
//! moves the point of a picture off screen fails here instead of shipping a picture of
//! something else.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rockchat::api::models::ModelInfo;
use rockchat::api::{ApiError, StreamEvent};
use rockchat::app::msg::RequestId;
use rockchat::app::state::Target;
use rockchat::app::{ApiEvent, Msg, State, update};
use rockchat::chat::{FinishReason, Usage};
use rockchat::store::ConversationSummary;
use rockchat::store::writer::StoreEvent;
use rockchat::ui::Screen;

pub const WIDTH: u16 = 100;
pub const HEIGHT: u16 = 28;

pub struct Scene {
    /// The picture's file name, before the theme's.
    pub name: &'static str,
    /// What the picture shows, for screen readers.
    pub title: &'static str,
    pub state: State,
}

pub fn all() -> Vec<Scene> {
    vec![reply(), picker(), library(), select(), trimmed(), error()]
}

fn new_state(provider: &str, model: &str) -> State {
    let target = Target { provider: provider.into(), model: model.into() };
    let mut state = State::new(target, "You are a helpful assistant".into(), false);
    // Exact counts, as the driver's background load gives them a moment after start.
    state.counting.load_on_first_use();
    // What `[models."gpt-4o-mini"]` in the config would price it at, per million tokens:
    // $0.15 in, $0.075 cached, $0.60 out. Other models stay unpriced, as without a config.
    let price = rockchat::chat::price::Price {
        input: 150_000,
        cached_input: Some(75_000),
        output: 600_000,
        reasoning: None,
    };
    state.prices.insert("gpt-4o-mini".into(), price);
    update(&mut state, Msg::Resize(WIDTH, HEIGHT));
    state
}

fn press(state: &mut State, code: KeyCode, modifiers: KeyModifiers) {
    update(state, Msg::Key(KeyEvent::new(code, modifiers)));
}

fn key(state: &mut State, code: KeyCode) {
    press(state, code, KeyModifiers::NONE);
}

fn ctrl(state: &mut State, c: char) {
    press(state, KeyCode::Char(c), KeyModifiers::CONTROL);
}

fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        key(state, KeyCode::Char(c));
    }
}

fn send(state: &mut State, text: &str) -> RequestId {
    update(state, Msg::Paste(text.into()));
    key(state, KeyCode::Enter);
    state.stream.id().expect("a request started")
}

fn event(state: &mut State, id: RequestId, event: ApiEvent, at: Instant) {
    update(state, Msg::Api { id, event, at });
}

/// `text` streamed in pieces of a few words, one every `every`, from `start`; returns when
/// the last arrived.
fn stream(
    state: &mut State,
    id: RequestId,
    text: &str,
    start: Instant,
    every: Duration,
) -> Instant {
    let mut at = start;
    for piece in text.split_inclusive(' ') {
        let delta = StreamEvent::Delta { content: piece.into(), reasoning: String::new() };
        event(state, id, ApiEvent::Stream(delta), at);
        at += every;
    }
    at
}

/// A whole turn: `prompt` answered with `reply`, finished, with its usage.
fn turn(state: &mut State, prompt: &str, reply: &str, at: Instant) {
    let id = send(state, prompt);
    let end = stream(state, id, reply, at, Duration::from_millis(20));
    // The server counts a little more than rockchat's estimate of the request sent.
    let sent = state.sent.map_or(0, |sent| sent.tokens);
    let usage = Usage {
        prompt_tokens: (sent * 11 / 10) as u64,
        completion_tokens: (reply.len() / 4) as u64,
        total_tokens: 0,
        ..Usage::default()
    };
    event(state, id, ApiEvent::Stream(StreamEvent::Finish(FinishReason::Stop)), end);
    event(state, id, ApiEvent::Stream(StreamEvent::Usage(usage)), end);
    event(state, id, ApiEvent::Done, end);
}

/// The screen as text, after drawing it and reporting what it showed, as the driver does
/// (scrolling moves from what was on screen).
pub fn shown(state: &mut State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("a test backend");
    let mut shown = None;
    terminal
        .draw(|frame| shown = Some(Screen::default().draw(state, frame)))
        .expect("a test backend draws");
    if let Some(shown) = shown {
        update(state, Msg::Shown(shown));
    }
    let buffer = terminal.backend().buffer();
    (0..HEIGHT)
        .map(|y| (0..WIDTH).map(|x| buffer[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

fn expect_on_screen(state: &mut State, scene: &str, words: &[&str]) {
    let screen = shown(state);
    for word in words {
        assert!(screen.contains(word), "the {scene} scene no longer shows {word:?}:\n{screen}");
    }
}

const QUESTION: &str = "How do I read a file line by line in Rust, and count the lines?";

const ANSWER: &str = "Wrap the file in a **`BufReader`**: it reads in large chunks, and \
`lines()` gives one `String` per line.

```rust
use std::fs::File;
use std::io::{self, BufRead, BufReader};

fn main() -> io::Result<()> {
    let file = File::open(\"notes.txt\")?;
    let mut count = 0;
    for line in BufReader::new(file).lines() {
        println!(\"{}\", line?); // without its newline
        count += 1;
    }
    println!(\"{count} lines\");
    Ok(())
}
```

- `lines()` strips the `\\n`, and a `\\r` before it.
- Each line is a `Result`: reading can fail halfway, so `?` passes the error up.
- For *huge* files this never holds more than one line in memory.";

/// A reply streaming in: markdown, a highlighted code block, the rate in the status line,
/// and the next question already being typed.
fn reply() -> Scene {
    let mut state = new_state("rockapi", "gpt-4o-mini");
    let start = Instant::now();
    let id = send(&mut state, QUESTION);
    let cut = ANSWER.find("more than one line").expect("the answer's last line");
    stream(&mut state, id, &ANSWER[..cut], start, Duration::from_millis(25));
    type_text(&mut state, "And if the file is not UTF-8?");
    expect_on_screen(&mut state, "reply", &["╭─ rust", "BufReader::new", "streaming", "tok/s"]);
    Scene { name: "reply", title: "A reply streaming in, with a highlighted code block", state }
}

/// The model picker: every provider's models, fetched from each server, grouped.
fn picker() -> Scene {
    let mut state = new_state("rockapi", "gpt-4o-mini");
    let at = Instant::now();
    turn(&mut state, "One word for a fast, reliable chat client?", "**Rockchat.**", at);
    let providers: [(&str, &str, &[&str]); 4] = [
        ("rockapi", "gpt-4o-mini", &["gpt-4.1"]),
        ("ollama", "llama3.2", &[]),
        ("openrouter", "openai/gpt-4o-mini", &[]),
        ("llamacpp", "default", &["qwen2.5-7b-instruct"]),
    ];
    for (name, model, configured) in providers {
        let models = state.catalog.provider_mut(name);
        models.default_model = model.into();
        models.configured = configured.iter().map(|m| (*m).to_owned()).collect();
        models.offered = true;
    }
    ctrl(&mut state, 'p');
    let model = |id: &str, window: Option<usize>| ModelInfo {
        id: id.into(),
        context_window: window,
        price: None,
    };
    let rockapi = vec![
        model("gpt-4o-mini", Some(128_000)),
        model("gpt-4o", Some(128_000)),
        model("gpt-4.1", Some(1_047_576)),
        model("o3-mini", Some(200_000)),
    ];
    let ollama = vec![model("llama3.2", Some(131_072)), model("qwen2.5-coder:7b", Some(32_768))];
    let refused = ApiError::Auth {
        status: 401,
        message: "No auth credentials found".into(),
        key_hint: "no key was sent, because OPENROUTER_API_KEY is not set".into(),
    };
    for (provider, result) in
        [("rockapi", Ok(rockapi)), ("ollama", Ok(ollama)), ("openrouter", Err(refused))]
    {
        update(&mut state, Msg::ModelsListed { provider: provider.into(), result });
    }
    key(&mut state, KeyCode::Down);
    let shows = ["qwen2.5-coder:7b", "no server list (HTTP 401)", "llamacpp fetching"];
    expect_on_screen(&mut state, "picker", &shows);
    Scene { name: "picker", title: "The model picker (Ctrl+P), grouped by provider", state }
}

/// The conversation list searching every message, matches highlighted.
fn library() -> Scene {
    let mut state = new_state("rockapi", "gpt-4o-mini");
    ctrl(&mut state, 'l');
    type_text(&mut state, "borrow");
    let hour = 3_600_000;
    let now = 400 * hour;
    let item =
        |id, title: &str, preview: &str, model: &str, age: i64, messages| ConversationSummary {
            id,
            title: title.into(),
            preview: preview.into(),
            model: model.into(),
            updated_at: now - age,
            messages,
        };
    let items = vec![
        item(
            12,
            "Explain ownership",
            "…a reference [borrows] the value: the owner keeps it, and the [borrow] checker makes sure it outlives every reference…",
            "gpt-4o-mini",
            5 * 60_000,
            6,
        ),
        item(
            9,
            "Why does this not compile?",
            "…cannot [borrow] `list` as mutable because it is also [borrowed] as immutable…",
            "claude-sonnet-4",
            3 * hour,
            4,
        ),
        item(
            7,
            "Rc<RefCell<T>> or an arena?",
            "…RefCell moves the [borrow] check to run time: a second mutable [borrow] panics…",
            "llama3.2",
            2 * 24 * hour,
            12,
        ),
        item(
            5,
            "Lifetimes in a struct that holds a &str",
            "…the struct [borrows] the text, so it cannot outlive the String it came from…",
            "gpt-4o",
            4 * 24 * hour,
            10,
        ),
        item(
            3,
            "Review: the store writer",
            "…the writer thread [borrows] nothing from the UI: every message is owned…",
            "gpt-4.1",
            9 * 24 * hour,
            8,
        ),
        item(
            2,
            "Two-phase borrows, explained simply",
            "…`v.push(v.len())` compiles because the mutable [borrow] only starts after the argument…",
            "o3-mini",
            30 * 24 * hour,
            4,
        ),
    ];
    update(
        &mut state,
        Msg::Stored(StoreEvent::Found { query: "borrow".into(), items, now_ms: now }),
    );
    key(&mut state, KeyCode::Down);
    expect_on_screen(&mut state, "library", &["Conversations", "Search: borrow", "Why does this"]);
    Scene { name: "library", title: "Saved conversations (Ctrl+L), searched", state }
}

/// Select mode: a retried reply, the second branch, is selected; a prompt is pinned.
fn select() -> Scene {
    let mut state = new_state("rockapi", "gpt-4o-mini");
    let at = Instant::now();
    turn(
        &mut state,
        "Suggest a name for a terminal app that chats with language models.",
        "**termtalk**: says what it does, and is easy to type.",
        at,
    );
    ctrl(&mut state, 'r');
    let id = state.stream.id().expect("the retry started");
    let second = "A few, each short to type:\n\n1. **rockchat**: solid and quick.\n\
                  2. **parley**: a conversation, with a hint of negotiation.\n\
                  3. **tty-talk**: plain about where it lives.";
    let end = stream(&mut state, id, second, at, Duration::from_millis(20));
    event(&mut state, id, ApiEvent::Done, end);
    turn(
        &mut state,
        "Which one would you pick?",
        "**rockchat**: it is the one people remember.",
        at,
    );
    // From the last reply up to the first prompt, which is pinned, and down to the retried
    // reply, which stays selected.
    key(&mut state, KeyCode::Tab);
    for _ in 0..3 {
        key(&mut state, KeyCode::Char('k'));
    }
    key(&mut state, KeyCode::Char('p'));
    key(&mut state, KeyCode::Char('j'));
    expect_on_screen(&mut state, "select", &["SELECT", "branch 2/2", "pinned"]);
    Scene { name: "select", title: "Select mode: a message selected, a branch, a pin", state }
}

const PAGES: usize = 1;

/// A long conversation trimmed to a small context window: what was left out is dimmed and
/// marked, and the meter says how much is sent.
fn trimmed() -> Scene {
    let mut state = new_state("ollama", "llama3.2");
    state.windows.insert("llama3.2".into(), (300, Some(80)));
    let at = Instant::now();
    let turns = [
        (
            "What is a context window?",
            "The most tokens a model reads at once: your messages, its replies and the system message together. Anything older than what fits is simply not seen, as if it had never been said.",
        ),
        (
            "And when a chat grows longer than that?",
            "The client has to choose what to send. rockchat keeps the system message and the newest turns, leaves out whole older turns (never half of one), and keeps room free for the reply.",
        ),
        (
            "Can I keep an old message anyway?",
            "Pin it: select it with Tab and press p, and it is always sent, whatever its age. It still counts against the window like any other message.",
        ),
        (
            "How do I see what was left out?",
            "It stays on screen, dimmed, with a note under it, and the status line counts the messages not sent next to the tokens used.",
        ),
        (
            "Summarise all that in one line.",
            "Newest turns and pins go; whole old turns stay home, and you can see which.",
        ),
    ];
    for (prompt, reply) in turns {
        turn(&mut state, prompt, reply, at);
    }
    shown(&mut state);
    for _ in 0..PAGES {
        key(&mut state, KeyCode::PageUp);
        shown(&mut state);
    }
    expect_on_screen(&mut state, "trimmed", &["not sent: older than", "not sent ·", "/300 tok"]);
    Scene { name: "trimmed", title: "A long conversation trimmed to the model's window", state }
}

/// Two failures: a reply cut off by a dropped connection, its text kept, and a request
/// refused; each with the server's words and what to do.
fn error() -> Scene {
    let mut state = new_state("rockapi", "gpt-4o-mini");
    let at = Instant::now();
    let id = send(&mut state, "Explain the borrow checker in three short points.");
    let partial = "- Every value has **one owner**; when the owner goes, the value is freed.\n\
                   - You may lend it out: many `&` readers, or one `&mut` writer, never both at";
    let end = stream(&mut state, id, partial, at, Duration::from_millis(20));
    let dropped =
        ApiError::Network { message: "the connection closed before the reply finished".into() };
    event(&mut state, id, ApiEvent::Failed(dropped), end);
    let id = send(&mut state, "Translate \"nothing is ever lost\" into French.");
    let refused = ApiError::Auth {
        status: 401,
        message: "Incorrect API key provided: rk-12…6789 (invalid_request_error, invalid_api_key)"
            .into(),
        key_hint: "it was read from ROCKAPI_API_KEY".into(),
    };
    event(&mut state, id, ApiEvent::Failed(refused), end);
    let shows = ["the text above is kept", "HTTP 401", "it was read from ROCKAPI_API_KEY"];
    expect_on_screen(&mut state, "error", &shows);
    Scene { name: "error", title: "Failed requests: what arrived is kept, with what to do", state }
}

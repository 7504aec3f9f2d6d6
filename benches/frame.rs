//! Frame cost against history length, and the cost of ingesting streamed deltas.
//!
//! The promise: a frame costs the same with 10 or 10,000 messages (5 MB of markdown with
//! highlighted code), and a delta costs the same at the start and the end of a long reply.

use std::hint::black_box;
use std::time::Instant;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rockchat::api::StreamEvent;
use rockchat::app::msg::RequestId;
use rockchat::app::state::Target;
use rockchat::app::{ApiEvent, Msg, State, update};
use rockchat::chat::tools::{CallState, Outcome, ToolCall, ToolResult};
use rockchat::ui::Screen;

/// One realistic reply, about 1 kB: a heading, emphasis, a nested list, a highlighted
/// code block, a quote with a link and a table. `n` makes each one different.
fn reply(n: usize) -> String {
    format!(
        "## Step {n}: borrowing\n\n\
         Rust's ownership model lets the compiler prove **memory safety** without a garbage \
         collector; the borrow checker keeps `&T` and `&mut T` references valid for exactly as \
         long as they are used. Moving a value hands it over; borrowing lends it, and the \
         lender may not change it while the loan lasts. Read the compiler's errors: they \
         explain the rule that was broken and often the fix.\n\n\
         1. Each value has one *owner*.\n\
         2. There can be many shared borrows or one mutable borrow.\n   - never both at once\n\
         3. When the owner goes out of scope the value is dropped.\n\n\
         ```rust\n\
         fn longest<'a>(x: &'a str, y: &'a str) -> &'a str {{\n    if x.len() > y.len() {{ x }} else {{ y }}\n}}\n\n\
         fn main() {{\n    let a = String::from(\"abcd\");\n    let result = longest(a.as_str(), \"xyz\");\n\
         \x20   println!(\"The longest string is {{result}} ({n})\");\n}}\n\
         ```\n\n\
         > Note: see [the book](https://doc.rust-lang.org/book/ch10-03-lifetime-syntax.html) for more.\n\n\
         | Borrow | Count | Mutable |\n|---|---:|:---:|\n| `&T` | many | no |\n| `&mut T` | one | yes |\n"
    )
}

fn start_reply(state: &mut State, prompt: &str) -> RequestId {
    update(state, Msg::Paste(prompt.into()));
    update(state, Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Enter)));
    state.stream.id().expect("request started")
}

fn conversation(messages: usize) -> (State, Screen) {
    let target = Target { provider: "bench".into(), model: "model".into() };
    let mut state = State::new(target, "You are a helpful assistant".into(), false);
    update(&mut state, Msg::Resize(120, 40));
    let at = Instant::now();
    let mut bytes = 0;
    for n in 0..messages / 2 {
        let id = start_reply(&mut state, "A question about ownership and borrowing?");
        let content = reply(n);
        bytes += content.len() + 41;
        update(
            &mut state,
            Msg::Api {
                id,
                event: ApiEvent::Stream(StreamEvent::Delta { content, reasoning: String::new() }),
                at,
            },
        );
        update(&mut state, Msg::Api { id, event: ApiEvent::Done, at });
    }
    let laid_out = Instant::now();
    let mut screen = Screen::default();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    draw(&mut terminal, &mut state, &mut screen);
    eprintln!(
        "{messages} messages, {:.1} MB of markdown, first layout {:?}",
        bytes as f64 / 1e6,
        laid_out.elapsed()
    );
    (state, screen)
}

/// One frame, as the driver draws it: laid out, drawn, and what it showed reported back.
fn draw(terminal: &mut Terminal<TestBackend>, state: &mut State, screen: &mut Screen) {
    let mut shown = None;
    terminal.draw(|frame| shown = Some(screen.draw(black_box(state), frame))).expect("draw");
    if let Some(shown) = shown.filter(|shown| state.view.shown != Some(*shown)) {
        update(state, Msg::Shown(shown));
    }
}

fn frame_cost(c: &mut Criterion) {
    for messages in [10, 10_000] {
        let (mut state, mut screen) = conversation(messages);
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
        c.bench_function(&format!("frame/{messages}_messages"), |b| {
            b.iter(|| {
                draw(&mut terminal, &mut state, &mut screen);
            })
        });
        // A theme that paints its own background paints every cell of every frame.
        let mut painted = Screen::new(rockchat::ui::theme::Theme::shipped("gruvbox"));
        c.bench_function(&format!("frame/{messages}_messages_painted_background"), |b| {
            b.iter(|| {
                draw(&mut terminal, &mut state, &mut painted);
            })
        });
    }
}

/// Every reply made two tool calls, answered: arguments shown as pretty JSON, a 40-line
/// result folded to its first lines. Such a reply costs a frame no more than another.
fn with_tool_calls(state: &mut State) {
    let result: String = (1..=40).map(|n| format!("row {n}: 42\n")).collect();
    for index in 0..state.conversation.messages().len() {
        let Some(message) = state.conversation.edit(index) else { continue };
        if message.role != rockchat::chat::Role::Assistant {
            continue;
        }
        message.tool_calls = (0..2)
            .map(|n| ToolCall {
                id: format!("call_{index}_{n}"),
                name: "query".into(),
                arguments: format!(
                    r#"{{"table": "orders", "limit": {n}, "where": {{"id": {index}}}}}"#
                ),
                server: Some("db".into()),
                state: CallState::Done(ToolResult {
                    outcome: Outcome::Ok,
                    content: result.clone(),
                }),
            })
            .collect();
    }
}

fn frame_cost_with_tool_calls(c: &mut Criterion) {
    for messages in [10, 10_000] {
        let (mut state, mut screen) = conversation(messages);
        with_tool_calls(&mut state);
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
        draw(&mut terminal, &mut state, &mut screen);
        c.bench_function(&format!("frame/{messages}_messages_with_tool_calls"), |b| {
            b.iter(|| {
                draw(&mut terminal, &mut state, &mut screen);
            })
        });
    }
}

/// Every prompt carries a 640×480 photo-sized PNG, drawn with half blocks (decoded on the
/// images thread before the timing starts, as it is a frame or two after it shows): a frame
/// with images costs no more than one without, at any length.
fn frame_cost_with_images(c: &mut Criterion) {
    let photo = image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut png = std::io::Cursor::new(Vec::new());
    photo.write_to(&mut png, image::ImageFormat::Png).expect("encode");
    let attachment =
        rockchat::chat::attachment::Attachment::from_bytes("photo.png".into(), png.into_inner())
            .expect("an image");
    for messages in [10, 10_000] {
        let (mut state, _) = conversation(messages);
        for index in 0..state.conversation.messages().len() {
            let Some(message) = state.conversation.edit(index) else { continue };
            if message.role == rockchat::chat::Role::User {
                message.images.push(attachment.clone());
            }
        }
        let (ready, told) = std::sync::mpsc::channel();
        let mut screen = Screen::default();
        screen.set_pictures(rockchat::ui::pictures::Pictures::new(
            rockchat::ui::pictures::Graphics::blocks(),
            move || {
                let _ = ready.send(());
            },
        ));
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
        // Up a page at a time from the bottom until a prompt's whole image is on screen.
        for _ in 0..4 {
            draw(&mut terminal, &mut state, &mut screen);
            let pictures = screen.transcript().pictures();
            if pictures.pending() + pictures.kept() > 0 {
                break;
            }
            let page_up = crossterm::event::KeyEvent::from(crossterm::event::KeyCode::PageUp);
            update(&mut state, Msg::Key(page_up));
        }
        told.recv_timeout(std::time::Duration::from_secs(60)).expect("an image decoded");
        draw(&mut terminal, &mut state, &mut screen);
        assert!(screen.transcript().pictures().kept() > 0, "an image is drawn");
        c.bench_function(&format!("frame/{messages}_messages_with_images"), |b| {
            b.iter(|| {
                draw(&mut terminal, &mut state, &mut screen);
            })
        });
    }
}

/// What `markdown::warm_up` loads on a background thread at start: the first code block
/// drawn waits for at most this long, and only if it comes before the loading is done.
fn highlighter_load_cost(c: &mut Criterion) {
    let mut group = c.benchmark_group("startup");
    group.sample_size(10);
    // The colours are the theme's: only the grammars are loaded.
    group.bench_function("load_syntaxes", |b| {
        b.iter(|| black_box(syntect::parsing::SyntaxSet::load_defaults_newlines()))
    });
    group.finish();
}

/// A resize drops every layout; the next frame lays out only what is near the screen.
fn resize_cost(c: &mut Criterion) {
    let (mut state, mut screen) = conversation(10_000);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    let mut width = 120;
    c.bench_function("resize/10000_messages", |b| {
        b.iter(|| {
            width = if width == 120 { 119 } else { 120 };
            terminal.backend_mut().resize(width, 40);
            update(&mut state, Msg::Resize(width, 40));
            draw(&mut terminal, &mut state, &mut screen);
        })
    });
}

/// One frame's worth of streaming: 20 deltas then a layout and a draw, late in an 80 kB
/// markdown reply, half-way through a code block.
fn streaming_cost(c: &mut Criterion) {
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    let code = "    let value = compute(input, &mut cache);\n";
    c.bench_function("stream/20_deltas_then_frame_at_80kB_markdown_reply", |b| {
        b.iter_batched(
            || {
                let (mut state, _) = conversation(10);
                let id = start_reply(&mut state, "Write a long answer");
                let at = Instant::now();
                let mut content: String = (0..80).map(reply).collect();
                content.push_str("```rust\nfn main() {\n");
                let event =
                    ApiEvent::Stream(StreamEvent::Delta { content, reasoning: String::new() });
                update(&mut state, Msg::Api { id, event, at });
                let mut screen = Screen::default();
                let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
                draw(&mut terminal, &mut state, &mut screen);
                (state, screen, id, at)
            },
            |(mut state, mut screen, id, at)| {
                for piece in code.split_inclusive(' ').cycle().take(20) {
                    let event = ApiEvent::Stream(StreamEvent::Delta {
                        content: piece.into(),
                        reasoning: String::new(),
                    });
                    update(&mut state, Msg::Api { id, event, at });
                }
                draw(&mut terminal, &mut state, &mut screen);
                // Dropped outside the measurement, as the driver keeps both.
                (state, screen)
            },
            BatchSize::SmallInput,
        )
    });
}

/// A key in select mode (k or j, alternating near the newest message) and the frame after
/// it: the selection is painted over cached lines, so this should not grow with history.
fn select_cost(c: &mut Criterion) {
    use crossterm::event::{KeyCode, KeyEvent};
    for messages in [10, 10_000] {
        let (mut state, mut screen) = conversation(messages);
        update(&mut state, Msg::Key(KeyEvent::from(KeyCode::Tab)));
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
        let mut up = true;
        c.bench_function(&format!("select/move_then_frame_{messages}_messages"), |b| {
            b.iter(|| {
                let key = if up { 'k' } else { 'j' };
                up = !up;
                update(&mut state, Msg::Key(KeyEvent::from(KeyCode::Char(key))));
                draw(&mut terminal, &mut state, &mut screen);
            })
        });
    }
}

/// A reply streamed without end, a few characters per delta, with a frame after every 20:
/// the time per delta, layout and drawing amortised, must stay far under 50 µs so 20,000
/// deltas a second never fall behind, however long the reply grows.
fn delta_cost(c: &mut Criterion) {
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    let (mut state, mut screen) = conversation(10);
    let id = start_reply(&mut state, "Write an endless answer");
    let at = Instant::now();
    let source: String = (0..50).map(reply).collect();
    let deltas: Vec<String> = source
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect();
    let mut next = 0;
    c.bench_function("stream/one_delta_amortised_with_a_frame_per_20", |b| {
        b.iter_custom(|iters| {
            let started = Instant::now();
            for i in 0..iters {
                let content = deltas[next % deltas.len()].clone();
                next += 1;
                let event =
                    ApiEvent::Stream(StreamEvent::Delta { content, reasoning: String::new() });
                update(&mut state, Msg::Api { id, event, at });
                if i % 20 == 19 {
                    draw(&mut terminal, &mut state, &mut screen);
                }
            }
            started.elapsed()
        })
    });
    eprintln!(
        "reply streamed to {} kB",
        state.conversation.messages().last().map_or(0, |m| m.content.len() / 1000)
    );
}

criterion_group!(
    benches,
    highlighter_load_cost,
    frame_cost,
    frame_cost_with_tool_calls,
    frame_cost_with_images,
    resize_cost,
    streaming_cost,
    select_cost,
    delta_cost
);
criterion_main!(benches);

//! Frame cost against history length, and the cost of ingesting streamed deltas.
//!
//! The promise: a frame costs the same with 10 or 10,000 messages, and a delta costs the
//! same at the start and the end of a long reply.

use std::hint::black_box;
use std::time::Instant;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rockchat::app::state::Target;
use rockchat::app::{ApiEvent, Msg, State, update};

const PARAGRAPH: &str = "Rust's ownership model lets the compiler prove memory safety without a garbage collector, \
and the borrow checker keeps references valid for exactly as long as they are used.\n\
- one item of a list\n- another item of a list\n\n";

fn conversation(messages: usize) -> State {
    let target = Target { provider: "bench".into(), model: "model".into() };
    let mut state = State::new(target, "You are a helpful assistant".into(), false);
    update(&mut state, Msg::Resize(120, 40));
    let at = Instant::now();
    for _ in 0..messages / 2 {
        update(&mut state, Msg::Paste("A question about ownership?".into()));
        update(
            &mut state,
            Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Enter)),
        );
        let id = state.stream.id().expect("request started");
        let content = PARAGRAPH.repeat(2);
        update(
            &mut state,
            Msg::Api { id, event: ApiEvent::Delta { content, reasoning: String::new() }, at },
        );
        update(&mut state, Msg::Api { id, event: ApiEvent::Done, at });
    }
    state.prepare_frame();
    state
}

fn frame_cost(c: &mut Criterion) {
    for messages in [10, 10_000] {
        let mut state = conversation(messages);
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
        c.bench_function(&format!("frame/{messages}_messages"), |b| {
            b.iter(|| {
                state.prepare_frame();
                terminal
                    .draw(|frame| rockchat::ui::render(black_box(&state), frame))
                    .expect("draw");
            })
        });
    }
}

/// One frame's worth of streaming: 20 deltas then a layout and a draw, late in a long reply.
fn streaming_cost(c: &mut Criterion) {
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    c.bench_function("stream/20_deltas_then_frame_at_80kB_reply", |b| {
        b.iter_batched(
            || {
                let mut state = conversation(10);
                update(&mut state, Msg::Paste("Write a long answer".into()));
                update(
                    &mut state,
                    Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Enter)),
                );
                let id = state.stream.id().expect("request started");
                let at = Instant::now();
                let content = PARAGRAPH.repeat(400);
                update(
                    &mut state,
                    Msg::Api {
                        id,
                        event: ApiEvent::Delta { content, reasoning: String::new() },
                        at,
                    },
                );
                state.prepare_frame();
                (state, id, at)
            },
            |(mut state, id, at)| {
                for _ in 0..20 {
                    let event =
                        ApiEvent::Delta { content: " token".into(), reasoning: String::new() };
                    update(&mut state, Msg::Api { id, event, at });
                }
                state.prepare_frame();
                terminal.draw(|frame| rockchat::ui::render(&state, frame)).expect("draw");
                state
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
        let mut state = conversation(messages);
        update(&mut state, Msg::Key(KeyEvent::from(KeyCode::Tab)));
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
        let mut up = true;
        c.bench_function(&format!("select/move_then_frame_{messages}_messages"), |b| {
            b.iter(|| {
                let key = if up { 'k' } else { 'j' };
                up = !up;
                update(&mut state, Msg::Key(KeyEvent::from(KeyCode::Char(key))));
                state.prepare_frame();
                terminal
                    .draw(|frame| rockchat::ui::render(black_box(&state), frame))
                    .expect("draw");
            })
        });
    }
}

criterion_group!(benches, frame_cost, streaming_cost, select_cost);
criterion_main!(benches);

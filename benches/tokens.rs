//! Token counting speed: 1 MB of mixed text, and the cost of one keystroke (the meter is
//! recounted) with a 100,000-token history, which must stay well under 1 ms, and in a 1 KB
//! and a 20 MB draft, whose meter share must cost the same: the draft is never recounted
//! whole on a key (a long one is counted in the background).

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent};
use rockchat::api::StreamEvent;
use rockchat::app::state::Target;
use rockchat::app::{ApiEvent, Msg, State, meter, update};
use rockchat::tokens::Counter;

const MIXED: &str = "Rust's ownership model: `let x = vec![1, 2, 3];` — borrowed, never lost. \
Ünïcödé, 日本語のテキスト, emoji 🦀🚀, numbers 3.14159 and URLs https://example.com/a?b=c.\n";

fn counting(c: &mut Criterion) {
    let megabyte = MIXED.repeat(1_000_000 / MIXED.len());
    let counter = Counter::for_model("gpt-4o");
    counter.count("warm up");
    c.bench_function("tokens/count_1MB_mixed_o200k", |b| {
        b.iter(|| black_box(counter.count(&megabyte)))
    });
}

fn keystroke(c: &mut Criterion) {
    let target = Target { provider: "bench".into(), model: "gpt-4o".into() };
    let mut state = State::new(target, "You are a helpful assistant".into(), false);
    state.counting.load_on_first_use();
    update(&mut state, Msg::Resize(120, 40));
    let at = Instant::now();
    // 250 turns of about 400 tokens: 100,000 tokens of history.
    for _ in 0..250 {
        update(&mut state, Msg::Paste(MIXED.repeat(5)));
        update(&mut state, Msg::Key(KeyEvent::from(KeyCode::Enter)));
        let id = state.stream.id().expect("request started");
        let content = MIXED.repeat(5);
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
    let meter = state.meter.expect("meter");
    assert!(meter.tokens > 90_000, "{meter:?}");
    update(&mut state, Msg::Paste("A draft prompt of a few words".into()));
    c.bench_function("tokens/keystroke_with_100k_token_history", |b| {
        b.iter(|| {
            update(&mut state, Msg::Key(KeyEvent::from(KeyCode::Char('x'))));
            update(&mut state, Msg::Key(KeyEvent::from(KeyCode::Backspace)));
        })
    });
}

/// A keystroke at the end of a draft of `bytes` (lines of mixed text) with a short history.
fn keystroke_in_draft(c: &mut Criterion, name: &str, bytes: usize) {
    let target = Target { provider: "bench".into(), model: "gpt-4o".into() };
    let mut state = State::new(target, "You are a helpful assistant".into(), false);
    state.counting.load_on_first_use();
    update(&mut state, Msg::Resize(120, 40));
    update(&mut state, Msg::Paste(MIXED.repeat(bytes.div_ceil(MIXED.len()))));
    c.bench_function(&format!("{name}/whole_key"), |b| {
        b.iter(|| {
            update(&mut state, Msg::Key(KeyEvent::from(KeyCode::Char('x'))));
            update(&mut state, Msg::Key(KeyEvent::from(KeyCode::Backspace)));
        })
    });
    // The meter's share alone (the rest of a key is the text area's own editing).
    c.bench_function(&format!("{name}/meter"), |b| {
        b.iter(|| black_box(meter::refresh_meter(&mut state)))
    });
}

fn keystroke_by_draft_size(c: &mut Criterion) {
    keystroke_in_draft(c, "tokens/keystroke_in_1KB_draft", 1_000);
    keystroke_in_draft(c, "tokens/keystroke_in_20MB_draft", 20_000_000);
}

criterion_group!(benches, counting, keystroke, keystroke_by_draft_size);
criterion_main!(benches);

//! Printing a finished reply into inline mode's scrollback: the lines of a long markdown
//! reply (headings, lists, highlighted code, a table) written as the terminal gets them.
//!
//! The promise: printing a reply costs a small part of streaming it. `direct` is what inline
//! mode does (styled text straight to the writer); `cells` is the cell buffer and
//! `Backend::draw` path it replaced, kept as the yardstick.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::backend::CrosstermBackend;
use ratatui::text::Line;
use rockchat::api::StreamEvent;
use rockchat::app::state::Target;
use rockchat::app::{ApiEvent, Msg, State, update};
use rockchat::term::print::{Scrollback, print_cells};
use rockchat::ui::Screen;

const WIDTH: u16 = 120;

/// A section of a long answer, about 700 bytes; `n` makes each one different.
fn section(n: usize) -> String {
    format!(
        "### Part {n}\n\n\
         The scheduler keeps **one queue per core** and steals work from a neighbour when its \
         own runs dry; a task that blocks hands its core back, so `spawn_blocking` is the \
         place for file IO and long computations.\n\n\
         - wake-ups are *batched* per tick\n- the budget is {n} polls before a yield\n\n\
         ```rust\nlet handle = tokio::spawn(async move {{\n    work({n}).await\n}});\n\
         handle.await?;\n```\n\n\
         | Knob | Default |\n|---|---:|\n| workers | cores |\n| budget | {n} |\n\n"
    )
}

/// The lines inline mode prints for one finished reply of `sections` sections.
fn reply_lines(sections: usize) -> Vec<Line<'static>> {
    let target = Target { provider: "bench".into(), model: "model".into() };
    let mut state = State::new(target, "You are a helpful assistant".into(), false);
    update(&mut state, Msg::Resize(WIDTH, 40));
    update(&mut state, Msg::Paste("Explain the scheduler at length".into()));
    update(
        &mut state,
        Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Enter)),
    );
    let id = state.stream.id().expect("request started");
    let content: String = (0..sections).map(section).collect();
    let at = Instant::now();
    let event = ApiEvent::Stream(StreamEvent::Delta { content, reasoning: String::new() });
    update(&mut state, Msg::Api { id, event, at });
    update(&mut state, Msg::Api { id, event: ApiEvent::Done, at });
    let mut screen = Screen::default();
    screen.to_print(&state, WIDTH, 40, true)
}

fn print_cost(c: &mut Criterion) {
    // About 80,000 tokens of markdown.
    let lines = reply_lines(400);
    eprintln!("{} lines", lines.len());
    let mut group = c.benchmark_group("print");
    group.sample_size(20);
    let mut backend = CrosstermBackend::new(Counted(0));
    group.bench_function(format!("direct/{}_lines", lines.len()), |b| {
        b.iter(|| {
            for chunk in lines.chunks(35) {
                backend.print(0, black_box(chunk), WIDTH).expect("counted");
            }
        })
    });
    group.bench_function(format!("cells/{}_lines", lines.len()), |b| {
        b.iter(|| {
            for chunk in lines.chunks(35) {
                print_cells(&mut backend, 0, black_box(chunk), WIDTH).expect("counted");
            }
        })
    });
    group.finish();
}

/// A terminal that takes every byte and only counts them.
struct Counted(usize);

impl std::io::Write for Counted {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 = black_box(self.0 + bytes.len());
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

criterion_group!(benches, print_cost);
criterion_main!(benches);

//! Start-up never waits for the syntaxes: while they load on their thread, and while the
//! grammar a block needs compiles on its own, code is drawn plain; once they are ready the
//! screen lays it out again, highlighted. Only the grammars a block needs are compiled (each
//! costs megabytes). A test binary of its own, since the warm-up is process-wide.

mod support;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use rockchat::app::{Msg, update};
use support::tui::Tui;

const WIDTH: u16 = 60;
const HEIGHT: u16 = 16;

fn draw(tui: &mut Tui) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    let mut shown = None;
    terminal.draw(|frame| shown = Some(tui.screen.draw(&tui.state, frame))).unwrap();
    update(&mut tui.state, Msg::Shown(shown.unwrap()));
    terminal.backend().buffer().clone()
}

/// The foreground colours on the code line `let answer = 42;`, each once.
fn code_colours(buffer: &Buffer) -> Vec<Option<ratatui::style::Color>> {
    let row = (0..HEIGHT)
        .find(|&y| {
            let text: String = (0..WIDTH).map(|x| buffer[(x, y)].symbol().to_owned()).collect();
            text.contains("let answer = 42;")
        })
        .expect("the code is on screen");
    let mut colours = Vec::new();
    for x in 0..WIDTH {
        let colour = buffer[(x, row)].style().fg;
        if !colours.contains(&colour) {
            colours.push(colour);
        }
    }
    colours
}

#[test]
fn code_drawn_while_the_syntaxes_load_is_highlighted_once_they_are_ready() {
    let mut tui = Tui::new("gpt-4o-mini", WIDTH, HEIGHT);
    let id = tui.send("show me");
    tui.delta(id, "Here:\n\n```rust\nfn main() {\n    let answer = 42;\n}\n```\n\nDone.");
    tui.done(id);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    rockchat::ui::markdown::warm_up(move || {
        let _ = ready_tx.send(());
    });
    // Drawn at once, the syntaxes still loading: the code is plain.
    let first = code_colours(&draw(&mut tui));
    if rockchat::ui::markdown::generation() == 0 {
        // The text's colour and the frame's (`│`).
        assert!(first.len() <= 2, "highlighted before the syntaxes were ready: {first:?}");
    }
    // Each time the screen is told, it draws again: the syntaxes load, then the Rust
    // grammar, which the drawing asked for, compiles.
    let mut colours = first;
    for _ in 0..2 {
        if colours.len() > 2 {
            break;
        }
        ready_rx.recv_timeout(std::time::Duration::from_secs(60)).expect("told when ready");
        colours = code_colours(&draw(&mut tui));
    }
    // `let`, `answer`, `=`, `42`: highlighted code has more colours than the text's.
    assert!(colours.len() > 2, "code still plain after the warm-up: {colours:?}");
    // Only the grammar a block needed was compiled, none of the others.
    assert_eq!(rockchat::ui::markdown::compiled_grammars(), ["Rust"]);
}

//! Inline mode writes finished messages into the terminal's scrollback once and can never
//! redraw them, so code is never written there plain because its grammar was still
//! compiling: the lines wait until they can be highlighted. A test binary of its own, since
//! the syntaxes' warm-up is process-wide.

mod support;

use ratatui::text::Line;
use support::tui::Tui;

/// The distinct foreground colours on the line holding `let answer = 42;`, if printed.
fn code_colours(lines: &[Line<'static>]) -> Option<Vec<Option<ratatui::style::Color>>> {
    let line = lines.iter().find(|line| line.to_string().contains("let answer = 42;"))?;
    let mut colours = Vec::new();
    for span in &line.spans {
        let colour = span.style.fg.or(line.style.fg);
        if !span.content.trim().is_empty() && !colours.contains(&colour) {
            colours.push(colour);
        }
    }
    Some(colours)
}

#[test]
fn a_reply_whose_grammar_is_compiling_waits_to_be_printed_highlighted() {
    let mut tui = Tui::new("gpt-4o-mini", 60, 16);
    let id = tui.send("show me");
    tui.delta(id, "Here:\n\n```rust\nfn main() {\n    let answer = 42;\n}\n```\n\nDone.");
    tui.done(id);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    rockchat::ui::markdown::warm_up(move || {
        let _ = ready_tx.send(());
    });
    // Asked at every frame; told each time code can be drawn better (the syntaxes loaded,
    // the Rust grammar compiled).
    let mut printed = tui.screen.to_print(&tui.state, 60, 16, false);
    for _ in 0..3 {
        if !printed.is_empty() {
            break;
        }
        ready_rx.recv_timeout(std::time::Duration::from_secs(60)).expect("told when ready");
        printed = tui.screen.to_print(&tui.state, 60, 16, false);
    }
    let colours = code_colours(&printed).expect("the reply is printed once its code is ready");
    // `let`, `answer`, `=`, `42`: highlighted code has more colours than plain text's one.
    assert!(colours.len() > 2, "code written into the scrollback plain: {colours:?}");
    // Written once: nothing is left to print.
    assert!(tui.screen.to_print(&tui.state, 60, 16, false).is_empty());
}

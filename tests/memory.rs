//! Memory that follows the text, not a multiple of it: a 5 MB markdown table reply laid out
//! and drawn costs a small multiple of its size at peak. Measured from the kernel's count of
//! this process's peak resident memory (reset just before), so it is alone in its binary
//! and Linux only.

mod support;

use support::tui::Tui;

/// Peak resident memory since the last reset, in bytes.
fn peak() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

/// Resets the peak to what is resident now.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
}

/// A markdown table of about `bytes`: four columns, the third right-aligned.
fn table(bytes: usize) -> String {
    let mut text = String::from("| id | name | value | note |\n|---|---|---:|---|\n");
    let mut n = 0;
    while text.len() < bytes {
        text.push_str(&format!("| {n} | item {n} | {} | some note {} |\n", n * 7 % 1000, n % 13));
        n += 1;
    }
    text
}

#[cfg(target_os = "linux")]
#[test]
fn a_5_mb_table_reply_is_laid_out_and_drawn_within_a_small_multiple_of_its_size() {
    let mut tui = Tui::new("local-model", 120, 40);
    let reply = table(5_000_000);
    let id = tui.send("a big table please");
    tui.draw(120, 40);
    reset_peak();
    let before = peak();
    tui.delta(id, &reply);
    tui.done(id);
    let shown = tui.draw(120, 40);
    let grew = peak() - before;
    eprintln!("peak grew by {} MB for a {} MB reply", grew >> 20, reply.len() >> 20);
    assert!(shown.contains("some note"), "{shown}");
    // The reply is held by the conversation, and its laid-out lines (a span per styled run,
    // each costing more than its text) by the transcript. It took 56 times the text (267 MB)
    // when each cell was a `String` in a `Vec`, three spans a cell and the whole table one
    // parse; about 25 times now.
    assert!(grew < 30 * reply.len(), "peak grew by {} MB", grew >> 20);
}

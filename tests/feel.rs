//! How rockchat feels in a real terminal, measured: the release binary in a pseudo-terminal
//! at 120×40 against the project's own loopback server, the way a user meets it. Criterion
//! figures (`benches/`) say what one frame costs; these say what the whole process costs.
//!
//! Not part of the suite (every test here is `#[ignore]`d: they measure, they do not
//! judge). Run them with the release build, one at a time:
//!
//! ```sh
//! cargo test --release --test feel -- --ignored --nocapture --test-threads 1
//! ```
//!
//! `ROCKCHAT_FEEL_BIN=/path/to/rockchat` measures another build (an older one, beside this
//! one under the same load). Each prints the median (and the range) of several runs. The pty answers the terminal
//! queries a real terminal answers (the background colour, the device attributes), so the
//! start-up figures include that round trip as a user's terminal would make it.

mod support;

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use support::{Body, Reply, TestServer, sse_reply};

const COLS: u16 = 120;
const ROWS: u16 = 40;
/// Runs per latency figure; the median is reported.
const RUNS: usize = 7;

/// The release binary, as a user installs it: the test's own build of it, or the one
/// `ROCKCHAT_FEEL_BIN` names (to measure an older build beside it, under the same load).
fn binary() -> String {
    std::env::var("ROCKCHAT_FEEL_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_rockchat").into())
}

/// What the terminal shows: enough of a terminal emulator for what ratatui writes (cursor
/// moves, text, styles ignored), so a word drawn cell by cell reads as a word.
struct Grid {
    rows: Vec<Vec<char>>,
    row: usize,
    col: usize,
    /// An escape sequence or UTF-8 character cut by the end of a read.
    pending: Vec<u8>,
}

impl Grid {
    fn new() -> Self {
        Grid {
            rows: vec![vec![' '; COLS as usize]; ROWS as usize],
            row: 0,
            col: 0,
            pending: Vec::new(),
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        let data = std::mem::take(&mut self.pending);
        let mut i = 0;
        while i < data.len() {
            match data[i] {
                0x1b => match self.escape(&data[i..]) {
                    Some(len) => i += len,
                    None => {
                        self.pending = data[i..].to_vec();
                        return;
                    }
                },
                b'\r' => {
                    self.col = 0;
                    i += 1;
                }
                b'\n' => {
                    // On the last row a line feed scrolls (inline mode writes so).
                    if self.row + 1 == ROWS as usize {
                        self.rows.remove(0);
                        self.rows.push(vec![' '; COLS as usize]);
                    }
                    self.row = (self.row + 1).min(ROWS as usize - 1);
                    i += 1;
                }
                byte if byte < 0x20 => i += 1,
                _ => {
                    let len = utf8_len(data[i]);
                    if i + len > data.len() {
                        self.pending = data[i..].to_vec();
                        return;
                    }
                    let text = String::from_utf8_lossy(&data[i..i + len]);
                    for c in text.chars() {
                        self.put(c);
                    }
                    i += len;
                }
            }
        }
    }

    /// Handles the escape sequence at the start of `data`; its length, or `None` when it is
    /// cut short.
    fn escape(&mut self, data: &[u8]) -> Option<usize> {
        match data.get(1)? {
            b'[' => {
                let end = data[2..].iter().position(|b| (0x40..=0x7e).contains(b))? + 2;
                if data[end] == b'H' {
                    let params = String::from_utf8_lossy(&data[2..end]);
                    let mut parts = params.split(';').map(|p| p.parse::<usize>().unwrap_or(1));
                    self.row = parts.next().unwrap_or(1).saturating_sub(1).min(ROWS as usize - 1);
                    self.col = parts.next().unwrap_or(1).saturating_sub(1);
                } else if data[end] == b'J' && matches!(&data[2..end], b"2" | b"3") {
                    *self = Grid { pending: Vec::new(), ..Grid::new() };
                } else if data[end] == b'J' {
                    // From the cursor down (inline mode clears its live part so).
                    let (row, col) = (self.row, self.col);
                    self.rows[row].iter_mut().skip(col).for_each(|cell| *cell = ' ');
                    self.rows.iter_mut().skip(row + 1).for_each(|line| line.fill(' '));
                } else if data[end] == b'K' {
                    let (row, col) = (self.row, self.col);
                    self.rows[row].iter_mut().skip(col).for_each(|cell| *cell = ' ');
                }
                Some(end + 1)
            }
            b']' => {
                let end = data.windows(2).position(|w| w[0] == 0x07 || w == b"\x1b\\")?;
                Some(end + if data[end] == 0x07 { 1 } else { 2 })
            }
            _ => Some(2),
        }
    }

    fn put(&mut self, c: char) {
        use unicode_width::UnicodeWidthChar;
        let width = c.width().unwrap_or(0);
        if width == 0 {
            return;
        }
        if let Some(cell) = self.rows[self.row].get_mut(self.col) {
            *cell = c;
        }
        self.col += width;
    }

    fn text(&self) -> String {
        self.rows.iter().map(|row| row.iter().collect::<String>()).collect::<Vec<_>>().join("\n")
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xf0.. => 4,
        0xe0.. => 3,
        0xc0.. => 2,
        _ => 1,
    }
}

/// The real binary in a pseudo-terminal that behaves like a terminal emulator: it answers
/// the queries rockchat may send, and keeps the screen it drew.
struct Session {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    keys: mpsc::Sender<Vec<u8>>,
    output: mpsc::Receiver<Vec<u8>>,
    screen: Grid,
    _pty: Box<dyn portable_pty::MasterPty + Send>,
}

impl Session {
    fn spawn(args: &[&str], data_dir: &Path) -> Session {
        let pty = native_pty_system()
            .openpty(PtySize { rows: ROWS, cols: COLS, pixel_width: 0, pixel_height: 0 })
            .expect("pty");
        let mut command = CommandBuilder::new(binary());
        command.args(args);
        command.env("ROCKCHAT_DATA_DIR", data_dir);
        command.env("HOME", data_dir);
        command.env("XDG_CONFIG_HOME", data_dir);
        command.env("TERM", "xterm-256color");
        command.env("COLORTERM", "truecolor");
        command.env_remove("ROCKCHAT_CONFIG");
        command.env_remove("COLORFGBG");
        command.env_remove("NO_COLOR");
        let child = pty.slave.spawn_command(command).expect("spawn");
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let mut writer = pty.master.take_writer().expect("writer");
        let (keys, key_queue) = mpsc::channel::<Vec<u8>>();
        let answers = keys.clone();
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 65536];
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                let bytes = &buffer[..n];
                // A terminal answers these at once; without answers rockchat would wait
                // for its query's timeout, which no user sees.
                if contains(bytes, b"\x1b]11;?") {
                    let _ = answers.send(b"\x1b]11;rgb:0000/0000/0000\x1b\\".to_vec());
                }
                // Where the cursor is (inline mode starts under it): the top-left corner.
                if contains(bytes, b"\x1b[6n") {
                    let _ = answers.send(b"\x1b[1;1R".to_vec());
                }
                if contains(bytes, b"\x1b[c") || contains(bytes, b"\x1b[0c") {
                    let _ = answers.send(b"\x1b[?62;22c".to_vec());
                }
                if tx.send(bytes.to_vec()).is_err() {
                    break;
                }
            }
        });
        std::thread::spawn(move || {
            while let Ok(bytes) = key_queue.recv() {
                if writer.write_all(&bytes).and_then(|()| writer.flush()).is_err() {
                    break;
                }
            }
        });
        Session { child, keys, output, screen: Grid::new(), _pty: pty.master }
    }

    /// Waits until `shown` holds for the screen; the timeout only guards a hang.
    fn wait_until(&mut self, what: &str, shown: impl Fn(&Grid) -> bool) {
        while !shown(&self.screen) {
            match self.output.recv_timeout(Duration::from_secs(60)) {
                Ok(bytes) => self.screen.feed(&bytes),
                Err(_) => panic!("never saw {what}; the screen:\n{}", self.screen.text()),
            }
        }
    }

    /// Waits until the screen shows `needle`.
    fn wait_for(&mut self, needle: &str) {
        self.wait_until(needle, |screen| screen.text().contains(needle));
    }

    fn press(&self, keys: &[u8]) {
        self.keys.send(keys.to_vec()).expect("keys");
    }

    fn pid(&self) -> u32 {
        self.child.process_id().expect("pid")
    }

    /// CPU time of every thread so far.
    fn cpu(&self) -> Duration {
        cpu_of(self.pid())
    }

    /// The process's peak resident memory, in kB.
    fn peak_rss_kb(&self) -> u64 {
        self.status_kb("VmHWM:")
    }

    /// A figure in kB from the process's status (`RssFile:`, `RssAnon:`…).
    fn status_kb(&self, field: &str) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    fn quit(mut self) {
        self.press(b"\x04");
        let _ = self.child.wait();
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    if needle.len() > haystack.len() {
        return false;
    }
    haystack.windows(needle.len()).any(|window| window == needle)
}

/// The summed on-CPU time of every thread of `pid` (the first field of each schedstat).
fn cpu_of(pid: u32) -> Duration {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Duration::ZERO;
    };
    let nanos: u64 = tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|line| line.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    Duration::from_nanos(nanos)
}

fn median(mut values: Vec<Duration>) -> (Duration, Duration, Duration) {
    values.sort();
    (values[0], values[values.len() / 2], values[values.len() - 1])
}

fn report(what: &str, values: Vec<Duration>) {
    let (low, mid, high) = median(values);
    println!(
        "{what:<52} {:>9.1} ms   ({:.1}–{:.1})",
        mid.as_secs_f64() * 1e3,
        low.as_secs_f64() * 1e3,
        high.as_secs_f64() * 1e3
    );
}

/// A markdown reply of `tokens` deltas (a word each), with headings, lists and a code block
/// every so often, ending with a marker the test waits for.
fn markdown_tokens(tokens: usize, first: &str, last: &str) -> Vec<String> {
    let words = [
        "ownership ",
        "means ",
        "every ",
        "value ",
        "has ",
        "one ",
        "owner; ",
        "borrows ",
        "are ",
        "checked ",
        "at ",
        "compile ",
        "time. ",
    ];
    let mut out = vec![format!("{first} ")];
    let mut n = 1;
    while n + 1 < tokens {
        let piece = match n % 400 {
            0 => "\n\n## A heading\n\n".to_owned(),
            100 => "\n\n- a point\n- another **bold** point\n\n".to_owned(),
            200 => "\n\n```rust\nfn main() {\n    let x = 1;\n}\n```\n\n".to_owned(),
            _ => words[n % words.len()].to_owned(),
        };
        out.push(piece);
        n += 1;
    }
    out.push(format!("\n\n{last}"));
    out
}

fn streamed(deltas: &[String]) -> Reply {
    let deltas: Vec<&str> = deltas.iter().map(String::as_str).collect();
    let bytes = sse_reply(&deltas, "stop", Some((50, deltas.len() as u64)));
    Reply {
        status: 200,
        headers: vec![("Content-Type".into(), "text/event-stream".into())],
        body: Body::Chunks(bytes.chunks(16 * 1024).map(<[u8]>::to_vec).collect()),
    }
}

/// A rockchat export of one conversation of `messages` messages of realistic markdown.
fn long_conversation_export(messages: usize) -> String {
    let mut turns = Vec::with_capacity(messages + 1);
    turns.push(serde_json::json!({"role": "system", "content": "You are a helpful assistant"}));
    for n in 0..messages {
        let content = if n % 2 == 0 {
            format!("Question {n}: how do lifetimes and borrowing interact in this case?")
        } else {
            format!(
                "## Answer {n}\n\nThe borrow checker makes sure **every reference** is valid: \
                 a value lives as long as its owner, and `&` borrows it.\n\n\
                 - first point\n- second point\n\n```rust\nfn f{n}(x: &str) -> usize {{\n    \
                 x.len()\n}}\n```\n\nThat is all for {n}."
            )
        };
        let role = if n % 2 == 0 { "user" } else { "assistant" };
        turns.push(serde_json::json!({"role": role, "content": content}));
    }
    serde_json::json!({"model": "gpt-4o-mini", "messages": turns}).to_string()
}

/// A data dir holding one 10,000-message conversation (imported as a user would).
fn data_with_long_conversation(dir: &Path) {
    let file = dir.join("long.json");
    std::fs::write(&file, long_conversation_export(10_000)).expect("export");
    let status = std::process::Command::new(binary())
        .arg("import")
        .arg(&file)
        .env("ROCKCHAT_DATA_DIR", dir)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir)
        .env_remove("ROCKCHAT_CONFIG")
        .stdout(std::process::Stdio::null())
        .status()
        .expect("import");
    assert!(status.success(), "import failed");
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap()
}

#[test]
fn the_link_order_lists_bare_symbol_names() {
    // build.rs hands this list to the linker, which passes over a name it does not have: a
    // line that is not a symbol's name (a section's, a demangled path) would order nothing
    // and leave the release binary's code spread over twice the memory, with no error.
    let order = include_str!("../assets/link/hot-functions.txt");
    let names: Vec<&str> = order.lines().filter(|line| !line.starts_with('#')).collect();
    assert!(names.len() > 1_000, "{} names", names.len());
    for name in names {
        let bare = !name.is_empty()
            && !name.starts_with('.')
            && !name.contains("::")
            && !name.contains(char::is_whitespace);
        assert!(bare, "{name:?} is not a symbol's name");
    }
}

#[test]
#[ignore = "a measurement: run with --ignored --nocapture on a release build"]
fn start_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut empty = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let mut session = Session::spawn(&["--base-url", "http://127.0.0.1:9/v1"], dir.path());
        session.wait_for("F1 help");
        empty.push(started.elapsed());
        session.quit();
    }
    report("exec -> first frame, empty chat", empty);

    let long = tempfile::tempdir().unwrap();
    data_with_long_conversation(long.path());
    let mut opened = Vec::new();
    let mut rss = Vec::new();
    let mut mapped = Vec::new();
    let mut home = Vec::new();
    let mut rss_home = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let mut session =
            Session::spawn(&["--base-url", "http://127.0.0.1:9/v1", "--open", "1"], long.path());
        session.wait_for("That is all for 9999.");
        opened.push(started.elapsed());
        session.wait_for("F1 help");
        // Settled: what start-up left to the background (the tokenizer, the syntaxes, the
        // count of the history) is done, so the peak below includes it.
        std::thread::sleep(Duration::from_millis(500));
        rss.push(session.peak_rss_kb());
        mapped.push((session.status_kb("RssFile:"), session.status_kb("RssAnon:")));
        // Home: the top of 10,000 messages, from the bottom.
        let started = Instant::now();
        session.press(b"\x1b[H");
        // In the transcript, not the title on the separator line.
        session.wait_until("the first message", |screen| {
            screen.rows[..ROWS as usize - 4]
                .iter()
                .any(|row| row.iter().collect::<String>().contains("Question 0: how do"))
        });
        home.push(started.elapsed());
        rss_home.push(session.peak_rss_kb());
        session.quit();
    }
    report("exec -> first frame, 10,000-message conversation", opened);
    rss.sort_unstable();
    println!("{:<52} {:>9} kB", "peak RSS, 10,000-message conversation", rss[rss.len() / 2]);
    // The binary's pages (and libc's) apart from the heap's: the link order moves the first.
    mapped.sort_unstable();
    let (file, anonymous) = mapped[mapped.len() / 2];
    println!("{:<52} {:>9} kB", "  of it mapped from files (the binary, libc)", file);
    println!("{:<52} {:>9} kB", "  of it anonymous (the heap, the stacks)", anonymous);
    report("Home -> the first message on screen (10,000)", home);
    rss_home.sort_unstable();
    println!("{:<52} {:>9} kB", "peak RSS, the same after Home", rss_home[rss_home.len() / 2]);
}

#[test]
#[ignore = "a measurement: run with --ignored --nocapture on a release build"]
fn typing_and_first_delta() {
    let runtime = runtime();
    let replies: Vec<Reply> = (0..RUNS)
        .map(|n| streamed(&markdown_tokens(50, &format!("FIRSTDELTA{n}"), &format!("THEEND{n}"))))
        .collect();
    let server = runtime.block_on(TestServer::start(replies));
    let dir = tempfile::tempdir().unwrap();
    let mut session = Session::spawn(&["--base-url", &server.base_url, "-m", "tiny"], dir.path());
    session.wait_for("F1 help");
    // A keystroke to its echo: capitals that appear nowhere else on the screen.
    let mut echoes = Vec::new();
    let mut typed = String::new();
    for key in "QZXJVKWY".chars().take(RUNS) {
        typed.push(key);
        let started = Instant::now();
        session.press(key.to_string().as_bytes());
        session.wait_for(&typed);
        echoes.push(started.elapsed());
    }
    report("keystroke -> echo on screen", echoes);
    session.press(&[0x7f; 8]);
    let mut deltas = Vec::new();
    for n in 0..RUNS {
        session.press(b"hello");
        session.wait_for("hello");
        let started = Instant::now();
        session.press(b"\r");
        session.wait_for(&format!("FIRSTDELTA{n}"));
        deltas.push(started.elapsed());
        session.wait_for(&format!("THEEND{n}"));
    }
    report("Enter -> first delta on screen", deltas);
    session.quit();
}

/// CPU spent by the whole process while a reply of `tokens` tokens streams in as fast as
/// the server sends it, from Enter to the last token on screen.
fn cpu_for_reply(tokens: usize, inline: bool) -> Duration {
    let runtime = runtime();
    let reply = streamed(&markdown_tokens(tokens, "START", "THEEND"));
    let server = runtime.block_on(TestServer::start(vec![reply]));
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["--base-url", server.base_url.as_str(), "-m", "tiny"];
    if inline {
        args.push("--inline");
    }
    let mut session = Session::spawn(&args, dir.path());
    session.wait_for("F1 help");
    session.press(b"write a long answer");
    // Let the echo of the prompt settle before counting.
    session.wait_for("write a long answer");
    let before = session.cpu();
    session.press(b"\r");
    session.wait_for("THEEND");
    session.wait_until("idle", |screen| {
        screen.rows.last().is_some_and(|row| row.iter().collect::<String>().contains("idle"))
    });
    let spent = session.cpu() - before;
    session.quit();
    spent
}

#[test]
#[ignore = "a measurement: run with --ignored --nocapture on a release build"]
fn streaming_cpu() {
    streaming_cpu_in(false, "");
}

/// The same reply streamed in inline mode (`--inline`): only the live part is redrawn, and
/// the finished reply is written once into the scrollback.
#[test]
#[ignore = "a measurement: run with --ignored --nocapture on a release build"]
fn streaming_cpu_inline() {
    streaming_cpu_in(true, " (inline)");
}

fn streaming_cpu_in(inline: bool, mode: &str) {
    let runs = |tokens| (0..3).map(|_| cpu_for_reply(tokens, inline)).collect::<Vec<_>>();
    let two = median(runs(2_000)).1;
    let twenty = runs(20_000);
    report(&format!("CPU, a 20,000-token markdown reply{mode}"), twenty.clone());
    let twenty = median(twenty).1;
    let eighty = median(runs(80_000)).1;
    let per_token = |a: Duration, b: Duration, n: f64| (b.as_secs_f64() - a.as_secs_f64()) / n;
    println!(
        "{:<52} {:>9.1} ms / {:.1} ms / {:.1} ms",
        format!("CPU for 2k / 20k / 80k tokens{mode}"),
        two.as_secs_f64() * 1e3,
        twenty.as_secs_f64() * 1e3,
        eighty.as_secs_f64() * 1e3
    );
    println!(
        "{:<52} {:>9.2} us between 2k and 20k, {:.2} us between 20k and 80k",
        format!("CPU per token as the reply grows{mode}"),
        per_token(two, twenty, 18_000.0) * 1e6,
        per_token(twenty, eighty, 60_000.0) * 1e6
    );
}

#[test]
#[ignore = "a measurement: run with --ignored --nocapture on a release build"]
fn ask_round_trip() {
    let runtime = runtime();
    let replies: Vec<Reply> = (0..RUNS).map(|_| streamed(&markdown_tokens(5, "a", "b"))).collect();
    let server = runtime.block_on(TestServer::start(replies));
    let dir = tempfile::tempdir().unwrap();
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let output = std::process::Command::new(binary())
            .args(["ask", "--base-url", &server.base_url, "-m", "tiny", "hi"])
            .env("ROCKCHAT_DATA_DIR", dir.path())
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .env_remove("ROCKCHAT_CONFIG")
            .output()
            .expect("ask");
        times.push(started.elapsed());
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    report("`ask` round trip to a local server", times);
}

//! Files in `assets/` that the code makes: the screenshots of the key screens, drawn by the
//! real renderer (`ui::Screen::draw` into a `TestBackend`) from scenes built by feeding
//! messages to `update`, and written as SVG. The test fails when a committed file no longer
//! matches what the code makes, so the pictures in the README never go stale.
//!
//! After a change that is meant to change a screen, write them anew and look at them before
//! committing:
//!
//!     UPDATE_ASSETS=1 cargo test --test generated
//!
//! The man pages and the shell completion scripts are made here too, from the clap
//! definitions, so a changed flag shows up as a stale file until they are made again.
//!
//! Under CI (`CI` set) nothing is ever written. Anything else generated from the code
//! belongs in `assets()` below, as one more path and its contents.

mod scenes;
mod svg;

use std::path::{Path, PathBuf};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use rockchat::app::State;
use rockchat::ui::Screen;
use rockchat::ui::theme::Theme;

/// A file the code makes: its path from the repository's root, and what it must hold.
struct Asset {
    path: PathBuf,
    contents: String,
}

/// Folders that hold only generated files: one that nothing makes any more is stale too.
const GENERATED_FOLDERS: [&str; 3] = ["assets/screenshots", "assets/man", "assets/completions"];

/// Themes shown on one screen only, to compare them: (theme, the terminal it suits).
const GALLERY: [(&str, &svg::Terminal); 4] = [
    ("gruvbox", &svg::DARK),
    ("solarized-dark", &svg::DARK),
    ("solarized-light", &svg::LIGHT),
    ("high-contrast", &svg::DARK),
];

fn assets() -> Vec<Asset> {
    let mut assets = Vec::new();
    for mut scene in scenes::all() {
        let themes = [("dark", &svg::DARK), ("light", &svg::LIGHT)];
        let gallery = if scene.name == "reply" { &GALLERY[..] } else { &[] };
        for &(theme, terminal) in themes.iter().chain(gallery) {
            let contents = picture(&mut scene.state, Theme::shipped(theme), terminal, scene.title);
            let path = PathBuf::from(format!("assets/screenshots/{}-{theme}.svg", scene.name));
            assets.push(Asset { path, contents });
        }
    }
    assets.extend(man_and_completions());
    assets
}

/// The man page and the shell completions, from the clap definitions: a flag added, renamed
/// or described anew changes them, and this test says so until they are made again.
fn man_and_completions() -> Vec<Asset> {
    use clap::CommandFactory;
    let command = rockchat::config::cli::Cli::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page).unwrap();
    // One page per subcommand too, as `man rockchat-ask`.
    let mut assets = vec![Asset {
        path: PathBuf::from("assets/man/rockchat.1"),
        contents: String::from_utf8(page).unwrap(),
    }];
    for sub in command.get_subcommands() {
        let name = format!("rockchat-{}", sub.get_name());
        let mut page = Vec::new();
        // clap names take `&'static str`; a test process may leak these few.
        let static_name: &'static str = Box::leak(name.clone().into_boxed_str());
        let version: &'static str =
            Box::leak(command.get_version().unwrap_or_default().to_owned().into_boxed_str());
        let sub = sub.clone().name(static_name).version(version);
        clap_mangen::Man::new(sub).render(&mut page).unwrap();
        assets.push(Asset {
            path: PathBuf::from(format!("assets/man/{name}.1")),
            contents: String::from_utf8(page).unwrap(),
        });
    }
    use clap_complete::Shell;
    for (shell, file) in [
        (Shell::Bash, "rockchat.bash"),
        (Shell::Zsh, "_rockchat"),
        (Shell::Fish, "rockchat.fish"),
        (Shell::Elvish, "rockchat.elv"),
        (Shell::PowerShell, "_rockchat.ps1"),
    ] {
        let mut script = Vec::new();
        rockchat::commands::complete::registration(shell, &mut script).unwrap();
        assets.push(Asset {
            path: PathBuf::from(format!("assets/completions/{file}")),
            contents: String::from_utf8(script).unwrap(),
        });
    }
    assets
}

/// `state` drawn with `theme` in a terminal like `terminal`, as SVG. The theme is taken at
/// full colour depth, as a terminal with 24-bit colour shows it.
fn picture(state: &mut State, theme: Theme, terminal: &svg::Terminal, title: &str) -> String {
    let mut screen = Screen::new(theme);
    let mut backend = Terminal::new(TestBackend::new(scenes::WIDTH, scenes::HEIGHT)).unwrap();
    backend.draw(|frame| _ = screen.draw(state, frame)).unwrap();
    svg::render(backend.backend().buffer(), terminal, theme.screen.bg, title)
}

#[test]
fn committed_assets_match_what_the_code_makes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let asked = std::env::var_os("UPDATE_ASSETS").is_some_and(|value| !value.is_empty());
    let write = asked && std::env::var_os("CI").is_none();
    let assets = assets();
    let mut stale = Vec::new();
    for asset in &assets {
        let path = root.join(&asset.path);
        let committed = std::fs::read_to_string(&path).ok();
        if committed.as_deref() == Some(asset.contents.as_str()) {
            continue;
        }
        if write {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &asset.contents).unwrap();
            eprintln!("wrote {}", asset.path.display());
        } else {
            stale.push(difference(&asset.path, committed.as_deref(), &asset.contents));
        }
    }
    for folder in GENERATED_FOLDERS {
        let Ok(entries) = std::fs::read_dir(root.join(folder)) else { continue };
        for entry in entries {
            let path = Path::new(folder).join(entry.unwrap().file_name());
            if assets.iter().any(|asset| asset.path == path) {
                continue;
            }
            if write {
                std::fs::remove_file(root.join(&path)).unwrap();
                eprintln!("removed {}", path.display());
            } else {
                stale.push(format!("{}: nothing makes it any more", path.display()));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "{} committed file(s) no longer match what the code makes:\n\n{}\n\n\
         If the change is meant, write them anew, look at them, and commit them:\n\n    \
         UPDATE_ASSETS=1 cargo test --test generated\n",
        stale.len(),
        stale.join("\n\n")
    );
}

/// Where `path`'s committed text and the new one first part: the line, and around the first
/// change, the text drawn there (or the markup, when only a colour or style changed).
fn difference(path: &Path, committed: Option<&str>, made: &str) -> String {
    let Some(committed) = committed else {
        return format!("{}: not committed", path.display());
    };
    let mut old = committed.lines();
    let mut new = made.lines();
    let mut number = 0;
    loop {
        number += 1;
        match (old.next(), new.next()) {
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return format!("{}: differs in its line ends", path.display()),
            (a, b) => {
                let (a, b) = (a.unwrap_or(""), b.unwrap_or(""));
                let (text_a, text_b) = (drawn_text(a), drawn_text(b));
                let (a, b) = if text_a != text_b { (text_a, text_b) } else { (a.into(), b.into()) };
                let (a, b) = around_first_change(&a, &b);
                return format!(
                    "{}: differs from line {number}\n  committed: {a}\n  now:       {b}",
                    path.display()
                );
            }
        }
    }
}

/// The text an SVG line draws, its markup dropped.
fn drawn_text(line: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in line.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")
}

/// Both texts from a little before their first difference, a line's worth at most.
fn around_first_change(a: &str, b: &str) -> (String, String) {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let first = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let start = first.saturating_sub(40);
    let piece = |text: &[char]| {
        let end = text.len().min(start + 100);
        let mut piece: String = text[start.min(end)..end].iter().collect();
        if start > 0 {
            piece.insert(0, '…');
        }
        if end < text.len() {
            piece.push('…');
        }
        piece
    };
    (piece(&a), piece(&b))
}

#[test]
fn a_picture_keeps_each_cell_where_it_was_drawn_in_its_colours_and_styles() {
    let mut buffer = Buffer::empty(Rect::new(0, 0, 12, 2));
    buffer.set_string(0, 0, "ab", Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD));
    buffer.set_string(
        3,
        0,
        "<i>",
        Style::new().fg(Color::Rgb(1, 2, 3)).add_modifier(Modifier::ITALIC),
    );
    buffer.set_string(7, 0, "u", Style::new().add_modifier(Modifier::UNDERLINED | Modifier::DIM));
    buffer.set_string(0, 1, "日本 x", Style::new().fg(Color::Indexed(196)));
    buffer.set_string(9, 1, "r", Style::new().fg(Color::Red).add_modifier(Modifier::REVERSED));
    let picture = svg::render(&buffer, &svg::DARK, None, "a test");
    let has = |text: &str| assert!(picture.contains(text), "{text:?} not in\n{picture}");
    has(r#"<title>a test</title>"#);
    has("font-family:ui-monospace");
    // Cyan is the terminal's palette colour; bold, italic, underline and dim are kept.
    has(".s0{fill:#11a8cd;font-weight:bold}");
    has(r#"x="14.0" y="53.5" textLength="16.8" lengthAdjust="spacingAndGlyphs" class="s0">ab<"#);
    has(".s1{fill:#010203;font-style:italic}");
    has(
        r#"x="39.2" y="53.5" textLength="25.2" lengthAdjust="spacingAndGlyphs" class="s1">&lt;i&gt;<"#,
    );
    has(".s2{fill:#cccccc;text-decoration:underline;opacity:0.6}");
    // Wide characters take two cells each; the x after them is still in its column.
    has(r#"textLength="50.4" lengthAdjust="spacingAndGlyphs" class="s3">日本 x<"#);
    has(".s3{fill:#ff0000}");
    // Reversed: the terminal's background on red.
    has(r##"<rect x="89.6" y="58.0" width="8.4" height="18.0" fill="#cd3131"/>"##);
    has(".s4{fill:#1e1e1e}");
}

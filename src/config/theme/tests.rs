//! Theme files: the shipped ones complete, a user's own found beside the config, and every
//! mistake reported with the theme file's line and key.

use std::path::Path;

use ratatui::style::{Color, Modifier, Style};

use super::*;
use crate::config::{Config, ThemeChoice};

/// A config at `dir/config.toml` naming the theme file `mine.toml` holding `theme`.
fn with_theme_file(theme: &str) -> (tempfile::TempDir, Result<Config, ConfigError>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mine.toml"), theme).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "mouse = false\ntheme = \"mine.toml\"\n").unwrap();
    let loaded = Config::load(&config);
    (dir, loaded)
}

/// Where the mistake in the theme file `theme` is reported: the file's name, the line, the
/// key and the message.
fn mistake(theme: &str) -> (String, usize, Option<String>, String) {
    match with_theme_file(theme).1 {
        Err(ConfigError::Invalid { path, line, key, message }) => {
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            (file, line, key, message)
        }
        other => panic!("expected an Invalid error for {theme:?}, got {other:?}"),
    }
}

#[test]
fn every_shipped_theme_loads_and_gives_every_key_itself() {
    for (name, text) in SHIPPED {
        // Parsed without `inherits`, so a key left out is an error.
        let spec = file::parse(text, Path::new(name), false);
        assert!(spec.is_ok(), "{name}: {:?}", spec.err().map(|e| e.to_string()));
        assert_eq!(shipped(name).unwrap().unwrap(), spec.unwrap());
        for key in STYLE_KEYS.iter().chain(&SYNTAX_KEYS) {
            let given = text.lines().any(|line| line.starts_with(&format!("{key} = ")));
            assert!(given, "{name} does not write `{key} = ` itself");
        }
    }
}

#[test]
fn the_shipped_list_is_exactly_the_files_in_assets_themes() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/themes");
    let mut files: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut names: Vec<String> = shipped_names().iter().map(|n| format!("{n}.toml")).collect();
    names.sort();
    assert_eq!(files, names);
}

#[test]
fn a_theme_file_of_ones_own_is_found_beside_the_config_and_may_inherit() {
    let theme = "inherits = \"gruvbox\"\n[styles]\nuser = { fg = \"#ff0000\", italic = true }\n\
                 [syntax]\ncomment = { fg = \"244\" }\n";
    let (_dir, config) = with_theme_file(theme);
    let ThemeChoice::Fixed(spec) = config.unwrap().theme else { panic!("not a fixed theme") };
    let gruvbox = shipped("gruvbox").unwrap().unwrap();
    let user = Style::new().fg(Color::Rgb(255, 0, 0)).add_modifier(Modifier::ITALIC);
    assert_eq!(spec.style("user"), Some(user), "a key given replaces the inherited style whole");
    assert_eq!(spec.syntax[1], Style::new().fg(Color::Indexed(244)));
    assert_eq!(spec.style("screen"), gruvbox.style("screen"));
    assert_eq!(spec.syntax[2], gruvbox.syntax[2]);
    // An absolute path works from anywhere.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("abs.toml");
    std::fs::write(&file, "inherits = \"light\"\n").unwrap();
    let text = format!("theme = {:?}\n", file.display().to_string());
    let config = Config::from_toml(&text, Path::new("/nowhere/config.toml")).unwrap();
    assert_eq!(config.theme, ThemeChoice::Fixed(Box::new(shipped("light").unwrap().unwrap())));
}

#[test]
fn mistakes_in_a_theme_file_name_its_line_and_key() {
    let cases: &[(&str, usize, &str, &str)] = &[
        ("[styles]\nusr = {}\n", 2, "styles.usr", "known: screen, text"),
        ("inherits = \"dark\"\n[syntax]\n\nstrings = {}\n", 4, "syntax.strings", "known: plain"),
        (
            "inherits = \"dark\"\n[styles]\nuser = { colour = \"red\" }\n",
            3,
            "styles.user.colour",
            "`fg`, `bg`, `bold`",
        ),
        (
            "inherits = \"dark\"\n[styles]\nuser = { fg = \"blu\" }\n",
            3,
            "styles.user.fg",
            "not a colour",
        ),
        (
            "inherits = \"dark\"\n[styles]\nuser = { bg = \"#12345\" }\n",
            3,
            "styles.user.bg",
            "#rrggbb",
        ),
        (
            "inherits = \"dark\"\n[styles]\nuser = { bold = \"yes\" }\n",
            3,
            "styles.user.bold",
            "boolean",
        ),
        ("inherits = \"dark\"\n\n[style]\nuser = {}\n", 3, "style", "unknown field"),
        ("inherits = \"gruvbox-light\"\n", 1, "inherits", "shipped: dark, light, gruvbox"),
        ("[styles]\nuser = {}\n", 1, "styles", "missing screen, text, dim"),
        ("[styles]\nuser = { fg = \"red\"\n", 2, "styles.user", ""),
    ];
    for &(theme, line, key, words) in cases {
        let (file, at, named, message) = mistake(theme);
        assert_eq!(file, "mine.toml", "{theme:?}: {message}");
        assert_eq!(at, line, "{theme:?}: {message}");
        assert_eq!(named.as_deref(), Some(key), "{theme:?}: {message}");
        assert!(message.contains(words), "{theme:?}: {message}");
    }
}

#[test]
fn a_missing_complete_theme_gives_every_missing_key_and_the_way_out() {
    let syntax_only: String =
        SYNTAX_KEYS.iter().map(|key| format!("{key} = {{}}\n")).collect::<String>();
    let (_, line, key, message) = mistake(&format!("[syntax]\n{syntax_only}"));
    assert_eq!((line, key.as_deref()), (1, Some("styles")));
    assert!(message.contains(&STYLE_KEYS.join(", ")), "{message}");
    assert!(message.contains("inherits = \"dark\""), "{message}");
}

#[test]
fn a_theme_that_cannot_be_read_is_reported_at_the_configs_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "mouse = false\n\ndark_theme = \"themes/nope.toml\"\n").unwrap();
    let error = Config::load(&config).unwrap_err().to_string();
    let expected = format!(
        "{}:3: dark_theme: cannot read {}",
        config.display(),
        dir.path().join("themes/nope.toml").display()
    );
    assert!(error.starts_with(&expected), "{error}");
    // A file far too large to be a theme is refused without reading it all.
    std::fs::create_dir(dir.path().join("themes")).unwrap();
    let huge = "# padding\n".repeat(30_000);
    std::fs::write(dir.path().join("themes/nope.toml"), huge).unwrap();
    let error = Config::load(&config).unwrap_err().to_string();
    assert!(error.contains(":3: dark_theme:") && error.contains("larger than 256 KiB"), "{error}");
}

#[test]
fn control_characters_in_a_theme_file_never_reach_the_error() {
    let (_, _, key, message) = mistake("[styles]\n\"us\\u001b]0;pwned\\u0007er\" = {}\n");
    let key = key.unwrap();
    assert!(!key.contains('\u{1b}') && !message.contains('\u{1b}'), "{key:?} {message:?}");
    assert!(!key.contains('\u{7}'), "{key:?}");
}

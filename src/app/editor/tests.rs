//! The editor by grapheme cluster: emoji sequences, combining marks and wide characters
//! move, delete and wrap whole; rows break where UAX #14 allows.

use super::*;

fn typed(text: &str) -> Editor {
    let mut editor = Editor::new();
    for c in text.chars() {
        editor.type_char(c);
    }
    editor
}

fn press(editor: &mut Editor, action: EditAction, times: usize) {
    for _ in 0..times {
        editor.apply(action, 80);
    }
}

fn shown_rows(editor: &Editor, width: usize) -> Vec<String> {
    editor
        .rows(width)
        .into_iter()
        .map(|(line, range)| editor.lines()[line][range].to_owned())
        .collect()
}

const FAMILY: &str = "👨\u{200d}👩\u{200d}👧";

#[test]
fn an_emoji_family_is_one_step_and_typing_beside_it_never_splits_it() {
    let mut editor = typed(&format!("A{FAMILY}B"));
    press(&mut editor, EditAction::Left, 2);
    editor.type_char('Z');
    assert_eq!(editor.text(), format!("AZ{FAMILY}B"));
    press(&mut editor, EditAction::Right, 1);
    press(&mut editor, EditAction::Backspace, 1);
    assert_eq!(editor.text(), "AZB", "the whole family goes with one Backspace");
    press(&mut editor, EditAction::Undo, 1);
    press(&mut editor, EditAction::Home, 1);
    press(&mut editor, EditAction::Right, 2);
    press(&mut editor, EditAction::Delete, 1);
    assert_eq!(editor.text(), "AZB");
}

#[test]
fn a_decomposed_accent_stays_with_its_letter() {
    let mut editor = typed("cafe\u{301}!");
    press(&mut editor, EditAction::Left, 1);
    press(&mut editor, EditAction::Backspace, 1);
    assert_eq!(editor.text(), "caf!");
    let mut editor = typed("e\u{301}");
    press(&mut editor, EditAction::Left, 1);
    assert_eq!(editor.cursor().byte, 0, "one step back over e and its accent");
}

#[test]
fn wide_characters_move_as_one_and_take_two_columns() {
    let mut editor = typed("日本語");
    press(&mut editor, EditAction::Left, 1);
    editor.type_char('x');
    assert_eq!(editor.text(), "日本x語");
    let rows = editor.rows(80);
    assert_eq!(editor.cursor_row(&rows, 80), (0, 5), "after 日本 (4 columns) and x");
}

#[test]
fn a_line_wider_than_the_pane_takes_as_many_rows_as_it_needs() {
    let editor = typed("the quick brown fox jumps over the lazy dog");
    assert_eq!(
        shown_rows(&editor, 10),
        ["the quick ", "brown fox ", "jumps ", "over the ", "lazy dog"]
    );
    let long = "x".repeat(144);
    assert_eq!(
        Editor::with_text(&long).rows(120).len(),
        2,
        "a 144-character prompt at 120 columns"
    );
    let url = "see https://example.com/a/very/long/path/to/a/page";
    for row in shown_rows(&Editor::with_text(url), 12) {
        assert!(width_of(&row) <= 12, "{row:?}");
    }
    assert_eq!(shown_rows(&Editor::with_text(url), 12).concat(), url);
}

#[test]
fn cjk_rows_break_between_ideographs_and_never_before_a_full_stop() {
    let text = "これは日本語の文章です。次の文。";
    // From four columns on, where a row holds two ideographs.
    for width in 4..20 {
        let rows = shown_rows(&Editor::with_text(text), width);
        assert_eq!(rows.concat(), text);
        for row in &rows {
            assert!(width_of(row) <= width, "{row:?} wider than {width}");
            assert!(!row.starts_with('。'), "a row starts with 。 at {width}: {rows:?}");
        }
    }
    assert_eq!(shown_rows(&Editor::with_text("日本語テキスト"), 6), ["日本語", "テキス", "ト"]);
}

#[test]
fn emoji_and_accents_wrap_whole() {
    let text = format!("{FAMILY}{FAMILY}{FAMILY}e\u{301}e\u{301}");
    let rows = shown_rows(&Editor::with_text(&text), 4);
    assert_eq!(rows, [format!("{FAMILY}{FAMILY}"), format!("{FAMILY}e\u{301}e\u{301}")]);
}

#[test]
fn the_cursor_after_a_full_row_stands_at_the_start_of_the_next() {
    let editor = typed("abcdefgh");
    let rows = editor.rows(4);
    assert_eq!(editor.cursor_row(&rows, 4), (2, 0), "a row of its own past the two full ones");
    let mut editor = typed("abcdefgh");
    press(&mut editor, EditAction::Left, 4);
    assert_eq!(editor.cursor_row(&editor.rows(4), 4), (1, 0));
}

#[test]
fn up_and_down_move_by_wrapped_rows_and_say_when_they_hit_an_end() {
    let mut editor = Editor::with_text("first line\nthe quick brown fox jumps");
    let width = 10;
    assert!(editor.apply(EditAction::Up, width));
    assert_eq!(editor.cursor_row(&editor.rows(width), width).0, 2);
    assert!(editor.apply(EditAction::Up, width));
    assert!(editor.apply(EditAction::Up, width));
    assert_eq!(editor.cursor().line, 0);
    assert!(!editor.apply(EditAction::Up, width), "the first row: nothing above");
    assert!(editor.apply(EditAction::Down, width));
    editor.apply(EditAction::End, width);
    editor.apply(EditAction::Down, width);
    editor.apply(EditAction::Down, width);
    editor.apply(EditAction::Down, width);
    assert!(!editor.apply(EditAction::Down, width), "the last row: nothing below");
}

#[test]
fn words_move_and_delete_like_a_shell() {
    let mut editor = typed("git commit --amend now");
    press(&mut editor, EditAction::WordLeft, 2);
    assert_eq!(&editor.text()[editor.cursor().byte..], "amend now");
    press(&mut editor, EditAction::DeleteWordBack, 1);
    assert_eq!(editor.text(), "git amend now", "back over the dashes and a word");
    press(&mut editor, EditAction::DeleteWordForward, 1);
    assert_eq!(editor.text(), "git  now");
    press(&mut editor, EditAction::WordRight, 1);
    assert_eq!(&editor.text()[editor.cursor().byte..], "");
}

#[test]
fn deleting_to_the_ends_of_a_line_can_be_yanked_back_and_joins_lines_at_an_edge() {
    let mut editor = Editor::with_text("one\ntwo three");
    press(&mut editor, EditAction::WordLeft, 1);
    press(&mut editor, EditAction::DeleteToStart, 1);
    assert_eq!(editor.text(), "one\nthree");
    press(&mut editor, EditAction::DeleteToEnd, 1);
    assert_eq!(editor.text(), "one\n");
    press(&mut editor, EditAction::Yank, 1);
    assert_eq!(editor.text(), "one\nthree");
    press(&mut editor, EditAction::Home, 1);
    press(&mut editor, EditAction::DeleteToStart, 1);
    assert_eq!(editor.text(), "onethree", "at a line's start it joins the line above");
}

#[test]
fn undo_takes_back_a_run_of_typing_at_once_and_redo_puts_it_again() {
    let mut editor = typed("hello");
    editor.type_char(' ');
    for c in "world".chars() {
        editor.type_char(c);
    }
    press(&mut editor, EditAction::Undo, 1);
    assert_eq!(editor.text(), "hello ");
    press(&mut editor, EditAction::Undo, 2);
    assert_eq!(editor.text(), "");
    press(&mut editor, EditAction::Redo, 3);
    assert_eq!(editor.text(), "hello world");
    let cleared = editor.clear();
    assert_eq!((cleared.as_str(), editor.is_empty()), ("hello world", true));
    press(&mut editor, EditAction::Undo, 1);
    assert_eq!(editor.text(), "hello world", "a cleared draft comes back");
}

#[test]
fn pasted_text_keeps_its_lines_and_tabs_become_spaces() {
    let mut editor = typed("ab");
    press(&mut editor, EditAction::Left, 1);
    editor.insert_str("1\r\n2\t3\n4");
    assert_eq!(editor.lines(), ["a1", "2    3", "4b"]);
    assert_eq!(editor.cursor(), Cursor { line: 2, byte: 1 });
}

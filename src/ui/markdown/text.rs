//! The last filter before the screen: every string the markdown renderer emits passes
//! through [`clean`]. The message was sanitised, but markdown can make new characters
//! (`&#27;` decodes to ESC), so control characters are dropped here again and tabs become
//! spaces. It never wraps or styles; that is `ui::wrap`.

use std::borrow::Cow;

const TAB: &str = "    ";

/// Drops control characters (C0, DEL, C1) and turns tabs into spaces.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push_str(TAB),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_drops_controls_and_expands_tabs() {
        assert_eq!(clean("a\u{1b}[31m\tb\u{9b}\u{7}"), "a[31m    b");
    }
}

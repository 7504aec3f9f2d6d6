//! The last filter before the screen: every string the markdown renderer emits passes
//! through [`clean`]. The message was sanitised, but markdown can make new characters
//! (`&#27;` decodes to ESC), so control characters are dropped here again, bidi controls
//! shown as `<U+202E>` (the rule is `sanitize`'s) and tabs become spaces. It never wraps or
//! styles; that is `ui::wrap`.

use std::borrow::Cow;

use crate::sanitize::{is_bidi_control, push_visible};

const TAB: &str = "    ";

/// Drops control characters (C0, DEL, C1), shows bidi controls, turns tabs into spaces.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push_str(TAB),
            c if c.is_control() => {}
            c if is_bidi_control(c) => push_visible(c, &mut out),
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

    #[test]
    fn a_bidi_control_made_by_an_entity_is_shown() {
        assert_eq!(clean("x\u{202e}y"), "x<U+202E>y");
    }
}

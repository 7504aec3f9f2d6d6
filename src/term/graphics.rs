//! How this terminal draws images, decided once at start from its environment and the
//! window's size in pixels (the size ioctl), without asking the terminal anything: a query
//! written now would be answered into the event reader, which owns the terminal's input.
//!
//! Known to draw images: kitty and Ghostty (the kitty protocol), iTerm2 and WezTerm
//! (iTerm2's), foot and mlterm (sixel). Inside tmux nothing is drawn unless asked for as
//! half blocks: tmux passes images on only with `allow-passthrough`, and even then they
//! stay behind when a pane scrolls or another window is shown. Without a pixel size from
//! the ioctl an image's rows cannot be known, so nothing is drawn either.

use ratatui_image::FontSize;
use ratatui_image::picker::{Picker, ProtocolType};

use crate::config::Images;
use crate::ui::pictures::Graphics;

/// The graphics to draw images with, or `None` for the labelled line.
pub fn detect(setting: Images) -> Option<Graphics> {
    let env = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let window = crossterm::terminal::window_size().ok();
    let cell = window.and_then(|w| cell_size((w.columns, w.rows), (w.width, w.height)));
    choose(setting, env, cell)
}

/// The choice [`detect`] makes, from the environment `env` and the cell's pixel size.
pub fn choose(
    setting: Images,
    env: impl Fn(&str) -> Option<String>,
    cell: Option<(u16, u16)>,
) -> Option<Graphics> {
    match setting {
        Images::Off => None,
        Images::Blocks => Some(Graphics::blocks()),
        Images::Auto => {
            let protocol = protocol(&env)?;
            let (width, height) = cell?;
            #[allow(deprecated)] // The replacement asks the terminal through stdin.
            let mut picker = Picker::from_fontsize(FontSize::new(width, height));
            picker.set_protocol_type(protocol);
            Some(Graphics { picker, cell: (width, height) })
        }
    }
}

/// The protocol the terminal named by `env` draws images with, if it is one known to.
fn protocol(env: &impl Fn(&str) -> Option<String>) -> Option<ProtocolType> {
    let term = env("TERM").unwrap_or_default();
    let program = env("TERM_PROGRAM").unwrap_or_default();
    if env("TMUX").is_some() || term.starts_with("tmux") || term.starts_with("screen") {
        return None;
    }
    if env("KITTY_WINDOW_ID").is_some()
        || term == "xterm-kitty"
        || term == "xterm-ghostty"
        || program == "ghostty"
    {
        Some(ProtocolType::Kitty)
    } else if program == "iTerm.app"
        || program == "WezTerm"
        || env("LC_TERMINAL").as_deref() == Some("iTerm2")
        || env("WEZTERM_EXECUTABLE").is_some()
    {
        Some(ProtocolType::Iterm2)
    } else if term.starts_with("foot") || term.starts_with("mlterm") {
        Some(ProtocolType::Sixel)
    } else {
        None
    }
}

/// A cell's size in pixels from the window's cells and pixels; `None` when the terminal
/// does not say its pixels (they read 0).
fn cell_size((columns, rows): (u16, u16), (width, height): (u16, u16)) -> Option<(u16, u16)> {
    let cell = (width.checked_div(columns)?, height.checked_div(rows)?);
    (cell.0 > 0 && cell.1 > 0).then_some(cell)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chosen(setting: Images, vars: &[(&str, &str)], cell: Option<(u16, u16)>) -> String {
        let env = |name: &str| {
            vars.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string())
        };
        choose(setting, env, cell).map_or("labelled line".into(), |g| format!("{g:?}"))
    }

    #[test]
    fn known_terminals_draw_with_their_protocol_and_others_get_the_labelled_line() {
        let cell = Some((9, 18));
        let kitty = "Graphics(Kitty, cell (9, 18))";
        assert_eq!(chosen(Images::Auto, &[("KITTY_WINDOW_ID", "1")], cell), kitty);
        assert_eq!(chosen(Images::Auto, &[("TERM_PROGRAM", "ghostty")], cell), kitty);
        let iterm = "Graphics(Iterm2, cell (9, 18))";
        assert_eq!(chosen(Images::Auto, &[("TERM_PROGRAM", "iTerm.app")], cell), iterm);
        assert_eq!(chosen(Images::Auto, &[("TERM_PROGRAM", "WezTerm")], cell), iterm);
        let sixel = "Graphics(Sixel, cell (9, 18))";
        assert_eq!(chosen(Images::Auto, &[("TERM", "foot")], cell), sixel);
        let line = "labelled line";
        assert_eq!(chosen(Images::Auto, &[("TERM", "xterm-256color")], cell), line);
        // tmux passes images on only when configured to: the labelled line.
        let in_tmux = [("KITTY_WINDOW_ID", "1"), ("TMUX", "/tmp/tmux-0/default,1,0")];
        assert_eq!(chosen(Images::Auto, &in_tmux, cell), line);
        // No pixel size: the rows an image takes cannot be known.
        assert_eq!(chosen(Images::Auto, &[("KITTY_WINDOW_ID", "1")], None), line);
        // The switch.
        assert_eq!(chosen(Images::Off, &[("KITTY_WINDOW_ID", "1")], cell), line);
        let blocks = "Graphics(Halfblocks, cell (10, 20))";
        assert_eq!(chosen(Images::Blocks, &in_tmux, None), blocks);
    }

    #[test]
    fn the_cell_size_comes_from_the_window_pixels_when_the_terminal_gives_them() {
        assert_eq!(cell_size((120, 40), (1080, 720)), Some((9, 18)));
        assert_eq!(cell_size((120, 40), (0, 0)), None);
        assert_eq!(cell_size((0, 0), (1080, 720)), None);
    }
}

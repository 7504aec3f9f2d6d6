//! The app's state and the screen that draws it, kept together across frames as the driver
//! keeps them (so what was laid out stays laid out), with helpers that feed messages to
//! `update` and draw frames into a `TestBackend`, reporting what each showed as the driver
//! does.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rockchat::api::StreamEvent;
use rockchat::app::msg::RequestId;
use rockchat::app::state::Target;
use rockchat::app::{ApiEvent, Msg, State, update};
use rockchat::ui::Screen;

pub struct Tui {
    pub state: State,
    pub screen: Screen,
}

impl std::ops::Deref for Tui {
    type Target = State;
    fn deref(&self) -> &State {
        &self.state
    }
}

impl std::ops::DerefMut for Tui {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.state
    }
}

impl Tui {
    /// A fresh app on `model`, with the default system message, in a `width` × `height`
    /// terminal.
    pub fn new(model: &str, width: u16, height: u16) -> Self {
        let target = Target { provider: "rockapi".into(), model: model.into() };
        let mut state = State::new(target, "You are a helpful assistant".into(), false);
        state.counting.load_on_first_use();
        update(&mut state, Msg::Resize(width, height));
        Self { state, screen: Screen::default() }
    }

    pub fn key(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        update(&mut self.state, Msg::Key(KeyEvent::new(code, modifiers)));
    }

    /// Pastes `text` and presses Enter; the request's id.
    pub fn send(&mut self, text: &str) -> RequestId {
        update(&mut self.state, Msg::Paste(text.into()));
        self.key(KeyCode::Enter, KeyModifiers::NONE);
        self.state.stream.id().expect("a request started")
    }

    pub fn delta(&mut self, id: RequestId, text: &str) {
        let event =
            ApiEvent::Stream(StreamEvent::Delta { content: text.into(), reasoning: String::new() });
        update(&mut self.state, Msg::Api { id, event, at: Instant::now() });
    }

    pub fn done(&mut self, id: RequestId) {
        update(&mut self.state, Msg::Api { id, event: ApiEvent::Done, at: Instant::now() });
    }

    /// Draws a frame and reports what it showed; the screen as text, rows trimmed.
    pub fn draw(&mut self, width: u16, height: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        let Self { state, screen } = self;
        let mut shown = None;
        terminal.draw(|frame| shown = Some(screen.draw(state, frame))).unwrap();
        update(state, Msg::Shown(shown.unwrap()));
        let buffer = terminal.backend().buffer();
        (0..height)
            .map(|y| {
                let row: String = (0..width).map(|x| buffer[(x, y)].symbol().to_string()).collect();
                row.trim_end().to_owned()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

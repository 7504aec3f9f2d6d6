//! The tokenizer never loads on the key path: typing and sending with an OpenAI model count
//! with the estimate (shown "≈") until the driver has loaded the tokenizer in the
//! background, and exactly after. Alone in its test binary, so nothing else in the process
//! loads the tokenizer first.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent};
use futures_util::stream;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rockchat::api::{ApiClient, Endpoint};
use rockchat::app::state::Target;
use rockchat::app::{Effect, Msg, State, update};
use rockchat::term::driver::App;
use rockchat::tokens::{Counter, Encoding};

fn state() -> State {
    let target = Target { provider: "openai".into(), model: "gpt-4o".into() };
    State::new(target, String::new(), false)
}

#[tokio::test]
async fn typing_and_sending_never_load_the_tokenizer_and_the_driver_loads_it_in_the_background() {
    // The pure app, as the driver feeds it: the first message asks for the tokenizer.
    let mut pure = state();
    assert_eq!(update(&mut pure, Msg::Resize(80, 24)), [Effect::LoadTokenizer(Encoding::O200k)]);
    for c in "what is a monad?".chars() {
        update(&mut pure, Msg::Key(KeyEvent::from(KeyCode::Char(c))));
    }
    let effects = update(&mut pure, Msg::Key(KeyEvent::from(KeyCode::Enter)));
    assert!(effects.iter().any(|e| matches!(e, Effect::StartRequest { .. })), "{effects:?}");
    assert!(!Encoding::O200k.is_loaded(), "a key loaded the tokenizer");
    assert!(!pure.meter.unwrap().is_exact());

    // The driver loads it off the loop and says so; the meter becomes exact.
    let endpoint = Endpoint {
        provider: "openai".into(),
        base_url: "http://127.0.0.1:9/v1".into(),
        ..Endpoint::default()
    };
    let terminal = Terminal::new(TestBackend::new(80, 12)).unwrap();
    let mut app =
        App::new(state(), terminal, ApiClient::new(endpoint).unwrap(), Box::new(|_| Ok(())));
    app.dispatch(Msg::Paste("hello world".into())).unwrap();
    assert!(!app.state().meter.unwrap().is_exact());
    let mut input = stream::pending();
    let ready = app.run_until(&mut input, |s| s.meter.is_some_and(|m| m.is_exact()));
    tokio::time::timeout(Duration::from_secs(30), ready).await.unwrap().unwrap();
    assert!(Encoding::O200k.is_loaded());
    let exact = Counter::exact(Encoding::O200k);
    assert_eq!(app.state().meter.unwrap().tokens, 3 + exact.message("user", "hello world"));
    let shown = app.terminal().backend().to_string();
    assert!(shown.contains("9/128k tok") && !shown.contains('≈'), "{shown}");
}

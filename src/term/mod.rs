//! The shell around the app: everything that does IO for it. The event loop and the
//! execution of effects (`driver`), the real terminal (raw mode, the alternate screen,
//! restoring it on every exit, signals, suspending: `terminal`), and the programs around it
//! (`$EDITOR`, `$PAGER`, the clipboard: `programs`). `run` wires them to the real terminal.
//!
//! It owns the state and feeds it to `update`; it never changes the state itself.

pub mod driver;
pub mod host;
pub mod programs;
mod terminal;

pub use terminal::terminal_is_light;

use std::io::stdout;

use crossterm::event::EnableBracketedPaste;
use crossterm::execute;

use self::driver::App;
use self::host::Host;
use self::programs::{Programs, SystemClipboard};
use self::terminal::{
    TerminalEvents, forward_signals, install_panic_cleanup, restore, set_mouse,
    stop_until_continued, switch_screen, write_raw,
};
use crate::api::ApiClient;
use crate::app::{State, persist, target};
use crate::config::settings::Settings;
use crate::store::Store;
use crate::ui::Screen;
use crate::ui::theme::Theme;

/// Runs the full-screen app until the user quits; `resume` reopens a stored conversation;
/// `notice` is shown in the status line at the start (a warning about the config file).
pub async fn run(
    settings: Settings,
    store: Store,
    resume: Option<i64>,
    notice: Option<String>,
) -> anyhow::Result<()> {
    let client =
        ApiClient::new(settings.endpoint.clone())?.with_idle_timeout(settings.idle_timeout);
    let target = crate::app::state::Target {
        provider: settings.endpoint.provider.clone(),
        model: settings.model.clone(),
    };
    let mut state = State::new(target, settings.system_prompt.clone(), settings.mouse);
    crate::ui::markdown::warm_up();
    state.retry.max_retries = settings.max_retries;
    state.windows = settings.windows.clone();
    // What servers said in earlier runs (windows, calibration): a small table, read once.
    state.learned = store.learned().unwrap_or_else(|error| {
        tracing::warn!(%error, "cannot read what was learned about models");
        Default::default()
    });
    let mut clients = Vec::new();
    for (name, provider) in &settings.providers {
        let models = state.catalog.provider_mut(name);
        models.default_model = provider.model.clone();
        models.configured = provider.models.clone();
        models.offered = provider.offered;
        if *name != state.target.provider {
            let client =
                ApiClient::new(provider.endpoint.clone())?.with_idle_timeout(settings.idle_timeout);
            clients.push((name.clone(), client));
        }
    }
    let provider = state.target.provider.clone();
    state.favorites = target::resolve_favorites(&settings.favorites, &provider, |name| {
        settings.providers.contains_key(name)
    });
    // Read before the terminal is taken over, so a bad id is a plain error message.
    let stored = resume.map(|id| store.load(id)).transpose()?;
    let adopt = stored.map(|stored| {
        let (provider, model) = (stored.provider.clone(), stored.model.clone());
        let (conversation, adopt) = persist::restore(stored, &mut state.keys);
        state.conversation = conversation;
        state.notice = if settings.target_from_flags {
            let asked = &state.target.model;
            (model != *asked).then(|| {
                format!("continuing with {asked}, as asked (this conversation used {model})")
            })
        } else {
            target::restore(&mut state, &provider, &model)
        };
        adopt
    });
    // A warning about the config file outranks any other first notice.
    if notice.is_some() {
        state.notice = notice;
    }

    let terminal = ratatui::try_init()?;
    install_panic_cleanup();
    let setup = execute!(stdout(), EnableBracketedPaste).and_then(|()| set_mouse(settings.mouse));
    if let Err(error) = setup {
        restore();
        return Err(error.into());
    }
    let mut app = App::new(state, terminal, client, Box::new(set_mouse));
    app.set_screen(Screen::new(Theme::from_palette(&settings.palette)));
    for (name, client) in clients {
        app.add_client(name, client);
    }
    let events = TerminalEvents::default();
    let reader = events.clone();
    app.set_host(Host {
        screen: Box::new(move |screen| switch_screen(screen, &reader)),
        raw: Box::new(write_raw),
        clipboard: Some(SystemClipboard::default()),
        programs: Programs::from_env(),
        stop: Box::new(stop_until_continued),
    });
    if let Err(error) = app.attach_store(store) {
        restore();
        return Err(error.into());
    }
    if let Some(adopt) = adopt {
        app.save(adopt);
    }
    forward_signals(app.sender());
    let mut events = events;
    let result = app.run(&mut events).await;
    restore();
    app.finish();
    Ok(result?)
}

//! The real terminal: raw mode, alternate screen, bracketed paste and optional mouse
//! capture, and their undoing on every exit path, panics included.

use std::io::{self, stdout};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    EventStream,
};
use crossterm::execute;

use crate::api::ApiClient;
use crate::app::{App, Msg, State, persist, target};
use crate::settings::Settings;
use crate::store::Store;
use crate::ui::theme::Theme;

/// Runs the full-screen app until the user quits; `resume` reopens a stored conversation.
pub async fn run(settings: Settings, store: Store, resume: Option<i64>) -> anyhow::Result<()> {
    let client =
        ApiClient::new(settings.endpoint.clone())?.with_idle_timeout(settings.idle_timeout);
    let target = crate::app::state::Target {
        provider: settings.endpoint.provider.clone(),
        model: settings.model.clone(),
    };
    let mut state = State::new(target, settings.system_prompt.clone(), settings.mouse);
    state.theme = Theme::from_env(std::env::var("NO_COLOR").ok().as_deref());
    state.retry.max_retries = settings.max_retries;
    state.windows = settings.windows.clone();
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
        let (conversation, adopt) = persist::restore(stored);
        state.conversation = conversation;
        state.notice = target::restore(&mut state, &provider, &model);
        adopt
    });

    let terminal = ratatui::try_init()?;
    install_panic_cleanup();
    let setup = execute!(stdout(), EnableBracketedPaste).and_then(|()| set_mouse(settings.mouse));
    if let Err(error) = setup {
        restore();
        return Err(error.into());
    }
    let mut app = App::new(state, terminal, client, Box::new(set_mouse));
    for (name, client) in clients {
        app.add_client(name, client);
    }
    if let Err(error) = app.attach_store(store) {
        restore();
        return Err(error.into());
    }
    if let Some(adopt) = adopt {
        app.save(adopt);
    }
    forward_signals(app.sender());
    let mut events = EventStream::new();
    let result = app.run(&mut events).await;
    restore();
    app.finish();
    Ok(result?)
}

/// SIGTERM and SIGHUP end the app through the normal path, so the terminal is restored.
fn forward_signals(tx: tokio::sync::mpsc::UnboundedSender<Msg>) {
    use tokio::signal::unix::{SignalKind, signal};
    for kind in [SignalKind::terminate(), SignalKind::hangup()] {
        let Ok(mut stream) = signal(kind) else {
            continue;
        };
        let tx = tx.clone();
        tokio::spawn(async move {
            if stream.recv().await.is_some() {
                let _ = tx.send(Msg::Shutdown);
            }
        });
    }
}

fn set_mouse(on: bool) -> io::Result<()> {
    if on {
        execute!(stdout(), EnableMouseCapture)
    } else {
        execute!(stdout(), DisableMouseCapture)
    }
}

fn restore() {
    // Each step is attempted even if one fails: a half-restored terminal is the worst case.
    let _ = execute!(stdout(), DisableMouseCapture, DisableBracketedPaste);
    ratatui::restore();
}

/// ratatui's own hook restores raw mode and the screen; this one also turns off paste and
/// mouse modes, which would otherwise leak into the user's shell.
fn install_panic_cleanup() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

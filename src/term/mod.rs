//! The shell around the app: everything that does IO for it. The event loop and the
//! execution of effects (`driver`), the real terminal (raw mode, the alternate screen,
//! restoring it on every exit, signals, suspending: `terminal`), and the programs around it
//! (`$EDITOR`, `$PAGER`, the clipboard: `programs`). `run` wires them to the real terminal.
//!
//! It owns the state and feeds it to `update`; it never changes the state itself.

pub mod driver;
pub mod graphics;
pub mod host;
mod inline;
pub mod print;
pub mod programs;
mod terminal;

pub use terminal::terminal_is_light;

use std::io::stdout;

use crossterm::event::{EnableBracketedPaste, EnableFocusChange};
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
    preset: Option<String>,
    notice: Option<String>,
) -> anyhow::Result<()> {
    let client =
        ApiClient::new(settings.endpoint.clone())?.with_idle_timeout(settings.idle_timeout);
    // The root certificates load on a thread of their own while the first frame is drawn.
    client.warm_up();
    let target = crate::app::state::Target {
        provider: settings.endpoint.provider.clone(),
        model: settings.model.clone(),
    };
    let mut state = State::new(target, settings.system_prompt.clone(), settings.mouse);
    state.retry.max_retries = settings.max_retries;
    state.tools = crate::app::tools::Tools::new(settings.tools.clone());
    state.notify = settings.notify;
    state.windows = settings.windows.clone();
    state.prices = settings.prices.clone();
    state.view.show_usage = settings.show_usage;
    state.list_prices =
        settings.providers.get(&state.target.provider).is_some_and(|p| p.list_prices);
    // What servers said in earlier runs (windows, calibration): a small table, read once.
    state.learned = store.learned().unwrap_or_else(|error| {
        tracing::warn!(%error, "cannot read what was learned about models");
        Default::default()
    });
    for (name, provider) in &settings.providers {
        let models = state.catalog.provider_mut(name);
        models.default_model = provider.model.clone();
        models.configured = provider.models.clone();
        models.offered = provider.offered;
    }
    let clients = clients(&settings, &client)?;
    let provider = state.target.provider.clone();
    state.favorites = target::resolve_favorites(&settings.favorites, &provider, |name| {
        settings.providers.contains_key(name)
    });
    // Earlier prompts for Up in the draft; a store that cannot say starts an empty history.
    let prompts = store.recent_prompts(crate::app::history::LIMIT).unwrap_or_default();
    state.history = crate::app::history::History::new(prompts);
    // Read before the terminal is taken over, so a bad id is a plain error message. A long
    // conversation's first frame is drawn from the tail of its branch (one indexed query),
    // the whole being read by the store's thread meanwhile. Inline mode prints what it shows
    // into the scrollback, which must not change under it: it reads the whole at once.
    let inline = settings.screen == crate::config::ScreenMode::Inline;
    let stored = match resume {
        Some(id) if !inline => {
            let (tail, whole) = store.load_tail(id, crate::app::tail::TAIL)?;
            if !whole {
                state.partial = Some(crate::app::tail::Partial::new(id));
            }
            Some(tail)
        }
        Some(id) => Some(store.load(id)?),
        None => None,
    };
    // The draft left in the conversation reopened, or in the one not started yet; that slot
    // is emptied once read, the draft being in the input from now on.
    let fresh_draft = match stored {
        Some(_) => None,
        None => Some(store.draft(0).unwrap_or_default()).filter(|draft| !draft.is_empty()),
    };
    if let Some(draft) = &fresh_draft {
        state.input = crate::app::editor::Editor::with_text(draft);
        state.notice = Some("your unsent draft is back (Ctrl+C clears it)".into());
    }
    let adopt = stored.map(|stored| {
        state.input = crate::app::editor::Editor::with_text(&stored.draft);
        let (provider, model) = (stored.provider.clone(), stored.model.clone());
        let enabled = stored.tools.clone();
        let (conversation, adopt) = persist::restore(stored, &mut state.keys);
        // Its servers start with the others, after the first frame.
        crate::app::tools::restore_enabled(&mut state, enabled.as_deref());
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
    // The default provider needs a key that is not there: the first screen says which, and
    // offers the servers that need none.
    let provider = &state.target.provider;
    if adopt.is_none()
        && let Some(variable) = settings.providers.get(provider).and_then(|p| p.missing_key.clone())
    {
        let provider = provider.clone();
        let candidates = settings
            .providers
            .iter()
            .filter(|(_, p)| p.missing_key.is_none() && p.endpoint.api_key_cmd.is_none())
            .map(|(name, _)| name.clone())
            .collect();
        state.first_run = Some(crate::app::first_run::FirstRun { provider, variable, candidates });
    }
    // A server given by its URL alone: what it serves decides the model.
    state.guessed_model = settings.model_guessed && adopt.is_none();
    // The config's presets and the saved ones, for Ctrl+N; a store that cannot say offers
    // the config's.
    let saved_presets = store.presets().unwrap_or_default();
    state.presets = crate::app::presets::Presets::new(&settings.presets, &saved_presets);
    // `--preset` starts the new conversation from it (its model came through the flags).
    if let (Some(name), None) = (&preset, &adopt) {
        crate::app::presets::apply(&mut state, name);
    }
    // A warning about the config file outranks any other first notice.
    if notice.is_some() {
        state.notice = notice;
    }

    install_panic_cleanup();
    let terminal = match open_terminal(inline) {
        Ok(terminal) => terminal,
        Err(error) => {
            restore();
            return Err(error.into());
        }
    };
    let setup = execute!(stdout(), EnableBracketedPaste, EnableFocusChange)
        .and_then(|()| set_mouse(settings.mouse));
    if let Err(error) = setup {
        restore();
        return Err(error.into());
    }
    let mut app = App::new(state, terminal, client, Box::new(set_mouse));
    if inline && let Err(error) = app.set_inline() {
        restore();
        return Err(error.into());
    }
    // The syntaxes load while the first frame is drawn (its code plain), which is drawn
    // again, highlighted, when they are ready.
    let redraw = app.sender();
    crate::ui::markdown::warm_up(move || {
        let _ = redraw.send(crate::app::Msg::Redraw);
    });
    // Each provider's client under its own name: a conversation reopened on another
    // provider must still reach the default one when the user switches back.
    let mut screen = Screen::new(Theme::from_palette(&settings.palette));
    // Images are drawn (decoded off this thread, then drawn again) when the terminal can;
    // inline mode prints finished messages once, so it keeps the labelled line.
    if let Some(graphics) = graphics::detect(settings.images).filter(|_| !inline) {
        let redraw = app.sender();
        screen.set_pictures(crate::ui::pictures::Pictures::new(graphics, move || {
            let _ = redraw.send(crate::app::Msg::Redraw);
        }));
    }
    app.set_screen(screen);
    for (name, client) in clients {
        app.add_client(name, client);
    }
    let events = TerminalEvents::default();
    let reader = events.clone();
    let asker = events.clone();
    app.set_host(Host {
        cursor: Box::new(move || terminal::cursor_position(&asker)),
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
    if let Some(partial) = &app.state().partial {
        let id = partial.id();
        app.save(crate::store::writer::StoreCmd::LoadWhole { id });
    }
    if fresh_draft.is_some() {
        app.save(crate::store::writer::StoreCmd::SetDraft {
            conversation: None,
            text: String::new(),
        });
    }
    forward_signals(app.sender());
    let mut events = events;
    let result = app.run(&mut events).await;
    // The conversation goes into the scrollback even when the loop failed.
    let printed = app.finish_inline();
    restore();
    if let Err(error) = printed {
        tracing::warn!(%error, "could not print the conversation on leaving");
    }
    if let Some(waiting) = &app.state().unsaved {
        eprintln!("rockchat: {waiting}; trying a few more seconds before quitting");
    }
    if let Some(unwritten) = app.finish() {
        print_unwritten(&unwritten);
    }
    Ok(result?)
}

/// The terminal in raw mode: the alternate screen, or for `inline` the main screen with a
/// viewport the inline surface places.
fn open_terminal(
    inline: bool,
) -> std::io::Result<ratatui::Terminal<ratatui::backend::CrosstermBackend<std::io::Stdout>>> {
    terminal::take(inline)?;
    let backend = ratatui::backend::CrosstermBackend::new(stdout());
    let viewport = match inline {
        // Placed for real by the inline surface before the first frame.
        true => ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 1, 1)),
        false => ratatui::Viewport::Fullscreen,
    };
    ratatui::Terminal::with_options(backend, ratatui::TerminalOptions { viewport })
}

/// A client for every configured provider, each under its own name; the default provider's
/// carries the command line's overrides (`--base-url`). All share `shared`'s HTTP client.
pub fn clients(
    settings: &Settings,
    shared: &ApiClient,
) -> anyhow::Result<Vec<(String, ApiClient)>> {
    let mut clients = Vec::new();
    for (name, provider) in &settings.providers {
        let endpoint = match *name == settings.endpoint.provider {
            true => settings.endpoint.clone(),
            false => provider.endpoint.clone(),
        };
        clients.push((
            name.clone(),
            ApiClient::new(endpoint)?.with_idle_timeout(settings.idle_timeout).sharing_http(shared),
        ));
    }
    if !settings.providers.contains_key(&settings.endpoint.provider) {
        let client = ApiClient::new(settings.endpoint.clone())?
            .with_idle_timeout(settings.idle_timeout)
            .sharing_http(shared);
        clients.push((settings.endpoint.provider.clone(), client));
    }
    Ok(clients)
}

/// The last resort for writes the store never took: the messages go to stderr, after the
/// terminal is restored, so they are in the scrollback rather than nowhere.
fn print_unwritten(unwritten: &crate::store::writer::Unwritten) {
    use crate::sanitize::{one_line, sanitize};
    eprintln!("rockchat: {unwritten}; here they are:\n");
    for message in &unwritten.messages {
        let who = match message.role {
            crate::chat::Role::Assistant => message.model.as_deref().unwrap_or("assistant"),
            _ => "You",
        };
        eprintln!("## {}\n\n{}\n", one_line(who, 200), sanitize(message.content.trim_end()));
    }
    for draft in &unwritten.drafts {
        eprintln!("## Typed, not sent\n\n{}\n", sanitize(draft.trim_end()));
    }
}

//! From parsed arguments to a run: which settings a command needs (a preset, the flags, a
//! continued conversation's own provider, model and URL), which store it opens (reading
//! commands work where the data dir cannot be written), and the subcommand itself, with its
//! exit code. `main` only loads the config and starts logging before it, and runs the
//! full-screen app after it.

use std::io::{IsTerminal, Read, Write};

use anyhow::Context;

use super::{ask, saved};
use crate::chat::preset::Preset;
use crate::config::cli::{Cli, Command, Server, Target};
use crate::config::settings::{Overrides, Settings, resolve};
use crate::config::{Config, paths};
use crate::store::{Opening, Store};

/// What every command starts from.
pub struct Startup {
    pub config: Config,
    pub inline: bool,
}

/// What the full-screen app starts with.
pub struct FullScreen {
    pub settings: Settings,
    pub store: Store,
    pub resume: Option<i64>,
    pub preset: Option<String>,
}

fn db() -> anyhow::Result<std::path::PathBuf> {
    let dir = paths::data_dir().context("no data directory: set ROCKCHAT_DATA_DIR")?;
    Ok(dir.join("rockchat.db"))
}

fn open_store() -> anyhow::Result<Store> {
    Ok(Store::open(&db()?)?)
}

/// The reading commands still work where the data dir cannot be written.
fn read_store() -> anyhow::Result<Store> {
    Ok(Store::open_for_reading(&db()?)?)
}

pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        let kind = cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| cause.downcast_ref::<serde_json::Error>().and_then(|e| e.io_error_kind()));
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// The one-time search index rebuild after an upgrade, on stderr: a counter on a terminal,
/// its first and last line elsewhere.
pub fn report_indexing(done: u64, total: u64) {
    let mut err = std::io::stderr().lock();
    let line = format!("rockchat: indexing {total} messages for search (once, after an upgrade)");
    if err.is_terminal() {
        let _ = write!(err, "\r{line}: {done} done");
        if done == total {
            let _ = writeln!(err);
        }
    } else if done == 0 {
        let _ = writeln!(err, "{line}…");
    } else if done == total {
        let _ = writeln!(err, "rockchat: indexed {total} messages for search");
    }
}

/// A URL as it may be stored: without a user name or password.
pub fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    format!("{scheme}://{host}{path}")
}

/// The `--base-url` in effect: the flag, else `OPENAI_BASE_URL`.
fn override_url(server: &Server) -> Option<String> {
    server
        .base_url
        .clone()
        .or_else(|| std::env::var("OPENAI_BASE_URL").ok().filter(|url| !url.trim().is_empty()))
}

/// A conversation picked up again: where it was held decides where it goes on, unless the
/// flags say otherwise. A provider the config still has is used; one it lost, held on a URL
/// it remembers, goes back to that URL.
fn reopened_on(target: &mut Target, config: &Config, store: &Store, id: i64) -> anyhow::Result<()> {
    if target.server.provider.is_some() || target.server.base_url.is_some() {
        return Ok(());
    }
    let stored = store.load(id)?;
    if config.provider(&stored.provider).is_ok() {
        target.server.provider = Some(stored.provider);
    } else if let Some(url) = store.base_url(id)? {
        target.server.base_url = Some(url);
    } else {
        return Ok(());
    }
    if target.model.is_none() && !stored.model.is_empty() {
        target.model = Some(stored.model);
    }
    Ok(())
}

/// The settings for `target`, and the preset it names.
fn settings_for(
    startup: &Startup,
    target: &Target,
    for_the_terminal: bool,
) -> anyhow::Result<(Settings, Option<(String, Preset)>)> {
    let config = &startup.config;
    // A preset's provider, model and system message stand where the config's would; the
    // flags still win over it.
    let preset = match &target.preset {
        Some(name) => {
            let saved = match config.presets.contains_key(name) {
                true => Vec::new(),
                false => open_store()?.presets()?,
            };
            let found = crate::chat::preset::find(name, &config.presets, &saved);
            Some((name.clone(), found.map_err(anyhow::Error::msg)?))
        }
        None => None,
    };
    let from_preset = |pick: fn(&Preset) -> &Option<String>| {
        preset.as_ref().and_then(|(_, preset)| pick(preset).clone())
    };
    // A saved preset can name a provider this config no longer has: the default stands in.
    let preset_provider = from_preset(|p| &p.provider).filter(|name| {
        let known = config.provider(name).is_ok();
        if !known && target.server.provider.is_none() {
            eprintln!(
                "rockchat: note: the preset's provider `{name}` is not configured; using the default"
            );
        }
        known
    });
    let asks = for_the_terminal && asks_the_terminal(config);
    let overrides = Overrides {
        provider: target.server.provider.clone().or(preset_provider),
        base_url: target.server.base_url.clone(),
        api_key_env: target.server.api_key_env.clone(),
        model: target.model.clone().or_else(|| from_preset(|p| &p.model)),
        system: target.system.clone().or_else(|| from_preset(|p| &p.system_prompt)),
        terminal_is_light: asks.then(crate::term::terminal_is_light).flatten(),
        inline: startup.inline,
    };
    let settings = resolve(config, &overrides, |name| std::env::var(name).ok())?;
    Ok((settings, preset))
}

/// Only the full-screen app on a real terminal asks, and only when nothing else decides the
/// theme: a script's `ask` never waits on the terminal.
fn asks_the_terminal(config: &Config) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    config.theme == crate::config::ThemeChoice::Auto
        && !set("NO_COLOR")
        && !set("COLORFGBG")
        && std::io::stdout().is_terminal()
        && std::io::stdin().is_terminal()
}

/// The full-screen app's settings and store, the conversation it reopens, and what new
/// conversations remember of the server.
pub fn full_screen(startup: &Startup, cli: &Cli) -> anyhow::Result<FullScreen> {
    let store = open_store()?;
    let resume = match (cli.open, cli.resume_latest) {
        (Some(id), _) => Some(id),
        (None, true) => store.latest()?,
        (None, false) => None,
    };
    let mut target = cli.target.clone();
    if let Some(id) = resume {
        reopened_on(&mut target, &startup.config, &store, id)?;
    }
    let (settings, preset) = settings_for(startup, &target, true)?;
    if let Some(url) = override_url(&target.server) {
        store.hold_new_conversations_at(&without_credentials(&url))?;
    }
    Ok(FullScreen { settings, store, resume, preset: preset.map(|(name, _)| name) })
}

/// `rockchat config …` on the file `--config` names, else the platform's.
pub fn config_command(
    action: crate::config::cli::ConfigAction,
    named: Option<std::path::PathBuf>,
) -> anyhow::Result<u8> {
    use crate::config::cli::ConfigAction;
    let file = named.or_else(paths::platform_config_file);
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    match action {
        ConfigAction::Path => {
            let file = file.context("no config directory on this platform: use --config PATH")?;
            super::config::path(&file, &mut out, &mut err)?;
        }
        ConfigAction::Show => super::config::show(file.as_deref(), &mut out)?,
        ConfigAction::Check => {
            if !super::config::check(file.as_deref(), &mut out, &mut err)? {
                return Ok(1);
            }
        }
    }
    Ok(0)
}

/// Runs a subcommand; its exit code.
pub fn run(startup: &Startup, cli: &Cli, command: Command) -> anyhow::Result<u8> {
    let mut out = std::io::stdout().lock();
    let ok = |()| 0;
    match command {
        Command::Ask(args) => ask(startup, cli, &args),
        Command::Models { server, json } => {
            let target = Target { server: server.or(&cli.target.server), ..cli.target.clone() };
            let (settings, _) = settings_for(startup, &target, false)?;
            let client = crate::api::ApiClient::new(settings.endpoint.clone())?
                .with_idle_timeout(settings.idle_timeout);
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let models = match runtime.block_on(client.list_models()) {
                Ok(models) => models,
                Err(error) => {
                    eprintln!("rockchat: {error}");
                    return Ok(ask::exit_code(&error) as u8);
                }
            };
            if json {
                let rows: Vec<serde_json::Value> = models
                    .iter()
                    .map(|m| serde_json::json!({"id": m.id, "context_window": m.context_window}))
                    .collect();
                serde_json::to_writer_pretty(&mut out, &rows)?;
                writeln!(out)?;
                return Ok(0);
            }
            // Ids are one line each (`api::models`), so this stays one row per model; a tab
            // before the window, for `cut`.
            for model in models {
                match model.context_window {
                    Some(window) => writeln!(out, "{}\t{window}", model.id)?,
                    None => writeln!(out, "{}", model.id)?,
                }
            }
            Ok(0)
        }
        Command::List { limit, json } => saved::list(&read_store()?, limit, json, &mut out).map(ok),
        Command::Search { query, limit, json } => {
            let found = saved::search(&read_store()?, &query.join(" "), limit, json, &mut out)?;
            if !found {
                let shown = crate::sanitize::one_line(&query.join(" "), 200).into_owned();
                eprintln!("rockchat: no conversation matches {shown}");
                return Ok(1);
            }
            Ok(0)
        }
        Command::Show { id, json } => saved::show(&read_store()?, id, json, &mut out).map(ok),
        Command::Export { id, all: _, format } => {
            let store = read_store()?;
            // The request body goes to the conversation's own provider, with its fields.
            let mut target = cli.target.clone();
            if let Some(id) = id {
                reopened_on(&mut target, &startup.config, &store, id)?;
            }
            let (settings, _) = settings_for(startup, &target, false)?;
            saved::export(&store, id, format, &settings.endpoint, &mut out).map(ok)
        }
        Command::Import { file } => saved::import(open_store()?, &file, &mut out).map(ok),
        Command::Stats { since, by, json } => {
            let now = crate::store::now_ms();
            super::stats::stats(&read_store()?, &since, by, json, now, &mut out).map(ok)
        }
        Command::Delete { id } => saved::delete(&open_store()?, id, &mut out).map(ok),
        Command::Tools => {
            let (settings, _) = settings_for(startup, &cli.target, false)?;
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let ok = runtime.block_on(super::tools::list(&settings, &mut out))?;
            Ok(if ok { 0 } else { 1 })
        }
        Command::Keys => {
            // Names and words are the table's; keys as the labels name them.
            for (name, keys, text) in crate::app::keymap::effective_table() {
                writeln!(out, "{name:<20} {keys:<28} {text}")?;
            }
            Ok(0)
        }
        Command::Backup { file } => {
            read_store()?.backup(&file)?;
            writeln!(out, "backed up to {}", file.display())?;
            Ok(0)
        }
        Command::Config { action } => config_command(action, cli.config.clone()),
        Command::Completions { shell } => {
            super::complete::registration(shell, &mut out)?;
            Ok(0)
        }
    }
}

/// `ask`: the prompt, the conversation it continues (if any), the request, and the exchange
/// saved (unless `--no-save`, or a dry run, which sends nothing).
fn ask(startup: &Startup, cli: &Cli, args: &crate::config::cli::AskArgs) -> anyhow::Result<u8> {
    let stdin = read_piped_stdin()?;
    let prompt = ask::compose_prompt(&args.prompt, stdin.as_deref());
    // An image or a file alone is a question too ("what is this?" is implied).
    let attached = !args.images.is_empty() || !args.files.is_empty();
    let Some(prompt) = prompt.or_else(|| attached.then(String::new)) else {
        anyhow::bail!("no prompt: give it as an argument or on stdin");
    };
    let saving = !args.no_save && !args.dry_run;
    let continuing = args.continue_latest || args.open.is_some();
    let mut store = match (saving, continuing) {
        (true, _) => Some(open_store()?),
        (false, true) => Some(read_store()?),
        (false, false) => None,
    };
    let mut target = args.target.or(&cli.target);
    let id = match (&store, args.open, args.continue_latest) {
        (Some(store), Some(id), _) => Some(store.load(id)?.id),
        (Some(store), None, true) => {
            Some(store.latest()?.context("no saved conversation to continue yet")?)
        }
        _ => None,
    };
    let mut history = None;
    let mut parent = None;
    if let (Some(store), Some(id)) = (&store, id) {
        reopened_on(&mut target, &startup.config, store, id)?;
        let stored = store.load(id)?;
        parent = stored.messages.last().map(|m| m.id);
        let mut keys = crate::chat::Keys::default();
        let (conversation, _) = crate::app::persist::restore(stored, &mut keys);
        history = Some(ask::History { conversation, keys });
    }
    let (settings, preset) = settings_for(startup, &target, false)?;
    let before = history.as_ref().map_or(0, |h| h.conversation.messages().len());
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    let preset = preset.map(|(_, preset)| preset);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let run = ask::run(&settings, args, preset.as_ref(), history, prompt, &mut out, &mut err);
    let (code, conversation) = runtime.block_on(run);
    if let (true, Some(store)) = (saving, store.as_mut()) {
        let new = &conversation.messages()[before.min(conversation.messages().len())..];
        let url = override_url(&target.server).map(|url| without_credentials(&url));
        let opening = Opening {
            title: conversation.title.clone(),
            system_prompt: conversation.system.clone(),
            provider: settings.endpoint.provider.clone(),
            base_url: url,
            model: settings.model.clone(),
            params: conversation.params.to_json(),
        };
        let rows: Vec<crate::store::Appended> = new
            .iter()
            .map(|m| {
                let attached = m.images.iter().chain(&m.files).cloned().collect();
                (crate::app::persist::fields(m), attached, m.tool_calls.clone())
            })
            .collect();
        if !rows.is_empty() {
            // The reply was printed already; a save that fails says so and fails the run.
            if let Err(error) = store.append(id, &opening, parent, &rows) {
                eprintln!("rockchat: the exchange was not saved: {error}");
                return Ok(1);
            }
        }
    }
    Ok(code as u8)
}

fn read_piped_stdin() -> anyhow::Result<Option<String>> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    stdin.lock().read_to_end(&mut bytes)?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_url_keeps_no_credentials() {
        assert_eq!(
            without_credentials("http://alice:s3cret@10.0.0.1:8080/v1?x=1"),
            "http://10.0.0.1:8080/v1?x=1"
        );
        assert_eq!(without_credentials("https://api.example/v1"), "https://api.example/v1");
    }
}

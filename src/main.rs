//! Entry point: parse flags, load config, set up logging, then run the TUI or `ask`.

// No bare unwrap outside tests (clippy.toml lets them): handle the failure, or `expect` it
// with the reason it cannot happen.
#![warn(clippy::unwrap_used)]

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

use anyhow::Context;
use std::process::ExitCode;

use clap::Parser;
use rockchat::chat::preset::Preset;
use rockchat::commands::{ask, saved};
use rockchat::config::cli::{Cli, Command, ConfigAction};
use rockchat::config::settings::{Overrides, resolve};
use rockchat::config::{self, Config, paths};
use rockchat::store::Store;
use rockchat::term;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        // `rockchat export 1 | head`: the reader left, which is not the user's error.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("rockchat: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        let kind = cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| cause.downcast_ref::<serde_json::Error>().and_then(|e| e.io_error_kind()));
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// Only the full-screen app on a real terminal asks, and only when nothing else decides the
/// theme: a script's `ask` never waits on the terminal.
fn asks_the_terminal(cli: &Cli, config: &Config) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    cli.command.is_none()
        && config.theme == rockchat::config::ThemeChoice::Auto
        && !set("NO_COLOR")
        && !set("COLORFGBG")
        && std::io::stdout().is_terminal()
        && std::io::stdin().is_terminal()
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Some(Command::Config { action }) = cli.command {
        // Before the config is loaded: `check` is for a file that does not load.
        return config_command(action, cli.config);
    }
    let config_path = cli.config.clone().or_else(paths::default_config_file);
    let config = match &config_path {
        Some(path) => Config::load(path)?,
        None => Config::defaults()?,
    };
    rockchat::app::keymap::install(config.keymap()?);
    let mut notice = None;
    if let Some(path) = &config_path
        && let Some(warning) = config::exposure_warning(path)
    {
        // On stderr for every command; the app also shows it, shorter, in its status line,
        // since its screen covers anything printed before it.
        eprintln!("rockchat: warning: {warning}");
        notice = Some(format!("⚠ chmod go-w {}: others can change it", path.display()));
    }
    let db = || -> anyhow::Result<std::path::PathBuf> {
        let dir = paths::data_dir().context("no data directory: set ROCKCHAT_DATA_DIR")?;
        Ok(dir.join("rockchat.db"))
    };
    let open_store = || -> anyhow::Result<Store> { Ok(Store::open(&db()?)?) };
    // The reading commands still work where the data dir cannot be written.
    let read_store = || -> anyhow::Result<Store> { Ok(Store::open_for_reading(&db()?)?) };
    // A preset's provider, model and system message stand where the config's would; the
    // flags still win over it.
    let preset = match &cli.preset {
        Some(name) => {
            let saved = match config.presets.contains_key(name) {
                true => Vec::new(),
                false => open_store()?.presets()?,
            };
            let found = rockchat::chat::preset::find(name, &config.presets, &saved);
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
        if !known && cli.provider.is_none() {
            eprintln!("rockchat: note: the preset's provider `{name}` is not configured; using the default");
        }
        known
    });
    let overrides = Overrides {
        provider: cli.provider.clone().or(preset_provider),
        base_url: cli.base_url.clone(),
        api_key_env: cli.api_key_env.clone(),
        model: cli.model.clone().or_else(|| from_preset(|p| &p.model)),
        system: cli.system.clone().or_else(|| from_preset(|p| &p.system_prompt)),
        terminal_is_light: asks_the_terminal(&cli, &config).then(term::terminal_is_light).flatten(),
        inline: cli.inline,
    };
    let settings = resolve(&config, &overrides, |name| std::env::var(name).ok())?;
    if let Some(dir) = paths::data_dir() {
        rockchat::logging::init(&dir, cli.log_level.map(|level| level.as_str()));
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut out = std::io::stdout().lock();
    match cli.command {
        None => {
            // Without a terminal the full screen cannot start; say what works instead of
            // the system's "No such device or address".
            if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
                anyhow::bail!(
                    "the full-screen app needs a terminal on stdin and stdout; in a script or \
                     a pipe use `rockchat ask \"your prompt\"` (rockchat ask --help)"
                );
            }
            let store = open_store()?;
            let resume = match (cli.open, cli.resume_latest) {
                (Some(id), _) => Some(id),
                (None, true) => store.latest()?,
                (None, false) => None,
            };
            drop(out);
            let preset = preset.map(|(name, _)| name);
            runtime.block_on(term::run(settings, store, resume, preset, notice))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Models) => {
            let client = rockchat::api::ApiClient::new(settings.endpoint.clone())?
                .with_idle_timeout(settings.idle_timeout);
            let models = runtime.block_on(client.list_models())?;
            // Ids are one line each (`api::models`), so this stays one row per model.
            for model in models {
                match model.context_window {
                    Some(window) => writeln!(out, "{}\t{window}", model.id)?,
                    None => writeln!(out, "{}", model.id)?,
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::List { limit }) => saved::list(&read_store()?, limit, &mut out).map(ok),
        Some(Command::Search { query, limit }) => {
            saved::search(&read_store()?, &query.join(" "), limit, &mut out).map(ok)
        }
        Some(Command::Show { id }) => saved::show(&read_store()?, id, &mut out).map(ok),
        Some(Command::Export { id, format }) => {
            saved::export(&read_store()?, id, format, &mut out).map(ok)
        }
        Some(Command::Import { file }) => saved::import(open_store()?, &file, &mut out).map(ok),
        Some(Command::Stats { since, by, json }) => {
            let now = rockchat::store::now_ms();
            rockchat::commands::stats::stats(&read_store()?, &since, by, json, now, &mut out)
                .map(ok)
        }
        Some(Command::Delete { id }) => saved::delete(&open_store()?, id, &mut out).map(ok),
        Some(Command::Tools) => {
            let ok = runtime.block_on(rockchat::commands::tools::list(&settings, &mut out))?;
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Some(Command::Keys) => {
            // Names and words are the table's; keys as the labels name them.
            for (name, keys, text) in rockchat::app::keymap::effective_table() {
                writeln!(out, "{name:<20} {keys:<28} {text}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Config { action }) => config_command(action, cli.config),
        Some(Command::Backup { file }) => {
            read_store()?.backup(&file)?;
            writeln!(out, "backed up to {}", file.display())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Ask(args)) => {
            let stdin = read_piped_stdin()?;
            let prompt = ask::compose_prompt(&args.prompt, stdin.as_deref());
            // An image or a file alone is a question too ("what is this?" is implied).
            let attached = !args.images.is_empty() || !args.files.is_empty();
            let Some(prompt) = prompt.or_else(|| attached.then(String::new)) else {
                anyhow::bail!("no prompt: give it as an argument or on stdin");
            };
            drop(out);
            let mut out = std::io::stdout();
            let mut err = std::io::stderr();
            let preset = preset.map(|(_, preset)| preset);
            let run = ask::run(&settings, &args, preset.as_ref(), prompt, &mut out, &mut err);
            let code = runtime.block_on(run);
            Ok(ExitCode::from(code as u8))
        }
    }
}

/// `rockchat config …` on the file `--config` names, else the platform's.
fn config_command(action: ConfigAction, named: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    use rockchat::commands::config;
    let file = named.or_else(paths::platform_config_file);
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    match action {
        ConfigAction::Path => {
            let file = file.context("no config directory on this platform: use --config PATH")?;
            config::path(&file, &mut out, &mut err)?;
        }
        ConfigAction::Show => config::show(file.as_deref(), &mut out)?,
        ConfigAction::Check => {
            if !config::check(file.as_deref(), &mut out, &mut err)? {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn ok(_: ()) -> ExitCode {
    ExitCode::SUCCESS
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

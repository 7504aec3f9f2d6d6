//! Entry point: parse flags, load config, set up logging, then run the TUI or a subcommand
//! (`commands::dispatch`).

// No bare unwrap outside tests (clippy.toml lets them): handle the failure, or `expect` it
// with the reason it cannot happen.
#![warn(clippy::unwrap_used)]

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use rockchat::commands::dispatch::{self, Startup};
use rockchat::config::cli::{Cli, Command};
use rockchat::config::{self, Config, paths};
use rockchat::term;

fn main() -> ExitCode {
    // A shell asking for completions gets them and nothing else runs.
    rockchat::commands::complete::answer_if_asked();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        // `rockchat export 1 | head`: the reader left, which is not the user's error.
        Err(error) if dispatch::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("rockchat: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(mut cli: Cli) -> anyhow::Result<ExitCode> {
    if let Some(Command::Config { action }) = cli.command {
        // Before the config is loaded: `check` is for a file that does not load.
        return Ok(ExitCode::from(dispatch::config_command(action, cli.config)?));
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
    if let Some(dir) = paths::data_dir() {
        rockchat::logging::init(&dir, cli.log_level.map(|level| level.as_str()));
    }
    rockchat::store::on_indexing(dispatch::report_indexing);
    let startup = Startup { config, inline: cli.inline };
    let Some(command) = cli.command.take() else {
        // Without a terminal the full screen cannot start; say what works instead of the
        // system's "No such device or address".
        if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
            anyhow::bail!(
                "the full-screen app needs a terminal on stdin and stdout; in a script or a \
                 pipe use `rockchat ask \"your prompt\"` (rockchat ask --help)"
            );
        }
        let app = dispatch::full_screen(&startup, &cli)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(term::run(app.settings, app.store, app.resume, app.preset, notice))?;
        return Ok(ExitCode::SUCCESS);
    };
    let code = dispatch::run(&startup, &cli, command)?;
    Ok(ExitCode::from(code))
}

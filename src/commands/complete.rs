//! Shell completion: the scripts `rockchat completions SHELL` prints, and the candidates
//! the binary offers when a shell asks it (`COMPLETE=bash rockchat -- …`, clap_complete's
//! dynamic protocol): saved conversations' ids with their titles, model names (the config's
//! and those recent conversations used), providers and presets. Completion only reads: the
//! database is opened read-only, nothing is asked of a server, and anything unreadable
//! offers nothing rather than an error in the middle of the user's command line.

use clap::CommandFactory;
use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};
use clap_complete::{ArgValueCandidates, CompletionCandidate};

use crate::config::cli::Cli;
use crate::config::{Config, paths};
use crate::store::Store;

/// The variable that makes the binary answer a completion instead of running.
const VAR: &str = "COMPLETE";

/// How many conversations (newest first) an id completes from.
const CONVERSATIONS: usize = 200;

/// Answers the shell and exits when it is asking (`COMPLETE` set); returns otherwise.
pub fn answer_if_asked() {
    clap_complete::CompleteEnv::with_factory(command).var(VAR).complete();
}

/// The shell code that registers rockchat's completions with `shell`: it calls the binary
/// on PATH at each Tab, so ids and models are always current.
pub fn registration(
    shell: clap_complete::Shell,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let completer: &dyn EnvCompleter = match shell {
        clap_complete::Shell::Bash => &Bash,
        clap_complete::Shell::Elvish => &Elvish,
        clap_complete::Shell::Fish => &Fish,
        clap_complete::Shell::PowerShell => &Powershell,
        clap_complete::Shell::Zsh => &Zsh,
        // A shell clap_complete adds later: its static script, without ids and models.
        other => {
            clap_complete::generate(other, &mut Cli::command(), "rockchat", out);
            return Ok(());
        }
    };
    completer.write_registration(VAR, "rockchat", "rockchat", "rockchat", out)
}

/// The command line with every argument that names something saved or configured given
/// its candidates.
fn command() -> clap::Command {
    let ids = || ArgValueCandidates::new(conversations);
    let target = |command: clap::Command| {
        command
            .mut_arg("model", |arg| arg.add(ArgValueCandidates::new(models)))
            .mut_arg("provider", |arg| arg.add(ArgValueCandidates::new(providers)))
            .mut_arg("preset", |arg| arg.add(ArgValueCandidates::new(presets)))
    };
    target(Cli::command())
        .mut_arg("open", |arg| arg.add(ids()))
        .mut_subcommand("ask", |ask| target(ask).mut_arg("open", |arg| arg.add(ids())))
        .mut_subcommand("models", |models| {
            models.mut_arg("provider", |arg| arg.add(ArgValueCandidates::new(providers)))
        })
        .mut_subcommand("show", |show| show.mut_arg("id", |arg| arg.add(ids())))
        .mut_subcommand("export", |export| export.mut_arg("id", |arg| arg.add(ids())))
        .mut_subcommand("delete", |delete| delete.mut_arg("id", |arg| arg.add(ids())))
}

fn config() -> Option<Config> {
    let path = std::env::var_os("ROCKCHAT_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(paths::default_config_file);
    match path {
        Some(path) => Config::load(&path).ok(),
        None => Config::defaults().ok(),
    }
}

fn store() -> Option<Store> {
    Store::open_read_only(&paths::data_dir()?.join("rockchat.db")).ok()
}

/// One line of help beside a candidate: untrusted text (a title) made safe for a shell's
/// menu.
fn help(text: &str) -> Option<clap::builder::StyledStr> {
    Some(crate::sanitize::one_line(text, 60).into_owned().into())
}

fn conversations() -> Vec<CompletionCandidate> {
    let listed = store().and_then(|store| store.list(CONVERSATIONS).ok()).unwrap_or_default();
    listed
        .into_iter()
        .map(|c| CompletionCandidate::new(c.id.to_string()).help(help(&c.title)))
        .collect()
}

fn models() -> Vec<CompletionCandidate> {
    let mut names: Vec<(String, String)> = Vec::new();
    if let Some(config) = config() {
        for (provider, settings) in &config.providers {
            for model in std::iter::once(&settings.model).chain(&settings.models) {
                names.push((model.clone(), provider.clone()));
            }
        }
        for model in config.models.keys().chain(&config.favorites) {
            names.push((model.clone(), String::new()));
        }
    }
    let used = store().and_then(|store| store.recent_models(50).ok()).unwrap_or_default();
    names.extend(used.into_iter().map(|model| (model, "used recently".to_owned())));
    let mut seen = std::collections::HashSet::new();
    names
        .into_iter()
        .filter(|(model, _)| !model.trim().is_empty() && seen.insert(model.clone()))
        .map(|(model, note)| {
            let candidate =
                CompletionCandidate::new(crate::sanitize::one_line(&model, 200).into_owned());
            if note.is_empty() { candidate } else { candidate.help(help(&note)) }
        })
        .collect()
}

fn providers() -> Vec<CompletionCandidate> {
    let config = config();
    let names = config.iter().flat_map(|config| config.providers.keys());
    names.map(|name| CompletionCandidate::new(name.clone())).collect()
}

fn presets() -> Vec<CompletionCandidate> {
    let mut names: Vec<String> =
        config().map(|config| config.presets.into_keys().collect()).unwrap_or_default();
    let saved = store().and_then(|store| store.presets().ok()).unwrap_or_default();
    names.extend(saved.into_iter().map(|(name, _)| name));
    names.sort();
    names.dedup();
    names.into_iter().map(CompletionCandidate::new).collect()
}

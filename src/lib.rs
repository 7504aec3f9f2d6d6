//! rockchat: a terminal chat client for OpenAI-compatible Chat Completions APIs.
//!
//! # Layout
//! The arrows run one way: `term` drives `app`, which is built on `chat`; `ui` reads `app`'s
//! state; `api` and `store` know `chat` and nothing above it; `chat` counts with `tokens`,
//! which knows nothing of the rest. Nothing in `app` or `chat` imports `ui` or `term`, or
//! does IO.
//! - [`chat`]: the domain shared by the TUI and `ask`: messages, roles, finish reasons and
//!   usage, the conversation tree and its branches, context planning, the retry policy,
//!   attachments, request parameters. Pure.
//! - [`app`]: the TUI's pure state machine: `State`, `Msg` and `Effect`, `update` (the only
//!   place `State` changes), the binding table, one file per feature's handlers.
//! - [`term`]: the shell around `app` that does its IO: the event loop, effect execution,
//!   the terminal (raw mode, restore on every exit, signals, suspend), `$EDITOR`, `$PAGER`
//!   and the clipboard.
//! - [`ui`]: drawing. A `Screen` owned by the driver holds the layout caches; rendering
//!   reads the app's state and never changes it.
//! - [`api`]: HTTP and SSE to OpenAI-compatible servers; errors carry facts, not advice.
//! - [`mcp`]: MCP servers and their tools, through the official SDK `rmcp`: starting them
//!   in the background, listing, calling, and reporting a server that fails or dies. IO,
//!   like `api`; it never decides what runs.
//! - [`store`]: SQLite: schema, the writer thread, queries, import, the archive.
//! - [`tokens`]: counting and trimming to a window (pure; imports nothing of the crate).
//! - [`config`]: command-line arguments, the config file and the theme files it names, their
//!   resolution into settings, and paths.
//! - [`commands`]: the command-line frontends: the dispatch of a subcommand, `ask`, the
//!   saved-conversation commands and the HTML export.
//! - [`files`]: reading the user's files to attach (blocking IO, for `term` and `ask`).
//! - [`format`]: numbers and times as people read them, the same on screen and in the CLI.
//! - [`logging`]: the log file in the data dir, rotated, and its level.
//! - [`sanitize`], [`secret`]: untrusted text made safe for a terminal; the API key, which
//!   never reaches a log, an error or `Debug` output.

// No bare unwrap outside tests (clippy.toml lets them): handle the failure, or `expect` it
// with the reason it cannot happen.
#![warn(clippy::unwrap_used)]

pub mod api;
pub mod app;
pub mod chat;
pub mod commands;
pub mod config;
pub mod files;
pub mod format;
pub mod logging;
pub mod mcp;
pub mod sanitize;
pub mod secret;
pub mod store;
pub mod term;
pub mod tokens;
pub mod ui;

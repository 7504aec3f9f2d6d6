//! rockchat: a terminal chat client for OpenAI-compatible Chat Completions APIs.
//!
//! # Layout
//! - [`app`]: the interactive app. `State` holds the conversation; `update(&mut State, Msg)`
//!   is the only place it changes and returns `Effect`s; `App` is the driver loop that owns
//!   the terminal, runs requests as tasks and draws once per frame after a change.
//! - [`ui`]: drawing, which only reads the state; the transcript keeps a per-message layout
//!   cache so a frame costs the same at any history length.
//! - [`api`]: the wire types, SSE framing, `<think>` splitting, the HTTP client and typed
//!   errors. Knows nothing of the app.
//! - [`config`], [`settings`], [`cli`], [`paths`]: configuration (embedded
//!   `config.example.toml` merged with the user's file), flags and environment resolved into
//!   the starting endpoint and model, and every provider a conversation can switch to.
//! - [`sanitize`]: strips terminal control sequences from untrusted text.
//! - [`secret`]: the API key, which never reaches a log, an error or `Debug` output.
//! - [`attach`]: images attached to a prompt (recognised in a paste, checked by their bytes).
//! - [`ask`]: the one-shot `rockchat ask` mode for scripts.
//! - [`tui`]: terminal setup and restoration.

pub mod api;
pub mod app;
pub mod ask;
pub mod attach;
pub mod cli;
pub mod commands;
pub mod config;
pub mod paths;
pub mod sanitize;
pub mod secret;
pub mod settings;
pub mod store;
pub mod tokens;
pub mod tui;
pub mod ui;

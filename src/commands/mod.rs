//! The command-line frontends besides the full-screen app: `dispatch` (from arguments to a
//! run and its exit code), `ask` (one question, for scripts, saved unless asked not to), the
//! commands on saved conversations (`list`, `search`, `show`, `export`, `import`, `delete`,
//! `backup`; `html` for the shareable export), `stats` (tokens and cost over time), `tools`
//! (the MCP servers, and the calls `ask` makes) and those on the config file (`config
//! path|show|check`), and `complete` (shell completion). They print to the writers they are given and phrase errors for a
//! shell, never with the app's keys.

pub mod ask;
pub mod complete;
pub mod config;
pub mod dispatch;
pub mod html;
pub mod saved;
pub mod stats;
pub mod tools;

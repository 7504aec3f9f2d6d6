//! The command-line frontends besides the full-screen app: `ask` (one question, for scripts),
//! the commands on saved conversations (`list`, `search`, `show`, `export`, `import`,
//! `delete`, `backup`), `stats` (tokens and cost over time), `tools` (the MCP servers, and
//! the calls `ask` makes) and those on the config file (`config path|show|check`). They print to the writers they are given and phrase errors for a
//! shell, never with the app's keys.

pub mod ask;
pub mod config;
pub mod saved;
pub mod stats;
pub mod tools;

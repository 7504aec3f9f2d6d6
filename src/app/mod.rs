//! The interactive app: state, the messages that change it, the pure `update`, the key
//! table, and the driver loop that does the IO.
//!
//! Select mode (`select`) acts on one message of the transcript; branches (`branch`, inside
//! `state`) keep edited prompts' and retried replies' old continuations; `external` holds the
//! clipboard, `$EDITOR` and `$PAGER`, which only the driver calls.

pub mod context;
pub mod external;
pub mod keymap;
pub mod library;
mod message;
pub mod msg;
pub mod params;
pub mod persist;
pub mod picker;
pub mod retry;
pub mod run;
pub mod select;
pub mod state;
pub mod target;
mod turn;
pub mod update;

pub use msg::{ApiEvent, Effect, Msg};
pub use run::App;
pub use state::State;
pub use update::update;

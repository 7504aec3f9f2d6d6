//! The interactive app: state, the messages that change it, the pure `update`, the key
//! table, and the driver loop that does the IO.

pub mod context;
pub mod external;
pub mod keymap;
pub mod library;
pub mod msg;
pub mod params;
pub mod persist;
pub mod picker;
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

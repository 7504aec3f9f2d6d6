//! The full-screen app's pure state machine: `State`, the messages that change it (`Msg`),
//! the IO it asks for (`Effect`), `update` (the only place `State` changes), the binding
//! table (`bindings`: every key, and the words the help, the status line and the README
//! use for it), and one module per feature's handlers: a turn of the conversation (`turn`),
//! select mode (`select`), turns written by the user (`few_shot`), attaching files
//! (`attach`), the conversation list (`library`), the model picker (`picker`), presets
//! (`presets`), the parameters form (`params_form`), tools and their calls (`tools`), the
//! target model (`target`), the prompts waiting for the reply in flight (`queue`), the ping
//! when a reply ends unseen (`ping`), the context meter (`meter`) and the context part by
//! part (`breakdown`), what replies cost (`spend`), what the server says
//! about its model and how it counts (`server`), what goes to the store (`persist`), a
//! conversation opened from its tail (`tail`), and the advice shown under a failed request
//! (`advice`).
//!
//! Nothing here does IO, reads a clock or the environment, or draws: times and answers
//! arrive inside messages, and `term` carries out the effects.

pub mod advice;
pub mod attach;
pub mod bindings;
pub mod breakdown;
pub mod editor;
pub mod few_shot;
pub mod first_run;
pub mod history;
pub mod keymap;
pub mod library;
pub mod meter;
pub mod msg;
pub mod palette;
pub mod params_form;
pub mod persist;
pub mod picker;
pub mod ping;
pub mod popup_keys;
pub mod presets;
pub mod queue;
pub mod scroll;
pub mod select;
pub mod server;
pub mod spend;
pub mod state;
pub mod tail;
pub mod target;
pub mod tools;
mod turn;
pub mod update;

pub use msg::{ApiEvent, Effect, Msg};
pub use state::State;
pub use update::update;

//! Talking to OpenAI-compatible servers: wire types, SSE framing, the HTTP client, typed
//! errors that carry facts (never advice, never a frontend's keys), and the assembly of
//! streamed text. No app state lives here.

pub mod client;
pub mod error;
pub mod facts;
pub mod key_command;
pub mod models;
mod probe;
pub mod refusal;
pub mod reply;
pub mod sse;
pub mod think;
pub mod types;

pub use client::{ApiClient, Endpoint, Reply, StreamEvent};
pub use error::ApiError;

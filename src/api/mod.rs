//! Talking to OpenAI-compatible servers: wire types, SSE framing, the HTTP client, bounded
//! reading of whole bodies, typed errors that carry facts (never advice, never a frontend's
//! keys), the key command, and the assembly of streamed text. No app state lives here, and
//! nothing a server sends is read without a limit or waited for without a timeout.

pub mod body;
pub mod client;
pub mod error;
pub mod facts;
pub mod http;
pub mod key_command;
pub mod models;
pub mod refusal;
pub mod reply;
pub mod sse;
pub mod think;
pub mod types;

pub use client::{ApiClient, Endpoint, Reply, StreamEvent};
pub use error::{ApiError, refuses_response_format};

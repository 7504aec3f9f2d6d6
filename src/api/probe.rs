//! Asking again, unstreamed, after a stream that said nothing: llama-cpp-python answers a
//! prompt longer than its window with `200 text/event-stream` and an empty body, then closes
//! the connection. The same request without `stream` gets the error and its numbers (or the
//! reply itself).
//!
//! The probe never rides the kept-alive connection of the silent stream: that connection is
//! being closed by the server, and a request sent on it fails with "connection closed
//! before message completed", which looks like a network fault and would be retried for
//! nothing. It goes out on a connection of its own, used once.

use std::time::Duration;

use super::client::ApiClient;
use super::error::ApiError;
use super::types::ChatRequest;

impl ApiClient {
    /// `request` without streaming, on a fresh connection that is closed after it.
    pub(super) async fn ask_unstreamed(
        &self,
        request: &ChatRequest,
    ) -> Result<reqwest::Response, ApiError> {
        let mut again = request.clone();
        again.stream = false;
        again.stream_options = None;
        let once = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(0)
            .user_agent(concat!("rockchat/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::Network { message: format!("cannot set up HTTP: {e}") })?;
        let builder =
            once.post(self.url()).header(reqwest::header::CONNECTION, "close").json(&again);
        self.execute(builder, &request.model).await
    }
}

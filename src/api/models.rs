//! `GET {base_url}/models`: which models a server offers, and the context window where the
//! server says (OpenRouter `context_length`, vLLM `max_model_len`). Lenient like the rest
//! of the wire types: unknown fields ignored, a missing list is an empty list.

use serde::Deserialize;

use super::client::ApiClient;
use super::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    pub id: String,
    pub context_window: Option<usize>,
}

#[derive(Debug, Deserialize)]
struct ModelList {
    #[serde(default)]
    data: Vec<ModelEntry>,
}

#[derive(Debug, Deserialize)]
struct ModelEntry {
    id: String,
    #[serde(default)]
    context_length: Option<usize>,
    #[serde(default)]
    max_model_len: Option<usize>,
}

/// Parses a `/models` body; sorted by id, ids sanitised (they reach the screen).
pub fn parse_models(body: &str) -> Result<Vec<ModelInfo>, String> {
    let list: ModelList = serde_json::from_str(body)
        .map_err(|e| format!("the model list is not valid JSON ({e})"))?;
    let mut models: Vec<ModelInfo> = list
        .data
        .into_iter()
        .map(|m| ModelInfo {
            id: crate::sanitize::sanitize(&m.id).into_owned(),
            context_window: m.context_length.or(m.max_model_len),
        })
        .filter(|m| !m.id.is_empty())
        .collect();
    models.sort_by(|a, b| a.id.cmp(&b.id));
    models.dedup_by(|a, b| a.id == b.id);
    Ok(models)
}

impl ApiClient {
    /// The server's models; an error means "use the configured list".
    pub async fn list_models(&self) -> Result<Vec<ModelInfo>, ApiError> {
        let body = self.get_text("models").await?;
        parse_models(&body).map_err(|message| ApiError::Protocol { message })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_openrouter_vllm_and_llama_cpp_lists_parse() {
        let openai = r#"{"object":"list","data":[{"id":"gpt-4o","object":"model","owned_by":"openai"},{"id":"gpt-4o-mini"}]}"#;
        assert_eq!(parse_models(openai).unwrap().len(), 2);
        let openrouter =
            r#"{"data":[{"id":"openai/gpt-4o","context_length":128000,"pricing":{}}]}"#;
        assert_eq!(parse_models(openrouter).unwrap()[0].context_window, Some(128_000));
        let vllm = r#"{"object":"list","data":[{"id":"Qwen/Qwen2.5-7B","max_model_len":32768}]}"#;
        assert_eq!(parse_models(vllm).unwrap()[0].context_window, Some(32_768));
        let llama = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/llama-server/models.json"
        ))
        .unwrap();
        assert_eq!(parse_models(&llama).unwrap()[0].id, "tiny-llama");
    }

    #[test]
    fn a_body_without_a_list_is_empty_and_garbage_is_an_error() {
        assert!(parse_models("{}").unwrap().is_empty());
        assert!(parse_models("<html>").is_err());
    }
}

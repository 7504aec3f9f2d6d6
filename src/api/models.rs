//! `GET {base_url}/models`: which models a server offers, and the context window where the
//! server says: OpenRouter `context_length`, vLLM `max_model_len`, and for llama.cpp's
//! llama-server the per-slot `n_ctx` of `GET {server root}/props` (the window a request
//! really gets), else its list's `meta.n_ctx` or `meta.n_ctx_train`. Lenient like the rest
//! of the wire types: unknown fields ignored, a missing list is an empty list.
//!
//! Prices come from OpenRouter's `pricing` (dollars per token as decimal strings: `prompt`,
//! `completion`, and where listed `input_cache_read` and `internal_reasoning`); a list
//! without them, or with a price that is not one (OpenRouter's -1 for "varies"), prices
//! nothing, and the cost stays unknown.
//!
//! A model id is a server's string shown on one line (the picker, `rockchat models`' TSV):
//! it is sanitised, made one line and capped. A fetch has a total timeout besides the idle
//! timeout of each read, so a server that trickles its list forever still ends.

use std::time::Duration;

use serde::Deserialize;

use super::client::ApiClient;
use super::error::ApiError;
use crate::chat::price::{Price, per_token};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    pub id: String,
    pub context_window: Option<usize>,
    /// What the server says the model costs, when it says.
    pub price: Option<Price>,
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
    #[serde(default)]
    owned_by: Option<String>,
    /// llama-server's description of the loaded model.
    #[serde(default)]
    meta: Option<LlamaMeta>,
    #[serde(default)]
    pricing: Option<Pricing>,
}

/// OpenRouter's `pricing`: dollars per token, as decimal strings.
#[derive(Debug, Deserialize)]
struct Pricing {
    #[serde(default)]
    prompt: Option<serde_json::Value>,
    #[serde(default)]
    completion: Option<serde_json::Value>,
    #[serde(default)]
    input_cache_read: Option<serde_json::Value>,
    #[serde(default)]
    internal_reasoning: Option<serde_json::Value>,
}

impl Pricing {
    /// Input and output must both be priced; a cached-input or reasoning price of 0 is
    /// taken as "not priced apart" (OpenRouter lists 0 for models without one), so those
    /// tokens cost what input and output cost rather than nothing.
    fn price(&self) -> Option<Price> {
        let apart = |value: &Option<serde_json::Value>| {
            value.as_ref().and_then(per_token).filter(|&price| price > 0)
        };
        Some(Price {
            input: per_token(self.prompt.as_ref()?)?,
            output: per_token(self.completion.as_ref()?)?,
            cached_input: apart(&self.input_cache_read),
            reasoning: apart(&self.internal_reasoning),
        })
    }
}

#[derive(Debug, Deserialize)]
struct LlamaMeta {
    #[serde(default)]
    n_ctx: Option<usize>,
    #[serde(default)]
    n_ctx_train: Option<usize>,
}

/// llama-server's `/props`; `n_ctx` sits under `default_generation_settings` (older and
/// current builds) or at the top (some newer ones).
#[derive(Debug, Deserialize)]
struct Props {
    #[serde(default)]
    default_generation_settings: Option<PropsSettings>,
    #[serde(default)]
    n_ctx: Option<usize>,
}

#[derive(Debug, Deserialize)]
struct PropsSettings {
    #[serde(default)]
    n_ctx: Option<usize>,
}

/// A parsed list, and whether it came from llama-server (whose `/props` knows better).
struct Parsed {
    models: Vec<ModelInfo>,
    llama_server: bool,
}

/// A model id longer than this is cut (and no longer names a real model, which is fine: no
/// real one is this long).
pub const MAX_ID: usize = 256;

/// The longest a model list fetch (the list, then llama-server's `/props`) may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Parses a `/models` body; sorted by id, ids one sanitised line each (they reach the
/// screen and `rockchat models`' TSV).
pub fn parse_models(body: &str) -> Result<Vec<ModelInfo>, String> {
    parse(body).map(|parsed| parsed.models)
}

fn parse(body: &str) -> Result<Parsed, String> {
    let list: ModelList = serde_json::from_str(body)
        .map_err(|e| format!("the model list is not valid JSON ({e})"))?;
    let llama_server =
        list.data.iter().any(|m| m.meta.is_some() || m.owned_by.as_deref() == Some("llamacpp"));
    let mut models: Vec<ModelInfo> = list
        .data
        .into_iter()
        .map(|m| {
            let meta = m.meta.as_ref();
            let llama = meta.and_then(|meta| meta.n_ctx.or(meta.n_ctx_train));
            ModelInfo {
                id: crate::sanitize::one_line(&m.id, MAX_ID).into_owned(),
                context_window: m.context_length.or(m.max_model_len).or(llama).filter(|&w| w > 0),
                price: m.pricing.as_ref().and_then(Pricing::price),
            }
        })
        .filter(|m| !m.id.is_empty())
        .collect();
    models.sort_by(|a, b| a.id.cmp(&b.id));
    models.dedup_by(|a, b| a.id == b.id);
    Ok(Parsed { models, llama_server })
}

/// The per-slot window a llama-server `/props` body reports.
pub fn parse_props(body: &str) -> Option<usize> {
    let props: Props = serde_json::from_str(body).ok()?;
    props.default_generation_settings.and_then(|s| s.n_ctx).or(props.n_ctx).filter(|&n| n > 0)
}

impl ApiClient {
    /// The server's models; an error means "use the configured list". From llama-server,
    /// its `/props` window replaces the list's, which may be the whole cache shared by
    /// several slots or the model's training length. Gives up after [`FETCH_TIMEOUT`].
    pub async fn list_models(&self) -> Result<Vec<ModelInfo>, ApiError> {
        tokio::time::timeout(FETCH_TIMEOUT, self.fetch_models()).await.unwrap_or_else(|_| {
            Err(ApiError::Network {
                message: format!(
                    "the model list did not arrive within {} s",
                    FETCH_TIMEOUT.as_secs()
                ),
            })
        })
    }

    async fn fetch_models(&self) -> Result<Vec<ModelInfo>, ApiError> {
        let body = self.get_text("models").await?;
        let mut parsed = parse(&body).map_err(|message| ApiError::Protocol { message })?;
        if parsed.llama_server
            && let Ok(props) = self.get_root_text("props").await
            && let Some(window) = parse_props(&props)
        {
            for model in &mut parsed.models {
                model.context_window = Some(window);
            }
        }
        Ok(parsed.models)
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
        let llama = parse_models(&llama).unwrap();
        assert_eq!(llama[0].id, "tiny-llama");
        assert_eq!(llama[0].context_window, Some(4096), "meta.n_ctx before n_ctx_train");
        let trained_only =
            r#"{"data":[{"id":"m","owned_by":"llamacpp","meta":{"n_ctx_train":8192}}]}"#;
        assert_eq!(parse_models(trained_only).unwrap()[0].context_window, Some(8192));
    }

    #[test]
    fn openrouter_pricing_gives_input_cached_output_and_reasoning_prices() {
        let body = r#"{"data":[
            {"id":"openai/o3","pricing":{"prompt":"0.000002","completion":"0.000008","request":"0","input_cache_read":"0.0000005","internal_reasoning":"0"}},
            {"id":"thinker","pricing":{"prompt":"0.000001","completion":"0.000002","internal_reasoning":"0.000003"}},
            {"id":"openrouter/auto","pricing":{"prompt":"-1","completion":"-1"}},
            {"id":"free","pricing":{"prompt":"0","completion":"0"}},
            {"id":"plain"}
        ]}"#;
        let models = parse_models(body).unwrap();
        let price = |id: &str| models.iter().find(|m| m.id == id).unwrap().price;
        assert_eq!(
            price("openai/o3"),
            Some(Price {
                input: 2_000_000,
                cached_input: Some(500_000),
                output: 8_000_000,
                reasoning: None
            })
        );
        assert_eq!(price("thinker").unwrap().reasoning, Some(3_000_000));
        assert_eq!(price("openrouter/auto"), None, "a price that varies is unknown");
        assert_eq!(price("free"), Some(Price::default()), "free is a price: $0");
        assert_eq!(price("plain"), None);
    }

    #[test]
    fn llama_server_props_give_the_per_slot_window() {
        let props = r#"{"default_generation_settings":{"n_ctx":2048,"params":{"temperature":0.8}},"total_slots":2,"model_path":"m.gguf"}"#;
        assert_eq!(parse_props(props), Some(2048));
        assert_eq!(parse_props(r#"{"n_ctx":1024}"#), Some(1024));
        assert_eq!(parse_props(r#"{"default_generation_settings":{}}"#), None);
        assert_eq!(parse_props("<html>"), None);
    }

    #[test]
    fn an_id_is_one_sanitised_capped_line() {
        let hostile = r#"{"data":[{"id":"fake\tid\nrow\u001b[31m"},{"id":"gpt\u200b-4o"}]}"#;
        let ids: Vec<String> = parse_models(hostile).unwrap().into_iter().map(|m| m.id).collect();
        assert_eq!(ids, ["fake id row", "gpt<U+200B>-4o"]);
        let long = format!(r#"{{"data":[{{"id":"{}"}}]}}"#, "m".repeat(5000));
        assert_eq!(parse_models(&long).unwrap()[0].id.chars().count(), MAX_ID + 1);
    }

    #[test]
    fn a_body_without_a_list_is_empty_and_garbage_is_an_error() {
        assert!(parse_models("{}").unwrap().is_empty());
        assert!(parse_models("<html>").is_err());
    }
}

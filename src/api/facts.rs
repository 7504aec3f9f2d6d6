//! What a server says about the model it serves, asked in the background: its context
//! window, whether it takes images, and whether it can count tokens for us.
//!
//! llama.cpp's llama-server: `GET /props` (the per-slot `n_ctx`, `modalities.vision`),
//! `POST /tokenize {"content"}` and `POST /apply-template {"messages"}`. vLLM: `POST
//! /tokenize` with `prompt` (text) or `messages` (the chat template applied), answering
//! `count` and its window (`max_model_len`). Anything else: nothing here (its window comes
//! from its model list when the picker reads it, or the built-in table). Each answer is read
//! up to a cap and every call has a timeout: these run off the UI path and must never hang
//! it or fill memory.

use std::time::Duration;

use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;

use super::client::ApiClient;
use super::error::ApiError;
use super::models::parse_props;
use crate::chat::tally::Template;

/// A background question gives up after this long.
pub const FACTS_TIMEOUT: Duration = Duration::from_secs(15);
/// `/props` carries the chat template, which can be long; nothing sane is longer.
const MAX_PROPS: usize = 1024 * 1024;
/// A `/tokenize` answer lists every token id: about 8 bytes a token.
const MAX_TOKENIZE: usize = 8 * 1024 * 1024;

/// How a server counts tokens for us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tokenizer {
    /// llama.cpp's llama-server.
    LlamaCpp,
    /// vLLM.
    Vllm,
}

/// What the server said about one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServerFacts {
    pub window: Option<usize>,
    /// `Some(false)` when the server says the model cannot see images.
    pub vision: Option<bool>,
    pub tokenizer: Option<Tokenizer>,
}

#[derive(Debug, Deserialize)]
struct Modalities {
    #[serde(default)]
    modalities: Option<Vision>,
}

#[derive(Debug, Deserialize)]
struct Vision {
    #[serde(default)]
    vision: Option<bool>,
}

/// `/tokenize`'s answer: llama.cpp lists `tokens`, vLLM also gives `count`.
#[derive(Debug, Deserialize)]
struct Tokens {
    #[serde(default)]
    count: Option<usize>,
    #[serde(default)]
    tokens: Option<Vec<serde::de::IgnoredAny>>,
    /// vLLM's window.
    #[serde(default)]
    max_model_len: Option<usize>,
}

#[derive(Debug, Deserialize)]
struct Applied {
    prompt: String,
}

/// The window and vision a llama-server `/props` body reports.
pub fn parse_llama_props(body: &str) -> Option<ServerFacts> {
    let window = parse_props(body)?;
    let vision = serde_json::from_str::<Modalities>(body)
        .ok()
        .and_then(|m| m.modalities)
        .and_then(|m| m.vision);
    Some(ServerFacts { window: Some(window), vision, tokenizer: Some(Tokenizer::LlamaCpp) })
}

/// The number of tokens in a `/tokenize` answer.
pub fn parse_token_count(body: &str) -> Option<usize> {
    let tokens: Tokens = serde_json::from_str(body).ok()?;
    tokens.count.or(tokens.tokens.map(|t| t.len()))
}

/// The questions about a model put to `client`'s server (`ApiClient::server`).
pub struct ModelServer<'a> {
    client: &'a ApiClient,
}

impl<'a> ModelServer<'a> {
    pub fn new(client: &'a ApiClient) -> Self {
        Self { client }
    }

    /// The server's window for `model`, whether it takes images, and whether it counts.
    pub async fn server_facts(&self, model: &str) -> Result<ServerFacts, ApiError> {
        tokio::time::timeout(FACTS_TIMEOUT, self.facts(model))
            .await
            .map_err(|_| ApiError::Network { message: "the server did not say in time".into() })?
    }

    async fn facts(&self, model: &str) -> Result<ServerFacts, ApiError> {
        if let Ok(body) = self.root_capped("props", None, MAX_PROPS).await
            && let Some(facts) = parse_llama_props(&body)
        {
            return Ok(facts);
        }
        // vLLM counts on `/tokenize` and says its window there; a server without it answers
        // 404 at once, and its window comes from its model list when the picker reads it.
        let probe = json!({"model": model, "prompt": "hi", "add_special_tokens": false});
        let body = self.root_capped("tokenize", Some(probe), MAX_TOKENIZE).await?;
        let tokens: Tokens = serde_json::from_str(&body).map_err(|e| ApiError::Protocol {
            message: format!("the server's /tokenize answer is not what vLLM sends ({e})"),
        })?;
        let counts = tokens.count.is_some() || tokens.tokens.is_some();
        Ok(ServerFacts {
            window: tokens.max_model_len.filter(|&w| w > 0),
            vision: None,
            tokenizer: counts.then_some(Tokenizer::Vllm),
        })
    }

    /// The tokens of `text` alone (no template, no special tokens added).
    pub async fn count_tokens(
        &self,
        tokenizer: Tokenizer,
        model: &str,
        text: &str,
    ) -> Result<usize, ApiError> {
        let body = match tokenizer {
            Tokenizer::LlamaCpp => json!({"content": text, "add_special": false}),
            Tokenizer::Vllm => json!({"model": model, "prompt": text, "add_special_tokens": false}),
        };
        self.tokenize(body).await
    }

    /// The tokens the chat template adds around a message of each role, and once per
    /// request (the start of the prompt, the reply's opening), from the template applied to
    /// short conversations that any template accepts (system first, user and assistant
    /// taking turns, a user message last, as every request ends), less their text.
    ///
    /// Only the sum of a user's and an assistant's share can be told apart that way (a
    /// conversation ending with the assistant is a prefill, rendered differently), so each
    /// gets half and the once-per-request share takes the rest: a request whose turns
    /// alternate, as requests do, is then counted exactly.
    pub async fn template_tokens(
        &self,
        tokenizer: Tokenizer,
        model: &str,
    ) -> Result<Template, ApiError> {
        let text = self.count_tokens(tokenizer, model, "a").await?;
        let says = |role: &str| json!({"role": role, "content": "a"});
        let chat = |messages: Vec<serde_json::Value>| async move {
            self.count_chat(tokenizer, model, &messages).await
        };
        let alone = chat(vec![says("user")]).await?;
        let turn = chat(vec![says("user"), says("assistant"), says("user")]).await?;
        let pair = turn.saturating_sub(alone + 2 * text);
        let user = pair / 2;
        // A template that refuses a system message leaves it where a user's would be.
        let system = match chat(vec![says("system"), says("user")]).await {
            Ok(both) => both.saturating_sub(alone + text),
            Err(_) => user,
        };
        Ok(Template {
            system,
            user,
            assistant: pair - user,
            fixed: alone.saturating_sub(text + user),
        })
    }

    /// The tokens of a whole chat prompt, as the server builds it for a request.
    async fn count_chat(
        &self,
        tokenizer: Tokenizer,
        model: &str,
        messages: &[serde_json::Value],
    ) -> Result<usize, ApiError> {
        match tokenizer {
            Tokenizer::LlamaCpp => {
                let body = json!({"messages": messages});
                let applied = self.root_capped("apply-template", Some(body), MAX_TOKENIZE).await?;
                let prompt = serde_json::from_str::<Applied>(&applied)
                    .map_err(|e| ApiError::Protocol {
                        message: format!("apply-template answered something else ({e})"),
                    })?
                    .prompt;
                // As the server tokenizes a prompt for a completion: special tokens added.
                self.tokenize(json!({"content": prompt, "add_special": true})).await
            }
            Tokenizer::Vllm => {
                let body =
                    json!({"model": model, "messages": messages, "add_generation_prompt": true});
                self.tokenize(body).await
            }
        }
    }

    async fn tokenize(&self, body: serde_json::Value) -> Result<usize, ApiError> {
        let answer = self.root_capped("tokenize", Some(body), MAX_TOKENIZE).await?;
        parse_token_count(&answer).ok_or_else(|| ApiError::Protocol {
            message: "the server's /tokenize answer has no tokens".into(),
        })
    }

    /// `GET` (or `POST` with `body`) `{server root}/{path}`, read up to `cap` bytes.
    async fn root_capped(
        &self,
        path: &str,
        body: Option<serde_json::Value>,
        cap: usize,
    ) -> Result<String, ApiError> {
        let base = self.client.endpoint().base_url.trim_end_matches('/');
        let url = format!("{}/{path}", base.strip_suffix("/v1").unwrap_or(base));
        let builder = match body {
            Some(body) => self.client.http()?.post(url).json(&body),
            None => self.client.http()?.get(url),
        };
        let response = self.client.execute_in_background(builder).await?;
        let mut bytes = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| ApiError::Network { message: e.to_string() })?;
            if bytes.len() + chunk.len() > cap {
                return Err(ApiError::Protocol {
                    message: format!("the server's /{path} answer is larger than {cap} bytes"),
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        String::from_utf8(bytes).map_err(|_| ApiError::Protocol {
            message: format!("the server's /{path} answer is not UTF-8"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenize_answers_of_both_servers_are_counted() {
        assert_eq!(parse_token_count(r#"{"tokens":[42,646,301]}"#), Some(3));
        let pieces = r#"{"tokens":[{"id":42,"piece":"Hello"},{"id":7,"piece":" world"}]}"#;
        assert_eq!(parse_token_count(pieces), Some(2));
        assert_eq!(
            parse_token_count(r#"{"count":5,"max_model_len":8192,"tokens":[1,2,3,4,5]}"#),
            Some(5)
        );
        assert_eq!(parse_token_count("<html>"), None);
    }
}

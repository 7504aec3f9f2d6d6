//! Parameters a conversation sets for itself (F4): temperature, top_p, max_tokens, seed,
//! and whether replies are to be JSON (`response_format`). Each is optional: unset means "the provider's own default", and an unset field
//! is never sent. Stored with the conversation as a small JSON object.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Replies as JSON: any object, or valid against a schema; checked when they complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<super::json::ResponseFormat>,
}

// Parameters are compared for "did it change", where NaN never occurs: parsing refuses it.
impl Eq for RequestParams {}

impl RequestParams {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The stored form.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// The stored form read back; a damaged value means no parameters, not a failed load.
    pub fn from_json(text: &str) -> Self {
        serde_json::from_str(text).unwrap_or_default()
    }

    /// Writes the fields that are set over `body`, replacing what the provider's config put
    /// there.
    pub fn apply(&self, body: &mut serde_json::Map<String, serde_json::Value>) {
        if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(self) {
            body.extend(fields);
        }
    }

    /// `temperature 0.7 · max_tokens 512`, for a notice; empty when nothing is set.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(value) = self.temperature {
            parts.push(format!("temperature {value}"));
        }
        if let Some(value) = self.top_p {
            parts.push(format!("top_p {value}"));
        }
        if let Some(value) = self.max_tokens {
            parts.push(format!("max_tokens {value}"));
        }
        if let Some(value) = self.seed {
            parts.push(format!("seed {value}"));
        }
        if let Some(format) = &self.response_format {
            parts.push(format.describe());
        }
        parts.join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_set_fields_are_stored_and_sent() {
        let params = RequestParams { temperature: Some(0.5), seed: Some(7), ..Default::default() };
        assert_eq!(params.to_json(), r#"{"temperature":0.5,"seed":7}"#);
        assert_eq!(RequestParams::from_json(&params.to_json()), params);
        assert_eq!(RequestParams::from_json("not json"), RequestParams::default());
        let mut body = serde_json::Map::new();
        body.insert("temperature".into(), 1.0.into());
        body.insert("top_k".into(), 40.into());
        params.apply(&mut body);
        assert_eq!(
            serde_json::Value::Object(body),
            serde_json::json!({"temperature":0.5,"top_k":40,"seed":7})
        );
    }
}

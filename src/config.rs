//! TEMP STUB
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub provider: String,
    pub system_prompt: String,
    pub mouse: bool,
    pub providers: BTreeMap<String, Provider>,
}
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    pub base_url: String,
    pub model: String,
    pub api_key_env: Option<String>,
    pub stream_usage: bool,
    pub models: Vec<String>,
}
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("x")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
#[derive(Debug, thiserror::Error)]
#[error("unknown provider `{name}`; known providers: {known}")]
pub struct UnknownProvider {
    pub name: String,
    pub known: String,
}
impl Config {
    pub fn defaults() -> Result<Config, ConfigError> {
        let mut p = BTreeMap::new();
        p.insert(
            "rockapi".into(),
            Provider {
                base_url: "https://api.rockapi.ru/openai/v1".into(),
                model: "gpt-4o-mini".into(),
                api_key_env: Some("ROCKAPI_API_KEY".into()),
                stream_usage: true,
                models: vec![],
            },
        );
        p.insert(
            "ollama".into(),
            Provider {
                base_url: "http://localhost:11434/v1".into(),
                model: "llama3.2".into(),
                api_key_env: None,
                stream_usage: true,
                models: vec![],
            },
        );
        Ok(Config {
            provider: "rockapi".into(),
            system_prompt: "You are a helpful assistant".into(),
            mouse: false,
            providers: p,
        })
    }
    pub fn load(_path: &Path) -> Result<Config, ConfigError> {
        Self::defaults()
    }
    pub fn provider(&self, name: &str) -> Result<&Provider, UnknownProvider> {
        self.providers.get(name).ok_or(UnknownProvider {
            name: name.into(),
            known: String::new(),
        })
    }
}

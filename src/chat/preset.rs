//! Presets: a way to start a conversation, saved by name. A preset bundles a system
//! message, few-shot turns (written by the user, for both sides), a provider and model, and
//! request parameters (JSON replies included). They come from the config (`[presets.NAME]`)
//! or are saved from a conversation (kept in the store as JSON).
//!
//! Pure: turning a preset into a conversation's first messages, and a conversation into a
//! preset. Where it is applied (the app, `ask`) decides what the flags override.

use serde::{Deserialize, Serialize};

use super::message::{Message, Role};
use super::params::RequestParams;
use super::{Conversation, Keys};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preset {
    /// One line saying what it is for, shown when picking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Replaces the config's system message; `None` keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// Few-shot turns, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub turns: Vec<Turn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "RequestParams::is_empty")]
    pub params: RequestParams,
}

/// One few-shot turn: written as the user, as the assistant, or one of each (an example
/// question and its answer).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turn {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assistant: Option<String>,
}

impl Preset {
    /// The turns as messages, in order, each the child of the one before: user turns as
    /// prompts, assistant turns written by you.
    pub fn messages(&self, keys: &mut Keys) -> Vec<Message> {
        let mut messages: Vec<Message> = Vec::new();
        for turn in &self.turns {
            let sides = [(Role::User, &turn.user), (Role::Assistant, &turn.assistant)];
            for (role, text) in sides {
                let Some(text) = text else { continue };
                let mut message = match role {
                    Role::Assistant => Message::authored(keys.fresh(), text.clone()),
                    _ => Message::user(keys.fresh(), text.clone()),
                };
                message.parent = messages.last().map(|m| m.key);
                messages.push(message);
            }
        }
        messages
    }

    /// A preset from the conversation on screen: its system message, its turns (sent
    /// ones, prompts and replies alike, as examples), `provider`/`model`, and its parameters.
    pub fn from_conversation(conversation: &Conversation, provider: &str, model: &str) -> Self {
        let mut turns: Vec<Turn> = Vec::new();
        // Only what came out whole: a failed or stopped reply is no example to follow.
        let whole = |m: &&Message| m.is_sent() && m.status == super::message::Status::Complete;
        for message in conversation.messages().iter().filter(whole) {
            let text = Some(message.content.clone());
            match (message.role, turns.last_mut()) {
                (Role::Assistant, Some(last)) if last.assistant.is_none() => last.assistant = text,
                (Role::Assistant, _) => turns.push(Turn { user: None, assistant: text }),
                (_, _) => turns.push(Turn { user: text, assistant: None }),
            }
        }
        // A last question without its answer is the one the conversation was at, not an
        // example.
        if turns.last().is_some_and(|t| t.assistant.is_none()) {
            turns.pop();
        }
        Self {
            description: None,
            system_prompt: Some(conversation.system.clone()),
            turns,
            provider: Some(provider.to_owned()).filter(|p| !p.is_empty()),
            model: Some(model.to_owned()).filter(|m| !m.is_empty()),
            params: conversation.params.clone(),
        }
    }

    /// The stored form.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// The stored form read back, or why it cannot be.
    pub fn from_json(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("a damaged saved preset: {e}"))
    }

    /// "3 turns · gpt-4o · temperature 0.2", for the picker.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(description) = &self.description {
            parts.push(description.clone());
        }
        let turns: usize = self
            .turns
            .iter()
            .map(|t| usize::from(t.user.is_some()) + usize::from(t.assistant.is_some()))
            .sum();
        if turns > 0 {
            parts.push(format!("{turns} example turn{}", if turns == 1 { "" } else { "s" }));
        }
        match (&self.provider, &self.model) {
            (Some(provider), Some(model)) => parts.push(format!("{model} on {provider}")),
            (None, Some(model)) => parts.push(model.clone()),
            (Some(provider), None) => parts.push(provider.clone()),
            (None, None) => {}
        }
        let params = self.params.describe();
        if !params.is_empty() {
            parts.push(params);
        }
        parts.join(" · ")
    }
}

/// The preset called `name`: the config's, else a saved one; else why not, naming those
/// there are.
pub fn find(
    name: &str,
    config: &std::collections::BTreeMap<String, Preset>,
    saved: &[(String, String)],
) -> Result<Preset, String> {
    if let Some(preset) = config.get(name) {
        return Ok(preset.clone());
    }
    if let Some((_, body)) = saved.iter().find(|(saved, _)| saved == name) {
        return Preset::from_json(body).map_err(|why| format!("preset {name}: {why}"));
    }
    let mut known: Vec<&str> =
        config.keys().map(String::as_str).chain(saved.iter().map(|(n, _)| n.as_str())).collect();
    known.sort_unstable();
    known.dedup();
    Err(match known.is_empty() {
        true => format!(
            "no preset named {name}: there are none (add [presets.{name}] to the config, or \
             /save preset in the app)"
        ),
        false => format!("no preset named {name}; known presets: {}", known.join(", ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::Status;

    fn translator() -> Preset {
        Preset {
            system_prompt: Some("Translate into French.".into()),
            turns: vec![
                Turn { user: Some("Good morning".into()), assistant: Some("Bonjour".into()) },
                Turn { user: Some("Thank you".into()), assistant: Some("Merci".into()) },
            ],
            params: RequestParams { temperature: Some(0.0), ..Default::default() },
            ..Default::default()
        }
    }

    #[test]
    fn turns_become_a_chain_of_messages_the_assistants_written_by_you() {
        let mut keys = Keys::default();
        let messages = translator().messages(&mut keys);
        let shape: Vec<(Role, &str, bool)> =
            messages.iter().map(|m| (m.role, m.content.as_str(), m.authored)).collect();
        assert_eq!(
            shape,
            [
                (Role::User, "Good morning", false),
                (Role::Assistant, "Bonjour", true),
                (Role::User, "Thank you", false),
                (Role::Assistant, "Merci", true),
            ]
        );
        assert!(messages.iter().all(|m| m.status == Status::Complete));
        assert_eq!(messages[3].parent, Some(messages[2].key));
        assert_eq!(messages[0].parent, None);
    }

    #[test]
    fn a_conversation_saves_as_a_preset_and_round_trips() {
        let mut keys = Keys::default();
        let mut conversation = Conversation::new(keys.fresh(), "Translate into French.".into());
        for message in translator().messages(&mut keys) {
            conversation.push(message);
        }
        conversation.params = translator().params;
        let saved = Preset::from_conversation(&conversation, "local", "tiny-llama");
        assert_eq!(saved.turns, translator().turns);
        assert_eq!(saved.model.as_deref(), Some("tiny-llama"));
        assert_eq!(Preset::from_json(&saved.to_json()), Ok(saved.clone()));
        assert_eq!(saved.summary(), "4 example turns · tiny-llama on local · temperature 0");
    }

    #[test]
    fn a_failed_reply_and_the_question_left_open_are_not_examples() {
        let mut keys = Keys::default();
        let mut conversation = Conversation::new(keys.fresh(), String::new());
        for message in translator().messages(&mut keys) {
            conversation.push(message);
        }
        conversation.push(Message::user(keys.fresh(), "Good night".into()));
        let mut failed = Message::assistant(keys.fresh(), "tiny-llama".into());
        failed.content = "Bonne nu".into();
        failed.status = Status::Failed("the server failed".into());
        conversation.push(failed);
        let saved = Preset::from_conversation(&conversation, "local", "tiny-llama");
        assert_eq!(saved.turns, translator().turns);
    }
}

//! What the app tells the store, and how a stored conversation becomes app state again.
//!
//! Pure conversions: building `StoreCmd`s from messages and `Message`s from rows. The
//! writer thread does the IO.

use std::collections::HashMap;

use super::msg::Effect;
use crate::chat::Key;
use crate::chat::json::Checked;
use crate::chat::{Conversation, FinishReason, Keys, Message, Role, Status, Usage};
use crate::store::writer::StoreCmd;
use crate::store::{MessageFields, StoredConversation, StoredMessage};

/// A conversation's title: its first prompt's first line, shortened.
pub fn title_for(prompt: &str) -> String {
    let line = prompt.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    let mut title: String = line.chars().take(60).collect();
    if line.chars().count() > 60 {
        title.push('…');
    }
    title
}

pub fn fields(message: &Message) -> MessageFields {
    let (status, error) = match &message.status {
        Status::Complete => ("complete", None),
        Status::Streaming => ("streaming", None),
        Status::Stopped => ("stopped", None),
        Status::Failed(error) => ("error", Some(error.clone())),
    };
    MessageFields {
        role: message.role,
        content: message.content.clone(),
        reasoning: message.reasoning.clone(),
        model: message.model.clone(),
        status,
        error,
        finish_reason: message.finish.as_ref().map(finish_name),
        prompt_tokens: message.usage.map(|u| u.prompt_tokens as i64),
        completion_tokens: message.usage.map(|u| u.completion_tokens as i64),
        cached_tokens: message.usage.map(|u| u.cached_tokens as i64),
        reasoning_tokens: message.usage.map(|u| u.reasoning_tokens as i64),
        cost: message.cost.map(|c| i64::try_from(c.pico()).unwrap_or(i64::MAX)),
        provider: message.provider.clone(),
        pinned: message.pinned,
        hidden: message.hidden,
        authored: message.authored,
        json_check: message.json.as_ref().map(|checked| match checked {
            Checked::Valid { .. } => String::new(),
            Checked::Invalid(why) => why.clone(),
        }),
    }
}

pub fn add(conversation: &Conversation, message: &Message) -> StoreCmd {
    StoreCmd::AddMessage {
        key: message.key,
        conversation: conversation.key,
        parent: message.parent,
        fields: fields(message),
    }
}

/// `add`, and the message's images and files right after it.
pub fn add_with_attachments(conversation: &Conversation, message: &Message) -> Vec<Effect> {
    let mut effects = vec![Effect::Store(add(conversation, message))];
    let attached: Vec<_> = message.images.iter().chain(&message.files).cloned().collect();
    if !attached.is_empty() {
        effects.push(Effect::Store(StoreCmd::Attach { message: message.key, images: attached }));
    }
    effects
}

pub fn update(message: &Message) -> StoreCmd {
    StoreCmd::UpdateMessage { key: message.key, fields: fields(message) }
}

/// Everything needed to save `conversation` anew, as it is now, under its key: for a
/// conversation another program deleted while it was open. Parents come before children (keys
/// are handed out in the order messages are made), and images and the branch on screen go
/// with them.
pub fn save_again(conversation: &Conversation, provider: &str, model: &str) -> Vec<StoreCmd> {
    let mut all: Vec<&Message> =
        conversation.messages().iter().chain(conversation.off_branch()).collect();
    all.sort_by_key(|message| message.key);
    let first_prompt = conversation.messages().iter().find(|m| m.role == Role::User);
    let mut commands = vec![StoreCmd::CreateConversation {
        key: conversation.key,
        title: first_prompt.map(|m| title_for(&m.content)).unwrap_or_default(),
        system_prompt: conversation.system.clone(),
        provider: provider.to_owned(),
        model: model.to_owned(),
    }];
    if !conversation.params.is_empty() {
        commands.push(StoreCmd::SetParams {
            conversation: conversation.key,
            json: conversation.params.to_json(),
        });
    }
    for message in all {
        commands.push(add(conversation, message));
        if !message.images.is_empty() {
            commands
                .push(StoreCmd::Attach { message: message.key, images: message.images.clone() });
        }
    }
    if let Some(leaf) = conversation.leaf() {
        commands.push(StoreCmd::SetLeaf { conversation: conversation.key, leaf });
    }
    commands
}

fn finish_name(reason: &FinishReason) -> String {
    match reason {
        FinishReason::Stop => "stop".into(),
        FinishReason::Length => "length".into(),
        FinishReason::ContentFilter => "content_filter".into(),
        FinishReason::ToolCalls => "tool_calls".into(),
        FinishReason::Other(other) => other.clone(),
    }
}

/// The stored branch as app state (with its other branches aside), and the command that
/// tells the writer which rows the new keys stand for.
pub fn restore(stored: StoredConversation, keys: &mut Keys) -> (Conversation, StoreCmd) {
    // Keys follow row order, so siblings sort oldest first however they were loaded.
    let mut ids: Vec<i64> =
        stored.messages.iter().chain(&stored.other_branches).map(|row| row.id).collect();
    ids.sort_unstable();
    let by_id: HashMap<i64, Key> = ids.into_iter().map(|id| (id, keys.fresh())).collect();
    let mut rows = Vec::new();
    let mut convert = |row: StoredMessage| {
        let id = row.id;
        let message = message_from(row, &by_id);
        rows.push((message.key, id));
        message
    };
    let messages: Vec<Message> = stored.messages.into_iter().map(&mut convert).collect();
    let aside: Vec<Message> = stored.other_branches.into_iter().map(&mut convert).collect();
    let mut conversation =
        Conversation::restored(keys.fresh(), stored.id, stored.system_prompt, messages, aside);
    conversation.label_providers(|_| false);
    conversation.params = crate::chat::params::RequestParams::from_json(&stored.params);
    conversation.title = stored.title;
    let adopt = StoreCmd::Adopt { conversation: (conversation.key, stored.id), messages: rows };
    (conversation, adopt)
}

fn message_from(row: StoredMessage, keys: &HashMap<i64, Key>) -> Message {
    // Every row's id is in `keys`: the map was made from these rows.
    let key = keys.get(&row.id).copied().unwrap_or_default();
    let mut message = match row.role {
        Role::Assistant => Message::assistant(key, row.model.clone().unwrap_or_default()),
        _ => Message::user(key, String::new()),
    };
    message.parent = row.parent_id.and_then(|p| keys.get(&p).copied());
    message.content = row.content;
    message.tool_calls = row.tool_calls;
    (message.images, message.files) = super::turn::split_attachments(row.attachments);
    message.authored = row.authored && row.role == Role::Assistant;
    if message.authored {
        message.model = None;
    }
    message.json = row.json_check.map(|why| match why.is_empty() {
        true => Checked::Valid { pretty: crate::chat::json::pretty(message.content.trim()) },
        false => Checked::Invalid(why),
    });
    message.reasoning = row.reasoning;
    if !message.authored {
        message.model = row.model;
    }
    message.pinned = row.pinned;
    message.hidden = row.hidden;
    message.status = match row.status.as_str() {
        "complete" => Status::Complete,
        "stopped" => Status::Stopped,
        _ => Status::Failed(row.error.unwrap_or_else(|| "the reply did not finish".into())),
    };
    message.finish = row.finish_reason.as_deref().map(FinishReason::parse);
    if let (Some(prompt), Some(completion)) = (row.prompt_tokens, row.completion_tokens) {
        message.usage = Some(Usage {
            prompt_tokens: prompt.max(0) as u64,
            completion_tokens: completion.max(0) as u64,
            total_tokens: prompt.saturating_add(completion).max(0) as u64,
            cached_tokens: row.cached_tokens.unwrap_or(0).max(0) as u64,
            reasoning_tokens: row.reasoning_tokens.unwrap_or(0).max(0) as u64,
        });
    }
    message.cost = row.cost.map(|pico| crate::chat::price::Money(pico.max(0) as u64));
    message.provider = row.provider;
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_from_the_first_line_of_the_first_prompt() {
        assert_eq!(title_for("\n  How do lifetimes work?\nmore"), "How do lifetimes work?");
        assert_eq!(title_for(&"x".repeat(70)).chars().count(), 61);
    }

    #[test]
    fn an_interrupted_row_comes_back_as_a_failed_partial_with_its_reason() {
        let stored = StoredConversation {
            draft: String::new(),
            id: 7,
            title: "t".into(),
            system_prompt: "sys".into(),
            provider: String::new(),
            base_url: None,
            model: String::new(),
            params: "{}".into(),
            tools: None,
            messages: vec![crate::store::StoredMessage {
                id: 70,
                parent_id: None,
                role: Role::Assistant,
                content: "half".into(),
                reasoning: String::new(),
                model: Some("m".into()),
                status: "interrupted".into(),
                error: Some("rockchat closed before the reply finished".into()),
                finish_reason: None,
                prompt_tokens: None,
                completion_tokens: None,
                cached_tokens: None,
                reasoning_tokens: None,
                cost: None,
                provider: None,
                created_at: 0,
                attachments: Vec::new(),
                pinned: false,
                hidden: false,
                tool_calls: Vec::new(),
                authored: false,
                json_check: None,
            }],
            other_branches: Vec::new(),
        };
        let (conversation, adopt) = restore(stored, &mut Keys::default());
        let message = &conversation.messages()[0];
        assert_eq!(message.content, "half");
        assert_eq!(
            message.status,
            Status::Failed("rockchat closed before the reply finished".into())
        );
        assert!(conversation.saved);
        assert_eq!(
            adopt,
            StoreCmd::Adopt {
                conversation: (conversation.key, 7),
                messages: vec![(message.key, 70)]
            }
        );
    }

    #[test]
    fn a_conversation_saved_again_takes_every_message_parents_first_and_its_branch() {
        let mut keys = Keys::default();
        let mut conversation = Conversation::new(keys.fresh(), "Be brief".into());
        let question = conversation.push(Message::user(keys.fresh(), "Why?".into()));
        let question_key = conversation.messages()[question].key;
        let mut old = Message::assistant(keys.fresh(), "m".into());
        old.parent = Some(question_key);
        old.content = "old reply".into();
        conversation.push(old);
        // A retry: the old reply goes aside, a new one takes its place.
        conversation.detach_from(1);
        let mut new = Message::assistant(keys.fresh(), "m".into());
        new.parent = Some(question_key);
        new.content = "new reply".into();
        let leaf = new.key;
        conversation.push(new);
        let commands = save_again(&conversation, "local", "m");
        assert!(matches!(
            &commands[0],
            StoreCmd::CreateConversation { key, title, system_prompt, .. }
                if *key == conversation.key && title == "Why?" && system_prompt == "Be brief"
        ));
        let added: Vec<(&str, Option<Key>)> = commands
            .iter()
            .filter_map(|command| match command {
                StoreCmd::AddMessage { fields, parent, .. } => {
                    Some((fields.content.as_str(), *parent))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            added,
            [("Why?", None), ("old reply", Some(question_key)), ("new reply", Some(question_key))]
        );
        assert_eq!(
            commands.last(),
            Some(&StoreCmd::SetLeaf { conversation: conversation.key, leaf })
        );
    }
}

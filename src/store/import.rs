//! Reading conversations from files: rockchat's own JSON export (any OpenAI request body
//! with `messages`), and the `conversations.json` of a ChatGPT data export.
//!
//! Pure parsing into plain values; the caller writes them. Imported text is untrusted, so
//! terminal control is stripped here, before it can reach the database or a screen.

use serde_json::Value;

use crate::chat::Role;
use crate::sanitize::sanitize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub title: String,
    pub system_prompt: String,
    pub model: String,
    /// Role, text and the model that wrote it, oldest first.
    pub messages: Vec<(Role, String, Option<String>)>,
}

/// Every conversation in `text`, or why the file is not one rockchat can read.
pub fn parse(text: &str) -> Result<Vec<Imported>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    match &value {
        Value::Array(items) => items.iter().map(chatgpt_conversation).collect(),
        Value::Object(object) if object.contains_key("messages") => Ok(vec![request_body(&value)]),
        Value::Object(object) if object.contains_key("mapping") => {
            Ok(vec![chatgpt_conversation(&value)?])
        }
        _ => Err("expected rockchat's JSON export (an object with `messages`) or a ChatGPT \
                  conversations.json (a list of conversations)"
            .into()),
    }
}

fn clean(text: &str) -> String {
    sanitize(text).into_owned()
}

/// `content` as a string, or the text parts of an array of parts.
fn content_text(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|part| match part {
                Value::String(text) => Some(text.as_str()),
                Value::Object(_) => part.get("text").and_then(Value::as_str),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn request_body(value: &Value) -> Imported {
    let meta = &value["metadata"]["rockchat"];
    let mut imported = Imported {
        title: clean(meta["title"].as_str().unwrap_or_default()),
        system_prompt: String::new(),
        model: clean(value["model"].as_str().unwrap_or_default()),
        messages: Vec::new(),
    };
    let details = meta["messages"].as_array();
    let mut answered = 0;
    for message in value["messages"].as_array().into_iter().flatten() {
        let text = clean(&content_text(&message["content"]));
        match message["role"].as_str() {
            Some("system") if imported.system_prompt.is_empty() => imported.system_prompt = text,
            Some(role @ ("user" | "assistant")) => {
                let model = details
                    .and_then(|d| d.get(answered))
                    .and_then(|d| d["model"].as_str())
                    .map(clean);
                answered += 1;
                let role = if role == "user" { Role::User } else { Role::Assistant };
                imported.messages.push((role, text, model));
            }
            _ => {}
        }
    }
    if imported.title.is_empty() {
        imported.title = first_user_line(&imported);
    }
    imported
}

/// One ChatGPT conversation: the branch from `current_node` back to the root.
fn chatgpt_conversation(value: &Value) -> Result<Imported, String> {
    let mapping = value["mapping"].as_object().ok_or("a conversation without `mapping`")?;
    let mut node = value["current_node"].as_str().map(str::to_owned);
    let mut branch = Vec::new();
    // The walk is bounded by the mapping's size, so a cycle in a damaged file ends it.
    while let Some(id) = node.take() {
        let Some(entry) = mapping.get(&id) else { break };
        if branch.len() > mapping.len() {
            break;
        }
        branch.push(entry);
        node = entry["parent"].as_str().map(str::to_owned);
    }
    branch.reverse();
    let mut imported = Imported {
        title: clean(value["title"].as_str().unwrap_or_default()),
        system_prompt: String::new(),
        model: clean(value["default_model_slug"].as_str().unwrap_or_default()),
        messages: Vec::new(),
    };
    for entry in branch {
        let message = &entry["message"];
        let text = clean(content_text(&message["content"]["parts"]).trim());
        if text.is_empty() {
            continue;
        }
        let model = message["metadata"]["model_slug"].as_str().map(clean);
        match message["author"]["role"].as_str() {
            Some("user") => imported.messages.push((Role::User, text, None)),
            Some("assistant") => imported.messages.push((Role::Assistant, text, model)),
            Some("system") if imported.system_prompt.is_empty() => imported.system_prompt = text,
            _ => {}
        }
    }
    if imported.title.is_empty() {
        imported.title = first_user_line(&imported);
    }
    Ok(imported)
}

fn first_user_line(imported: &Imported) -> String {
    let first = imported.messages.iter().find(|(role, ..)| *role == Role::User);
    first
        .map(|(_, text, _)| text.lines().next().unwrap_or("").chars().take(60).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_openai_request_body_imports_with_its_system_message() {
        let body = r#"{"model":"gpt-4o","messages":[{"role":"system","content":"Be brief"},
            {"role":"user","content":"Hi \u001b[31mthere"},
            {"role":"assistant","content":[{"type":"text","text":"Hello"}]}]}"#;
        let imported = parse(body).unwrap();
        assert_eq!(imported[0].system_prompt, "Be brief");
        assert_eq!(imported[0].title, "Hi there");
        assert_eq!(
            imported[0].messages,
            [(Role::User, "Hi there".into(), None), (Role::Assistant, "Hello".into(), None)]
        );
    }

    #[test]
    fn a_chatgpt_export_follows_the_current_branch_only() {
        let export = r#"[{"title":"Trip ideas","default_model_slug":"gpt-4o","current_node":"c",
            "mapping":{
              "root":{"message":null,"parent":null},
              "a":{"message":{"author":{"role":"user"},"content":{"content_type":"text","parts":["Where to go?"]}},"parent":"root"},
              "old":{"message":{"author":{"role":"assistant"},"content":{"parts":["Old answer"]}},"parent":"a"},
              "c":{"message":{"author":{"role":"assistant"},"content":{"parts":["Lisbon"]},"metadata":{"model_slug":"gpt-4o"}},"parent":"a"}
            }}]"#;
        let imported = parse(export).unwrap();
        assert_eq!(imported[0].title, "Trip ideas");
        assert_eq!(
            imported[0].messages,
            [
                (Role::User, "Where to go?".into(), None),
                (Role::Assistant, "Lisbon".into(), Some("gpt-4o".into()))
            ]
        );
    }

    #[test]
    fn other_json_is_refused_with_what_was_expected() {
        assert!(parse("42").unwrap_err().contains("conversations.json"));
        assert!(parse("{").unwrap_err().starts_with("not valid JSON"));
    }
}

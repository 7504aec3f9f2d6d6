//! Reading conversations from files: rockchat's archive (`export --format archive`, every
//! field; see `archive`), a request body (`export --format json`, or any OpenAI request body
//! with `messages`: its images come back as attachments), and the `conversations.json` of a
//! ChatGPT data export.
//!
//! Pure reading into plain values; the caller writes them. A ChatGPT export (hundreds of
//! megabytes) is read as a stream: each conversation is handed over as soon as it is parsed,
//! so memory holds one conversation, never the file. Imported text is untrusted, so terminal
//! control is stripped here, before it can reach the database or a screen.
//!
//! Each conversation carries a `source`: where it came from, so importing the same file again
//! adds nothing twice. For ChatGPT it is the conversation's id with a fingerprint of the
//! imported text (a conversation continued in ChatGPT since the last export is imported again,
//! as the longer conversation it now is); for a JSON export, the fingerprint alone.

use std::io::{BufRead, BufReader, Read};

use serde::de::{self, Deserializer, SeqAccess, Visitor};
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
    /// Where it came from (see the module's doc): equal sources are the same conversation.
    pub source: String,
    /// Images sent with a message: the index of the message in `messages`, and the image.
    pub attachments: Vec<(usize, crate::chat::attachment::Attachment)>,
}

/// One conversation read from a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// Text, roles and models (a request body, a ChatGPT export).
    Plain(Imported),
    /// Every field, from rockchat's archive.
    Archived(Box<super::archive::Conversation>),
}

/// Why a file could not be read to the end.
#[derive(Debug)]
pub enum ReadError<E> {
    /// The file is not one rockchat can read; the text says why.
    File(String),
    /// The caller stopped the reading with its own error.
    Stopped(E),
}

/// Every conversation in `reader`, each handed to `each` as soon as it is read; reading stops
/// at the first error `each` returns.
pub fn read<E>(
    reader: impl Read,
    mut each: impl FnMut(Incoming) -> Result<(), E>,
) -> Result<(), ReadError<E>> {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let file = |e: std::io::Error| ReadError::File(format!("cannot read it: {e}"));
    let first = loop {
        let buffer = reader.fill_buf().map_err(file)?;
        let Some(&byte) = buffer.first() else { return Err(ReadError::File(expected())) };
        // Whitespace, and the byte order mark some editors write.
        if byte.is_ascii_whitespace() || [0xEF, 0xBB, 0xBF].contains(&byte) {
            reader.consume(1);
            continue;
        }
        break byte;
    };
    match first {
        b'[' => {
            let mut stopped = None;
            let mut json = serde_json::Deserializer::from_reader(reader);
            let read = json.deserialize_seq(Each { each: &mut each, stopped: &mut stopped });
            if let Some(error) = stopped {
                return Err(ReadError::Stopped(error));
            }
            read.and_then(|()| json.end()).map_err(|e| ReadError::File(not_json(&e)))
        }
        b'{' => {
            let value: Value =
                serde_json::from_reader(reader).map_err(|e| ReadError::File(not_json(&e)))?;
            if value.get("rockchat").and_then(Value::as_str) == Some(super::archive::MARK) {
                let archive = super::archive::from_value(value).map_err(ReadError::File)?;
                for conversation in archive.conversations {
                    each(Incoming::Archived(Box::new(conversation))).map_err(ReadError::Stopped)?;
                }
                return Ok(());
            }
            each(Incoming::Plain(object(&value).map_err(ReadError::File)?))
                .map_err(ReadError::Stopped)
        }
        _ => Err(ReadError::File(expected())),
    }
}

/// Every conversation in `text` (the whole file in memory: for tests and small inputs).
pub fn parse(text: &str) -> Result<Vec<Imported>, String> {
    let mut all = Vec::new();
    read(text.as_bytes(), |incoming| {
        if let Incoming::Plain(imported) = incoming {
            all.push(imported);
        }
        Ok::<(), std::convert::Infallible>(())
    })
    .map_err(|error| match error {
        ReadError::File(why) => why,
        ReadError::Stopped(never) => match never {},
    })?;
    Ok(all)
}

fn expected() -> String {
    "expected rockchat's archive or JSON export (an object with `messages`), or a ChatGPT \
     conversations.json (a list of conversations)"
        .into()
}

fn not_json(error: &serde_json::Error) -> String {
    if error.is_io() {
        return format!("cannot read it: {error}");
    }
    format!("not valid JSON: {error}")
}

/// One object: rockchat's export (a request body) or a single ChatGPT conversation.
fn object(value: &Value) -> Result<Imported, String> {
    match value {
        Value::Object(object) if object.contains_key("messages") => Ok(request_body(value)),
        Value::Object(object) if object.contains_key("mapping") => chatgpt_conversation(value),
        _ => Err(expected()),
    }
}

/// The elements of a ChatGPT export's list, one at a time: each is parsed, converted and
/// handed over before the next is read.
struct Each<'a, F, E> {
    each: &'a mut F,
    stopped: &'a mut Option<E>,
}

impl<'de, F, E> Visitor<'de> for Each<'_, F, E>
where
    F: FnMut(Incoming) -> Result<(), E>,
{
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of conversations")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut number = 0;
        while let Some(value) = seq.next_element::<Value>()? {
            number += 1;
            let imported = chatgpt_conversation(&value)
                .map_err(|why| de::Error::custom(format!("conversation {number}: {why}")))?;
            if let Err(error) = (self.each)(Incoming::Plain(imported)) {
                *self.stopped = Some(error);
                return Err(de::Error::custom("stopped"));
            }
        }
        Ok(())
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
        source: String::new(),
        attachments: Vec::new(),
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
                for image in images(&message["content"]) {
                    imported.attachments.push((imported.messages.len(), image));
                }
                imported.messages.push((role, text, model));
            }
            _ => {}
        }
    }
    if imported.title.is_empty() {
        imported.title = first_user_line(&imported);
    }
    imported.source = format!("json:{}", fingerprint(&imported));
    imported
}

/// The images of a message's content parts: a data URL's bytes (checked as any image is), or
/// a web URL, which stays a URL. Anything else is left out.
fn images(content: &Value) -> Vec<crate::chat::attachment::Attachment> {
    use crate::chat::attachment::Attachment;
    let Value::Array(parts) = content else { return Vec::new() };
    let mut found = Vec::new();
    for (number, part) in parts.iter().enumerate() {
        let Some(url) = part["image_url"]["url"].as_str().or_else(|| part["image_url"].as_str())
        else {
            continue;
        };
        let image = if let Some(data) = url.strip_prefix("data:") {
            let Some((_, encoded)) = data.split_once(";base64,") else { continue };
            use base64::Engine as _;
            let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
                continue;
            };
            Attachment::from_bytes(format!("image-{}", number + 1), bytes).ok()
        } else {
            crate::chat::attachment::url_in_paste(url).map(|url| Attachment::image_url(&url))
        };
        found.extend(image);
    }
    found
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
        source: String::new(),
        attachments: Vec::new(),
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
    let id = value["id"].as_str().or_else(|| value["conversation_id"].as_str()).unwrap_or("");
    // Only ever compared, never shown; still kept to the characters an id has.
    let id: String =
        id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(64).collect();
    imported.source = format!("chatgpt:{id}:{}", fingerprint(&imported));
    Ok(imported)
}

/// A fingerprint of what is imported (FNV-1a, 128 bits: stable across builds and platforms,
/// which a stored key needs and `std`'s hashers do not promise). Each field is length-prefixed
/// so no two different conversations run together into the same bytes.
fn fingerprint(imported: &Imported) -> String {
    let mut hash: u128 = 0x6c62272e07bb014262b821756295c58d;
    let mut feed = |bytes: &[u8]| {
        for &byte in (bytes.len() as u64).to_le_bytes().iter().chain(bytes) {
            hash ^= u128::from(byte);
            hash = hash.wrapping_mul(0x0000000001000000000000000000013B);
        }
    };
    feed(imported.title.as_bytes());
    feed(imported.system_prompt.as_bytes());
    feed(imported.model.as_bytes());
    for (role, text, model) in &imported.messages {
        feed(if *role == Role::Assistant { b"assistant" } else { b"user" });
        feed(text.as_bytes());
        feed(model.as_deref().unwrap_or("").as_bytes());
    }
    for (index, attachment) in &imported.attachments {
        feed(&(*index as u64).to_le_bytes());
        feed(attachment.data());
    }
    format!("{hash:032x}")
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

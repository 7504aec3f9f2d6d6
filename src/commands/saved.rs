//! The store's command-line side: `list`, `search`, `show`, `export`, `delete`, `backup`.
//!
//! Output is plain text (or JSON) on stdout for scripts; stored text is sanitised before it
//! is printed or exported, since it came from a model, a server or an imported file. A
//! one-line field (a title, a model, a status) is printed on one line, so no stored text
//! can forge a row of `list` or a heading of `show`.

use std::io::Write;

use anyhow::Context;
use serde_json::json;

use crate::chat::Role;
use crate::config::cli::ExportFormat;
use crate::format;
use crate::sanitize::{one_line, sanitize};

/// A title or a model name is cut to this many chars where it is printed.
const MAX_FIELD: usize = 200;

/// A stored one-line field as it may be printed.
fn field(text: &str) -> std::borrow::Cow<'_, str> {
    one_line(text, MAX_FIELD)
}
use crate::store::writer::{StoreCmd, StoreEvent, Writer};
use crate::store::{MessageFields, Store, StoredConversation, import, now_ms};

pub fn list(store: &Store, limit: usize, out: &mut impl Write) -> anyhow::Result<()> {
    let now = now_ms();
    for c in store.list(limit)? {
        writeln!(
            out,
            "{:>5}  {:>8}  {:<16}  {}  ({} messages)",
            c.id,
            format::age(now, c.updated_at),
            field(&c.model),
            field(&c.title),
            c.messages
        )?;
    }
    Ok(())
}

pub fn search(
    store: &Store,
    query: &str,
    limit: usize,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    for hit in store.search(query, limit)? {
        let snippet = hit.snippet.split_whitespace().collect::<Vec<_>>().join(" ");
        writeln!(
            out,
            "{:>5}  {}\n       {}",
            hit.conversation_id,
            field(&hit.title),
            one_line(&snippet, usize::MAX)
        )?;
    }
    Ok(())
}

pub fn show(store: &Store, id: i64, out: &mut impl Write) -> anyhow::Result<()> {
    out.write_all(markdown(&store.load(id)?).as_bytes())?;
    Ok(())
}

pub fn export(
    store: &Store,
    id: i64,
    format: ExportFormat,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let conversation = store.load(id)?;
    match format {
        ExportFormat::Md => out.write_all(markdown(&conversation).as_bytes())?,
        ExportFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &export_json(&conversation))?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// An OpenAI request body (`model`, `messages`) with rockchat's own fields beside it.
pub fn export_json(conversation: &StoredConversation) -> serde_json::Value {
    let mut messages = Vec::new();
    if !conversation.system_prompt.is_empty() {
        messages.push(json!({"role": "system", "content": conversation.system_prompt}));
    }
    let mut details = Vec::new();
    // A message the user deleted is not part of the conversation they see or replay.
    for m in conversation.messages.iter().filter(|m| !m.hidden) {
        let role = if m.role == Role::Assistant { "assistant" } else { "user" };
        // The same shape the request had, so the export replays with curl.
        let (images, files): (Vec<_>, Vec<_>) =
            m.attachments.iter().cloned().partition(|a| a.is_image());
        let wire = crate::chat::RequestMessage {
            role: m.role,
            content: sanitize(&crate::chat::attachment::with_files(&m.content, &files))
                .into_owned(),
            images,
        };
        messages.push(serde_json::to_value(&wire).unwrap_or(json!({"role": role})));
        let text = |text: &Option<String>| text.as_deref().map(|t| sanitize(t).into_owned());
        let one = |text: &Option<String>| text.as_deref().map(|t| field(t).into_owned());
        details.push(json!({
            "id": m.id, "role": role, "model": one(&m.model), "status": field(&m.status),
            "error": text(&m.error), "finish_reason": one(&m.finish_reason),
            "reasoning": sanitize(&m.reasoning), "prompt_tokens": m.prompt_tokens,
            "completion_tokens": m.completion_tokens, "created_at": m.created_at,
            "written_by_you": m.authored,
            "files": files.iter().map(|f| field(&f.name).into_owned()).collect::<Vec<_>>(),
            "json_check": m.json_check.as_deref().map(|why| match why {
                "" => "valid".to_owned(),
                why => sanitize(why).into_owned(),
            }),
        }));
    }
    json!({
        "model": field(&conversation.model),
        "messages": messages,
        "metadata": {"rockchat": {"id": conversation.id, "title": field(&conversation.title),
                                  "provider": field(&conversation.provider), "messages": details}},
    })
}

fn markdown(conversation: &StoredConversation) -> String {
    let mut text = format!("# {}\n\n", field(&conversation.title));
    if !conversation.system_prompt.is_empty() {
        text.push_str(&format!("> System: {}\n\n", sanitize(&conversation.system_prompt)));
    }
    for m in conversation.messages.iter().filter(|m| !m.hidden) {
        let who = match m.role {
            Role::Assistant if m.authored => "Assistant (written by you)".into(),
            Role::Assistant => m.model.clone().unwrap_or_else(|| "assistant".into()),
            _ => "You".into(),
        };
        text.push_str(&format!("## {}\n\n{}\n\n", field(&who), sanitize(m.content.trim_end())));
        for attached in &m.attachments {
            match attached.text() {
                // A file goes as the model read it: named, fenced.
                Some(_) => {
                    let block =
                        crate::chat::attachment::with_files("", std::slice::from_ref(attached));
                    text.push_str(&format!("{}\n\n", sanitize(&block)));
                }
                None => text.push_str(&format!("_(image: {})_\n\n", field(&attached.label()))),
            }
        }
        if let Some(why) = m.json_check.as_deref().filter(|why| !why.is_empty()) {
            text.push_str(&format!("_(JSON check: {})_\n\n", one_line(why, usize::MAX)));
        }
        if m.status != "complete" {
            let why = m.error.as_deref().unwrap_or(&m.status);
            text.push_str(&format!("_({}: {})_\n\n", field(&m.status), one_line(why, usize::MAX)));
        }
    }
    text
}

/// Imports every conversation in `file`; returns how many conversations and messages.
pub fn import(store: Store, file: &std::path::Path, out: &mut impl Write) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let conversations =
        import::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let failure = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen = failure.clone();
    let writer = Writer::spawn(store, move |event| {
        if let StoreEvent::Failed(error) = event
            && let Ok(mut slot) = seen.lock()
        {
            *slot = Some(error);
        }
    })?;
    let (mut key, mut messages) = (0, 0);
    for conversation in &conversations {
        key += 1;
        let conversation_key = key;
        writer.send(StoreCmd::CreateConversation {
            key: conversation_key,
            title: conversation.title.clone(),
            system_prompt: conversation.system_prompt.clone(),
            provider: "import".into(),
            model: conversation.model.clone(),
        });
        let mut parent = None;
        for (role, content, model) in &conversation.messages {
            key += 1;
            let fields = MessageFields {
                role: *role,
                content: content.clone(),
                reasoning: String::new(),
                model: model.clone(),
                status: "complete",
                error: None,
                finish_reason: None,
                prompt_tokens: None,
                completion_tokens: None,
                pinned: false,
                hidden: false,
                authored: false,
                json_check: None,
            };
            writer.send(StoreCmd::AddMessage {
                key,
                conversation: conversation_key,
                parent,
                fields,
            });
            parent = Some(key);
            messages += 1;
        }
    }
    writer.close();
    if let Some(error) = failure.lock().ok().and_then(|mut slot| slot.take()) {
        anyhow::bail!(error);
    }
    writeln!(out, "imported {} conversations ({messages} messages)", conversations.len())?;
    Ok(())
}

pub fn delete(store: &Store, id: i64, out: &mut impl Write) -> anyhow::Result<()> {
    if !store.delete(id)? {
        anyhow::bail!("no conversation with id {id}");
    }
    writeln!(out, "deleted conversation {id}")?;
    Ok(())
}

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
use crate::chat::price::Money;
use crate::config::cli::ExportFormat;
use crate::format;
use crate::sanitize::{one_line, sanitize};
use crate::store::import::{self, ReadError};
use crate::store::{Store, StoreError, StoredConversation, now_ms};

/// A title or a model name is cut to this many chars where it is printed.
const MAX_FIELD: usize = 200;

/// A stored one-line field as it may be printed.
fn field(text: &str) -> std::borrow::Cow<'_, str> {
    one_line(text, MAX_FIELD)
}

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
    let hits = store.search(query, limit)?;
    if hits.is_empty() {
        store.check_intact()?;
    }
    for hit in hits {
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
        // The same shape the request had, so the export replays with curl: a reply's calls,
        // then one `tool` message per call with its result.
        let (images, files): (Vec<_>, Vec<_>) =
            m.attachments.iter().cloned().partition(|a| a.is_image());
        let content = crate::chat::attachment::with_files(&m.content, &files);
        let mut message = crate::chat::Message::user(0, sanitize(&content).into_owned());
        message.role = m.role;
        message.images = images;
        message.tool_calls = m.tool_calls.iter().map(clean_call).collect();
        for wire in crate::chat::tools::request_messages(&message) {
            messages.push(serde_json::to_value(&wire).unwrap_or(json!({"role": role})));
        }
        let calls: Vec<serde_json::Value> = m
            .tool_calls
            .iter()
            .map(|c| {
                json!({"id": field(&c.id), "name": field(&c.name),
                       "server": c.server.as_deref().map(|s| field(s).into_owned()),
                       "outcome": c.result().map(|r| r.outcome.as_str())})
            })
            .collect();
        let text = |text: &Option<String>| text.as_deref().map(|t| sanitize(t).into_owned());
        let one = |text: &Option<String>| text.as_deref().map(|t| field(t).into_owned());
        details.push(json!({
            "id": m.id, "role": role, "model": one(&m.model), "status": field(&m.status),
            "error": text(&m.error), "finish_reason": one(&m.finish_reason),
            "reasoning": sanitize(&m.reasoning), "prompt_tokens": m.prompt_tokens,
            "completion_tokens": m.completion_tokens, "created_at": m.created_at,
            "cached_tokens": m.cached_tokens, "reasoning_tokens": m.reasoning_tokens,
            "provider": one(&m.provider),
            // Exact decimal dollars at the prices known when the reply came; null: unknown.
            "cost_usd": m.cost.map(|pico| Money(pico.max(0) as u64).exact()),
            "tool_calls": calls,
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
        for call in m.tool_calls.iter().map(clean_call) {
            let server =
                call.server.as_deref().map(|s| format!(" on {}", field(s))).unwrap_or_default();
            text.push_str(&format!(
                "**⚙ {}**{server}\n\n```json\n{}\n```\n\n",
                field(&call.name),
                call.pretty_arguments()
            ));
            let outcome = call.result().map_or("not run", |r| r.outcome.as_str());
            text.push_str(&format!("→ {outcome}:\n\n```\n{}\n```\n\n", call.reply().trim_end()));
        }
        if let (Some(prompt), Some(completion)) = (m.prompt_tokens, m.completion_tokens) {
            let usage = crate::chat::Usage {
                prompt_tokens: prompt.max(0) as u64,
                completion_tokens: completion.max(0) as u64,
                total_tokens: 0,
                cached_tokens: m.cached_tokens.unwrap_or(0).max(0) as u64,
                reasoning_tokens: m.reasoning_tokens.unwrap_or(0).max(0) as u64,
            };
            let cost = m.cost.map(|pico| Money(pico.max(0) as u64));
            let text_of = crate::chat::price::usage_text(&usage, cost);
            text.push_str(&format!("_(tokens: {text_of})_\n\n"));
        }
        if m.status != "complete" {
            let why = m.error.as_deref().unwrap_or(&m.status);
            text.push_str(&format!("_({}: {})_\n\n", field(&m.status), one_line(why, usize::MAX)));
        }
    }
    text
}

/// Imports every conversation in `file`, one transaction each, as it reads them: a kill
/// halfway leaves whole conversations only, and running it again adds only what is missing.
pub fn import(
    mut store: Store,
    file: &std::path::Path,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let opened =
        std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let (mut added, mut messages, mut skipped) = (0, 0, 0);
    let read = import::read(opened, |conversation| {
        match store.add_imported(&conversation)? {
            Some(_) => {
                added += 1;
                messages += conversation.messages.len();
            }
            None => skipped += 1,
        }
        Ok::<(), StoreError>(())
    });
    let so_far = || match (added, skipped) {
        (0, 0) => String::new(),
        _ => format!(" (after importing {added} conversations; run it again to add the rest)"),
    };
    match read {
        Ok(()) => {}
        Err(ReadError::File(why)) => anyhow::bail!("{}: {why}{}", file.display(), so_far()),
        Err(ReadError::Stopped(error)) => anyhow::bail!("{error}{}", so_far()),
    }
    write!(out, "imported {added} conversations ({messages} messages)")?;
    if skipped > 0 {
        write!(out, "; skipped {skipped} imported before")?;
    }
    writeln!(out)?;
    Ok(())
}

pub fn delete(store: &Store, id: i64, out: &mut impl Write) -> anyhow::Result<()> {
    if !store.delete(id)? {
        store.check_intact()?;
        anyhow::bail!("no conversation with id {id}");
    }
    writeln!(out, "deleted conversation {id}")?;
    Ok(())
}

/// A stored call as it may be exported: its result sanitised (it came from a server), its
/// arguments stripped of terminal control (valid JSON holds none; broken JSON might).
fn clean_call(call: &crate::chat::tools::ToolCall) -> crate::chat::tools::ToolCall {
    let mut call = call.clone();
    call.arguments = sanitize(&call.arguments).into_owned();
    if let crate::chat::tools::CallState::Done(result) = &mut call.state {
        result.content = sanitize(&result.content).into_owned();
    }
    call
}

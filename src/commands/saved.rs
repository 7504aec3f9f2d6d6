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
use crate::store::import::Incoming;
use crate::store::import::{self, ReadError};
use crate::store::{Store, StoreError, StoredConversation, archive, now_ms};

/// A title or a model name is cut to this many chars where it is printed.
const MAX_FIELD: usize = 200;

/// A stored one-line field as it may be printed.
fn field(text: &str) -> std::borrow::Cow<'_, str> {
    one_line(text, MAX_FIELD)
}

/// "1 message", "2 messages".
pub fn plural(count: i64, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// Aligned columns (id, age, model, messages, title), or a JSON array for scripts.
pub fn list(store: &Store, limit: usize, json: bool, out: &mut impl Write) -> anyhow::Result<()> {
    let now = now_ms();
    let rows = store.list(limit)?;
    if json {
        let rows: Vec<serde_json::Value> = rows
            .iter()
            .map(|c| {
                json!({"id": c.id, "title": field(&c.title), "model": field(&c.model),
                       "updated_at": c.updated_at, "messages": c.messages,
                       "preview": field(&c.preview)})
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
        return Ok(());
    }
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|c| {
            [
                c.id.to_string(),
                format::age(now, c.updated_at),
                field(&c.model).into_owned(),
                plural(c.messages, "message", "messages"),
                field(&c.title).into_owned(),
            ]
        })
        .collect();
    let width = |column: usize| {
        cells.iter().map(|row| unicode_width::UnicodeWidthStr::width(row[column].as_str())).max()
    };
    let widths: Vec<usize> = (0..4).map(|column| width(column).unwrap_or(0)).collect();
    for [id, age, model, count, title] in &cells {
        let pad = |text: &str, column: usize| {
            let shown = unicode_width::UnicodeWidthStr::width(text);
            " ".repeat(widths[column].saturating_sub(shown))
        };
        writeln!(
            out,
            "{}{id}  {age}{}  {model}{}  {count}{}  {title}",
            pad(id, 0),
            pad(age, 1),
            pad(model, 2),
            pad(count, 3),
        )?;
    }
    Ok(())
}

/// The outcome of a search: whether anything matched (`rockchat search` exits 1 when not,
/// as grep does).
pub fn search(
    store: &Store,
    query: &str,
    limit: usize,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let hits = store.search(query, limit)?;
    if hits.is_empty() {
        store.check_intact()?;
    }
    if json {
        let rows: Vec<serde_json::Value> = hits
            .iter()
            .map(|hit| {
                json!({"id": hit.conversation_id, "title": field(&hit.title),
                       "message_id": hit.message_id, "snippet": snippet(&hit.snippet)})
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
        return Ok(!hits.is_empty());
    }
    let width = hits.iter().map(|hit| hit.conversation_id.to_string().len()).max().unwrap_or(0);
    for hit in &hits {
        writeln!(
            out,
            "{:>width$}  {}\n{:width$}  {}",
            hit.conversation_id,
            field(&hit.title),
            "",
            snippet(&hit.snippet)
        )?;
    }
    Ok(!hits.is_empty())
}

/// A snippet on one line.
fn snippet(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line(&text, usize::MAX).into_owned()
}

/// The conversation as markdown, or (`json`) its branch on screen as JSON.
pub fn show(store: &Store, id: i64, json: bool, out: &mut impl Write) -> anyhow::Result<()> {
    let conversation = store.load(id)?;
    if !json {
        out.write_all(markdown(&conversation).as_bytes())?;
        return Ok(());
    }
    let text = |text: &Option<String>| text.as_deref().map(|t| sanitize(t).into_owned());
    let one = |text: &Option<String>| text.as_deref().map(|t| field(t).into_owned());
    let messages: Vec<serde_json::Value> = conversation
        .messages
        .iter()
        .filter(|m| !m.hidden)
        .map(|m| {
            json!({"id": m.id, "role": if m.role == Role::Assistant { "assistant" } else { "user" },
                   "content": sanitize(&m.content), "model": one(&m.model),
                   "status": field(&m.status), "error": text(&m.error),
                   "finish_reason": one(&m.finish_reason), "created_at": m.created_at,
                   "pinned": m.pinned, "written_by_you": m.authored,
                   "prompt_tokens": m.prompt_tokens, "completion_tokens": m.completion_tokens,
                   "attachments": m.attachments.iter().map(|a| field(&a.label()).into_owned())
                       .collect::<Vec<_>>()})
        })
        .collect();
    let shown = json!({
        "id": conversation.id, "title": field(&conversation.title),
        "provider": field(&conversation.provider), "model": field(&conversation.model),
        "system": sanitize(&conversation.system_prompt),
        "params": serde_json::from_str::<serde_json::Value>(&conversation.params)
            .unwrap_or(json!({})),
        "messages": messages,
    });
    serde_json::to_writer_pretty(&mut *out, &shown)?;
    writeln!(out)?;
    Ok(())
}

/// Writes conversation `id` (or, for an archive, every one when `id` is `None`) as `format`.
pub fn export(
    store: &Store,
    id: Option<i64>,
    format: ExportFormat,
    endpoint: &crate::api::Endpoint,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let ids = match id {
        Some(id) => vec![id],
        None if format == ExportFormat::Archive => store.ids()?,
        None => anyhow::bail!("export --all writes an archive: add --format archive"),
    };
    let one = || store.load(ids[0]);
    match format {
        ExportFormat::Md => out.write_all(markdown(&one()?).as_bytes())?,
        ExportFormat::Html => out.write_all(super::html::page(&one()?).as_bytes())?,
        ExportFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &request_body(one()?, endpoint)?)?;
            writeln!(out)?;
        }
        ExportFormat::Archive => {
            let conversations =
                ids.iter().map(|&id| store.archive(id)).collect::<Result<Vec<_>, _>>()?;
            let archive = archive::Archive {
                rockchat: archive::MARK.into(),
                version: archive::VERSION,
                conversations,
            };
            serde_json::to_writer_pretty(&mut *out, &archive)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// The request `ask --open ID --no-stream --dry-run` sends, without a new prompt: the
/// conversation's branch as the app sends it (images as data URLs, calls and their
/// results), its model and parameters, and the provider's extra fields. `curl -d @file`
/// replays it.
pub fn request_body(
    mut stored: StoredConversation,
    endpoint: &crate::api::Endpoint,
) -> anyhow::Result<crate::api::types::ChatRequest> {
    sanitize_stored(&mut stored);
    let model = stored.model.clone();
    let (mut conversation, _) =
        crate::app::persist::restore(stored, &mut crate::chat::Keys::default());
    let plan = crate::chat::context::Request::local(&model, None);
    let messages = match crate::chat::context::prepare(&mut conversation, &plan).0 {
        crate::chat::context::Outcome::Send(messages) => messages,
        _ => anyhow::bail!("this conversation cannot be sent as it is"),
    };
    let client = crate::api::ApiClient::new(endpoint.clone())?;
    Ok(client.chat_request(&model, messages, false).with_params(&conversation.params))
}

/// Stored text is untrusted: stripped of terminal control before it is exported.
fn sanitize_stored(stored: &mut StoredConversation) {
    stored.system_prompt = sanitize(&stored.system_prompt).into_owned();
    for m in stored.messages.iter_mut().chain(stored.other_branches.iter_mut()) {
        m.content = sanitize(&m.content).into_owned();
        m.tool_calls = m.tool_calls.iter().map(clean_call).collect();
    }
}

fn markdown(conversation: &StoredConversation) -> String {
    let mut text = format!("# {}\n\n", field(&conversation.title));
    if !conversation.system_prompt.is_empty() {
        // Every line quoted, so a multi-line system message stays inside its quote.
        let quoted: Vec<String> = sanitize(&conversation.system_prompt)
            .lines()
            .map(|line| if line.is_empty() { ">".to_owned() } else { format!("> {line}") })
            .collect();
        text.push_str(&format!("> **System:**\n>\n{}\n\n", quoted.join("\n")));
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
            let why = for_shell(m.error.as_deref().unwrap_or(&m.status));
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
    let (mut added, mut messages, mut skipped) = (0i64, 0usize, 0);
    let read = import::read(opened, |incoming| {
        let done = match incoming {
            Incoming::Plain(conversation) => {
                store.add_imported(&conversation)?.map(|_| conversation.messages.len())
            }
            Incoming::Archived(conversation) => {
                store.add_archived(&conversation)?.map(|(_, count)| count)
            }
        };
        match done {
            Some(count) => {
                added += 1;
                messages += count;
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
    write!(
        out,
        "imported {} ({})",
        plural(added, "conversation", "conversations"),
        plural(messages as i64, "message", "messages")
    )?;
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

/// A stored error as a shell shows it: the app's advice about its keys ("Ctrl+R retries")
/// means nothing here, so the text stops before it.
fn for_shell(error: &str) -> &str {
    let Some(at) = error.find("Ctrl+") else { return error };
    let before = &error[..at];
    let cut = [". ", ": ", " · ", "; "]
        .iter()
        .filter_map(|mark| before.rfind(mark).map(|i| i + usize::from(*mark == ". ")))
        .max()
        .unwrap_or(0);
    error[..cut].trim_end()
}

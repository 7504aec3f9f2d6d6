//! Attaching to the draft: a pasted or dropped path (read by the driver: an image, or a
//! text file counted against the model's window), an image URL pasted alone (attached as
//! it is: the server fetches it), and `@path` completed with Tab (a file completed whole is
//! attached and its `@path` leaves the draft). Backspace in an empty draft takes off the
//! last one. What is attached is listed above the input with its size and token cost.
//!
//! Pure, like `update`: reading files and listing folders are effects.

use super::meter;
use super::msg::Effect;
use super::state::{Popup, State};
use crate::chat::attachment::{self, Attachment};
use crate::chat::tally::{Count, Precision, Tally};
use crate::tokens::Counter;

/// A paste: an image URL or a path becomes an attachment (the path once the driver read
/// it); `None` when it is text for the draft.
pub fn paste(state: &mut State, text: &str) -> Option<Vec<Effect>> {
    if state.popup.is_some() {
        return None;
    }
    if let Some(url) = attachment::url_in_paste(text) {
        return Some(attached(state, Attachment::image_url(&url)));
    }
    let path = attachment::path_in_paste(text)?;
    Some(vec![load(state, path, Some(text.to_owned()))])
}

fn load(state: &State, path: std::path::PathBuf, paste: Option<String>) -> Effect {
    let model = &state.target.model;
    Effect::LoadFile {
        path,
        paste,
        counter: state.counting.counter(model),
        window: meter::limits_for(state, model).map(|(window, _)| window),
    }
}

/// The driver read a file: attached, or why not.
pub fn loaded(
    state: &mut State,
    result: Result<Attachment, Option<String>>,
    paste: Option<String>,
) -> Vec<Effect> {
    match result {
        Ok(file) => attached(state, file),
        Err(why) => {
            // Not a file after all, or one that cannot go: the paste is the text it also was.
            state.notice = why;
            if let Some(paste) = paste {
                super::update::paste_text(state, &paste);
            }
            Vec::new()
        }
    }
}

fn attached(state: &mut State, file: Attachment) -> Vec<Effect> {
    let what = if file.is_image() { "image" } else { "file" };
    let target = &state.target;
    let blind = state.learned.get(&target.provider, &target.model).images == Some(false);
    state.notice = Some(if blind && file.is_image() {
        format!(
            "attached {}, but {} does not take images: it stays here, not sent (Ctrl+P picks another model)",
            file.label(),
            target.model
        )
    } else {
        format!("attached {what} {} (Backspace in an empty input removes it)", file.name)
    });
    state.attachments.push(file);
    Vec::new()
}

/// Tab at the end of `@path` in the draft: asks the driver what completes it. `None` when
/// the word before the cursor is no `@path` (Tab keeps its meaning).
pub fn complete(state: &mut State) -> Option<Vec<Effect>> {
    if state.popup.is_some() {
        return None;
    }
    let word = state.input.word_before_cursor();
    let typed = word.strip_prefix('@')?;
    Some(vec![Effect::CompletePath { typed: typed.to_owned() }])
}

/// The driver listed what completes `typed`: one file is attached (its `@path` leaves the
/// draft), one folder is completed to go on typing, several are completed as far as they
/// agree and named in the status line.
pub fn found(state: &mut State, typed: String, found: Vec<String>) -> Vec<Effect> {
    // The draft moved on meanwhile: the answer is stale.
    if state.input.word_before_cursor() != format!("@{typed}")
        || matches!(state.popup, Some(Popup::Help { .. }))
    {
        return Vec::new();
    }
    match found.as_slice() {
        [] => {
            state.notice = Some(format!("no file matches @{typed}"));
            Vec::new()
        }
        [one] if one.ends_with('/') => {
            state.input.replace_word_before_cursor(&format!("@{one}"));
            Vec::new()
        }
        [one] => {
            state.input.replace_word_before_cursor("");
            vec![load(state, one.into(), None)]
        }
        many => {
            let common = common_prefix(many);
            if common.len() > typed.len() {
                state.input.replace_word_before_cursor(&format!("@{common}"));
            }
            let names: Vec<&str> = many
                .iter()
                .map(|name| name.rsplit_once('/').map_or(name.as_str(), |(_, n)| n))
                .collect();
            let shown: Vec<&str> = names.iter().take(8).copied().collect();
            let more =
                if many.len() > 8 { format!(" (+{} more)", many.len() - 8) } else { String::new() };
            state.notice = Some(format!("@{common}: {}{more}", shown.join(" · ")));
            Vec::new()
        }
    }
}

/// What every name starts with, cut at a char boundary.
fn common_prefix(names: &[String]) -> String {
    let Some(first) = names.first() else { return String::new() };
    let mut end = first.len();
    for name in &names[1..] {
        end = end
            .min(first.char_indices().zip(name.chars()).take_while(|((_, a), b)| a == b).count());
    }
    first.chars().take(end).collect()
}

/// The attachments' cost in the next request, as far as it is known.
pub fn tokens(attachments: &[Attachment], counter: Counter, tally: &Tally) -> Count {
    attachments
        .iter()
        .map(|file| match file.is_image() {
            true => tally.image(file),
            // Counted off the UI thread when read; after a switch of model that count stands
            // in, rather than counting a long file again on every key.
            false => match file.tokens(counter) {
                Some(tokens) => tally.drafted(tokens),
                None => Count::new(file.counted_tokens().unwrap_or(0), Precision::Estimated),
            },
        })
        .fold(Count::default(), |sum, count| sum + count)
}

#[cfg(test)]
mod tests {
    use super::common_prefix;

    #[test]
    fn the_common_prefix_is_cut_between_chars() {
        let names = ["src/mail.rs".to_owned(), "src/main.rs".to_owned()];
        assert_eq!(common_prefix(&names), "src/mai");
        assert_eq!(common_prefix(&["ä1".to_owned(), "ä2".to_owned()]), "ä");
    }
}

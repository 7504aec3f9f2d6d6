//! Select mode: picking a message in the transcript (Tab, Ctrl+Up) and acting on it: copy
//! it or one of its code blocks, page it, edit a prompt into a new branch, switch branches,
//! pin it against trimming, delete it after asking.
//!
//! Pure like `update`: copying and paging are `Effect`s the driver carries out. While a
//! message is selected no key reaches the draft.

use crossterm::event::{KeyCode, KeyEvent};

use super::bindings::{SelectAction, select_action_for};
use super::msg::Effect;
use super::persist;
use super::state::{Scroll, State};
use crate::app::editor::Editor;
use crate::chat::Key;
use crate::chat::Role;
use crate::store::writer::StoreCmd;

/// The message picked in select mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Its index in the branch on screen.
    pub index: usize,
    /// `d` was pressed: the next key answers "delete it?".
    pub confirm_delete: bool,
}

/// A past prompt, or a reply, loaded into the input by `e`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editing {
    /// The prompt or reply being replaced.
    pub key: Key,
    /// A prompt is sent again; a reply is kept as written by you.
    pub role: Role,
    /// What the input held before, given back after sending or cancelling.
    pub draft: String,
}

/// Enters select mode on the newest message.
pub fn enter(state: &mut State) -> Vec<Effect> {
    let messages = state.conversation.messages();
    match (0..messages.len()).rev().find(|&i| !messages[i].hidden) {
        Some(index) => {
            state.selection = Some(Selection { index, confirm_delete: false });
            state.view.scroll = Scroll::Reveal(index);
        }
        None => state.notice = Some("nothing to select yet".into()),
    }
    Vec::new()
}

/// A key in select mode; `None` for a key select mode leaves to the main table.
pub fn on_key(state: &mut State, key: &KeyEvent) -> Option<Vec<Effect>> {
    let selection = state.selection.as_mut()?;
    let index = selection.index;
    if std::mem::take(&mut selection.confirm_delete) {
        if key.code == KeyCode::Char('y') {
            return Some(delete(state, index));
        }
        state.notice = Some("kept".into());
        return Some(Vec::new());
    }
    let action = select_action_for(key)?;
    let effects = match action {
        SelectAction::Older => move_to(state, previous_visible(state, index)),
        SelectAction::Newer => move_to(state, next_visible(state, index)),
        SelectAction::Oldest => move_to(state, next_visible(state, usize::MAX)),
        SelectAction::Newest => move_to(state, previous_visible(state, usize::MAX)),
        SelectAction::Leave => {
            state.selection = None;
            Vec::new()
        }
        SelectAction::Copy => copy(state, index, None),
        SelectAction::CopyCode(n) => copy(state, index, Some(n)),
        SelectAction::Page => {
            let text = content(state, index);
            vec![Effect::Page { text }]
        }
        SelectAction::Edit => edit(state, index),
        SelectAction::Pin => pin(state, index),
        SelectAction::Delete => {
            if let Some(refused) = refuse_while_busy(state) {
                return Some(refused);
            }
            if let Some(selection) = &mut state.selection {
                selection.confirm_delete = true;
            }
            state.notice = Some(
                "delete this exchange (the prompt and its reply)? y deletes (kept hidden in the \
                 file), any other key keeps it"
                    .into(),
            );
            Vec::new()
        }
        SelectAction::PreviousBranch => switch_branch(state, index, -1),
        SelectAction::NextBranch => switch_branch(state, index, 1),
    };
    Some(effects)
}

/// Whether `msg` is a select-mode key that changes neither the history nor the draft (a
/// move, a copy), so the context meter need not be counted again.
pub fn only_looks(state: &State, msg: &super::msg::Msg) -> bool {
    let Some(selection) = &state.selection else { return false };
    let super::msg::Msg::Key(key) = msg else { return false };
    !selection.confirm_delete
        && matches!(
            select_action_for(key),
            Some(
                SelectAction::Older
                    | SelectAction::Newer
                    | SelectAction::Oldest
                    | SelectAction::Newest
                    | SelectAction::Copy
                    | SelectAction::CopyCode(_)
                    | SelectAction::Page
            )
        )
}

fn content(state: &State, index: usize) -> String {
    state.conversation.messages().get(index).map(|m| m.content.clone()).unwrap_or_default()
}

fn previous_visible(state: &State, before: usize) -> Option<usize> {
    let messages = state.conversation.messages();
    (0..before.min(messages.len())).rev().find(|&i| !messages[i].hidden)
}

fn next_visible(state: &State, after: usize) -> Option<usize> {
    let messages = state.conversation.messages();
    let start = after.wrapping_add(1);
    (start..messages.len()).find(|&i| !messages[i].hidden)
}

fn move_to(state: &mut State, index: Option<usize>) -> Vec<Effect> {
    if let (Some(index), Some(selection)) = (index, &mut state.selection) {
        selection.index = index;
        state.view.scroll = Scroll::Reveal(index);
    }
    Vec::new()
}

fn copy(state: &mut State, index: usize, block: Option<usize>) -> Vec<Effect> {
    let text = content(state, index);
    let text = match block {
        None => text,
        Some(n) => {
            let blocks = code_blocks(&text);
            match blocks.into_iter().nth(n - 1) {
                Some(code) => code,
                None => {
                    let count = code_blocks(&text).len();
                    state.notice = Some(match count {
                        0 => "this message has no code blocks".into(),
                        1 => "this message has 1 code block: press 1".into(),
                        _ => format!("this message has {count} code blocks: press 1-{count}"),
                    });
                    return Vec::new();
                }
            }
        }
    };
    if text.is_empty() {
        state.notice = Some("nothing to copy: the message is empty".into());
        return Vec::new();
    }
    let chars = text.chars().count();
    state.notice = Some(match block {
        Some(n) => format!("copied code block {n} ({chars} chars)"),
        None => format!("copied {chars} chars"),
    });
    vec![Effect::Copy { text }]
}

fn refuse_while_busy(state: &mut State) -> Option<Vec<Effect>> {
    state.stream.is_busy().then(|| {
        state.notice = Some("a reply is still arriving: wait for it or stop it (Esc twice)".into());
        Vec::new()
    })
}

/// `e`: the prompt goes into the input; sending it makes a new branch from its parent.
fn edit(state: &mut State, index: usize) -> Vec<Effect> {
    if let Some(refused) = refuse_while_busy(state) {
        return refused;
    }
    let Some(message) = state.conversation.messages().get(index) else { return Vec::new() };
    let draft = state.input.text();
    state.editing = Some(Editing { key: message.key, role: message.role, draft });
    state.input = Editor::with_text(&message.content);
    state.selection = None;
    state.turn_as = None;
    state.notice = Some(match message.role {
        Role::Assistant => {
            "editing the reply: Enter keeps your text as a new branch written by you (nothing is \
             sent; the old reply stays); Esc cancels"
        }
        _ => "editing: Enter sends it as a new branch (the old one stays); Esc cancels",
    }
    .into());
    Vec::new()
}

/// Esc while editing: the input gets back what it held before.
pub fn cancel_edit(state: &mut State) -> Vec<Effect> {
    if let Some(editing) = state.editing.take() {
        state.input = Editor::with_text(&editing.draft);
        state.notice = Some("edit cancelled".into());
    }
    Vec::new()
}

/// Sends an edited prompt as a sibling of the one it replaces: everything from the old
/// prompt on moves to another branch. The draft typed before the edit comes back.
pub fn send_edit(
    state: &mut State,
    editing: Editing,
    text: String,
    images: Vec<crate::chat::attachment::Attachment>,
) -> Vec<Effect> {
    let messages = state.conversation.messages();
    let effects = match messages.iter().position(|m| m.key == editing.key) {
        Some(index) => {
            let parent = messages[index].parent;
            state.conversation.detach_from(index);
            super::turn::send_prompt_under(state, text, images, parent)
        }
        None => super::turn::send_prompt(state, text, images),
    };
    state.input = Editor::with_text(&editing.draft);
    effects
}

fn pin(state: &mut State, index: usize) -> Vec<Effect> {
    let Some(message) = state.conversation.edit(index) else { return Vec::new() };
    message.pinned = !message.pinned;
    let pinned = message.pinned;
    let save = persist::update(message);
    state.notice = Some(if pinned {
        "pinned: always sent, never trimmed from the context".into()
    } else {
        "unpinned".into()
    });
    vec![Effect::Store(save)]
}

/// Hides the exchange the message belongs to, its prompt and the replies to it, so the
/// requests after it still alternate user and assistant: off the screen and out of
/// requests, kept in the store because the rest of the conversation may hang from it.
fn delete(state: &mut State, index: usize) -> Vec<Effect> {
    if let Some(refused) = refuse_while_busy(state) {
        return refused;
    }
    let exchange = exchange(state, index);
    let mut saves = Vec::new();
    for at in exchange.clone() {
        let Some(message) = state.conversation.edit(at) else { continue };
        if message.hidden {
            continue;
        }
        message.hidden = true;
        message.pinned = false;
        saves.push(Effect::Store(persist::update(message)));
    }
    state.notice = Some(match saves.len() {
        1 => "deleted".into(),
        n => format!("deleted the exchange ({n} messages)"),
    });
    let last = exchange.end.saturating_sub(1);
    let next = next_visible(state, last).or_else(|| previous_visible(state, exchange.start));
    match next {
        Some(next) => {
            move_to(state, Some(next));
        }
        None => state.selection = None,
    }
    saves
}

/// The indices of the exchange holding message `index`: its prompt (the last visible user
/// message at or before it) up to the next visible prompt.
fn exchange(state: &State, index: usize) -> std::ops::Range<usize> {
    let messages = state.conversation.messages();
    let is_prompt = |i: usize| messages[i].role == Role::User && !messages[i].hidden;
    let start = (0..=index.min(messages.len().saturating_sub(1)))
        .rev()
        .find(|&i| is_prompt(i))
        .unwrap_or(index);
    let end = (index + 1..messages.len()).find(|&i| is_prompt(i)).unwrap_or(messages.len());
    start..end
}

/// `[` and `]`: shows the sibling branch before or after the one at `index`.
fn switch_branch(state: &mut State, index: usize, step: isize) -> Vec<Effect> {
    if let Some(refused) = refuse_while_busy(state) {
        return refused;
    }
    let Some((position, keys)) = state.conversation.siblings(index) else { return Vec::new() };
    let Some(&target) = position.checked_add_signed(step).and_then(|p| keys.get(p)) else {
        state.notice = Some(match keys.len() {
            1 => "this message has no other branch".into(),
            n if step < 0 => format!("branch 1/{n} is the first"),
            n => format!("branch {n}/{n} is the last"),
        });
        return Vec::new();
    };
    state.conversation.switch_to(index, target);
    state.view.scroll = Scroll::Reveal(index);
    state.notice = Some(format!(
        "branch {}/{}",
        keys.iter().position(|&k| k == target).unwrap_or(0) + 1,
        keys.len()
    ));
    let conversation = &state.conversation;
    match (conversation.saved, conversation.leaf()) {
        (true, Some(leaf)) => {
            vec![Effect::Store(StoreCmd::SetLeaf { conversation: conversation.key, leaf })]
        }
        _ => Vec::new(),
    }
}

/// The code of each block in `text` without fences or final newline, numbered as the
/// transcript shows them (the markdown renderer finds them, so the n-th block copied is the
/// n-th block on screen). A block still open at the end (a reply cut off) counts up to there.
pub fn code_blocks(text: &str) -> Vec<String> {
    crate::chat::markdown::code_blocks(text)
        .into_iter()
        .map(|block| {
            let mut code = block.code;
            if code.ends_with('\n') {
                code.pop();
            }
            code
        })
        .collect()
}

#[cfg(test)]
mod flows;

#[cfg(test)]
mod tests {
    use super::code_blocks;

    #[test]
    fn code_blocks_are_found_in_order_without_fences() {
        let text = "Intro\n```rust\nfn main() {}\n```\nthen\n~~~\na\n  b\n~~~\n";
        assert_eq!(code_blocks(text), ["fn main() {}", "a\n  b"]);
    }

    #[test]
    fn a_longer_fence_holds_a_shorter_one_and_an_open_block_runs_to_the_end() {
        let text = "````md\n```\ninner\n```\n````\n```py\nprint(1)";
        assert_eq!(code_blocks(text), ["```\ninner\n```", "print(1)"]);
    }

    #[test]
    fn no_fences_no_blocks() {
        assert!(code_blocks("just `inline` code").is_empty());
    }
}

//! Turns the user writes for either side, without a request: a few-shot example ("as
//! assistant" or "as user", Alt+A and Alt+U), and a reply rewritten with `e` in select mode,
//! which becomes a new branch beside the model's. Such an assistant turn is `authored`: sent
//! as `assistant` like any reply, stored and exported as written by you, and shown so.
//!
//! Pure, like `update`.

use super::msg::Effect;
use super::persist;
use super::state::{Scroll, State};
use crate::app::editor::Editor;
use crate::chat::{Key, Message, Role};
use crate::store::writer::StoreCmd;

/// Alt+A or Alt+U: adds the draft now as a turn of `role`, or, with an empty draft, makes the
/// next Enter do so.
pub fn add_or_arm(state: &mut State, role: Role) -> Vec<Effect> {
    if state.editing.is_some() {
        state.notice = Some("finish the edit first: Enter keeps it, Esc cancels".into());
        return Vec::new();
    }
    if state.input.text().trim().is_empty() {
        state.turn_as = Some(role);
        state.notice =
            Some(format!("type {}; Enter adds it without sending · Esc cancels", who(role)));
        return Vec::new();
    }
    add_turn(state, role)
}

/// Esc with a turn armed: the next Enter sends again.
pub fn disarm(state: &mut State) -> Vec<Effect> {
    state.turn_as = None;
    state.notice = Some("Enter sends again".into());
    Vec::new()
}

fn who(role: Role) -> &'static str {
    match role {
        Role::Assistant => "the assistant's turn",
        _ => "your turn",
    }
}

/// Adds the draft as a turn of `role` after the last message sent; no request starts.
pub fn add_turn(state: &mut State, role: Role) -> Vec<Effect> {
    let text = state.input.text().trim_end().to_owned();
    if text.trim().is_empty() {
        return Vec::new();
    }
    if state.stream.is_busy() {
        state.notice = Some("a reply is still arriving: Esc stops it; your text stays here".into());
        return Vec::new();
    }
    state.turn_as = None;
    state.input = Editor::new();
    state.history.push(text.clone());
    let parent = state.conversation.messages().iter().rev().find(|m| m.is_sent()).map(|m| m.key);
    let key = state.keys.fresh();
    let mut message = match role {
        Role::Assistant => Message::authored(key, text),
        _ => Message::user(key, text),
    };
    message.parent = parent;
    if role == Role::User {
        let (images, files) =
            super::turn::split_attachments(std::mem::take(&mut state.attachments));
        message.images = images;
        message.files = files;
    }
    let mut effects = super::turn::ensure_saved(state, &message);
    effects.extend(persist::add_with_attachments(&state.conversation, &message));
    state.conversation.push(message);
    state.view.scroll = Scroll::Follow;
    state.notice = Some(format!("added as {} · nothing was sent", who(role)));
    effects
}

/// Keeps an edited reply as a sibling of the one it replaces, written by you: the old reply
/// and what followed it move to another branch (`[` brings them back). Nothing is sent.
pub fn replace_reply(state: &mut State, replaced: Key, text: String) -> Vec<Effect> {
    let messages = state.conversation.messages();
    let Some(index) = messages.iter().position(|m| m.key == replaced) else {
        return add_turn_text(state, text);
    };
    let parent = messages[index].parent;
    state.conversation.detach_from(index);
    let mut message = Message::authored(state.keys.fresh(), text);
    message.parent = parent;
    let mut effects = vec![Effect::Store(persist::add(&state.conversation, &message))];
    state.conversation.push(message);
    let conversation = &state.conversation;
    if let (true, Some(leaf)) = (conversation.saved, conversation.leaf()) {
        effects.push(Effect::Store(StoreCmd::SetLeaf { conversation: conversation.key, leaf }));
    }
    state.view.scroll = Scroll::Follow;
    state.notice = Some("kept as a new branch written by you · nothing was sent".into());
    effects
}

/// The reply being edited is gone (deleted meanwhile): the text is added as a new turn.
fn add_turn_text(state: &mut State, text: String) -> Vec<Effect> {
    let draft = state.input.text();
    state.input = Editor::with_text(&text);
    let effects = add_turn(state, Role::Assistant);
    state.input = Editor::with_text(&draft);
    effects
}

#[cfg(test)]
mod tests;

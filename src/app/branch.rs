//! Branches of a conversation. Messages form a tree (each names its parent); the app shows
//! one path through it, root to leaf, and keeps the rest aside. Editing a past prompt or
//! retrying a reply adds a sibling and moves the old continuation aside; `[` and `]` swap
//! the path below a message for one of its siblings' paths.
//!
//! Every change re-lays out only the messages from the switch point on.

use std::collections::HashMap;

use super::{Conversation, Message};
use crate::store::writer::Key;

impl Conversation {
    /// The keys of the message at `index` and its siblings (same parent, same role, not
    /// deleted), oldest first, and where it stands among them.
    pub fn siblings(&self, index: usize) -> Option<(usize, Vec<Key>)> {
        let message = self.messages.get(index)?;
        let mut keys: Vec<Key> = self
            .off_branch
            .iter()
            .filter(|m| !m.hidden && m.parent == message.parent && m.role == message.role)
            .map(|m| m.key)
            .collect();
        keys.push(message.key);
        // Keys are handed out in creation order, also when a conversation is restored.
        keys.sort_unstable();
        let position = keys.iter().position(|&k| k == message.key)?;
        Some((position, keys))
    }

    /// Moves the messages from `index` on aside, to another branch.
    pub fn detach_from(&mut self, index: usize) {
        if index >= self.messages.len() {
            return;
        }
        self.off_branch.extend(self.messages.drain(index..));
        self.changed_from = self.changed_from.min(index);
    }

    /// Shows the branch through `sibling` from `index` on: the sibling, then at each step its
    /// newest child. False if `sibling` is not aside.
    pub fn switch_to(&mut self, index: usize, sibling: Key) -> bool {
        let Some(at) = self.off_branch.iter().position(|m| m.key == sibling) else {
            return false;
        };
        self.detach_from(index);
        let mut next = Some(self.off_branch.swap_remove(at));
        while let Some(mut message) = next {
            message.touch();
            let key = message.key;
            self.messages.push(message);
            let child = self
                .off_branch
                .iter()
                .enumerate()
                .filter(|(_, m)| m.parent == Some(key))
                .max_by_key(|(_, m)| m.key)
                .map(|(i, _)| i);
            next = child.map(|i| self.off_branch.swap_remove(i));
        }
        self.label_branches(index);
        true
    }

    /// The newest message on screen: the branch the store should reopen.
    pub fn leaf(&self) -> Option<Key> {
        self.messages.last().map(|m| m.key)
    }

    /// Sets "branch N/M" on the messages from `from` on, counting the siblings aside.
    pub(super) fn label_branches(&mut self, from: usize) {
        let mut aside: HashMap<Option<Key>, Vec<(Key, crate::api::types::Role)>> = HashMap::new();
        for message in self.off_branch.iter().filter(|m| !m.hidden) {
            aside.entry(message.parent).or_default().push((message.key, message.role));
        }
        for index in from..self.messages.len() {
            let message = &self.messages[index];
            let others = aside.get(&message.parent).map_or(&[][..], Vec::as_slice);
            let same: Vec<Key> =
                others.iter().filter(|(_, role)| *role == message.role).map(|(k, _)| *k).collect();
            let label = (!same.is_empty()).then(|| {
                let before = same.iter().filter(|&&k| k < message.key).count();
                (before + 1, same.len() + 1)
            });
            if message.branch != label
                && let Some(message) = self.edit(index)
            {
                message.branch = label;
            }
        }
    }
}

impl Conversation {
    /// The messages on the other branches, in no particular order.
    pub fn off_branch(&self) -> &[Message] {
        &self.off_branch
    }
}

//! One conversation: its system message and the path of messages on screen, with the
//! messages of its other branches kept aside. Messages form a tree (each names its parent);
//! the conversation shows one path through it, root to leaf. Editing a past prompt or
//! retrying a reply adds a sibling and moves the old continuation aside; `[` and `]` swap
//! the path below a message for one of its siblings' paths.
//!
//! Messages change only through `push`, `edit` and the branch operations, which log the
//! lowest changed index by generation, so a reader (the screen's layout cache) can ask what
//! changed since it last looked and lay out the changed tail, not the whole history, without
//! the conversation having to know who reads it.

use std::collections::HashMap;

use super::Key;
use super::message::{Message, Role};
use super::params::RequestParams;
use crate::tokens::Counter;

/// One conversation: its single system message and the turns after it.
///
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conversation {
    pub system: String,
    /// What the list calls it: its first prompt's first line, or the name the user gave.
    pub title: String,
    messages: Vec<Message>,
    changes: Changes,
    /// Names this conversation to the store writer.
    pub key: Key,
    /// Messages on other branches (an edited prompt's old continuation, a retried reply),
    /// kept so `[` and `]` can bring them back.
    off_branch: Vec<Message>,
    /// Whether the store has a row for it yet (created at the first prompt).
    pub saved: bool,
    /// The row id, once the writer has reported it.
    pub stored_id: Option<i64>,
    /// Sampling parameters set with F4; sent with every request of this conversation.
    pub params: RequestParams,
    /// Each branch point's last-used child (by parent; `None` for the first message), so
    /// going back to a branch goes back down the path that was last on screen there.
    chosen: HashMap<Option<Key>, Key>,
}

impl Conversation {
    pub fn new(key: Key, system: String) -> Self {
        Self {
            system,
            title: String::new(),
            messages: Vec::new(),
            changes: Changes::default(),
            key,
            off_branch: Vec::new(),
            saved: false,
            stored_id: None,
            params: RequestParams::default(),
            chosen: HashMap::new(),
        }
    }

    /// A conversation read back from the store, already saved: the branch on screen and the
    /// messages of its other branches.
    pub fn restored(
        key: Key,
        id: i64,
        system: String,
        messages: Vec<Message>,
        off_branch: Vec<Message>,
    ) -> Self {
        let mut conversation = Self {
            system,
            title: String::new(),
            messages,
            changes: Changes::default(),
            key,
            off_branch,
            saved: true,
            stored_id: Some(id),
            params: RequestParams::default(),
            chosen: HashMap::new(),
        };
        conversation.remember_path(0);
        conversation.label_branches(0);
        conversation
    }

    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    pub fn push(&mut self, message: Message) -> usize {
        self.messages.push(message);
        let index = self.messages.len() - 1;
        self.remember_path(index);
        self.changes.mark(index);
        if !self.off_branch.is_empty() {
            self.label_branches(index);
        }
        index
    }

    /// Mutable access that marks the message for layout again.
    pub fn edit(&mut self, index: usize) -> Option<&mut Message> {
        let message = self.messages.get_mut(index)?;
        message.touch();
        message.tokens = None;
        self.changes.mark(index);
        Some(message)
    }

    /// Labels each reply `provider/model` whose model's name stands for more than one
    /// provider: in this conversation, or where `elsewhere` says so (the model lists). A
    /// reply whose label changes is laid out again.
    pub fn label_providers(&mut self, elsewhere: impl Fn(&str) -> bool) {
        let mut seen: HashMap<&str, &str> = HashMap::new();
        let mut shared: Vec<String> = Vec::new();
        for message in &self.messages {
            if let (Some(model), Some(provider)) = (&message.model, &message.provider) {
                match seen.insert(model, provider) {
                    Some(other) if other != provider => shared.push(model.clone()),
                    _ => {}
                }
            }
        }
        for index in 0..self.messages.len() {
            let message = &self.messages[index];
            let want = match (&message.model, &message.provider) {
                (Some(model), Some(_)) => shared.contains(model) || elsewhere(model),
                _ => false,
            };
            if message.show_provider != want
                && let Some(message) = self.edit(index)
            {
                message.show_provider = want;
            }
        }
    }

    /// Remembers a message's token count; not a change anyone sees, so no re-layout.
    pub fn cache_tokens(&mut self, index: usize, counter: Counter, tokens: usize) {
        if let Some(message) = self.messages.get_mut(index) {
            message.tokens = Some((counter, tokens));
        }
    }

    /// Counts changes: a reader remembers it to ask `changed_since` later.
    pub fn generation(&self) -> u64 {
        self.changes.generation
    }

    /// The lowest index changed (or removed) after generation `seen`; `None` if nothing
    /// changed.
    pub fn changed_since(&self, seen: u64) -> Option<usize> {
        self.changes.since(seen)
    }

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
        self.changes.mark(index);
    }

    /// Shows the branch through `sibling` from `index` on: the sibling, then at each step
    /// the child last shown there (the newest, for a branch never shown). False if
    /// `sibling` is not aside.
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
            let children =
                self.off_branch.iter().enumerate().filter(|(_, m)| m.parent == Some(key));
            let child = match self.chosen.get(&Some(key)) {
                Some(&chosen) if self.off_branch.iter().any(|m| m.key == chosen) => {
                    self.off_branch.iter().position(|m| m.key == chosen)
                }
                _ => children.max_by_key(|(_, m)| m.key).map(|(i, _)| i),
            };
            next = child.map(|i| self.off_branch.swap_remove(i));
        }
        self.remember_path(index);
        self.label_branches(index);
        true
    }

    /// The messages from `from` on are their parents' last-used children.
    fn remember_path(&mut self, from: usize) {
        for message in &self.messages[from.min(self.messages.len())..] {
            self.chosen.insert(message.parent, message.key);
        }
    }

    /// The newest message on screen: the branch the store should reopen.
    pub fn leaf(&self) -> Option<Key> {
        self.messages.last().map(|m| m.key)
    }

    /// Sets "branch N/M" on the messages from `from` on, counting the siblings aside.
    fn label_branches(&mut self, from: usize) {
        let mut aside: HashMap<Option<Key>, Vec<(Key, Role)>> = HashMap::new();
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

    /// The messages on the other branches, in no particular order.
    pub fn off_branch(&self) -> &[Message] {
        &self.off_branch
    }
}

/// How many recent changes are remembered; a reader further behind lays out everything.
const REMEMBERED_CHANGES: usize = 64;

/// The change log behind `changed_since`. A change at a lower index made later makes the
/// older entries at higher indices redundant (a reader who missed them misses it too, and it
/// covers them), so the entries' indices rise from the oldest to the newest, and a stream of
/// deltas into one reply is one entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Changes {
    generation: u64,
    /// (generation, lowest index changed), oldest first.
    log: Vec<(u64, usize)>,
    /// Entries up to this generation were dropped to bound the log.
    forgotten: u64,
}

impl Changes {
    fn mark(&mut self, index: usize) {
        self.generation += 1;
        while self.log.last().is_some_and(|&(_, at)| at >= index) {
            self.log.pop();
        }
        self.log.push((self.generation, index));
        if self.log.len() > REMEMBERED_CHANGES {
            let (dropped, _) = self.log.remove(0);
            self.forgotten = dropped;
        }
    }

    fn since(&self, seen: u64) -> Option<usize> {
        if seen < self.forgotten {
            return Some(0);
        }
        // Indices rise with generations: the first entry newer than `seen` is the lowest.
        self.log.iter().find(|&&(generation, _)| generation > seen).map(|&(_, index)| index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::Keys;

    #[test]
    fn a_reader_learns_the_lowest_index_changed_since_it_looked() {
        let mut keys = Keys::default();
        let mut conversation = Conversation::new(keys.fresh(), String::new());
        for n in 0..5 {
            conversation.push(Message::user(keys.fresh(), format!("{n}")));
        }
        let seen = conversation.generation();
        assert_eq!(conversation.changed_since(seen), None);
        conversation.edit(3);
        conversation.edit(4);
        conversation.edit(1);
        conversation.edit(4);
        assert_eq!(conversation.changed_since(seen), Some(1));
        let later = conversation.generation();
        conversation.push(Message::user(keys.fresh(), "new".into()));
        assert_eq!(conversation.changed_since(later), Some(5));
        conversation.detach_from(2);
        assert_eq!(conversation.changed_since(later), Some(2));
        assert_eq!(conversation.changed_since(0), Some(0));
    }

    /// user 1 → reply A → user 2 → (reply B, then retried: reply C); back on reply A's
    /// sibling and back again, the path goes down to C, the reply last on screen, not to
    /// whichever is newest.
    #[test]
    fn going_back_to_a_branch_follows_the_path_last_used_there() {
        let mut keys = Keys::default();
        let mut conversation = Conversation::new(keys.fresh(), String::new());
        let first = Message::user(keys.fresh(), "1".into());
        let first_key = first.key;
        conversation.push(first);
        let mut reply_a = Message::user(keys.fresh(), "A".into());
        reply_a.parent = Some(first_key);
        let a_key = reply_a.key;
        conversation.push(reply_a);
        let mut second = Message::user(keys.fresh(), "2".into());
        second.parent = Some(a_key);
        let second_key = second.key;
        conversation.push(second);
        let mut b = Message::user(keys.fresh(), "B".into());
        b.parent = Some(second_key);
        let b_key = b.key;
        conversation.push(b);
        // Retried: B moves aside, C is newer.
        conversation.detach_from(3);
        let mut c = Message::user(keys.fresh(), "C".into());
        c.parent = Some(second_key);
        conversation.push(c);
        // The user goes back to B: B is now the last-used reply under prompt 2.
        assert!(conversation.switch_to(3, b_key));
        // An alternative to reply A, then back to A.
        conversation.detach_from(1);
        let mut other = Message::user(keys.fresh(), "A'".into());
        other.parent = Some(first_key);
        conversation.push(other);
        assert!(conversation.switch_to(1, a_key));
        let path: Vec<&str> = conversation.messages().iter().map(|m| m.content.as_str()).collect();
        assert_eq!(path, ["1", "A", "2", "B"], "B was last used, though C is newer");
    }

    #[test]
    fn a_reader_too_far_behind_is_told_to_look_at_everything() {
        let mut keys = Keys::default();
        let mut conversation = Conversation::new(keys.fresh(), String::new());
        let seen = conversation.generation();
        for n in 0..200 {
            conversation.push(Message::user(keys.fresh(), format!("{n}")));
        }
        assert_eq!(conversation.changed_since(seen), Some(0));
        let recent = conversation.generation();
        conversation.edit(150);
        assert_eq!(conversation.changed_since(recent), Some(150));
    }
}

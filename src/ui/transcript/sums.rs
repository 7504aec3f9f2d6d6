//! What lies after a message, without walking the messages: the rows of the measured ones,
//! how many are not measured yet, and how many take rows at all, as prefix sums in a
//! Fenwick tree. Setting one message's figures and asking for a range are O(log n), so the
//! "↓ 120 more lines" under a view scrolled up costs the same at 10 and 10,000 messages.
//!
//! It only counts: it never lays anything out, and knows nothing of lines or styles.

use std::ops::{Add, Sub};

/// One message's figures, or the sum of a range's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// Rows of the measured messages.
    pub rows: usize,
    /// Messages whose rows are not known yet (never laid out at this width, or changed).
    pub unmeasured: usize,
    /// Messages that take rows (or may): a deleted one takes none.
    pub shown: usize,
}

impl Figures {
    /// A message laid out into `rows` rows.
    pub fn measured(rows: usize) -> Self {
        Figures { rows, unmeasured: 0, shown: usize::from(rows > 0) }
    }

    /// A message not laid out at this width yet.
    pub fn unmeasured() -> Self {
        Figures { rows: 0, unmeasured: 1, shown: 1 }
    }
}

impl Add for Figures {
    type Output = Figures;
    fn add(self, other: Figures) -> Figures {
        Figures {
            rows: self.rows + other.rows,
            unmeasured: self.unmeasured + other.unmeasured,
            shown: self.shown + other.shown,
        }
    }
}

impl Sub for Figures {
    type Output = Figures;
    fn sub(self, other: Figures) -> Figures {
        Figures {
            rows: self.rows - other.rows,
            unmeasured: self.unmeasured - other.unmeasured,
            shown: self.shown - other.shown,
        }
    }
}

/// The figures of every message, by index, summed on demand.
#[derive(Debug, Clone, Default)]
pub struct Sums {
    /// Each message's own figures.
    own: Vec<Figures>,
    /// The Fenwick tree: `tree[i]` sums the `i & -i` messages ending at index `i - 1`.
    tree: Vec<Figures>,
}

impl Sums {
    pub fn len(&self) -> usize {
        self.own.len()
    }

    /// Messages there is room for in the larger of the two tables.
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.own.capacity().max(self.tree.capacity())
    }

    pub fn clear(&mut self) {
        self.own.clear();
        self.tree.clear();
    }

    /// Makes room for `additional` more messages.
    pub fn reserve(&mut self, additional: usize) {
        self.own.reserve(additional);
        self.tree.reserve(additional);
    }

    /// Appends a message's figures.
    pub fn push(&mut self, figures: Figures) {
        let index = self.own.len();
        self.own.push(Figures::default());
        // A new node covers the `lowbit` messages ending at it: those already in the tree
        // are summed in from the nodes below it.
        let node = index + 1;
        let covered = node & node.wrapping_neg();
        let start = node - covered;
        self.tree.push(self.prefix(index) - self.prefix(start));
        self.set(index, figures);
    }

    /// Drops the messages from `len` on.
    pub fn truncate(&mut self, len: usize) {
        // Nodes at or below `len` cover only messages below `len`, so cutting both is exact.
        self.own.truncate(len);
        self.tree.truncate(len);
    }

    /// Replaces message `index`'s figures.
    pub fn set(&mut self, index: usize, figures: Figures) {
        let Some(old) = self.own.get_mut(index) else { return };
        let before = std::mem::replace(old, figures);
        if before == figures {
            return;
        }
        let mut node = index + 1;
        while node <= self.tree.len() {
            self.tree[node - 1] = self.tree[node - 1] - before + figures;
            node += node & node.wrapping_neg();
        }
    }

    /// The figures of messages `0..end`.
    pub fn prefix(&self, end: usize) -> Figures {
        let mut sum = Figures::default();
        let mut node = end.min(self.tree.len());
        while node > 0 {
            sum = sum + self.tree[node - 1];
            node &= node - 1;
        }
        sum
    }

    /// The figures of the messages after `index`.
    pub fn after(&self, index: usize) -> Figures {
        self.prefix(self.len()) - self.prefix((index + 1).min(self.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_match_a_plain_walk_through_pushes_sets_and_truncations() {
        let mut sums = Sums::default();
        let mut plain: Vec<Figures> = Vec::new();
        let mut x = 7usize;
        for step in 0..2_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let figures =
                if x.is_multiple_of(5) { Figures::unmeasured() } else { Figures::measured(x % 13) };
            match step % 7 {
                0..=2 if plain.len() < 300 => {
                    sums.push(figures);
                    plain.push(figures);
                }
                3 if !plain.is_empty() => {
                    let len = (x >> 8) % plain.len();
                    sums.truncate(len);
                    plain.truncate(len);
                }
                _ if !plain.is_empty() => {
                    let at = (x >> 8) % plain.len();
                    sums.set(at, figures);
                    plain[at] = figures;
                }
                _ => {}
            }
            for end in 0..=plain.len() {
                let walked = plain[..end].iter().fold(Figures::default(), |a, b| a + *b);
                assert_eq!(sums.prefix(end), walked, "step {step}, end {end}");
            }
        }
    }

    #[test]
    fn after_the_last_message_there_is_nothing() {
        let mut sums = Sums::default();
        sums.push(Figures::measured(3));
        sums.push(Figures::unmeasured());
        assert_eq!(sums.after(0), Figures::unmeasured());
        assert_eq!(sums.after(1), Figures::default());
        assert_eq!(sums.after(5), Figures::default());
    }
}

//! A byte-pair encoder that counts tokens exactly as OpenAI's tiktoken does, in a few MB.
//!
//! tiktoken keeps each vocabulary as hash maps of owned byte strings (both ways) and a
//! sorted copy: about 45 MB for o200k_base. Counting needs neither decoding nor token ids,
//! so this keeps the vocabulary as it is compiled into the binary (each token's bytes in rank
//! order, length-prefixed: `*.ranks`, made from tiktoken's rank files) plus one table of
//! offsets and one open-addressing index into it: about 3 MB on the heap for o200k_base.
//!
//! The text is split into pieces by tiktoken's own pattern, run by the `regex` crate: its
//! one lookahead (`\s+(?!\S)`, "a run of spaces leaves its last one to the next word") is
//! done by hand, as `bpe-openai` does. Each piece that is not itself a token is merged pair
//! by pair, lowest rank first, exactly as tiktoken merges. The test compares counts with
//! tiktoken on generated and real text.

use regex::Regex;

/// One vocabulary and its splitting pattern, ready to count.
pub struct Bpe {
    /// Each token's bytes, in rank order, each after a byte holding its length (compiled in).
    vocabulary: &'static [u8],
    /// Open addressing on the token's bytes: where its bytes start in `vocabulary` (never
    /// 0, as its length comes first), or 0 for an empty slot.
    index: Vec<u32>,
    pieces: Regex,
}

/// o200k_base (gpt-4o, gpt-4.1, o-series): the pattern without its lookahead alternative.
const O200K_PATTERN: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|\p{N}{1,3}",
    r"| ?[^\s\p{L}\p{N}]+[\r\n/]*",
    r"|\s*[\r\n]+",
    r"|\s+",
);

/// cl100k_base (gpt-4, gpt-3.5): the same, with `\s+(?!\S)|\s` as `\s+`.
const CL100K_PATTERN: &str = concat!(
    r"'(?i:[sdmt]|ll|ve|re)",
    r"|[^\r\n\p{L}\p{N}]?\p{L}+",
    r"|\p{N}{1,3}",
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*",
    r"|\s+$",
    r"|\s*[\r\n]",
    r"|\s+",
);

/// Which vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocabulary {
    O200k,
    Cl100k,
}

/// Where each token's bytes start in a length-prefixed vocabulary, in rank order. The last
/// may claim more bytes than are left, which [`Bpe::new`] refuses.
fn token_starts(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = at + 1;
        at = start + usize::from(*bytes.get(at)?);
        Some(start)
    })
}

impl Bpe {
    /// Builds the index (a few tens of milliseconds); `None` if the compiled-in data is
    /// not what it should be, which the tests rule out.
    pub fn new(vocabulary: Vocabulary) -> Option<Self> {
        let (bytes, pattern): (&'static [u8], &str) = match vocabulary {
            Vocabulary::O200k => (include_bytes!("o200k_base.ranks"), O200K_PATTERN),
            Vocabulary::Cl100k => (include_bytes!("cl100k_base.ranks"), CL100K_PATTERN),
        };
        // Counted first so the index, held for the whole run, is allocated once at its size.
        // A load factor under a half keeps probes short.
        let slots = (token_starts(bytes).count() * 2).next_power_of_two();
        let mut bpe =
            Self { vocabulary: bytes, index: vec![0; slots], pieces: Regex::new(pattern).ok()? };
        for start in token_starts(bytes) {
            let length = usize::from(bytes[start - 1]);
            let mut slot = bpe.slot_of(bytes.get(start..start + length)?);
            while bpe.index[slot] != 0 {
                slot = (slot + 1) & (slots - 1);
            }
            bpe.index[slot] = u32::try_from(start).ok()?;
        }
        Some(bpe)
    }

    /// The bytes of the token starting at `start` in the vocabulary.
    fn token(&self, start: u32) -> &'static [u8] {
        let vocabulary = self.vocabulary;
        let start = start as usize;
        let length = usize::from(vocabulary[start - 1]);
        &vocabulary[start..start + length]
    }

    fn slot_of(&self, bytes: &[u8]) -> usize {
        // FNV-1a: tokens are short, and this needs no seed.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for &byte in bytes {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        (hash ^ (hash >> 29)) as usize & (self.index.len() - 1)
    }

    /// If `bytes` are one token, a number that orders it among the tokens as its rank does
    /// (where it starts in the vocabulary): merges take the lowest first.
    fn rank(&self, bytes: &[u8]) -> Option<u32> {
        let mut slot = self.slot_of(bytes);
        loop {
            let entry = self.index[slot];
            if entry == 0 {
                return None;
            }
            if self.token(entry) == bytes {
                return Some(entry);
            }
            slot = (slot + 1) & (self.index.len() - 1);
        }
    }

    /// How many tokens `text` is, as tiktoken's `encode_ordinary` would make it.
    pub fn count(&self, text: &str) -> usize {
        let mut count = 0;
        let mut at = 0;
        while let Some(found) = self.pieces.find_at(text, at) {
            let mut end = found.end();
            let piece = found.as_str();
            // `\s+(?!\S)`: a run of spaces before a word leaves its last one to the word.
            // Only the last alternative matches spaces that end neither in a line break nor
            // at the end of the text.
            if !piece.ends_with(['\r', '\n'])
                && piece.chars().all(char::is_whitespace)
                && text[end..].chars().next().is_some_and(|next| !next.is_whitespace())
                && let Some((last, _)) = piece.char_indices().last()
                && last > 0
            {
                end = found.start() + last;
            }
            count += self.count_piece(&text.as_bytes()[found.start()..end]);
            at = end;
        }
        count
    }

    fn count_piece(&self, piece: &[u8]) -> usize {
        if piece.len() < 2 || self.rank(piece).is_some() {
            return usize::from(!piece.is_empty());
        }
        if piece.len() < 100 { self.merge_short(piece) } else { self.merge_long(piece) }
    }

    /// tiktoken's merge for short pieces: scan for the lowest-ranked adjacent pair (the
    /// leftmost of equals), merge it, repeat; the parts left are the tokens.
    fn merge_short(&self, piece: &[u8]) -> usize {
        // (start of part, rank of it merged with the next part)
        let mut parts: Vec<(usize, u32)> = (0..piece.len())
            .map(|i| (i, self.rank(piece.get(i..i + 2).unwrap_or_default()).unwrap_or(u32::MAX)))
            .collect();
        parts.push((piece.len(), u32::MAX));
        let pair_rank = |parts: &[(usize, u32)], i: usize| match parts.get(i + 2) {
            Some(&(end, _)) => self.rank(&piece[parts[i].0..end]).unwrap_or(u32::MAX),
            None => u32::MAX,
        };
        // The leftmost of the lowest-ranked pairs still mergeable.
        let lowest = |parts: &[(usize, u32)]| {
            let pairs = parts[..parts.len() - 1].iter().enumerate();
            let mergeable = pairs.filter(|(_, (_, rank))| *rank != u32::MAX);
            mergeable.min_by_key(|(i, (_, rank))| (*rank, *i)).map(|(i, _)| i)
        };
        while let Some(i) = lowest(&parts) {
            parts.remove(i + 1);
            parts[i].1 = pair_rank(&parts, i);
            if i > 0 {
                parts[i - 1].1 = pair_rank(&parts, i - 1);
            }
        }
        parts.len() - 1
    }

    /// The same merges for long pieces in O(n log n), with a heap of candidate pairs and
    /// a linked list of parts (tiktoken's `_byte_pair_merge_large`).
    fn merge_long(&self, piece: &[u8]) -> usize {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let n = piece.len();
        // Part starting at i: its end, the previous part's start, and the rank of merging
        // it with the next part as last seen (stale heap entries are skipped).
        let mut end: Vec<usize> = (1..=n).collect();
        let mut previous: Vec<usize> = (0..n).map(|i| i.wrapping_sub(1)).collect();
        let mut next_rank = vec![u32::MAX; n];
        let mut heap = BinaryHeap::new();
        for i in 0..n - 1 {
            if let Some(rank) = self.rank(&piece[i..i + 2]) {
                next_rank[i] = rank;
                heap.push(Reverse((rank, i)));
            }
        }
        let mut parts = n;
        while let Some(Reverse((rank, left))) = heap.pop() {
            if next_rank[left] != rank || end[left] >= n {
                continue;
            }
            let right = end[left];
            end[left] = end[right];
            next_rank[right] = u32::MAX;
            parts -= 1;
            if end[left] < n {
                previous[end[left]] = left;
            }
            for start in [Some(left), (left > 0).then(|| previous[left])].into_iter().flatten() {
                let after = end[start];
                next_rank[start] = u32::MAX;
                if after < n
                    && let Some(rank) = self.rank(&piece[start..end[after]])
                {
                    next_rank[start] = rank;
                    heap.push(Reverse((rank, start)));
                }
            }
        }
        parts
    }
}

#[cfg(test)]
mod tests;

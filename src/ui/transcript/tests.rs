//! The cache's own bookkeeping, as a long conversation opened would exercise it.

use super::TranscriptCache;
use crate::chat::Message;
use crate::ui::theme::Theme;

#[test]
fn opening_a_long_conversation_sizes_its_tables_once() {
    // 10,000 entries grown by doubling take room for 16,384: 0.6 MB of the figures held
    // for a 10,000-message conversation were never used.
    let messages: Vec<Message> =
        (0..10_000).map(|n| Message::user(n, format!("question {n}"))).collect();
    let mut cache = TranscriptCache::default();
    cache.sync(&messages, 0, 120, (false, false), &Theme::default());
    assert_eq!(cache.entries.len(), 10_000);
    assert!(cache.entries.capacity() < 11_000, "{}", cache.entries.capacity());
    assert!(cache.sums.capacity() < 11_000, "{}", cache.sums.capacity());
}

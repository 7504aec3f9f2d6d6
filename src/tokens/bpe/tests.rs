//! The encoder against tiktoken itself (the `tiktoken-rs` crate, a test-only dependency):
//! the compiled-in vocabularies hold tiktoken's tokens rank for rank, and counts agree on
//! real text, on long runs (the heap merge) and on generated text made of the characters
//! the splitting pattern treats specially.

use std::sync::LazyLock;

use proptest::prelude::*;
use tiktoken_rs::CoreBPE;

use super::{Bpe, Vocabulary, token_starts};

static O200K: LazyLock<(Bpe, CoreBPE)> =
    LazyLock::new(|| (Bpe::new(Vocabulary::O200k).unwrap(), tiktoken_rs::o200k_base().unwrap()));
static CL100K: LazyLock<(Bpe, CoreBPE)> =
    LazyLock::new(|| (Bpe::new(Vocabulary::Cl100k).unwrap(), tiktoken_rs::cl100k_base().unwrap()));

fn both() -> [&'static (Bpe, CoreBPE); 2] {
    [&O200K, &CL100K]
}

fn agree(text: &str) {
    for (ours, theirs) in both() {
        assert_eq!(ours.count(text), theirs.encode_ordinary(text).len(), "{text:?}");
    }
}

#[test]
fn the_vocabularies_are_tiktokens_rank_for_rank() {
    for (ours, theirs) in both() {
        let mut last = 0;
        for (rank, start) in token_starts(ours.vocabulary).enumerate() {
            let token = ours.token(start as u32);
            assert_eq!(token, theirs.decode_bytes(&[rank as u32]).unwrap(), "rank {rank}");
            // What stands for the rank orders as the rank does.
            let order = ours.rank(token).unwrap();
            assert!(order > last, "rank {rank}");
            last = order;
        }
    }
}

#[test]
fn counts_agree_on_real_text() {
    agree(include_str!("../../../README.md"));
    agree(include_str!("../../../src/ui/markdown/render.rs"));
    agree(include_str!("../../../config.example.toml"));
    agree(
        "Rust's ownership model: `let x = vec![1, 2, 3];` — borrowed, never lost. Ünïcödé, 日本語のテキスト, emoji 🦀🚀, numbers 3.14159 and URLs https://example.com/a?b=c.\n",
    );
    agree("hello world");
    agree("");
    agree("   leading and trailing   \n\n\t  \r\n  x  ");
}

#[test]
fn counts_agree_on_long_runs_that_take_the_heap_merge() {
    for run in ["a", "ab", "-", "=-", " ", "\n", "1", "é", "日", "🦀", "\u{3000}", "xyz "] {
        for n in [99, 100, 257, 1_000] {
            agree(&run.repeat(n));
        }
    }
    agree(&"supercalifragilisticexpialidocious".repeat(50));
    agree(&format!("{}x", " ".repeat(300)));
}

/// Characters around which the splitting pattern decides something.
const ALPHABET: &[&str] = &[
    " ",
    " ",
    "  ",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\u{a0}",
    "\u{3000}",
    "\u{85}",
    "\u{2028}",
    "a",
    "b",
    "z",
    "A",
    "Z",
    "é",
    "É",
    "ß",
    "ǅ",
    "ʰ",
    "\u{301}",
    "\u{93f}",
    "日",
    "本",
    "한",
    "ا",
    "1",
    "9",
    "٣",
    "½",
    "'",
    "'s",
    "'S",
    "'ll",
    "'Re",
    "'d",
    "'t",
    "'m",
    "'ve",
    "’",
    "/",
    "-",
    ".",
    ",",
    "!",
    "?",
    "(",
    ")",
    "{",
    "}",
    "`",
    "*",
    "_",
    "#",
    "$",
    "€",
    "🦀",
    "🚀",
    "👨‍👩‍👧",
    "\u{0}",
    "\u{1b}",
    "\u{feff}",
    "\u{200b}",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    #[test]
    fn counts_agree_on_generated_text(parts in prop::collection::vec(0..ALPHABET.len(), 0..40)) {
        let text: String = parts.into_iter().map(|i| ALPHABET[i]).collect();
        agree(&text);
    }

    #[test]
    fn counts_agree_on_arbitrary_strings(text in any::<String>()) {
        agree(&text);
    }
}

#[test]
fn the_o200k_index_holds_two_megabytes() {
    // Held for the whole run: allocated once at its size (doubling while filling left
    // 4.7 MB where 2.8 MB was needed), with no table of ranks beside it (0.8 MB).
    let bpe = Bpe::new(Vocabulary::O200k).unwrap();
    let bytes = bpe.index.capacity() * std::mem::size_of::<u32>();
    assert!(bytes <= 2 << 20, "{bytes} bytes");
}

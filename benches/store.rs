//! Store speed: the list with 10,000 conversations, opening a 5,000-message conversation,
//! full-text search over 100,000 messages (words, prefixes, substrings, Japanese),
//! `rockchat stats` over them (50,000 replies with usage, three models, one unpriced), and
//! the writer under a 5,000 tokens/s stream.
//! Each read must stay well under one 16 ms frame.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use rockchat::chat::Role;
use rockchat::store::stats::GroupBy;
use rockchat::store::writer::{StoreCmd, Writer};
use rockchat::store::{MessageFields, Store};

const WORDS: &[&str] = &[
    "ownership",
    "borrow",
    "lifetime",
    "trait",
    "closure",
    "iterator",
    "async",
    "tokio",
    "pasta",
    "garden",
    "river",
    "mountain",
    "compiler",
    "matrix",
    "violin",
    "harbour",
    "lantern",
    "quartz",
];

fn fields(role: Role, content: String) -> MessageFields {
    let model = (role == Role::Assistant).then(|| "gpt-4o-mini".to_owned());
    MessageFields::complete(role, content, model)
}

/// 24 words: mostly common ones, and a few from a vocabulary of 20,000 rarer words, the way
/// real text mixes "the" with "lantern".
fn sentence(seed: usize) -> String {
    let mut x = (seed as u64).wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut next = || {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (x >> 33) as usize
    };
    (0..24)
        .map(|i| {
            if i % 4 == 0 {
                format!("w{}", next() % 20_000)
            } else {
                WORDS[next() % WORDS.len()].to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
        // One message in ten has Japanese in it, unsegmented, as Japanese is written.
        + if seed.is_multiple_of(10) { CJK[seed / 10 % CJK.len()] } else { "" }
}

const CJK: &[&str] =
    &[" 漢字テキストを読む", " 東京タワーの夜景", " 形態素解析の結果", " 日本語の検索"];

/// `conversations` conversations of `messages` messages each, written through the writer.
fn fill(path: &Path, conversations: u64, messages: u64) {
    let writer = Writer::spawn(Store::open(path).expect("open"), |_| {}).expect("writer");
    let mut key = 1_000_000;
    for c in 0..conversations {
        writer.send(StoreCmd::CreateConversation {
            key: c,
            title: format!("conversation {c}"),
            system_prompt: String::new(),
            provider: "bench".into(),
            model: "gpt-4o-mini".into(),
        });
        let mut parent = None;
        for m in 0..messages {
            key += 1;
            let role = if m % 2 == 0 { Role::User } else { Role::Assistant };
            let seed = (c * messages + m) as usize;
            let mut fields = fields(role, sentence(seed));
            if role == Role::Assistant {
                // Replies with usage, spread over three models; the local one has no price.
                let (model, cost) = match seed % 3 {
                    0 => ("gpt-4o-mini", Some(120_000_000)),
                    1 => ("openai/o3", Some(4_800_000_000)),
                    _ => ("tiny-llama", None),
                };
                fields.model = Some(model.to_owned());
                fields.provider = Some(if cost.is_some() { "router" } else { "local" }.into());
                fields.prompt_tokens = Some(1000 + seed as i64 % 500);
                fields.cached_tokens = Some(512);
                fields.completion_tokens = Some(200);
                fields.reasoning_tokens = Some(seed as i64 % 2 * 64);
                fields.cost = cost;
            }
            writer.send(StoreCmd::AddMessage { key, conversation: c, parent, fields });
            parent = Some(key);
        }
    }
    writer.close().expect("written");
}

fn reads(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let many = dir.path().join("many.db");
    fill(&many, 10_000, 10); // 10,000 conversations, 100,000 messages
    let long = dir.path().join("long.db");
    fill(&long, 1, 5_000);
    let many = Store::open(&many).expect("open");
    let long = Store::open(&long).expect("open");
    c.bench_function("store/list_500_of_10000_conversations", |b| {
        b.iter(|| black_box(many.list(500).expect("list")))
    });
    c.bench_function("store/open_5000_message_conversation", |b| {
        b.iter(|| black_box(long.load(1).expect("load")))
    });
    // What the first frame of a reopened conversation waits for: flat in its length.
    c.bench_function("store/open_tail_of_5000_message_conversation", |b| {
        b.iter(|| black_box(long.load_tail(1, 200).expect("tail")))
    });
    c.bench_function("store/search_100000_messages", |b| {
        b.iter(|| black_box(many.search("w1234", 20).expect("search")))
    });
    c.bench_function("store/search_100000_messages_two_words", |b| {
        b.iter(|| black_box(many.search("w42 lantern", 20).expect("search")))
    });
    c.bench_function("store/list_search_as_you_type_100000_messages", |b| {
        b.iter(|| black_box(many.find("w777", 500).expect("find")))
    });
    for by in [GroupBy::Model, GroupBy::Provider, GroupBy::Day] {
        let name = format!("store/stats_100000_messages_by_{by:?}").to_lowercase();
        c.bench_function(&name, |b| b.iter(|| black_box(many.stats(0, by).expect("stats"))));
    }
    // Parts of words, as search finds them since the trigram index: the start of a rare
    // word, the middle of a common one, two letters as typed, and Japanese (which has no
    // spaces between words) by a part of a message.
    c.bench_function("store/search_100000_messages_prefix", |b| {
        b.iter(|| black_box(many.search("w123", 20).expect("search")))
    });
    c.bench_function("store/search_100000_messages_substring", |b| {
        b.iter(|| black_box(many.search("ntern", 20).expect("search")))
    });
    c.bench_function("store/search_100000_messages_two_letters", |b| {
        b.iter(|| black_box(many.search("ha", 20).expect("search")))
    });
    c.bench_function("store/search_100000_messages_cjk", |b| {
        b.iter(|| black_box(many.search("タワー", 20).expect("search")))
    });
    c.bench_function("store/search_100000_messages_cjk_two_characters", |b| {
        b.iter(|| black_box(many.search("夜景", 20).expect("search")))
    });
    c.bench_function("store/list_search_as_you_type_100000_messages_prefix", |b| {
        b.iter(|| black_box(many.find("lant", 500).expect("find")))
    });
    // The worst case: a word in almost every message, all of them ranked.
    c.bench_function("store/search_100000_messages_common_word", |b| {
        b.iter(|| black_box(many.search("harbour", 20).expect("search")))
    });
}

/// 5,000 deltas sent as fast as possible, each carrying the whole reply so far (what the app
/// would send if it saved on every delta instead of every 250 ms).
fn writer(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("w.db");
    fill(&path, 1, 1);
    c.bench_function("store/writer_5000_streamed_deltas", |b| {
        b.iter(|| {
            let writer = Writer::spawn(Store::open(&path).expect("open"), |_| {}).expect("writer");
            writer.send(StoreCmd::Adopt { conversation: (1, 1), messages: vec![(7, 1)] });
            let mut text = String::new();
            for i in 0..5_000 {
                text.push_str(WORDS[i % WORDS.len()]);
                text.push(' ');
                let fields = fields(Role::Assistant, text.clone());
                writer.send(StoreCmd::UpdateMessage { key: 7, fields });
            }
            writer.close().expect("written");
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = reads, writer
}
criterion_main!(benches);

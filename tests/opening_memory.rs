//! What opening a long conversation holds at its peak, counted by the heap itself (an
//! instrumented system allocator): reading 5,000 messages from the store must not hold
//! them more than about once on the way. Alone in its binary, so no other test's
//! allocations count.

use std::alloc::System;
use std::path::Path;

use peakmem_alloc::{INSTRUMENTED_SYSTEM, PeakMemAlloc, PeakMemAllocTrait};
use rockchat::chat::Role;
use rockchat::store::writer::{StoreCmd, Writer};
use rockchat::store::{MessageFields, Store, StoredConversation, StoredMessage};

#[global_allocator]
static HEAP: &PeakMemAlloc<System> = &INSTRUMENTED_SYSTEM;

fn fields(role: Role, content: String) -> MessageFields {
    let model = (role == Role::Assistant).then(|| "gpt-4o-mini".to_owned());
    MessageFields {
        provider: Some("openai".to_owned()),
        ..MessageFields::complete(role, content, model)
    }
}

/// One conversation of `messages` messages of about 300 characters, through the writer.
fn long_conversation(path: &Path, messages: u64) {
    let writer = Writer::spawn(Store::open(path).unwrap(), |_| {}).unwrap();
    writer.send(StoreCmd::CreateConversation {
        key: 1,
        title: "long".into(),
        system_prompt: String::new(),
        provider: "openai".into(),
        model: "gpt-4o-mini".into(),
    });
    let mut parent = None;
    for m in 0..messages {
        let key = 100 + m;
        let role = if m % 2 == 0 { Role::User } else { Role::Assistant };
        let content = format!("message {m}: ") + &"the borrow checker and lifetimes ".repeat(9);
        writer.send(StoreCmd::AddMessage {
            key,
            conversation: 1,
            parent,
            fields: fields(role, content),
        });
        parent = Some(key);
    }
    writer.close().unwrap();
}

/// The bytes `conversation`'s messages hold: their rows and their text.
fn held(conversation: &StoredConversation) -> usize {
    let text = |m: &StoredMessage| {
        m.content.capacity()
            + m.reasoning.capacity()
            + m.status.capacity()
            + m.model.as_ref().map_or(0, String::capacity)
            + m.provider.as_ref().map_or(0, String::capacity)
    };
    let rows = conversation.messages.capacity() + conversation.other_branches.capacity();
    rows * size_of::<StoredMessage>()
        + conversation.messages.iter().chain(&conversation.other_branches).map(text).sum::<usize>()
}

#[test]
fn reading_a_long_conversation_holds_it_about_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rockchat.db");
    long_conversation(&path, 5_000);
    let store = Store::open(&path).unwrap();
    // Once to fill SQLite's page cache and prepare the statements: those stay with the
    // connection and are not the conversation.
    drop(store.load(1).unwrap());

    HEAP.reset_peak_memory();
    let conversation = store.load(1).unwrap();
    let peak = HEAP.get_peak_memory();
    let held = held(&conversation);
    eprintln!("reading 5,000 messages: peak {} KB, held {} KB", peak >> 10, held >> 10);
    assert_eq!(conversation.messages.len(), 5_000);
    assert!(conversation.messages[4_999].content.starts_with("message 4999: "));
    // Collecting every row into a growing list, then sorting the rows into the branch and
    // the rest, held them three times over at its peak (twice the held bytes here).
    assert!(peak < held + held / 4, "peak {peak} bytes for {held} bytes held");
}

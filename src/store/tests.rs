//! The store on real files in a temporary directory.

use super::writer::{StoreCmd, Writer};
use super::*;
use crate::chat::Role;

fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rockchat.db");
    (dir, path)
}

fn fields(role: Role, content: &str, status: &'static str) -> MessageFields {
    MessageFields {
        role,
        content: content.into(),
        reasoning: String::new(),
        model: (role == Role::Assistant).then(|| "tiny".to_owned()),
        status,
        error: None,
        finish_reason: None,
        prompt_tokens: None,
        completion_tokens: None,
        pinned: false,
        hidden: false,
    }
}

/// Writes a two-turn conversation through the writer thread and closes it.
fn write_conversation(path: &Path, title: &str, words: &str) {
    let writer = Writer::spawn(Store::open(path).unwrap(), |e| {
        assert!(!matches!(e, writer::StoreEvent::Failed(_)), "{e:?}")
    })
    .unwrap();
    writer.send(StoreCmd::CreateConversation {
        key: 1,
        title: title.into(),
        system_prompt: "You are a helpful assistant".into(),
        provider: "local".into(),
        model: "tiny".into(),
    });
    writer.send(StoreCmd::AddMessage {
        key: 10,
        conversation: 1,
        parent: None,
        fields: fields(Role::User, title, "complete"),
    });
    writer.send(StoreCmd::AddMessage {
        key: 11,
        conversation: 1,
        parent: Some(10),
        fields: fields(Role::Assistant, "", "streaming"),
    });
    for partial in ["The", "The answer", words] {
        writer.send(StoreCmd::UpdateMessage {
            key: 11,
            fields: fields(Role::Assistant, partial, "streaming"),
        });
    }
    writer.send(StoreCmd::UpdateMessage {
        key: 11,
        fields: fields(Role::Assistant, words, "complete"),
    });
    writer.close();
}

#[test]
fn a_conversation_written_through_the_writer_loads_back_in_order() {
    let (_dir, path) = temp_db();
    write_conversation(&path, "What is Rust?", "A language about ownership.");
    let store = Store::open(&path).unwrap();
    let id = store.latest().unwrap().unwrap();
    let loaded = store.load(id).unwrap();
    assert_eq!(loaded.title, "What is Rust?");
    assert_eq!(loaded.system_prompt, "You are a helpful assistant");
    let texts: Vec<(&str, &str)> =
        loaded.messages.iter().map(|m| (m.content.as_str(), m.status.as_str())).collect();
    assert_eq!(texts, [("What is Rust?", "complete"), ("A language about ownership.", "complete")]);
    assert_eq!(loaded.messages[1].parent_id, Some(loaded.messages[0].id));
    let list = store.list(10).unwrap();
    assert_eq!((list[0].preview.as_str(), list[0].messages), ("A language about ownership.", 2));
}

#[test]
fn a_reply_left_streaming_by_a_crash_is_marked_interrupted_on_open() {
    let (_dir, path) = temp_db();
    let writer = Writer::spawn(Store::open(&path).unwrap(), |e| {
        assert!(!matches!(e, writer::StoreEvent::Failed(_)), "{e:?}")
    })
    .unwrap();
    writer.send(StoreCmd::CreateConversation {
        key: 1,
        title: "t".into(),
        system_prompt: String::new(),
        provider: String::new(),
        model: String::new(),
    });
    writer.send(StoreCmd::AddMessage {
        key: 2,
        conversation: 1,
        parent: None,
        fields: fields(Role::User, "q", "complete"),
    });
    writer.send(StoreCmd::AddMessage {
        key: 3,
        conversation: 1,
        parent: Some(2),
        fields: fields(Role::Assistant, "half a rep", "streaming"),
    });
    writer.close();
    let store = Store::open(&path).unwrap();
    let reply = store.load(1).unwrap().messages.pop().unwrap();
    assert_eq!((reply.content.as_str(), reply.status.as_str()), ("half a rep", "interrupted"));
    assert_eq!(reply.error.as_deref(), Some("rockchat closed before the reply finished"));
}

#[test]
fn search_finds_words_in_any_message_and_marks_the_match() {
    let (_dir, path) = temp_db();
    write_conversation(
        &path,
        "Tell me about borrowing",
        "The borrow checker keeps references valid.",
    );
    write_conversation(&path, "Pasta recipe?", "Boil water, add salt.");
    let store = Store::open(&path).unwrap();
    let hits = store.search("checker", 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].title, "Tell me about borrowing");
    assert!(hits[0].snippet.contains("[checker]"), "{}", hits[0].snippet);
    assert!(store.search("salt", 10).unwrap()[0].title.starts_with("Pasta"));
    // Query syntax characters are plain words, never an FTS syntax error.
    assert!(store.search("C++ \"AND\" (", 10).unwrap().is_empty());
}

#[test]
fn search_sees_text_updated_while_streaming() {
    let (_dir, path) = temp_db();
    write_conversation(&path, "q", "final words arrive late");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.search("late", 5).unwrap().len(), 1);
    assert!(store.search("answer", 5).unwrap().is_empty(), "old partial text left the index");
}

/// Rows of the search index's own storage: each write to the index adds some.
fn index_rows(store: &Store) -> i64 {
    store.conn.query_row("SELECT count(*) FROM messages_fts_data", [], |r| r.get(0)).unwrap()
}

#[test]
fn a_streaming_reply_is_indexed_once_when_it_stops_not_at_every_save() {
    let (_dir, path) = temp_db();
    let writer = Writer::spawn(Store::open(&path).unwrap(), |e| {
        assert!(!matches!(e, writer::StoreEvent::Failed(_)), "{e:?}")
    })
    .unwrap();
    writer.send(StoreCmd::CreateConversation {
        key: 1,
        title: "t".into(),
        system_prompt: String::new(),
        provider: String::new(),
        model: String::new(),
    });
    writer.send(StoreCmd::AddMessage {
        key: 2,
        conversation: 1,
        parent: None,
        fields: fields(Role::Assistant, "", "streaming"),
    });
    writer.close();
    let store = Store::open(&path).unwrap();
    let id: i64 = store.conn.query_row("SELECT id FROM messages", [], |r| r.get(0)).unwrap();
    let before = index_rows(&store);
    let mut text = String::new();
    for n in 0..50 {
        text.push_str(&format!("word{n} "));
        let saved = fields(Role::Assistant, &text, "streaming");
        queries::update_message(&store.conn, id, &saved, n).unwrap();
    }
    // Fifty saves of a growing reply never touched the index.
    assert_eq!(index_rows(&store), before);
    assert!(store.search("word7", 5).unwrap().is_empty());
    let done = fields(Role::Assistant, &text, "complete");
    queries::update_message(&store.conn, id, &done, 99).unwrap();
    assert_eq!(store.search("word7", 5).unwrap().len(), 1);
    store
        .conn
        .execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')", [])
        .expect("the search index matches the messages");
}

#[test]
fn delete_removes_the_conversation_its_messages_and_their_index() {
    let (_dir, path) = temp_db();
    write_conversation(&path, "delete me", "unique-word");
    let store = Store::open(&path).unwrap();
    assert!(store.delete(1).unwrap());
    assert!(!store.delete(1).unwrap());
    assert!(store.list(10).unwrap().is_empty());
    assert!(store.search("unique", 10).unwrap().is_empty());
    assert!(matches!(store.load(1), Err(StoreError::NotFound(1))));
}

#[test]
fn a_file_from_a_newer_rockchat_is_refused_and_untouched() {
    let (_dir, path) = temp_db();
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;").unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let error = Store::open(&path).unwrap_err();
    assert!(matches!(error, StoreError::TooNew { found: 99, .. }));
    assert!(error.to_string().contains(&path.display().to_string()));
    assert!(std::fs::read(&path).unwrap() == before, "the file changed");
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_untouched() {
    let (_dir, path) = temp_db();
    let junk = b"this is not sqlite, it is someone's notes\n".repeat(200);
    std::fs::write(&path, &junk).unwrap();
    let error = Store::open(&path).unwrap_err();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    assert!(error.to_string().contains("left untouched"));
    assert!(std::fs::read(&path).unwrap() == junk, "the file changed");
}

#[test]
fn an_old_empty_file_is_upgraded_to_the_current_schema() {
    let (_dir, path) = temp_db();
    Connection::open(&path).unwrap().execute_batch("PRAGMA user_version = 0;").unwrap();
    let store = Store::open(&path).unwrap();
    let version: i64 = store.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, CURRENT_VERSION);
    let mode: String = store.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn backup_makes_a_copy_that_opens() {
    let (dir, path) = temp_db();
    write_conversation(&path, "keep me", "safe");
    let copy = dir.path().join("backup.db");
    Store::open(&path).unwrap().backup(&copy).unwrap();
    assert_eq!(Store::open(&copy).unwrap().list(5).unwrap()[0].title, "keep me");
}

#[test]
fn search_ranks_the_closest_match_first() {
    let (_dir, path) = temp_db();
    write_conversation(
        &path,
        "passing mention",
        &format!("{} lantern at the end", "filler words ".repeat(40)),
    );
    write_conversation(&path, "all about lanterns", "lantern lantern: a lantern guide");
    let store = Store::open(&path).unwrap();
    let hits = store.search("lantern", 10).unwrap();
    let titles: Vec<&str> = hits.iter().map(|h| h.title.as_str()).collect();
    assert_eq!(titles, ["all about lanterns", "passing mention"]);
}

#[test]
fn a_word_found_almost_everywhere_lists_the_newest_matches_first() {
    let (_dir, path) = temp_db();
    write_conversation(&path, "old harbour talk", "the harbour");
    let mut store = Store::open(&path).unwrap();
    let id = store.latest().unwrap().unwrap();
    let tx = store.conn.transaction().unwrap();
    for n in 0..=search::RANKED_MATCHES_MAX {
        tx.execute(
            "INSERT INTO messages (conversation_id, role, content, status, created_at, updated_at)
             VALUES (?1, 'user', ?2, 'complete', 0, 0)",
            rusqlite::params![id, format!("harbour note {n}")],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    let hits = store.search("harbour", 3).unwrap();
    let newest = format!("harbour note {}", search::RANKED_MATCHES_MAX);
    assert_eq!(hits[0].snippet, newest.replace("harbour", "[harbour]"));
    assert_eq!(store.find("harbour", 5).unwrap().len(), 1, "one conversation, listed once");
}

#[test]
fn a_database_locked_by_another_program_is_an_error_naming_it() {
    let (_dir, path) = temp_db();
    write_conversation(&path, "kept", "safe");
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;").unwrap();
    let error = Store::open(&path).unwrap_err();
    assert!(matches!(error, StoreError::Locked { .. }), "{error:?}");
    assert!(error.to_string().contains("rockchat.db"), "{error}");
    other.execute_batch("COMMIT").unwrap();
    drop(other);
    assert_eq!(Store::open(&path).unwrap().list(5).unwrap()[0].title, "kept");
}

#[test]
fn images_are_stored_beside_their_message_and_come_back_on_open() {
    let (_dir, path) = temp_db();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let image = crate::chat::attachment::Attachment::from_bytes("cat.png".into(), png).unwrap();
    let writer = Writer::spawn(Store::open(&path).unwrap(), |_| {}).unwrap();
    writer.send(StoreCmd::CreateConversation {
        key: 1,
        title: "cat.png".into(),
        system_prompt: String::new(),
        provider: "local".into(),
        model: "tiny".into(),
    });
    writer.send(StoreCmd::AddMessage {
        key: 10,
        conversation: 1,
        parent: None,
        fields: fields(Role::User, "what is this?", "complete"),
    });
    writer.send(StoreCmd::Attach { message: 10, images: vec![image.clone()] });
    writer.close();
    let store = Store::open(&path).unwrap();
    let loaded = store.load(store.latest().unwrap().unwrap()).unwrap();
    assert_eq!(loaded.messages[0].attachments, [image]);
    assert!(store.search("png", 5).unwrap().is_empty(), "image bytes are not searched");
}

#[test]
fn a_version_1_file_with_conversations_is_upgraded_and_keeps_them() {
    let (_dir, path) = temp_db();
    let old = Connection::open(&path).unwrap();
    old.execute_batch(schema::MIGRATIONS[0]).unwrap();
    old.execute_batch(
        "PRAGMA user_version = 1;
         INSERT INTO conversations (id, title, created_at, updated_at) VALUES (1, 'old one', 0, 0);
         INSERT INTO messages (id, conversation_id, role, content, status, created_at, updated_at)
         VALUES (1, 1, 'user', 'still here', 'complete', 0, 0);
         UPDATE conversations SET leaf_id = 1;",
    )
    .unwrap();
    drop(old);
    let store = Store::open(&path).unwrap();
    let version: i64 = store.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, CURRENT_VERSION);
    let loaded = store.load(1).unwrap();
    assert_eq!(loaded.messages[0].content, "still here");
    assert!(loaded.messages[0].attachments.is_empty());
    assert!(!loaded.messages[0].pinned && !loaded.messages[0].hidden, "new columns default off");
}

#[test]
fn a_version_1_file_keeps_its_conversations_and_gains_parameters_and_a_target() {
    let (_dir, path) = temp_db();
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(schema::MIGRATIONS[0]).unwrap();
        conn.execute_batch(
            "INSERT INTO conversations (title, provider, model, created_at, updated_at)
             VALUES ('old one', 'ollama', 'llama3.2', 1, 1);
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let old = store.load(1).unwrap();
    assert_eq!((old.title.as_str(), old.provider.as_str()), ("old one", "ollama"));
    assert_eq!(old.params, "{}");
    let writer =
        Writer::spawn(store, |e| assert!(!matches!(e, writer::StoreEvent::Failed(_)))).unwrap();
    writer.send(StoreCmd::Adopt { conversation: (5, 1), messages: vec![] });
    writer.send(StoreCmd::SetTarget {
        conversation: 5,
        provider: "openai".into(),
        model: "o3".into(),
    });
    writer.send(StoreCmd::SetParams { conversation: 5, json: r#"{"seed":7}"#.into() });
    writer.close();
    let reopened = Store::open(&path).unwrap().load(1).unwrap();
    assert_eq!((reopened.provider.as_str(), reopened.model.as_str()), ("openai", "o3"));
    assert_eq!(reopened.params, r#"{"seed":7}"#);
}

#[test]
fn recent_prompts_come_from_every_conversation_oldest_first() {
    let (_dir, path) = temp_db();
    write_conversation(&path, "first question", "an answer");
    write_conversation(&path, "second question", "another answer");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.recent_prompts(10).unwrap(), ["first question", "second question"]);
    assert_eq!(store.recent_prompts(1).unwrap(), ["second question"]);
}

#[test]
fn drafts_are_kept_per_conversation_and_for_the_one_not_started() {
    let (_dir, path) = temp_db();
    let writer = Writer::spawn(Store::open(&path).unwrap(), |_| {}).unwrap();
    writer.send(StoreCmd::CreateConversation {
        key: 1,
        title: "t".into(),
        system_prompt: String::new(),
        provider: "local".into(),
        model: "tiny".into(),
    });
    writer.send(StoreCmd::SetDraft {
        conversation: Some(1), text: "half a 日本語 thought".into()
    });
    writer.send(StoreCmd::SetDraft { conversation: None, text: "a fresh start".into() });
    writer.close();
    let store = Store::open(&path).unwrap();
    let id = store.latest().unwrap().unwrap();
    assert_eq!(store.load(id).unwrap().draft, "half a 日本語 thought");
    assert_eq!(store.draft(0).unwrap(), "a fresh start");
    let writer = Writer::spawn(Store::open(&path).unwrap(), |_| {}).unwrap();
    writer.send(StoreCmd::SetDraft { conversation: None, text: String::new() });
    writer.close();
    assert_eq!(Store::open(&path).unwrap().draft(0).unwrap(), "", "an empty draft is removed");
}

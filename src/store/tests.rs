//! The store on real files in a temporary directory.

use std::sync::mpsc;
use std::time::Duration;

use super::writer::{StoreCmd, StoreEvent, Writer};
use super::*;
use crate::chat::Role;

fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rockchat.db");
    (dir, path)
}

fn fields(role: Role, content: &str, status: &'static str) -> MessageFields {
    let model = (role == Role::Assistant).then(|| "tiny".to_owned());
    MessageFields { status, ..MessageFields::complete(role, content.into(), model) }
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
    writer.close().unwrap();
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
    create(&writer, 1);
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
    writer.close().unwrap();
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
    writer.close().unwrap();
    let store = Store::open(&path).unwrap();
    let id: i64 = store.conn.query_row("SELECT id FROM messages", [], |r| r.get(0)).unwrap();
    let before = index_rows(&store);
    let mut text = String::new();
    for n in 0..50 {
        text.push_str(&format!("word{n} "));
        let saved = fields(Role::Assistant, &text, "streaming");
        queries::update_message(&store.conn, id, &saved, n, None).unwrap();
    }
    // Fifty saves of a growing reply never touched the index.
    assert_eq!(index_rows(&store), before);
    assert!(store.search("word7", 5).unwrap().is_empty());
    let done = fields(Role::Assistant, &text, "complete");
    queries::update_message(&store.conn, id, &done, 99, None).unwrap();
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
    assert!(matches!(error, StoreError::NotADatabase { .. }), "{error:?}");
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
fn the_page_cache_is_bounded_below_sqlites_default() {
    // A long conversation read once would otherwise stay in memory as 2 MB of pages.
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let cache: i64 = store.conn.query_row("PRAGMA cache_size", [], |r| r.get(0)).unwrap();
    assert_eq!(cache, -PAGE_CACHE_KIB);
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
fn a_title_is_searched_and_a_matching_title_is_listed_first() {
    let (_dir, path) = temp_db();
    // Titled apart from their first prompt, as a user renames them.
    for (title, reply) in [
        ("Sourdough starter", "how often to feed it"),
        ("Bread questions", "my sourdough is flat"),
        ("Weekend", "nothing to do with bread"),
    ] {
        write_conversation(&path, "a question", reply);
        let store = Store::open(&path).unwrap();
        let id = store.latest().unwrap().unwrap();
        store
            .conn
            .execute(
                "UPDATE conversations SET title = ?2 WHERE id = ?1",
                rusqlite::params![id, title],
            )
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let hits = store.search("SOURDOUGH", 10).unwrap();
    let found: Vec<(&str, &str)> =
        hits.iter().map(|h| (h.title.as_str(), h.snippet.as_str())).collect();
    assert_eq!(
        found,
        [
            ("Sourdough starter", "how often to feed it"),
            ("Bread questions", "my [sourdough] is flat")
        ]
    );
    let listed = store.find("bread q", 10).unwrap();
    assert_eq!(listed.len(), 1, "every word must be in the title or the message");
    assert_eq!(listed[0].title, "Bread questions");
}

/// The file at `path` with one more message than search ranks, each holding "harbour",
/// added to its latest conversation.
fn with_harbour_notes(path: &Path) -> Store {
    let mut store = Store::open(path).unwrap();
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
    store
}

#[test]
fn a_word_found_almost_everywhere_lists_the_newest_matches_first() {
    let (_dir, path) = temp_db();
    write_conversation(&path, "old harbour talk", "the harbour");
    let store = with_harbour_notes(&path);
    let hits = store.search("harbour", 3).unwrap();
    let newest = format!("harbour note {}", search::RANKED_MATCHES_MAX);
    assert_eq!(hits[0].snippet, newest.replace("harbour", "[harbour]"));
    assert_eq!(store.find("harbour", 5).unwrap().len(), 1, "one conversation, listed once");
}

#[test]
fn a_rare_word_beside_a_common_one_lists_the_newest_matches_first() {
    // Ranking would weigh "harbour" over every message holding it, more than a frame.
    let (_dir, path) = temp_db();
    write_conversation(&path, "zebra guide", "zebra zebra: the zebra harbour");
    write_conversation(
        &path,
        "passing zebra",
        &format!("harbour {} zebra at the end", "filler words ".repeat(40)),
    );
    let store = with_harbour_notes(&path);
    let titles: Vec<String> =
        store.search("zebra harbour", 5).unwrap().into_iter().map(|h| h.title).collect();
    assert_eq!(titles, ["passing zebra", "zebra guide"]);
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
        title: "a picture".into(),
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
    writer.close().unwrap();
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
    writer.close().unwrap();
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
    writer.close().unwrap();
    let store = Store::open(&path).unwrap();
    let id = store.latest().unwrap().unwrap();
    assert_eq!(store.load(id).unwrap().draft, "half a 日本語 thought");
    assert_eq!(store.draft(0).unwrap(), "a fresh start");
    let writer = Writer::spawn(Store::open(&path).unwrap(), |_| {}).unwrap();
    writer.send(StoreCmd::SetDraft { conversation: None, text: String::new() });
    writer.close().unwrap();
    assert_eq!(Store::open(&path).unwrap().draft(0).unwrap(), "", "an empty draft is removed");
}

/// A writer whose events arrive on a channel, for tests that wait on them.
fn writer_with_events(store: Store) -> (Writer, mpsc::Receiver<StoreEvent>) {
    let (tx, rx) = mpsc::channel();
    let writer = Writer::spawn(store, move |event| {
        let _ = tx.send(event);
    })
    .unwrap();
    (writer, rx)
}

/// The next event that `wanted` accepts; the ones before it are returned too.
fn wait_for(
    events: &mpsc::Receiver<StoreEvent>,
    wanted: impl Fn(&StoreEvent) -> bool,
) -> Vec<StoreEvent> {
    let mut seen = Vec::new();
    loop {
        // Only a guard against a hang: the writer's own retries run in real time.
        let event = events.recv_timeout(Duration::from_secs(20)).unwrap_or_else(|_| {
            panic!("the writer never sent the expected event; it sent {seen:?}")
        });
        let done = wanted(&event);
        seen.push(event);
        if done {
            return seen;
        }
    }
}

/// Creates conversation `key` (as the app does at its first prompt).
fn create(writer: &Writer, key: u64) {
    writer.send(StoreCmd::CreateConversation {
        key,
        title: "first".into(),
        system_prompt: String::new(),
        provider: "local".into(),
        model: "tiny".into(),
    });
}

/// Sends one turn of conversation 1 (prompt under `parent`, reply streamed then complete).
fn send_turn(writer: &Writer, keys: (u64, u64), parent: Option<u64>, prompt: &str, reply: &str) {
    let (user, assistant) = keys;
    writer.send(StoreCmd::AddMessage {
        key: user,
        conversation: 1,
        parent,
        fields: fields(Role::User, prompt, "complete"),
    });
    writer.send(StoreCmd::AddMessage {
        key: assistant,
        conversation: 1,
        parent: Some(user),
        fields: fields(Role::Assistant, "", "streaming"),
    });
    for end in [reply.len() / 2, reply.len()] {
        writer.send(StoreCmd::UpdateMessage {
            key: assistant,
            fields: fields(Role::Assistant, &reply[..end], "streaming"),
        });
    }
    writer.send(StoreCmd::UpdateMessage {
        key: assistant,
        fields: fields(Role::Assistant, reply, "complete"),
    });
    writer.send(StoreCmd::SetLeaf { conversation: 1, leaf: assistant });
}

/// The branch on screen of the only conversation, as (text, parent is the one before).
fn stored_turns(path: &Path) -> Vec<String> {
    let store = Store::open(path).unwrap();
    let list = store.list(10).unwrap();
    assert_eq!(list.len(), 1, "one conversation, no stray copies: {list:?}");
    let loaded = store.load(list[0].id).unwrap();
    let mut parent = None;
    for message in &loaded.messages {
        assert_eq!(message.parent_id, parent, "{:?} hangs from the one before", message.content);
        assert_eq!(message.status, "complete");
        parent = Some(message.id);
    }
    let total: i64 =
        store.conn.query_row("SELECT count(*) FROM messages", [], |r| r.get(0)).unwrap();
    assert_eq!(total as usize, loaded.messages.len(), "no parentless or stray rows");
    loaded.messages.iter().map(|m| m.content.clone()).collect()
}

#[test]
fn a_write_that_finds_the_disk_full_is_kept_and_lands_in_order_once_there_is_room() {
    let (_dir, path) = temp_db();
    // Something big on the disk, which "the user" deletes later to make room.
    let store = Store::open(&path).unwrap();
    store
        .conn
        .execute_batch(&format!(
            "INSERT INTO conversations (title, created_at, updated_at) VALUES ('filler', 0, 0);
             INSERT INTO messages (conversation_id, role, content, status, created_at, updated_at)
             VALUES (last_insert_rowid(), 'user', '{}', 'complete', 0, 0);",
            "filler words ".repeat(40_000)
        ))
        .unwrap();
    let filler: i64 =
        store.conn.query_row("SELECT max(id) FROM conversations", [], |r| r.get(0)).unwrap();
    // The disk is full: the file may not grow by a single page.
    let pages: i64 = store.conn.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
    store.conn.pragma_update(None, "max_page_count", pages).unwrap();
    let (writer, events) = writer_with_events(store);
    create(&writer, 1);
    let long = "a long answer ".repeat(2_000);
    send_turn(&writer, (10, 11), None, "first", &long);
    let seen = wait_for(&events, |e| matches!(e, StoreEvent::Unsaved(_)));
    assert_eq!(seen.last(), Some(&StoreEvent::Unsaved("disk full".into())), "{seen:?}");
    // The conversation's row is small enough to fit: on a busy machine the writer may get
    // it alone and commit it before the turn arrives. Either way, an id is reported only
    // for a row that is in the file.
    let other = Connection::open(&path).unwrap();
    let created_first = seen.iter().any(|e| matches!(e, StoreEvent::Created { key: 1, .. }));
    for event in &seen {
        if let StoreEvent::Created { id, .. } = event {
            let rows: i64 = other
                .query_row("SELECT count(*) FROM conversations WHERE id = ?1", [id], |r| r.get(0))
                .unwrap();
            assert_eq!(rows, 1, "no row id is reported for a batch that did not commit: {seen:?}");
        }
    }
    // More is typed and received while the disk is full.
    send_turn(&writer, (12, 13), Some(11), "second", "second answer");
    // Room again: another program deletes the filler.
    other.execute("DELETE FROM conversations WHERE id = ?1", [filler]).unwrap();
    drop(other);
    let seen = wait_for(&events, |e| *e == StoreEvent::Saved);
    let created_after = seen.iter().any(|e| matches!(e, StoreEvent::Created { key: 1, .. }));
    assert!(created_first ^ created_after, "the conversation's id is reported once: {seen:?}");
    send_turn(&writer, (14, 15), Some(13), "third", "third answer");
    writer.close().unwrap();
    assert_eq!(
        stored_turns(&path),
        ["first", long.as_str(), "second", "second answer", "third", "third answer"]
    );
}

#[test]
fn a_write_that_finds_the_database_locked_waits_for_the_lock_and_loses_nothing() {
    let (_dir, path) = temp_db();
    let (writer, events) = writer_with_events(Store::open(&path).unwrap());
    create(&writer, 1);
    send_turn(&writer, (10, 11), None, "first", "first answer");
    wait_for(&events, |e| matches!(e, StoreEvent::Created { .. }));
    // Another program takes the write lock and holds it past the busy timeout.
    let other = Connection::open(&path).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    send_turn(&writer, (12, 13), Some(11), "second", "second answer");
    let seen = wait_for(&events, |e| matches!(e, StoreEvent::Unsaved(_)));
    assert_eq!(
        seen.last(),
        Some(&StoreEvent::Unsaved("database locked by another program".into()))
    );
    send_turn(&writer, (14, 15), Some(13), "third", "third answer");
    other.execute_batch("COMMIT").unwrap();
    drop(other);
    wait_for(&events, |e| *e == StoreEvent::Saved);
    writer.close().unwrap();
    assert_eq!(
        stored_turns(&path),
        ["first", "first answer", "second", "second answer", "third", "third answer"]
    );
}

#[test]
fn closing_while_the_disk_stays_full_hands_back_what_was_not_written() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let pages: i64 = store.conn.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
    store.conn.pragma_update(None, "max_page_count", pages).unwrap();
    let (writer, events) = writer_with_events(store);
    create(&writer, 1);
    let prompt = "my long prompt ".repeat(2_000);
    send_turn(&writer, (10, 11), None, &prompt, "its answer");
    wait_for(&events, |e| matches!(e, StoreEvent::Unsaved(_)));
    // Quitting keeps what was typed and not sent.
    for text in ["my next", "my next question"] {
        writer.send(StoreCmd::SetDraft { conversation: Some(1), text: text.into() });
    }
    let unwritten = writer.close_within(Duration::from_millis(300)).unwrap_err();
    assert_eq!(unwritten.reason, "disk full");
    let texts: Vec<&str> = unwritten.messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(texts, [prompt.as_str(), "its answer"]);
    assert_eq!(unwritten.drafts, ["my next question"]);
    assert!(
        unwritten.to_string().contains("2 messages and a draft are not on disk"),
        "{unwritten}"
    );
}

#[test]
fn a_file_made_by_the_schema_before_this_one_keeps_every_row_and_gains_unreused_ids() {
    let (_dir, path) = temp_db();
    // Schema 6 as the previous rockchat made it: drafts and what was learned included.
    let before = CURRENT_VERSION as usize - 1;
    let old = Connection::open(&path).unwrap();
    for step in &schema::MIGRATIONS[..before] {
        old.execute_batch(step).unwrap();
    }
    old.pragma_update(None, "user_version", before as i64).unwrap();
    old.execute_batch(
        "INSERT INTO conversations (id, title, params, created_at, updated_at)
         VALUES (1, 'kept', '{\"seed\":7}', 0, 1), (2, 'highest', '{}', 0, 0);
         INSERT INTO messages (id, conversation_id, parent_id, role, content, status, pinned,
                               created_at, updated_at)
         VALUES (1, 1, NULL, 'user', 'a lantern question', 'complete', 1, 0, 0),
                (2, 1, 1, 'assistant', 'an answer', 'complete', 0, 0, 0),
                (3, 2, NULL, 'user', 'the highest', 'complete', 0, 0, 0);
         UPDATE conversations SET leaf_id = CASE id WHEN 1 THEN 2 ELSE 3 END;
         INSERT INTO attachments (message_id, position, name, mime, data)
         VALUES (1, 0, 'cat.png', 'image/png', x'89504e47');
         INSERT INTO drafts (conversation_id, text) VALUES (1, 'half typed'), (0, 'fresh');
         INSERT INTO learned (provider, model, window, ratio_milli, images, updated_at)
         VALUES ('local', 'tiny', 4096, 1100, 1, 0);",
    )
    .unwrap();
    drop(old);

    let store = Store::open(&path).unwrap();
    let check: String = store.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let dangling: i64 = store
        .conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(dangling, 0);
    let kept = store.load(1).unwrap();
    let texts: Vec<&str> = kept.messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(texts, ["a lantern question", "an answer"]);
    assert!(kept.messages[0].pinned);
    assert_eq!((kept.params.as_str(), kept.draft.as_str()), (r#"{"seed":7}"#, "half typed"));
    assert_eq!(store.draft(0).unwrap(), "fresh");
    assert_eq!(store.learned().unwrap().get("local", "tiny").window, Some(4096));
    assert_eq!(store.search("lantern", 5).unwrap()[0].conversation_id, 1, "the index kept");
    let images = |store: &Store| -> i64 {
        store.conn.query_row("SELECT count(*) FROM attachments", [], |r| r.get(0)).unwrap()
    };
    assert_eq!(images(&store), 1);
    // The highest ids go, and are not handed out again; deleting still cascades.
    assert!(store.delete(2).unwrap());
    assert!(store.delete(1).unwrap());
    assert_eq!(images(&store), 0, "a deleted message's images go with it");
    drop(store);
    write_conversation(&path, "new", "words");
    let store = Store::open(&path).unwrap();
    let new = store.load(store.latest().unwrap().unwrap()).unwrap();
    assert_eq!(new.id, 3);
    assert!(new.messages.iter().all(|m| m.id > 3), "{:?}", new.messages);
    assert_eq!(new.draft, "", "no deleted conversation's draft comes back");
}

#[test]
fn ids_of_deleted_conversations_and_messages_are_never_handed_out_again() {
    let (_dir, path) = temp_db();
    // A file from before the fix, whose highest conversation is then deleted.
    let old = Connection::open(&path).unwrap();
    for step in &schema::MIGRATIONS[..4] {
        old.execute_batch(step).unwrap();
    }
    old.execute_batch(
        "PRAGMA user_version = 4;
         INSERT INTO conversations (id, title, created_at, updated_at) VALUES (1, 'one', 0, 0),
                                                                          (2, 'two', 0, 0);
         INSERT INTO messages (id, conversation_id, role, content, status, created_at, updated_at)
         VALUES (1, 1, 'user', 'kept', 'complete', 0, 0), (2, 2, 'user', 'gone', 'complete', 0, 0);
         UPDATE conversations SET leaf_id = id;",
    )
    .unwrap();
    drop(old);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.load(1).unwrap().messages[0].content, "kept", "the upgrade keeps rows");
    assert!(store.search("gone", 5).unwrap().len() == 1, "and the search index");
    assert!(store.delete(2).unwrap());
    drop(store);
    write_conversation(&path, "new", "words");
    let store = Store::open(&path).unwrap();
    let new = store.load(store.latest().unwrap().unwrap()).unwrap();
    assert_eq!(new.title, "new");
    assert_eq!(new.id, 3, "not the deleted conversation's id");
    assert!(new.messages.iter().all(|m| m.id > 2), "nor a deleted message's id");
    assert!(store.search("gone", 5).unwrap().is_empty());
}

#[test]
fn a_conversation_deleted_by_another_program_is_reported_and_not_written_into() {
    let (_dir, path) = temp_db();
    let (writer, events) = writer_with_events(Store::open(&path).unwrap());
    create(&writer, 1);
    send_turn(&writer, (10, 11), None, "first", "first answer");
    wait_for(&events, |e| matches!(e, StoreEvent::Created { .. }));
    Connection::open(&path).unwrap().execute("DELETE FROM conversations", []).unwrap();
    send_turn(&writer, (12, 13), Some(11), "second", "second answer");
    let seen = wait_for(&events, |e| matches!(e, StoreEvent::Deleted { .. }));
    assert_eq!(seen.last(), Some(&StoreEvent::Deleted { key: 1 }));
    // The app saves it again under the same key: a new row, every message in it.
    create(&writer, 1);
    send_turn(&writer, (10, 11), None, "first", "first answer");
    send_turn(&writer, (12, 13), Some(11), "second", "second answer");
    let seen = wait_for(&events, |e| matches!(e, StoreEvent::Created { .. }));
    assert_eq!(seen.last(), Some(&StoreEvent::Created { key: 1, id: 2 }));
    writer.close().unwrap();
    assert_eq!(stored_turns(&path), ["first", "first answer", "second", "second answer"]);
}

#[test]
fn a_reply_another_process_is_streaming_is_not_marked_interrupted_on_open() {
    let (_dir, path) = temp_db();
    let (writer, events) = writer_with_events(Store::open(&path).unwrap());
    create(&writer, 1);
    writer.send(StoreCmd::AddMessage {
        key: 2,
        conversation: 1,
        parent: None,
        fields: fields(Role::Assistant, "still coming", "streaming"),
    });
    wait_for(&events, |e| matches!(e, StoreEvent::Created { .. }));
    // Another opener (`rockchat list` in another terminal) while the writer lives.
    let reply = Store::open(&path).unwrap().load(1).unwrap().messages.pop().unwrap();
    assert_eq!(reply.status, "streaming");
    writer.close().unwrap();
    // The writer is gone now and the row was left streaming: that one is marked.
    let reply = Store::open(&path).unwrap().load(1).unwrap().messages.pop().unwrap();
    assert_eq!(reply.status, "interrupted");
}

#[test]
fn an_import_is_one_transaction_a_conversation_and_the_same_file_twice_adds_nothing() {
    let (_dir, path) = temp_db();
    let file = r#"[{"id":"c-1","title":"One","current_node":"b","mapping":{
        "a":{"message":{"author":{"role":"user"},"content":{"parts":["Hi"]}},"parent":null},
        "b":{"message":{"author":{"role":"assistant"},"content":{"parts":["Hello"]}},"parent":"a"}}},
        {"id":"c-2","title":"Two","current_node":"a","mapping":{
        "a":{"message":{"author":{"role":"user"},"content":{"parts":["Hi"]}},"parent":null}}}]"#;
    let mut store = Store::open(&path).unwrap();
    let mut added = Vec::new();
    for _ in 0..2 {
        import::read(file.as_bytes(), |incoming| {
            let import::Incoming::Plain(conversation) = incoming else { panic!("{incoming:?}") };
            added.push(store.add_imported(&conversation)?.is_some());
            Ok::<(), StoreError>(())
        })
        .unwrap();
    }
    assert_eq!(added, [true, true, false, false]);
    let titles: Vec<String> = store.list(10).unwrap().into_iter().map(|c| c.title).collect();
    assert_eq!(titles, ["Two", "One"]);
}

/// Empties the b-trees named (tables or indexes) in place, as damage does: their root page
/// becomes an empty leaf, and the pages under it are cut off. SQLite reads such a table as
/// empty, without an error.
fn empty_btrees(path: &Path, names: &[&str]) {
    let (roots, page_size) = {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        let roots: Vec<(i64, String)> = names
            .iter()
            .map(|name| {
                conn.query_row(
                    "SELECT rootpage, type FROM sqlite_master WHERE name = ?1",
                    [name],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap()
            })
            .collect();
        let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        (roots, page_size)
    };
    let mut bytes = std::fs::read(path).unwrap();
    for (root, kind) in roots {
        let page = &mut bytes[((root - 1) * page_size) as usize..(root * page_size) as usize];
        page.fill(0);
        // A leaf with no cells: 13 for a table, 10 for an index; content from the page's end.
        page[0] = if kind == "table" { 13 } else { 10 };
        page[5..7].copy_from_slice(&(page_size as u16).to_be_bytes());
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_damaged_file_whose_list_reads_empty_is_reported_as_damage_not_as_no_conversations() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let title = "a title long enough to fill a few pages ".repeat(3);
    for n in 0..300 {
        store
            .conn
            .execute(
                "INSERT INTO conversations (title, created_at, updated_at) VALUES (?1, ?2, ?2)",
                rusqlite::params![format!("{title}{n}"), n],
            )
            .unwrap();
    }
    drop(store);
    empty_btrees(&path, &["conversations", "conversations_by_update"]);
    let store = Store::open(&path).unwrap();
    for (what, error) in [
        ("the list", store.list(10).map(drop).unwrap_err()),
        ("the latest (-c)", store.latest().map(drop).unwrap_err()),
    ] {
        assert!(matches!(error, StoreError::Corrupt { .. }), "{what}: {error:?}");
        assert!(error.to_string().contains("rockchat backup"), "{what}: {error}");
    }
    // The app's list (Ctrl+L) hears the same, not "No saved conversations yet".
    let (writer, events) = writer_with_events(store);
    writer.send(StoreCmd::Find { query: String::new() });
    let seen = wait_for(&events, |e| matches!(e, StoreEvent::Failed(_) | StoreEvent::Found { .. }));
    assert!(
        matches!(seen.last(), Some(StoreEvent::Failed(why)) if why.contains("is damaged")),
        "{seen:?}"
    );
    writer.close().unwrap();
}

#[test]
fn the_tail_of_a_long_conversation_is_its_branch_newest_messages_in_order() {
    let (_dir, path) = temp_db();
    let (writer, events) = writer_with_events(Store::open(&path).unwrap());
    create(&writer, 1);
    send_turn(&writer, (10, 11), None, "p1", "r1");
    send_turn(&writer, (12, 13), Some(11), "p2", "r2");
    send_turn(&writer, (14, 15), Some(13), "p3 old", "r3 old");
    // p3 edited: a second branch from r2, on screen.
    send_turn(&writer, (16, 17), Some(13), "p3", "r3");
    send_turn(&writer, (18, 19), Some(17), "p4", "r4");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let image = crate::chat::attachment::Attachment::from_bytes("cat.png".into(), png).unwrap();
    writer.send(StoreCmd::Attach { message: 18, images: vec![image.clone()] });
    writer.send(StoreCmd::Attach { message: 10, images: vec![image.clone()] });
    writer.send(StoreCmd::Find { query: String::new() });
    wait_for(&events, |e| matches!(e, StoreEvent::Found { .. }));
    writer.close().unwrap();

    let store = Store::open(&path).unwrap();
    let id = store.latest().unwrap().unwrap();
    let texts = |c: &StoredConversation| -> Vec<String> {
        c.messages.iter().map(|m| m.content.clone()).collect()
    };
    let (tail, whole) = store.load_tail(id, 3).unwrap();
    assert_eq!(texts(&tail), ["r3", "p4", "r4"], "the newest of the branch on screen, in order");
    assert!(!whole);
    assert!(tail.other_branches.is_empty());
    assert_eq!(
        tail.messages[1].attachments,
        std::slice::from_ref(&image),
        "a tail message keeps its image"
    );
    assert_eq!(tail.title, "first");
    // Longer than the branch: all of it, root first, but not the whole conversation (the
    // old branch is not read).
    let (tail, whole) = store.load_tail(id, 200).unwrap();
    assert_eq!(texts(&tail), ["p1", "r1", "p2", "r2", "p3", "r3", "p4", "r4"]);
    assert!(!whole, "the old branch is left to the whole read");
    assert_eq!(tail.messages[0].attachments, [image]);
    assert_eq!(texts(&tail), texts(&store.load(id).unwrap()), "the same branch a whole read gives");
    assert!(matches!(store.load_tail(999, 200), Err(StoreError::NotFound(999))));
}

#[test]
fn a_conversation_shorter_than_the_tail_is_read_whole_at_once() {
    let (_dir, path) = temp_db();
    write_conversation(&path, "short", "words");
    let store = Store::open(&path).unwrap();
    let id = store.latest().unwrap().unwrap();
    let (tail, whole) = store.load_tail(id, 200).unwrap();
    assert!(whole);
    let loaded = store.load(id).unwrap();
    assert_eq!(tail.messages.len(), loaded.messages.len());
    assert_eq!(tail.system_prompt, loaded.system_prompt);
}

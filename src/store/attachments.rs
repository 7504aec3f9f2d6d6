//! The attachments side table: image bytes, image URLs and text files stored beside their
//! message, read back only when
//! a conversation is opened (never for the list or search).
//!
//! A row whose bytes are no longer an image or text we know is skipped, not an error: the message
//! text still opens.

use rusqlite::{Connection, params};

use super::StoredMessage;
use crate::chat::attachment::Attachment;

pub(super) fn insert(
    conn: &Connection,
    message: i64,
    images: &[Attachment],
) -> rusqlite::Result<()> {
    let mut statement = conn.prepare_cached(
        "INSERT INTO attachments (message_id, position, name, mime, data) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (position, image) in images.iter().enumerate() {
        statement.execute(params![
            message,
            position as i64,
            image.name,
            image.mime(),
            image.data()
        ])?;
    }
    Ok(())
}

/// Gives each loaded message its images.
pub(super) fn fill(
    conn: &Connection,
    conversation: i64,
    from: i64,
    messages: &mut [StoredMessage],
) -> rusqlite::Result<()> {
    let mut statement = conn.prepare_cached(
        "SELECT a.message_id, a.name, a.mime, a.data FROM attachments a
         JOIN messages m ON m.id = a.message_id
         WHERE m.conversation_id = ?1 AND m.id >= ?2 ORDER BY a.message_id, a.position",
    )?;
    let rows = statement.query_map([conversation, from], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Vec<u8>>(3)?,
        ))
    })?;
    let index: std::collections::HashMap<i64, usize> =
        messages.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    for row in rows {
        let (message, name, mime, data) = row?;
        let Some(&i) = index.get(&message) else { continue };
        match Attachment::from_stored(name, &mime, data) {
            Ok(image) => messages[i].attachments.push(image),
            Err(why) => tracing::warn!(message, %why, "skipped a stored attachment"),
        }
    }
    Ok(())
}

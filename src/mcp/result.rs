//! A tool's answer as the text the model is sent back, shown and stored: text blocks as
//! they are, other blocks (images, audio, binary resources) named with their size rather
//! than pasted as base64, structured content as JSON when there is nothing else.
//! Untrusted: terminal control is stripped and the whole is capped at [`MAX_RESULT`].

use rmcp::model::{CallToolResult, ContentBlock, ResourceContents};

use super::client::{MAX_RESULT, capped};
use crate::chat::tools::{Outcome, ToolResult};
use crate::sanitize::{one_line, sanitize};

pub fn text_of(result: CallToolResult) -> ToolResult {
    let mut parts = Vec::new();
    for block in result.content {
        parts.push(match block {
            ContentBlock::Text(text) => text.text,
            ContentBlock::Image(image) => {
                format!(
                    "[image, {}, {} bytes]",
                    one_line(&image.mime_type, 60),
                    image.data.len() / 4 * 3
                )
            }
            ContentBlock::Audio(audio) => {
                format!(
                    "[audio, {}, {} bytes]",
                    one_line(&audio.mime_type, 60),
                    audio.data.len() / 4 * 3
                )
            }
            ContentBlock::Resource(embedded) => match embedded.resource {
                ResourceContents::TextResourceContents { text, .. } => text,
                ResourceContents::BlobResourceContents { uri, .. } => {
                    format!("[resource {}]", one_line(&uri, 300))
                }
                #[allow(unreachable_patterns)]
                _ => "[resource]".to_owned(),
            },
            ContentBlock::ResourceLink(link) => format!("[resource {}]", one_line(&link.uri, 300)),
            #[allow(unreachable_patterns)]
            _ => "[content rockchat cannot show]".to_owned(),
        });
    }
    if parts.is_empty()
        && let Some(structured) = result.structured_content
    {
        parts.push(structured.to_string());
    }
    let whole = parts.join("\n");
    let mut text = sanitize(&whole).into_owned();
    if text.len() > MAX_RESULT {
        let total = text.len();
        text = capped(&text, MAX_RESULT);
        text.push_str(&format!(
            "\n… (cut: the result had {total} bytes, rockchat keeps {MAX_RESULT})"
        ));
    }
    let outcome = if result.is_error == Some(true) { Outcome::Error } else { Outcome::Ok };
    ToolResult::new(outcome, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_kept_escapes_stripped_and_other_blocks_named() {
        let result: CallToolResult = serde_json::from_value(serde_json::json!({
            "content": [
                {"type": "text", "text": "5\u{1b}]0;pwned\u{7}"},
                {"type": "image", "data": "AAAA", "mimeType": "image/png"}
            ],
            "isError": false
        }))
        .unwrap();
        let result = text_of(result);
        assert_eq!(result.outcome, Outcome::Ok);
        assert_eq!(result.content, "5\n[image, image/png, 3 bytes]");
    }

    #[test]
    fn an_error_result_and_a_huge_one() {
        let error: CallToolResult = serde_json::from_value(serde_json::json!({
            "content": [{"type": "text", "text": "division by zero"}], "isError": true
        }))
        .unwrap();
        assert_eq!(text_of(error).outcome, Outcome::Error);
        let big: CallToolResult = serde_json::from_value(serde_json::json!({
            "content": [{"type": "text", "text": "x".repeat(MAX_RESULT + 10)}]
        }))
        .unwrap();
        let big = text_of(big);
        assert!(big.content.len() < MAX_RESULT + 100);
        assert!(big.content.ends_with(&format!("rockchat keeps {MAX_RESULT})")));
    }
}

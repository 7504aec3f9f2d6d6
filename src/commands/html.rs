//! `export --format html`: one self-contained page for sharing a conversation: inline CSS,
//! images as data URLs, no script and nothing fetched. Every stored string is escaped (and
//! stripped of terminal control) before it reaches the page, so no message can inject markup.

use crate::chat::Role;
use crate::sanitize::{one_line, sanitize};
use crate::store::StoredConversation;

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:46em;margin:2em auto;\
padding:0 1em;color:#1d1d1f;background:#fff}h1{font-size:1.4em}.m{margin:1.2em 0;padding:.6em \
1em;border-radius:8px}.user{background:#eef3ff}.assistant{background:#f5f5f5}.who{font-weight:600;\
font-size:.85em;color:#555}pre{white-space:pre-wrap;word-wrap:break-word;font:inherit;margin:.4em 0}\
.system{border-left:3px solid #999;padding-left:1em;color:#555}img{max-width:100%}\
.note{font-style:italic;color:#777}@media(prefers-color-scheme:dark){body{background:#161616;\
color:#ddd}.user{background:#1e2633}.assistant{background:#222}.who,.system,.note{color:#aaa}}";

/// Text safe inside an element or a quoted attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in sanitize(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page: title, system message, then the branch on screen, oldest first.
pub fn page(conversation: &StoredConversation) -> String {
    let title = escape(&one_line(&conversation.title, 200));
    let mut html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data: https:\">\
         <title>{title}</title><style>{STYLE}</style></head><body>\n<h1>{title}</h1>\n"
    );
    if !conversation.system_prompt.is_empty() {
        html.push_str(&format!(
            "<div class=\"system\"><pre>{}</pre></div>\n",
            escape(&conversation.system_prompt)
        ));
    }
    for m in conversation.messages.iter().filter(|m| !m.hidden) {
        let (class, who) = match m.role {
            Role::Assistant if m.authored => ("assistant", "Assistant (written by you)".into()),
            Role::Assistant => ("assistant", m.model.clone().unwrap_or_else(|| "assistant".into())),
            _ => ("user", "You".to_owned()),
        };
        html.push_str(&format!(
            "<div class=\"m {class}\"><div class=\"who\">{}</div><pre>{}</pre>",
            escape(&one_line(&who, 200)),
            escape(m.content.trim_end())
        ));
        for attached in &m.attachments {
            match attached.text() {
                Some(text) => html.push_str(&format!(
                    "<div class=\"who\">{}</div><pre>{}</pre>",
                    escape(&attached.name),
                    escape(text)
                )),
                None => html.push_str(&format!(
                    "<img alt=\"{}\" src=\"{}\">",
                    escape(&attached.label()),
                    escape(attached.url())
                )),
            }
        }
        if m.status != "complete" {
            html.push_str(&format!("<div class=\"note\">({})</div>", escape(&m.status)));
        }
        html.push_str("</div>\n");
    }
    html.push_str("</body></html>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_a_message_is_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}

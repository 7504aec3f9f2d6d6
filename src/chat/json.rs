//! JSON replies: the `response_format` a conversation or `ask` asks for (any JSON object, or
//! JSON matching a schema), and the check of a reply when it completes: valid JSON, valid
//! against the schema when one was given, and where it failed when it is not.
//!
//! Pure: the schema arrives as text (the caller read the file); no `$ref` is ever fetched
//! (the validator is built without its file and HTTP resolvers).

use serde::{Deserialize, Serialize};

/// `response_format` as the Chat Completions API spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponseFormat {
    /// Any JSON object.
    JsonObject,
    /// JSON valid against a schema (llama-server turns it into a grammar).
    JsonSchema { json_schema: NamedSchema },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedSchema {
    /// The schema's name, which OpenAI requires: `[a-zA-Z0-9_-]`, at most 64.
    pub name: String,
    pub schema: serde_json::Value,
}

/// Longest part of a failure kept: a schema error quotes the value it is about, which can be
/// a whole reply.
const MAX_FAILURE: usize = 200;

impl ResponseFormat {
    /// A schema from its text (a file's, or typed inline), checked to be a schema the
    /// validator can use; `name` is what the file was called.
    pub fn schema(name: &str, text: &str) -> Result<Self, String> {
        let schema: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| format!("the schema is not valid JSON: {}", located(&e)))?;
        if !schema.is_object() {
            return Err("the schema must be a JSON object".into());
        }
        jsonschema::validator_for(&schema)
            .map_err(|e| format!("not a usable JSON Schema: {}", capped(&e.to_string())))?;
        Ok(Self::JsonSchema { json_schema: NamedSchema { name: schema_name(name), schema } })
    }

    /// "JSON" or "JSON (schema NAME)", for the border and notices.
    pub fn describe(&self) -> String {
        match self {
            Self::JsonObject => "JSON".to_owned(),
            Self::JsonSchema { json_schema } => format!("JSON schema {}", json_schema.name),
        }
    }
}

/// A file name as a schema name: its stem, reduced to the characters OpenAI accepts.
fn schema_name(name: &str) -> String {
    let stem = name.rsplit('/').next().unwrap_or(name);
    let stem = stem.strip_suffix(".json").unwrap_or(stem);
    let mut clean: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
        .take(64)
        .collect();
    if clean.is_empty() {
        clean.push_str("reply");
    }
    clean
}

/// How a JSON reply checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// Valid: the reply re-indented for reading (its keys in the order written).
    Valid { pretty: String },
    /// Not valid JSON, or not valid against the schema: what and where.
    Invalid(String),
}

/// Checks a finished reply against `format`.
pub fn check(reply: &str, format: &ResponseFormat) -> Checked {
    let value: serde_json::Value = match serde_json::from_str(reply) {
        Ok(value) => value,
        Err(_) if reply.trim().is_empty() => {
            return Checked::Invalid("the reply is empty, not JSON".to_owned());
        }
        Err(e) => return Checked::Invalid(format!("not valid JSON: {}", located(&e))),
    };
    match format {
        ResponseFormat::JsonObject if !value.is_object() => {
            return Checked::Invalid("valid JSON, but not an object".to_owned());
        }
        ResponseFormat::JsonObject => {}
        ResponseFormat::JsonSchema { json_schema } => {
            let validator = match jsonschema::validator_for(&json_schema.schema) {
                Ok(validator) => validator,
                Err(e) => {
                    return Checked::Invalid(format!(
                        "the schema cannot be used: {}",
                        capped(&e.to_string())
                    ));
                }
            };
            let errors: Vec<String> = validator
                .iter_errors(&value)
                .take(3)
                .map(|error| {
                    let at = error.instance_path().to_string();
                    let at = if at.is_empty() { "the top level".to_owned() } else { at };
                    format!("at {at}: {}", capped(&error.to_string()))
                })
                .collect();
            if !errors.is_empty() {
                return Checked::Invalid(format!(
                    "does not match the schema {}: {}",
                    json_schema.name,
                    errors.join("; ")
                ));
            }
        }
    }
    Checked::Valid { pretty: pretty(reply.trim()) }
}

/// serde_json's message with its position said as a person would.
fn located(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let message = text.split(" at line ").next().unwrap_or(&text);
    format!("line {}, column {}: {}", error.line(), error.column(), capped(message))
}

fn capped(text: &str) -> String {
    crate::sanitize::one_line(text, MAX_FAILURE).into_owned()
}

/// Valid JSON re-indented by two spaces, keys and numbers exactly as written (a parsed
/// value would sort the keys and respell the numbers).
pub fn pretty(json: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = json.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('}' | ']')) {
                    if let Some(close) = chars.next() {
                        out.push(close);
                    }
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer_schema() -> ResponseFormat {
        let text =
            r#"{"type":"object","properties":{"answer":{"type":"integer"}},"required":["answer"]}"#;
        ResponseFormat::schema("answer.json", text).unwrap()
    }

    #[test]
    fn the_wire_form_is_the_apis() {
        assert_eq!(
            serde_json::to_value(ResponseFormat::JsonObject).unwrap(),
            serde_json::json!({"type": "json_object"})
        );
        assert_eq!(serde_json::to_value(answer_schema()).unwrap()["json_schema"]["name"], "answer");
        assert_eq!(serde_json::to_value(answer_schema()).unwrap()["type"], "json_schema");
    }

    #[test]
    fn a_valid_reply_is_re_indented_with_its_keys_in_order() {
        let checked =
            check(r#"{"z": 1, "a": [1,2, {}], "s": "x,{y}"}"#, &ResponseFormat::JsonObject);
        assert_eq!(
            checked,
            Checked::Valid {
                pretty: "{\n  \"z\": 1,\n  \"a\": [\n    1,\n    2,\n    {}\n  ],\n  \"s\": \"x,{y}\"\n}"
                    .into()
            }
        );
    }

    #[test]
    fn invalid_json_says_where() {
        let Checked::Invalid(why) = check("{\"a\": 1,\n \"b\" 2}", &ResponseFormat::JsonObject)
        else {
            panic!()
        };
        assert_eq!(why, "not valid JSON: line 2, column 6: expected `:`");
        assert_eq!(
            check("[1]", &ResponseFormat::JsonObject),
            Checked::Invalid("valid JSON, but not an object".into())
        );
    }

    #[test]
    fn a_schema_violation_names_the_path() {
        let Checked::Invalid(why) = check(r#"{"answer": "four"}"#, &answer_schema()) else {
            panic!()
        };
        assert_eq!(
            why,
            r#"does not match the schema answer: at /answer: "four" is not of type "integer""#
        );
        let Checked::Invalid(why) = check("{}", &answer_schema()) else { panic!() };
        assert!(why.contains("at the top level: \"answer\" is a required property"), "{why}");
        assert!(matches!(check(r#"{"answer": 4}"#, &answer_schema()), Checked::Valid { .. }));
    }

    #[test]
    fn a_bad_schema_is_refused_when_given() {
        assert!(ResponseFormat::schema("s", "{").unwrap_err().contains("line 1, column 1"));
        assert!(ResponseFormat::schema("s", "[]").is_err());
        let error = ResponseFormat::schema("s", r#"{"type": 12}"#).unwrap_err();
        assert!(error.starts_with("not a usable JSON Schema"), "{error}");
        let ResponseFormat::JsonSchema { json_schema } =
            ResponseFormat::schema("/tmp/my schema.json", "{}").unwrap()
        else {
            panic!()
        };
        assert_eq!(json_schema.name, "my_schema");
    }
}

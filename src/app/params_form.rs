//! The request-parameters popup (F4): temperature, top_p, max_tokens, seed and JSON replies
//! for this conversation. Tab moves between the fields, Enter saves, Esc cancels. An empty
//! field means the provider's default; a value that does not parse or is out of range is
//! shown as an error in the popup and nothing is saved. The JSON field takes `json` (any
//! object), a JSON Schema typed inline, or the path of a schema file, which the driver
//! reads before anything is saved. Pure, like `update`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::msg::Effect;
use super::state::{Popup, State};
use crate::chat::json::ResponseFormat;
use crate::chat::params::RequestParams;
use crate::store::writer::StoreCmd;

/// The fields, in the order Tab visits them.
pub const FIELDS: [&str; 5] = ["temperature", "top_p", "max_tokens", "seed", "json"];

/// What each field accepts, shown beside it.
pub const HINTS: [&str; 5] =
    ["0 to 2", "0 to 1", "a whole number ≥ 1", "any whole number", "json, a schema file, or {…}"];

/// The JSON field's index.
const JSON: usize = 4;

#[derive(Debug, Clone, Default)]
pub struct ParamsForm {
    /// The text typed in each field of `FIELDS`.
    pub values: [String; 5],
    pub focus: usize,
    /// Why the last Enter saved nothing.
    pub error: Option<String>,
    /// The reply format the conversation had, shown as its name: kept while the field
    /// still reads so.
    kept: Option<(String, ResponseFormat)>,
    /// The parameters waiting for the schema file the driver is reading.
    pending: Option<RequestParams>,
}

pub fn open(state: &mut State) -> Vec<Effect> {
    let params = state.conversation.params.clone();
    let show = |value: Option<String>| value.unwrap_or_default();
    let kept = params.response_format.clone().map(|format| {
        let shown = match &format {
            ResponseFormat::JsonObject => "json".to_owned(),
            ResponseFormat::JsonSchema { json_schema } => format!("schema {}", json_schema.name),
        };
        (shown, format)
    });
    let form = ParamsForm {
        values: [
            show(params.temperature.map(|v| v.to_string())),
            show(params.top_p.map(|v| v.to_string())),
            show(params.max_tokens.map(|v| v.to_string())),
            show(params.seed.map(|v| v.to_string())),
            kept.as_ref().map(|(shown, _)| shown.clone()).unwrap_or_default(),
        ],
        focus: 0,
        error: None,
        kept,
        pending: None,
    };
    state.popup = Some(Popup::Params(Box::new(form)));
    Vec::new()
}

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(Popup::Params(form)) = &mut state.popup else { return Vec::new() };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => state.popup = None,
        KeyCode::Tab | KeyCode::Down => form.focus = (form.focus + 1) % FIELDS.len(),
        KeyCode::BackTab | KeyCode::Up => {
            form.focus = (form.focus + FIELDS.len() - 1) % FIELDS.len();
        }
        KeyCode::Backspace => {
            form.values[form.focus].pop();
            form.error = None;
        }
        KeyCode::Char(c) if !ctrl && !c.is_control() => {
            form.values[form.focus].push(c);
            form.error = None;
        }
        KeyCode::Enter => match parse(&form.values) {
            Ok(mut params) => match reply_format(&form.values[JSON], form.kept.as_ref()) {
                Ok(Format::Now(format)) => {
                    params.response_format = format;
                    state.popup = None;
                    return save(state, params);
                }
                Ok(Format::Read(path)) => {
                    form.pending = Some(params);
                    form.error = None;
                    return vec![Effect::ReadSchema { path }];
                }
                Err(error) => form.error = Some(error),
            },
            Err(error) => form.error = Some(error),
        },
        _ => {}
    }
    Vec::new()
}

/// A paste into the focused field, its lines joined by spaces.
pub fn paste(form: &mut ParamsForm, text: &str) {
    let joined: Vec<&str> = text.lines().map(str::trim).collect();
    form.values[form.focus].push_str(&joined.join(" "));
    form.error = None;
}

/// The JSON field as typed: decided now, or a schema file to read first.
enum Format {
    Now(Option<ResponseFormat>),
    Read(std::path::PathBuf),
}

fn reply_format(text: &str, kept: Option<&(String, ResponseFormat)>) -> Result<Format, String> {
    let text = text.trim();
    if let Some((_, format)) = kept.filter(|(shown, _)| shown == text) {
        return Ok(Format::Now(Some(format.clone())));
    }
    match text {
        "" | "off" | "no" => Ok(Format::Now(None)),
        "json" | "object" | "on" | "yes" => Ok(Format::Now(Some(ResponseFormat::JsonObject))),
        inline if inline.starts_with('{') => ResponseFormat::schema("inline", inline)
            .map(|format| Format::Now(Some(format)))
            .map_err(|e| format!("json: {e}")),
        path => Ok(Format::Read(path.into())),
    }
}

/// The driver read the schema file asked for: the parameters waiting for it are saved with
/// it, or the form says why not.
pub fn schema_read(state: &mut State, result: Result<(String, String), String>) -> Vec<Effect> {
    let Some(Popup::Params(form)) = &mut state.popup else { return Vec::new() };
    let Some(mut params) = form.pending.take() else { return Vec::new() };
    let format = result.and_then(|(name, text)| ResponseFormat::schema(&name, &text));
    match format {
        Ok(format) => {
            params.response_format = Some(format);
            state.popup = None;
            save(state, params)
        }
        Err(error) => {
            form.error = Some(format!("json: {error}"));
            Vec::new()
        }
    }
}

fn save(state: &mut State, params: RequestParams) -> Vec<Effect> {
    state.conversation.params = params.clone();
    let described = params.describe();
    state.notice = Some(if described.is_empty() {
        "parameters: the provider's defaults".to_owned()
    } else {
        format!("parameters for this conversation: {described}")
    });
    if !state.conversation.saved {
        return Vec::new();
    }
    vec![Effect::Store(StoreCmd::SetParams {
        conversation: state.conversation.key,
        json: params.to_json(),
    })]
}

/// The typed fields as parameters, or the first field's problem.
pub fn parse(values: &[String; 5]) -> Result<RequestParams, String> {
    let text = |index: usize| Some(values[index].trim()).filter(|t| !t.is_empty());
    let fraction = |index: usize, max: f64| -> Result<Option<f64>, String> {
        let Some(text) = text(index) else { return Ok(None) };
        match text.parse::<f64>() {
            Ok(value) if (0.0..=max).contains(&value) => Ok(Some(value)),
            _ => Err(format!("{}: `{text}` is not a number from 0 to {max}", FIELDS[index])),
        }
    };
    let max_tokens = match text(2) {
        None => None,
        Some(text) => match text.parse::<u64>() {
            Ok(value) if value >= 1 => Some(value),
            _ => return Err(format!("max_tokens: `{text}` is not a whole number of at least 1")),
        },
    };
    let seed = match text(3) {
        None => None,
        Some(text) => {
            Some(text.parse::<i64>().map_err(|_| format!("seed: `{text}` is not a whole number"))?)
        }
    };
    Ok(RequestParams {
        temperature: fraction(0, 2.0)?,
        top_p: fraction(1, 1.0)?,
        max_tokens,
        seed,
        response_format: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::msg::Msg;
    use crate::app::state::Target;
    use crate::app::update;

    fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
        update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn typed(state: &mut State, text: &str) {
        for c in text.chars() {
            press(state, KeyCode::Char(c));
        }
    }

    fn state() -> State {
        State::new(Target { provider: "p".into(), model: "m".into() }, String::new(), false)
    }

    #[test]
    fn f4_sets_temperature_and_max_tokens_and_the_next_request_carries_them() {
        let mut state = state();
        press(&mut state, KeyCode::F(4));
        typed(&mut state, "0.7");
        press(&mut state, KeyCode::Tab);
        press(&mut state, KeyCode::Tab);
        typed(&mut state, "256");
        press(&mut state, KeyCode::Enter);
        assert!(state.popup.is_none());
        let expected =
            RequestParams { temperature: Some(0.7), max_tokens: Some(256), ..Default::default() };
        assert_eq!(state.conversation.params, expected);
        assert!(state.notice.as_deref().unwrap().contains("temperature 0.7 · max_tokens 256"));
        update(&mut state, Msg::Paste("hi".into()));
        let effects = press(&mut state, KeyCode::Enter);
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::StartRequest { params, .. } if *params == expected))
        );
        assert!(effects.iter().any(|e| matches!(
            e,
            Effect::Store(StoreCmd::SetParams { json, .. }) if json == r#"{"temperature":0.7,"max_tokens":256}"#
        )));
    }

    #[test]
    fn invalid_input_shows_an_error_and_saves_nothing() {
        let mut state = state();
        press(&mut state, KeyCode::F(4));
        typed(&mut state, "hot");
        assert!(press(&mut state, KeyCode::Enter).is_empty());
        let Some(Popup::Params(form)) = &state.popup else { panic!("the popup stays open") };
        assert_eq!(form.error.as_deref(), Some("temperature: `hot` is not a number from 0 to 2"));
        assert!(state.conversation.params.is_empty());
        press(&mut state, KeyCode::BackTab);
        typed(&mut state, "-3");
        press(&mut state, KeyCode::Esc);
        assert!(state.popup.is_none() && state.conversation.params.is_empty());
    }

    #[test]
    fn emptied_fields_go_back_to_the_provider_default_and_a_stored_conversation_saves_them() {
        let mut state = state();
        state.conversation.params.seed = Some(42);
        state.conversation.saved = true;
        press(&mut state, KeyCode::F(4));
        // Back past the JSON field to the seed.
        press(&mut state, KeyCode::BackTab);
        press(&mut state, KeyCode::BackTab);
        press(&mut state, KeyCode::Backspace);
        press(&mut state, KeyCode::Backspace);
        let effects = press(&mut state, KeyCode::Enter);
        assert!(state.conversation.params.is_empty());
        assert!(
            matches!(&effects[..], [Effect::Store(StoreCmd::SetParams { json, .. })] if json == "{}")
        );
        assert_eq!(state.notice.as_deref(), Some("parameters: the provider's defaults"));
    }

    #[test]
    fn ranges_are_checked() {
        let values = |t: &str, p: &str, m: &str, s: &str| {
            [t.into(), p.into(), m.into(), s.into(), "".into()]
        };
        assert!(parse(&values("2.5", "", "", "")).is_err());
        assert!(parse(&values("", "1.5", "", "")).is_err());
        assert!(parse(&values("", "", "0", "")).is_err());
        assert!(parse(&values("", "", "", "1.5")).is_err());
        assert!(parse(&values("NaN", "", "", "")).is_err());
        assert_eq!(parse(&values(" 0 ", "1", "1", "-9")).unwrap().seed, Some(-9));
    }
}

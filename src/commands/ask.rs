//! `rockchat ask`: one question, the reply on stdout as it arrives, errors on stderr with a
//! non-zero exit code. For scripts and pipes. Files (`-f`) go with the prompt as fenced
//! blocks; a preset's few-shot turns and parameters go before it. With `--json` or
//! `--schema` the reply is held until it is whole and checked: only valid JSON reaches
//! stdout, and a reply that is not exits with [`INVALID_JSON`].
//!
//! Output is sanitised like the screen unless `--raw` is given; reasoning is not printed.
//! A request that fails before the server answered is retried like the app's, with a note
//! on stderr; once text was printed it never is. A failure's advice is phrased here, for a
//! shell: the app's keys mean nothing on stderr.

use std::io::Write;

use crate::api::reply::ReplyText;
use crate::api::{ApiClient, ApiError};
use crate::chat::FinishReason;
use crate::chat::context::{self, Outcome};
use crate::chat::json::{self, Checked, ResponseFormat};
use crate::chat::preset::Preset;
use crate::chat::retry::RetryPolicy;
use crate::chat::tools::{Assembly, ToolSpec};
use crate::chat::{Conversation, Keys, Message, Usage};
use crate::config::cli::AskArgs;
use crate::config::settings::Settings;

/// The prompt from the arguments and piped stdin: stdin is context after the argument.
pub fn compose_prompt(args: &[String], stdin: Option<&str>) -> Option<String> {
    let argument = args.join(" ");
    let stdin = stdin.map(str::trim_end).filter(|s| !s.trim().is_empty());
    match (argument.trim().is_empty(), stdin) {
        (true, None) => None,
        (true, Some(text)) => Some(text.to_owned()),
        (false, None) => Some(argument),
        (false, Some(text)) => Some(format!("{argument}\n\n{text}")),
    }
}

fn add_usage(spent: &mut Option<Usage>, usage: Usage) {
    let sum = spent.get_or_insert_with(Usage::default);
    sum.prompt_tokens += usage.prompt_tokens;
    sum.completion_tokens += usage.completion_tokens;
    sum.total_tokens += usage.total_tokens;
    sum.cached_tokens += usage.cached_tokens;
    sum.reasoning_tokens += usage.reasoning_tokens;
}

/// The model's price as the app finds it: the server's list when `ask_server` (`--usage`
/// asks it anyway), then the config's `[models."NAME"]`; else unknown.
async fn price(
    client: &ApiClient,
    settings: &Settings,
    ask_server: bool,
) -> Option<crate::chat::price::Price> {
    let listed = match ask_server {
        true => client.list_models().await.ok().and_then(|models| {
            models.into_iter().find(|m| m.id == settings.model).and_then(|m| m.price)
        }),
        false => None,
    };
    listed.or_else(|| settings.prices.get(&settings.model).copied())
}

/// `--usage`: the tokens the server reported and what they cost, on stderr.
fn report_usage(
    price: Option<crate::chat::price::Price>,
    spent: Option<Usage>,
    err: &mut (dyn Write + Send),
) {
    let Some(usage) = spent else {
        let _ = writeln!(err, "rockchat: usage: the server reported none");
        return;
    };
    let cost = price.map(|price| price.cost(&usage));
    let _ = writeln!(err, "rockchat: usage: {}", crate::chat::price::usage_text(&usage, cost));
}

/// The exit codes `ask` returns besides 0 (documented in `cli::EXIT_CODES`, shown by
/// `--help` and the man page). 1 is any other failure; 2 is clap's, for bad arguments.
pub mod exit {
    /// A reply asked for as JSON that is not valid JSON, or does not match the schema.
    pub const INVALID_JSON: i32 = 3;
    /// The server refused the key, or the key command failed.
    pub const AUTH: i32 = 4;
    /// The server could not be reached or stopped answering.
    pub const NETWORK: i32 = 5;
    /// The server refused or failed the request.
    pub const REFUSED: i32 = 6;
    /// The reply was cut off at the length limit, or filtered.
    pub const CUT_OFF: i32 = 7;
}

pub use exit::INVALID_JSON;

/// The exit code for a failed request.
pub fn exit_code(error: &ApiError) -> i32 {
    match error {
        ApiError::Auth { .. } | ApiError::KeyCommand { .. } => exit::AUTH,
        ApiError::Network { .. } => exit::NETWORK,
        _ => exit::REFUSED,
    }
}

/// A conversation to continue (`ask -c`, `ask --open ID`): as restored from the store, with
/// the keys it was given.
pub struct History {
    pub conversation: Conversation,
    pub keys: Keys,
}

/// Runs the request, writing the reply to `out` and notes to `err`. Returns the exit code
/// and the conversation with the new turn (the prompt, every reply, partial or failed) at its
/// end, for the caller to save.
pub async fn run(
    settings: &Settings,
    args: &AskArgs,
    preset: Option<&Preset>,
    history: Option<History>,
    prompt: String,
    out: &mut (dyn Write + Send),
    err: &mut (dyn Write + Send),
) -> (i32, Conversation) {
    // The same planning as the app: a prompt too long for the model is refused here too.
    let continuing = history.is_some();
    let History { mut conversation, mut keys } = history.unwrap_or_else(|| {
        let mut keys = Keys::default();
        History {
            conversation: Conversation::new(keys.fresh(), settings.system_prompt.clone()),
            keys,
        }
    });
    let code =
        turn(settings, args, preset, continuing, &mut conversation, &mut keys, prompt, out, err)
            .await;
    (code, conversation)
}

#[allow(clippy::too_many_arguments)]
async fn turn(
    settings: &Settings,
    args: &AskArgs,
    preset: Option<&Preset>,
    continuing: bool,
    conversation: &mut Conversation,
    keys: &mut Keys,
    prompt: String,
    out: &mut (dyn Write + Send),
    err: &mut (dyn Write + Send),
) -> i32 {
    let client = match ApiClient::new(settings.endpoint.clone()) {
        Ok(client) => client.with_idle_timeout(settings.idle_timeout),
        Err(error) => return fail(err, &error),
    };
    let mut params = match continuing {
        true => conversation.params.clone(),
        false => preset.map(|preset| preset.params.clone()).unwrap_or_default(),
    };
    // A preset's examples open a new conversation; a continued one has its own history.
    if !continuing {
        for example in preset.map(|preset| preset.messages(keys)).unwrap_or_default() {
            conversation.push(example);
        }
        conversation.params = params.clone();
    }
    match reply_format(args) {
        Ok(Some(format)) => params.response_format = Some(format),
        Ok(None) => {}
        Err(why) => {
            let _ = writeln!(err, "rockchat: {why}");
            return 1;
        }
    }
    let limits = context::limits(&settings.windows, None, None, &settings.model);
    if !continuing {
        conversation.title = crate::app::persist::title_for(&prompt);
    }
    let mut message = Message::user(keys.fresh(), prompt);
    message.parent = conversation.messages().last().map(|m| m.key);
    for path in &args.images {
        match crate::files::load(path) {
            Ok(image) => message.images.push(image),
            Err(why) => {
                let _ = writeln!(err, "rockchat: {why}");
                return 1;
            }
        }
    }
    let counter = crate::tokens::Counter::for_model(&settings.model);
    for path in &args.files {
        match crate::files::attach(path, counter, limits.map(|(window, _)| window)) {
            Ok(file) if file.is_image() => message.images.push(file),
            Ok(file) => message.files.push(file),
            Err(why) => {
                let shown = crate::sanitize::sanitize(&path.display().to_string()).into_owned();
                let why = why.unwrap_or_else(|| format!("cannot attach {shown}: no such file"));
                let _ = writeln!(err, "rockchat: {why}");
                return 1;
            }
        }
    }
    conversation.push(message);
    let tools =
        if args.no_tools { Vec::new() } else { super::tools::connect_all(settings, err).await };
    let mut offered: Vec<ToolSpec> = tools.iter().flat_map(|(_, _, specs)| specs.clone()).collect();
    let plan = context::Request::local(&settings.model, limits);
    let format = params.response_format.clone();
    let mut text = if args.raw { ReplyText::raw() } else { ReplyText::new() };
    let mut ends_with_newline = true;
    // A JSON reply is held until it is whole, so stdout never gets half of an invalid one.
    let mut held = String::new();
    let holding = format.is_some();
    let mut write = |content: &str, out: &mut (dyn Write + Send)| {
        if holding {
            held.push_str(content);
            return;
        }
        if !content.is_empty() {
            ends_with_newline = content.ends_with('\n');
            // A closed pipe (`| head`) is not worth an error message.
            let _ = out.write_all(content.as_bytes()).and_then(|()| out.flush());
        }
    };
    let policy = RetryPolicy { max_retries: settings.max_retries, ..RetryPolicy::default() };
    let mut round = 0;
    // Every round's usage (a tool call makes another request), for `--usage`.
    let mut spent: Option<Usage> = None;
    // The replies of this turn start here (their cost is set once the price is known).
    let first_reply = conversation.messages().len();
    let (result, finish, reply, used) = loop {
        // This round's usage, stored with its reply.
        let mut used: Option<Usage> = None;
        let messages = match context::prepare(conversation, &plan).0 {
            Outcome::Send(messages) => messages,
            // `ask` sends one prompt: nothing before it to continue.
            Outcome::TooLong { needed, window } | Outcome::CannotContinue { window, needed } => {
                let _ = writeln!(
                    err,
                    "rockchat: the prompt needs about {needed} tokens with room for the reply; {}'s window is {window}",
                    settings.model
                );
                return 1;
            }
        };
        let request = client
            .chat_request(&settings.model, messages, !args.no_stream)
            .with_params(&params)
            .with_tools(offered.clone());
        if args.dry_run {
            let json = serde_json::to_string_pretty(&request).unwrap_or_default();
            let _ = writeln!(out, "{json}");
            return 0;
        }
        let mut finish = None;
        let mut calls = Vec::new();
        let mut assembly = Assembly::default();
        let mut reply = String::new();
        let mut attempt = 0;
        let result = loop {
            // Whether the server answered at all: after that a retry could print text twice.
            let mut answered = false;
            let result = if args.no_stream {
                client.complete(&request).await.map(|whole| {
                    let shown = text.push(&whole.content, "").content;
                    reply.push_str(&shown);
                    write(&shown, out);
                    finish = whole.finish;
                    if let Some(usage) = whole.usage {
                        add_usage(&mut spent, usage);
                        add_usage(&mut used, usage);
                    }
                    for delta in whole.tool_calls {
                        assembly.push(&mut calls, delta);
                    }
                })
            } else {
                client
                    .stream(&request, |event| {
                        answered = true;
                        match event {
                            crate::api::StreamEvent::Delta { content, reasoning } => {
                                let shown = text.push(&content, &reasoning).content;
                                reply.push_str(&shown);
                                write(&shown, out)
                            }
                            crate::api::StreamEvent::Finish(reason) => finish = Some(reason),
                            crate::api::StreamEvent::ToolCall(delta) => {
                                assembly.push(&mut calls, delta);
                            }
                            crate::api::StreamEvent::Usage(usage) => {
                                add_usage(&mut spent, usage);
                                add_usage(&mut used, usage);
                            }
                        }
                    })
                    .await
            };
            if let Err(error) = &result
                && !offered.is_empty()
                && let Some(said) = error.refusing_tools()
            {
                // A model or server without tool support: the question goes on without them.
                let _ = writeln!(
                    err,
                    "rockchat: {} does not take tools (the server said: {}); asking without them",
                    settings.model,
                    crate::sanitize::one_line(said, 200)
                );
                break result;
            }
            let wait = match &result {
                Err(error) if !answered => {
                    policy.wait(error.failure(), attempt, u64::from(std::process::id()))
                }
                _ => None,
            };
            let (Some(wait), Err(error)) = (wait, &result) else { break result };
            attempt += 1;
            tracing::info!(%error, attempt, "ask retrying");
            let _ = writeln!(
                err,
                "rockchat: {error}; retrying in {:.1} s ({attempt} of {})",
                wait.as_secs_f64(),
                policy.max_retries
            );
            tokio::time::sleep(wait).await;
        };
        let rest = text.finish().content;
        reply.push_str(&rest);
        write(&rest, out);
        if let Err(error) = &result
            && !offered.is_empty()
            && reply.is_empty()
            && error.refusing_tools().is_some()
        {
            offered.clear();
            continue;
        }
        if result.is_err() || calls.is_empty() {
            break (result, finish, reply, used);
        }
        assembly.finish(&mut calls, round as u64);
        round += 1;
        let mut message = Message::assistant(keys.fresh(), settings.model.clone());
        message.content = reply;
        message.status = crate::chat::Status::Complete;
        message.provider = Some(settings.endpoint.provider.clone());
        message.usage = used;
        message.tool_calls = super::tools::run_calls(calls, &tools, settings, args, err).await;
        conversation.push(message);
        if round >= settings.tools.max_rounds {
            let _ = writeln!(
                err,
                "rockchat: stopped after {round} rounds of tool calls (max_tool_rounds)"
            );
            break (result, finish, String::new(), None);
        }
    };
    // Checked before it is saved, so the store keeps the verdict the app would show.
    let checked = format.as_ref().filter(|_| result.is_ok()).map(|f| json::check(&held, f));
    // The last reply joins the conversation as it ended (whole, cut off, or failed with its
    // partial text), so a saved exchange loses nothing.
    if !reply.is_empty() || result.is_err() || finish.is_some() {
        let mut message = Message::assistant(keys.fresh(), settings.model.clone());
        message.provider = Some(settings.endpoint.provider.clone());
        message.parent = conversation.messages().last().map(|m| m.key);
        message.content = reply;
        message.finish = finish.clone();
        message.usage = used;
        message.json = checked.clone();
        message.status = match &result {
            Ok(()) => crate::chat::Status::Complete,
            Err(error) => crate::chat::Status::Failed(error.to_string()),
        };
        conversation.push(message);
    }
    // Asked after the reply, so the list never holds up its first token.
    let price = price(&client, settings, args.usage).await;
    for index in first_reply..conversation.messages().len() {
        if let Some(message) = conversation.edit(index) {
            message.cost = message.usage.zip(price).map(|(usage, price)| price.cost(&usage));
        }
    }
    if args.usage {
        report_usage(price, spent, err);
    }
    if let Some(checked) = checked {
        return match checked {
            Checked::Valid { .. } => {
                // The JSON as the model wrote it, without the blank lines around it.
                let _ = writeln!(out, "{}", held.trim());
                let _ = out.flush();
                0
            }
            Checked::Invalid(why) => {
                let _ = writeln!(err, "rockchat: the reply is not the JSON asked for: {why}");
                let shown = crate::sanitize::one_line(held.trim(), 300);
                let _ = writeln!(err, "rockchat: the reply was: {shown}");
                if why.starts_with("not valid JSON") || why.starts_with("the reply is empty") {
                    let _ = writeln!(
                        err,
                        "rockchat: a server that ignores response_format answers in prose; \
                         check that it supports JSON replies"
                    );
                }
                INVALID_JSON
            }
        };
    }
    if !ends_with_newline {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
    if let Err(error) = result {
        return fail(err, &error);
    }
    if let Some(notice) = finish.as_ref().and_then(FinishReason::notice) {
        let _ = writeln!(err, "rockchat: note: the reply was {notice}");
        if matches!(finish, Some(FinishReason::Length | FinishReason::ContentFilter)) {
            return exit::CUT_OFF;
        }
    }
    0
}

/// `--json` or `--schema FILE` as a `response_format`; `--schema` wins.
fn reply_format(args: &AskArgs) -> Result<Option<ResponseFormat>, String> {
    if let Some(path) = &args.schema {
        let (name, text) = crate::files::read_schema(path)?;
        return ResponseFormat::schema(&name, &text)
            .map(Some)
            .map_err(|why| format!("--schema: {why}"));
    }
    Ok(args.json.then_some(ResponseFormat::JsonObject))
}

fn fail(err: &mut (dyn Write + Send), error: &ApiError) -> i32 {
    // The client already redacted the key from every error.
    tracing::warn!(%error, "ask failed");
    let _ = writeln!(err, "rockchat: {}", cli_message(error));
    exit_code(error)
}

/// Headline and advice for stderr.
fn cli_message(error: &ApiError) -> String {
    match advice(error) {
        Some(advice) => format!("{error}. {advice}"),
        None => error.to_string(),
    }
}

/// What to do next, for someone at a shell; `None` where running it again is all there is
/// to say.
fn advice(error: &ApiError) -> Option<String> {
    let advice = match error {
        ApiError::Auth { key_hint, .. } => format!("Check the API key: {key_hint}."),
        ApiError::NotFound { url, model, .. } => {
            format!("Check the base URL ({url}) and the model name ({model}).")
        }
        ApiError::RateLimited { retry_after: Some(wait), .. } => {
            format!("The server asks to wait {} s.", wait.as_secs().max(1))
        }
        ApiError::RateLimited { retry_after: None, .. } => {
            "Wait a moment, or check your plan's quota.".to_owned()
        }
        ApiError::ContextOverflow { .. } => {
            "The prompt is longer than the model's context window: shorten it or use a model with a larger window.".to_owned()
        }
        ApiError::ImagesRefused { .. } => {
            "This model does not take images: ask without --image, or use a model that does."
                .to_owned()
        }
        ApiError::Http { status, .. } if *status >= 500 => "The server failed.".to_owned(),
        ApiError::Http { status: 300..=399, .. } => {
            "Check the base URL: the server sends requests elsewhere.".to_owned()
        }
        ApiError::Http { message, .. } if crate::api::refuses_response_format(message) => {
            "This server does not take response_format (JSON replies): ask without --json or --schema, or use a server that supports them.".to_owned()
        }
        ApiError::Http { .. } => "Check the request settings.".to_owned(),
        ApiError::Network { .. } => "Check that the server is running and reachable.".to_owned(),
        ApiError::InStream { .. } | ApiError::Protocol { .. } => return None,
        ApiError::KeyCommand { .. } => {
            "Check the provider's api_key_cmd in the config (run it in a shell to see why).".to_owned()
        }
    };
    Some(advice)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn errors_on_stderr_advise_without_the_apps_keys() {
        let cases = [
            (
                ApiError::Auth {
                    status: 401,
                    message: "Incorrect API key provided".into(),
                    key_hint: "it was read from ROCKAPI_API_KEY".into(),
                },
                "HTTP 401: Incorrect API key provided. Check the API key: it was read from ROCKAPI_API_KEY.",
            ),
            (
                ApiError::NotFound {
                    message: "model not found".into(),
                    url: "http://127.0.0.1:9/v1".into(),
                    model: "tiny-llama".into(),
                },
                "HTTP 404: model not found. Check the base URL (http://127.0.0.1:9/v1) and the model name (tiny-llama).",
            ),
            (
                ApiError::RateLimited {
                    message: "slow down".into(),
                    retry_after: Some(Duration::from_millis(200)),
                },
                "HTTP 429: slow down. The server asks to wait 1 s.",
            ),
            (
                ApiError::RateLimited { message: "slow down".into(), retry_after: None },
                "HTTP 429: slow down. Wait a moment, or check your plan's quota.",
            ),
            (
                ApiError::context_overflow(400, "too long".into()),
                "HTTP 400: too long. The prompt is longer than the model's context window: shorten it or use a model with a larger window.",
            ),
            (
                ApiError::Http { status: 503, message: "overloaded".into(), retry_after: None },
                "HTTP 503: overloaded. The server failed.",
            ),
            (
                ApiError::Http {
                    status: 400,
                    message: "bad temperature".into(),
                    retry_after: None,
                },
                "HTTP 400: bad temperature. Check the request settings.",
            ),
            (
                ApiError::Network {
                    message: "cannot connect to http://x (Connection refused)".into(),
                },
                "cannot connect to http://x (Connection refused). Check that the server is running and reachable.",
            ),
            (
                ApiError::InStream { message: "oops".into() },
                "the server reported an error mid-reply: oops",
            ),
            (ApiError::Protocol { message: "not JSON".into() }, "not JSON"),
            (
                ApiError::Http {
                    status: 307,
                    message:
                        "the server redirected the request to http://elsewhere/v1, another origin"
                            .into(),
                    retry_after: None,
                },
                "HTTP 307: the server redirected the request to http://elsewhere/v1, another origin. Check the base URL: the server sends requests elsewhere.",
            ),
            (
                ApiError::KeyCommand { provider: "lab".into(), message: "`false` failed".into() },
                "cannot get the API key for provider `lab`: `false` failed. Check the provider's api_key_cmd in the config (run it in a shell to see why).",
            ),
        ];
        for (error, printed) in cases {
            assert_eq!(cli_message(&error), printed);
        }
    }

    #[test]
    fn stdin_is_appended_after_the_argument_as_context() {
        let args = vec!["summarise".to_owned(), "this:".to_owned()];
        assert_eq!(
            compose_prompt(&args, Some("line one\nline two\n")).as_deref(),
            Some("summarise this:\n\nline one\nline two")
        );
        assert_eq!(compose_prompt(&[], Some("only stdin")).as_deref(), Some("only stdin"));
        assert_eq!(compose_prompt(&args, None).as_deref(), Some("summarise this:"));
        assert_eq!(compose_prompt(&[], Some("  \n")), None);
    }
}

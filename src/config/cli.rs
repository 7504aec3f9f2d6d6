//! Command-line arguments. Flags shared by both modes are global, so
//! `rockchat --model X ask ...` and `rockchat ask --model X ...` both work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "rockchat",
    version,
    about = "Chat with OpenAI-compatible models in your terminal"
)]
pub struct Cli {
    /// Config file (default: the platform config dir's rockchat/config.toml, if present).
    #[arg(long, global = true, env = "ROCKCHAT_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Provider from the config (default: the config's `provider`).
    #[arg(long, global = true, value_name = "NAME")]
    pub provider: Option<String>,
    /// Server base URL, e.g. http://localhost:8080/v1 (also OPENAI_BASE_URL). It gets no
    /// API key unless --api-key-env names one.
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// The environment variable holding the key to send, instead of the provider's own
    /// (the only way a --base-url server gets a key).
    #[arg(long, global = true, value_name = "NAME")]
    pub api_key_env: Option<String>,
    /// Model name (default: the provider's `model`).
    #[arg(long, short = 'm', global = true)]
    pub model: Option<String>,
    /// System message for the conversation (default: config `system_prompt`).
    #[arg(long, short = 's', global = true, value_name = "TEXT")]
    pub system: Option<String>,
    /// Start from a preset: `[presets.NAME]` in the config, or one saved in the app. Its
    /// provider, model and system message give way to the flags above.
    #[arg(long, global = true, value_name = "NAME")]
    pub preset: Option<String>,
    /// Reopen the most recent conversation.
    #[arg(long = "continue", short = 'c')]
    pub resume_latest: bool,
    /// Reopen the conversation with this id (see `rockchat list`).
    #[arg(long, value_name = "ID", conflicts_with = "resume_latest")]
    pub open: Option<i64>,
    /// Run inline: no alternate screen; finished messages go into the terminal's own
    /// scrollback and stay there after quitting (config: `screen = "inline"`).
    #[arg(long)]
    pub inline: bool,
    /// How much goes to the log file in the data dir (default: info; the ROCKCHAT_LOG
    /// variable takes a full filter instead).
    #[arg(long, global = true, value_enum, value_name = "LEVEL")]
    pub log_level: Option<LogLevel>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Ask one question and print the reply (for scripts). Reads stdin as extra context.
    Ask(AskArgs),
    /// List the models the provider's server offers.
    Models,
    /// List saved conversations, newest first.
    List {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Search the text of every saved message.
    Search {
        #[arg(required = true)]
        query: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Print a conversation.
    Show { id: i64 },
    /// Export a conversation: json is an OpenAI request body (replayable with curl) plus metadata.
    Export {
        id: i64,
        #[arg(long, value_enum, default_value_t = ExportFormat::Md)]
        format: ExportFormat,
    },
    /// Import conversations: rockchat's JSON export, or a ChatGPT export's conversations.json.
    Import { file: PathBuf },
    /// Delete a conversation and all its messages.
    Delete { id: i64 },
    /// Tokens and cost of the replies over a period, by day, model or provider.
    Stats {
        /// How far back: hours, days or weeks (12h, 30d, 2w), or `all`.
        #[arg(long, default_value = "30d", value_name = "PERIOD")]
        since: String,
        /// Group by day, model or provider.
        #[arg(long, value_enum, default_value_t = default_group())]
        by: crate::store::stats::GroupBy,
        /// Print JSON (costs as exact decimal dollars, null when unknown).
        #[arg(long)]
        json: bool,
    },
    /// Write a consistent copy of the whole database to FILE.
    Backup { file: PathBuf },
    /// Start each configured MCP server and list its tools (exits 1 if one fails).
    Tools,
    /// Print the keys in effect: every action's name (as `[keys]` and the command palette
    /// name it), its keys, and what it does.
    Keys,
    /// The config file: where it is, what is in effect, what is wrong with it.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum ConfigAction {
    /// Print the config file's path (whether or not the file exists yet).
    Path,
    /// Print the config in effect (the defaults with your file over them), secrets redacted.
    Show,
    /// Report every mistake in the config file at once; exit status 1 if there is any.
    Check,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

fn default_group() -> crate::store::stats::GroupBy {
    crate::store::stats::GroupBy::Day
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Json,
    Md,
}

#[derive(Debug, Clone, Args)]
pub struct AskArgs {
    /// The prompt; stdin, if piped, is appended after it.
    pub prompt: Vec<String>,
    /// Wait for the whole reply instead of streaming it.
    #[arg(long)]
    pub no_stream: bool,
    /// Print the model's bytes unchanged, terminal escape sequences included.
    #[arg(long)]
    pub raw: bool,
    /// Print the exact JSON request that would be sent (after trimming), and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Attach an image (PNG, JPEG, GIF or WebP) to the prompt; repeat for more.
    #[arg(long = "image", short = 'i', value_name = "FILE")]
    pub images: Vec<std::path::PathBuf>,
    /// Run every tool call the model makes, without asking.
    #[arg(long, conflicts_with = "no_tools")]
    pub yes: bool,
    /// Run calls to this tool without asking; repeat for more. Other calls are refused.
    #[arg(long, value_name = "TOOL")]
    pub approve: Vec<String>,
    /// Offer no tools (start no MCP server).
    #[arg(long)]
    pub no_tools: bool,
    /// Attach a text file (sent after the prompt as a fenced block under its name), or an
    /// image; repeat for more. Binary files and files too long for the model are refused.
    #[arg(long = "file", short = 'f', value_name = "FILE")]
    pub files: Vec<std::path::PathBuf>,
    /// Ask for a JSON object (`response_format`); prints only the JSON, and exits with 3
    /// when the reply is not valid JSON.
    #[arg(long)]
    pub json: bool,
    /// Ask for JSON valid against the JSON Schema in FILE; exits with 3 when the reply does
    /// not match it.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<std::path::PathBuf>,
    /// Print the tokens the reply used and what they cost to stderr.
    #[arg(long)]
    pub usage: bool,
}

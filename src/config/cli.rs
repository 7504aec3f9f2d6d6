//! Command-line arguments. Each subcommand shows only the flags that apply to it; the
//! flags that pick a server and a model are the full-screen app's and `ask`'s (and the
//! server's alone for `models`), and given before `ask` they still apply to it, so
//! `rockchat --model X ask ...` and `rockchat ask --model X ...` both work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "rockchat",
    version,
    about = "Chat with OpenAI-compatible models in your terminal",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Config file (default: the platform config dir's rockchat/config.toml, if present).
    #[arg(long, global = true, env = "ROCKCHAT_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub target: Target,
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

/// The exit codes, for `--help` and the man page.
pub const EXIT_CODES: &str = "Exit codes:
  0  success
  1  failure (no match for `search`, no such conversation, a file that cannot be read)
  2  usage: a bad argument or flag
  3  `ask --json`/`--schema`: the reply is not the JSON asked for
  4  `ask`: the server refused the API key (or the key command failed)
  5  `ask`: the server could not be reached, or stopped answering (network, timeout)
  6  `ask`: the server refused or failed the request (an HTTP error, an error mid-reply)
  7  `ask`: the reply was cut off (length) or filtered (content filter); it was printed";

/// Where a request goes and what it says first: the flags of the full-screen app and `ask`.
#[derive(Debug, Clone, Default, Args)]
pub struct Target {
    #[command(flatten)]
    pub server: Server,
    /// Model name (default: the provider's `model`).
    #[arg(long, short = 'm', value_name = "MODEL")]
    pub model: Option<String>,
    /// System message for the conversation (default: config `system_prompt`).
    #[arg(long, short = 's', value_name = "TEXT")]
    pub system: Option<String>,
    /// Start from a preset: `[presets.NAME]` in the config, or one saved in the app. Its
    /// provider, model and system message give way to the flags above.
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
}

/// Which server to talk to: the flags of every command that makes a request.
#[derive(Debug, Clone, Default, Args)]
pub struct Server {
    /// Provider from the config (default: the config's `provider`).
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// Server base URL, e.g. http://localhost:8080/v1 (also OPENAI_BASE_URL). It gets no
    /// API key unless --api-key-env names one.
    #[arg(long, value_name = "URL", value_hint = clap::ValueHint::Url)]
    pub base_url: Option<String>,
    /// The environment variable holding the key to send, instead of the provider's own
    /// (the only way a --base-url server gets a key).
    #[arg(long, value_name = "NAME")]
    pub api_key_env: Option<String>,
}

impl Target {
    /// These flags, each given here or else in `outer` (`rockchat -m X ask` and
    /// `rockchat ask -m X` both work; the later one wins).
    pub fn or(&self, outer: &Target) -> Target {
        Target {
            server: self.server.or(&outer.server),
            model: self.model.clone().or_else(|| outer.model.clone()),
            system: self.system.clone().or_else(|| outer.system.clone()),
            preset: self.preset.clone().or_else(|| outer.preset.clone()),
        }
    }
}

impl Server {
    pub fn or(&self, outer: &Server) -> Server {
        Server {
            provider: self.provider.clone().or_else(|| outer.provider.clone()),
            base_url: self.base_url.clone().or_else(|| outer.base_url.clone()),
            api_key_env: self.api_key_env.clone().or_else(|| outer.api_key_env.clone()),
        }
    }
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Ask one question and print the reply (for scripts). Reads stdin as extra context.
    /// The exchange is saved as a conversation unless --no-save is given.
    Ask(Box<AskArgs>),
    /// List the models the provider's server offers.
    Models {
        #[command(flatten)]
        server: Server,
        /// Print a JSON array (`id`, `context_window`) for scripts.
        #[arg(long)]
        json: bool,
    },
    /// List saved conversations, newest first.
    List {
        /// How many to list.
        #[arg(long, default_value_t = 50, value_name = "N")]
        limit: usize,
        /// Print a JSON array for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Search every saved message (words, word beginnings, any part of a word, CJK);
    /// one row per conversation, best match first. Exits 1 when nothing matches.
    Search {
        /// The words to find; a conversation matches when one message holds them all.
        #[arg(required = true, value_name = "WORDS")]
        query: Vec<String>,
        /// How many conversations to list.
        #[arg(long, default_value_t = 20, value_name = "N")]
        limit: usize,
        /// Print a JSON array for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Print a conversation (the branch on screen) as markdown.
    Show {
        /// The conversation's id (see `rockchat list`).
        #[arg(value_name = "ID")]
        id: i64,
        /// Print it as JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Export a conversation: markdown, HTML, the request body (replay it with
    /// `curl -d @file`), or a full archive that `import` restores losslessly.
    Export {
        /// The conversation's id (see `rockchat list`).
        #[arg(value_name = "ID", required_unless_present = "all")]
        id: Option<i64>,
        /// Every conversation (with --format archive).
        #[arg(long, conflicts_with = "id")]
        all: bool,
        /// What to write.
        #[arg(long, value_enum, default_value_t = ExportFormat::Md)]
        format: ExportFormat,
    },
    /// Import conversations: rockchat's archive or JSON export, or a ChatGPT export's
    /// conversations.json. Importing a file again adds only what is new.
    Import {
        /// The file to read.
        #[arg(value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
        file: PathBuf,
    },
    /// Delete a conversation and all its messages.
    Delete {
        /// The conversation's id (see `rockchat list`).
        #[arg(value_name = "ID")]
        id: i64,
    },
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
    /// Write a consistent copy of the whole database to FILE (which must not exist).
    Backup {
        /// Where to write the copy.
        #[arg(value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
        file: PathBuf,
    },
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
    /// Print a shell completion script, e.g. `rockchat completions bash >
    /// ~/.local/share/bash-completion/completions/rockchat`.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
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
    /// Markdown, for reading.
    Md,
    /// A self-contained HTML page, for sharing.
    Html,
    /// The request body `ask --no-stream --dry-run` sends (replay it with `curl -d @file`).
    #[value(alias = "request")]
    Json,
    /// Everything: every branch, pins, parameters, attachments, timestamps, provider and
    /// model per reply. `rockchat import` restores it.
    Archive,
}

#[derive(Debug, Clone, Args)]
pub struct AskArgs {
    /// The prompt; stdin, if piped, is appended after it.
    #[arg(value_name = "PROMPT")]
    pub prompt: Vec<String>,
    #[command(flatten)]
    pub target: Target,
    /// Continue the most recent conversation (its history goes with the prompt).
    #[arg(long = "continue", short = 'c')]
    pub continue_latest: bool,
    /// Continue the conversation with this id (see `rockchat list`).
    #[arg(long, value_name = "ID", conflicts_with = "continue_latest")]
    pub open: Option<i64>,
    /// Do not save this exchange (by default it is saved, and `rockchat list` shows it).
    #[arg(long)]
    pub no_save: bool,
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

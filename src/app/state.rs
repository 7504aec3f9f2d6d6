//! The app state: the conversation with its full history, the input, the request in flight
//! and how the user wants the transcript shown. The main task owns it; `update` changes it,
//! the screen reads it. It holds intent, never layout: no rows, no widths, no theme.
//!
//! Nothing here does IO or reads a clock: times arrive inside messages.

use std::time::Instant;

use super::msg::RequestId;
use crate::api::reply::ReplyText;
use crate::chat::retry::RetryPolicy;
use crate::chat::{Conversation, Keys, Message, Usage};

/// The request in flight, if any.
#[derive(Debug, Clone)]
pub enum Stream {
    Idle,
    /// Sent; nothing has arrived yet. `reply` indexes the assistant message once it exists.
    Waiting {
        id: RequestId,
        user_index: usize,
        /// 0 for the first try, then 1, 2, … for retries.
        attempt: u32,
        /// Already retried once after the server said the prompt was too long.
        shrunk: bool,
    },
    /// The last try failed before any reply arrived; try `id` starts at `at`.
    Backoff {
        id: RequestId,
        user_index: usize,
        attempt: u32,
        at: Instant,
        error: String,
        /// The server said too many requests (429): the countdown says so.
        rate_limited: bool,
    },
    /// Text is arriving into `messages[reply]`.
    Receiving {
        id: RequestId,
        reply: usize,
        text: Box<ReplyText>,
        first_at: Instant,
        last_at: Instant,
        /// When the partial text last went to the store, and whether it changed since.
        saved_at: Instant,
        unsaved: bool,
        deltas: u64,
        /// Puts the reply's tool call pieces together.
        calls: Box<crate::chat::tools::Assembly>,
    },
}

impl Stream {
    pub fn id(&self) -> Option<RequestId> {
        match self {
            Self::Idle => None,
            Self::Waiting { id, .. } | Self::Receiving { id, .. } | Self::Backoff { id, .. } => {
                Some(*id)
            }
        }
    }

    pub fn is_busy(&self) -> bool {
        !matches!(self, Self::Idle)
    }
}

/// An overlay that takes the keys while open.
#[derive(Debug, Clone)]
pub enum Popup {
    /// The keys (F1), scrolled down by this many rows.
    Help { scroll: usize },
    /// Editing the conversation's system message.
    System(Box<super::editor::Editor>),
    /// The list of saved conversations.
    Library(Box<super::library::Library>),
    /// The model picker.
    Models(Box<super::picker::Picker>),
    /// The conversation's request parameters (F4).
    Params(Box<super::params_form::ParamsForm>),
    /// The command palette (`/` on an empty draft).
    Palette(Box<super::palette::Palette>),
    /// The MCP servers and their tools (F7).
    Tools(super::tools::ToolsPopup),
    /// Ctrl+N with presets: which to start from.
    Presets(Box<super::presets::PresetPicker>),
    /// `/save preset`: the name being typed.
    SavePreset(Box<super::editor::Editor>),
    /// `/context`: the next request part by part.
    Context(Box<super::breakdown::Breakdown>),
}

/// How the transcript is to be shown: the user's intent. Where that puts each line is the
/// screen's to work out when it draws, since only it knows how many rows a message takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct View {
    pub scroll: Scroll,
    pub show_reasoning: bool,
    /// Each reply's usage and cost under it (F8, `show_usage`).
    pub show_usage: bool,
    /// What the last frame showed, as the driver reported it: where relative moves start.
    pub shown: Option<Shown>,
}

/// Where the transcript is scrolled to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scroll {
    /// The newest line at the bottom, following a reply as it streams.
    #[default]
    Follow,
    /// The pane's top row is row `line` of message `index`, counted from the message's first
    /// row; a row before it or past its end lies in the messages around it, and the ends of
    /// the transcript stop it. Text arriving below never moves it.
    Anchor { index: usize, line: isize },
    /// The oldest line at the top.
    Top,
    /// Message `index` in view, moving as little as possible from what was shown.
    Reveal(usize),
}

/// What the transcript pane showed in a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shown {
    /// The message and its row at the pane's top.
    pub top: (usize, usize),
    /// The pane's height in rows.
    pub height: u16,
    /// The newest line was on screen.
    pub at_bottom: bool,
    /// The draft's width in columns, where Up and Down move by wrapped rows.
    pub input_width: u16,
    /// The row the keys list (F1) showed at its top, held within the list.
    pub help_top: Option<usize>,
}

/// The provider and model the next request goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub provider: String,
    pub model: String,
}

#[derive(Debug, Clone)]
pub struct State {
    pub conversation: Conversation,
    /// Names every conversation and message created in this run.
    pub keys: Keys,
    pub input: super::editor::Editor,
    /// Earlier prompts, for Up and Down in the draft.
    pub history: super::history::History,
    /// Images and files that go with the draft; sent, and cleared, with it.
    pub attachments: Vec<crate::chat::attachment::Attachment>,
    /// The next Enter adds the draft as a turn of this role without sending (Alt+A, Alt+U
    /// on an empty draft).
    pub turn_as: Option<crate::chat::Role>,
    /// Presets from the config and saved ones, offered by Ctrl+N.
    pub presets: super::presets::Presets,
    pub stream: Stream,
    pub next_id: RequestId,
    pub target: Target,
    pub view: View,
    pub popup: Option<Popup>,
    /// The message picked in select mode (Tab, Ctrl+Up), if that mode is on.
    pub selection: Option<super::select::Selection>,
    /// A past prompt being edited in the input; sending it starts a new branch.
    pub editing: Option<super::select::Editing>,
    /// A one-line hint shown in the status line until the next key.
    pub notice: Option<String>,
    /// Writes are waiting on the store ("not saved yet: disk full, retrying"): shown in the
    /// status line until the store says they are on disk.
    pub unsaved: Option<String>,
    pub last_usage: Option<Usage>,
    /// What the replies on screen used and cost, kept current by `update`.
    pub spent: super::spend::Totals,
    pub mouse: bool,
    /// Advances on each tick, for the waiting spinner.
    pub frame: u64,
    pub quitting: bool,
    pub retry: RetryPolicy,
    /// The latest time seen in a message, for countdowns.
    pub now: Option<Instant>,
    /// What the next request would cost against the model's window.
    pub meter: Option<crate::chat::context::Meter>,
    /// The tokenizers the meter may use and the counts it keeps between keys.
    pub counting: super::meter::Counting,
    /// The models on offer, for the picker.
    pub catalog: super::picker::Catalog,
    /// Known windows by model (config, or learned from an overflow error): window and
    /// reply reserve, the reserve defaulted when not given.
    pub windows: std::collections::BTreeMap<String, (usize, Option<usize>)>,
    /// Prices by model from the config, used where the server lists none.
    pub prices: std::collections::BTreeMap<String, crate::chat::price::Price>,
    /// Ask the provider's model list at start, for its prices (`list_prices` in its
    /// config table: OpenRouter's lists them).
    pub list_prices: bool,
    /// The config's `favorites`, resolved, for F2 and Shift+F2.
    pub favorites: Vec<Target>,
    /// The system message a new conversation starts with, so a different one can be shown.
    pub default_system: String,
    /// The draft of the conversation not started yet, kept while another one is open.
    pub fresh_draft: String,
    /// A switch away from a conversation whose reply is still arriving, asked once; the
    /// same key again confirms it.
    pub armed: Option<super::bindings::Action>,
    /// The default provider has no key: the empty screen says so and offers other servers.
    pub first_run: Option<super::first_run::FirstRun>,
    /// The model was not chosen (a server's URL given without one): at start the server is
    /// asked for its models, and one it does not serve gives way to one it does.
    pub guessed_model: bool,
    /// F1 inside a popup: its keys are shown over it until the next key.
    pub popup_keys: bool,
    /// What servers said about their models (window, calibration, images), kept across
    /// restarts.
    pub learned: crate::chat::learned::Learnings,
    /// The current server's token counts.
    pub server: super::server::ServerState,
    /// What the request in flight was counted as.
    pub sent: Option<super::server::Sent>,
    /// MCP servers, the conversation's choice of them, and the calls being dealt with.
    pub tools: super::tools::Tools,
    /// Prompts sent while a reply streamed, waiting their turn.
    pub queue: super::queue::Queue,
    /// The terminal has the user's focus (as its focus events say; true until one does).
    pub focused: bool,
    /// How a reply that ends while the terminal is unfocused is told.
    pub notify: super::ping::Notify,
    /// The conversation on screen is only the tail of a stored one, the whole being read.
    pub partial: Option<super::tail::Partial>,
}

impl State {
    pub fn new(target: Target, system: String, mouse: bool) -> Self {
        let mut keys = Keys::default();
        Self {
            conversation: Conversation::new(keys.fresh(), system.clone()),
            default_system: system,
            keys,
            input: super::editor::Editor::new(),
            history: super::history::History::default(),
            attachments: Vec::new(),
            turn_as: None,
            presets: Default::default(),
            stream: Stream::Idle,
            next_id: 1,
            target,
            view: View::default(),
            popup: None,
            selection: None,
            editing: None,
            notice: None,
            unsaved: None,
            last_usage: None,
            spent: Default::default(),
            mouse,
            frame: 0,
            quitting: false,
            retry: RetryPolicy::default(),
            now: None,
            meter: None,
            counting: super::meter::Counting::default(),
            catalog: super::picker::Catalog::default(),
            windows: std::collections::BTreeMap::new(),
            prices: std::collections::BTreeMap::new(),
            list_prices: false,
            favorites: Vec::new(),
            fresh_draft: String::new(),
            armed: None,
            first_run: None,
            guessed_model: false,
            popup_keys: false,
            learned: crate::chat::learned::Learnings::default(),
            server: super::server::ServerState::default(),
            sent: None,
            tools: super::tools::Tools::default(),
            queue: super::queue::Queue::default(),
            focused: true,
            notify: super::ping::Notify::default(),
            partial: None,
        }
    }

    /// The message being selected, if select mode is on and it still exists.
    pub fn selected(&self) -> Option<(usize, &Message)> {
        let index = self.selection.as_ref()?.index;
        Some((index, self.conversation.messages().get(index)?))
    }

    /// True while something on screen moves by itself.
    pub fn is_animating(&self) -> bool {
        self.stream.is_busy() || self.tools.is_running()
    }
}

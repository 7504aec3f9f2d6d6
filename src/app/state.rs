//! The app state: the conversation with its full history, the input, the request in flight
//! and the view. The main task owns it; `update` changes it, `render` reads it.
//!
//! Nothing here does IO or reads a clock: times arrive inside messages.

use std::time::Instant;

use ratatui_textarea::TextArea;

use super::msg::RequestId;
use crate::api::reply::ReplyText;
use crate::chat::retry::RetryPolicy;
use crate::chat::{Conversation, Keys, Message, Usage};
use crate::ui::theme::Theme;
use crate::ui::transcript::TranscriptCache;

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
    Help,
    /// Editing the conversation's system message.
    System(Box<TextArea<'static>>),
    /// The list of saved conversations.
    Library(Box<super::library::Library>),
    /// The model picker.
    Models(Box<super::picker::Picker>),
    /// The conversation's request parameters (F4).
    Params(Box<super::params_form::ParamsForm>),
}

/// What the transcript shows and where.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// Lines scrolled up from the bottom; 0 follows the newest text.
    pub scroll_up: usize,
    /// The whole terminal.
    pub terminal: (u16, u16),
    /// The transcript pane, derived from the terminal and the input's height.
    pub width: u16,
    pub height: u16,
    pub show_reasoning: bool,
    /// Scroll the selected message into view at the next frame (its lines are known then).
    pub reveal: bool,
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
    pub input: TextArea<'static>,
    /// Images that go with the draft; sent, and cleared, with it.
    pub attachments: Vec<crate::chat::attachment::Attachment>,
    pub stream: Stream,
    pub next_id: RequestId,
    pub target: Target,
    pub view: View,
    pub transcript: TranscriptCache,
    pub popup: Option<Popup>,
    /// The message picked in select mode (Tab, Ctrl+Up), if that mode is on.
    pub selection: Option<super::select::Selection>,
    /// A past prompt being edited in the input; sending it starts a new branch.
    pub editing: Option<super::select::Editing>,
    /// A one-line hint shown in the status line until the next key.
    pub notice: Option<String>,
    pub last_usage: Option<Usage>,
    pub mouse: bool,
    pub theme: Theme,
    /// Advances on each tick, for the waiting spinner.
    pub frame: u64,
    pub quitting: bool,
    pub retry: RetryPolicy,
    /// The latest time seen in a message, for countdowns.
    pub now: Option<Instant>,
    /// What the next request would cost against the model's window.
    pub meter: Option<crate::chat::context::Meter>,
    /// The models on offer, for the picker.
    pub catalog: super::picker::Catalog,
    /// Known windows by model (config, or learned from an overflow error): window and
    /// reply reserve, the reserve defaulted when not given.
    pub windows: std::collections::BTreeMap<String, (usize, Option<usize>)>,
    /// The config's `favorites`, resolved, for F2 and Shift+F2.
    pub favorites: Vec<Target>,
}

impl State {
    pub fn new(target: Target, system: String, mouse: bool) -> Self {
        let mut keys = Keys::default();
        Self {
            conversation: Conversation::new(keys.fresh(), system),
            keys,
            input: crate::ui::input::new_textarea(Vec::new()),
            attachments: Vec::new(),
            stream: Stream::Idle,
            next_id: 1,
            target,
            view: View::default(),
            transcript: TranscriptCache::default(),
            popup: None,
            selection: None,
            editing: None,
            notice: None,
            last_usage: None,
            mouse,
            theme: Theme::default(),
            frame: 0,
            quitting: false,
            retry: RetryPolicy::default(),
            now: None,
            meter: None,
            catalog: super::picker::Catalog::default(),
            windows: std::collections::BTreeMap::new(),
            favorites: Vec::new(),
        }
    }

    /// Brings cached layout up to date; call once before drawing a batch of changes.
    pub fn prepare_frame(&mut self) {
        let panes = crate::ui::layout::panes(self.view.terminal, self.input.lines().len());
        self.view.width = panes.transcript.width;
        self.view.height = panes.transcript.height;
        let width = self.view.width;
        let before = self.transcript.total_lines();
        let changed_from = self.conversation.take_changed_from();
        self.transcript.sync(
            self.conversation.messages(),
            changed_from,
            width,
            self.view.show_reasoning,
            &self.theme,
        );
        let after = self.transcript.total_lines();
        // A reader who scrolled up keeps looking at the same text while new lines arrive.
        if self.view.scroll_up > 0 && after > before {
            self.view.scroll_up = self.view.scroll_up.saturating_add(after - before);
        }
        // Older messages are laid out on demand: what is shown, two pages above it so paging
        // up finds its lines ready, and the selected message.
        let height = self.view.height as usize;
        let needed = self.view.scroll_up.saturating_add(height.saturating_mul(3));
        let messages = self.conversation.messages();
        self.transcript.lay_out_above(messages, needed);
        if let Some(selection) = &self.selection {
            self.transcript.lay_out_down_to(messages, selection.index);
        }
        if std::mem::take(&mut self.view.reveal)
            && let Some(selection) = &self.selection
            && let Some((top, height)) = self.transcript.span(selection.index)
        {
            let total = self.transcript.total_lines();
            self.view.scroll_up = reveal(self.view.scroll_up, top, height, total, self.view.height);
        }
        self.view.scroll_up = self.view.scroll_up.min(self.max_scroll());
    }

    pub fn max_scroll(&self) -> usize {
        self.transcript.total_lines().saturating_sub(self.view.height as usize)
    }

    /// The message being selected, if select mode is on and it still exists.
    pub fn selected(&self) -> Option<(usize, &Message)> {
        let index = self.selection.as_ref()?.index;
        Some((index, self.conversation.messages().get(index)?))
    }

    /// True while something on screen moves by itself.
    pub fn is_animating(&self) -> bool {
        self.stream.is_busy()
    }
}

/// The scroll that shows lines `top..top + height` of `total`, moving as little as it can;
/// a message taller than the pane shows its start.
fn reveal(scroll_up: usize, top: usize, height: usize, total: usize, pane: u16) -> usize {
    let pane = pane as usize;
    let bottom = total.saturating_sub(scroll_up);
    let visible_top = bottom.saturating_sub(pane);
    if top < visible_top || height > pane {
        total.saturating_sub(top + pane)
    } else if top + height > bottom {
        total.saturating_sub(top + height)
    } else {
        scroll_up
    }
}

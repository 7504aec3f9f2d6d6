//! The context meter and the limits the app plans requests with: the window and reply
//! reserve for the current target (config, what a server taught, the server's model list,
//! the built-in table, and the conversation's `max_tokens`), and the meter recounted as
//! the user types. Pure, called from `update`.
//!
//! Its promise is that a keystroke costs the same whatever the draft's and the history's
//! size, and never loads a tokenizer:
//! - An exact tokenizer is loaded by the driver off the UI thread (asked for with
//!   `Effect::LoadTokenizer` as soon as the target is a model that has one); until it is
//!   ready every count is the estimate, and the meter says "≈".
//! - The history's cost is summed once per change of the conversation, not per key.
//! - A draft up to `INLINE_DRAFT` bytes is counted on the key; a longer one is counted by
//!   the driver in the background (`Effect::CountDraft`, one at a time, the newest text
//!   when it is done), and meanwhile the meter shows its last count with "≈".
//! - A history with more than `INLINE_HISTORY` bytes not counted yet by the exact tokenizer
//!   (a long conversation just opened, or the tokenizer just loaded) is counted by the driver
//!   in the background, `CHUNK` bytes at a time (`Effect::CountHistory`), each count cached
//!   on its message; meanwhile the meter is the estimate ("≈"), then exact once it settles.

use super::msg::Effect;
use super::state::State;
use crate::chat::Role;
use crate::chat::context::{self, History, Request, limits};
use crate::chat::tally::{Count, Precision};
use crate::tokens::{Counter, Encoding};

/// Drafts up to this many bytes are counted on the key: well under a millisecond with any
/// tokenizer. Longer ones are counted in the background.
pub const INLINE_DRAFT: usize = 4 * 1024;

/// History text not counted yet up to this many bytes is counted on the UI thread (well
/// under a millisecond); more is counted in the background.
pub const INLINE_HISTORY: usize = 64 * 1024;

/// How much of the history's text one background count takes (a few milliseconds of BPE),
/// so the copy handed to it stays small.
const CHUNK: usize = 256 * 1024;

/// What the meter remembers between keys: which tokenizers it may use, and the counts that
/// did not change.
#[derive(Debug, Clone, Default)]
pub struct Counting {
    /// The history of this conversation is being counted in the background by this counter.
    background: Option<(crate::chat::Key, Counter)>,
    /// Tokenizers the driver has loaded.
    ready: Vec<Encoding>,
    /// Tokenizers asked for (loaded or loading): each is asked for once.
    asked: Vec<Encoding>,
    /// The history's cost for one state of the conversation and of its counting.
    history: Option<(HistoryKey, History)>,
    /// The last count of a long draft, and whether one is being made.
    draft: Draft,
}

/// What the history's cost depends on besides the messages' texts: the conversation
/// (its key, and its generation, which moves with every change of a message), the system
/// message and how the request is counted. What the server learns or counts clears it.
#[derive(Debug, Clone, PartialEq)]
struct HistoryKey {
    conversation: u64,
    generation: u64,
    system: String,
    counter: Counter,
    ratio: Option<u64>,
    by_server: bool,
    images: bool,
}

impl HistoryKey {
    fn of(conversation: &crate::chat::Conversation, request: &Request) -> Self {
        Self {
            conversation: conversation.key,
            generation: conversation.generation(),
            system: conversation.system.clone(),
            counter: request.tally.counter,
            ratio: request.tally.ratio.map(f64::to_bits),
            by_server: request.tally.server.is_some(),
            images: request.images,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Draft {
    /// The last background count: by which counter, and its tokens.
    counted: Option<(Counter, usize)>,
    /// That count is of the draft as it is now.
    current: bool,
    /// A background count is running.
    in_flight: bool,
    /// The draft may have changed since the running count took its copy.
    changed_since_copy: bool,
}

impl Counting {
    /// The counter for `model`: exact once its tokenizer is loaded, the estimate until then
    /// (and for models without one).
    pub fn counter(&self, model: &str) -> Counter {
        let encoding = Encoding::for_model(model);
        if self.ready.contains(&encoding) { Counter::exact(encoding) } else { Counter::estimate() }
    }

    /// The driver loaded `encoding`: counts with it are exact from now on.
    pub fn loaded(&mut self, encoding: Encoding) {
        if !self.ready.contains(&encoding) {
            self.ready.push(encoding);
        }
        if !self.asked.contains(&encoding) {
            self.asked.push(encoding);
        }
    }

    /// What the server said or counted changed how the history is counted.
    pub fn forget_history(&mut self) {
        self.history = None;
    }

    /// Counts are exact from the start, each tokenizer loading on its first count, with no
    /// driver to load it in the background: for tests and benchmarks of the pure app.
    pub fn load_on_first_use(&mut self) {
        self.loaded(Encoding::O200k);
        self.loaded(Encoding::Cl100k);
    }
}

/// Asks for the target model's tokenizer, once, when it has one that is not loaded: called
/// after every message, so it follows the target wherever it changes (start, picker,
/// reopening a conversation).
pub fn load_tokenizer(state: &mut State) -> Option<Effect> {
    let encoding = Encoding::for_model(&state.target.model);
    let counting = &mut state.counting;
    if !encoding.is_exact() || counting.asked.contains(&encoding) {
        return None;
    }
    counting.asked.push(encoding);
    Some(Effect::LoadTokenizer(encoding))
}

/// The window and reply reserve for `model` on the current provider, from the most
/// specific source: config, then what the server said (its `/props`, an overflow's
/// numbers), then the server's model list, then the built-in table. A reserve not given is
/// a quarter of the window, at most 4,096 tokens; the conversation's `max_tokens` (F4), when
/// set, is the reserve.
pub fn limits_for(state: &State, model: &str) -> Option<(usize, usize)> {
    let provider = &state.target.provider;
    let reported = state.catalog.window(provider, model);
    let learned = state.learned.get(provider, model).window;
    let (window, reserve) = limits(&state.windows, learned, reported, model)?;
    let asked =
        state.conversation.params.max_tokens.map(|m| usize::try_from(m).unwrap_or(usize::MAX));
    Some((window, asked.map_or(reserve, |asked| asked.min(window))))
}

/// The meter as the user types: what the next request would cost with the draft as its
/// newest message, trimmed as it would be, each part as exact as it could be counted,
/// against the server's own window. Returns the background count of a long draft when one
/// should start.
pub fn refresh_meter(state: &mut State) -> Vec<Effect> {
    recount(state, true)
}

/// What sending `draft` as the next prompt adds before calibration (nothing while it is
/// blank). The driver's background count uses it too.
pub fn draft_tokens(counter: Counter, draft: &str) -> usize {
    if draft.trim().is_empty() { 0 } else { counter.message(Role::User.as_str(), draft) }
}

/// A background count of the draft came back: kept, and another started if the draft
/// changed meanwhile (of the newest text; the ones typed in between are never counted).
pub fn draft_counted(state: &mut State, counter: Counter, tokens: usize) -> Vec<Effect> {
    let draft = &mut state.counting.draft;
    draft.in_flight = false;
    draft.counted = Some((counter, tokens));
    draft.current = !std::mem::take(&mut draft.changed_since_copy);
    recount(state, false)
}

/// How the draft is counted this time.
enum Drafted {
    /// Short enough to count on the key.
    Inline(String),
    /// Counted in the background by `counter`; `current` when of the draft as it is now.
    Counted { tokens: usize, current: bool },
}

fn recount(state: &mut State, draft_changed: bool) -> Vec<Effect> {
    let counter = state.counting.counter(&state.target.model);
    let (drafted, effect) = draft(state, counter, draft_changed);
    let mut effects: Vec<Effect> = effect.into_iter().collect();
    // Out of the state while it is counted, so the counting can read the rest of it.
    let mut conversation = std::mem::take(&mut state.conversation);
    // A long history not counted yet is counted in the background, the estimate standing in
    // for it meanwhile; looked at only when the history's cost is not known already.
    let known = {
        let request = super::server::request(state);
        matches!(&state.counting.history,
            Some((known, _)) if *known == HistoryKey::of(&conversation, &request))
    };
    if !known && counter.is_exact() {
        let background = &mut state.counting.background;
        if background.is_some_and(|(key, by)| key != conversation.key || by != counter) {
            *background = None;
        }
        if background.is_none()
            && let Some(items) = uncounted(&conversation, counter, INLINE_HISTORY)
        {
            *background = Some((conversation.key, counter));
            effects.push(Effect::CountHistory { conversation: conversation.key, counter, items });
        }
    }
    let mut request = super::server::request(state);
    if state.counting.background.is_some() {
        request.tally.counter = Counter::estimate();
    }
    let drafted = match drafted {
        Drafted::Inline(text) => request.tally.draft(&text),
        Drafted::Counted { tokens, current: true } => request.tally.drafted(tokens),
        Drafted::Counted { tokens, current: false } => {
            Count::new(request.tally.drafted(tokens).tokens, Precision::Estimated)
        }
    };
    // What is attached goes with the draft.
    let drafted = drafted + super::attach::tokens(&state.attachments, counter, &request.tally);
    let key = HistoryKey::of(&conversation, &request);
    let history = match &state.counting.history {
        Some((known, history)) if *known == key => *history,
        _ => context::history(&mut conversation, &request),
    };
    let meter = match state.counting.background {
        // The rough figure, untrimmed: planning would count every message again, and would
        // overwrite the exact counts that have come back with estimates.
        Some(_) => context::Meter::from_count(
            history.whole + drafted,
            request.limits.map(|limits| limits.0),
            0,
        ),
        None => context::preview(&mut conversation, &request, history, drafted),
    };
    state.conversation = conversation;
    state.counting.history = Some((key, history));
    state.meter = Some(meter);
    effects
}

/// The first messages of `conversation` that may be sent, have no tool calls and are not
/// counted by `counter` yet, up to `CHUNK` bytes of them: (key, role, text as sent); `None`
/// when all that is left to count is at most `inline` bytes.
fn uncounted(
    conversation: &crate::chat::Conversation,
    counter: Counter,
    inline: usize,
) -> Option<Vec<(crate::chat::Key, Role, String)>> {
    let mut items = Vec::new();
    let (mut taken, mut left) = (0, 0);
    for message in conversation.messages() {
        let counted = message.tokens.is_some_and(|(by, _)| by == counter);
        // Tool calls are counted with their results, on the UI thread: they are few.
        if counted || !message.is_sent() || !message.tool_calls.is_empty() {
            continue;
        }
        let text = message.sent_text();
        left += text.len();
        if taken < CHUNK {
            taken += text.len();
            items.push((message.key, message.role, text.into_owned()));
        }
    }
    (left > inline).then_some(items)
}

/// A background count of the history came back: each count is kept on its message (if its
/// text is still the one counted), and the next chunk goes, or the meter is exact again.
pub fn history_counted(
    state: &mut State,
    conversation: crate::chat::Key,
    counter: Counter,
    counts: Vec<(crate::chat::Key, usize, usize)>,
) -> Vec<Effect> {
    if state.counting.background != Some((conversation, counter))
        || state.conversation.key != conversation
    {
        return Vec::new();
    }
    let counts: std::collections::HashMap<_, _> =
        counts.into_iter().map(|(key, len, tokens)| (key, (len, tokens))).collect();
    for index in 0..state.conversation.messages().len() {
        let message = &state.conversation.messages()[index];
        if let Some(&(len, tokens)) = counts.get(&message.key)
            && message.sent_text().len() == len
        {
            state.conversation.cache_tokens(index, counter, tokens);
        }
    }
    // What is left small enough is counted with the rest, on the UI thread.
    if let Some(items) = uncounted(&state.conversation, counter, INLINE_HISTORY)
        && !counts.is_empty()
    {
        return vec![Effect::CountHistory { conversation, counter, items }];
    }
    state.counting.background = None;
    state.counting.forget_history();
    recount(state, false)
}

/// What the driver's background count of `items` answers: each with its text's length.
pub fn count_history(
    counter: Counter,
    items: &[(crate::chat::Key, Role, String)],
) -> Vec<(crate::chat::Key, usize, usize)> {
    items
        .iter()
        .map(|(key, role, text)| (*key, text.len(), counter.message(role.as_str(), text)))
        .collect()
}

/// The draft's count, and the background count to start if one is due.
fn draft(state: &mut State, counter: Counter, changed: bool) -> (Drafted, Option<Effect>) {
    let lines = state.input.lines();
    // Only as far as the inline limit: the length of a long draft is never walked whole.
    let mut bytes = 0;
    for line in lines {
        bytes += line.len() + 1;
        if bytes > INLINE_DRAFT {
            break;
        }
    }
    let draft = &mut state.counting.draft;
    if changed {
        draft.current = false;
        draft.changed_since_copy |= draft.in_flight;
    }
    if bytes <= INLINE_DRAFT {
        return (Drafted::Inline(lines.join("\n")), None);
    }
    match draft.counted {
        Some((by, tokens)) if draft.current && by == counter => {
            (Drafted::Counted { tokens, current: true }, None)
        }
        counted => {
            let tokens = counted.map_or(0, |(_, tokens)| tokens);
            let stale = Drafted::Counted { tokens, current: false };
            if draft.in_flight {
                return (stale, None);
            }
            draft.in_flight = true;
            let text = lines.join("\n");
            (stale, Some(Effect::CountDraft { text, counter }))
        }
    }
}

#[cfg(test)]
mod reply_reserve {
    use super::*;
    use crate::app::state::Target;

    #[test]
    fn the_conversations_max_tokens_is_the_room_kept_for_the_reply() {
        let target = Target { provider: "openai".into(), model: "gpt-4".into() };
        let mut state = State::new(target, String::new(), false);
        assert_eq!(limits_for(&state, "gpt-4"), Some((8_192, 4_096)));
        state.conversation.params.max_tokens = Some(1_000);
        assert_eq!(limits_for(&state, "gpt-4"), Some((8_192, 1_000)));
        state.conversation.params.max_tokens = Some(100_000);
        assert_eq!(limits_for(&state, "gpt-4"), Some((8_192, 8_192)), "never more than the window");
    }
}

#[cfg(test)]
mod counting {
    use crossterm::event::{KeyCode, KeyEvent};

    use super::*;
    use crate::app::msg::Msg;
    use crate::app::state::Target;
    use crate::app::update::update;
    use crate::chat::context::Meter;

    fn state(model: &str) -> State {
        let target = Target { provider: "openai".into(), model: model.into() };
        State::new(target, "Be brief.".into(), false)
    }

    fn key(state: &mut State, c: char) -> Vec<Effect> {
        update(state, Msg::Key(KeyEvent::from(KeyCode::Char(c))))
    }

    fn meter(state: &State) -> Meter {
        state.meter.expect("a meter")
    }

    #[test]
    fn an_openai_model_asks_for_its_tokenizer_once_and_estimates_until_it_is_ready() {
        let mut state = state("gpt-4o");
        assert_eq!(
            update(&mut state, Msg::Resize(80, 24)),
            [Effect::LoadTokenizer(Encoding::O200k)]
        );
        for c in "hello world".chars() {
            assert!(key(&mut state, c).is_empty(), "asked once, and typing never loads it");
        }
        assert!(!meter(&state).is_exact(), "shown with ≈ while it loads");
        update(&mut state, Msg::TokenizerReady(Encoding::O200k));
        let exact = Counter::exact(Encoding::O200k);
        let expected =
            exact.message("system", "Be brief.") + 3 + exact.message("user", "hello world");
        assert_eq!((meter(&state).tokens, meter(&state).is_exact()), (expected, true));
    }

    #[test]
    fn switching_to_an_openai_model_asks_for_its_tokenizer_and_a_local_one_asks_for_none() {
        let mut state = state("llama3.2");
        assert!(update(&mut state, Msg::Resize(80, 24)).is_empty());
        assert!(key(&mut state, 'a').is_empty());
        assert!(!meter(&state).is_exact());
        state.target.model = "gpt-4".into();
        assert_eq!(key(&mut state, 'b'), [Effect::LoadTokenizer(Encoding::Cl100k)]);
    }

    #[test]
    fn a_long_draft_is_counted_in_the_background_one_count_at_a_time_the_newest_text_last() {
        let mut state = state("llama3.2");
        let long = "word ".repeat(INLINE_DRAFT / 4);
        let effects = update(&mut state, Msg::Paste(long.clone()));
        let counter = Counter::estimate();
        assert_eq!(effects, [Effect::CountDraft { text: long.clone(), counter }]);
        let history = meter(&state).tokens;
        // Keys while it counts start nothing more and cost no count of the draft.
        assert!(key(&mut state, 'x').is_empty() && key(&mut state, 'y').is_empty());
        assert_eq!(meter(&state).tokens, history, "no count of the draft yet");

        // The count of the older text comes back: shown as an estimate, the newest counted.
        let effects = update(&mut state, Msg::DraftCounted { counter, tokens: 1_000 });
        assert_eq!(meter(&state).tokens, history + 1_000);
        assert!(!meter(&state).is_exact());
        let newest = format!("{long}xy");
        assert_eq!(effects, [Effect::CountDraft { text: newest.clone(), counter }]);
        let tokens = draft_tokens(counter, &newest);
        assert!(update(&mut state, Msg::DraftCounted { counter, tokens }).is_empty());
        assert_eq!(meter(&state).tokens, history + tokens);
    }

    #[test]
    fn a_short_draft_is_counted_on_the_key() {
        let mut state = state("llama3.2");
        assert!(key(&mut state, 'x').is_empty());
        let with_draft = meter(&state).tokens;
        update(&mut state, Msg::Key(KeyEvent::from(KeyCode::Backspace)));
        assert_eq!(meter(&state).tokens, with_draft - draft_tokens(Counter::estimate(), "x"));
    }

    #[test]
    fn a_long_history_is_counted_in_the_background_and_the_meter_settles_exact() {
        let mut state = state("gpt-4o");
        state.counting.load_on_first_use();
        let exact = Counter::exact(Encoding::O200k);
        let mut expected = exact.message("system", "Be brief.") + 3 + exact.message("user", "x");
        // About 400 KB of history: more than one background count.
        for turn in 0..400 {
            let question = format!("question {turn}: {}", "why does it work ".repeat(30));
            expected += exact.message("user", &question);
            let key = state.keys.fresh();
            state.conversation.push(crate::chat::Message::user(key, question));
            let mut reply = crate::chat::Message::assistant(state.keys.fresh(), "gpt-4o".into());
            reply.content = format!("answer {turn}: {}", "because of the rules ".repeat(25));
            reply.status = crate::chat::Status::Complete;
            expected += exact.message("assistant", &reply.content);
            state.conversation.push(reply);
        }
        let mut effects = key(&mut state, 'x');
        assert!(!meter(&state).is_exact(), "the estimate stands in meanwhile");
        let mut rounds = 0;
        while let Some(Effect::CountHistory { conversation, counter, items }) =
            effects.into_iter().find(|e| matches!(e, Effect::CountHistory { .. }))
        {
            rounds += 1;
            assert!(!meter(&state).is_exact());
            // A key meanwhile starts no second count, and counts nothing itself.
            assert!(key(&mut state, 'x').iter().all(|e| !matches!(e, Effect::CountHistory { .. })));
            update(&mut state, Msg::Key(KeyEvent::from(KeyCode::Backspace)));
            let counts = count_history(counter, &items);
            effects = update(&mut state, Msg::HistoryCounted { conversation, counter, counts });
        }
        assert!(rounds >= 2, "counted a chunk at a time: {rounds}");
        assert_eq!((meter(&state).tokens, meter(&state).is_exact()), (expected, true));
    }
}

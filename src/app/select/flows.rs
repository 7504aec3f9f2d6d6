//! Select mode, copying, editing into branches, switching them, pinning and deleting, all
//! driven through `update` by keys and API events.

use crossterm::event::{KeyCode, KeyModifiers};

use crate::app::msg::{ApiEvent, Effect, Msg};
use crate::app::state::{Scroll, State};
use crate::app::update::tests::{api, delta, key, saves, send, sent_messages, state, type_text};
use crate::app::update::update;
use crate::chat::{RequestMessage, Role};
use crate::store::writer::StoreCmd;

fn press(state: &mut State, c: char) -> Vec<Effect> {
    key(state, KeyCode::Char(c), KeyModifiers::NONE)
}

fn texts(messages: &[RequestMessage]) -> Vec<&str> {
    messages.iter().filter(|m| m.role != Role::System).map(|m| m.content.as_str()).collect()
}

fn shown(state: &State) -> Vec<&str> {
    state.conversation.messages().iter().filter(|m| !m.hidden).map(|m| m.content.as_str()).collect()
}

/// Sends `prompt` and lets `reply` arrive whole.
fn turn(state: &mut State, prompt: &str, reply: &str) -> Vec<RequestMessage> {
    let (id, messages) = sent_messages(&send(state, prompt));
    api(state, id, delta(reply));
    api(state, id, ApiEvent::Done);
    messages
}

/// Two finished turns: q1/a1, q2/a2.
fn two_turns() -> State {
    let mut state = state();
    turn(&mut state, "q1", "a1");
    turn(&mut state, "q2", "a2");
    state
}

fn copied(effects: &[Effect]) -> Vec<&str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Copy { text } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn tab_selects_the_newest_message_and_up_down_k_j_move_between_messages() {
    let mut state = two_turns();
    key(&mut state, KeyCode::Tab, KeyModifiers::NONE);
    assert_eq!(state.selection.as_ref().map(|s| s.index), Some(3));
    key(&mut state, KeyCode::Up, KeyModifiers::NONE);
    press(&mut state, 'k');
    assert_eq!(state.selection.as_ref().map(|s| s.index), Some(1));
    press(&mut state, 'j');
    key(&mut state, KeyCode::Down, KeyModifiers::NONE);
    key(&mut state, KeyCode::Down, KeyModifiers::NONE);
    assert_eq!(state.selection.as_ref().map(|s| s.index), Some(3), "stops at the newest");
    key(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    assert!(state.selection.is_none());
}

#[test]
fn ctrl_up_selects_even_with_a_draft_and_letters_never_reach_the_draft() {
    let mut state = two_turns();
    type_text(&mut state, "draft");
    key(&mut state, KeyCode::Tab, KeyModifiers::NONE);
    assert!(state.selection.is_none(), "Tab belongs to the draft while typing");
    key(&mut state, KeyCode::Up, KeyModifiers::CONTROL);
    assert!(state.selection.is_some());
    for c in "xzqwkj".chars() {
        press(&mut state, c);
    }
    key(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(state.input.lines()[0].trim_end(), "draft", "Tab indented; no letter landed");
}

#[test]
fn selecting_a_message_asks_for_it_to_be_in_view() {
    let mut state = state();
    for n in 0..20 {
        turn(&mut state, &format!("question {n}"), "a reply\nof two lines");
    }
    assert_eq!(state.view.scroll, Scroll::Follow);
    key(&mut state, KeyCode::Tab, KeyModifiers::NONE);
    assert_eq!(state.view.scroll, Scroll::Reveal(39));
    press(&mut state, 'g');
    assert_eq!(state.view.scroll, Scroll::Reveal(0), "the oldest");
    press(&mut state, 'G');
    assert_eq!(state.view.scroll, Scroll::Reveal(39));
}

#[test]
fn y_copies_the_selected_message_exactly_and_says_how_much() {
    let mut state = state();
    turn(&mut state, "show me", "Here:\n```rust\nfn main() {}\n```\nand\n```sh\nls -l\n```");
    key(&mut state, KeyCode::Tab, KeyModifiers::NONE);
    let effects = press(&mut state, 'y');
    let reply = state.conversation.messages()[1].content.clone();
    assert_eq!(copied(&effects), [reply.as_str()]);
    assert_eq!(state.notice.as_deref(), Some(format!("copied {} chars", reply.len()).as_str()));
    assert_eq!(copied(&press(&mut state, '1')), ["fn main() {}"]);
    assert_eq!(copied(&press(&mut state, '2')), ["ls -l"]);
    assert!(copied(&press(&mut state, '3')).is_empty());
    assert!(state.notice.as_deref().unwrap().contains("2 code blocks"));
    press(&mut state, 'k');
    assert_eq!(copied(&press(&mut state, 'y')), ["show me"]);
}

#[test]
fn o_pages_the_message_and_ctrl_e_composes_the_draft_in_the_editor() {
    let mut state = two_turns();
    key(&mut state, KeyCode::Tab, KeyModifiers::NONE);
    assert_eq!(press(&mut state, 'o'), [Effect::Page { text: "a2".into() }]);
    key(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    type_text(&mut state, "half a thought");
    let effects = key(&mut state, KeyCode::Char('e'), KeyModifiers::CONTROL);
    assert_eq!(effects, [Effect::Compose { draft: "half a thought".into() }]);
    update(&mut state, Msg::Composed(Ok("a whole\nthought\n".into())));
    assert_eq!(state.input.lines(), ["a whole", "thought"]);
    update(&mut state, Msg::Composed(Err("vi exited with 1; your draft is unchanged".into())));
    assert_eq!(state.input.lines(), ["a whole", "thought"]);
    assert!(state.notice.as_deref().unwrap().contains("exited"));
}

#[test]
fn d_asks_first_and_only_y_deletes_which_hides_the_message_from_screen_and_requests() {
    let mut state = two_turns();
    key(&mut state, KeyCode::Tab, KeyModifiers::NONE);
    press(&mut state, 'k');
    press(&mut state, 'k');
    assert!(press(&mut state, 'd').is_empty());
    assert!(state.notice.as_deref().unwrap().contains("delete this exchange"));
    press(&mut state, 'n');
    assert_eq!(state.notice.as_deref(), Some("kept"));
    assert_eq!(shown(&state), ["q1", "a1", "q2", "a2"]);
    press(&mut state, 'd');
    let effects = press(&mut state, 'y');
    assert_eq!(shown(&state), ["q2", "a2"], "the reply goes with its prompt");
    match saves(&effects)[..] {
        [StoreCmd::UpdateMessage { fields: q, .. }, StoreCmd::UpdateMessage { fields: a, .. }] => {
            assert!(q.hidden && q.content == "q1" && a.hidden && a.content == "a1")
        }
        ref other => panic!("{other:?}"),
    }
    assert_eq!(state.selection.as_ref().map(|s| s.index), Some(2), "moves to the next");
    key(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    let messages = turn(&mut state, "q3", "a3");
    assert_eq!(texts(&messages), ["q2", "a2", "q3"]);
}

#[test]
fn a_pinned_old_message_is_sent_while_newer_older_ones_are_trimmed() {
    let mut state = state();
    state.target.model = "gpt-4".into(); // 8,192 tokens, 4,096 kept for the reply
    let long = "word ".repeat(900);
    turn(&mut state, &format!("remember this {long}"), "noted");
    for n in 0..4 {
        turn(&mut state, &format!("filler {n} {long}"), &format!("ok {n}"));
    }
    key(&mut state, KeyCode::Tab, KeyModifiers::NONE);
    press(&mut state, 'g');
    let effects = press(&mut state, 'p');
    assert!(state.conversation.messages()[0].pinned);
    assert!(
        matches!(saves(&effects)[..], [StoreCmd::UpdateMessage { fields, .. }] if fields.pinned)
    );
    key(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    let (_, messages) = sent_messages(&send(&mut state, "the newest"));
    let sent = texts(&messages);
    assert!(sent[0].starts_with("remember this"), "{:?}", &sent[..2]);
    assert_eq!(sent.last(), Some(&"the newest"));
    assert!(!sent.iter().any(|t| t.starts_with("filler 0")), "older unpinned turns go");
    assert!(state.conversation.messages()[2].not_sent);
    assert!(!state.conversation.messages()[0].not_sent);
}

#[test]
fn editing_a_prompt_makes_a_sibling_branch_and_brackets_switch_what_is_shown_and_sent() {
    let mut state = two_turns();
    type_text(&mut state, "unsent draft");
    key(&mut state, KeyCode::Up, KeyModifiers::CONTROL);
    press(&mut state, 'g');
    press(&mut state, 'e');
    assert!(state.selection.is_none());
    assert_eq!(state.input.lines(), ["q1"]);
    type_text(&mut state, " edited");
    let effects = key(&mut state, KeyCode::Enter, KeyModifiers::NONE);
    let (id, messages) = sent_messages(&effects);
    assert_eq!(texts(&messages), ["q1 edited"], "the old continuation is not sent");
    let added = saves(&effects);
    assert!(
        matches!(added[..], [StoreCmd::AddMessage { parent: None, .. }]),
        "a sibling of q1 (no parent): {added:?}"
    );
    assert_eq!(state.input.lines(), ["unsent draft"], "the draft comes back");
    api(&mut state, id, delta("b1"));
    api(&mut state, id, ApiEvent::Done);
    assert_eq!(shown(&state), ["q1 edited", "b1"]);
    assert_eq!(state.conversation.messages()[0].branch, Some((2, 2)));

    key(&mut state, KeyCode::Up, KeyModifiers::CONTROL);
    press(&mut state, 'g');
    let effects = press(&mut state, '[');
    assert_eq!(shown(&state), ["q1", "a1", "q2", "a2"]);
    assert_eq!(state.conversation.messages()[0].branch, Some((1, 2)));
    let leaf = state.conversation.messages()[3].key;
    assert!(matches!(saves(&effects)[..], [StoreCmd::SetLeaf { leaf: l, .. }] if *l == leaf));
    press(&mut state, '[');
    assert!(state.notice.as_deref().unwrap().contains("is the first"));
    key(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    state.input = crate::app::editor::Editor::new();
    let messages = turn(&mut state, "q3", "a3");
    assert_eq!(texts(&messages), ["q1", "a1", "q2", "a2", "q3"]);

    key(&mut state, KeyCode::Up, KeyModifiers::CONTROL);
    press(&mut state, 'g');
    press(&mut state, ']');
    assert_eq!(shown(&state), ["q1 edited", "b1"]);
    key(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    let messages = turn(&mut state, "q4", "a4");
    assert_eq!(texts(&messages), ["q1 edited", "b1", "q4"]);
}

#[test]
fn esc_cancels_an_edit_and_gives_the_draft_back() {
    let mut state = two_turns();
    type_text(&mut state, "mine");
    key(&mut state, KeyCode::Up, KeyModifiers::CONTROL);
    press(&mut state, 'k');
    press(&mut state, 'e');
    assert_eq!(state.input.lines(), ["q2"]);
    key(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(state.input.lines(), ["mine"]);
    assert!(state.editing.is_none());
    assert_eq!(shown(&state), ["q1", "a1", "q2", "a2"]);
}

#[test]
fn a_reply_is_edited_as_your_own_text_and_nothing_changes_while_a_reply_streams() {
    let mut state = two_turns();
    key(&mut state, KeyCode::Tab, KeyModifiers::NONE);
    press(&mut state, 'e');
    assert!(state.notice.as_deref().unwrap().contains("written by you"));
    assert_eq!(state.input.lines(), ["a2"]);
    key(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    assert!(state.editing.is_none() && state.input.is_empty());
    let (id, _) = sent_messages(&send(&mut state, "q3"));
    api(&mut state, id, delta("streaming"));
    key(&mut state, KeyCode::Up, KeyModifiers::CONTROL);
    press(&mut state, 'd');
    assert!(state.notice.as_deref().unwrap().contains("still arriving"));
    assert_eq!(shown(&state).len(), 6);
}

#[test]
fn a_retried_reply_and_the_one_it_replaced_switch_with_brackets() {
    let mut state = state();
    let (id, _) = sent_messages(&send(&mut state, "q"));
    api(&mut state, id, delta("first"));
    api(&mut state, id, ApiEvent::Done);
    let (id, _) = sent_messages(&key(&mut state, KeyCode::Char('r'), KeyModifiers::CONTROL));
    api(&mut state, id, delta("second"));
    api(&mut state, id, ApiEvent::Done);
    assert_eq!(shown(&state), ["q", "second"]);
    key(&mut state, KeyCode::Tab, KeyModifiers::NONE);
    press(&mut state, '[');
    assert_eq!(shown(&state), ["q", "first"]);
    assert_eq!(state.conversation.messages()[1].branch, Some((1, 2)));
    key(&mut state, KeyCode::Esc, KeyModifiers::NONE);
    let messages = turn(&mut state, "next", "n");
    assert_eq!(texts(&messages), ["q", "first", "next"]);
}

#[test]
fn moving_the_selection_lays_nothing_out_again() {
    let mut state = two_turns();
    let generation = state.conversation.generation();
    let revisions: Vec<u64> = state.conversation.messages().iter().map(|m| m.revision).collect();
    key(&mut state, KeyCode::Tab, KeyModifiers::NONE);
    press(&mut state, 'k');
    press(&mut state, 'k');
    assert_eq!(state.conversation.changed_since(generation), None);
    let after: Vec<u64> = state.conversation.messages().iter().map(|m| m.revision).collect();
    assert_eq!(revisions, after, "the selection is painted over the cached lines");
}

/// The roles of a request after its system message: user and assistant in turn, starting
/// and ending with the user.
fn assert_alternates(messages: &[RequestMessage]) {
    let roles: Vec<Role> = messages.iter().map(|m| m.role).filter(|r| *r != Role::System).collect();
    for (n, role) in roles.iter().enumerate() {
        let want = if n % 2 == 0 { Role::User } else { Role::Assistant };
        assert_eq!(*role, want, "message {n} of {roles:?}");
    }
    assert_eq!(roles.last(), Some(&Role::User));
}

fn delete_selected_after(state: &mut State, ups: usize) {
    key(state, KeyCode::Tab, KeyModifiers::NONE);
    for _ in 0..ups {
        press(state, 'k');
    }
    press(state, 'd');
    press(state, 'y');
    key(state, KeyCode::Esc, KeyModifiers::NONE);
}

#[test]
fn deleting_a_prompt_or_a_reply_takes_its_exchange_so_requests_still_alternate() {
    for (ups, left) in [(0, ["q1", "a1"]), (1, ["q1", "a1"]), (2, ["q2", "a2"]), (3, ["q2", "a2"])]
    {
        let mut state = two_turns();
        delete_selected_after(&mut state, ups);
        assert_eq!(shown(&state), left, "deleting message {} from the end", ups + 1);
        let messages = turn(&mut state, "q3", "a3");
        assert_alternates(&messages);
        assert_eq!(texts(&messages), [left[0], left[1], "q3"]);
    }
}

#[test]
fn a_prompt_that_got_no_reply_goes_joined_to_the_next_so_requests_still_alternate() {
    fn auth() -> crate::api::ApiError {
        crate::api::ApiError::Auth {
            status: 401,
            message: "bad key".into(),
            key_hint: String::new(),
        }
    }
    // Failed before any reply; stopped before any reply; an empty reply.
    let endings: [fn(&mut State, u64); 3] = [
        |state, id| api(state, id, ApiEvent::Failed(auth())),
        |state, _| _ = key(state, KeyCode::Esc, KeyModifiers::NONE),
        |state, id| api(state, id, ApiEvent::Done),
    ];
    for end in endings {
        let mut state = two_turns();
        let (id, _) = sent_messages(&send(&mut state, "lost"));
        end(&mut state, id);
        let (id, messages) = sent_messages(&send(&mut state, "again"));
        assert_alternates(&messages);
        assert_eq!(texts(&messages), ["q1", "a1", "q2", "a2", "lost\n\nagain"]);
        let lost = state.conversation.messages().iter().find(|m| m.content == "lost").unwrap();
        assert!(lost.folded, "the screen says it went with the next prompt");
        api(&mut state, id, delta("ok"));
        api(&mut state, id, ApiEvent::Done);
        assert_alternates(&turn(&mut state, "then", "fine"));
    }
}

#[test]
fn a_retried_failure_and_a_partial_reply_keep_requests_alternating() {
    use crate::api::ApiError;
    let mut state = two_turns();
    let (id, _) = sent_messages(&send(&mut state, "q3"));
    let auth = ApiError::Auth { status: 401, message: "bad key".into(), key_hint: String::new() };
    api(&mut state, id, ApiEvent::Failed(auth));
    let (id, messages) = sent_messages(&key(&mut state, KeyCode::Char('r'), KeyModifiers::CONTROL));
    assert_alternates(&messages);
    api(&mut state, id, delta("half a rep"));
    let broken = ApiError::Network { message: "connection reset".into() };
    api(&mut state, id, ApiEvent::Failed(broken));
    assert_alternates(&turn(&mut state, "q4", "a4"));
}

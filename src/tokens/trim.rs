//! Deciding what fits: keep the system message and the newest messages, drop whole older
//! turns, and leave room for the reply. Pure arithmetic on counts the caller supplies.

use super::REPLY_PRIMING;

/// What a request may spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub window: usize,
    /// Room kept free for the reply.
    pub reserve: usize,
}

/// The outcome for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// `keep[i]` says whether message `i` is sent; `total` is what the request costs.
    Fits { keep: Vec<bool>, total: usize },
    /// Even the newest message alone does not fit: nothing is sent.
    TooLong { needed: usize, available: usize },
}

/// `system` is the system message's cost (0 if none); `messages` the others' costs, oldest
/// first, each with whether it starts a turn (a user message). The newest message is always
/// kept; older ones are kept newest first while they fit, and what is kept starts at a turn.
pub fn plan(system: usize, messages: &[(usize, bool)], budget: Budget) -> Plan {
    plan_with_pins(system, messages, &[], budget)
}

/// `plan`, where `pinned[i]` marks a message the user pinned: it is kept whatever its age,
/// and its room is taken before any unpinned older message. If the pins and the newest
/// message do not fit together, nothing is sent (the user unpins rather than loses a pin).
pub fn plan_with_pins(
    system: usize,
    messages: &[(usize, bool)],
    pinned: &[bool],
    budget: Budget,
) -> Plan {
    let available = budget.window.saturating_sub(budget.reserve + REPLY_PRIMING + system);
    let Some(&(newest, _)) = messages.last() else {
        return Plan::Fits { keep: Vec::new(), total: system + REPLY_PRIMING };
    };
    let last = messages.len() - 1;
    let is_pinned = |i: usize| i < last && pinned.get(i).copied().unwrap_or(false);
    let pins: usize = (0..last).filter(|&i| is_pinned(i)).map(|i| messages[i].0).sum();
    if newest + pins > available {
        return Plan::TooLong {
            needed: newest + pins + system + REPLY_PRIMING + budget.reserve,
            available: budget.window,
        };
    }
    let mut used = pins;
    let mut first = messages.len();
    for (index, &(tokens, _)) in messages.iter().enumerate().rev() {
        if is_pinned(index) {
            first = index;
            continue;
        }
        if used + tokens > available {
            break;
        }
        used += tokens;
        first = index;
    }
    // Never start the history with half a turn: skip forward to a user message.
    while first + 1 < messages.len() && !messages[first].1 {
        if !is_pinned(first) {
            used -= messages[first].0;
        }
        first += 1;
    }
    let keep = (0..messages.len()).map(|i| i >= first || is_pinned(i)).collect();
    Plan::Fits { keep, total: system + REPLY_PRIMING + used }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn turns(costs: &[usize]) -> Vec<(usize, bool)> {
        costs.iter().enumerate().map(|(i, &c)| (c, i % 2 == 0)).collect()
    }

    #[test]
    fn everything_fits_in_a_big_window() {
        let plan = plan(10, &turns(&[5, 5, 5]), Budget { window: 100, reserve: 10 });
        assert_eq!(plan, Plan::Fits { keep: vec![true; 3], total: 10 + 3 + 15 });
    }

    #[test]
    fn older_turns_are_dropped_whole() {
        // user 40, assistant 40, user 40, assistant 40, user 10; room for 95: the last turn
        // and the newest prompt fit, the first turn goes.
        let wide = plan(0, &turns(&[40, 40, 40, 40, 10]), Budget { window: 100, reserve: 2 });
        assert_eq!(wide, Plan::Fits { keep: vec![false, false, true, true, true], total: 93 });
        // With room for 85, the assistant reply at index 3 would fit alone, but half a turn
        // is not sent: only the newest prompt goes.
        let narrow = plan(0, &turns(&[40, 40, 40, 40, 10]), Budget { window: 100, reserve: 12 });
        assert_eq!(narrow, Plan::Fits { keep: vec![false, false, false, false, true], total: 13 });
    }

    #[test]
    fn a_newest_message_too_long_for_the_window_is_refused() {
        let plan = plan(5, &turns(&[1, 1, 500]), Budget { window: 100, reserve: 10 });
        assert_eq!(plan, Plan::TooLong { needed: 518, available: 100 });
    }

    #[test]
    fn a_pinned_old_message_is_kept_while_newer_ones_are_dropped() {
        // Room for 95: the pinned first prompt (40) and the newest prompt (10) go; the turn
        // in between (40 + 40) no longer fits beside the pin and is dropped whole.
        let costs = turns(&[40, 40, 40, 40, 10]);
        let pinned = [true, false, false, false, false];
        let plan = plan_with_pins(0, &costs, &pinned, Budget { window: 100, reserve: 2 });
        assert_eq!(plan, Plan::Fits { keep: vec![true, false, false, false, true], total: 53 });
    }

    #[test]
    fn pins_that_leave_no_room_for_the_newest_message_send_nothing() {
        let plan = plan_with_pins(
            0,
            &turns(&[60, 1, 50]),
            &[true, false, false],
            Budget { window: 100, reserve: 0 },
        );
        assert!(matches!(plan, Plan::TooLong { .. }), "{plan:?}");
    }

    proptest! {
        #[test]
        fn kept_messages_fit_keep_order_start_a_turn_and_include_the_newest(
            costs in proptest::collection::vec(1usize..400, 1..40),
            system in 0usize..200,
            window in 200usize..4000,
            reserve in 0usize..200,
        ) {
            let messages = turns(&costs);
            match plan(system, &messages, Budget { window, reserve }) {
                Plan::Fits { keep, total } => {
                    prop_assert!(total + reserve <= window);
                    prop_assert_eq!(keep.len(), messages.len());
                    prop_assert!(*keep.last().unwrap(), "the newest is kept");
                    let first = keep.iter().position(|&k| k).unwrap();
                    prop_assert!(keep[first..].iter().all(|&k| k), "a contiguous newest suffix");
                    prop_assert!(first == messages.len() - 1 || messages[first].1, "starts a turn");
                    let sent: usize = messages[first..].iter().map(|m| m.0).sum();
                    prop_assert_eq!(total, system + REPLY_PRIMING + sent);
                }
                Plan::TooLong { needed, .. } => {
                    prop_assert!(needed > window);
                }
            }
        }

        #[test]
        fn pinned_messages_are_always_kept_when_anything_is_sent(
            costs in proptest::collection::vec(1usize..300, 2..40),
            pins in proptest::collection::vec(proptest::bool::weighted(0.15), 40),
            window in 500usize..4000,
            reserve in 0usize..200,
        ) {
            let messages = turns(&costs);
            let pinned = &pins[..messages.len()];
            match plan_with_pins(0, &messages, pinned, Budget { window, reserve }) {
                Plan::Fits { keep, total } => {
                    prop_assert!(total + reserve <= window);
                    prop_assert!(*keep.last().unwrap(), "the newest is kept");
                    for (i, (&kept, &pin)) in keep.iter().zip(pinned).enumerate() {
                        prop_assert!(kept || !pin, "pinned message {} was dropped", i);
                    }
                    let sent: usize = (0..messages.len()).filter(|&i| keep[i]).map(|i| messages[i].0).sum();
                    prop_assert_eq!(total, REPLY_PRIMING + sent);
                }
                Plan::TooLong { needed, .. } => prop_assert!(needed > window),
            }
        }
    }
}

//! `rockchat stats`: tokens and cost over a period (`--since 30d`), by day, model or
//! provider (`--by`), as a table or as JSON (`--json`). Read straight from the store; a cost
//! the store does not know is printed as unknown, and a total that leaves unpriced replies
//! out says so.

use std::io::Write;

use serde_json::json;

use crate::chat::price::Money;
use crate::format;
use crate::sanitize::one_line;
use crate::store::Store;
use crate::store::stats::{GroupBy, StatsRow};

/// A group's name is cut to this many chars where it is printed.
const MAX_KEY: usize = 60;

/// A period as written after `--since`: `30d`, `12h`, `2w`, or `all`; its length in
/// milliseconds (`None` for all time).
pub fn period(text: &str) -> Result<Option<i64>, String> {
    let text = text.trim();
    if text == "all" {
        return Ok(None);
    }
    let wrong = || {
        format!("--since {text:?}: write a number of hours, days or weeks (12h, 30d, 2w) or `all`")
    };
    let split =
        text.len().checked_sub(1).filter(|&at| text.is_char_boundary(at)).ok_or_else(wrong)?;
    let (count, unit) = text.split_at(split);
    let count: i64 = count.parse().map_err(|_| wrong())?;
    let hour = 3_600_000;
    let unit = match unit {
        "h" => hour,
        "d" => 24 * hour,
        "w" => 7 * 24 * hour,
        _ => return Err(wrong()),
    };
    count.checked_mul(unit).filter(|&ms| ms > 0).map(Some).ok_or_else(wrong)
}

pub fn stats(
    store: &Store,
    since: &str,
    by: GroupBy,
    as_json: bool,
    now_ms: i64,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let length = period(since).map_err(anyhow::Error::msg)?;
    let since_ms = length.map_or(i64::MIN, |length| now_ms.saturating_sub(length));
    let rows = store.stats(since_ms, by)?;
    let mut total = StatsRow { key: "total".into(), ..StatsRow::default() };
    for row in &rows {
        total.add(row);
    }
    if as_json {
        let rows: Vec<_> = rows.iter().map(row_json).collect();
        let period = match length {
            Some(_) => json!({"since": since.trim(), "since_ms": since_ms}),
            None => json!({"since": "all"}),
        };
        let body = json!({"period": period, "by": by, "rows": rows, "total": row_json(&total)});
        writeln!(out, "{}", serde_json::to_string_pretty(&body)?)?;
        return Ok(());
    }
    let what = match by {
        GroupBy::Day => "day",
        GroupBy::Model => "model",
        GroupBy::Provider => "provider",
    };
    let period = match length {
        Some(_) => format!("the last {}", spelled(since.trim())),
        None => "all time".to_owned(),
    };
    writeln!(out, "Tokens and cost by {what}, {period}")?;
    if rows.is_empty() {
        writeln!(out, "\nNo replies with usage in that period.")?;
        return Ok(());
    }
    writeln!(out)?;
    let width = rows.iter().map(|r| one_line(&r.key, MAX_KEY).chars().count()).max().unwrap_or(0);
    let width = width.max(what.len()).max(5);
    writeln!(
        out,
        "{what:<width$}  {:>7}  {:>8}  {:>8}  {:>8}  {:>9}  {:>12}",
        "replies", "input", "cached", "output", "reasoning", "cost"
    )?;
    for row in rows.iter().chain([&total]) {
        if std::ptr::eq(row, &total) {
            writeln!(out, "{}", "─".repeat(width + 66))?;
        }
        writeln!(
            out,
            "{:<width$}  {:>7}  {:>8}  {:>8}  {:>8}  {:>9}  {:>12}",
            one_line(&row.key, MAX_KEY),
            row.replies,
            tokens(row.prompt_tokens),
            tokens(row.cached_tokens),
            tokens(row.completion_tokens),
            tokens(row.reasoning_tokens),
            cost_text(row),
        )?;
    }
    if total.unpriced > 0 {
        writeln!(
            out,
            "\n{} of {} replies had no known price (no price from the server or\n\
             [models.\"NAME\"] in the config); their cost is left out.",
            total.unpriced, total.replies
        )?;
    }
    Ok(())
}

fn tokens(count: i64) -> String {
    format::tokens(usize::try_from(count).unwrap_or(0))
}

/// "$0.0123", "unknown" when nothing was priced, "$0.0123 + ?" when some was not.
fn cost_text(row: &StatsRow) -> String {
    let cost = Money(u64::try_from(row.cost).unwrap_or(0)).short();
    match row.unpriced {
        0 => cost,
        n if n == row.replies => "unknown".to_owned(),
        _ => format!("{cost} + ?"),
    }
}

fn row_json(row: &StatsRow) -> serde_json::Value {
    let priced = row.replies - row.unpriced;
    json!({
        "key": one_line(&row.key, MAX_KEY),
        "replies": row.replies,
        "prompt_tokens": row.prompt_tokens,
        "cached_tokens": row.cached_tokens,
        "completion_tokens": row.completion_tokens,
        "reasoning_tokens": row.reasoning_tokens,
        // Exact dollars as decimal text; null when no reply of the group was priced.
        "cost_usd": (priced > 0).then(|| Money(u64::try_from(row.cost).unwrap_or(0)).exact()),
        "unpriced_replies": row.unpriced,
    })
}

/// "30d" as "30 days".
fn spelled(since: &str) -> String {
    let (count, unit) = since.split_at(since.len().saturating_sub(1));
    let unit = match (unit, count == "1") {
        ("h", true) => "hour",
        ("h", false) => "hours",
        ("d", true) => "day",
        ("d", false) => "days",
        ("w", true) => "week",
        _ => "weeks",
    };
    format!("{count} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_hours_days_weeks_or_all() {
        assert_eq!(period("30d"), Ok(Some(30 * 86_400_000)));
        assert_eq!(period("12h"), Ok(Some(12 * 3_600_000)));
        assert_eq!(period("2w"), Ok(Some(14 * 86_400_000)));
        assert_eq!(period("all"), Ok(None));
        for bad in ["", "30", "d", "-1d", "0d", "3y", "9999999999999999d", "é"] {
            assert!(period(bad).is_err(), "{bad:?}");
        }
        assert_eq!(spelled("30d"), "30 days");
        assert_eq!(spelled("1w"), "1 week");
    }
}

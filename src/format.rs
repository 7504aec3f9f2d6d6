//! How rockchat writes numbers and times for people: token counts ("12.3k") and ages
//! ("3 min ago"). Shared by the screen and the command line so both read the same. Pure.

/// Tokens as people read them: 950, 12.3k, 128k.
pub fn tokens(tokens: usize) -> String {
    match tokens {
        0..1_000 => tokens.to_string(),
        1_000..10_000 => format!("{:.1}k", tokens as f64 / 1000.0),
        _ => format!("{}k", tokens / 1000),
    }
}

/// How long ago `then_ms` was at `now_ms` (both milliseconds since the epoch), roughly.
pub fn age(now_ms: i64, then_ms: i64) -> String {
    let seconds = (now_ms - then_ms).max(0) / 1000;
    match seconds {
        0..60 => "just now".into(),
        60..3600 => format!("{} min ago", seconds / 60),
        3600..86_400 => format!("{} h ago", seconds / 3600),
        _ => format!("{} d ago", seconds / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_read_naturally() {
        assert_eq!(
            (tokens(950), tokens(12_345), tokens(128_000)),
            ("950".into(), "12k".into(), "128k".into())
        );
        assert_eq!(tokens(1_234), "1.2k");
    }

    #[test]
    fn relative_times_read_naturally() {
        assert_eq!(age(100_000, 95_000), "just now");
        assert_eq!(age(10 * 60_000, 0), "10 min ago");
        assert_eq!(age(3 * 3_600_000, 0), "3 h ago");
        assert_eq!(age(2 * 86_400_000, 0), "2 d ago");
    }
}

//! What tokens cost: an amount of money ([`Money`], whole pico-dollars), a model's prices
//! per token ([`Price`], input, cached input, output and reasoning), a reply's cost from
//! its usage, and that usage as people read it (a reply's footer, `ask --usage`, exports). Prices come from a server's model list or the config; where neither says, the
//! cost is unknown (`None` everywhere), never guessed.
//!
//! Integers only: a price is parsed from its decimal text straight into pico-dollars (a
//! listed price such as $0.0375 per million tokens is 37,500 pico-dollars a token, exactly),
//! and sums never drift the way floats do. Pure.

use super::Usage;

/// US dollars, in pico-dollars (10⁻¹² $): fine enough that every per-token price a provider
/// lists is a whole number of them; an `u64` holds over $18 million.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money(pub u64);

/// Pico-dollars in a dollar.
const DOLLAR: u64 = 1_000_000_000_000;

impl Money {
    pub fn pico(self) -> u64 {
        self.0
    }

    /// The exact amount in dollars, as decimal text without trailing zeros ("0.000375"),
    /// for `--json` and exports, which must not round.
    pub fn exact(self) -> String {
        let (whole, frac) = (self.0 / DOLLAR, self.0 % DOLLAR);
        if frac == 0 {
            return whole.to_string();
        }
        let frac = format!("{frac:012}");
        format!("{whole}.{}", frac.trim_end_matches('0'))
    }

    /// As people read it: "$3.17" from a dollar up, "$0.0042" below it, and below a
    /// hundredth of a cent two significant digits ("$0.0000060" reads "$0.000006"), so a
    /// cheap model's turn is not "$0.0000"; "$0" for nothing. Rounded half up.
    pub fn short(self) -> String {
        if self.0 == 0 {
            return "$0".to_owned();
        }
        // Decided on the rounded amount, so $0.99999 reads "$1.00", not "$1.0000".
        let mut decimals: u32 = if self.0 >= DOLLAR - DOLLAR / 20_000 { 2 } else { 4 };
        let units = |decimals: u32| {
            let unit = DOLLAR / 10u64.pow(decimals);
            (self.0 + unit / 2) / unit
        };
        while units(decimals) < 10 && decimals < 12 {
            decimals += 1;
        }
        let scale = 10u64.pow(decimals);
        let text = format!("{:0width$}", units(decimals) % scale, width = decimals as usize);
        let text = if decimals > 4 { text.trim_end_matches('0') } else { &text };
        format!("${}.{text}", units(decimals) / scale)
    }
}

impl std::ops::Add for Money {
    type Output = Money;

    fn add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::default(), |a, b| a + b)
    }
}

/// A model's prices, in pico-dollars per token. Cached input and reasoning have their own
/// price only where one is listed; otherwise they cost what input and output cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Price {
    pub input: u64,
    pub cached_input: Option<u64>,
    pub output: u64,
    pub reasoning: Option<u64>,
}

impl Price {
    /// What a reply with `usage` cost. Cached tokens are part of the prompt's count and
    /// reasoning tokens part of the completion's (as OpenAI and OpenRouter report them), so
    /// each is taken out of its total and charged at its own price; a count larger than its
    /// total (a server's slip) is held to it.
    pub fn cost(&self, usage: &Usage) -> Money {
        let cached = usage.cached_tokens.min(usage.prompt_tokens);
        let fresh = usage.prompt_tokens - cached;
        let reasoning = usage.reasoning_tokens.min(usage.completion_tokens);
        let answer = usage.completion_tokens - reasoning;
        let pico = u128::from(fresh) * u128::from(self.input)
            + u128::from(cached) * u128::from(self.cached_input.unwrap_or(self.input))
            + u128::from(answer) * u128::from(self.output)
            + u128::from(reasoning) * u128::from(self.reasoning.unwrap_or(self.output));
        Money(u64::try_from(pico).unwrap_or(u64::MAX))
    }
}

/// Dollars written as decimal text (`"0.0000025"`, `"2.5e-6"`, `"3"`), times 10^`scale`,
/// as a whole number rounded half up: `scale` 12 reads a price per token into pico-dollars,
/// 6 a price per million tokens. `None` for anything else: a negative price (OpenRouter
/// lists -1 for "varies"), garbage, or an amount too large to be a price.
pub fn parse_scaled(text: &str, scale: i32) -> Option<u64> {
    let text = text.trim();
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], text[at + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let mantissa = mantissa.strip_prefix('+').unwrap_or(mantissa);
    let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !digits_ok(whole) || !digits_ok(frac) {
        return None;
    }
    let digits = format!("{whole}{frac}");
    let digits = digits.trim_start_matches('0');
    // The value is digits × 10^shift.
    let shift = exponent.checked_add(scale)?.checked_sub(i32::try_from(frac.len()).ok()?)?;
    if digits.is_empty() {
        return Some(0);
    }
    if shift >= 0 {
        if digits.len() as i64 + i64::from(shift) > 19 {
            return None;
        }
        let value: u64 = digits.parse().ok()?;
        return value.checked_mul(10u64.checked_pow(shift.unsigned_abs())?);
    }
    // Drop the digits below a unit, rounding on the first of them.
    let cut = shift.unsigned_abs() as usize;
    if cut > digits.len() {
        return Some(0);
    }
    let (kept, dropped) = digits.split_at(digits.len() - cut);
    if kept.len() > 19 {
        return None;
    }
    let kept: u64 = if kept.is_empty() { 0 } else { kept.parse().ok()? };
    let up = dropped.as_bytes().first().is_some_and(|&d| d >= b'5');
    kept.checked_add(u64::from(up))
}

/// A price as a JSON value: OpenRouter writes decimal strings, some servers numbers.
pub fn per_token(value: &serde_json::Value) -> Option<u64> {
    match value {
        serde_json::Value::String(text) => parse_scaled(text, 12),
        serde_json::Value::Number(number) => parse_scaled(&number.to_string(), 12),
        _ => None,
    }
}

/// A reply's usage, as its footer and `ask --usage` show it: "1.2k in (800 cached) · 300
/// out (120 reasoning) · $0.0042", the cost "cost unknown" when it is.
pub fn usage_text(usage: &Usage, cost: Option<Money>) -> String {
    let mut text = format!("{} in", usage.prompt_tokens);
    if usage.cached_tokens > 0 {
        text.push_str(&format!(" ({} cached)", usage.cached_tokens));
    }
    text.push_str(&format!(" · {} out", usage.completion_tokens));
    if usage.reasoning_tokens > 0 {
        text.push_str(&format!(" ({} reasoning)", usage.reasoning_tokens));
    }
    match cost {
        Some(cost) => text.push_str(&format!(" · {}", cost.short())),
        None => text.push_str(" · cost unknown"),
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_prices_become_whole_pico_dollars_exactly() {
        assert_eq!(parse_scaled("0.0000025", 12), Some(2_500_000));
        assert_eq!(parse_scaled("0.0000000375", 12), Some(37_500));
        assert_eq!(parse_scaled("2.5e-6", 12), Some(2_500_000));
        assert_eq!(parse_scaled("0", 12), Some(0));
        assert_eq!(parse_scaled("2.5", 6), Some(2_500_000), "$2.50 per million tokens");
        assert_eq!(parse_scaled("0.075", 6), Some(75_000));
        assert_eq!(parse_scaled("15", 6), Some(15_000_000));
        assert_eq!(parse_scaled("0.0000000000004", 12), Some(0), "below a pico-dollar");
        assert_eq!(parse_scaled("0.0000000000005", 12), Some(1), "rounded half up");
        for bad in ["-1", "", ".", "abc", "1.2.3", "1e", "99999999999999999999"] {
            assert_eq!(parse_scaled(bad, 12), None, "{bad:?}");
        }
    }

    #[test]
    fn cached_and_reasoning_tokens_are_charged_at_their_own_prices() {
        // $2.50 in, $1.25 cached in, $10 out, per million; reasoning at the output price.
        let price = Price {
            input: 2_500_000,
            cached_input: Some(1_250_000),
            output: 10_000_000,
            reasoning: None,
        };
        // 1000 prompt tokens of which 800 cached, 500 completion of which 300 reasoning:
        // 200×2.5 + 800×1.25 + 500×10 = 500 + 1000 + 5000 µ$ = $0.0065.
        let cost = price.cost(&Usage::new(1000, 800, 500, 300));
        assert_eq!(cost, Money(6_500_000_000));
        assert_eq!(cost.exact(), "0.0065");
        assert_eq!(cost.short(), "$0.0065");
        // A separate reasoning price applies to the reasoning tokens only.
        let priced = Price { reasoning: Some(20_000_000), ..price };
        // 500 + 1000 + 200×10 + 300×20 = 9500 µ$.
        assert_eq!(priced.cost(&Usage::new(1000, 800, 500, 300)).exact(), "0.0095");
        // Without a cached price the cached tokens cost what input costs.
        let plain = Price { cached_input: None, ..price };
        assert_eq!(plain.cost(&Usage::new(1000, 800, 500, 300)).exact(), "0.0075");
        // A server reporting more cached than prompt tokens is held to the prompt.
        assert_eq!(
            price.cost(&Usage::new(100, 900, 0, 0)),
            price.cost(&Usage::new(100, 100, 0, 0))
        );
    }

    #[test]
    fn a_million_small_costs_add_up_without_drift() {
        let price = Price { input: 37_500, cached_input: None, output: 0, reasoning: None };
        let one = price.cost(&Usage::new(1, 0, 0, 0));
        let total: Money = std::iter::repeat_n(one, 1_000_000).sum();
        assert_eq!(total.exact(), "0.0375");
    }

    #[test]
    fn amounts_read_as_people_expect() {
        assert_eq!(Money(0).short(), "$0");
        assert_eq!(Money(3_170_000_000_000).short(), "$3.17");
        assert_eq!(Money(3_175_000_000_000).short(), "$3.18");
        assert_eq!(Money(4_200_000_000).short(), "$0.0042");
        assert_eq!(Money(40_000_000).short(), "$0.00004");
        assert_eq!(Money(6_000_000).short(), "$0.000006");
        assert_eq!(Money(6_049_000).short(), "$0.000006");
        assert_eq!(Money(6_050_000).short(), "$0.0000061");
        assert_eq!(Money(100_000_000).short(), "$0.0001");
        assert_eq!(Money(1).short(), "$0.000000000001");
        assert_eq!(Money(999_940_000_000).short(), "$0.9999");
        assert_eq!(Money(999_990_000_000).short(), "$1.00");
        assert_eq!(Money(12 * DOLLAR).exact(), "12");
        assert_eq!(Money(1).exact(), "0.000000000001");
    }

    #[test]
    fn a_replys_usage_names_its_cached_and_reasoning_tokens() {
        let text = usage_text(&Usage::new(1200, 800, 300, 120), Some(Money(4_200_000_000)));
        assert_eq!(text, "1200 in (800 cached) · 300 out (120 reasoning) · $0.0042");
        assert_eq!(usage_text(&Usage::new(12, 0, 3, 0), None), "12 in · 3 out · cost unknown");
    }
}

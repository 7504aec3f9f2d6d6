//! What rockchat learned about a model on a provider from its server, kept across restarts:
//! the window the server really gives (llama-server's `/props`, a model list, an overflow
//! error's numbers), how many of the server's tokens one of our estimated tokens is
//! (calibrated from the `usage.prompt_tokens` each reply reports, or an overflow's count),
//! and whether it takes images. Pure data and arithmetic; the store keeps it, `app` fills it.

use std::collections::BTreeMap;

/// What one model on one provider is known to do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Learned {
    /// The window the server reported or an overflow revealed, in the server's tokens.
    pub window: Option<usize>,
    /// Server tokens per estimated token, in thousandths, from the server's own counts.
    pub ratio_milli: Option<u32>,
    /// `Some(false)` once the server said it cannot take images (until the model changes).
    pub images: Option<bool>,
}

/// Ratios outside this range are a bad sample (an empty request, a server counting
/// something else), not a tokenizer.
const RATIO_RANGE: std::ops::RangeInclusive<f64> = 0.2..=5.0;

impl Learned {
    /// Folds in one sample: the server counted `theirs` tokens where we estimated `ours`.
    /// The newest sample counts as much as everything before it, so a conversation that
    /// moves from prose to code follows within a few turns. Returns whether it changed.
    pub fn calibrate(&mut self, theirs: usize, ours: usize) -> bool {
        // A few tokens say little about a tokenizer.
        if ours < 4 || theirs == 0 {
            return false;
        }
        let sample = theirs as f64 / ours as f64;
        if !RATIO_RANGE.contains(&sample) {
            return false;
        }
        let ratio = match self.ratio() {
            Some(old) => (old + sample) / 2.0,
            None => sample,
        };
        let milli = Some((ratio * 1000.0).round() as u32);
        let changed = self.ratio_milli != milli;
        self.ratio_milli = milli;
        changed
    }

    /// Server tokens per estimated token, when learned and within what a tokenizer can be.
    pub fn ratio(&self) -> Option<f64> {
        self.ratio_milli.map(|m| f64::from(m) / 1000.0).filter(|r| RATIO_RANGE.contains(r))
    }
}

/// Everything learned, by (provider, model).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Learnings {
    by_model: BTreeMap<(String, String), Learned>,
}

impl Learnings {
    pub fn get(&self, provider: &str, model: &str) -> Learned {
        self.by_model.get(&(provider.to_owned(), model.to_owned())).copied().unwrap_or_default()
    }

    /// Changes what is known of one model; returns the new value (for the store).
    pub fn update(
        &mut self,
        provider: &str,
        model: &str,
        change: impl FnOnce(&mut Learned),
    ) -> Learned {
        let entry = self.by_model.entry((provider.to_owned(), model.to_owned())).or_default();
        change(entry);
        *entry
    }

    /// Loads one stored row.
    pub fn insert(&mut self, provider: String, model: String, learned: Learned) {
        self.by_model.insert((provider, model), learned);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibration_follows_the_server_and_ignores_bad_samples() {
        let mut learned = Learned::default();
        assert!(learned.calibrate(150, 100));
        assert_eq!(learned.ratio(), Some(1.5));
        assert!(learned.calibrate(100, 100));
        assert_eq!(learned.ratio(), Some(1.25));
        assert!(!learned.calibrate(6, 2), "too short to say anything");
        assert!(!learned.calibrate(100_000, 100), "no tokenizer counts 1000x");
        assert_eq!(learned.ratio(), Some(1.25));
    }
}

//! Context windows and output limits of well-known models (published figures). A model not
//! listed has no known window: nothing is trimmed for it until the server says otherwise.

/// (name prefix, context window, max output). Longer prefixes first, since the first match wins.
const KNOWN: &[(&str, usize, usize)] = &[
    ("gpt-4o-mini", 128_000, 16_384),
    ("gpt-4o", 128_000, 16_384),
    ("gpt-4.1", 1_047_576, 32_768),
    ("gpt-4-turbo", 128_000, 4_096),
    ("gpt-4-32k", 32_768, 4_096),
    ("gpt-4", 8_192, 4_096),
    ("gpt-3.5-turbo", 16_385, 4_096),
    ("o1-mini", 128_000, 65_536),
    ("o1", 200_000, 100_000),
    ("o3-mini", 200_000, 100_000),
    ("o3", 200_000, 100_000),
    ("o4-mini", 200_000, 100_000),
];

/// The window and the reply reserve for `model`, if it is known.
pub fn limits(model: &str) -> Option<(usize, usize)> {
    let name = model.rsplit('/').next().unwrap_or(model).to_ascii_lowercase();
    KNOWN
        .iter()
        .find(|(prefix, ..)| name.starts_with(prefix))
        .map(|&(_, window, output)| (window, output))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_models_have_their_published_windows() {
        assert_eq!(limits("gpt-4o-mini"), Some((128_000, 16_384)));
        assert_eq!(limits("openai/gpt-4.1-mini"), Some((1_047_576, 32_768)));
        assert_eq!(limits("gpt-4-0613"), Some((8_192, 4_096)));
        assert_eq!(limits("llama3.2"), None);
    }
}

//! Every problem of a config file at once, for `rockchat config check`, and the effective
//! config as TOML with its secrets redacted, for `rockchat config show`.
//!
//! Loading a config stops at its first mistake (the merge checks each key as it reaches it);
//! here the line of each mistake is blanked out and the rest read again, so the user fixes
//! everything in one go. Line numbers stay those of the file. It never writes a file and
//! never shows a header's value or a URL's credentials.

use std::path::Path;

use super::check::ConfigError;
use super::{Config, EXAMPLE_CONFIG, file};

/// More mistakes than anyone fixes in one sitting; also ends a loop that makes no progress.
const MOST_PROBLEMS: usize = 100;

/// Every mistake in `text` (the file at `path`), top to bottom; empty when it loads.
pub fn problems(text: &str, path: &Path) -> Vec<ConfigError> {
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let mut found = Vec::new();
    while found.len() < MOST_PROBLEMS {
        let current = lines.join("\n");
        let error = match Config::defaults().and_then(|d| file::merged(d, &current, path)) {
            Ok(_) => break,
            Err(error) => error,
        };
        let line = match &error {
            ConfigError::Invalid { line, .. } => *line,
            ConfigError::Read { .. } => 0,
        };
        found.push(error);
        if !blank_out(&mut lines, line) {
            break;
        }
    }
    found.sort_by_key(|error| match error {
        ConfigError::Invalid { line, .. } => *line,
        ConfigError::Read { .. } => 0,
    });
    found
}

/// Removes what the mistake on 1-based `line` stands on: the line, or a whole table when
/// the line is its header (a table is checked as a whole). False when there was nothing
/// left to remove there, so the next read would find the same mistake.
fn blank_out(lines: &mut [String], line: usize) -> bool {
    let Some(index) = line.checked_sub(1).filter(|&i| i < lines.len()) else { return false };
    let is_header = |text: &str| text.trim_start().starts_with('[');
    let end = if is_header(&lines[index]) {
        (index + 1..lines.len()).find(|&i| is_header(&lines[i])).unwrap_or(lines.len())
    } else {
        index + 1
    };
    let mut changed = false;
    for text in &mut lines[index..end] {
        if !text.trim().is_empty() {
            text.clear();
            changed = true;
        }
    }
    changed
}

/// The config in effect with the file `text` merged over the defaults, as TOML: the
/// defaults' keys, the file's replacing them (a provider's table key by key, as the merge
/// does), header values and credentials in URLs redacted. Only for a file that loads.
pub fn effective_toml(text: &str) -> Result<String, toml::de::Error> {
    let mut merged: toml::Table = toml::from_str(EXAMPLE_CONFIG)?;
    let given: toml::Table = toml::from_str(text)?;
    for (key, value) in given {
        match (key.as_str(), merged.get_mut(&key), value) {
            // Providers merge table by table, key by key; `models` and `colors` add to
            // what is there.
            ("providers", Some(toml::Value::Table(have)), toml::Value::Table(tables)) => {
                for (name, table) in tables {
                    match (have.get_mut(&name), table) {
                        (Some(toml::Value::Table(old)), toml::Value::Table(new)) => old.extend(new),
                        (_, table) => {
                            have.insert(name, table);
                        }
                    }
                }
            }
            ("models" | "colors", Some(toml::Value::Table(have)), toml::Value::Table(new)) => {
                have.extend(new);
            }
            (_, _, value) => {
                merged.insert(key, value);
            }
        }
    }
    if let Some(toml::Value::Table(providers)) = merged.get_mut("providers") {
        for (_, provider) in providers.iter_mut() {
            let toml::Value::Table(provider) = provider else { continue };
            if let Some(toml::Value::String(url)) = provider.get_mut("base_url") {
                *url = crate::secret::redact_url_credentials(url).into_owned();
            }
            // Headers carry tokens as often as not (Authorization, X-Api-Key).
            if let Some(toml::Value::Table(headers)) = provider.get_mut("headers") {
                for (_, value) in headers.iter_mut() {
                    *value = toml::Value::String("<redacted>".into());
                }
            }
        }
    }
    Ok(toml::to_string(&merged).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(problems: &[ConfigError]) -> Vec<(usize, String)> {
        problems
            .iter()
            .map(|p| match p {
                ConfigError::Invalid { line, key, .. } => (*line, key.clone().unwrap_or_default()),
                ConfigError::Read { .. } => (0, String::new()),
            })
            .collect()
    }

    #[test]
    fn every_mistake_is_reported_with_its_own_line() {
        let text = "mouse = \"yes\"\nmax_retries = 3\nmodle = \"x\"\n\n[colors]\nheading = \"nope\"\n\n\
                    [providers.mine]\nmodel = \"m\"\n\n[providers.rockapi]\nbase_url = \"ftp://x\"\n";
        let found = problems(text, Path::new("c.toml"));
        assert_eq!(
            lines_of(&found),
            [
                (1, "mouse".to_owned()),
                (3, "modle".to_owned()),
                (6, "colors.heading".to_owned()),
                (8, "providers.mine.base_url".to_owned()),
                (12, "providers.rockapi.base_url".to_owned()),
            ],
            "{found:#?}"
        );
    }

    #[test]
    fn a_good_file_has_no_problems() {
        assert!(
            problems("mouse = true\n[providers.rockapi]\nmodel = \"x\"\n", Path::new("c"))
                .is_empty()
        );
        assert!(problems("", Path::new("c")).is_empty());
    }

    #[test]
    fn a_syntax_error_does_not_hide_the_mistakes_after_it() {
        let found = problems("mouse = \nmax_retries = \"many\"\n", Path::new("c.toml"));
        assert_eq!(lines_of(&found).iter().map(|(l, _)| *l).collect::<Vec<_>>(), [1, 2]);
    }

    #[test]
    fn the_effective_config_merges_over_the_defaults_and_hides_secrets() {
        let text = "mouse = true\n[providers.rockapi]\nmodel = \"big\"\n\
                    headers = { Authorization = \"Bearer sk-secret\" }\n\
                    [providers.mine]\nbase_url = \"https://user:hunter2@example.com/v1\"\nmodel = \"m\"\n";
        let shown = effective_toml(text).unwrap();
        let table: toml::Table = toml::from_str(&shown).unwrap();
        assert_eq!(table["mouse"].as_bool(), Some(true));
        let rockapi = &table["providers"]["rockapi"];
        assert_eq!(rockapi["model"].as_str(), Some("big"));
        // Kept from the defaults, key by key.
        assert!(rockapi["base_url"].as_str().is_some_and(|url| url.starts_with("https://")));
        assert!(table["providers"]["openai"].is_table());
        assert!(!shown.contains("sk-secret") && !shown.contains("hunter2"), "{shown}");
        assert_eq!(rockapi["headers"]["Authorization"].as_str(), Some("<redacted>"));
    }
}

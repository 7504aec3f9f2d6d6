//! `rockchat config path|show|check`: where the config file is, the config in effect (its
//! secrets redacted), and every mistake in the file at once.
//!
//! They read the file and print; they never write it. `check` is the only one whose exit
//! status says something: 1 when the file has any mistake (or others may change it).

use std::io::Write;
use std::path::Path;

use crate::config::{Config, ConfigError, audit, exposure_warning};

/// The path, on a line of its own (for `$EDITOR "$(rockchat config path)"`); whether a file
/// is there goes to stderr.
pub fn path(file: &Path, out: &mut impl Write, err: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "{}", file.display())?;
    if !file.is_file() {
        writeln!(err, "(no file there yet: the built-in defaults are in use)")?;
    }
    Ok(())
}

/// The defaults with the file at `file` (if there is one) merged over them, as TOML. A file
/// with a mistake is an error, as at start-up.
pub fn show(file: Option<&Path>, out: &mut impl Write) -> anyhow::Result<()> {
    let text = match file.filter(|file| file.exists()) {
        Some(file) => {
            // Load first: the mistakes are reported exactly as they would be at start-up.
            Config::load(file)?;
            std::fs::read_to_string(file)?
        }
        None => String::new(),
    };
    let shown = audit::effective_toml(&text)?;
    write!(out, "{}", crate::sanitize::sanitize(&shown))?;
    Ok(())
}

/// Every mistake in the file at `file`, one per line, and the warning if others may change
/// it; true when there is none.
pub fn check(
    file: Option<&Path>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> anyhow::Result<bool> {
    let Some(file) = file.filter(|file| file.exists()) else {
        let shown = file.map_or_else(|| "the config dir".to_owned(), |f| f.display().to_string());
        writeln!(out, "no config file at {shown}: the built-in defaults are in use")?;
        return Ok(true);
    };
    let problems = match std::fs::read_to_string(file) {
        Ok(text) => audit::problems(&text, file),
        Err(reason) => vec![ConfigError::Read { path: file.to_path_buf(), reason }],
    };
    for problem in &problems {
        writeln!(err, "{problem}")?;
    }
    let exposed = exposure_warning(file);
    if let Some(warning) = &exposed {
        writeln!(err, "warning: {warning}")?;
    }
    let count = problems.len() + usize::from(exposed.is_some());
    if count == 0 {
        writeln!(out, "{}: no problems", file.display())?;
    } else {
        writeln!(
            err,
            "{count} problem{} in {}",
            if count == 1 { "" } else { "s" },
            file.display()
        )?;
    }
    Ok(count == 0)
}

//! Where rockchat keeps its files. Environment overrides exist so tests and users can point
//! everything at a directory of their choosing.

use std::path::PathBuf;

use directories::ProjectDirs;

fn project() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "rockchat")
}

/// Data and logs: `ROCKCHAT_DATA_DIR`, else the platform data dir.
pub fn data_dir() -> Option<PathBuf> {
    match std::env::var_os("ROCKCHAT_DATA_DIR") {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => project().map(|p| p.data_dir().to_path_buf()),
    }
}

/// The user's config file if one exists at the platform location.
pub fn default_config_file() -> Option<PathBuf> {
    platform_config_file().filter(|path| path.is_file())
}

/// Where the user's config file goes on this platform, whether or not it exists.
pub fn platform_config_file() -> Option<PathBuf> {
    project().map(|p| p.config_dir().join("config.toml"))
}

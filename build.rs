//! Links the release binary with the code a session runs laid out first and together.
//!
//! The kernel maps a program's code 64 KB at a time around each first touch. Linked in the
//! compiler's order, the few MB a session runs are spread over the 16 MB of code, and
//! about 9 MB of it ends up in memory; laid out first, in the order of
//! `assets/link/hot-functions.txt` (recorded by `assets/link/record.py`), about 5 MB.
//! The order is a hint: a name the build no longer has is passed over, so a stale list
//! costs memory, never a failed build.
//!
//! Only LLD reads such a list, and only where rustc links with it by default (x86-64
//! Linux, since Rust 1.90) is it known to be the linker: any other target, toolchain or
//! configured linker links as before.

use std::env;
use std::path::Path;
use std::process::Command;

const ORDER: &str = "assets/link/hot-functions.txt";

fn main() {
    println!("cargo::rerun-if-changed={ORDER}");
    println!("cargo::rerun-if-env-changed=ROCKCHAT_LINK_ORDER");
    let Ok(dir) = env::var("CARGO_MANIFEST_DIR") else { return };
    let order = format!("{dir}/{ORDER}");
    let wanted = env::var_os("ROCKCHAT_LINK_ORDER").is_none_or(|value| value != "0");
    // A comma would split the `-Wl,` argument.
    if !wanted || !links_with_lld() || order.contains(',') || !Path::new(&order).is_file() {
        return;
    }
    println!("cargo::rustc-link-arg-bin=rockchat=-Wl,--symbol-ordering-file={order}");
    println!("cargo::rustc-link-arg-bin=rockchat=-Wl,--no-warn-symbol-ordering");
}

/// Whether this build links with rustc's own LLD: a release build for x86-64 Linux by
/// a rustc that defaults to it, with no linker of the user's choosing.
fn links_with_lld() -> bool {
    let var = |name: &str| env::var(name).unwrap_or_default();
    let rustflags = var("CARGO_ENCODED_RUSTFLAGS");
    var("PROFILE") == "release"
        && var("TARGET") == "x86_64-unknown-linux-gnu"
        && env::var_os("RUSTC_LINKER").is_none()
        && !rustflags.contains("link")
        && !rustflags.contains("fuse-ld")
        && rustc_minor().is_some_and(|minor| minor >= 90)
}

/// The minor version of the rustc building this (`rustc 1.95.0 (…)` is 95).
fn rustc_minor() -> Option<u32> {
    let rustc = env::var_os("RUSTC")?;
    let output = Command::new(rustc).arg("-V").output().ok()?;
    let version = String::from_utf8(output.stdout).ok()?;
    let mut numbers = version.split_whitespace().nth(1)?.split('.');
    (numbers.next()? == "1").then_some(())?;
    numbers.next()?.parse().ok()
}

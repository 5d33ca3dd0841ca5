//! Driving cargo: the `$CARGO` command, project discovery, rustflags resolution and variant builds.

mod build;
pub(crate) mod config;
pub(crate) mod linker;
mod lock;
mod project;
pub(crate) mod rustflags;
mod selection;

pub(crate) use build::{Build, Builder};
pub(crate) use lock::{LOCK_FILE, TuneLock, lock_tune_dir};
pub(crate) use project::{BinTarget, Project};
pub(crate) use selection::Selection;

use crate::process::Cmd;

/// The cargo that invoked us (`$CARGO`), or `cargo` on PATH.
pub(crate) fn cargo_cmd() -> Cmd {
    Cmd::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// `$CARGO_HOME`, or `~/.cargo`.
pub(crate) fn cargo_home() -> Option<std::path::PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(Into::into)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cargo")))
}

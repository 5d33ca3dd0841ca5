//! Edits of the user's files — `[profile.*]` in the workspace root Cargo.toml and rustflags in
//! `.cargo/config.toml` — planned as values (`Edit`), shown as diffs, written atomically.
//!
//! Every edit goes through `toml_edit`, so comments, key order, whitespace and unrelated tables
//! stay byte-for-byte; and through `write::commit`, so a crash never leaves a half-written file
//! and a change cargo rejects is rolled back.

mod apply;
pub mod diff;
pub mod effective;
mod profile_table;
mod resolve;
pub mod rustflags_edit;
pub mod write;

use std::path::{Path, PathBuf};

pub use apply::{ApplyOptions, ApplyOutcome, ApplyStatus, Plan, apply_profile, plan_profile};
pub use profile_table::validate_profile_name;
pub use resolve::Sources;

/// The planned change to one file. Building it writes nothing, so dry runs and diffs are free.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    NoChange {
        path: PathBuf,
    },
    Modified {
        path: PathBuf,
        /// `None` when the file does not exist yet.
        old: Option<String>,
        new: String,
    },
}

impl Edit {
    /// `NoChange` when `new` is what the file already says.
    pub fn new(path: PathBuf, old: Option<String>, new: String) -> Edit {
        if old.as_deref() == Some(new.as_str()) {
            Edit::NoChange { path }
        } else {
            Edit::Modified { path, old, new }
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            Edit::NoChange { path } | Edit::Modified { path, .. } => path,
        }
    }

    pub fn is_change(&self) -> bool {
        matches!(self, Edit::Modified { .. })
    }
}

#[cfg(test)]
mod tests;

//! Edits of the user's files — `[profile.*]` in the workspace root Cargo.toml and rustflags in
//! `.cargo/config.toml` — planned as values (`Edit`), shown as diffs, written atomically.
//!
//! Every edit goes through `toml_edit`, so comments, key order, whitespace and unrelated tables
//! stay byte-for-byte; and through `write::commit`, so a crash never leaves a half-written file
//! and a change cargo rejects is rolled back.

mod apply;
pub(crate) mod diff;
pub(crate) mod effective;
mod profile_table;
mod resolve;
pub(crate) mod rustflags_edit;
pub(crate) mod write;

use std::path::{Path, PathBuf};

pub(crate) use apply::{ApplyOptions, apply_profile};
pub(crate) use profile_table::validate_profile_name;
pub(crate) use resolve::Sources;

/// The planned change to one file. Building it writes nothing, so dry runs and diffs are free.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Edit {
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
    /// `NoChange` when `new` is what the file already says. `new` gets the line endings of
    /// `old`: toml_edit renders `\n`, and a CRLF file must stay CRLF.
    pub(crate) fn new(path: PathBuf, old: Option<String>, new: String) -> Edit {
        let new = with_line_endings_of(old.as_deref(), new);
        if old.as_deref() == Some(new.as_str()) {
            Edit::NoChange { path }
        } else {
            Edit::Modified { path, old, new }
        }
    }

    pub(crate) fn path(&self) -> &Path {
        match self {
            Edit::NoChange { path } | Edit::Modified { path, .. } => path,
        }
    }

    pub(crate) fn is_change(&self) -> bool {
        matches!(self, Edit::Modified { .. })
    }
}

/// `new` with CRLF line endings when most lines of `old` end so; a `\r\n` already in `new`
/// (kept from the original text) stays as it is.
fn with_line_endings_of(old: Option<&str>, new: String) -> String {
    let Some(old) = old else { return new };
    let crlf = old.matches("\r\n").count();
    let lf = old.matches('\n').count() - crlf;
    if crlf == 0 || crlf < lf {
        return new;
    }
    let mut out = String::with_capacity(new.len() + new.len() / 16);
    let mut after_cr = false;
    for c in new.chars() {
        if c == '\n' && !after_cr {
            out.push('\r');
        }
        out.push(c);
        after_cr = c == '\r';
    }
    out
}

#[cfg(test)]
mod tests;

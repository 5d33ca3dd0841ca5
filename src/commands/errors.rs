//! How a command ends without an ordinary error: an exit status it already explained
//! (`SilentExit`), or a mistake on the command line found after parsing (`UsageError`, exit 2).

use std::fmt;

/// An exit with this status and nothing more to say (the command already reported).
#[derive(Debug)]
pub struct SilentExit(pub i32);

impl fmt::Display for SilentExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exit status {}", self.0)
    }
}
impl std::error::Error for SilentExit {}

/// A mistake on the command line (a flag's value, or flags that do not go together), found
/// after clap parsed it: exits 2 as the mistakes clap finds do, so a script can tell it from a
/// run that failed (1). Its text is the inner error's.
#[derive(Debug)]
pub struct UsageError(pub anyhow::Error);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.0)
    }
}
impl std::error::Error for UsageError {}

/// Marks `e` as a usage error (for `map_err`).
pub(crate) fn usage(e: anyhow::Error) -> anyhow::Error {
    UsageError(e).into()
}

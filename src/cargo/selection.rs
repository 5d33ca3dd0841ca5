//! Which project, package, binary and features a command works on, and how cargo is invoked for
//! it: the typed value the command layer makes from cargo-shaped flags once; nothing below the
//! commands sees the command-line parser.

use std::path::PathBuf;

/// The user's selection, as cargo's own flags give it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Selection {
    pub manifest_path: Option<PathBuf>,
    pub package: Option<String>,
    pub bin: Option<String>,
    pub features: Vec<String>,
    pub all_features: bool,
    pub no_default_features: bool,
    /// Target triple (default: the host).
    pub target: Option<String>,
    pub target_dir: Option<PathBuf>,
    /// Cargo profile the variants start from.
    pub profile: String,
    pub locked: bool,
    pub offline: bool,
    /// Fail at once instead of waiting for the lock on `<target-dir>/tune`.
    pub no_wait: bool,
}

impl Selection {
    /// The options that select the project, package, binary and features, as they would be typed
    /// again in a follow-up command (` --manifest-path x/Cargo.toml -p app`), quoted for a shell.
    pub(crate) fn selection(&self) -> String {
        let mut words: Vec<String> = Vec::new();
        if let Some(m) = &self.manifest_path {
            words.extend(["--manifest-path".into(), m.display().to_string()]);
        }
        if let Some(p) = &self.package {
            words.extend(["-p".into(), p.clone()]);
        }
        if let Some(b) = &self.bin {
            words.extend(["--bin".into(), b.clone()]);
        }
        words.extend(self.cargo_flags());
        words
            .iter()
            .map(|w| format!(" {}", crate::process::shell_quote(w)))
            .collect()
    }

    /// Flags passed through to every cargo build: features, `--locked`, `--offline`.
    pub(crate) fn cargo_flags(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.features.is_empty() {
            out.push("--features".into());
            out.push(self.features.join(","));
        }
        if self.all_features {
            out.push("--all-features".into());
        }
        if self.no_default_features {
            out.push("--no-default-features".into());
        }
        if self.locked {
            out.push("--locked".into());
        }
        if self.offline {
            out.push("--offline".into());
        }
        out
    }
}

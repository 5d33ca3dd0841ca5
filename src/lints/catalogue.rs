//! What a lint is: its severity, a finding (`Lint`), the catalogue of every lint (`LINTS`) and
//! what the lints need to know besides the project (`LintOptions`).

use std::fmt;

use serde::Serialize;

use crate::cargo::BinTarget;
use crate::cargo::Selection;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Severity {
    Note,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One finding about the project's build configuration.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Lint {
    pub id: &'static str,
    pub severity: Severity,
    /// What is wrong, in one line.
    pub message: String,
    /// What to do about it.
    pub fix: String,
    /// File (and key) it is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// A lint as documented: what it checks, independent of any project.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct LintInfo {
    pub id: &'static str,
    pub severity: Severity,
    pub explanation: &'static str,
    pub fix: &'static str,
}

/// Every lint `doctor` runs.
pub(crate) const LINTS: &[LintInfo] = &[
    LintInfo {
        id: "panic-abort-catch-unwind",
        severity: Severity::Warning,
        explanation: "a profile sets panic = \"abort\" while the workspace or its dependencies call std::panic::catch_unwind, which then catches nothing",
        fix: "keep panic = \"unwind\" for that binary, or check that the named crates do not rely on catching panics (tests always unwind, so they will not show it)",
    },
    LintInfo {
        id: "strip-with-bolt",
        severity: Severity::Warning,
        explanation: "strip = \"symbols\" in the shipping profile while BOLT is wanted: BOLT needs the symbol table and relocations",
        fix: "set strip = \"none\" (or \"debuginfo\") in the profile and strip the binary after BOLT",
    },
    LintInfo {
        id: "debuginfo-in-shipping",
        severity: Severity::Note,
        explanation: "the shipping profile builds with debug info (debug = true, full or limited), which makes the binary much larger",
        fix: "debug = \"line-tables-only\" keeps backtraces with file:line; or split-debuginfo = \"packed\" to keep it out of the binary",
    },
    LintInfo {
        id: "unstripped-symbols",
        severity: Severity::Note,
        explanation: "the shipping profile keeps the symbol table (strip is not \"symbols\"), which adds size but no speed",
        fix: "strip = \"symbols\" (or strip = true) in the shipping profile, unless you profile or BOLT the binary",
    },
    LintInfo {
        id: "lto-without-single-codegen-unit",
        severity: Severity::Note,
        explanation: "LTO is on but codegen-units is not 1: a possible further gain, not an error",
        fix: "try codegen-units = 1 and measure (`cargo tune compare`); it costs compile time",
    },
    LintInfo {
        id: "target-cpu-native",
        severity: Severity::Warning,
        explanation: "-Ctarget-cpu=native in a cargo config of a project that ships binaries: they only run on CPUs like the build machine's",
        fix: "use -Ctarget-cpu=x86-64-v3 (CPUs since ~2015) for binaries you ship, or keep native only in a local, uncommitted config",
    },
    LintInfo {
        id: "member-profile",
        severity: Severity::Warning,
        explanation: "[profile.*] in a workspace member's Cargo.toml, which cargo ignores",
        fix: "move it to the workspace root Cargo.toml",
    },
    LintInfo {
        id: "heavy-default-features",
        severity: Severity::Note,
        explanation: "a dependency's default features pull in crates nothing else needs: candidates for default-features = false (size and compile time)",
        fix: "declare it with default-features = false and add back only the features you use",
    },
    LintInfo {
        id: "dependencies-not-checked",
        severity: Severity::Note,
        explanation: "dependency lints were skipped because `cargo metadata` could not resolve the dependency graph (e.g. offline without a cache)",
        fix: "run `cargo fetch` (or drop --offline) and run doctor again",
    },
];

/// What the lints need to know besides the project.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LintOptions<'a> {
    /// The target triple being built for.
    pub target: &'a str,
    /// The profile that ships (`release`, or `--profile`).
    pub profile: &'a str,
    /// The binary being tuned, if one could be chosen (for sizes and its tune config).
    pub bin: Option<&'a BinTarget>,
    /// Feature selection, `--offline`, `--locked`, `--target` as given.
    pub cargo: &'a Selection,
}

//! What rustc/LLVM said while building with `-Cprofile-use`: unusable profiles are errors,
//! missing and mismatched functions are counted.

use serde::{Deserialize, Serialize};

/// Counts of PGO diagnostics from one optimized build.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PgoWarnings {
    /// "invalid instrumentation profile data" / "profile data may be corrupted": PGO did nothing.
    pub unusable: Vec<String>,
    /// Functions compiled without profile data (never run by the workloads, or new code).
    pub missing: usize,
    /// Functions whose control flow changed since profiling (sources edited).
    pub mismatched: usize,
}

impl PgoWarnings {
    pub(crate) fn scan(stderr: &str) -> PgoWarnings {
        let mut w = PgoWarnings::default();
        for line in stderr.lines() {
            let Some(msg) = line.trim_start().strip_prefix("warning: ") else {
                continue;
            };
            if msg.contains("invalid instrumentation profile data")
                || msg.contains("profile data may be corrupted")
            {
                w.unusable.push(msg.trim().to_string());
            } else if msg.contains("no profile data available for function") {
                w.missing += 1;
            } else if msg.contains("hash mismatch") {
                w.mismatched += 1;
            }
        }
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Lines as rustc 1.95 / LLVM 22 print them (checked on this toolchain).
    const STDERR: &str = "   Compiling pgox v0.1.0 (/tmp/pgox)
warning: pgox.7426a913ae0eadfb-cgu.0: function control flow change detected (hash mismatch) _ZN4pgox4main17hb703588b9d158983E Hash = 842039264506447854 up to 100021 count discarded

warning: pgox.7426a913ae0eadfb-cgu.0: no profile data available for function _ZN4pgox9brand_new17h272bf3d024c76b1aE Hash = 382993475055910911 up to 0 count discarded

warning: `pgox` (bin \"pgox\") generated 2 warnings
";

    #[test]
    fn counts_missing_and_mismatched() {
        let w = PgoWarnings::scan(STDERR);
        assert_eq!((w.missing, w.mismatched, w.unusable.len()), (1, 1, 0));
    }

    #[test]
    fn unusable_profile_is_caught() {
        let w = PgoWarnings::scan(
            "warning: /tmp/pgox/bad.profdata: invalid instrumentation profile data (file header is corrupt)\n",
        );
        assert_eq!(w.unusable.len(), 1);
    }
}

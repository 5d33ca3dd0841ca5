//! One training per code revision: when a profile gathered on one configuration's instrumented
//! build can optimize another configuration, and whether the build that used it matched it.
//!
//! LLVM finds a function's counts by its PGO name and checks them by a hash of its control flow.
//! A function local to its codegen unit is named `<cgu name>;<symbol>`, and the codegen-unit
//! name carries a hash of the crate's identity, which cargo derives from the profile settings
//! (opt-level, lto, codegen-units, panic…) but not from rustflags. Measured on the bundled
//! examples (docs/auto.md): a profile gathered with `production` optimizes
//! `production+target-cpu=x86-64-v3` with 0 functions missing or mismatched, while a profile
//! gathered with `release` finds none of `production`'s 85 functions (every name differs), and
//! even matched by symbol, `panic=abort` changes the control flow of the hot ones.

use crate::pgo::PgoWarnings;
use crate::pgo::layout::MergedInfo;
use crate::variant::Variant;

/// A profile trained on one configuration: the plain configuration it was gathered on, and
/// its merge.
#[derive(Debug, Clone)]
pub(crate) struct Trained {
    pub base: Variant,
    pub merged: MergedInfo,
}

/// Whether a profile gathered on `trained`'s instrumented build can optimize `target`: the same
/// cargo profile and settings (so the same codegen-unit names), the same rustflags of the user's;
/// only the target CPU may differ.
pub(crate) fn shares_profile(trained: &Variant, target: &Variant) -> bool {
    trained.base_profile == target.base_profile
        && trained.cargo_settings() == target.cargo_settings()
        && trained.rustflags == target.rustflags
        && trained.bolt == target.bolt
}

/// The functions a reused profile left without counts (mismatched or missing) that still count
/// as "few": 5% of the functions in the profile, at least 2.
pub(crate) fn few(functions: Option<u64>) -> usize {
    let five_pct = functions.map_or(0, |f| (f as f64 * 0.05).floor() as usize);
    five_pct.max(2)
}

/// How a reused profile fared in the build that used it: `Ok` with the sentence to report when
/// few functions went without counts, `Err` with it when so many did that it should be trained.
pub(crate) fn judge(
    warnings: &PgoWarnings,
    functions: Option<u64>,
    donor: &str,
) -> Result<String, String> {
    let lost = warnings.mismatched + warnings.missing;
    let of = functions.map_or(String::new(), |f| format!(" of the profile's {f}"));
    let counted = format!(
        "{} mismatched and {} missing{of}",
        warnings.mismatched, warnings.missing
    );
    if lost <= few(functions) {
        Ok(format!(
            "optimized with the profile trained on `{donor}` ({counted}): no training of its own"
        ))
    } else {
        Err(format!(
            "the profile trained on `{donor}` did not fit ({counted}, over {}), so it was trained on its own build",
            few(functions)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(spec: &str) -> Variant {
        let mut v = Variant::new("x", "release");
        crate::spec::apply_pairs(&mut v, spec).unwrap();
        v
    }

    #[test]
    fn only_the_target_cpu_may_differ() {
        assert!(shares_profile(
            &v("lto=fat,codegen-units=1"),
            &v("lto=fat,codegen-units=1,target-cpu=x86-64-v3")
        ));
        // Any profile setting may change the crate's identity (measured: lto, opt-level, the
        // production bundle), so only equal settings share.
        assert!(!shares_profile(&v("lto=fat"), &v("lto=thin")));
        assert!(!shares_profile(&v(""), &v("panic=abort")));
        assert!(!shares_profile(&v(""), &v("opt-level=2")));
    }

    #[test]
    fn few_is_five_percent_of_the_profile_and_at_least_two() {
        let w = |mismatched, missing| PgoWarnings {
            unusable: Vec::new(),
            mismatched,
            missing,
        };
        assert_eq!(few(None), 2);
        assert_eq!(few(Some(195)), 9);
        let ok = judge(&w(0, 0), Some(86), "production").unwrap();
        assert!(
            ok.contains("0 mismatched and 0 missing of the profile's 86"),
            "{ok}"
        );
        let too_many = judge(&w(0, 85), Some(86), "release").unwrap_err();
        assert!(too_many.contains("did not fit"), "{too_many}");
        assert!(judge(&w(1, 1), None, "release").is_ok());
    }
}

//! The single changes the goals try, as values: each knows its name in a candidate's label,
//! what it sets on a variant, and what kind of change it is (so decisions match on it).

use crate::spec::Candidate;
use crate::variant::{Lto, Variant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::search) enum Move {
    /// Fat LTO with one codegen unit (the production bundle's core).
    FatLto,
    /// Thin LTO: cheaper to build than fat.
    ThinLto,
    /// `target-cpu=x86-64-v3` (AVX2 era CPUs).
    CpuV3,
    /// `target-cpu=native` (this machine's CPU).
    CpuNative,
    OptLevel2,
    OptLevelS,
    StripSymbols,
}

impl Move {
    /// The change as the spec grammar writes it; candidates are named `<base>+<label>`.
    pub(in crate::search) fn label(self) -> &'static str {
        match self {
            Move::FatLto => "lto=fat,codegen-units=1",
            Move::ThinLto => "lto=thin",
            Move::CpuV3 => "target-cpu=x86-64-v3",
            Move::CpuNative => "target-cpu=native",
            Move::OptLevel2 => "opt-level=2",
            Move::OptLevelS => "opt-level=s",
            Move::StripSymbols => "strip=symbols",
        }
    }

    pub(in crate::search) fn is_lto(self) -> bool {
        matches!(self, Move::FatLto | Move::ThinLto)
    }

    /// Whether this move on `from` makes the build cheaper (so a proven tie may go its way).
    pub(in crate::search) fn is_cheaper_on(self, from: &Variant) -> bool {
        self == Move::ThinLto && from.settings.lto == Some(Lto::Fat)
    }

    /// What the move sets, read from its label by the spec grammar (one definition of each
    /// setting: the label is both the candidate's name and what is built).
    fn apply(self, v: &mut Variant) {
        crate::spec::apply_pairs(v, self.label())
            .unwrap_or_else(|e| panic!("the label of {self:?} is not a valid spec: {e:#}"));
    }
}

/// `c` with one more change, named by its settings after the change: `release+lto=fat,
/// codegen-units=1` and then thin LTO is `release+lto=thin,codegen-units=1`, never a name that
/// holds two LTO settings.
pub(in crate::search) fn changed(c: &Candidate, m: Move) -> Candidate {
    let mut n = c.clone();
    m.apply(&mut n.variant);
    n.name = merged_name(&c.name, m.label());
    n.variant.name = n.name.clone();
    n
}

/// `<root>+<key=value,…>` with `label`'s pairs replacing earlier values of the same keys;
/// items that are not pairs (`pgo`) keep their place after them.
fn merged_name(name: &str, label: &str) -> String {
    let (root, rest) = name.split_once('+').unwrap_or((name, ""));
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    let mut stages: Vec<&str> = Vec::new();
    let items = rest.split(['+', ',']).chain(label.split(','));
    for item in items.filter(|i| !i.is_empty()) {
        match item.split_once('=') {
            Some((k, v)) => match pairs.iter_mut().find(|(key, _)| *key == k) {
                Some(p) => p.1 = v,
                None => pairs.push((k, v)),
            },
            None => stages.push(item),
        }
    }
    let pairs: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut out = format!("{root}+{}", pairs.join(","));
    for s in stages {
        out.push('+');
        out.push_str(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A candidate's name lists each setting once, with its value after the last change.
    #[test]
    fn names_merge_the_settings() {
        let release = Candidate::plain("release", Variant::new("release", "release"));
        let fat = changed(&release, Move::FatLto);
        assert_eq!(fat.name, "release+lto=fat,codegen-units=1");
        let thin = changed(&fat, Move::ThinLto);
        assert_eq!(thin.name, "release+lto=thin,codegen-units=1");
        let v3 = changed(&thin, Move::CpuV3);
        assert_eq!(
            v3.name,
            "release+lto=thin,codegen-units=1,target-cpu=x86-64-v3"
        );
        // The name says what was built.
        let mut parsed = Variant::new("x", "release");
        crate::spec::apply_pairs(&mut parsed, v3.name.split_once('+').unwrap().1).unwrap();
        assert_eq!(parsed.settings, v3.variant.settings);
        assert_eq!(parsed.target_cpu, v3.variant.target_cpu);
        assert_eq!(
            merged_name("production+pgo", "lto=thin"),
            "production+lto=thin+pgo"
        );
    }

    /// Every label is a valid spec, and each move changes the variant it is applied to.
    #[test]
    fn every_label_parses_and_changes_something() {
        for m in [
            Move::FatLto,
            Move::ThinLto,
            Move::CpuV3,
            Move::CpuNative,
            Move::OptLevel2,
            Move::OptLevelS,
            Move::StripSymbols,
        ] {
            let release = Variant::new("x", "release");
            let mut moved = release.clone();
            m.apply(&mut moved);
            assert_ne!(moved, release, "{m:?}");
        }
    }
}

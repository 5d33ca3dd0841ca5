//! The single changes the goals try, as values: each knows its name in a candidate's label,
//! what it sets on a variant, and what kind of change it is (so decisions match on it).

use crate::spec::Candidate;
use crate::variant::{Lto, OptLevel, Strip, Variant};

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

    fn apply(self, v: &mut Variant) {
        let s = &mut v.settings;
        match self {
            Move::FatLto => {
                s.lto = Some(Lto::Fat);
                s.codegen_units = Some(1);
            }
            Move::ThinLto => s.lto = Some(Lto::Thin),
            Move::CpuV3 => v.target_cpu = Some("x86-64-v3".into()),
            Move::CpuNative => v.target_cpu = Some("native".into()),
            Move::OptLevel2 => s.opt_level = Some(OptLevel::O2),
            Move::OptLevelS => s.opt_level = Some(OptLevel::S),
            Move::StripSymbols => s.strip = Some(Strip::Symbols),
        }
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

    /// Each move sets exactly what its label says, as the spec grammar would read it.
    #[test]
    fn moves_match_their_labels() {
        for m in [
            Move::FatLto,
            Move::ThinLto,
            Move::CpuV3,
            Move::CpuNative,
            Move::OptLevel2,
            Move::OptLevelS,
            Move::StripSymbols,
        ] {
            let mut typed = Variant::new("x", "release");
            m.apply(&mut typed);
            let mut parsed = Variant::new("x", "release");
            crate::spec::apply_pairs(&mut parsed, m.label()).unwrap();
            assert_eq!(typed, parsed, "{m:?}");
        }
    }
}

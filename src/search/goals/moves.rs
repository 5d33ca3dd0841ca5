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

/// `c` with one more change, named `<c>+<change>`.
pub(in crate::search) fn changed(c: &Candidate, m: Move) -> Candidate {
    let mut n = c.clone();
    m.apply(&mut n.variant);
    n.name = format!("{}+{}", c.name, m.label());
    n.variant.name = n.name.clone();
    n
}

#[cfg(test)]
mod tests {
    use super::*;

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

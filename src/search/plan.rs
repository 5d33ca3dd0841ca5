//! The order of a search's next steps: a combination of two kept winners first (the best plain
//! configuration with a build stage that helped), then every other step by its expected gain per
//! second of estimated cost. Gains come from this search's measurements when it has them, else
//! from documented priors (docs/auto.md, "Priors").

use super::goals::moves::Move;
use crate::run::auto::Seconds;
use crate::spec::Candidate;

/// What kind of step it is; combinations go first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(in crate::search) enum Kind {
    /// Two kept winners together (a configuration and PGO).
    Combine,
    /// One change on the best plain configuration.
    Refine(Move),
    /// BOLT on the best so far.
    Bolt,
}

/// One step the search could take next.
#[derive(Debug, Clone)]
pub(in crate::search) struct Next {
    pub cand: Candidate,
    pub kind: Kind,
    /// Expected fraction of time saved against `against`.
    pub gain: f64,
    /// Where `gain` comes from.
    pub source: String,
    pub cost: Seconds,
}

impl Next {
    /// Expected gain per second of cost (percent per second).
    pub(super) fn rate(&self) -> f64 {
        self.gain * 100.0 / self.cost.total().max(1.0)
    }

    fn brief(&self) -> String {
        format!(
            "{} (−{:.1}% for ~{:.0} s)",
            self.cand.name,
            self.gain * 100.0,
            self.cost.total()
        )
    }
}

/// Priors of each kind of step (fraction of time saved) and their sources, used until the
/// search has measured the step's kind itself.
pub(in crate::search) fn prior(kind: Kind) -> (f64, &'static str) {
    match kind {
        Kind::Combine => (
            0.15,
            "prior: PGO saves 10–16% (rustc, Inside Rust blog 2020-11-11), 16–18% time and +23% req/s on the bundled examples",
        ),
        Kind::Refine(Move::FatLto) => (
            0.10,
            "prior: fat LTO with one codegen unit saved 11–12% on the bundled CLI",
        ),
        Kind::Refine(Move::ThinLto) => (
            0.005,
            "prior: thin LTO runs within about 1% of fat LTO (−0.8% on the bundled CLI) and builds faster",
        ),
        Kind::Refine(Move::CpuV3 | Move::CpuNative) => (
            0.03,
            "prior: target-cpu=x86-64-v3 saved 4% on the bundled CLI",
        ),
        Kind::Refine(_) => (
            0.005,
            "prior: opt-level=2 rarely beats 3 (11% slower on the bundled CLI)",
        ),
        Kind::Bolt => (
            0.01,
            "prior: BOLT gains up to 7% over PGO and LTO on large data-center binaries (Panchenko et al., CGO 2019), within noise on the bundled examples",
        ),
    }
}

/// Orders `steps`: combinations first, then by expected gain per second, highest first.
pub(in crate::search) fn order(steps: &mut [Next]) {
    steps.sort_by(|a, b| {
        let combine = |n: &Next| n.kind != Kind::Combine;
        combine(a)
            .cmp(&combine(b))
            .then(b.rate().total_cmp(&a.rate()))
    });
}

/// Why `steps[0]` comes now, naming what it went before.
pub(in crate::search) fn reason(steps: &[Next]) -> String {
    let first = &steps[0];
    let now = match first.kind {
        Kind::Combine => format!(
            "combines two winners (kept, or not ruled out), before any single change; expected −{:.1}% for ~{:.0} s ({})",
            first.gain * 100.0,
            first.cost.total(),
            first.source
        ),
        _ => format!(
            "expected −{:.1}% for ~{:.0} s, {:.3}%/s, the best rate left ({})",
            first.gain * 100.0,
            first.cost.total(),
            first.rate(),
            first.source
        ),
    };
    let later: Vec<String> = steps[1..].iter().map(Next::brief).collect();
    if later.is_empty() {
        now
    } else {
        format!("{now}; then {}", later.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::variant::Variant;

    fn next(name: &str, kind: Kind, gain: f64, secs: f64) -> Next {
        let c = Candidate::plain(name, Variant::new(name, "release"));
        Next {
            cand: c,
            kind,
            gain,
            source: "test".into(),
            cost: Seconds {
                building: secs,
                ..Seconds::default()
            },
        }
    }

    #[test]
    fn combinations_first_then_gain_per_second() {
        let mut steps = vec![
            next("bolt", Kind::Bolt, 0.01, 100.0),
            next("v3", Kind::Refine(Move::CpuV3), 0.03, 10.0),
            next("thin", Kind::Refine(Move::ThinLto), 0.005, 1.0),
            next("p+pgo", Kind::Combine, 0.15, 500.0),
        ];
        order(&mut steps);
        let names: Vec<&str> = steps.iter().map(|s| s.cand.name.as_str()).collect();
        assert_eq!(names, ["p+pgo", "thin", "v3", "bolt"]);
        let why = reason(&steps);
        assert!(why.starts_with("combines two winners"), "{why}");
        assert!(why.contains("then thin (−0.5% for ~1 s)"), "{why}");
    }
}

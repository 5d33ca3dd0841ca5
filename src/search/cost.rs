//! What a step will cost, estimated from what was already measured: cold build times of the
//! configurations built so far (in this search, else in earlier runs of the results store) by
//! their build class, training passes, and the seconds one variant takes per round.

use super::bench::Earlier;
use crate::run::auto::Seconds;
use crate::spec::Candidate;
use crate::variant::{Lto, Variant};

/// What decides a build's cost most: the LTO kind and whether codegen runs in one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Class {
    lto: u8,
    one_unit: bool,
}

fn class(v: &Variant) -> Class {
    let s = &v.settings;
    Class {
        lto: match s.lto {
            Some(Lto::Fat) => 2,
            Some(Lto::Thin) => 1,
            _ => 0,
        },
        one_unit: s.codegen_units == Some(1),
    }
}

/// Cold build cost of a class relative to the baseline's, before any of it was measured.
fn prior_factor(c: Class) -> f64 {
    let lto = [1.0, 1.4, 2.5][usize::from(c.lto)];
    if c.one_unit { lto * 1.3 } else { lto }
}

/// The observations a search's estimates come from; the search adds to them as it goes.
#[derive(Debug, Clone, Default)]
pub(super) struct CostModel {
    /// Cold builds measured in this search: class and wall seconds of one build.
    builds: Vec<(Class, f64)>,
    /// Cold builds of earlier runs (their recorded compile times).
    earlier: Vec<(Class, f64)>,
    baseline: Option<f64>,
    /// Wall seconds of a build cargo found up to date.
    fresh: Option<f64>,
    /// Seconds one variant takes to run every workload once (in the steps).
    pub variant_round: Option<f64>,
    /// Seconds the final run's rounds take longer than the steps' (services measured with
    /// their configured window there, the shorter default one in the steps).
    pub final_extra: f64,
    /// Rounds (warm-ups included) each step measured.
    rounds: Vec<u32>,
    /// Seconds of each training (one pass over the workloads on an instrumented build, merge).
    training: Vec<f64>,
    /// Building a staged candidate against a cold plain build of its configuration: PGO (both
    /// builds), PGO with a shared profile (the optimized build), BOLT (its input build(s) and
    /// BOLT's passes).
    stages: Vec<(Stage, f64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Pgo,
    SharedPgo,
    Bolt,
}

impl Stage {
    /// Before one is measured: PGO took 2.2× and 1.9× a plain build on the bundled examples
    /// (docs/results.md); an optimized build alone about half that; BOLT about 3× (its input
    /// build linked with relocations, instrumented, optimized).
    fn prior(self) -> f64 {
        match self {
            Stage::Pgo => 2.2,
            Stage::SharedPgo => 1.1,
            Stage::Bolt => 3.0,
        }
    }
}

impl CostModel {
    pub(super) fn new(earlier: Earlier) -> CostModel {
        CostModel {
            earlier: earlier.builds.iter().map(|(v, s)| (class(v), *s)).collect(),
            variant_round: earlier.variant_round,
            ..CostModel::default()
        }
    }

    /// Building `c` took `wall` seconds, of which `clean` were its cold builds as recorded
    /// (`builds` of them: 2 for a trained PGO build). The model learns the smaller: a build whose
    /// cargo waited for another process's lock was built once more to time it
    /// (`cargo::build`), and neither the wait nor the repeat recurs in the next step, while a
    /// stage taken from an earlier build's record (clean, not wall) was not built now.
    pub(super) fn built(
        &mut self,
        c: &Candidate,
        wall: f64,
        clean: f64,
        builds: u32,
        baseline: bool,
    ) {
        let secs = wall.min(clean);
        let stage = match (c.bolt, c.pgo, builds) {
            (true, _, _) => Some(Stage::Bolt),
            (false, true, 1) => Some(Stage::SharedPgo),
            (false, true, _) => Some(Stage::Pgo),
            (false, false, _) => None,
        };
        match stage {
            Some(stage) => {
                let ratio = secs / self.cold_build(&c.variant).max(1e-3);
                self.stages.push((stage, ratio));
            }
            None => {
                self.builds.push((class(&c.variant), secs));
                if baseline {
                    self.baseline = Some(secs);
                }
            }
        }
    }

    /// A staged build against a cold plain one: the mean measured, else the prior.
    fn ratio(&self, stage: Stage) -> f64 {
        let seen: Vec<f64> = self
            .stages
            .iter()
            .filter(|s| s.0 == stage)
            .map(|s| s.1)
            .collect();
        if seen.is_empty() {
            stage.prior()
        } else {
            seen.iter().sum::<f64>() / seen.len() as f64
        }
    }

    pub(super) fn fresh_build(&mut self, secs: f64) {
        self.fresh = Some(self.fresh.map_or(secs, |f| (f + secs) / 2.0));
    }

    pub(super) fn trained(&mut self, secs: f64) {
        self.training.push(secs);
    }

    pub(super) fn measured(&mut self, rounds: u32, variant_round: Option<f64>) {
        self.rounds.push(rounds);
        if variant_round.is_some() {
            self.variant_round = variant_round;
        }
    }

    /// One cold build of `v`: the mean of this search's builds of its class, else of earlier
    /// runs', else the baseline's time scaled by the class's prior factor.
    pub(super) fn cold_build(&self, v: &Variant) -> f64 {
        let c = class(v);
        let mean = |obs: &[(Class, f64)]| {
            let same: Vec<f64> = obs.iter().filter(|o| o.0 == c).map(|o| o.1).collect();
            (!same.is_empty()).then(|| same.iter().sum::<f64>() / same.len() as f64)
        };
        mean(&self.builds)
            .or_else(|| mean(&self.earlier))
            .unwrap_or_else(|| {
                let base = self.baseline.or_else(|| {
                    let plain = Class {
                        lto: 0,
                        one_unit: false,
                    };
                    mean(
                        &self
                            .earlier
                            .iter()
                            .filter(|o| o.0 == plain)
                            .copied()
                            .collect::<Vec<_>>(),
                    )
                });
                base.unwrap_or(30.0) * prior_factor(c)
            })
    }

    /// One training: the mean of those measured, else a pass over the workloads at 1.5× the
    /// plain binary's time (instrumented code is slower) plus a second to merge.
    pub(super) fn training(&self) -> f64 {
        if self.training.is_empty() {
            self.variant_round.unwrap_or(5.0) * 1.5 + 1.0
        } else {
            self.training.iter().sum::<f64>() / self.training.len() as f64
        }
    }

    /// Rounds a step is expected to take: the mean of the steps so far, else `first`.
    pub(super) fn step_rounds(&self, first: u32) -> f64 {
        if self.rounds.is_empty() {
            f64::from(first)
        } else {
            f64::from(self.rounds.iter().sum::<u32>()) / self.rounds.len() as f64
        }
    }

    /// Building (and training) a candidate: `state` says what is already there.
    pub(super) fn candidate(&self, c: &Candidate, state: Have) -> Seconds {
        let fresh = self.fresh.unwrap_or(0.5);
        let cold = self.cold_build(&c.variant);
        match state {
            Have::Built => Seconds::default(),
            // A PGO candidate checks its instrumented and its optimized build.
            Have::Cached => Seconds {
                building: fresh * if c.pgo { 2.0 } else { 1.0 },
                ..Seconds::default()
            },
            Have::Nothing if c.bolt => Seconds {
                building: cold * self.ratio(Stage::Bolt) + if c.pgo { cold } else { 0.0 },
                training: self.training() * if c.pgo { 2.0 } else { 1.0 },
                ..Seconds::default()
            },
            Have::Nothing if c.pgo => Seconds {
                building: cold * self.ratio(Stage::Pgo),
                training: self.training(),
                ..Seconds::default()
            },
            Have::SharedProfile => Seconds {
                building: cold * self.ratio(Stage::SharedPgo),
                ..Seconds::default()
            },
            Have::Nothing => Seconds {
                building: cold,
                ..Seconds::default()
            },
        }
    }

    /// Measuring `n` variants for `rounds` rounds.
    pub(super) fn measuring(&self, n: usize, rounds: f64) -> f64 {
        self.variant_round.unwrap_or(0.0) * rounds * n as f64
    }

    /// Measuring `n` variants for `rounds` rounds in the final run.
    pub(super) fn measuring_final(&self, n: usize, rounds: f64) -> f64 {
        self.variant_round
            .map_or(0.0, |r| (r + self.final_extra) * rounds * n as f64)
    }
}

/// What a candidate already has when a step is planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Have {
    /// Built in this search: nothing to do.
    Built,
    /// Up to date in its target dir (a PGO candidate with its profile too): cargo's checks only.
    Cached,
    /// A PGO candidate whose profile was trained on another configuration: one optimized build.
    SharedProfile,
    Nothing,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(spec: &str, pgo: bool) -> Candidate {
        let mut v = Variant::new("x", "release");
        crate::spec::apply_pairs(&mut v, spec).unwrap();
        Candidate {
            pgo,
            ..Candidate::plain("x", v)
        }
    }

    /// Before anything of a class is built, the baseline's time scales by the class's factor;
    /// once one is, its measured time wins; PGO adds a second build and a training.
    #[test]
    fn estimates_learn_from_what_was_built() {
        let mut m = CostModel::new(Earlier::default());
        m.built(&cand("", false), 10.0, 10.0, 1, true);
        let fat = cand("lto=fat,codegen-units=1", false);
        assert!((m.cold_build(&fat.variant) - 32.5).abs() < 1e-9);
        m.built(&fat, 40.0, 40.0, 1, false);
        assert_eq!(m.cold_build(&fat.variant), 40.0);
        m.trained(6.0);
        let pgo_fat = cand("lto=fat,codegen-units=1", true);
        let pgo = m.candidate(&pgo_fat, Have::Nothing);
        assert_eq!((pgo.building, pgo.training), (88.0, 6.0));
        // PGO on the baseline took 3× its plain build: that ratio, not the prior, from now on.
        // Its wall time held a lock wait and the cold build repeated to time it (70 s): the
        // model learns the builds' own 30 s.
        m.built(&cand("", true), 70.0, 30.0, 2, false);
        assert_eq!(m.candidate(&pgo_fat, Have::Nothing).building, 120.0);
        let shared = m.candidate(&pgo_fat, Have::SharedProfile);
        assert_eq!(shared.total(), 44.0);
        // Up to date, profile and all (a second search): two of cargo's checks, no training.
        m.fresh_build(0.5);
        let cached = m.candidate(&pgo_fat, Have::Cached);
        assert_eq!((cached.building, cached.training), (1.0, 0.0));
        m.measured(9, Some(2.0));
        m.measured(13, None);
        assert_eq!(m.measuring(2, m.step_rounds(7)), 44.0);
        // A stage cached from an earlier build is counted in the record, not in the wall time.
        let mut m2 = CostModel::new(Earlier::default());
        m2.built(&cand("", false), 10.0, 10.0, 1, true);
        m2.built(&cand("", true), 12.0, 25.0, 2, false);
        // (wall 12 s against a recorded 25 s: the ratio is 1.2, times fat LTO's prior 32.5 s)
        assert!((m2.candidate(&pgo_fat, Have::Nothing).building - 39.0).abs() < 1e-9);
    }
}

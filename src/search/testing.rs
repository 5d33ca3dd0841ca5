//! A scripted `Bench` for the search's unit tests: every candidate "builds" at once with a size
//! and compile time from its settings, and "runs" through the mock executor with the behaviour
//! scripted for its name, so a goal's whole path runs in milliseconds.

use std::collections::HashMap;

use anyhow::Result;

use super::bench::Bench;
use crate::measure::WorkloadKind;
use crate::measure::testing::{Behaviour, MockExecutor};
use crate::measure::{NoProgress, Settings};
use crate::run::host::{HostInfo, ProjectInfo};
use crate::run::{BuildInfo, Run, RunCommand, VariantResult, WorkloadInfo};
use crate::session::Built;
use crate::spec::Candidate;
use crate::variant::{Lto, OptLevel, Strip};

/// A candidate named as the search builds them: a preset, then `+change` steps and the `pgo` and
/// `bolt` stages (`production+target-cpu=x86-64-v3+pgo`).
pub(super) fn candidate(name: &str) -> Candidate {
    let mut parts = name.split('+');
    let mut c = crate::spec::parse_candidates(&[parts.next().unwrap().to_string()], &[], "release")
        .unwrap()
        .remove(0);
    for p in parts {
        match p {
            "pgo" => c.pgo = true,
            "bolt" => c.bolt = true,
            change => crate::spec::apply_pairs(&mut c.variant, change).unwrap(),
        }
    }
    c.name = name.to_string();
    c
}

pub(super) struct ScriptedBench {
    pub workloads: Vec<WorkloadInfo>,
    /// Behaviour per candidate name; others get `default`.
    pub script: HashMap<String, Vec<Behaviour>>,
    pub default: Vec<Behaviour>,
    /// Every measurement: the candidate names and the rounds it took.
    pub runs: Vec<(Vec<String>, u32)>,
    built: Vec<String>,
    /// Measure each PGO variant's held-out folds too (`X[¬w0]`, scripted like any variant).
    pub held_out: bool,
}

impl ScriptedBench {
    pub(super) fn new(kinds: &[WorkloadKind], default: Vec<Behaviour>) -> ScriptedBench {
        ScriptedBench {
            workloads: kinds
                .iter()
                .enumerate()
                .map(|(i, &kind)| WorkloadInfo {
                    name: format!("w{i}"),
                    kind,
                    metric: None,
                })
                .collect(),
            script: HashMap::new(),
            default,
            runs: Vec::new(),
            built: Vec::new(),
            held_out: false,
        }
    }

    pub(super) fn script(mut self, name: &str, behaviour: Vec<Behaviour>) -> ScriptedBench {
        self.script.insert(name.to_string(), behaviour);
        self
    }
}

impl Bench for ScriptedBench {
    fn build_all(&mut self, cands: &[Candidate]) -> Result<Vec<Result<Built, String>>> {
        Ok(cands
            .iter()
            .map(|c| {
                self.built.push(c.key());
                // Sizes and compile times in the proportions seen on the bundled CLI: LTO and
                // stripping shrink, opt-level s/z shrink, PGO grows a little and builds twice.
                let s = &c.variant.settings;
                let (mut size, mut compile) = match s.lto {
                    Some(Lto::Fat) => (0.70, 4.0),
                    Some(Lto::Thin) => (0.75, 3.0),
                    _ => (1.0, 1.0),
                };
                if matches!(s.strip, Some(Strip::Symbols | Strip::Debuginfo)) {
                    size *= 0.85;
                }
                match s.opt_level {
                    Some(OptLevel::Z) => size *= 0.80,
                    Some(OptLevel::S) => size *= 0.85,
                    _ => {}
                }
                if c.pgo {
                    size *= 1.04;
                    compile *= 2.0;
                }
                let size = (1_000_000.0 * size) as u64;
                let pgo = if c.pgo { 2.0 } else { 1.0 };
                Ok(Built {
                    variant: crate::variant::Variant {
                        name: c.name.clone(),
                        ..c.variant.clone()
                    },
                    rustflags: Vec::new(),
                    info: BuildInfo {
                        binary: "/bin/true".into(),
                        file_size_bytes: size,
                        sections: None,
                        compile_time_secs: compile,
                        compile_time_cached: false,
                        builds: pgo as u32,
                        crates: Vec::new(),
                    },
                    profile: None,
                })
            })
            .collect())
    }

    fn is_built(&self, c: &Candidate) -> bool {
        self.built.contains(&c.key())
    }

    fn is_cached(&self, _: &Candidate) -> bool {
        false
    }

    fn new_run(&self, settings: Settings) -> Run {
        let project = ProjectInfo {
            root: "/p".into(),
            package: "p".into(),
            bin: "p".into(),
        };
        let mut run = Run::new(RunCommand::Auto, project, HostInfo::example(), settings);
        run.workloads = self.workloads.clone();
        run
    }

    fn variant_result(&self, c: &Candidate, built: &Result<Built, String>) -> VariantResult {
        match built {
            Ok(b) => VariantResult::built(b.variant.clone(), Vec::new(), b.info.clone()),
            Err(e) => VariantResult::failed(c.variant.clone(), Vec::new(), e.clone()),
        }
    }

    fn measure(&mut self, run: &mut Run) {
        if self.held_out {
            self.add_folds(run);
        }
        let names: Vec<String> = run.variants.iter().map(|v| v.name.clone()).collect();
        let behaviour = names
            .iter()
            .map(|n| self.script.get(n).unwrap_or(&self.default).clone())
            .collect();
        let mut exec = MockExecutor::new(run.settings.seed, behaviour);
        crate::run::driver::measure_run(run, &mut exec, &mut NoProgress);
        self.runs.push((names, run.rounds));
    }

    fn builds_run(&self) -> u32 {
        self.built.len() as u32
    }

    fn take_notes(&mut self) -> Vec<String> {
        Vec::new()
    }

    fn training_secs(&self) -> f64 {
        0.0
    }

    fn reuses_profile(&self, _: &Candidate) -> bool {
        false
    }

    fn earlier(&self) -> super::bench::Earlier {
        super::bench::Earlier::default()
    }

    fn short_windows(&mut self, _: bool) {}

    fn window_secs(&self, _: bool) -> f64 {
        0.0
    }

    fn hold_out(&mut self) {
        self.held_out = true;
    }
}

impl ScriptedBench {
    /// A fold per PGO variant (without BOLT) and workload, trained on the other workloads.
    fn add_folds(&self, run: &mut Run) {
        use crate::run::fold::Fold;
        use crate::run::fold::fold_name;
        let names: Vec<String> = run.workloads.iter().map(|w| w.name.clone()).collect();
        for v in 0..run.variants.len() {
            let parent = run.variants[v].clone();
            if parent.fold.is_some() || !parent.name.ends_with("+pgo") || parent.build.is_none() {
                continue;
            }
            for w in &names {
                let mut fold = parent.clone();
                fold.name = fold_name(&parent.name, w);
                fold.variant.name = fold.name.clone();
                fold.trained_on = names.iter().filter(|x| *x != w).cloned().collect();
                fold.fold = Some(Fold {
                    of: parent.name.clone(),
                    held_out: w.clone(),
                });
                run.variants.push(fold);
            }
            run.variants[v].trained_on = names.clone();
        }
    }
}

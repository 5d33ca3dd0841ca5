//! Drives a run's measurement: the engine measures the run's built variants on its workloads,
//! and the run records the outcome.

use crate::run::Run;

/// Measures the run's built variants on its workloads with `exec` and records the outcome in it
/// (Ctrl-C ends the loop through `process::interrupted`, keeping the partial result).
pub(crate) fn measure_run(
    run: &mut Run,
    exec: &mut dyn crate::measure::Executor,
    progress: &mut dyn crate::measure::Progress,
) {
    let plan = run.plan();
    let outcome = crate::measure::measure(
        &plan,
        &run.settings,
        exec,
        progress,
        &std::sync::atomic::AtomicBool::new(false),
    );
    run.record(outcome);
}

#[cfg(test)]
use crate::{
    measure::Settings,
    measure::WorkloadKind,
    run::host::{HostInfo, ProjectInfo},
    run::{BuildInfo, RunCommand, VariantResult, WorkloadInfo},
    variant::Variant,
};

#[cfg(test)]
impl Run {
    /// A run of mock variants `v0`, `v1`, … (one per row of `behaviour`, each 1000 bytes, built
    /// in 1 s, with `settings.layouts` layouts when above 1) on named workloads, measured by the
    /// mock executor with `settings`.
    pub fn mock_measured(
        settings: Settings,
        workloads: &[(&str, WorkloadKind)],
        behaviour: Vec<Vec<crate::measure::testing::Behaviour>>,
    ) -> Run {
        let project = ProjectInfo {
            root: "/p".into(),
            package: "p".into(),
            bin: "p".into(),
        };
        let seed = settings.seed;
        // With layouts on, every mock variant has that many (the behaviour's offsets apply).
        let layouts = if settings.layouts > 1 {
            settings.layouts
        } else {
            0
        };
        let mut run = Run::new(RunCommand::Compare, project, HostInfo::example(), settings);
        for (name, kind) in workloads {
            run.workloads.push(WorkloadInfo {
                name: name.to_string(),
                kind: *kind,
                metric: None,
            });
        }
        for v in 0..behaviour.len() {
            let info = BuildInfo {
                binary: "/bin/true".into(),
                file_size_bytes: 1000,
                sections: None,
                compile_time_secs: 1.0,
                compile_time_cached: false,
                builds: 1,
                crates: Vec::new(),
            };
            let mut row =
                VariantResult::built(Variant::new(format!("v{v}"), "release"), vec![], info);
            row.layouts = (0..layouts)
                .map(|i| crate::link::layouts::Layout {
                    seed: u64::from(i) + 1,
                    sha256: format!("{v:02x}{i:062x}"),
                    binary: "/bin/true".into(),
                    pad_bytes: Some(crate::link::layouts::pad_bytes(u64::from(i) + 1)),
                })
                .collect();
            run.variants.push(row);
        }
        let mut exec = crate::measure::testing::MockExecutor::new(seed, behaviour);
        measure_run(&mut run, &mut exec, &mut crate::measure::NoProgress);
        run
    }
}

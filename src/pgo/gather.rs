//! Gathering raw profiles: running workloads (or the project's tests/benches) against the
//! instrumented binary, and explaining why a run wrote no profile.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use super::layout::Layout;
use crate::cargo::Builder;
use crate::measure::WorkloadKind;
use crate::process::{Output, check_interrupted};
use crate::tune_config::Workload;
use crate::ui::{Shell, format_duration};
use crate::variant::Variant;
use crate::workload::{Outcome, RunOptions, run_once};

/// One run that fed the profile.
#[derive(Debug, Clone)]
pub(super) struct Gathered {
    pub new_profiles: usize,
    /// The raw profiles this run wrote.
    pub files: Vec<PathBuf>,
}

/// Where profiles come from.
#[derive(Debug, Clone)]
pub(crate) enum ProfileSource {
    Workloads(Vec<Workload>),
    /// `cargo test` built and run with the instrumented configuration.
    Tests,
    /// `cargo bench`, likewise.
    Benches,
}

impl ProfileSource {
    /// Identifies what gathered a profile, so a profile from other workloads is never reused.
    pub(crate) fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        match self {
            ProfileSource::Workloads(ws) => {
                let text = serde_json::to_string(ws).unwrap_or_default();
                let digest = Sha256::digest(text.as_bytes());
                let names: Vec<&str> = ws.iter().map(|w| w.name.as_str()).collect();
                let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
                format!("workloads {} ({hex})", names.join(", "))
            }
            ProfileSource::Tests => "cargo test".into(),
            ProfileSource::Benches => "cargo bench".into(),
        }
    }
}

/// Runs every workload against `binary` with `LLVM_PROFILE_FILE` pointing into the layout.
pub(super) fn run_workloads(
    shell: &Shell,
    binary: &Path,
    layout: &Layout,
    workloads: &[Workload],
    allow_remote: bool,
) -> Result<Vec<Gathered>> {
    std::fs::create_dir_all(layout.raw_dir())
        .with_context(|| format!("cannot create {}", layout.raw_dir().display()))?;
    let pattern = layout.profile_file_pattern().display().to_string();
    let mut out = Vec::new();
    for w in workloads {
        check_interrupted()?;
        if w.env.contains_key("LLVM_PROFILE_FILE") {
            shell.warn(format!("workload `{}` sets LLVM_PROFILE_FILE; cargo-tune overrides it to collect the profile", w.name));
        }
        let before = existing(layout)?;
        shell.status("Profiling", format!("workload `{}` ({})", w.name, w.kind));
        let opts = RunOptions {
            extra_env: vec![("LLVM_PROFILE_FILE".into(), pattern.clone())],
            allow_remote,
            warmup: false,
            ..RunOptions::default()
        };
        let started = Instant::now();
        let beat = shell.heartbeat("Profiling", format!("workload `{}`", w.name));
        let outcome = run_once(binary, w, &opts).with_context(|| {
            format!(
                "workload `{}` failed while gathering profiles (a process that crashes or is killed writes no profile)",
                w.name
            )
        })?;
        drop(beat);
        let elapsed = started.elapsed();
        let mut files: Vec<PathBuf> = existing(layout)?.difference(&before).cloned().collect();
        files.sort();
        let new_profiles = files.len();
        if new_profiles == 0 {
            bail!("{}", no_profile_explanation(w, &outcome, &layout.raw_dir()));
        }
        shell.verbose(
            "Profiled",
            format!(
                "`{}`: {} in {}",
                w.name,
                crate::ui::count(new_profiles, "raw profile"),
                format_duration(elapsed)
            ),
        );
        out.push(Gathered {
            new_profiles,
            files,
        });
    }
    Ok(out)
}

/// Builds and runs the project's tests or benches with the instrumented configuration.
pub(super) fn run_cargo_targets(
    shell: &Shell,
    builder: &Builder,
    instrumented: &Variant,
    layout: &Layout,
    benches: bool,
) -> Result<Gathered> {
    std::fs::create_dir_all(layout.raw_dir())?;
    let before = existing(layout)?;
    let (sub, what) = if benches {
        ("bench", "--benches")
    } else {
        ("test", "--tests")
    };
    shell.status(
        "Profiling",
        format!("`cargo {sub} {what}` with the instrumented build"),
    );
    let stderr = if shell.is_verbose() {
        Output::CaptureAndEcho
    } else {
        Output::Capture
    };
    let cmd = builder
        .cargo_command(&[sub, what], instrumented)
        .env("LLVM_PROFILE_FILE", layout.profile_file_pattern())
        .stderr(stderr);
    shell.verbose("Running", cmd.display());
    let done = {
        let _beat = shell.heartbeat("Profiling", format!("`cargo {sub} {what}`"));
        cmd.run_unchecked()?
    };
    check_interrupted()?;
    if !done.success() {
        return Err(done.error()).context(format!(
            "`cargo {sub}` failed while gathering profiles; fix it, or use workloads"
        ));
    }
    let files: Vec<PathBuf> = existing(layout)?.difference(&before).cloned().collect();
    let new_profiles = files.len();
    if new_profiles == 0 {
        bail!(
            "`cargo {sub} {what}` ran but wrote no profile: the package may have no {sub} targets"
        );
    }
    Ok(Gathered {
        new_profiles,
        files,
    })
}

fn existing(layout: &Layout) -> Result<HashSet<PathBuf>> {
    Ok(layout.raw_files()?.into_iter().collect())
}

/// Why a run that "worked" left no `.profraw`, and what to do about it.
pub(crate) fn no_profile_explanation(w: &Workload, outcome: &Outcome, dir: &Path) -> String {
    let head = format!(
        "workload `{}` wrote no profile to {}",
        w.name,
        dir.display()
    );
    let why = match outcome {
        Outcome::Service(s) => match s.stop.signal_that_stopped_it {
            Some(libc::SIGKILL) => "the service did not exit after SIGTERM or SIGINT and had to be killed with SIGKILL; \
                 a killed process writes no profile. Handle SIGTERM (tokio::signal::unix, signal-hook, or ctrlc with \
                 the `termination` feature), shut down, and return from main"
                .to_string(),
            Some(sig) if s.stop.ended.signal().is_some() => format!(
                "the service has no handler for {}: the signal's default action killed it ({}) before it could write \
                 its profile. Handle SIGTERM, shut down, and return from main",
                crate::process::signal_name(sig),
                s.stop.ended
            ),
            None => format!("the service exited on its own before it was stopped ({})", s.stop.ended),
            Some(_) => format!(
                "the service ended with {} after being asked to stop; if it leaves through std::process::abort, \
                 panic=abort or _exit, no profile is written",
                s.stop.ended
            ),
        },
        Outcome::Command(c) if c.ended.signal().is_some() => {
            format!("it was {} before it could write its profile (instrumented programs write it at a normal exit)", c.ended)
        }
        Outcome::Command(c) => {
            let shell_hint = if w.shell().is_some() { "; a `shell` workload must run the binary as \"$TUNE_BIN\"" } else { "" };
            format!(
                "it ended with {}, yet wrote nothing: programs that leave through abort (panic=abort), _exit or \
                 exec() skip the profile writer{shell_hint}",
                c.ended
            )
        }
    };
    let kind = if w.kind.tag() == WorkloadKind::Service {
        "service"
    } else {
        "command"
    };
    format!("{head}: {why} ({kind} workload)")
}

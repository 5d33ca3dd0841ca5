//! Building one variant: its own target dir, profile overrides through env, merged rustflags,
//! the binary found from cargo's JSON messages, and the cold compile time recorded once.

use std::io::BufReader;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use cargo_metadata::{Message, TargetKind};
use serde::{Deserialize, Serialize};

use crate::cargo::Selection;
use crate::cargo::rustflags::{UserFlags, user_rustflags};
use crate::cargo::{BinTarget, Project, cargo_cmd, cargo_home};
use crate::process::{Cmd, Finished, Output, check_interrupted};
use crate::toolchain::Rustc;
use crate::ui::{Shell, format_bytes, format_duration};
use crate::variant::Variant;

const RECORD: &str = "cargo-tune-build";

/// A built variant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Build {
    pub variant: Variant,
    pub hash: String,
    pub target_dir: PathBuf,
    pub binary: PathBuf,
    pub size: u64,
    /// Wall time of a cold build of this variant's target dir.
    pub compile_time: Duration,
    /// False when `compile_time` comes from an earlier build's record.
    pub compile_time_measured_now: bool,
    /// True when cargo had nothing to do.
    pub fresh: bool,
    /// The complete rustflags the build used (the user's, then the variant's).
    pub rustflags: Vec<String>,
    /// What cargo and rustc printed on stderr (diagnostics), for callers that scan warnings.
    #[serde(skip)]
    pub stderr: String,
}

/// What is remembered about a variant's cold build.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    compile_time: Duration,
    rustc: String,
    variant: Variant,
    /// Everything else that defines the build (the user's rustflags, features, target):
    /// when it changes, the dir is rebuilt cold so the compile time stays true.
    #[serde(default)]
    inputs: String,
}

/// Builds variants of one binary.
pub(crate) struct Builder<'a> {
    shell: &'a Shell,
    project: &'a Project,
    bin: &'a BinTarget,
    cargo: &'a Selection,
    rustc: Rustc,
    target: String,
    user_flags: UserFlags,
    /// Whether builds ask the linker for a map (see [`Builder::link_map`]).
    link_map: bool,
    /// The linker wrapper and the real linker it hands links to, or why links are not recorded
    /// (see [`Builder::link_record`]).
    link_wrapper: Result<(PathBuf, String), String>,
}

impl<'a> Builder<'a> {
    pub(crate) fn new(
        shell: &'a Shell,
        project: &'a Project,
        bin: &'a BinTarget,
        cargo: &'a Selection,
    ) -> Result<Builder<'a>> {
        let rustc = Rustc::detect()?;
        let target = cargo.target.clone().unwrap_or_else(|| rustc.host.clone());
        let cfg = Cmd::new(&rustc.path)
            .args(["--print", "cfg", "--target", &target])
            .run()?
            .stdout_str();
        let cfg: Vec<String> = cfg.lines().map(String::from).collect();
        let cwd = std::env::current_dir()?;
        let env = |k: &str| std::env::var(k).ok();
        let user_flags = user_rustflags(&cwd, cargo_home().as_deref(), &target, &cfg, &env)?;
        if !user_flags.flags.is_empty() {
            shell.verbose(
                "Rustflags",
                format!(
                    "keeping your {:?} rustflags: {}",
                    user_flags.source,
                    user_flags.flags.join(" ")
                ),
            );
        }
        // ELF linkers (lld, GNU ld, gold, mold) all take `-Map`; other platforms spell it differently.
        let cc = super::linker::cc_linker(&cwd, &target, &user_flags.flags, &env)
            .filter(|_| target.contains("-linux-"));
        let link_map = cc.is_some();
        let link_wrapper = match cc {
            Some(real) => Ok((project.tune_dir().join(crate::link::capture::WRAPPER), real)),
            None => Err(format!(
                "links for {target} do not go through a C compiler driver (cc, gcc, clang) \
                 that cargo-tune can stand in for"
            )),
        };
        Ok(Builder {
            shell,
            project,
            bin,
            cargo,
            rustc,
            target,
            user_flags,
            link_map,
            link_wrapper,
        })
    }

    pub(crate) fn rustc(&self) -> &Rustc {
        &self.rustc
    }

    pub(crate) fn target(&self) -> &str {
        &self.target
    }

    pub(crate) fn bin(&self) -> &BinTarget {
        self.bin
    }

    pub(crate) fn project(&self) -> &Project {
        self.project
    }

    /// The user's project selection as typed again in a printed command (` --manifest-path …`).
    pub(crate) fn selection(&self) -> String {
        self.cargo.selection()
    }

    /// The linker's map of the last link in `variant`'s dir, when builds ask for one: it names
    /// every function's bytes even in a stripped binary (`size::link_map`). Asking does not
    /// change the binary, so it is left out of the rustflags a report shows (`Build::rustflags`).
    pub(crate) fn link_map(&self, variant: &Variant) -> Option<PathBuf> {
        self.link_map
            .then(|| self.variant_dir(variant).join(super::linker::LINK_MAP))
    }

    /// The recorded final link of `binary`, built by this builder, for replaying it
    /// (`crate::link`), or why there is none.
    pub(crate) fn link_record(
        &self,
        binary: &std::path::Path,
    ) -> Result<crate::link::capture::Captured, String> {
        self.link_wrapper.as_ref().map_err(Clone::clone)?;
        crate::link::capture::find(binary)
    }

    /// `<target-dir>/tune/<variant-hash>`.
    pub(crate) fn variant_dir(&self, variant: &Variant) -> PathBuf {
        self.project.tune_dir().join(variant.dir_key())
    }

    /// The user's rustflags followed by the variant's.
    pub(crate) fn rustflags(&self, variant: &Variant) -> Vec<String> {
        let mut flags = self.user_flags.flags.clone();
        flags.extend(variant.added_rustflags());
        flags
    }

    /// What, besides the variant itself, decides the build: all rustflags, features, target.
    fn inputs(&self, variant: &Variant) -> String {
        let parts = [
            self.rustflags(variant).join("\u{1f}"),
            self.cargo.cargo_flags().join(" "),
            self.target.clone(),
            // Dirs built before links were mapped must rebuild once, cold, to time it honestly.
            if self.link_map { "link-map" } else { "" }.to_string(),
            if self.link_wrapper.is_ok() {
                "link-record"
            } else {
                ""
            }
            .to_string(),
        ];
        parts.join("\n")
    }

    /// The exact cargo command that builds `variant` (also shown to users to reproduce it).
    pub(crate) fn command(&self, variant: &Variant) -> Cmd {
        self.cargo_command(
            &[
                "build",
                "--message-format=json-render-diagnostics",
                "--bin",
                &self.bin.bin,
            ],
            variant,
        )
    }

    /// `cargo <args>` for the binary's package with everything that defines `variant`:
    /// profile, host target, its own target dir, features, profile overrides and rustflags.
    pub(crate) fn cargo_command(&self, args: &[&str], variant: &Variant) -> Cmd {
        let mut cmd = cargo_cmd()
            .args(args)
            .arg("--manifest-path")
            .arg(&self.bin.package_manifest)
            .args(["--profile", &variant.base_profile, "--target", &self.target])
            .arg("--target-dir")
            .arg(self.variant_dir(variant))
            .args(self.cargo.cargo_flags());
        // With --target, these reach only target units: build scripts and proc-macros stay plain.
        for (k, v) in variant
            .cargo_settings()
            .env_overrides(&variant.base_profile)
        {
            cmd = cmd.env(k, v);
        }
        // Every cargo command in a variant's dir passes the same flags, or cargo would rebuild.
        let mut flags = self.rustflags(variant);
        if let Some(map) = self.link_map(variant) {
            flags.push(format!("-Clink-arg=-Wl,-Map={}", map.display()));
        }
        // Last, so that it wins over a `-C linker` of the user's (which the wrapper then runs).
        // Made here, by the first command that needs it: nothing is written before a build.
        if let Ok((wrapper, real)) = &self.link_wrapper {
            match crate::link::capture::install_wrapper(wrapper) {
                Ok(()) => {
                    flags.push(format!("-Clinker={}", wrapper.display()));
                    cmd = cmd.env(crate::link::capture::REAL_LINKER_ENV, real);
                }
                Err(e) => self.shell.warn(format!(
                    "links are not recorded, so code layouts cannot be varied: {e:#}"
                )),
            }
        }
        cmd.env("CARGO_ENCODED_RUSTFLAGS", flags.join("\u{1f}"))
            .env_remove("RUSTFLAGS")
    }

    /// Where the record of `variant`'s cold build lives. One record per binary: binaries of a
    /// workspace share the variant's dir.
    fn record_path(&self, variant: &Variant) -> PathBuf {
        self.variant_dir(variant).join(format!(
            "{RECORD}-{}-{}.json",
            self.bin.package, self.bin.bin
        ))
    }

    /// The record of an earlier cold build of `variant`, if it still describes this build: same
    /// rustc, same inputs.
    fn current_record(&self, variant: &Variant) -> Option<Record> {
        std::fs::read(self.record_path(variant))
            .ok()
            .and_then(|b| serde_json::from_slice::<Record>(&b).ok())
            .filter(|r| r.rustc == self.rustc.version && r.inputs == self.inputs(variant))
    }

    /// Whether an earlier build of `variant`, with the same inputs, is on disk (a rebuild is a no-op
    /// unless the sources changed).
    pub(crate) fn is_cached(&self, variant: &Variant) -> bool {
        self.current_record(variant).is_some()
    }

    /// Builds `variant` (a no-op when it is up to date); `rebuild` starts from an empty dir.
    pub(crate) fn build(&self, variant: &Variant, rebuild: bool) -> Result<Build> {
        let (build, untimed) = self.build_once(variant, rebuild)?;
        if !untimed {
            return Ok(build);
        }
        // A cold build whose cargo waited for another process's lock has no compile time to
        // show. Locks such a process holds are brief (a `cargo metadata`, a download): build it
        // cold once more, now, rather than show a figure that includes the wait.
        self.shell.note(format!(
            "building `{}` once more from an empty dir, to time it without the wait",
            variant.name
        ));
        Ok(self.build_once(variant, true)?.0)
    }

    /// One build of `variant`, and whether it was a cold build left untimed (cargo waited).
    fn build_once(&self, variant: &Variant, rebuild: bool) -> Result<(Build, bool)> {
        check_interrupted()?;
        let dir = self.variant_dir(variant);
        let record = if rebuild {
            None
        } else {
            self.current_record(variant)
        };
        if record.is_none() && dir.exists() {
            // A partial or outdated dir would make the compile time meaningless.
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot clear {}", dir.display()))?;
        }
        let (done, elapsed) = self.run_cargo(variant)?;
        let artifacts = Artifacts::read(&done.stdout, &self.bin.bin)?;
        let stderr = done.stderr_str();
        if !done.success() {
            bail!(
                "building variant `{}` ({}) failed: {}\n{}",
                variant.name,
                variant.describe(),
                crate::process::describe_end(done.status, done.timed_out),
                cargo_diagnostics(&stderr)
            );
        }
        let binary = artifacts.binary.with_context(|| {
            format!(
                "cargo built no binary `{}` (no artifact message)",
                self.bin.bin
            )
        })?;
        let size = std::fs::metadata(&binary)
            .with_context(|| format!("cannot stat {}", binary.display()))?
            .len();
        let (compile_time, measured_now) = match &record {
            Some(r) => (r.compile_time, false),
            None => self.record_cold_build(variant, elapsed, &stderr)?,
        };
        let untimed = record.is_none() && !measured_now;
        self.shell.verbose(
            "Built",
            format!(
                "{} in {} ({}): {}",
                variant.name,
                format_duration(elapsed),
                format_bytes(size),
                binary.display()
            ),
        );
        let build = Build {
            variant: variant.clone(),
            hash: variant.hash(),
            target_dir: dir,
            binary,
            size,
            compile_time,
            compile_time_measured_now: measured_now,
            fresh: artifacts.fresh,
            rustflags: self.rustflags(variant),
            stderr,
        };
        Ok((build, untimed))
    }

    /// Runs cargo's build of `variant` and times it.
    fn run_cargo(&self, variant: &Variant) -> Result<(Finished, Duration)> {
        let stderr_mode = if self.shell.is_verbose() {
            Output::CaptureAndEcho
        } else {
            Output::Capture
        };
        let cmd = self.command(variant).stderr(stderr_mode);
        self.shell.status(
            "Building",
            format!("{} ({})", variant.name, variant.describe()),
        );
        self.shell.verbose("Running", cmd.display());
        let started = Instant::now();
        let done = cmd.run_unchecked()?;
        let elapsed = started.elapsed();
        check_interrupted()?;
        Ok((done, elapsed))
    }

    /// The compile time of a cold build that just ran, written down for later builds of the same
    /// variant, unless the wall time includes a wait for cargo's lock. Returns it with whether it
    /// was measured now.
    fn record_cold_build(
        &self,
        variant: &Variant,
        elapsed: Duration,
        stderr: &str,
    ) -> Result<(Duration, bool)> {
        if cargo_waited_for_lock(stderr) {
            // The elapsed time includes the wait: not a compile time. Without a record the
            // next build of this variant starts cold again and measures it.
            self.shell.warn(format!(
                "compile time of `{}` not recorded: cargo waited for a file lock held by another \
                 process during the build; the next build of this variant measures it",
                variant.name
            ));
            return Ok((elapsed, false));
        }
        let r = Record {
            compile_time: elapsed,
            rustc: self.rustc.version.clone(),
            variant: variant.clone(),
            inputs: self.inputs(variant),
        };
        let text = serde_json::to_vec_pretty(&r)?;
        let record_path = self.record_path(variant);
        std::fs::write(&record_path, text)
            .with_context(|| format!("cannot write {}", record_path.display()))?;
        Ok((elapsed, true))
    }
}

/// What cargo's JSON messages say about a build: the binary it produced and whether every unit
/// was fresh.
struct Artifacts {
    binary: Option<PathBuf>,
    fresh: bool,
}

impl Artifacts {
    fn read(stdout: &[u8], bin: &str) -> Result<Artifacts> {
        let mut artifacts = Artifacts {
            binary: None,
            fresh: true,
        };
        for message in Message::parse_stream(BufReader::new(stdout)) {
            if let Message::CompilerArtifact(a) =
                message.context("cannot read cargo's JSON messages")?
            {
                artifacts.fresh &= a.fresh;
                if a.target.name == bin && a.target.kind.contains(&TargetKind::Bin) {
                    artifacts.binary = a.executable.map(PathBuf::from);
                }
            }
        }
        Ok(artifacts)
    }
}

/// Whether cargo had to wait for another process's lock (its "Blocking waiting for file lock on
/// …" status line), which makes the build's wall time useless as a compile time.
fn cargo_waited_for_lock(stderr: &str) -> bool {
    stderr
        .lines()
        .any(|l| l.trim_start().starts_with("Blocking waiting for file lock"))
}

/// The part of cargo's stderr worth showing after a failed build: the diagnostics,
/// without the `Compiling …` lines.
fn cargo_diagnostics(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("Compiling ")
                || t.starts_with("Downloaded ")
                || t.starts_with("Downloading "))
        })
        .collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::cargo_waited_for_lock;

    #[test]
    fn a_build_that_waited_for_a_lock_is_recognised() {
        let waited =
            "    Blocking waiting for file lock on build directory\n   Compiling app v0.1.0\n";
        assert!(cargo_waited_for_lock(waited));
        assert!(!cargo_waited_for_lock(
            "   Compiling app v0.1.0\n    Finished `release` profile"
        ));
    }
}

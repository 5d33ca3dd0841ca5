//! Running `llvm-bolt`: instrumenting the input, optimizing it with a profile, and stripping
//! the result as the variant asks. Outputs are written under a temporary name and renamed, so a
//! crash or Ctrl-C never leaves a half-written binary behind.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::check::read_facts;
use super::report::BoltStats;
use crate::process::{Cmd, Finished, check_interrupted};
use crate::toolchain::{LlvmTool, Rustc, find_tool};
use crate::ui::Shell;
use crate::variant::Strip;

/// The optimization flags of rustc's own release pipeline (opt-dist) and BOLT's README today.
/// `-icf=all` is what LLVM 22 spells `-icf=1` (the numeric form is deprecated).
pub(crate) const DEFAULT_ARGS: &[&str] = &[
    "-reorder-blocks=ext-tsp",
    "-reorder-functions=cdsort",
    "-split-functions",
    "-split-strategy=cdsplit",
    "-split-all-cold",
    "-split-eh",
    "-jump-tables=move",
    "-icf=all",
    "-dyno-stats",
];

/// Writes the instrumented binary to `out`; each run of it writes `<prefix>.<pid>.fdata` at exit.
pub(crate) fn instrument(
    shell: &Shell,
    bolt: &Path,
    input: &Path,
    prefix: &Path,
    out: &Path,
) -> Result<()> {
    let tmp = tmp_path(out);
    let cmd = Cmd::new(bolt)
        .arg("-instrument")
        .arg(input)
        .arg(format!("--instrumentation-file={}", prefix.display()))
        .arg("--instrumentation-file-append-pid")
        .arg("-o")
        .arg(&tmp);
    shell.verbose("Running", cmd.display());
    let done = cmd.run_unchecked()?;
    finish(done, &tmp, out, "instrument", input)?;
    Ok(())
}

/// One optimization: `input` with `profile` into `out`, stripped as `strip` says.
pub(crate) struct Job<'a> {
    pub input: &'a Path,
    pub profile: &'a Path,
    pub args: &'a [String],
    pub strip: Strip,
    pub out: &'a Path,
}

/// Runs the job. A BOLT that exits non-zero, crashes, or writes no BOLTed binary is an error;
/// so is a profile that matches no function.
pub(crate) fn optimize(shell: &Shell, rustc: &Rustc, bolt: &Path, job: &Job) -> Result<BoltStats> {
    let Job {
        input,
        profile,
        args,
        strip,
        out,
    } = *job;
    let tmp = tmp_path(out);
    let cmd = Cmd::new(bolt)
        .arg(input)
        .arg("-o")
        .arg(&tmp)
        .arg(format!("-data={}", profile.display()))
        .args(args);
    shell.verbose("Running", cmd.display());
    let done = cmd.run_unchecked()?;
    let output = format!("{}\n{}", done.stdout_str(), done.stderr_str());
    let stats = BoltStats::parse(&output);
    if done.success() && stats.profiled_functions == Some(0) {
        let _ = std::fs::remove_file(&tmp);
        bail!(
            "the BOLT profile matched none of the binary's functions ({}): the workloads did not run \
             this binary's code, or the profile is from another build; gather it again \
             (`cargo tune bolt clean`, then `cargo tune bolt`)",
            stats.coverage()
        );
    }
    finish(done, &tmp, &tmp, "optimize", input)?;
    if !read_facts(&tmp).is_ok_and(|f| f.bolted) {
        let _ = std::fs::remove_file(&tmp);
        bail!(
            "llvm-bolt exited successfully but its output {} is not a BOLTed binary (no .note.bolt_info): \
             not using it",
            tmp.display()
        );
    }
    strip_into(shell, rustc, &tmp, strip, out)?;
    Ok(stats)
}

/// Checks how llvm-bolt ended and moves its output into place.
fn finish(done: Finished, tmp: &Path, out: &Path, step: &str, input: &Path) -> Result<()> {
    check_interrupted().inspect_err(|_| {
        let _ = std::fs::remove_file(tmp);
    })?;
    if !done.success() {
        let _ = std::fs::remove_file(tmp);
        let crashed = done.error().ended.signal().is_some();
        let what = if crashed {
            "llvm-bolt crashed"
        } else {
            "llvm-bolt failed"
        };
        return Err(done.error()).context(format!(
            "{what} while trying to {step} {}; nothing was written. {}",
            input.display(),
            if crashed {
                "A crash is a BOLT bug: try other flags (--bolt-args), or report it to LLVM with the input binary"
            } else {
                "Its messages above say why (an unknown flag in --bolt-args / `bolt-args`, or an input it cannot handle)"
            }
        ));
    }
    if !tmp.is_file() {
        bail!(
            "llvm-bolt exited successfully but wrote no {} (asked to {step} {})",
            tmp.display(),
            input.display()
        );
    }
    if tmp != out {
        std::fs::rename(tmp, out).with_context(|| format!("cannot write {}", out.display()))?;
    }
    Ok(())
}

/// Strips `from` into `to` (`strip = "debuginfo"` → debug sections, `"symbols"` → everything
/// not needed to run), or just moves it for `strip = "none"`. `from` is consumed.
fn strip_into(shell: &Shell, rustc: &Rustc, from: &Path, strip: Strip, to: &Path) -> Result<()> {
    let flag = match strip {
        Strip::None => {
            return std::fs::rename(from, to)
                .with_context(|| format!("cannot write {}", to.display()));
        }
        Strip::Debuginfo => "--strip-debug",
        Strip::Symbols => "--strip-all",
    };
    let tmp = PathBuf::from(format!("{}.strip.tmp", to.display()));
    // The note is how tools (and cargo-tune's input check) tell a BOLTed binary; it is tiny.
    let keep = "--keep-section=.note.bolt_info";
    let cmd = match find_tool(rustc, LlvmTool::Strip).found {
        Some(t) => Cmd::new(t.path)
            .args([flag, keep])
            .arg(from)
            .arg("-o")
            .arg(&tmp),
        None => {
            let objcopy = which("objcopy").with_context(|| {
                format!(
                    "the variant asks for strip = \"{strip}\", applied after BOLT, but neither llvm-strip-{} \
                     nor objcopy is installed: {}, or `apt-get install binutils`",
                    rustc.llvm_major,
                    LlvmTool::Strip.install_hint(rustc.llvm_major)
                )
            })?;
            Cmd::new(objcopy).args([flag, keep]).arg(from).arg(&tmp)
        }
    };
    shell.verbose("Running", cmd.display());
    let done = cmd.run_unchecked();
    let _ = std::fs::remove_file(from);
    let done = done?;
    if !done.success() {
        let _ = std::fs::remove_file(&tmp);
        return Err(done.error()).context("cannot strip the BOLTed binary");
    }
    std::fs::rename(&tmp, to).with_context(|| format!("cannot write {}", to.display()))
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

fn tmp_path(out: &Path) -> PathBuf {
    PathBuf::from(format!("{}.tmp", out.display()))
}

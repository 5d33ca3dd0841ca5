//! Counting a command workload with valgrind's cachegrind: the argv that wraps the workload's
//! own command line, and the totals read from cachegrind's output files (never from stderr).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// What cachegrind should count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// `--cache-sim=no`: executed instructions only (fastest).
    Instructions,
    /// `--cache-sim=yes`: instructions and the cache model's hits and misses.
    CyclesEst,
}

/// Totals of one or more cachegrind runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub instructions: u64,
    /// Present with the cache simulation only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycles_est: Option<u64>,
}

impl Counts {
    pub fn add(&mut self, other: Counts) {
        self.instructions += other.instructions;
        self.cycles_est = match (self.cycles_est, other.cycles_est) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
    }
}

/// Where to find valgrind, or why it cannot be used.
pub(crate) fn find_valgrind() -> Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("valgrind"))
        .find(|p| p.is_file())
        .context(
            "valgrind is not installed, and --metric instructions/cycles-est runs the workload \
             under valgrind's cachegrind: install it (apt-get install valgrind) or use \
             --metric wall or cpu",
        )
}

/// The valgrind arguments in front of the workload's program. Output files go to `out_dir`,
/// one per process (`%p`), so `repeat` and shell pipelines each leave their own.
pub fn wrapper_args(count: Count, out_dir: &Path, trace_children: bool) -> Vec<OsString> {
    let mut file = OsString::from("--cachegrind-out-file=");
    file.push(out_dir.join("cachegrind.out.%p"));
    let mut args: Vec<OsString> = vec![
        "--tool=cachegrind".into(),
        // Cachegrind's own summary would land in the workload's stderr tail; the files hold it.
        "-q".into(),
        match count {
            Count::Instructions => "--cache-sim=no",
            Count::CyclesEst => "--cache-sim=yes",
        }
        .into(),
        "--branch-sim=no".into(),
        // Symbol names as the binary spells them: `explain` demangles them itself and finds
        // their crates by the mangled name (totals do not depend on names).
        "--demangle=no".into(),
        file,
    ];
    if trace_children {
        args.push("--trace-children=yes".into());
    }
    args
}

/// Sums the output files in `out_dir` of the processes that ran `binary` (a shell line also
/// leaves files for `sh` and other programs; they are not the variant's work).
pub fn read_counts(out_dir: &Path, binary: &Path) -> Result<Counts> {
    let mut total: Option<Counts> = None;
    let mut seen = Vec::new();
    let entries = std::fs::read_dir(out_dir)
        .with_context(|| format!("cannot read cachegrind's output in {}", out_dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let file = parse(&text).with_context(|| format!("in {}", path.display()))?;
        if !runs_binary(&file.cmd, binary) {
            seen.push(file.cmd);
            continue;
        }
        total.get_or_insert_with(Counts::default).add(file.counts);
    }
    match total {
        Some(t) => Ok(t),
        None if seen.is_empty() => bail!(
            "cachegrind wrote no output file in {}: did the program run?",
            out_dir.display()
        ),
        None => bail!(
            "cachegrind counted only other programs ({}), never {}: a `shell` workload must run \
             \"$TUNE_BIN\"",
            seen.join("; "),
            binary.display()
        ),
    }
}

/// Whether a file's `cmd:` line ran `binary` (not `sh` or another program of a pipeline).
pub(crate) fn runs_binary(cmd: &str, binary: &Path) -> bool {
    let program = cmd.split_whitespace().next().unwrap_or("");
    Path::new(program) == binary
}

struct File {
    cmd: String,
    counts: Counts,
}

/// Reads the `cmd:`, `events:` and `summary:` lines of a cachegrind output file.
fn parse(text: &str) -> Result<File> {
    let (mut cmd, mut events, mut summary) = (None, None, None);
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("cmd:") {
            cmd = Some(rest.trim().to_string());
        } else if let Some(rest) = line.strip_prefix("events:") {
            events = Some(rest.split_whitespace().collect::<Vec<_>>());
        } else if let Some(rest) = line.strip_prefix("summary:") {
            summary = Some(
                rest.split_whitespace()
                    .map(|n| n.parse::<u64>())
                    .collect::<Result<Vec<_>, _>>()
                    .context("a `summary:` value is not a number")?,
            );
        }
    }
    let (Some(events), Some(summary)) = (events, summary) else {
        bail!("no `events:`/`summary:` lines: not a complete cachegrind output file");
    };
    let counts = counts_of(&events, &summary)?;
    Ok(File {
        cmd: cmd.unwrap_or_default(),
        counts,
    })
}

/// Instructions, and estimated cycles when the cache was simulated, from the values of `events`
/// (a line of a cachegrind file: the summary, or one function's costs). The model is linear, so
/// the estimates of a program's parts add up to the estimate of the whole.
pub(crate) fn counts_of(events: &[&str], values: &[u64]) -> Result<Counts> {
    let get = |name: &str| {
        events
            .iter()
            .position(|e| *e == name)
            .map(|i| values.get(i).copied().unwrap_or(0))
    };
    let instructions = get("Ir").context("cachegrind counted no `Ir` (instructions)")?;
    let cycles_est = match (
        get("I1mr"),
        get("ILmr"),
        get("Dr"),
        get("D1mr"),
        get("DLmr"),
    ) {
        (Some(i1), Some(il), Some(dr), Some(d1r), Some(dlr)) => {
            let (dw, d1w, dlw) = (
                get("Dw").unwrap_or(0),
                get("D1mw").unwrap_or(0),
                get("DLmw").unwrap_or(0),
            );
            Some(estimated_cycles(
                instructions + dr + dw,
                i1 + d1r + d1w,
                il + dlr + dlw,
            ))
        }
        _ => None,
    };
    Ok(Counts {
        instructions,
        cycles_est,
    })
}

/// iai-callgrind's (gungraun's) model: L1 hits + 5 × LL hits + 35 × RAM accesses, where an L1
/// miss that hits the last level is an LL hit and a last-level miss goes to RAM.
pub(crate) fn estimated_cycles(accesses: u64, l1_misses: u64, ll_misses: u64) -> u64 {
    let l1_hits = accesses.saturating_sub(l1_misses);
    let ll_hits = l1_misses.saturating_sub(ll_misses);
    l1_hits + 5 * ll_hits + 35 * ll_misses
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_instruction_only_output() {
        let text = "desc: I1 cache: none\ncmd: /t/bin/app --x 1\nevents: Ir\nfl=a.rs\n1 5\nsummary: 1086215342\n";
        let f = parse(text).unwrap();
        assert_eq!(f.cmd, "/t/bin/app --x 1");
        assert_eq!(
            f.counts,
            Counts {
                instructions: 1_086_215_342,
                cycles_est: None
            }
        );
    }

    #[test]
    fn estimated_cycles_match_iai_callgrind() {
        // A published iai-callgrind result: L1 477649053, L2 307162, RAM 1425767 → 529086708.
        let accesses = 477_649_053 + 307_162 + 1_425_767;
        assert_eq!(
            estimated_cycles(accesses, 307_162 + 1_425_767, 1_425_767),
            529_086_708
        );
        let text = "cmd: /b\nevents: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw\nsummary: 1000 10 5 300 20 2 100 4 1\n";
        let c = parse(text).unwrap().counts;
        // accesses 1400, L1 misses 34, LL misses 8: 1366 + 5 × 26 + 35 × 8.
        assert_eq!(c.cycles_est, Some(1366 + 130 + 280));
    }

    #[test]
    fn sums_only_the_binary_and_explains_missing_output() {
        let dir = tempfile::tempdir().unwrap();
        let bin = Path::new("/t/bin/app");
        for (pid, cmd, n) in [
            (1, "/bin/sh -c x", 7),
            (2, "/t/bin/app a", 100),
            (3, "/t/bin/app b", 20),
        ] {
            std::fs::write(
                dir.path().join(format!("cachegrind.out.{pid}")),
                format!("cmd: {cmd}\nevents: Ir\nsummary: {n}\n"),
            )
            .unwrap();
        }
        assert_eq!(read_counts(dir.path(), bin).unwrap().instructions, 120);
        let e = read_counts(dir.path(), Path::new("/other")).unwrap_err();
        assert!(e.to_string().contains("$TUNE_BIN"), "{e}");
        let empty = tempfile::tempdir().unwrap();
        let e = read_counts(empty.path(), bin).unwrap_err();
        assert!(e.to_string().contains("no output file"), "{e}");
        assert!(parse("events: Ir\n").is_err());
    }
}

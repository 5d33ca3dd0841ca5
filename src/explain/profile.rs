//! One program's cost per function, read from cachegrind's output files: `fn=` lines name the
//! function (as its symbol, cachegrind runs with `--demangle=no`), the count lines under it add
//! up its events, and the sum over every function must equal the file's `summary:` line.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::workload::cachegrind::{Counts, counts_of, runs_binary};

/// Events and per-function costs of one or more processes of the same program.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// Event names in column order (`Ir`, or `Ir I1mr ILmr Dr …` with the cache simulation).
    pub events: Vec<String>,
    /// Per symbol, as the binary spells it (`???` for code without one): its cost per event.
    pub functions: BTreeMap<String, Vec<u64>>,
    /// The files' `summary:` lines, added up.
    pub summary: Vec<u64>,
}

impl Profile {
    /// Reads every output file in `dir` written by a process that ran `binary` (every file when
    /// `binary` is `None`: a kept run holds only those).
    pub fn read_dir(dir: &Path, binary: Option<&Path>) -> Result<Profile> {
        let mut total: Option<Profile> = None;
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read cachegrind's output in {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let (cmd, profile) = parse(&text).with_context(|| format!("in {}", path.display()))?;
            if binary.is_some_and(|b| !runs_binary(&cmd, b)) {
                continue;
            }
            match &mut total {
                None => total = Some(profile),
                Some(t) => t.add(profile)?,
            }
        }
        total.with_context(|| format!("no cachegrind output of the program in {}", dir.display()))
    }

    /// Adds another process's costs (same events).
    pub fn add(&mut self, other: Profile) -> Result<()> {
        if other.events != self.events {
            bail!(
                "cachegrind counted different events ({} and {}) in files of one run",
                self.events.join(" "),
                other.events.join(" ")
            );
        }
        for (name, costs) in other.functions {
            add_into(self.functions.entry(name).or_default(), &costs);
        }
        add_into(&mut self.summary, &other.summary);
        Ok(())
    }

    /// Instructions (and estimated cycles, when the cache was simulated) of `values`.
    pub fn counts(&self, values: &[u64]) -> Counts {
        let events: Vec<&str> = self.events.iter().map(String::as_str).collect();
        // `parse` made sure `Ir` is among the events.
        counts_of(&events, values).unwrap_or_default()
    }

    /// The whole program's counts.
    pub fn totals(&self) -> Counts {
        self.counts(&self.summary)
    }

    /// Whether the cache was simulated (estimated cycles can be computed).
    pub fn has_cycles(&self) -> bool {
        self.totals().cycles_est.is_some()
    }
}

fn add_into(sum: &mut Vec<u64>, values: &[u64]) {
    if sum.len() < values.len() {
        sum.resize(values.len(), 0);
    }
    for (s, v) in sum.iter_mut().zip(values) {
        *s += v;
    }
}

/// Parses one output file into its `cmd:` and its profile, checking that the functions add up
/// to the summary event by event.
pub(crate) fn parse(text: &str) -> Result<(String, Profile)> {
    let mut cmd = String::new();
    let mut p = Profile::default();
    let mut current: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let at = || format!("line {}", i + 1);
        if let Some(rest) = line.strip_prefix("cmd:") {
            cmd = rest.trim().to_string();
        } else if let Some(rest) = line.strip_prefix("events:") {
            p.events = rest.split_whitespace().map(String::from).collect();
        } else if let Some(rest) = line.strip_prefix("fn=") {
            current = Some(rest.to_string());
        } else if let Some(rest) = line.strip_prefix("summary:") {
            p.summary = numbers(rest.split_whitespace()).with_context(at)?;
        } else if line.starts_with(|c: char| c.is_ascii_digit()) {
            let name = current
                .clone()
                .with_context(|| format!("{}: a count before any `fn=` line", at()))?;
            // The first number is the source line; a line may leave out trailing zero counts.
            let values = numbers(line.split_whitespace().skip(1)).with_context(at)?;
            if values.len() > p.events.len() {
                bail!("{}: more counts than events", at());
            }
            add_into(p.functions.entry(name).or_default(), &values);
        }
    }
    if p.events.is_empty() || p.summary.is_empty() {
        bail!("no `events:`/`summary:` lines: not a complete cachegrind output file");
    }
    if !p.events.iter().any(|e| e == "Ir") {
        bail!("cachegrind counted no `Ir` (instructions)");
    }
    p.summary.resize(p.events.len(), 0);
    let mut sums = vec![0u64; p.events.len()];
    for costs in p.functions.values_mut() {
        costs.resize(p.events.len(), 0);
        add_into(&mut sums, costs);
    }
    if sums != p.summary {
        bail!(
            "the functions add up to {sums:?} but the summary says {:?}: a damaged file",
            p.summary
        );
    }
    Ok((cmd, p))
}

fn numbers<'a>(words: impl Iterator<Item = &'a str>) -> Result<Vec<u64>> {
    words
        .map(|w| {
            w.parse::<u64>()
                .with_context(|| format!("`{w}` is not a count"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "desc: I1 cache: 65536 B\ncmd: /t/app --n 3\nevents: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw\n\
fl=src/main.rs\nfn=_ZN3app4main17h0123456789abcdefE\n10 100 1 1 40 2 1 20\n11 50\n\
fl=src/parse.rs\nfn=_ZN3app4main17h0123456789abcdefE\n3 10 0 0 5\n\
fn=???\n0 7 0 0 0 0 0 3 1\nsummary: 167 1 1 45 2 1 23 1 0\n";

    #[test]
    fn functions_add_up_across_files_and_lines() {
        let (cmd, p) = parse(FILE).unwrap();
        assert_eq!(cmd, "/t/app --n 3");
        assert_eq!(p.functions.len(), 2);
        assert_eq!(
            p.functions["_ZN3app4main17h0123456789abcdefE"],
            vec![160, 1, 1, 45, 2, 1, 20, 0, 0]
        );
        assert_eq!(p.functions["???"], vec![7, 0, 0, 0, 0, 0, 3, 1, 0]);
        let t = p.totals();
        assert_eq!(t.instructions, 167);
        // Per-function estimates add up to the total one (the model is linear).
        let parts: u64 = p
            .functions
            .values()
            .map(|v| p.counts(v).cycles_est.unwrap())
            .sum();
        assert_eq!(Some(parts), t.cycles_est);
    }

    #[test]
    fn a_file_whose_functions_miss_the_summary_is_refused() {
        let bad = FILE.replace("summary: 167", "summary: 168");
        let e = parse(&bad).unwrap_err().to_string();
        assert!(e.contains("summary says"), "{e}");
        assert!(parse("events: Ir\nfn=a\n1 x\nsummary: 1\n").is_err());
        assert!(parse("events: Dr\nfn=a\n1 1\nsummary: 1\n").is_err());
    }

    #[test]
    fn reads_only_the_binarys_processes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cachegrind.out.1"), FILE).unwrap();
        let other = FILE.replace("cmd: /t/app", "cmd: /bin/sh");
        std::fs::write(dir.path().join("cachegrind.out.2"), other).unwrap();
        std::fs::write(dir.path().join("cachegrind.out.3"), FILE).unwrap();
        let p = Profile::read_dir(dir.path(), Some(Path::new("/t/app"))).unwrap();
        assert_eq!(p.totals().instructions, 2 * 167);
        let all = Profile::read_dir(dir.path(), None).unwrap();
        assert_eq!(all.totals().instructions, 3 * 167);
        let mut ir_only = parse("events: Ir\nfn=a\n1 1\nsummary: 1\n").unwrap().1;
        assert!(ir_only.add(all).is_err(), "events must agree");
    }
}

//! Profile health: how much of the binary and of each measured workload a training profile has
//! data for (coverage), how alike the training and a workload's profiles are (overlap), and how
//! stale the profile is for these sources (the optimized build's mismatched and missing functions).
//!
//! Profiles are read as `llvm-profdata merge --text` prints them; the overlap is the one
//! `llvm-profdata overlap` calls "Edge profile overlap" (Σ min(a/A, b/B) over counters of the
//! functions both profiles have, with A and B the programs' total counts), computed here from
//! the same counts so no report format has to be parsed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::warnings::PgoWarnings;
use crate::process::Cmd;

/// Below this share of a measured workload's counts, the training profile misses part of it.
pub(crate) const LOW_COVERAGE: f64 = 0.9;
/// Below this overlap, the training profile weighs the code unlike the measured workload does.
pub(crate) const LOW_OVERLAP: f64 = 0.6;

/// The health of one profile-guided variant's training profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileHealth {
    /// Instrumented functions of the binary (every record of the profile, run or not).
    pub functions: u64,
    /// Of those, the ones the training profile has non-zero counts for.
    pub functions_with_data: u64,
    /// `functions_with_data / functions`, in [0, 1].
    pub function_coverage: f64,
    /// Per measured workload, how well the training profile describes it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workloads: Vec<WorkloadFit>,
    /// Functions whose code changed since the profile was gathered (hash mismatch): no PGO.
    pub mismatched: usize,
    /// Functions with no record in the profile (new since it was gathered, or never instrumented).
    pub missing: usize,
}

/// How a training profile fits one measured workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadFit {
    pub workload: String,
    /// Whether this workload is part of the training profile (then the fit is in-sample).
    pub trained: bool,
    /// Share of the counts the workload executes that fall on counters the training profile has
    /// data for, in [0, 1].
    pub count_coverage: f64,
    /// Edge-profile overlap of the training profile and the workload's, in [0, 1].
    pub overlap: f64,
}

impl ProfileHealth {
    /// Warnings for measured workloads the training profile describes poorly, each naming the
    /// workload to add to training. In-sample fits are not warned about.
    pub fn warnings(&self, variant: &str) -> Vec<String> {
        self.workloads
            .iter()
            .filter(|f| !f.trained)
            .filter(|f| f.count_coverage < LOW_COVERAGE || f.overlap < LOW_OVERLAP)
            .map(|f| {
                let (w, coverage, overlap) =
                    (&f.workload, f.count_coverage * 100.0, f.overlap * 100.0);
                format!(
                    "{variant}: the training profile has data for only {coverage:.0}% of what \
                     workload `{w}` executes (overlap {overlap:.0}%), so PGO tunes code that input \
                     barely uses; add `{w}` (or an input like it) to training: role = \"both\" or \
                     \"train\""
                )
            })
            .collect()
    }

    /// One line for status output: functions covered, then each workload's fit.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!(
            "{} of {} functions have data ({:.0}%)",
            self.functions_with_data,
            self.functions,
            self.function_coverage * 100.0
        )];
        for f in &self.workloads {
            parts.push(format!(
                "`{}`{}: coverage {:.0}%, overlap {:.0}%",
                f.workload,
                if f.trained { " (trained on)" } else { "" },
                f.count_coverage * 100.0,
                f.overlap * 100.0
            ));
        }
        parts.push(format!(
            "{} changed, {} without a record",
            self.mismatched, self.missing
        ));
        parts.join("; ")
    }
}

/// A profile's counters by function (name and structural hash).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Counts {
    functions: HashMap<(String, u64), Vec<u64>>,
}

impl Counts {
    /// Merges `inputs` (raw or indexed profiles, each with its weight) and reads the result.
    pub(crate) fn read(profdata: &Path, inputs: &[(u32, PathBuf)]) -> Result<Counts> {
        let mut cmd = Cmd::new(profdata).args(["merge", "--text", "-o", "-"]);
        for (weight, path) in inputs {
            cmd = match weight {
                1 => cmd.arg(path),
                w => cmd.arg(format!("--weighted-input={w},{}", path.display())),
            };
        }
        let out = cmd
            .run()
            .context("llvm-profdata could not read the profiles")?;
        Ok(Counts::parse(&out.stdout_str()))
    }

    /// Parses the text format: a function is its name line followed by `# Func Hash:`, the hash,
    /// `# Num Counters:`, n, `# Counter Values:` and n counts; anything else (value profiles,
    /// header flags) is skipped.
    pub(crate) fn parse(text: &str) -> Counts {
        let lines: Vec<&str> = text.lines().collect();
        let mut functions = HashMap::new();
        let mut i = 0;
        while i + 5 < lines.len() {
            let header = (lines[i + 1], lines[i + 3], lines[i + 5]);
            if header != ("# Func Hash:", "# Num Counters:", "# Counter Values:") {
                i += 1;
                continue;
            }
            let hash = lines[i + 2].trim().parse::<u64>().unwrap_or(0);
            let n = lines[i + 4].trim().parse::<usize>().unwrap_or(0);
            let values: Vec<u64> = lines
                .iter()
                .skip(i + 6)
                .take(n)
                .map(|l| l.trim().parse().unwrap_or(0))
                .collect();
            functions.insert((lines[i].to_string(), hash), values);
            i += 6 + n;
        }
        Counts { functions }
    }

    pub(crate) fn functions(&self) -> u64 {
        self.functions.len() as u64
    }

    /// Functions with at least one non-zero counter.
    pub(crate) fn functions_with_data(&self) -> u64 {
        self.functions
            .values()
            .filter(|c| c.iter().any(|&x| x > 0))
            .count() as u64
    }

    fn total(&self) -> u128 {
        self.functions
            .values()
            .flatten()
            .map(|&x| u128::from(x))
            .sum()
    }

    /// Share of `workload`'s counts on counters this (training) profile has non-zero data for;
    /// `None` when the workload executed nothing.
    pub(crate) fn count_coverage(&self, workload: &Counts) -> Option<f64> {
        let total = workload.total();
        if total == 0 {
            return None;
        }
        let mut covered = 0u128;
        for (key, counts) in &workload.functions {
            let Some(mine) = self.functions.get(key) else {
                continue;
            };
            for (x, y) in counts.iter().zip(mine) {
                if *y > 0 {
                    covered += u128::from(*x);
                }
            }
        }
        Some(covered as f64 / total as f64)
    }

    /// `llvm-profdata overlap`'s edge-profile overlap: Σ min(a/A, b/B) over the counters of
    /// the functions both have; 1 for identical shapes, 0 for disjoint ones. `None` when either
    /// profile is empty.
    pub(crate) fn overlap(&self, other: &Counts) -> Option<f64> {
        let (a, b) = (self.total() as f64, other.total() as f64);
        if a == 0.0 || b == 0.0 {
            return None;
        }
        let mut sum = 0.0;
        for (key, mine) in &self.functions {
            let Some(theirs) = other.functions.get(key) else {
                continue;
            };
            for (x, y) in mine.iter().zip(theirs) {
                sum += (*x as f64 / a).min(*y as f64 / b);
            }
        }
        Some(sum.clamp(0.0, 1.0))
    }
}

/// One measured workload's own profile, for fitting the training profile against.
pub(crate) struct Measured<'a> {
    pub name: &'a str,
    pub trained: bool,
    pub counts: &'a Counts,
}

/// The health of `training` against each measured workload, with the build's staleness.
pub(crate) fn assess(
    training: &Counts,
    measured: &[Measured],
    warnings: &PgoWarnings,
) -> ProfileHealth {
    let functions = training.functions();
    let with_data = training.functions_with_data();
    ProfileHealth {
        functions,
        functions_with_data: with_data,
        function_coverage: if functions == 0 {
            0.0
        } else {
            with_data as f64 / functions as f64
        },
        workloads: measured
            .iter()
            .map(|m| WorkloadFit {
                workload: m.name.to_string(),
                trained: m.trained,
                count_coverage: training.count_coverage(m.counts).unwrap_or(0.0),
                overlap: training.overlap(m.counts).unwrap_or(0.0),
            })
            .collect(),
        mismatched: warnings.mismatched,
        missing: warnings.missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(functions: &[(&str, &[u64])]) -> String {
        let mut s = String::from("# IR level Instrumentation Flag\n:ir\n");
        for (name, counts) in functions {
            s.push_str(&format!(
                "{name}\n# Func Hash:\n42\n# Num Counters:\n{}\n# Counter Values:\n",
                counts.len()
            ));
            for c in *counts {
                s.push_str(&format!("{c}\n"));
            }
            // A value-profile block, as LLVM 22 prints one after some functions.
            s.push_str("# Num Value Kinds:\n1\n# ValueKind = IPVK_MemOPSize:\n1\n# NumValueSites:\n1\n0\n\n");
        }
        s
    }

    #[test]
    fn parses_llvm_text_profiles() {
        let c = Counts::parse(&text(&[("f", &[3, 0, 1]), ("g", &[0, 0])]));
        assert_eq!((c.functions(), c.functions_with_data()), (2, 1));
        assert_eq!(c.total(), 4);
    }

    #[test]
    fn coverage_and_overlap_lie_in_zero_one() {
        let a = Counts::parse(&text(&[("f", &[10, 0]), ("g", &[0, 0])]));
        let b = Counts::parse(&text(&[("f", &[10, 0]), ("g", &[5, 5])]));
        assert_eq!(a.count_coverage(&a), Some(1.0));
        assert_eq!(a.overlap(&a), Some(1.0));
        // b spends half its counts in g, which a never ran.
        assert_eq!(a.count_coverage(&b), Some(0.5));
        assert!((a.overlap(&b).unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(b.count_coverage(&a), Some(1.0));
        let empty = Counts::default();
        assert_eq!(a.overlap(&empty), None);
        let h = assess(
            &a,
            &[Measured {
                name: "b",
                trained: false,
                counts: &b,
            }],
            &PgoWarnings::default(),
        );
        assert_eq!(h.function_coverage, 0.5);
        let w = h.warnings("x+pgo");
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("add `b`"), "{w:?}");
    }
}

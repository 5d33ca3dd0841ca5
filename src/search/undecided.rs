//! Undecided is carried, not dropped: a comparison the search could not decide in a step's time
//! goes on a list; leftover budget measures it again for longer, and what is still undecided at
//! the end is printed with its interval and the `compare` that would tell.

use anyhow::Result;

use super::driver::{Carried, Searcher};
use super::goals::steps::{Judged, judge};
use crate::measure::Settings;
use crate::measure::comparison::Comparison;
use crate::run::auto::Undecided;
use crate::spec::Candidate;

impl Carried {
    pub(super) fn entry(&self, selection: &str) -> Undecided {
        Undecided {
            candidate: self.cand.name.clone(),
            against: self.against.name.clone(),
            speed: self.speed,
            rounds: self.rounds,
            compare: compare_command(selection, &self.against, &self.cand),
        }
    }
}

/// How a carried comparison is measured again: from where a step stops to the final run's
/// maximum, so it gets the rounds a step could not give it.
fn longer(s: &Searcher) -> Settings {
    let step = &s.opts.step_settings;
    Settings {
        min_runs: step.max_runs,
        max_runs: s.opts.final_settings.max_runs.max(step.max_runs),
        ..step.clone()
    }
}

impl Searcher<'_> {
    /// Puts an undecided comparison on the list (after the step that measured it).
    pub(crate) fn carry(&mut self, cand: &Candidate, against: &Candidate, speed: Comparison) {
        let rounds = self.steps.last().map_or(0, |r| r.rounds);
        self.carried.retain(|c| c.cand.key() != cand.key());
        self.carried.push(Carried {
            cand: cand.clone(),
            against: against.clone(),
            speed,
            rounds,
            retried: false,
        });
    }

    /// Measures the first carried comparison the budget still allows, for longer; it leaves the
    /// list when decided. `None` when none is left to try or none fits.
    pub(crate) fn retry_undecided(&mut self) -> Result<Option<(Candidate, Candidate, Judged)>> {
        let settings = longer(self);
        let next = self.carried.iter().position(|c| {
            !c.retried && {
                let est = self.estimate(&[&c.against, &c.cand], &settings);
                self.affordable(&est).is_ok()
            }
        });
        let Some(i) = next else { return Ok(None) };
        let (cand, against) = (
            self.carried[i].cand.clone(),
            self.carried[i].against.clone(),
        );
        let est = self.estimate(&[&against, &cand], &settings);
        self.planned = Some((
            est,
            Some(format!(
                "more time for a comparison left undecided ({} more rounds at most), with the budget left over",
                settings.max_runs
            )),
        ));
        let (run, built) = self.measure(&[against.clone(), cand.clone()], &settings, &[])?;
        let judged = judge(self, &run, &built, 1);
        let entry = &mut self.carried[i];
        entry.retried = true;
        entry.rounds += run.rounds;
        match &judged {
            Ok((_, sp)) if sp.verdict == crate::measure::stats::Verdict::Undecided => {
                entry.speed = *sp;
            }
            _ => {
                self.carried.remove(i);
            }
        }
        Ok(Some((cand, against, judged)))
    }
}

/// The `compare` that would settle `cand` against `against`: `+change` rows stacked on the
/// reference when the candidate is the reference with plain changes, else each as a named spec.
pub(super) fn compare_command(selection: &str, against: &Candidate, cand: &Candidate) -> String {
    let plain_name = |n: &str| !n.contains(['=', ',']);
    let changes = cand
        .name
        .strip_prefix(against.name.as_str())
        .and_then(|r| r.strip_prefix('+'))
        .filter(|r| plain_name(&against.name) && !r.split('+').any(|p| p == "pgo" || p == "bolt"));
    let list = match changes {
        // `lto=fat,codegen-units=1` is two rows to --variants (it splits at commas).
        Some(changes) => {
            let rows: Vec<String> = changes.split(['+', ',']).map(|c| format!("+{c}")).collect();
            format!("--variants {},{}", against.name, rows.join(","))
        }
        None => match (as_item(against), as_item(cand)) {
            (Some(a), Some(c)) => format!("--variants {a},{c}"),
            // `--variants` rows come first: the baseline must be one too, or both are named.
            (Some(a), None) => format!("--variants {a} {}", named(cand)),
            _ => format!("{} {}", named(against), named(cand)),
        },
    };
    format!("cargo tune{selection} compare {list} --max-runs 60")
}

/// The candidate as a `--variants` item, when its name reads back as the same build (a preset,
/// `production+pgo`, …): such a name cannot be given to `--variant`, which refuses names that
/// would shadow a variant of their own.
fn as_item(c: &Candidate) -> Option<String> {
    let parsed =
        crate::spec::parse_candidates(std::slice::from_ref(&c.name), &[], &c.variant.base_profile)
            .ok()?
            .pop()?;
    let key = |x: &Candidate| (x.variant.hash(), x.pgo, x.bolt);
    (!c.name.contains(',') && key(&parsed) == key(c)).then(|| c.name.clone())
}

/// `--variant 'NAME=SPEC'` for a candidate, its name kept readable without `=` or `,`.
fn named(c: &Candidate) -> String {
    let mut parts = Vec::new();
    let spec = c.variant.spec();
    if !spec.is_empty() {
        parts.push(spec);
    }
    parts.extend(c.pgo.then(|| "pgo".to_string()));
    parts.extend(c.bolt.then(|| "bolt".to_string()));
    if parts.is_empty() {
        parts.push(c.variant.base_profile.clone());
    }
    let name = c.name.replace('=', "-").replace(',', "+");
    format!("--variant '{name}={}'", parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::search::testing::candidate as cand;

    /// The printed command names the same two configurations when `compare` reads it.
    #[test]
    fn the_printed_compare_parses_back_to_the_pair() {
        for (against, c) in [
            ("production", "production+target-cpu=x86-64-v3"),
            ("release", "release+lto=fat,codegen-units=1"),
            ("production+pgo", "production+target-cpu=x86-64-v3+pgo"),
            ("release+pgo", "production+pgo"),
            ("release", "release+pgo"),
        ] {
            let (a, c) = (cand(against), cand(c));
            let cmd = compare_command("", &a, &c);
            assert!(cmd.ends_with("--max-runs 60"), "{cmd}");
            let words: Vec<String> = cmd
                .split(" --")
                .skip(1)
                .map(|w| w.replace('\'', ""))
                .collect();
            let items: Vec<String> = words
                .iter()
                .filter_map(|w| w.strip_prefix("variants "))
                .flat_map(|l| l.split(',').map(String::from))
                .collect();
            let named: Vec<String> = words
                .iter()
                .filter_map(|w| w.strip_prefix("variant ").map(String::from))
                .collect();
            let parsed = crate::spec::parse_candidates(&items, &named, "release").unwrap();
            let keys = |x: &Candidate| (x.variant.hash(), x.pgo, x.bolt);
            assert_eq!(keys(&parsed[0]), keys(&a), "{cmd}");
            assert_eq!(keys(parsed.last().unwrap()), keys(&c), "{cmd}");
        }
    }
}

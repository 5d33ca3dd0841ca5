//! The end of a search: the final measurement of the pick beside the baseline and the
//! reference points (all in one run), the document `auto` prints, and the partial one Ctrl-C
//! leaves.

use super::driver::Searcher;
use super::options::space_size;
use super::recommendation::recommend;
use anyhow::Result;

use crate::run::Run;
use crate::run::auto::{AutoResult, Breakdown, Decision};
use crate::run::pareto;
use crate::spec::Candidate;

impl Searcher<'_> {
    /// Leaves reference points out of the final run, the last first, while its minimum rounds
    /// would not fit in the budget left; the baseline, the pick and the pick's configuration
    /// without its stages always stay. Returns a note per one left out.
    fn fit_final(&self, set: &mut Vec<Candidate>, winner: &Candidate) -> Vec<String> {
        let s = &self.opts.final_settings;
        let rounds = f64::from(s.min_runs + s.warmup);
        let plain = |c: &Candidate| !c.pgo && !c.bolt && c.variant.hash() == winner.variant.hash();
        let mut notes = Vec::new();
        loop {
            let need = self.cost.measuring_final(set.len(), rounds);
            if need <= self.remaining().as_secs_f64() {
                return notes;
            }
            let Some(i) = (1..set.len())
                .rev()
                .find(|&i| set[i].key() != winner.key() && !plain(&set[i]))
            else {
                return notes;
            };
            let c = set.remove(i);
            notes.push(format!(
                "{} was left out of the final run to keep within the budget (its step's figures are in the path)",
                c.name
            ));
        }
    }

    /// The final measurement of `set` (baseline first), the Pareto front and the sentence.
    pub(crate) fn finish(
        mut self,
        winner: Candidate,
        set: Vec<Candidate>,
    ) -> Result<(AutoResult, Candidate)> {
        let mut final_set: Vec<Candidate> = Vec::new();
        for c in std::iter::once(self.baseline.clone())
            .chain(set)
            .chain(std::iter::once(winner.clone()))
        {
            if !final_set.iter().any(|f| f.key() == c.key()) {
                final_set.push(c);
            }
        }
        let left_out = self.fit_final(&mut final_set, &winner);
        let settings = self.opts.final_settings.clone();
        // The default with several training workloads: folds for the final run only.
        if self.opts.held_out == super::options::HeldOutMode::Final {
            self.session.hold_out();
        }
        let built = match self.build(&final_set) {
            Ok(b) => b,
            Err(e) if e.is::<crate::process::Interrupted>() => return Err(self.interrupted(None)),
            Err(e) => return Err(e),
        };
        self.session.short_windows(false);
        let mut run = self.session.new_run(settings.clone());
        run.settings.time_limit = Some(self.remaining());
        let t = std::time::Instant::now();
        for (c, b) in final_set.iter().zip(&built) {
            run.variants.push(
                self.session
                    .variant_result(c, &b.clone().map_err(|e| e.to_string())),
            );
        }
        // The pick against every other candidate too, so a close call is measured out.
        let picked = final_set
            .iter()
            .position(|c| c.key() == winner.key())
            .unwrap_or(0);
        let extra: Vec<(usize, usize)> = (1..final_set.len())
            .filter(|&i| i != picked && picked != 0)
            .map(|i| (i, picked))
            .collect();
        Self::ask(&mut run, &extra);
        self.session.measure(&mut run);
        let mut cost = self.last_cost.take().unwrap_or_default();
        cost.measuring += t.elapsed().as_secs_f64();
        self.add_to_breakdown(&cost, true);
        if run.interrupted {
            return Err(self.interrupted(Some(run)));
        }
        let (w, overruled) = super::confirm::confirm(&run, picked, &self.opts);
        let winner = final_set[w].clone();
        let recommendation = format!(
            "{}{}",
            overruled.unwrap_or_default(),
            recommend(&self.opts, &run, w, &winner)
        );
        run.notes.append(&mut self.session.take_notes());
        run.notes.extend(left_out);
        if self.cost.final_extra > 0.0 {
            run.notes.push(
                "the search's steps measured services with the default window (2 s after a 0.5 s \
                 warm-up) to tell candidates apart sooner; this final run used the configured one"
                    .into(),
            );
        }
        let pareto = pareto::front(&run);
        let result = self.into_result(run, w, recommendation, pareto, winner.pgo, false);
        Ok((result, winner))
    }
}

/// The error a search stopped by Ctrl-C ends with: it carries the path so far, for `auto` to
/// print and save (the builds stay cached, so the next `auto` reuses them).
#[derive(Debug)]
pub(crate) struct InterruptedSearch(pub Box<AutoResult>);

impl std::fmt::Display for InterruptedSearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}
impl std::error::Error for InterruptedSearch {}

impl Searcher<'_> {
    /// The search's document around `final_run`: the path, what was not explored, the steps.
    fn into_result(
        self,
        final_run: Run,
        winner: usize,
        recommendation: String,
        pareto: Vec<usize>,
        winner_pgo: bool,
        interrupted: bool,
    ) -> AutoResult {
        AutoResult {
            goal: self.opts.goal,
            budget_secs: self.opts.budget.as_secs_f64(),
            elapsed_secs: self.elapsed().as_secs_f64(),
            builds: self.session.builds_run(),
            configurations_tried: self
                .trials
                .iter()
                .filter(|t| t.decision != Decision::Skipped)
                .map(|t| t.candidate.as_str())
                .collect::<std::collections::HashSet<_>>()
                .len(),
            space_size: space_size(&self.opts),
            undecided: self
                .carried
                .iter()
                .map(|c| c.entry(&self.opts.selection))
                .collect(),
            breakdown: Breakdown {
                other: (self.elapsed().as_secs_f64()
                    - self.breakdown.steps.total()
                    - self.breakdown.final_run.total())
                .max(0.0),
                ..self.breakdown
            },
            path: self.trials,
            not_explored: self.not_explored,
            winner,
            recommendation,
            pareto,
            final_run,
            steps: self.steps,
            winner_pgo,
            interrupted,
        }
    }

    /// The partial result after Ctrl-C: the path so far and the last measurement (`last`, the
    /// interrupted final run, or else the last step's), marked interrupted.
    pub(crate) fn interrupted(self, last: Option<Run>) -> anyhow::Error {
        let steps_done = self.steps.len();
        let mut run = last
            .or_else(|| self.steps.last().cloned())
            .unwrap_or_else(|| self.session.new_run(self.opts.final_settings.clone()));
        run.interrupted = true;
        run.notes.append(&mut self.session.take_notes());
        run.notes.push(format!(
            "interrupted: `auto` stopped after {} of its candidates had been tried ({steps_done} \
             measurement(s)); these results are partial and recommend nothing",
            self.trials.len()
        ));
        let recommendation = format!(
            "Interrupted: no recommendation. The builds so far are cached: run `cargo tune{} auto` \
             again to search on without building them again.",
            self.opts.selection
        );
        let result = self.into_result(run, 0, recommendation, Vec::new(), false, true);
        InterruptedSearch(Box::new(result)).into()
    }
}

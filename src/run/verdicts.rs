//! The verdicts of a run, recomputed from its raw samples with its settings and seed: every
//! variant's summaries, the family of comparisons on each workload's deciding metric, `auto`'s
//! joint questions, the noise each workload showed and the change it could find.

use crate::measure::Series;
use crate::measure::comparison::Comparison;
use crate::measure::decide::{self, Arm, Undecidable};
use crate::measure::sequential::Design;
use crate::measure::stats::{Direction, Verdict};
use crate::measure::{Metric, Plan, Question, family, power, summary};
use crate::run::{Analysis, Measurement, NoiseInfo, Pair, Run};
use crate::ui::first_line;

/// How the family's error rate is shared, for the saved run and the legend.
const FAMILY: &str = "Holm's step-down procedure over the deciding metric's comparisons of one \
run (each variant against the baseline on each workload), through the sequential design";

impl Run {
    /// The metric that decides on workload `w`.
    pub fn deciding(&self, w: usize) -> Metric {
        let info = &self.workloads[w];
        info.metric
            .unwrap_or_else(|| self.settings.deciding(info.kind, false))
    }

    /// What the engine should measure: every workload on every variant that built.
    pub fn plan(&self) -> Plan {
        let mut plan = Plan::new(
            self.variants.iter().map(|v| v.name.clone()).collect(),
            self.workloads
                .iter()
                .enumerate()
                .map(|(i, w)| (w.name.clone(), w.kind, self.deciding(i)))
                .collect(),
            self.baseline,
        );
        plan.skip = self.variants.iter().map(|v| v.build.is_none()).collect();
        plan.questions = self.joint_questions();
        plan.layouts = self
            .variants
            .iter()
            .map(|v| v.layouts.len().max(1) as u32)
            .collect();
        plan.skip_pairs = super::training::unmeasured_pairs(self);
        plan
    }

    /// The run's questions as the engine asks them: each pair jointly over its workload, or
    /// over every workload both sides run on (a held-out fold runs on one).
    pub(super) fn joint_questions(&self) -> Vec<Question> {
        let skipped = super::training::unmeasured_pairs(self);
        self.questions
            .iter()
            .map(|p| Question {
                variant: p.variant,
                reference: p.reference,
                workloads: (0..self.workloads.len())
                    .filter(|&w| p.workload.is_none_or(|x| x == w))
                    .filter(|&w| {
                        !skipped.contains(&(p.variant, w)) && !skipped.contains(&(p.reference, w))
                    })
                    .map(|w| (w, self.deciding(w)))
                    .collect(),
            })
            .collect()
    }

    /// The layout band of workload `w` on its deciding metric (`measure::layout`).
    pub fn layout_band(&self, w: usize) -> Option<crate::measure::layout::Band> {
        let series: Vec<Series> = self
            .variants
            .iter()
            .map(|v| {
                v.measurement(w)
                    .map_or(Series::new(self.workloads[w].kind), Measurement::series)
            })
            .collect();
        let refs: Vec<&Series> = series.iter().collect();
        let s = &self.settings;
        let metric = self.deciding(w);
        crate::measure::layout::estimate(&refs, self.baseline, metric, s.layouts, s.confidence)
    }

    /// The band a verdict on workload `w` must clear: the noise threshold, or its layout band.
    fn threshold(&self, w: usize) -> f64 {
        decide::threshold(
            self.settings.noise_threshold,
            self.layout_band(w).map(|b| b.band),
        )
    }

    /// The widest band over all workloads (for joint questions).
    fn joint_threshold(&self) -> f64 {
        (0..self.workloads.len())
            .map(|w| self.threshold(w))
            .fold(self.settings.noise_threshold, f64::max)
    }

    /// The level of the final analysis for a test of error rate `a`.
    fn final_level(&self) -> impl Fn(f64) -> f64 + use<> {
        let design = Design::new(&self.settings);
        let rounds = self.rounds;
        move |a| design.analysis(a, rounds)
    }

    /// (Re)computes every summary and verdict from the raw samples.
    pub fn summarize(&mut self) {
        let design = Design::new(&self.settings);
        let level = self.final_level();
        let confidence = 1.0 - level(design.alpha);
        // `decide` asks for the level of a test that spends `share` of the error rate;
        // `final_level` takes an error rate.
        let alpha = design.alpha;
        let levels = move |share: f64| level(alpha * share);
        let mut summaries = Vec::new();
        for w in 0..self.workloads.len() {
            let base = self.series_of(self.baseline, w);
            // Every figure of the workload is judged against its layout band, when wider.
            let settings = crate::measure::Settings {
                noise_threshold: self.threshold(w),
                ..self.settings.clone()
            };
            for v in 0..self.variants.len() {
                let Some(series) = self.variants[v]
                    .measurements
                    .get(w)
                    .map(Measurement::series)
                else {
                    continue;
                };
                let summary = (series.runs() > 0).then(|| {
                    let against = base.as_ref().filter(|_| v != self.baseline);
                    summary::summarize(&series, against, &settings, &levels, v, w)
                });
                summaries.push((v, w, summary));
            }
        }
        for (v, w, s) in summaries {
            self.variants[v].measurements[w].summary = s;
        }
        // The deciding metric's comparisons are one family: their verdicts replace the others'.
        for ((v, w), result) in self.table_family() {
            let m = self.deciding(w);
            if let Some(ms) = self.variants[v].measurements[w]
                .summary
                .as_mut()
                .and_then(|s| s.metrics.get_mut(&m))
            {
                ms.vs_baseline = result.ok();
            }
        }
        self.analysis = Some(Analysis {
            design,
            confidence,
            family: FAMILY.into(),
        });
        self.noise = (0..self.workloads.len())
            .map(|w| self.noise_info(w))
            .collect();
        super::training::link(self);
    }

    fn series_of(&self, v: usize, w: usize) -> Option<crate::measure::Series> {
        self.variants
            .get(v)?
            .measurements
            .get(w)
            .filter(|m| m.failure.is_none())
            .map(Measurement::series)
    }

    /// Each variant against the baseline on each workload's deciding metric, as one family.
    fn table_family(&self) -> Vec<((usize, usize), Result<Comparison, Undecidable>)> {
        let mut keys = Vec::new();
        let mut values = Vec::new();
        let mut noise = Vec::new();
        for v in (0..self.variants.len()).filter(|&v| v != self.baseline) {
            for w in 0..self.workloads.len() {
                let (Some(a), Some(b)) = (self.series_of(v, w), self.series_of(self.baseline, w))
                else {
                    continue;
                };
                let m = self.deciding(w);
                keys.push((v, w));
                values.push((a.values(m), b.values(m), m));
                noise.push(self.threshold(w));
            }
        }
        let arms: Vec<Vec<Arm>> = values
            .iter()
            .map(|(a, b, m)| vec![Arm::of(a, b, *m)])
            .collect();
        let alpha = 1.0 - self.settings.confidence;
        let results = family::decide(&arms, alpha, &noise, &self.final_level());
        // The family's ratios are time-like; the table shows each metric in its own units.
        keys.into_iter()
            .zip(results)
            .map(|((v, w), r)| {
                let own = match self.deciding(w).direction() {
                    Direction::LowerIsBetter => r,
                    Direction::HigherIsBetter => r.map(Comparison::inverted),
                };
                ((v, w), own)
            })
            .collect()
    }

    /// `variant` against `reference` over all workloads (time-like: below 1 is faster):
    /// held-out when the run has folds of them (`training::held_out_applies`), else in-sample.
    /// An in-sample pair that is one of `auto`'s questions is decided in their family; any other
    /// comparison on its own, at the whole error rate. `Err` says why there is none.
    pub fn speed(&self, variant: usize, reference: usize) -> Result<Comparison, String> {
        if super::training::held_out_applies(self, variant, reference) {
            let pick = |i: usize, w: usize| Some(super::training::fold_of(self, i, w).unwrap_or(i));
            return self
                .speed_picked(variant, reference, &pick)
                .map(|c| Comparison {
                    held_out: true,
                    ..c
                });
        }
        let pair = Pair {
            variant,
            reference,
            workload: None,
        };
        match self.questions.iter().position(|q| *q == pair) {
            Some(i) => self.question_family(&self.final_level())?.swap_remove(i),
            None => return self.speed_picked(variant, reference, &|i, _| Some(i)),
        }
        .map_err(|e| self.why_not(variant, reference, e))
    }

    /// As [`Run::speed`] on its own, each side on workload `w` read from variant `pick(side, w)`
    /// (a held-out fold); workloads where `pick` gives `None` are left out.
    pub fn speed_picked(
        &self,
        variant: usize,
        reference: usize,
        pick: &dyn Fn(usize, usize) -> Option<usize>,
    ) -> Result<Comparison, String> {
        let mut values = Vec::new();
        for w in 0..self.workloads.len() {
            let (Some(pv), Some(pr)) = (pick(variant, w), pick(reference, w)) else {
                continue;
            };
            let m = self.deciding(w);
            let of = |i: usize| self.measured(i, w).map(|s| s.values(m));
            values.push((of(pv)?, of(pr)?, m));
        }
        if values.is_empty() {
            return Err("no workload was measured".into());
        }
        let arms: Vec<Arm> = values.iter().map(|(a, b, m)| Arm::of(a, b, *m)).collect();
        let alpha = 1.0 - self.settings.confidence;
        let level = self.final_level();
        decide::joint(&arms, &|p| level(alpha * p), self.joint_threshold())
            .map_err(|e| self.why_not(variant, reference, e))
    }

    /// `auto`'s questions, decided as one family.
    fn question_family(
        &self,
        level: &dyn Fn(f64) -> f64,
    ) -> Result<Vec<Result<Comparison, Undecidable>>, String> {
        let mut values = Vec::new();
        for q in self.joint_questions() {
            let mut per = Vec::new();
            for (w, m) in q.workloads {
                let of = |i: usize| self.measured(i, w).map(|s| s.values(m));
                per.push((of(q.variant)?, of(q.reference)?, m));
            }
            values.push(per);
        }
        let arms: Vec<Vec<Arm>> = values
            .iter()
            .map(|q| q.iter().map(|(a, b, m)| Arm::of(a, b, *m)).collect())
            .collect();
        let alpha = 1.0 - self.settings.confidence;
        let noise = vec![self.joint_threshold(); arms.len()];
        Ok(family::decide(&arms, alpha, &noise, level))
    }

    /// The series of variant `i` on workload `w`, or why there is none.
    fn measured(&self, i: usize, w: usize) -> Result<crate::measure::Series, String> {
        let variant = &self.variants[i];
        let meas = variant.measurements.get(w).ok_or_else(|| {
            variant
                .failure
                .clone()
                .unwrap_or_else(|| format!("{} was not measured", variant.name))
        })?;
        if let Some(f) = &meas.failure {
            return Err(format!(
                "{} failed on {}: {}",
                variant.name,
                self.workloads[w].name,
                first_line(f)
            ));
        }
        Ok(meas.series())
    }

    fn why_not(&self, variant: usize, reference: usize, e: Undecidable) -> String {
        match e {
            Undecidable::Samples(w) => format!(
                "too few samples of {} on {}",
                self.variants[variant].name, self.workloads[w].name
            ),
            Undecidable::NoInterval { .. } => format!(
                "too few rounds to compare {} with {} at this level",
                self.variants[variant].name, self.variants[reference].name
            ),
        }
    }

    /// The baseline's spread on workload `w`'s deciding metric, and the change it could find.
    fn noise_info(&self, w: usize) -> NoiseInfo {
        let metric = self.deciding(w);
        let spread = self
            .series_of(self.baseline, w)
            .and_then(|s| summary::spread(&s.values(metric)));
        let comparisons: Vec<Comparison> = (0..self.variants.len())
            .filter(|&v| v != self.baseline)
            .filter_map(|v| self.metric(v, w, metric)?.vs_baseline)
            .collect();
        let band = self.threshold(w);
        let fallback = self.analysis.as_ref().map_or(0.95, |a| a.confidence);
        let detectable = comparisons
            .iter()
            .filter_map(|c| power::detectable(c, band, fallback))
            .fold(None, |acc: Option<f64>, x| {
                Some(acc.map_or(x, |a| a.max(x)))
            });
        NoiseInfo {
            workload: self.workloads[w].name.clone(),
            metric,
            spread,
            detectable,
            undecided: comparisons
                .iter()
                .filter(|c| c.verdict == Verdict::Undecided)
                .count(),
            layout: self.layout_band(w),
        }
    }

    /// Confidence of an interval that spends the whole error rate at the final analysis.
    pub fn confidence(&self) -> f64 {
        match &self.analysis {
            Some(a) => a.confidence,
            None => 1.0 - self.final_level()(1.0 - self.settings.confidence),
        }
    }
}

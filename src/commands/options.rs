//! Command-line options shared by several commands, and parsers for their values.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::cargo::project::BinTarget;
use crate::measure::Settings;
use crate::measure::choice::{MetricChoice, MetricName, choose};
use crate::tune_config::{TuneConfig, Workload, parse_duration};

/// What `compare` and `auto` share: which workloads, how to measure, how to build.
#[derive(Debug, Clone, Args)]
pub struct SessionArgs {
    /// Only these configured workloads (repeatable)
    #[arg(long = "workload", value_name = "NAME")]
    pub workloads: Vec<String>,
    #[command(flatten)]
    pub measure: MeasureArgs,
    /// Rebuild every variant from scratch (measures compile times again, gathers PGO profiles again)
    #[arg(long)]
    pub rebuild: bool,
    /// Allow service load to target hosts other than loopback
    #[arg(long)]
    pub allow_remote: bool,
}

impl SessionArgs {
    /// The workloads to measure (`--workload` picks configured ones; `trailing`, the arguments
    /// after `--`, replaces them) with the measurement settings and deciding metrics for them.
    pub fn measured(
        &self,
        bin: &BinTarget,
        trailing: &[String],
    ) -> Result<(Vec<Workload>, Settings, MetricChoice)> {
        let workloads = crate::workload::select_measurable(
            &bin.config.workload,
            &self.workloads,
            trailing,
            &bin.package_manifest,
        )?;
        let (settings, choice) = self.measure.settings(&bin.config, &workloads)?;
        Ok((workloads, settings, choice))
    }

    pub fn session_options(&self) -> crate::session::SessionOptions {
        crate::session::SessionOptions {
            rebuild: self.rebuild,
            allow_remote: self.allow_remote,
            keep_no_counts: false,
        }
    }
}

/// How carefully to measure, and what; shared by `compare` and `auto`.
#[derive(Debug, Clone, Args)]
pub struct MeasureArgs {
    /// The deciding metric, at most one per workload kind (e.g. `instructions` or
    /// `instructions,p99`) [default: `metric` in [package.metadata.tune], else wall and rps]
    #[arg(long, value_enum, value_delimiter = ',', value_name = "METRIC")]
    pub metric: Vec<MetricName>,
    /// Run command workloads bound to one CPU (sched_setaffinity) [default: `pin`, else off]
    #[arg(long)]
    pub pin: bool,
    /// Differences smaller than this are reported as noise (e.g. 1%, 0.5%) [default: 1%; 0.1% for
    /// instructions and cycles-est]
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    pub noise: Option<f64>,
    /// Rounds always measured per variant [default: 10; 1 for instructions and cycles-est]
    #[arg(long, value_name = "N")]
    pub min_runs: Option<u32>,
    /// Rounds never exceeded per variant (more are added only while results are undecided)
    /// [default: 30; 3 for instructions and cycles-est]
    #[arg(long, value_name = "N")]
    pub max_runs: Option<u32>,
    /// Stop adding rounds after this long (e.g. 5m)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub time_limit: Option<Duration>,
    /// Warm-up runs per variant, discarded [default: 1; 0 for instructions and cycles-est]
    #[arg(long, value_name = "N")]
    pub warmup: Option<u32>,
    /// Seed of the run order and the bootstrap (default: random, saved with the results)
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

impl MeasureArgs {
    /// The settings for measuring `workloads`, with the metric from `--metric` (else `metric` in
    /// `config`) checked against them; the choice's service metric is for `auto`.
    pub fn settings(
        &self,
        config: &TuneConfig,
        workloads: &[Workload],
    ) -> Result<(Settings, MetricChoice)> {
        let kinds: Vec<(&str, _)> = workloads
            .iter()
            .map(|w| (w.name.as_str(), w.kind.tag()))
            .collect();
        let choice = match (&self.metric, &config.metric) {
            (names, _) if !names.is_empty() => choose(names, &kinds, "--metric")?,
            (_, Some(names)) => choose(names, &kinds, "`metric` in [package.metadata.tune]")?,
            _ => MetricChoice::default(),
        };
        let exact = choice.command.is_exact();
        if exact {
            crate::workload::cachegrind::find_valgrind()?;
        }
        let pin = self.pin || config.pin.unwrap_or(false);
        if pin {
            crate::process::pick_cpu().context("--pin: cannot read this process's CPU affinity")?;
        }
        // Counts barely move from run to run: few runs, a fine threshold, nothing to warm.
        let (noise, min, max, warmup) = if exact {
            (0.001, 1, 3, 0)
        } else {
            (0.01, 10, 30, 1)
        };
        let min_runs = self.min_runs.unwrap_or(min);
        let settings = Settings {
            noise_threshold: self.noise.unwrap_or(noise),
            min_runs,
            max_runs: self.max_runs.unwrap_or(max.max(min_runs)),
            time_limit: self.time_limit,
            warmup: self.warmup.unwrap_or(warmup),
            seed: self.seed.unwrap_or_else(crate::measure::rng::fresh_seed),
            command_metric: choice.command,
            pin,
            ..Settings::default()
        };
        settings.validate()?;
        Ok((settings, choice))
    }
}

/// A percentage: "1%", "0.5%", or a bare number read as percent ("2" is 2%).
pub fn parse_percent(text: &str) -> Result<f64> {
    let t = text.trim();
    let num = t.strip_suffix('%').unwrap_or(t).trim();
    let v: f64 = num
        .parse()
        .map_err(|_| anyhow::anyhow!("invalid percentage `{t}`; e.g. 1% or 0.5%"))?;
    if !(0.0..100.0).contains(&v) {
        bail!("percentage `{t}` must be at least 0% and below 100%");
    }
    Ok(v / 100.0)
}

#[cfg(test)]
mod tests {
    use super::parse_percent;

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("1%").unwrap(), 0.01);
        assert_eq!(parse_percent("0.5%").unwrap(), 0.005);
        assert_eq!(parse_percent("2").unwrap(), 0.02);
        assert_eq!(parse_percent("0.5").unwrap(), 0.005);
        assert!(parse_percent("150%").is_err());
        assert!(parse_percent("lots").is_err());
    }
}

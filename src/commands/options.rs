//! Command-line options shared by several commands, and parsers for their values.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::cargo::BinTarget;
use crate::link::layouts::LayoutMode;
use crate::measure::choice::{MetricChoice, choose};
use crate::measure::{Defaults, Metric, Settings};
use crate::report::Format;
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
    /// Judge PGO variants on inputs their profile never saw: per measured workload, one more
    /// optimized build from a profile without it, measured on it beside the in-sample figure
    #[arg(long)]
    pub held_out: bool,
}

impl SessionArgs {
    /// The workloads to measure (`--workload` picks configured ones; `trailing`, the arguments
    /// after `--`, replaces them) with the measurement settings and deciding metrics for them.
    pub fn measured(
        &self,
        bin: &BinTarget,
        trailing: &[String],
    ) -> Result<(Vec<Workload>, Settings)> {
        let workloads = crate::workload::select_measurable(
            &bin.config.workload,
            &self.workloads,
            trailing,
            &bin.package_manifest,
        )?;
        if self.held_out {
            crate::workload::roles::require_held_out(&workloads)?;
        }
        let measured = crate::workload::roles::measured(&workloads);
        let settings = self.measure.settings(&bin.config, &measured)?;
        Ok((workloads, settings))
    }

    pub fn session_options(&self) -> crate::session::SessionOptions {
        crate::session::SessionOptions {
            rebuild: self.rebuild,
            allow_remote: self.allow_remote,
            held_out: self.held_out,
            keep_no_counts: false,
        }
    }
}

/// How carefully to measure, and what; shared by `compare` and `auto`.
#[derive(Debug, Clone, Args)]
pub struct MeasureArgs {
    /// The deciding metric, at most one per workload kind (e.g. `instructions` or
    /// `instructions,p99`) [default: `metric` in [package.metadata.tune], else wall for commands,
    /// rps for services under closed-loop load and p99 for services at a fixed `rate`]
    #[arg(long, value_enum, value_delimiter = ',', value_name = "METRIC")]
    pub metric: Vec<Metric>,
    /// Run command workloads bound to one CPU (sched_setaffinity) [default: `pin`, else off]
    #[arg(long)]
    pub pin: bool,
    #[arg(long, value_name = "PCT", value_parser = parse_percent, help = defaults_help(
        "Differences smaller than this are reported as noise (e.g. 1%, 0.5%)",
        |d| format!("{}%", d.noise * 100.0),
    ))]
    pub noise: Option<f64>,
    #[arg(long, value_name = "N", help = defaults_help(
        "Rounds always measured per variant",
        |d| d.min_runs.to_string(),
    ))]
    pub min_runs: Option<u32>,
    #[arg(long, value_name = "N", help = defaults_help(
        "Rounds never exceeded per variant (more are added only while results are undecided)",
        |d| d.max_runs.to_string(),
    ))]
    pub max_runs: Option<u32>,
    /// Stop adding rounds after this long (e.g. 5m)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub time_limit: Option<Duration>,
    #[arg(long, value_name = "N", help = defaults_help(
        "Warm-up runs per variant, discarded",
        |d| d.warmup.to_string(),
    ))]
    pub warmup: Option<u32>,
    /// Seed of the run order and the bootstrap (default: random, saved with the results)
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Code layouts per variant: each is the variant's link replayed with its code moved, each
    /// run uses one and a padded environment; 1 measures the binaries as built
    /// [default: 4, at most --min-runs; 1 for instructions]
    #[arg(long, value_name = "K")]
    pub layouts: Option<u32>,
    /// How the layouts differ: shift moves code by 16–4080 bytes and keeps its order; shuffle
    /// puts functions in a random order (a worse layout: a stress test, not noise)
    #[arg(long, value_enum, value_name = "MODE", default_value_t)]
    pub layout_mode: LayoutMode,
}

/// Layouts per variant unless `--layouts` says otherwise (docs/layout.md: why 4, and why
/// `compare` uses them too).
pub(crate) const DEFAULT_LAYOUTS: u32 = 4;

impl MeasureArgs {
    /// The settings for measuring `workloads`, with the metric from `--metric` (else `metric` in
    /// `config`) checked against them.
    pub fn settings(&self, config: &TuneConfig, workloads: &[Workload]) -> Result<Settings> {
        let kinds: Vec<(&str, _)> = workloads
            .iter()
            .map(|w| (w.name.as_str(), w.kind.tag()))
            .collect();
        let choice = match (&self.metric, &config.metric) {
            (names, _) if !names.is_empty() => {
                choose(names, &kinds, "--metric").map_err(crate::commands::errors::usage)?
            }
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
        // Counts barely move from run to run: a fine threshold, nothing to warm.
        let d = Defaults::of(exact);
        // Instruction counts do not depend on where the code sits; estimated cycles do. Every
        // layout runs before the first look: by default no more layouts than --min-runs.
        let layouts = match (self.layouts, self.min_runs) {
            (Some(k), _) => k,
            (None, _) if choice.command == Metric::Instructions => 1,
            (None, Some(m)) => DEFAULT_LAYOUTS.min(m.max(1)),
            (None, None) => DEFAULT_LAYOUTS,
        };
        let (min, max) = match (layouts > 1, exact) {
            // Counts: every layout at least once, and up to one more pass of them.
            (true, true) => (d.min_runs.max(layouts), d.max_runs.max(2 * layouts)),
            (true, false) => (d.min_runs.max(layouts), d.max_runs),
            (false, _) => (d.min_runs, d.max_runs),
        };
        let min_runs = self.min_runs.unwrap_or(min);
        let settings = Settings {
            noise_threshold: self.noise.unwrap_or(d.noise),
            min_runs,
            max_runs: self.max_runs.unwrap_or(max.max(min_runs)),
            time_limit: self.time_limit,
            warmup: self.warmup.unwrap_or(d.warmup),
            seed: self.seed.unwrap_or_else(crate::measure::rng::fresh_seed),
            command_metric: choice.command,
            service_metric: choice.service,
            pin,
            layouts,
            layout_mode: self.layout_mode,
            ..Settings::default()
        };
        settings
            .validate()
            .map_err(crate::commands::errors::usage)?;
        Ok(settings)
    }
}

/// Where to write the results besides the terminal: `--json`, `--markdown`, `--html FILE`.
#[derive(Debug, Clone, Default, Args)]
pub struct ExportArgs {
    /// Also write the complete results (every sample) as JSON to FILE
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write the results as Markdown to FILE (for a pull request)
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Also write a self-contained HTML report with charts to FILE
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

impl ExportArgs {
    /// Writes each requested file with the text `render` gives for its format.
    pub fn write(
        &self,
        shell: &crate::ui::Shell,
        mut render: impl FnMut(Format) -> Result<String>,
    ) -> Result<()> {
        for (path, format) in [
            (&self.json, Format::Json),
            (&self.markdown, Format::Markdown),
            (&self.html, Format::Html),
        ] {
            if let Some(path) = path {
                crate::run::store::write_file(path, &render(format)?)?;
                shell.status("Wrote", path.display().to_string());
            }
        }
        Ok(())
    }
}

/// A flag's help with its defaults, from the one table of them (`measure::Defaults`).
fn defaults_help(what: &str, value: fn(&Defaults) -> String) -> String {
    format!(
        "{what} [default: {}; {} for instructions and cycles-est]",
        value(&Defaults::TIMED),
        value(&Defaults::EXACT)
    )
}

/// A percentage: "1%", "0.5%", or a bare number read as percent ("2" is 2%).
pub(crate) fn parse_percent(text: &str) -> Result<f64> {
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

//! Command-line options shared by several commands, and parsers for their values.

use std::time::Duration;

use anyhow::{Result, bail};
use clap::Args;

use crate::config::parse_duration;
use crate::measure::Settings;

/// What `compare` and `auto` share: which workloads, how to measure, how to build.
#[derive(Debug, Clone, Args)]
pub struct LabArgs {
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

impl LabArgs {
    pub fn lab_options(&self) -> crate::lab::LabOptions {
        crate::lab::LabOptions {
            rebuild: self.rebuild,
            allow_remote: self.allow_remote,
        }
    }
}

/// How carefully to measure; shared by `compare` and `auto`.
#[derive(Debug, Clone, Args)]
pub struct MeasureArgs {
    /// Differences smaller than this are reported as noise (e.g. 1%, 0.5%)
    #[arg(long, default_value = "1%", value_name = "PCT", value_parser = parse_percent)]
    pub noise: f64,
    /// Rounds always measured per variant
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub min_runs: u32,
    /// Rounds never exceeded per variant (more are added only while results are undecided)
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub max_runs: u32,
    /// Stop adding rounds after this long (e.g. 5m)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub time_limit: Option<Duration>,
    /// Warm-up runs per variant, discarded
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub warmup: u32,
    /// Seed of the run order and the bootstrap (default: random, saved with the results)
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

impl MeasureArgs {
    pub fn settings(&self) -> Result<Settings> {
        let settings = Settings {
            noise_threshold: self.noise,
            min_runs: self.min_runs,
            max_runs: self.max_runs,
            time_limit: self.time_limit,
            warmup: self.warmup,
            seed: self.seed.unwrap_or_else(crate::measure::rng::fresh_seed),
            ..Settings::default()
        };
        settings.validate()?;
        Ok(settings)
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

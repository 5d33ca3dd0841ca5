//! `cargo tune load` (hidden): the built-in HTTP load generator on its own, a small wrk for
//! checking a service and for benchmarking the generator itself.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::commands::Ctx;
use crate::tune_config::{Dur, Load, LoadConfig, WeightedUrl, parse_duration};
use crate::ui::format_duration;
use crate::workload::load::{self, LoadReport, LoadSpec};

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// URLs to load (several: picked at random, equally often); loopback only unless --allow-remote
    #[arg(required = true, value_name = "URL")]
    pub urls: Vec<String>,
    /// Connections kept open, each with one request in flight
    #[arg(short = 'c', long, default_value_t = load::DEFAULT_CONCURRENCY, value_name = "N")]
    pub concurrency: u32,
    /// How long to run [default: 2s unless --requests]
    #[arg(short = 'd', long, value_parser = parse_dur, value_name = "DURATION")]
    pub duration: Option<Duration>,
    /// Stop after this many requests
    #[arg(short = 'n', long, value_name = "N")]
    pub requests: Option<u64>,
    /// Open loop: send N requests per second on a fixed schedule and count each latency from
    /// its scheduled time (wrk2's correction), so stalls show [default: closed loop]
    #[arg(short = 'R', long, value_name = "N", conflicts_with = "requests")]
    pub rate: Option<f64>,
    /// HTTP method
    #[arg(short = 'm', long, default_value = "GET")]
    pub method: String,
    /// Extra request header, `Name: value` (repeatable)
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// File sent as the request body
    #[arg(long, value_name = "FILE")]
    pub body: Option<PathBuf>,
    /// Load driven first and not counted [default: none]
    #[arg(long, value_parser = parse_dur, value_name = "DURATION")]
    pub warmup: Option<Duration>,
    /// Generator threads [default: one per core]
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Allow load on hosts other than 127.0.0.0/8, ::1 and localhost
    #[arg(long)]
    pub allow_remote: bool,
    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
}

fn parse_dur(s: &str) -> Result<Duration> {
    parse_duration(s)
}

impl LoadArgs {
    /// The flags as the `load` of a service workload, through the same checks.
    fn load(&self) -> Result<Load> {
        let mut config = LoadConfig {
            concurrency: Some(self.concurrency),
            duration: self.duration.map(Dur),
            requests: self.requests,
            method: Some(self.method.clone()),
            body: self.body.clone(),
            // Unlike a service workload, which starts cold each time, the standalone command has
            // no warm-up unless asked: it is also how the generator is compared with wrk.
            warmup: Some(Dur(self.warmup.unwrap_or_default())),
            rate: self.rate,
            ..LoadConfig::default()
        };
        match self.urls.as_slice() {
            [one] => config.url = Some(one.clone()),
            many => {
                config.urls = many
                    .iter()
                    .map(|u| WeightedUrl {
                        url: u.clone(),
                        weight: 1,
                        method: None,
                        body: None,
                    })
                    .collect()
            }
        }
        for h in &self.headers {
            let (k, v) = h
                .split_once(':')
                .with_context(|| format!("invalid header `{h}`: write it as `Name: value`"))?;
            config
                .headers
                .insert(k.trim().to_string(), v.trim().to_string());
        }
        config.parse(None)
    }
}

pub(crate) fn run(ctx: &Ctx, args: &LoadArgs) -> Result<()> {
    let mut spec = LoadSpec::new(&args.load()?, args.allow_remote)?;
    if let Some(t) = args.threads {
        if t == 0 {
            bail!("--threads must be at least 1");
        }
        spec.threads = t;
    }
    ctx.shell.status(
        "Loading",
        format!("{} ({} threads)", spec.describe(), spec.threads),
    );
    let report = load::drive(&spec, true, &Default::default())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
    }
    if report.requests == 0 {
        bail!(
            "no request was answered{}",
            report
                .first_error
                .as_deref()
                .map(|e| format!(" (first error: {e})"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// wrk-like plain text; `Requests/sec:` is spelled as wrk spells it so scripts can grep both.
fn render(r: &LoadReport) -> String {
    let l = &r.latency;
    let mut out = format!(
        "  Requests:      {} in {}, {} connections\n\
         \x20 Requests/sec:  {:.2}\n\
         \x20 Errors:        {}",
        r.requests,
        format_duration(r.elapsed),
        r.concurrency,
        r.rps,
        r.errors,
    );
    if let Some(e) = &r.first_error {
        out.push_str(&format!(" (first: {e})"));
    }
    if let Some(rate) = r.rate {
        out.push_str(&format!(
            "\n  Open loop:     {rate} req/s asked; {} requests behind schedule \
             (latency counted from their scheduled time)",
            r.behind_schedule
        ));
    }
    out.push_str(&format!(
        "\n  Non-2xx:       {}\n  Latency:       mean {}, max {}\n  \
         Percentiles:   p50 {}, p90 {}, p99 {}, p99.9 {}\n",
        r.non_2xx,
        format_duration(l.mean),
        format_duration(l.max),
        format_duration(l.p50),
        format_duration(l.p90),
        format_duration(l.p99),
        format_duration(l.p999),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::load::Latency;

    #[test]
    fn renders_like_wrk() {
        let ms = Duration::from_millis;
        let r = LoadReport {
            requests: 1000,
            errors: 2,
            non_2xx: 3,
            elapsed: ms(2000),
            rps: 500.0,
            latency: Latency {
                mean: ms(2),
                p50: ms(1),
                p90: ms(3),
                p99: ms(9),
                p999: ms(12),
                max: ms(15),
            },
            concurrency: 8,
            rate: None,
            behind_schedule: 0,
            first_error: Some("connect: Connection refused".into()),
        };
        insta::assert_snapshot!(render(&r), @r"
          Requests:      1000 in 2.00 s, 8 connections
          Requests/sec:  500.00
          Errors:        2 (first: connect: Connection refused)
          Non-2xx:       3
          Latency:       mean 2.00 ms, max 15.00 ms
          Percentiles:   p50 1.00 ms, p90 3.00 ms, p99 9.00 ms, p99.9 12.00 ms
        ");
    }
}

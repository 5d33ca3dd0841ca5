//! textproc: generates a synthetic access log from a seed, parses every line, runs a set of
//! compiled filter/aggregation rules over it and prints a summary with a checksum.
//!
//! `textproc --size 200000 --seed 7 --format logfmt [--rule "name | filter | key | metric"]`

mod builtins;
mod query;
mod record;
mod report;
mod rng;
mod synth;
mod vm;

use std::process::ExitCode;
use std::time::Instant;

use record::Record;
use report::{DEFAULT_RULES, Rule};
use synth::Format;

const USAGE: &str = "usage: textproc [--size LINES] [--seed N] [--format logfmt|json] \
[--top N] [--rule 'name | filter | key | metric']...";

#[derive(Debug)]
struct Options {
    size: usize,
    seed: u64,
    format: Format,
    top: usize,
    rules: Vec<String>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut opts = Options {
        size: 200_000,
        seed: 1,
        format: Format::Logfmt,
        top: 3,
        rules: Vec::new(),
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("`{flag}` needs a value"));
        match flag.as_str() {
            "--size" => opts.size = number(&flag, &value()?)?,
            "--seed" => opts.seed = number(&flag, &value()?)?,
            "--top" => opts.top = number(&flag, &value()?)?,
            "--rule" => opts.rules.push(value()?),
            "--format" => {
                opts.format = match value()?.as_str() {
                    "logfmt" => Format::Logfmt,
                    "json" => Format::Json,
                    other => return Err(format!("unknown format `{other}` (logfmt or json)")),
                }
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(opts)
}

fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("`{flag}` expects a non-negative integer, got `{text}`"))
}

fn run(opts: &Options) -> Result<(), String> {
    let specs: Vec<&str> = if opts.rules.is_empty() {
        DEFAULT_RULES.to_vec()
    } else {
        opts.rules.iter().map(String::as_str).collect()
    };
    let mut rules = specs
        .iter()
        .map(|s| Rule::parse(s))
        .collect::<Result<Vec<_>, _>>()?;

    let started = Instant::now();
    let mut input = String::new();
    synth::generate(&mut input, opts.size, opts.seed, opts.format);
    let generated = started.elapsed();

    let (lines, bad) = analyze(&input, opts.format, &mut rules);

    for rule in &rules {
        println!("{}", rule.summary(opts.top));
    }
    let checksum = checksum(&rules);
    println!(
        "lines={lines} bad={bad} bytes={} checksum={checksum:016x}",
        input.len()
    );
    eprintln!(
        "generated in {:.0?}, total {:.0?}",
        generated,
        started.elapsed()
    );
    Ok(())
}

/// Parses every line and feeds it to every rule; returns (lines, unparsable lines).
fn analyze(input: &str, format: Format, rules: &mut [Rule]) -> (u64, u64) {
    let mut record = Record::new();
    let mut key_buf = String::new();
    let (mut lines, mut bad) = (0, 0);
    for (n, line) in input.lines().enumerate() {
        lines += 1;
        if let Err(e) = record.parse(line, format) {
            // Report the first few so a broken generator or parser is visible.
            if bad < 3 {
                eprintln!("line {}: {e}", n + 1);
            }
            bad += 1;
            continue;
        }
        for rule in rules.iter_mut() {
            rule.observe(&record, &mut key_buf);
        }
    }
    (lines, bad)
}

fn checksum(rules: &[Rule]) -> u64 {
    rules
        .iter()
        .fold(0xCBF2_9CE4_8422_2325, |h, rule| rule.checksum(h))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let result = parse_args(args.into_iter()).and_then(|opts| run(&opts));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("textproc: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checksum_of(format: Format) -> (u64, u64, u64) {
        let mut rules: Vec<Rule> = DEFAULT_RULES
            .iter()
            .map(|s| Rule::parse(s).unwrap())
            .collect();
        let mut input = String::new();
        synth::generate(&mut input, 2000, 42, format);
        let (lines, bad) = analyze(&input, format, &mut rules);
        (lines, bad, checksum(&rules))
    }

    #[test]
    fn both_formats_carry_the_same_data() {
        let logfmt = checksum_of(Format::Logfmt);
        assert_eq!(logfmt.0, 2000);
        assert_eq!(logfmt.1, 0);
        assert_eq!(logfmt, checksum_of(Format::Json));
    }

    #[test]
    fn arguments() {
        let args = |a: &[&str]| parse_args(a.iter().map(|s| s.to_string()));
        let o = args(&[
            "--size",
            "10",
            "--format",
            "json",
            "--rule",
            "a | true | level | count",
        ])
        .unwrap();
        assert_eq!((o.size, o.format, o.rules.len()), (10, Format::Json, 1));
        assert!(args(&["--size"]).unwrap_err().contains("needs a value"));
        assert!(
            args(&["--size", "-3"])
                .unwrap_err()
                .contains("non-negative")
        );
        assert!(args(&["--bogus"]).unwrap_err().contains("unknown argument"));
    }
}

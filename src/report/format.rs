//! Number formats of the reports: durations in one unit per column, rates with thousands
//! separators, signed percentages, and failure reasons cut to fit a cell.

use crate::measure::{Metric, Unit};
use crate::ui::format_bytes;

/// How a column prints its values: durations share one unit and precision, chosen from the
/// column's largest value, so `1.20 s` and `0.90 s` line up instead of `1.20 s` and `899.41 ms`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    unit: &'static str,
    factor: f64,
    decimals: usize,
}

impl Scale {
    pub(crate) fn for_durations(max_secs: f64) -> Scale {
        let (unit, factor) = if max_secs >= 1.0 {
            ("s", 1.0)
        } else if max_secs >= 1e-3 {
            ("ms", 1e3)
        } else {
            ("µs", 1e6)
        };
        let top = max_secs * factor;
        let decimals = if top >= 100.0 {
            0
        } else if top >= 10.0 {
            1
        } else {
            2
        };
        Scale {
            unit,
            factor,
            decimals,
        }
    }

    fn duration(&self, secs: f64) -> String {
        format!("{:.*} {}", self.decimals, secs * self.factor, self.unit)
    }
}

/// What the table says about the simulated metrics, wherever it shows them.
pub(crate) const SIMULATED_LEGEND: &str = "Instructions and estimated cycles are counted by valgrind's \
cachegrind; counts drift a little from run to run (addresses, hash seeds), so each side's runs are \
compared as independent samples (rank-sum interval; \"exact\" when every run counted the same). \
They do not move with machine noise, but they miss branch mispredictions, real memory latency and \
everything the cache model (L1 + 5 × LL + 35 × RAM) simplifies: a proxy for deciding, not the size \
of the gain in time.";

pub(crate) fn format_value(metric: Metric, value: f64, scale: Scale) -> String {
    match metric.unit() {
        Unit::Bytes => format_bytes(value.max(0.0) as u64),
        Unit::PerSecond => format_rate(value),
        Unit::Count => format_count(value),
        Unit::Seconds => scale.duration(value),
    }
}

/// A count with five significant digits, so 0.1% differences show: `1,086.2 M`, `52.310 k`.
fn format_count(x: f64) -> String {
    let (v, unit) = match x.abs() {
        a if a >= 1e12 => (x / 1e12, " T"),
        a if a >= 1e9 => (x / 1e9, " G"),
        a if a >= 1e6 => (x / 1e6, " M"),
        a if a >= 1e3 => (x / 1e3, " k"),
        _ => return format!("{x:.0}"),
    };
    let decimals = match v.abs() {
        a if a >= 100.0 => 2,
        a if a >= 10.0 => 3,
        _ => 4,
    };
    format!("{v:.decimals$}{unit}")
}

/// `45,000` above 100, `12.5` below.
fn format_rate(x: f64) -> String {
    if x < 100.0 {
        return format!("{x:.1}");
    }
    let digits = format!("{:.0}", x);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `+7.8%`, `-12.3%`, `+150%`.
pub(crate) fn format_pct(pct: f64) -> String {
    if pct.abs() >= 100.0 {
        format!("{pct:+.0}%")
    } else {
        format!("{pct:+.1}%")
    }
}

/// First line of a reason, cut to fit a cell.
pub(crate) fn short_reason(reason: &str) -> String {
    const MAX: usize = 48;
    let line = reason
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if line.chars().count() <= MAX {
        return line.to_string();
    }
    // At a word boundary: "rustc use…" reads as a word that does not exist.
    let cut: String = line.chars().take(MAX - 1).collect();
    let next_is_space = line.chars().nth(MAX - 1).is_some_and(char::is_whitespace);
    let words = match cut.rfind(char::is_whitespace) {
        Some(i) if !next_is_space && i >= MAX / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!(
        "{}…",
        words.trim_end_matches(|c: char| c.is_whitespace() || ",;:(".contains(c))
    )
}

/// `1` for 1.0, `2.5` for 2.5.
pub(crate) fn trim_float(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// How much quicker the quickest build must be than every other to be marked best: each
/// compile time is one cold build, a single observation that machine load moves by tens of
/// percent, so only a large difference is called one.
pub(crate) const CLEARLY_QUICKER: f64 = 2.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(format_rate(45_000.4), "45,000");
        assert_eq!(format_rate(1_234_567.0), "1,234,567");
        assert_eq!(format_rate(999.0), "999");
        assert_eq!(format_rate(12.34), "12.3");
        assert_eq!(format_pct(7.84), "+7.8%");
        assert_eq!(format_pct(-12.345), "-12.3%");
        assert_eq!(format_pct(150.2), "+150%");
        assert_eq!(trim_float(1.0), "1");
        assert_eq!(trim_float(2.5), "2.5");
        assert_eq!(short_reason("\nfirst line\nsecond"), "first line");
        assert_eq!(short_reason(&"x".repeat(60)).chars().count(), 48);
        assert_eq!(
            short_reason("the build failed because rustc used an unknown flag: -Cno-such-flag"),
            "the build failed because rustc used an unknown…"
        );
        assert_eq!(
            short_reason("workload `parse-big` failed: exit status 101, see the stderr below"),
            "workload `parse-big` failed: exit status 101…"
        );
        let s = Scale::for_durations(1.2);
        assert_eq!(
            (s.duration(1.2), s.duration(0.89941)),
            ("1.20 s".into(), "0.90 s".into())
        );
        let s = Scale::for_durations(0.0123);
        assert_eq!(s.duration(0.0123), "12.3 ms");
        assert_eq!(Scale::for_durations(0.00045).duration(0.00045), "450 µs");
    }
}

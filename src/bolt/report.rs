//! What BOLT said about an optimization: profile coverage (functions with a profile) and the
//! dyno-stats change, parsed from its own output so users see BOLT's figures.

use serde::{Deserialize, Serialize};

/// BOLT's figures for one optimized binary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct BoltStats {
    /// "N out of M functions in the binary (P%) have non-empty execution profile".
    pub profiled_functions: Option<u64>,
    pub total_functions: Option<u64>,
    pub profiled_percent: Option<f64>,
    /// Dyno-stats after optimization that changed: (metric, change in percent).
    #[serde(default)]
    pub dyno: Vec<(String, f64)>,
    /// `BOLT-WARNING` lines, first few.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// Below this share of functions with a profile, the profile is reported as thin.
pub(super) const LOW_COVERAGE_PERCENT: f64 = 1.0;

impl BoltStats {
    pub(crate) fn parse(output: &str) -> BoltStats {
        let mut s = BoltStats::default();
        for line in output.lines() {
            let t = line.trim();
            if let Some(rest) = t.strip_prefix("BOLT-INFO: ")
                && rest.contains("functions in the binary")
                && rest.contains("have non-empty execution profile")
            {
                let words: Vec<&str> = rest.split_whitespace().collect();
                s.profiled_functions = words.first().and_then(|w| w.parse().ok());
                s.total_functions = words.get(3).and_then(|w| w.parse().ok());
                s.profiled_percent = rest
                    .split_once('(')
                    .and_then(|(_, r)| r.split_once("%)"))
                    .and_then(|(p, _)| p.parse().ok());
            } else if let Some(w) = t.strip_prefix("BOLT-WARNING: ") {
                if s.warnings.len() < 5 {
                    s.warnings.push(w.to_string());
                }
            } else if let Some((count, rest)) = t.split_once(" : ")
                && count.trim().parse::<u64>().is_ok()
                && let Some((metric, change)) = rest.rsplit_once(" (")
                && let Some(pct) = change.strip_suffix("%)")
                && let Ok(pct) = pct.parse::<f64>()
            {
                s.dyno.push((metric.trim().to_string(), pct));
            }
        }
        s
    }

    /// "146 of 725 functions (20.1%) have a profile".
    pub(crate) fn coverage(&self) -> String {
        match (self.profiled_functions, self.total_functions) {
            (Some(p), Some(t)) => format!(
                "{p} of {t} functions ({:.1}%) have a profile",
                self.profiled_percent.unwrap_or_default()
            ),
            _ => "BOLT printed no profile coverage".to_string(),
        }
    }

    /// "executed instructions -2.3%, taken branches -43.7%": the headline dyno-stats.
    pub(crate) fn dyno_summary(&self) -> String {
        const HEADLINE: &[&str] = &[
            "executed instructions",
            "taken branches",
            "executed unconditional branches",
        ];
        let parts: Vec<String> = HEADLINE
            .iter()
            .filter_map(|m| self.dyno.iter().find(|(name, _)| name == m))
            .map(|(name, pct)| format!("{name} {pct:+.1}%"))
            .collect();
        if parts.is_empty() {
            "no dyno-stats".to_string()
        } else {
            parts.join(", ")
        }
    }

    pub(crate) fn is_low_coverage(&self) -> bool {
        self.profiled_percent
            .is_some_and(|p| p < LOW_COVERAGE_PERCENT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // As llvm-bolt 22.1.8 printed it for examples/textproc (checked on this machine).
    const OUT: &str = "BOLT-WARNING: Failed to analyze 37 relocations
BOLT-INFO: pre-processing profile using branch profile reader
BOLT-INFO: 146 out of 725 functions in the binary (20.1%) have non-empty execution profile
BOLT-INFO: 5 functions with profile could not be optimized
BOLT-INFO: program-wide dynostats after all optimizations before SCTC and FOP:

           776210582 : executed instructions
            54886412 : taken branches

            99456612 : executed forward branches (-3.6%)
             6151816 : all function calls (=)
           758667764 : executed instructions (-2.3%)
            30878641 : taken branches (-43.7%)
";

    #[test]
    fn parses_coverage_and_dyno_stats() {
        let s = BoltStats::parse(OUT);
        assert_eq!(s.profiled_functions, Some(146));
        assert_eq!(s.total_functions, Some(725));
        assert_eq!(s.profiled_percent, Some(20.1));
        assert_eq!(s.warnings, vec!["Failed to analyze 37 relocations"]);
        assert_eq!(
            s.dyno_summary(),
            "executed instructions -2.3%, taken branches -43.7%"
        );
        assert_eq!(s.coverage(), "146 of 725 functions (20.1%) have a profile");
        assert!(!s.is_low_coverage());
    }

    #[test]
    fn zero_coverage_is_low() {
        let s = BoltStats::parse(
            "BOLT-INFO: 0 out of 725 functions in the binary (0.0%) have non-empty execution profile\n",
        );
        assert_eq!(s.profiled_functions, Some(0));
        assert!(s.is_low_coverage());
    }
}

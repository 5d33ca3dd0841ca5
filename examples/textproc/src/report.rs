//! Rules (`name | filter | group key | metric`, parts separated by a spaced ` | ` so that
//! `||` stays an operator), per-group aggregation and the summary.

use std::collections::HashMap;
use std::fmt::Write;

use crate::query::{QueryError, compile};
use crate::record::Record;
use crate::vm::{Program, Value};

/// The report run when no `--rule` is given.
pub const DEFAULT_RULES: &[&str] = &[
    "server errors | status >= 500 | segment(path, 2) | count",
    "slow writes | latency_ms > 250 && method != \"GET\" | user | max(latency_ms)",
    "timeouts | icontains(msg, \"timeout\") || status == 504 | region | count",
    "big downloads | bytes / 1024 >= 64 && glob(path, \"/api/*/*/*/files/*\") | method | sum(bytes / 1024)",
    "client errors | status >= 400 && status < 500 && !starts_with(ua, \"curl\") | status | count",
    "bots | icontains(ua, \"bot\") && (status == 200 || status == 304) | segment(path, 0) | count",
    "latency by level | true | level | avg(latency_ms)",
    "anonymous writes | user == null && (method == \"POST\" || method == \"PUT\") | int(latency_ms / 100) * 100 | count",
    "4xx by agent | status >= 400 && status < 500 | segment(ua, 0) | count",
    "api get latency | method == \"GET\" && starts_with(path, \"/api/\") | int(latency_ms / 50) * 50 | count",
    "eu trouble | region == \"eu-west-1\" && (level == \"error\" || level == \"warn\") | status | count",
    "file bytes | glob(path, \"/api/v2/*/*/files/*\") | user | sum(bytes)",
    "per minute | status < 400 | substr(ts, 11, 5) | count",
    "heavy users | user != null && bytes > 10000 && !icontains(msg, \"cache\") | user | avg(bytes)",
    "static misses | starts_with(path, \"/static/\") && status != 200 && status != 304 | segment(path, 1) | count",
    "write latency | method != \"GET\" && latency_ms >= 100 && latency_ms < 1000 | method | avg(latency_ms)",
];

#[derive(Debug, Clone, Copy)]
enum Metric {
    Count,
    Sum,
    Max,
    Avg,
}

#[derive(Debug, Clone, Copy, Default)]
struct Agg {
    count: u64,
    sum: f64,
    max: f64,
}

pub struct Rule {
    name: String,
    filter: Program,
    key: Program,
    metric: Metric,
    /// The metric's argument, for everything but `count`.
    value: Option<Program>,
    matched: u64,
    groups: HashMap<Box<str>, Agg>,
}

impl Rule {
    pub fn parse(spec: &str) -> Result<Rule, String> {
        let parts: Vec<&str> = spec.split(" | ").map(str::trim).collect();
        let [name, filter, key, metric] = parts[..] else {
            return Err(format!(
                "rule `{spec}`: expected `name | filter | key | metric`"
            ));
        };
        let part = |what: &str, src: &str| {
            compile(src).map_err(|e: QueryError| format!("rule `{name}`, {what} `{src}`: {e}"))
        };
        let (metric, value) = if metric == "count" {
            (Metric::Count, None)
        } else {
            let (func, arg) = metric
                .strip_suffix(')')
                .and_then(|m| m.split_once('('))
                .ok_or_else(|| {
                    format!("rule `{name}`: metric must be count, sum(..), max(..) or avg(..)")
                })?;
            let kind = match func.trim() {
                "sum" => Metric::Sum,
                "max" => Metric::Max,
                "avg" => Metric::Avg,
                other => return Err(format!("rule `{name}`: unknown metric `{other}`")),
            };
            (kind, Some(part("metric", arg)?))
        };
        Ok(Rule {
            name: name.to_string(),
            filter: part("filter", filter)?,
            key: part("key", key)?,
            metric,
            value,
            matched: 0,
            groups: HashMap::new(),
        })
    }

    /// Folds one record into the rule; `key_buf` is scratch space reused across calls.
    pub fn observe(&mut self, record: &Record<'_>, key_buf: &mut String) {
        if !self.filter.eval(record).truthy() {
            return;
        }
        self.matched += 1;
        render_key(self.key.eval(record), key_buf);
        let x = match &self.value {
            Some(p) => match p.eval(record).as_f64() {
                Some(x) => x,
                None => return,
            },
            None => 1.0,
        };
        let agg = match self.groups.get_mut(key_buf.as_str()) {
            Some(agg) => agg,
            None => self.groups.entry(key_buf.as_str().into()).or_default(),
        };
        agg.count += 1;
        agg.sum += x;
        agg.max = if agg.count == 1 { x } else { agg.max.max(x) };
    }

    fn score(&self, agg: &Agg) -> f64 {
        match self.metric {
            Metric::Count => agg.count as f64,
            Metric::Sum => agg.sum,
            Metric::Max => agg.max,
            Metric::Avg => agg.sum / agg.count as f64,
        }
    }

    /// Groups by descending metric, ties by key, so output is stable.
    fn ranked(&self) -> Vec<(&str, f64)> {
        let mut rows: Vec<(&str, f64)> = self
            .groups
            .iter()
            .map(|(k, agg)| (&**k, self.score(agg)))
            .collect();
        rows.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        rows
    }

    /// One summary line with the `top` best groups.
    pub fn summary(&self, top: usize) -> String {
        let mut line = format!(
            "{:<18} matched={:<7} groups={:<5}",
            self.name,
            self.matched,
            self.groups.len()
        );
        for (key, score) in self.ranked().into_iter().take(top) {
            let _ = write!(line, " {key}={}", round2(score));
        }
        line
    }

    /// Feeds every group into an FNV-1a hash, so any change in results changes the checksum.
    pub fn checksum(&self, mut h: u64) -> u64 {
        let mut feed = |bytes: &[u8]| {
            for &b in bytes {
                h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3);
            }
        };
        feed(self.name.as_bytes());
        feed(&self.matched.to_le_bytes());
        for (key, score) in self.ranked() {
            feed(key.as_bytes());
            feed(&((score * 100.0).round() as i64).to_le_bytes());
        }
        h
    }
}

/// Renders a group key into `buf`. Strings and integers, by far the common keys, skip the
/// `fmt` machinery.
fn render_key(key: Value<'_>, buf: &mut String) {
    buf.clear();
    match key {
        Value::Str(s) => buf.push_str(s),
        Value::Int(i) => {
            if i < 0 {
                buf.push('-');
            }
            let mut n = i.unsigned_abs();
            let mut digits = [0u8; 20];
            let mut at = digits.len();
            loop {
                at -= 1;
                digits[at] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            buf.extend(digits[at..].iter().map(|&d| char::from(d)));
        }
        other => {
            let _ = write!(buf, "{other}");
        }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::Format;

    #[test]
    fn aggregates_by_key() {
        let mut rule = Rule::parse("writes | method != \"GET\" | user | sum(bytes)").unwrap();
        let mut buf = String::new();
        for line in [
            "method=POST user=ann bytes=10",
            "method=GET user=ann bytes=99",
            "method=PUT user=bob bytes=5",
            "method=PUT user=ann bytes=1",
        ] {
            let mut r = Record::new();
            r.parse(line, Format::Logfmt).unwrap();
            rule.observe(&r, &mut buf);
        }
        assert_eq!(rule.matched, 3);
        assert_eq!(rule.ranked(), vec![("ann", 11.0), ("bob", 5.0)]);
    }

    #[test]
    fn keys_render_like_display() {
        let mut buf = String::from("stale");
        for v in [
            Value::Int(0),
            Value::Int(-1200),
            Value::Int(i64::MIN),
            Value::Str("eu"),
            Value::Float(2.5),
            Value::Null,
        ] {
            render_key(v, &mut buf);
            assert_eq!(buf, v.to_string());
        }
    }

    #[test]
    fn bad_rules_say_which_part() {
        let e = Rule::parse("x | status >> 1 | user | count").err().unwrap();
        assert!(e.contains("filter"), "{e}");
        assert!(Rule::parse("x | true | user").is_err());
        for spec in DEFAULT_RULES {
            Rule::parse(spec).unwrap();
        }
    }
}

//! The difference between two size analyses, per crate and per function: what grew, shrank,
//! appeared or vanished.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::size::SizeReport;

/// How one row changed from the old build to the new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Change {
    Grew,
    Shrank,
    Appeared,
    Vanished,
    Same,
}

impl Change {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Change::Grew => "grew",
            Change::Shrank => "shrank",
            Change::Appeared => "appeared",
            Change::Vanished => "vanished",
            Change::Same => "same",
        }
    }

    fn of(old: Option<u64>, new: Option<u64>) -> Change {
        match (old, new) {
            (None, Some(_)) => Change::Appeared,
            (Some(_), None) => Change::Vanished,
            (Some(o), Some(n)) if n > o => Change::Grew,
            (Some(o), Some(n)) if n < o => Change::Shrank,
            _ => Change::Same,
        }
    }
}

/// One compared row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DiffRow {
    #[serde(rename = "crate")]
    pub krate: String,
    /// Empty for a crate row.
    pub name: String,
    pub old_bytes: Option<u64>,
    pub new_bytes: Option<u64>,
    pub old_instances: usize,
    pub new_instances: usize,
    pub change: Change,
}

impl DiffRow {
    pub(crate) fn delta(&self) -> i64 {
        self.new_bytes.unwrap_or(0) as i64 - self.old_bytes.unwrap_or(0) as i64
    }
}

/// Both directions of a comparison, sorted by the size of the change, largest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SizeDiff {
    pub old_total_bytes: u64,
    pub new_total_bytes: u64,
    pub old_file_size_bytes: u64,
    pub new_file_size_bytes: u64,
    pub crates: Vec<DiffRow>,
    pub functions: Vec<DiffRow>,
}

/// Compares `old` with `new`.
pub(crate) fn diff(old: &SizeReport, new: &SizeReport) -> SizeDiff {
    let crate_rows = |r: &SizeReport| -> BTreeMap<(String, String), (u64, usize)> {
        r.crates
            .iter()
            .map(|c| {
                (
                    (c.name.clone(), String::new()),
                    (c.bytes.total(), c.symbols),
                )
            })
            .collect()
    };
    let function_rows = |r: &SizeReport| -> BTreeMap<(String, String), (u64, usize)> {
        r.functions
            .iter()
            .map(|f| {
                (
                    (f.krate.clone(), f.name.clone()),
                    (f.bytes.total(), f.instances),
                )
            })
            .collect()
    };
    SizeDiff {
        old_total_bytes: old.sections.total(),
        new_total_bytes: new.sections.total(),
        old_file_size_bytes: old.file_size_bytes,
        new_file_size_bytes: new.file_size_bytes,
        crates: join(crate_rows(old), crate_rows(new)),
        functions: join(function_rows(old), function_rows(new)),
    }
}

fn join(
    old: BTreeMap<(String, String), (u64, usize)>,
    mut new: BTreeMap<(String, String), (u64, usize)>,
) -> Vec<DiffRow> {
    let mut rows = Vec::new();
    for (key, (ob, oi)) in old {
        let n = new.remove(&key);
        rows.push(row(key, Some((ob, oi)), n));
    }
    for (key, n) in new {
        rows.push(row(key, None, Some(n)));
    }
    rows.sort_by(|a, b| {
        b.delta()
            .abs()
            .cmp(&a.delta().abs())
            .then(a.krate.cmp(&b.krate))
            .then(a.name.cmp(&b.name))
    });
    rows
}

fn row(
    (krate, name): (String, String),
    old: Option<(u64, usize)>,
    new: Option<(u64, usize)>,
) -> DiffRow {
    DiffRow {
        krate,
        name,
        old_bytes: old.map(|o| o.0),
        new_bytes: new.map(|n| n.0),
        old_instances: old.map_or(0, |o| o.1),
        new_instances: new.map_or(0, |n| n.1),
        change: Change::of(old.map(|o| o.0), new.map(|n| n.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::size::{Attribution, Bytes, CrateRow, FunctionRow};

    fn report(fns: &[(&str, &str, u64)]) -> SizeReport {
        let mut crates: BTreeMap<&str, u64> = BTreeMap::new();
        for (k, _, b) in fns {
            *crates.entry(k).or_default() += b;
        }
        let text = |b: u64| Bytes {
            text: b,
            ..Bytes::default()
        };
        SizeReport {
            binary: "x".into(),
            file_size_bytes: 0,
            stripped_size_bytes: None,
            sections: text(crates.values().sum()),
            crates: crates
                .iter()
                .map(|(k, b)| CrateRow {
                    name: k.to_string(),
                    bytes: text(*b),
                    symbols: 1,
                    by_rlib: 0,
                })
                .collect(),
            functions: fns
                .iter()
                .map(|(k, n, b)| FunctionRow {
                    krate: k.to_string(),
                    name: n.to_string(),
                    bytes: text(*b),
                    instances: 1,
                })
                .collect(),
            attribution: Attribution::default(),
        }
    }

    #[test]
    fn every_kind_of_change() {
        let old = report(&[("a", "a::f", 100), ("a", "a::g", 50), ("b", "b::h", 10)]);
        let new = report(&[("a", "a::f", 80), ("a", "a::g", 50), ("c", "c::k", 30)]);
        let d = diff(&old, &new);
        let f = |n: &str| d.functions.iter().find(|r| r.name == n).unwrap().change;
        assert_eq!(f("a::f"), Change::Shrank);
        assert_eq!(f("a::g"), Change::Same);
        assert_eq!(f("b::h"), Change::Vanished);
        assert_eq!(f("c::k"), Change::Appeared);
        assert_eq!(d.functions[0].name, "c::k", "largest change first");
        let c = |n: &str| d.crates.iter().find(|r| r.krate == n).unwrap().delta();
        assert_eq!((c("a"), c("b"), c("c")), (-20, -10, 30));
    }
}

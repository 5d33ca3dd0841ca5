//! Matching two profiles function by function and splitting the change: functions are matched by
//! their demangled path without hash (the same function in two builds has other symbol hashes),
//! ranked by how much of the change they carry, and what the list leaves out is one rest row,
//! so that the listed functions and the rest add up to the totals exactly.

use std::collections::BTreeMap;

use super::{Costs, CrateCost, Diff, FunctionCost, Metric};
use crate::size::{names, strip_llvm_suffix};

/// The name two builds share for a symbol: its demangled path without hash (and without the
/// `.llvm.<n>` suffix ThinLTO adds), or the symbol itself when it is not a Rust one.
pub(crate) fn key(symbol: &str) -> String {
    names::demangle(strip_llvm_suffix(symbol)).unwrap_or_else(|| symbol.to_string())
}

/// One function in both builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub name: String,
    pub krate: String,
    pub cost: Costs,
}

impl Row {
    /// The change from A to B, signed.
    pub(crate) fn change(&self) -> i128 {
        self.cost.change()
    }
}

/// Every function of either build, costs summed per shared name. `crate_of` names a row's
/// crate from its shared name and one of its symbols.
pub(crate) fn rows(
    a: &BTreeMap<String, u64>,
    b: &BTreeMap<String, u64>,
    crate_of: impl Fn(&str, &str) -> String,
) -> Vec<Row> {
    let mut by_name: BTreeMap<String, Row> = BTreeMap::new();
    for (side, costs) in [(0, a), (1, b)] {
        for (symbol, &cost) in costs {
            let name = key(symbol);
            let row = by_name.entry(name.clone()).or_insert_with(|| Row {
                krate: crate_of(&name, symbol),
                name,
                cost: Costs::default(),
            });
            if side == 0 {
                row.cost.a += cost;
            } else {
                row.cost.b += cost;
            }
        }
    }
    by_name.into_values().collect()
}

/// The `top` functions that changed most (either way), the rest as one row, and the totals.
pub(crate) fn diff(metric: Metric, rows: &[Row], top: usize) -> Diff {
    let total = sum(rows.iter().map(|r| r.cost));
    let mut ranked: Vec<&Row> = rows.iter().filter(|r| r.change() != 0).collect();
    ranked.sort_by(|x, y| {
        y.change()
            .abs()
            .cmp(&x.change().abs())
            .then(x.name.cmp(&y.name))
    });
    ranked.truncate(top);
    let functions: Vec<FunctionCost> = ranked
        .iter()
        .map(|r| FunctionCost {
            name: r.name.clone(),
            krate: r.krate.clone(),
            a: r.cost.a,
            b: r.cost.b,
        })
        .collect();
    let listed = sum(functions.iter().map(|f| Costs { a: f.a, b: f.b }));
    Diff {
        metric,
        total,
        rest: Costs {
            a: total.a - listed.a,
            b: total.b - listed.b,
        },
        functions,
    }
}

/// Costs per crate, the largest change first; they add up to the totals.
pub(crate) fn crates(rows: &[Row]) -> Vec<CrateCost> {
    let mut by_crate: BTreeMap<&str, Costs> = BTreeMap::new();
    for r in rows {
        let c = by_crate.entry(&r.krate).or_default();
        c.a += r.cost.a;
        c.b += r.cost.b;
    }
    let mut out: Vec<CrateCost> = by_crate
        .into_iter()
        .map(|(name, c)| CrateCost {
            name: name.to_string(),
            a: c.a,
            b: c.b,
        })
        .collect();
    let change = |c: &CrateCost| Costs { a: c.a, b: c.b }.change().abs();
    out.sort_by(|x, y| change(y).cmp(&change(x)).then(x.name.cmp(&y.name)));
    out
}

fn sum(costs: impl Iterator<Item = Costs>) -> Costs {
    costs.fold(Costs::default(), |acc, c| Costs {
        a: acc.a + c.a,
        b: acc.b + c.b,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(items: &[(&str, u64)]) -> BTreeMap<String, u64> {
        items.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn symbols_of_one_function_match_across_builds_by_path() {
        let a = map(&[
            ("_ZN3app5parse17h0000000000000001E", 500),
            ("_ZN3app5parse17h0000000000000002E.llvm.77", 100),
            ("_ZN3app4main17h0000000000000003E", 50),
            ("memcpy", 30),
        ]);
        let b = map(&[
            ("_ZN3app4main17h00000000000000aaE", 400),
            ("memcpy", 35),
            ("_ZN3app3new17h00000000000000bbE", 5),
        ]);
        let rows = rows(&a, &b, |name, _| {
            names::crate_of_path(name).unwrap_or_else(|| "[no crate]".into())
        });
        let find = |n: &str| rows.iter().find(|r| r.name == n).unwrap();
        assert_eq!(find("app::parse").cost, Costs { a: 600, b: 0 });
        assert_eq!(find("app::main").cost, Costs { a: 50, b: 400 });
        assert_eq!(find("app::new").cost, Costs { a: 0, b: 5 });
        assert_eq!(find("memcpy").krate, "[no crate]");

        let d = diff(Metric::Instructions, &rows, 2);
        assert_eq!(d.total, Costs { a: 680, b: 440 });
        let names: Vec<&str> = d.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["app::parse", "app::main"]);
        assert_eq!(d.rest, Costs { a: 30, b: 40 });
        let (fa, fb) = d
            .functions
            .iter()
            .fold((0, 0), |(x, y), f| (x + f.a, y + f.b));
        assert_eq!((fa + d.rest.a, fb + d.rest.b), (d.total.a, d.total.b));

        let c = crates(&rows);
        assert_eq!(c[0].name, "app");
        assert_eq!(c.iter().map(|c| c.a).sum::<u64>(), 680);
        assert_eq!(c.iter().map(|c| c.b).sum::<u64>(), 440);
    }

    #[test]
    fn unchanged_functions_are_never_listed() {
        let a = map(&[("x", 10), ("y", 20)]);
        let rows = rows(&a, &a, |_, _| "k".into());
        let d = diff(Metric::Instructions, &rows, 15);
        assert!(d.functions.is_empty());
        assert_eq!(d.rest, d.total);
    }
}

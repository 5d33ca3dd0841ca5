//! Explaining a change in cost between two builds: each runs the workload under cachegrind, the
//! costs are read per function, matched across the builds by demangled path, ranked by how much
//! of the change each carries, and rolled up per crate, with a rest row so that everything adds
//! up to the totals exactly. A stripped build is counted through an unstripped twin whose loaded
//! code is byte for byte the shipped one (`twin`); a function that one build lacks is looked for
//! in the other's debug info to name the caller it was inlined into (`inline`).
//!
//! The JSON of one explanation (`Explanation`, kept in a run's `explain` list):
//!
//! ```text
//! { metric ("instructions" | "cycles_est"), total { a, b },
//!   functions [ { name, crate, a, b } ], rest { a, b },          the change's split (`Diff`)
//!   baseline, variant, workload,                                   what was compared
//!   instructions { a, b }, cycles_est? { a, b },                   both totals
//!   crates [ { name, a, b } ]            the metric per crate; adds up to `total`
//!   inlined [ { name, build ("a" | "b"), partly, into [ name ] } ]
//!   sides [ { variant, binary, twin?, reused, instructions,
//!             witness? { shipped_instructions, twin_instructions, own_code_shipped,
//!                        own_code_twin, library_differences? [ [name, shipped, twin] ] } } ]
//!   notes [ string ] }
//! ```
//! `a` is the baseline's cost and `b` the variant's; `functions` plus `rest` equal `total`.

pub(crate) mod crates;
pub(crate) mod diff;
pub(crate) mod inline;
mod pipeline;
pub(crate) mod profile;
pub(crate) mod render;
pub(crate) mod twin;
pub(crate) mod witness;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub(crate) use pipeline::{Options, Subject, explain};

/// What the functions are ranked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Executed instructions (exact).
    #[default]
    Instructions,
    /// Estimated cycles from cachegrind's cache simulation (L1 + 5 × LL + 35 × RAM).
    CyclesEst,
}

impl Metric {
    pub fn title(self) -> &'static str {
        match self {
            Metric::Instructions => "instructions",
            Metric::CyclesEst => "estimated cycles",
        }
    }
}

/// A cost in the baseline (`a`) and in the variant (`b`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Costs {
    pub a: u64,
    pub b: u64,
}

impl Costs {
    pub fn change(&self) -> i128 {
        i128::from(self.b) - i128::from(self.a)
    }
}

/// One function's cost in both builds (0 where a build does not have it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionCost {
    /// Demangled path without hash (`textproc::record::Record::parse`), or the symbol of
    /// non-Rust code (`memcpy`).
    pub name: String,
    #[serde(rename = "crate")]
    pub krate: String,
    pub a: u64,
    pub b: u64,
}

/// The change split into the functions that carry most of it and the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    pub metric: Metric,
    pub total: Costs,
    pub functions: Vec<FunctionCost>,
    pub rest: Costs,
}

/// One crate's cost in both builds (std, core, alloc and std's private crates as `std`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrateCost {
    pub name: String,
    pub a: u64,
    pub b: u64,
}

/// Which build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Which {
    A,
    B,
}

/// What one build's debug info shows about a listed function: that the build has no symbol of
/// its own for it (`partly` false), or that besides its own symbol it also has inlined copies
/// (`partly` true), and the out-of-line functions that hold those copies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inlined {
    pub name: String,
    pub build: Which,
    pub partly: bool,
    /// The functions holding inlined copies, the one that costs most in `build` first (empty:
    /// none found, or no debug info to tell).
    #[serde(default)]
    pub into: Vec<String>,
}

/// How one build's functions were counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideInfo {
    pub variant: String,
    /// The binary that is shipped (and measured by `compare`).
    pub binary: PathBuf,
    /// The unstripped twin cachegrind ran instead, when the shipped binary has no symbols; its
    /// loaded sections are byte-identical to the shipped binary's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub twin: Option<PathBuf>,
    /// The counts come from a kept run of the same binary on the same workload.
    pub reused: bool,
    /// Instructions of the counted run.
    pub instructions: u64,
    /// With a twin and a kept run of the shipped binary (`compare`'s): the two compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witness: Option<witness::Witness>,
}

/// Where a change between two builds comes from, on one workload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The build the change is from (A) and the one it is to (B).
    pub baseline: String,
    pub variant: String,
    pub workload: String,
    /// `metric`, `total`, `functions` and `rest`, at the top level of the object.
    #[serde(flatten)]
    pub diff: Diff,
    pub instructions: Costs,
    /// When both runs simulated the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycles_est: Option<Costs>,
    pub crates: Vec<CrateCost>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inlined: Vec<Inlined>,
    pub sides: Vec<SideInfo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Explanation {
    /// What the builds' debug info shows about a listed function.
    pub fn inlined(&self, name: &str) -> impl Iterator<Item = &Inlined> {
        self.inlined.iter().filter(move |o| o.name == name)
    }
}

#[cfg(test)]
impl Explanation {
    /// A fixed explanation for deterministic tests and snapshots: `app::parse` inlined into
    /// `app::main`, a std function made cheaper, C code unchanged but for a little.
    pub fn example() -> Explanation {
        let f = |name: &str, krate: &str, a: u64, b: u64| FunctionCost {
            name: name.into(),
            krate: krate.into(),
            a,
            b,
        };
        let functions = vec![
            f("app::main", "app", 3_000_000, 70_000_000),
            f("app::record::Record::parse", "app", 41_500_000, 0),
            f(
                "core::hash::BuildHasher::hash_one",
                "std",
                6_200_000,
                16_000,
            ),
            f("app::vm::Program::eval", "app", 96_000_000, 60_684_000),
        ];
        let listed_a: u64 = functions.iter().map(|f| f.a).sum();
        let listed_b: u64 = functions.iter().map(|f| f.b).sum();
        let total = Costs {
            a: 348_000_000,
            b: 331_000_000,
        };
        Explanation {
            baseline: "release".into(),
            variant: "production".into(),
            workload: "logfmt".into(),
            diff: Diff {
                metric: Metric::Instructions,
                total,
                functions,
                rest: Costs {
                    a: total.a - listed_a,
                    b: total.b - listed_b,
                },
            },
            instructions: total,
            cycles_est: Some(Costs {
                a: 453_000_000,
                b: 429_000_000,
            }),
            crates: vec![
                CrateCost {
                    name: "std".into(),
                    a: 62_000_000,
                    b: 50_000_000,
                },
                CrateCost {
                    name: "app".into(),
                    a: 279_000_000,
                    b: 273_000_000,
                },
                CrateCost {
                    name: crate::size::NO_CRATE.into(),
                    a: 7_000_000,
                    b: 8_000_000,
                },
            ],
            inlined: vec![
                Inlined {
                    name: "app::record::Record::parse".into(),
                    build: Which::B,
                    partly: false,
                    into: vec!["app::main".into()],
                },
                Inlined {
                    name: "app::vm::Program::eval".into(),
                    build: Which::B,
                    partly: true,
                    into: vec!["app::main".into()],
                },
            ],
            sides: Vec::new(),
            notes: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_the_issue_shape_at_the_top_level() {
        let e = Explanation::example();
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["metric"], "instructions");
        assert_eq!(v["total"]["a"], 348_000_000);
        assert_eq!(v["functions"][1]["name"], "app::record::Record::parse");
        assert_eq!(v["functions"][1]["crate"], "app");
        assert_eq!(v["functions"][1]["b"], 0);
        assert!(v["rest"]["b"].is_u64());
        assert_eq!(v["inlined"][0]["build"], "b");
        assert_eq!(v["inlined"][1]["partly"], true);
        let back: Explanation = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn text_adds_up_and_labels_what_one_build_lacks() {
        let e = Explanation::example();
        let text = render::text(&e);
        insta::assert_snapshot!(text);
        assert!(text.contains("absent in B: inlined or removed (B has it inlined into app::main)"));
        let md = render::markdown(&e);
        assert!(
            md.contains("| `app::record::Record::parse` | app |"),
            "{md}"
        );
    }
}

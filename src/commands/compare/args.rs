//! `cargo tune compare`'s command line.

use std::path::PathBuf;

use clap::Args;

use crate::commands::options::{ExportArgs, SessionArgs};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Variants in order, the first is the baseline: presets, `pgo`, `<preset>+pgo`, and
    /// `+key=value` steps that add one change to the row above [default: release,balanced,production,pgo]
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub variants: Vec<String>,
    /// An ad-hoc variant: 'NAME=SPEC' (e.g. 'fast=lto=fat,codegen-units=1' or 'fast=production,pgo');
    /// repeatable; added after --variants, or after the configured list, or else after the base
    /// profile (the baseline)
    #[arg(long = "variant", value_name = "NAME=SPEC")]
    pub named: Vec<String>,
    #[command(flatten)]
    pub session: SessionArgs,
    #[command(flatten)]
    pub export: ExportArgs,
    /// Measure the binaries exported to DIR by `cargo tune build --export` (elsewhere, e.g. on
    /// CI runners) instead of building; refuses ones from another commit or rustc
    #[arg(long, value_name = "DIR")]
    pub prebuilt: Option<PathBuf>,
    /// Also show where each variant's change comes from: the functions and crates whose cost
    /// changed most, counted by cachegrind on the first command workload (`cargo tune explain`)
    #[arg(long)]
    pub explain: bool,
    /// Run the binary with these arguments as the (only) workload
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

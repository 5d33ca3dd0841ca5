//! `cargo tune report` (in progress).

use anyhow::{Result, bail};
use clap::Args;

use crate::commands::Ctx;

#[derive(Debug, Args)]
pub struct ReportArgs {}

pub fn run(_ctx: &Ctx, _args: &ReportArgs) -> Result<()> {
    bail!("`cargo tune report` is not available yet")
}

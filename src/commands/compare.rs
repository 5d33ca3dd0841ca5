//! `cargo tune compare` (in progress).

use anyhow::{Result, bail};
use clap::Args;

use crate::commands::Ctx;

#[derive(Debug, Args)]
pub struct CompareArgs {}

pub fn run(_ctx: &Ctx, _args: &CompareArgs) -> Result<()> {
    bail!("`cargo tune compare` is not available yet")
}

//! `cargo tune pgo` (in progress).

use anyhow::{Result, bail};
use clap::Args;

use crate::commands::Ctx;

#[derive(Debug, Args)]
pub struct PgoArgs {}

pub fn run(_ctx: &Ctx, _args: &PgoArgs) -> Result<()> {
    bail!("`cargo tune pgo` is not available yet")
}

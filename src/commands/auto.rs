//! `cargo tune auto` (in progress).

use anyhow::{Result, bail};
use clap::Args;

use crate::commands::Ctx;

#[derive(Debug, Args)]
pub struct AutoArgs {}

pub fn run(_ctx: &Ctx, _args: &AutoArgs) -> Result<()> {
    bail!("`cargo tune auto` is not available yet")
}

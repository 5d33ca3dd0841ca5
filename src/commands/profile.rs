//! `cargo tune profile` (in progress).

use anyhow::{Result, bail};
use clap::Args;

use crate::commands::Ctx;

#[derive(Debug, Args)]
pub struct ProfileArgs {}

pub fn run(_ctx: &Ctx, _args: &ProfileArgs) -> Result<()> {
    bail!("`cargo tune profile` is not available yet")
}

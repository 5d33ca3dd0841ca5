//! `cargo tune man`: the manual pages (roff), generated from the clap definitions.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;

use crate::commands::Ctx;

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write cargo-tune.1 and one page per subcommand (cargo-tune-compare.1, …) into DIR
    /// instead of printing cargo-tune.1 to standard output
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `cli` is the whole parser (`Cli::command()`), handed down so that commands need not know it.
pub(crate) fn run(ctx: &Ctx, args: &ManArgs, cli: clap::Command) -> Result<()> {
    match &args.dir {
        None => super::completions::print_all(
            &page(cli),
            "cannot write the manual page to standard output",
        ),
        Some(dir) => {
            let written = write_pages(dir, cli)?;
            ctx.shell.status(
                "Wrote",
                format!("{} manual pages to {}", written.len(), dir.display()),
            );
            for path in written {
                println!("{}", path.display());
            }
            Ok(())
        }
    }
}

/// The command as the pages name it: `cargo-tune`, the file name cargo installs.
fn command(cli: clap::Command) -> clap::Command {
    cli.name("cargo-tune").bin_name("cargo tune")
}

/// cargo-tune.1: every option, and the subcommands listed with what they do.
pub(crate) fn page(cli: clap::Command) -> Vec<u8> {
    let mut out = Vec::new();
    clap_mangen::Man::new(command(cli))
        .render(&mut out)
        .expect("rendering into memory cannot fail");
    out
}

/// cargo-tune.1 and cargo-tune-<sub>.1 (nested: cargo-tune-pgo-run.1) for every visible
/// subcommand; returns the files written.
pub(crate) fn write_pages(dir: &Path, cli: clap::Command) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut cmd = command(cli);
    cmd.build();
    let mut written = Vec::new();
    write_tree(&cmd, "cargo-tune", dir, &mut written)?;
    Ok(written)
}

fn write_tree(cmd: &clap::Command, name: &str, dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let path = dir.join(format!("{name}.1"));
    let mut bytes = Vec::new();
    clap_mangen::Man::new(cmd.clone().name(name.to_string()))
        .render(&mut bytes)
        .expect("rendering into memory cannot fail");
    std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    out.push(path);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_tree(sub, &format!("{name}-{}", sub.get_name()), dir, out)?;
    }
    Ok(())
}

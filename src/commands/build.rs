//! `cargo tune build --variant <spec>`: build one variant and print the binary's path.

use anyhow::Result;
use clap::Args;

use crate::cargo::Builder;
use crate::commands::Ctx;
use crate::spec::parse_variant;
use crate::ui::{format_bytes, format_duration};

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// A preset (release, production, balanced, min-size, …) or a spec
    /// `key=value,…` (opt-level, lto, codegen-units, panic, strip, debug, target-cpu, …)
    #[arg(long, default_value = "release", value_name = "SPEC")]
    pub variant: String,
    /// Rebuild from an empty target dir (measures the cold compile time again)
    #[arg(long)]
    pub rebuild: bool,
    /// Copy the binary with a manifest (variant, rustflags, rustc, commit, compile time, size) to
    /// DIR/<variant>/, for `compare --prebuilt DIR` on another machine; the variant may then
    /// carry stages (`release+pgo`, trained on the workloads in Cargo.toml)
    #[arg(long, value_name = "DIR")]
    pub export: Option<std::path::PathBuf>,
}

pub(crate) fn run(ctx: &Ctx, args: &BuildArgs) -> Result<()> {
    if let Some(dir) = &args.export {
        return crate::commands::compare::prebuilt::export(ctx, &args.variant, args.rebuild, dir);
    }
    let variant =
        parse_variant(&args.variant, &ctx.cargo.profile).map_err(crate::commands::errors::usage)?;
    let (project, bin) = ctx.target()?;
    let _lock = ctx.lock(&project)?;
    let builder = Builder::new(&ctx.shell, &project, &bin, &ctx.cargo)?;
    let build = builder.build(&variant, args.rebuild)?;
    let how = if build.fresh {
        "up to date".to_string()
    } else if build.compile_time_measured_now {
        format!("cold build took {}", format_duration(build.compile_time))
    } else {
        format!(
            "rebuilt; cold build took {} earlier",
            format_duration(build.compile_time)
        )
    };
    ctx.shell.status(
        "Finished",
        format!("`{}` {}, {}", variant.name, format_bytes(build.size), how),
    );
    println!("{}", build.binary.display());
    Ok(())
}

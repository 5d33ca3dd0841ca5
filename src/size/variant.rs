//! Glue between builds and the analysis: build a variant unstripped, pick the attribution rules
//! its LTO setting allows, analyse it; and the one-line summary other commands can print.

use std::path::Path;

use anyhow::{Context, Result};

use crate::cargo::{Build, Builder};
use crate::size::{Options, SizeReport};
use crate::ui::Shell;
use crate::variant::{Lto, Strip, Variant};

/// Builds `variant` unstripped (symbols are the evidence) and analyses it.
pub(crate) fn analyse_variant(
    shell: &Shell,
    builder: &Builder,
    variant: &Variant,
    opts: Options,
) -> Result<(Build, SizeReport)> {
    let unstripped = unstripped(variant);
    let build = builder.build(&unstripped, false)?;
    // Under cross-crate LTO code moves between crates, so "no rlib defines it" no longer means
    // "compiled in the binary's crate": then names decide.
    let opts = Options {
        bin_crate: opts
            .bin_crate
            .filter(|_| !cross_crate_lto(builder, variant)),
        ..opts
    };
    let dirs = crate::size::rlib_dirs(
        &build.target_dir,
        builder.target(),
        &variant.base_profile,
        &builder.rustc().sysroot,
    );
    shell.status("Analysing", build.binary.display().to_string());
    let report = crate::size::analyse(&build.binary, &dirs, opts)
        .with_context(|| format!("cannot analyse variant `{}`", variant.name))?;
    Ok((build, report))
}

/// Whether `variant`, with the profile it starts from as configured, uses thin or fat LTO.
pub(crate) fn cross_crate_lto(builder: &Builder, variant: &Variant) -> bool {
    let cwd = std::env::current_dir().unwrap_or_default();
    let resolved = crate::manifest::Sources::load(Some(&builder.project().root_manifest), &cwd)
        .and_then(|s| s.resolve_variant(variant, &variant.name));
    match resolved {
        Ok(r) => matches!(r.typed().lto, Some(Lto::Thin | Lto::Fat)),
        // Unknown: names are the safe evidence.
        Err(_) => true,
    }
}

/// `variant` with `strip = "none"`: same code, symbols kept.
pub(crate) fn unstripped(variant: &Variant) -> Variant {
    let mut v = variant.clone();
    v.settings.strip = Some(Strip::None);
    v
}

/// `largest crates: std 41%, clap_builder 20%, app 18%` for `variant` (built unstripped if it
/// is not already: one more build for a stripped variant). The hook for `compare`'s report and
/// `auto --goal size`'s recommendation.
pub(crate) fn contributors(
    shell: &Shell,
    builder: &Builder,
    variant: &Variant,
    n: usize,
) -> Result<String> {
    let opts = Options {
        split_std: false,
        bin_crate: Some(builder.bin().bin.replace('-', "_")),
        by_name: false,
    };
    let (_, report) = analyse_variant(shell, builder, variant, opts)?;
    Ok(crate::size::contributors_line(&report, n))
}

/// Where the bytes of a binary built as `variant` (in `target_dir`) go, per crate: from its
/// symbols, or from the link map when it was stripped. Nothing is built. Fails when neither is
/// there or the map is of another link (e.g. BOLT rewrote the binary).
pub(crate) fn crates_of_build(
    builder: &Builder,
    variant: &Variant,
    target_dir: &Path,
    binary: &Path,
) -> Result<SizeReport> {
    let image = crate::size::Image::read(binary)?;
    let image = if image.symbol_count > 0 {
        image
    } else {
        let Some(map) = builder.link_map(variant) else {
            anyhow::bail!(
                "stripped, and the linker is not driven like `cc`, so no link map was asked for"
            );
        };
        crate::size::link_map::image(&image, &map)?
    };
    let dirs = crate::size::rlib_dirs(
        target_dir,
        builder.target(),
        &variant.base_profile,
        &builder.rustc().sysroot,
    );
    let opts = Options {
        split_std: false,
        bin_crate: Some(builder.bin().bin.replace('-', "_"))
            .filter(|_| !cross_crate_lto(builder, variant)),
        by_name: false,
    };
    let index = crate::size::SymbolIndex::read(&dirs)?;
    Ok(crate::size::attribute(binary, &image, &index, opts))
}

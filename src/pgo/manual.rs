//! The PGO build of a profile written out by hand, for users who reproduce it without
//! cargo-tune: instrumented build, run, merge with the matching llvm-profdata, optimized build.

use crate::cargo::Builder;
use crate::toolchain::{LlvmTool, find_tool};
use crate::variant::Variant;

/// Where the recipe gathers its raw profiles.
const DATA_DIR: &str = "/tmp/pgo-data";

/// The recipe's lines for `variant` written as `[profile.<profile>]`, a comment first. RUSTFLAGS
/// replaces the rustflags of config files, so the variant's own flags are repeated in it.
pub(crate) fn steps(builder: &Builder, variant: &Variant, profile: &str) -> Vec<String> {
    let sel = builder.selection();
    let target = builder.target();
    let flags = builder.rustflags(variant).join(" ");
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!("{flags} ")
    };
    let profdata = find_tool(builder.rustc(), LlvmTool::Profdata)
        .found
        .map_or_else(
            || "llvm-profdata".to_string(),
            |f| f.path.display().to_string(),
        );
    let dir = DATA_DIR;
    let out = builder
        .project()
        .target_dir
        .join(target)
        .join(profile)
        .join(&builder.bin().bin);
    vec![
        "# or by hand (RUSTFLAGS replaces config rustflags, so they are repeated here):".into(),
        format!(
            "RUSTFLAGS='{flags}-Cprofile-generate={dir}' cargo build{sel} --profile {profile} --target {target}"
        ),
        format!(
            "{} …your workload…   # each run adds a .profraw",
            out.display()
        ),
        format!("{profdata} merge -o {dir}/merged.profdata {dir}"),
        format!(
            "RUSTFLAGS='{flags}-Cprofile-use={dir}/merged.profdata' cargo build{sel} --profile {profile} --target {target}"
        ),
    ]
}

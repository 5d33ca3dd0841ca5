//! Variant details: the exact settings and rustflags of each variant, how it built, and the
//! commands that reproduce its build (with cargo-tune, and with cargo alone).

use maud::{Markup, html};

use crate::process::shell_quote;
use crate::run::{Run, VariantResult};
use crate::ui::format_bytes;
use crate::variant::Stage;

/// `-p pkg --bin bin` and the manifest, as both commands select the binary.
fn selection(run: &Run) -> String {
    let manifest = run.project.root.join("Cargo.toml");
    [
        "--manifest-path".to_string(),
        manifest.display().to_string(),
        "-p".into(),
        run.project.package.clone(),
        "--bin".into(),
        run.project.bin.clone(),
    ]
    .iter()
    .map(|w| shell_quote(w))
    .collect::<Vec<_>>()
    .join(" ")
}

/// The commands that rebuild `v`: one `cargo tune` line, then plain cargo with the profile
/// overrides as environment variables and the complete rustflags (RUSTFLAGS replaces the
/// config's, which is why the user's own flags are repeated in it).
pub(crate) fn reproduce(run: &Run, v: &VariantResult) -> Vec<String> {
    let variant = &v.variant;
    let sel = selection(run);
    let profile = if variant.base_profile == "release" {
        String::new()
    } else {
        format!(" --profile {}", shell_quote(&variant.base_profile))
    };
    let spec = variant.spec();
    let with_spec = if spec.is_empty() {
        String::new()
    } else {
        format!(" --variant {}", shell_quote(&spec))
    };
    let pgo = !matches!(variant.stage, Stage::Plain);
    let tune = if pgo {
        format!("cargo tune {sel}{profile} pgo{with_spec}")
    } else {
        format!("cargo tune {sel}{profile} build{with_spec}")
    };
    let mut env: Vec<String> = variant
        .settings
        .env_overrides(&variant.base_profile)
        .into_iter()
        .map(|(k, val)| format!("{k}={}", shell_quote(&val)))
        .collect();
    if !v.rustflags.is_empty() {
        env.push(format!("RUSTFLAGS={}", shell_quote(&v.rustflags.join(" "))));
    }
    let mut cargo = env;
    cargo.push(format!(
        "cargo build {sel} --profile {} --target {}",
        shell_quote(&variant.base_profile),
        shell_quote(&run.host.target_triple)
    ));
    let mut out = vec![
        format!(
            "# with cargo-tune{}",
            if pgo {
                " (gathers the profile again)"
            } else {
                ""
            }
        ),
        tune,
    ];
    out.push(match &variant.stage {
        Stage::Plain => "# with cargo alone".to_string(),
        Stage::PgoInstrumented { .. } => "# with cargo alone (instrumented build)".to_string(),
        Stage::PgoOptimized { .. } => {
            "# with cargo alone, from the merged profile this run used".to_string()
        }
    });
    out.push(cargo.join(" \\\n  "));
    out
}

/// One block per variant.
pub(crate) fn variants(run: &Run) -> Markup {
    html! {
        @for (i, v) in run.variants.iter().enumerate() {
            article.variant id=(format!("variant-{i}")) {
                h3 {
                    (v.name)
                    @if i == run.baseline { " " span.tag { "baseline" } }
                }
                dl {
                    dt { "Settings" }
                    dd { code { (v.variant.describe()) } }
                    dt { "Profile" }
                    dd { code { (v.variant.base_profile) } }
                    @for (k, val) in v.variant.settings.entries() {
                        dt.setting { code { (k) } }
                        dd { code { (val.toml()) } }
                    }
                    @if let Some(cpu) = &v.variant.target_cpu {
                        dt { "target-cpu" }
                        dd { code { (cpu) } }
                    }
                    dt { "rustflags" }
                    dd {
                        @if v.rustflags.is_empty() { "none" } @else { code { (v.rustflags.join(" ")) } }
                    }
                    @if let Some(b) = &v.build {
                        dt { "Binary" }
                        dd { code { (b.binary.display()) } " (" (format_bytes(b.file_size_bytes)) ")" }
                        @if let Some(s) = &b.sections {
                            dt { "Sections" }
                            dd {
                                ".text " (format_bytes(s.text)) ", .rodata " (format_bytes(s.rodata))
                                ", .data " (format_bytes(s.data)) ", debug " (format_bytes(s.debug))
                            }
                        }
                        dt { "Compile time" }
                        dd {
                            (format!("{:.1} s", b.compile_time_secs))
                            @if b.builds > 1 { " over " (b.builds) " builds" }
                            @if b.compile_time_cached { " (from an earlier cold build: the binary was up to date)" }
                        }
                    }
                    @if let Some(f) = &v.failure {
                        dt { "Build failure" }
                        dd { pre.failure { (f) } }
                    }
                }
                pre.commands { code { (reproduce(run, v).join("\n")) } }
            }
        }
    }
}

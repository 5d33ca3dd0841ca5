//! Snapshot tests: every preset applied to real-looking manifests and cargo configs; the diffs
//! show that comments, key order, whitespace and unrelated tables are untouched.

use std::path::PathBuf;

use crate::manifest::apply::{ApplyOptions, edit_manifest};
use crate::manifest::diff::unified;
use crate::manifest::rustflags_edit::{FlagsWrite, write_rustflags};
use crate::manifest::{Edit, Sources};
use crate::presets::PRESETS;
use crate::toml_file::TomlFile;
use crate::toml_file::parse;

const COMMENTED: &str = r#"# The service that answers API calls.
[package]
name = "api-server"   # keep in sync with the Helm chart
version = "2.3.1"
edition = "2021"

[dependencies]
serde = { version = "1", features = ["derive"] }
tokio = { version = "1.40", features = ["rt-multi-thread", "macros"] }

# Debug info in release builds, for perf on production hosts.
[profile.release]
debug = 1            # line tables + variables
incremental = false

[dev-dependencies]
tempfile = "3"
"#;

const WORKSPACE: &str = r#"[workspace]
resolver = "2"
members = [
    "crates/core",
    "crates/cli",   # the binary we ship
]

[workspace.package]
edition = "2021"
license = "MIT"

[workspace.dependencies]
anyhow = "1"

[profile.dev]
opt-level = 1 # tests are too slow at 0

# end of file, no trailing newline"#;

const DOTTED: &str = r#"profile.release.lto = true
profile.release.codegen-units = 4  # measured: 4 is enough

[package]
name = "tool"
version = "0.1.0"
edition = "2024"
"#;

const INLINE: &str = r#"[package]
name = "tool"
version = "0.1.0"
edition = "2024"

[profile]
release = { lto = "thin", strip = true }
dev = { opt-level = 1 }

[features]
default = []
"#;

const EXISTING: &str = r#"[package]
name = "shipper"
version = "1.0.0"
edition = "2021"

[profile.production]
inherits = "release"
opt-level = 3
lto = true            # same as "fat"
codegen-units = 1
strip = "symbols"
panic = "abort"

# Smaller than production; reviewed 2024-05.
[profile.min-size]
inherits = "release"
opt-level = "s"       # z was 8% slower for 2% size
lto = "fat"
codegen-units = 1

[profile.balanced]
inherits = "release"
lto = "thin"
"#;

/// Every preset applied under its own name to `manifest`; one section per preset.
fn apply_all(manifest: &str) -> String {
    let path = PathBuf::from("Cargo.toml");
    let doc = parse(&path, manifest).unwrap();
    let sources = Sources {
        manifest: Some((path.clone(), doc.clone())),
        ..Sources::default()
    };
    let mut out = String::new();
    for preset in PRESETS {
        let mut file = TomlFile {
            path: path.clone(),
            text: Some(manifest.to_string()),
            doc: doc.clone(),
        };
        // `release` is a built-in name: applying it needs --force.
        let opts = ApplyOptions {
            dry_run: false,
            force: preset.name == "release",
            target: None,
        };
        let mut notes = Vec::new();
        let result = edit_manifest(
            &mut file,
            &sources,
            preset.name,
            &crate::spec::preset_on_its_profile(preset),
            opts,
            &mut notes,
        );
        out.push_str(&format!("==== {} (force: {})\n", preset.name, opts.force));
        match result {
            Ok((_, change)) => {
                let edit = Edit::new(path.clone(), file.text.clone(), file.rendered());
                if !edit.is_change() {
                    out.push_str("already up to date\n");
                }
                let diff = unified(&edit);
                if !change.existed {
                    // A new table only adds lines: everything else is kept byte for byte.
                    assert!(
                        !diff
                            .lines()
                            .any(|l| l.starts_with('-') && !l.starts_with("---")),
                        "{diff}"
                    );
                }
                reparses(&file.rendered());
                out.push_str(&diff);
            }
            Err(e) => out.push_str(&format!("refused: {e:#}\n")),
        }
        for n in notes {
            out.push_str(&format!("note: {n}\n"));
        }
    }
    out
}

fn reparses(text: &str) {
    text.parse::<toml_edit::DocumentMut>()
        .unwrap_or_else(|e| panic!("edited manifest does not parse: {e}\n{text}"));
}

#[test]
fn presets_on_a_commented_package() {
    insta::assert_snapshot!(apply_all(COMMENTED));
}

#[test]
fn presets_on_a_virtual_workspace() {
    insta::assert_snapshot!(apply_all(WORKSPACE));
}

#[test]
fn presets_on_dotted_keys() {
    insta::assert_snapshot!(apply_all(DOTTED));
}

#[test]
fn presets_on_inline_tables() {
    insta::assert_snapshot!(apply_all(INLINE));
}

#[test]
fn presets_on_existing_profiles() {
    insta::assert_snapshot!(apply_all(EXISTING));
}

#[test]
fn force_overwrites_in_place_keeping_comments() {
    let path = PathBuf::from("Cargo.toml");
    let doc = parse(&path, EXISTING).unwrap();
    let sources = Sources {
        manifest: Some((path.clone(), doc.clone())),
        ..Sources::default()
    };
    let mut file = TomlFile {
        path: path.clone(),
        text: Some(EXISTING.into()),
        doc,
    };
    let preset = crate::presets::find("min-size").unwrap();
    let opts = ApplyOptions {
        dry_run: false,
        force: true,
        target: None,
    };
    let mut notes = Vec::new();
    let (_, change) = edit_manifest(
        &mut file,
        &sources,
        "min-size",
        &crate::spec::preset_on_its_profile(preset),
        opts,
        &mut notes,
    )
    .unwrap();
    insta::assert_snapshot!(format!(
        "{}\n\n{}",
        change.describe(),
        unified(&Edit::new(path, Some(EXISTING.into()), file.rendered()))
    ));
}

#[test]
fn release_and_dev_need_force_and_get_no_inherits() {
    let path = PathBuf::from("Cargo.toml");
    let doc = parse(&path, COMMENTED).unwrap();
    let sources = Sources {
        manifest: Some((path.clone(), doc.clone())),
        ..Sources::default()
    };
    let production =
        crate::spec::preset_on_its_profile(crate::presets::find("production").unwrap());
    let mut out = String::new();
    for (name, force) in [("release", false), ("release", true), ("dev", true)] {
        let mut file = TomlFile {
            path: path.clone(),
            text: Some(COMMENTED.into()),
            doc: doc.clone(),
        };
        let mut notes = Vec::new();
        let opts = ApplyOptions {
            dry_run: false,
            force,
            target: None,
        };
        out.push_str(&format!("==== production as {name} (force: {force})\n"));
        match edit_manifest(&mut file, &sources, name, &production, opts, &mut notes) {
            Ok(_) => out.push_str(&unified(&Edit::new(
                path.clone(),
                Some(COMMENTED.into()),
                file.rendered(),
            ))),
            Err(e) => out.push_str(&format!("refused: {e:#}\n")),
        }
        for n in notes {
            out.push_str(&format!("note: {n}\n"));
        }
    }
    insta::assert_snapshot!(out);
}

const HOST: &str = "x86_64-unknown-linux-gnu";

fn host_cfg() -> Vec<String> {
    ["unix", "target_os=\"linux\"", "target_arch=\"x86_64\""]
        .map(String::from)
        .to_vec()
}

/// fast-runtime's rustflags written into several cargo configs.
#[test]
fn target_cpu_in_cargo_configs() {
    let configs: &[(&str, &str, &[&str])] = &[
        ("no config yet", "", &[]),
        (
            "build flags in effect are carried over",
            "[build]\nrustflags = [\"-Cforce-frame-pointers=yes\"] # for profiling\n",
            &["-Cforce-frame-pointers=yes"],
        ),
        (
            "native in the host table is replaced, other flags kept",
            "[target.x86_64-unknown-linux-gnu]\nlinker = \"clang\"\nrustflags = [\n    \"-Clink-arg=-fuse-ld=lld\",\n    \"-Ctarget-cpu=native\", # fast on my box\n]\n",
            &[],
        ),
        (
            "split -C form in a string",
            "# shared by the team\n[target.x86_64-unknown-linux-gnu]\nrustflags = \"-C target-cpu=haswell --cfg tokio_unstable\"\n",
            &[],
        ),
        (
            "cfg table that applies",
            "[target.'cfg(target_os = \"linux\")']\nrustflags = [\"-Ctarget-cpu=native\"]\n\n[alias]\nb = \"build\"\n",
            &[],
        ),
        (
            "host table without the cpu gets it appended",
            "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"--cfg\", \"tokio_unstable\"]\n",
            &[],
        ),
        (
            "multi-line list keeps one flag per line",
            "[target.x86_64-unknown-linux-gnu]\nrustflags = [\n    \"--cfg\",\n    \"tokio_unstable\",\n]\n",
            &[],
        ),
        (
            "already there",
            "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-Ctarget-cpu=x86-64-v3\"]\n",
            &[],
        ),
    ];
    let mut out = String::new();
    for (label, text, build) in configs {
        let path = PathBuf::from(".cargo/config.toml");
        let mut doc = parse(&path, text).unwrap();
        let w = FlagsWrite {
            host: HOST.into(),
            cfg: host_cfg(),
            target_cpu: Some("x86-64-v3".into()),
            extra: vec![],
            build_flags_in_effect: build.iter().map(|s| s.to_string()).collect(),
        };
        let change = write_rustflags(&mut doc, &w).unwrap();
        let old = (!text.is_empty()).then(|| text.to_string());
        let edit = Edit::new(path, old, doc.to_string());
        reparses(&doc.to_string());
        out.push_str(&format!("==== {label}\n{change:?}\n"));
        if !edit.is_change() {
            out.push_str("no change\n");
        }
        out.push_str(&unified(&edit));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn crlf_files_stay_crlf() {
    let old = "[package]\r\nname = \"x\" # note\r\n\r\n[profile.release]\r\ndebug = 1\r\n";
    let new = "[package]\r\nname = \"x\" # note\r\n\r\n[profile.release]\r\ndebug = 1\n\n[profile.fast]\ninherits = \"release\"\n";
    let Edit::Modified { new: written, .. } =
        Edit::new("Cargo.toml".into(), Some(old.into()), new.into())
    else {
        panic!("a change");
    };
    assert_eq!(
        written,
        "[package]\r\nname = \"x\" # note\r\n\r\n[profile.release]\r\ndebug = 1\r\n\r\n[profile.fast]\r\ninherits = \"release\"\r\n"
    );
    // What toml_edit renders of an unchanged CRLF file is no change at all.
    let Edit::NoChange { .. } = Edit::new(
        "Cargo.toml".into(),
        Some(old.into()),
        old.replace("\r\n", "\n"),
    ) else {
        panic!("no change");
    };
    // LF files, mostly-LF files and new files get LF.
    let lf = "a = 1\nb = 2\r\nc = 3\n";
    assert_eq!(
        Edit::new("x".into(), Some(lf.into()), "a = 1\nd = 4\n".into()),
        Edit::Modified {
            path: "x".into(),
            old: Some(lf.into()),
            new: "a = 1\nd = 4\n".into()
        }
    );
    assert!(matches!(
        Edit::new("x".into(), None, "a = 1\n".into()),
        Edit::Modified { new, .. } if new == "a = 1\n"
    ));
}

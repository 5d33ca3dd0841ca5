//! Lints on the shipping profile as cargo resolves it: debug info, symbols, LTO without one
//! codegen unit, and strip while BOLT is wanted. Size impacts are measured on the last build.

use std::path::{Path, PathBuf};

use crate::cargo::Project;
use crate::lints::catalogue::{Lint, LintOptions, Severity};
use crate::manifest::effective::{Origin, Resolved};
use crate::ui::format_bytes;
use crate::variant::{Debug, Lto, ProfileSettings, Strip};

pub(super) fn shipping(project: &Project, r: &Resolved, opts: &LintOptions, out: &mut Vec<Lint>) {
    let s = Shipping {
        p: r.typed(),
        r,
        opts,
        name: opts.profile,
        bolt: opts.bin.and_then(|b| b.config.bolt) == Some(true),
        sizes: binary_path(project, opts).and_then(|b| Sizes::read(&b)),
    };
    out.extend(
        [
            s.debuginfo(),
            s.strip_with_bolt(),
            s.unstripped_symbols(),
            s.lto_without_single_codegen_unit(),
        ]
        .into_iter()
        .flatten(),
    );
}

/// The shipping profile as resolved, with what its lints need to say where and how much.
struct Shipping<'a> {
    p: ProfileSettings,
    r: &'a Resolved,
    opts: &'a LintOptions<'a>,
    name: &'a str,
    /// BOLT is wanted for the binary.
    bolt: bool,
    /// The last build's sizes, when there is one.
    sizes: Option<Sizes>,
}

impl Shipping<'_> {
    /// Where `key` was set. Only a value someone wrote down has a place to point at.
    fn at(&self, key: &str) -> Option<String> {
        self.r
            .get(key)
            .filter(|s| !matches!(s.origin, Origin::Default { .. } | Origin::Derived { .. }))
            .map(|s| s.origin.to_string())
    }

    fn debuginfo(&self) -> Option<Lint> {
        let (p, name) = (&self.p, self.name);
        if !matches!(p.debug, Some(Debug::Full | Debug::Limited)) {
            return None;
        }
        let debug = p.debug.map_or("", |d| d.as_str());
        let impact = match &self.sizes {
            Some(s) if s.debug > 0 => format!(
                "; debug info is {} of the {} last built at {} ({:.0}%)",
                format_bytes(s.debug),
                format_bytes(s.file),
                s.path_shown(),
                100.0 * s.debug as f64 / s.file as f64
            ),
            _ => "; build it to measure the size impact".into(),
        };
        Some(Lint {
            id: "debuginfo-in-shipping",
            severity: Severity::Note,
            message: format!("[profile.{name}] builds with debug = \"{debug}\"{impact}"),
            fix: format!(
                "if you need backtraces with file:line only, set debug = \"line-tables-only\" in [profile.{name}]; to keep debug info out of the binary, split-debuginfo = \"packed\""
            ),
            location: self.at("debug"),
        })
    }

    fn strip_with_bolt(&self) -> Option<Lint> {
        let name = self.name;
        if !(self.bolt && self.p.strip == Some(Strip::Symbols)) {
            return None;
        }
        Some(Lint {
            id: "strip-with-bolt",
            severity: Severity::Warning,
            message: format!(
                "[profile.{name}] sets strip = \"symbols\", but BOLT is wanted (bolt = true): BOLT needs the symbol table and relocations"
            ),
            fix: format!(
                "set strip = \"none\" in [profile.{name}] and strip after BOLT (`strip` or `llvm-strip` on the optimised binary)"
            ),
            location: self.at("strip"),
        })
    }

    fn unstripped_symbols(&self) -> Option<Lint> {
        let (p, name) = (&self.p, self.name);
        if self.bolt || p.strip == Some(Strip::Symbols) {
            return None;
        }
        let strip = p.strip.map_or("none", |s| s.as_str());
        let impact = match &self.sizes {
            Some(s) if s.symbols > 0 => format!(
                "; the symbol table is {} of the {} last built at {} ({:.0}%)",
                format_bytes(s.symbols),
                format_bytes(s.file),
                s.path_shown(),
                100.0 * s.symbols as f64 / s.file as f64
            ),
            _ => String::new(),
        };
        Some(Lint {
            id: "unstripped-symbols",
            severity: Severity::Note,
            message: format!("[profile.{name}] keeps symbols (strip = \"{strip}\"){impact}"),
            fix: format!(
                "strip = \"symbols\" in [profile.{name}] (or `cargo tune profile apply balanced`), unless you profile this binary"
            ),
            location: self.at("strip"),
        })
    }

    fn lto_without_single_codegen_unit(&self) -> Option<Lint> {
        let (p, name) = (&self.p, self.name);
        if !matches!(p.lto, Some(Lto::Thin | Lto::Fat)) || p.codegen_units == Some(1) {
            return None;
        }
        let cgu = p.codegen_units.map_or("default".into(), |c| c.to_string());
        Some(Lint {
            id: "lto-without-single-codegen-unit",
            severity: Severity::Note,
            message: format!(
                "[profile.{name}] uses lto = \"{}\" with codegen-units = {cgu}: codegen-units = 1 may gain a little more",
                p.lto.map_or("", |l| l.as_str())
            ),
            // `--profile` is a global option: selecting the profile keeps this hint runnable
            // for any profile name (the `release` row is the profile as configured).
            fix: format!(
                "try codegen-units = 1 in [profile.{name}] and measure: `cargo tune{}{} compare --variants release,+codegen-units=1` \
                 (with workloads in [package.metadata.tune], or the binary's arguments after `--`)",
                self.opts.cargo.selection(),
                if name == "release" {
                    String::new()
                } else {
                    format!(" --profile {name}")
                }
            ),
            location: self.at("lto"),
        })
    }
}

/// Where cargo puts the binary of `profile`: `<target-dir>[/<triple>]/<profile dir>/<bin>`.
fn binary_path(project: &Project, opts: &LintOptions) -> Option<PathBuf> {
    let bin = opts.bin?;
    let dir = match opts.profile {
        "dev" | "test" => "debug",
        "bench" => "release",
        other => other,
    };
    let mut path = project.target_dir.clone();
    if let Some(t) = &opts.cargo.target {
        path.push(t);
    }
    Some(path.join(dir).join(&bin.bin))
}

/// Section sizes of a built ELF binary.
struct Sizes {
    path: PathBuf,
    file: u64,
    debug: u64,
    symbols: u64,
}

impl Sizes {
    /// The binary's size and its debug and symbol bytes, by `measure::size`'s one reading.
    fn read(path: &Path) -> Option<Sizes> {
        let sections = crate::measure::size::section_sizes(path).ok()?;
        Some(Sizes {
            path: path.to_path_buf(),
            file: std::fs::metadata(path).ok()?.len(),
            debug: sections.debug,
            symbols: sections.symbols,
        })
    }

    fn path_shown(&self) -> String {
        crate::manifest::effective::short(&self.path)
    }
}

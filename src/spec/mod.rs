//! The variant-spec grammar, all of it, parsed once into typed values (`Variant`, `Candidate`):
//!
//! | form | example | meaning |
//! |---|---|---|
//! | preset | `production` | a named bundle of settings (`cargo tune profile list`) |
//! | pairs | `lto=fat,codegen-units=1,target-cpu=native` | profile keys, `target-cpu`, `rustflags` |
//! | preset, pairs | `production,target-cpu=native` | a preset with changes |
//! | stages | `X+pgo`, `X+bolt`, `X+pgo+bolt`, `pgo`, `bolt` | profile-guided builds on top of X |
//! | stacked row | `+lto=thin`, `+strip`, `+pgo` | the row above plus one change (`compare`) |
//! | named | `fast=lto=fat,pgo` | any of the above under a name (`--variant`) |
//!
//! `variant` holds the leaves (presets and pairs); this file the stages, rows and names.

#[cfg(test)]
mod tests_table;
mod variant;

use anyhow::{Context, Result, bail};

pub use variant::apply_pairs;

pub(crate) use variant::{parse_variant, preset_on_its_profile};

use crate::variant::{ProfileSettings, Variant};

/// One configuration to build and measure: a plain variant, optionally with PGO and/or BOLT on top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    /// As the user wrote it (`release`, `+lto=thin`, `production+pgo`, `fast`).
    pub name: String,
    /// The configuration's own name, without its stages: `production` for `production+pgo+bolt`
    /// and for `fast=production,pgo`; the base profile for `pgo` alone. PGO and BOLT builds
    /// name their plain input build after it.
    pub config: String,
    /// The configuration without PGO or BOLT (plain stage, `bolt` false).
    pub variant: Variant,
    pub pgo: bool,
    /// BOLT after the link (on the PGO-optimized build when `pgo` is set too).
    pub bolt: bool,
}

/// A configuration and the stages on top of it, parsed from `X`, `X+pgo`, `X+bolt`, `X+pgo+bolt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stages {
    pub variant: Variant,
    pub pgo: bool,
    pub bolt: bool,
}

impl Candidate {
    pub(crate) fn plain(name: impl Into<String>, variant: Variant) -> Candidate {
        let name = name.into();
        Candidate {
            variant: Variant {
                name: name.clone(),
                ..variant
            },
            config: name.clone(),
            name,
            pgo: false,
            bolt: false,
        }
    }

    /// This candidate with BOLT after the link (`production+pgo` → `production+pgo+bolt`).
    pub(crate) fn with_bolt(&self) -> Candidate {
        let name = format!("{}+bolt", self.name);
        Candidate {
            variant: Variant {
                name: name.clone(),
                ..self.variant.clone()
            },
            name,
            bolt: true,
            ..self.clone()
        }
    }

    /// What identifies the build: equal keys share binaries.
    pub(crate) fn key(&self) -> String {
        format!(
            "{}{}{}",
            self.variant.hash(),
            if self.pgo { "+pgo" } else { "" },
            if self.bolt { "+bolt" } else { "" }
        )
    }

    /// "lto=fat, codegen-units=1 + PGO + BOLT".
    pub(crate) fn describe(&self) -> String {
        let mut text = self.variant.describe();
        if self.pgo {
            text.push_str(" + PGO");
        }
        if self.bolt {
            text.push_str(" + BOLT");
        }
        text
    }
}

/// Shorthands allowed after `+` besides `key=value`.
const SHORTHANDS: &[(&str, &str)] = &[
    ("strip", "strip=symbols"),
    ("lto", "lto=fat"),
    ("panic-abort", "panic=abort"),
];

/// Parses `--variants` items (in order; `+x` stacks on the previous item) followed by
/// `--variant name=spec` items.
pub(crate) fn parse_candidates(
    items: &[String],
    named: &[String],
    base_profile: &str,
) -> Result<Vec<Candidate>> {
    let mut out: Vec<Candidate> = Vec::new();
    for item in items.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
        let c = if let Some(step) = item.strip_prefix('+') {
            let prev = out.last().with_context(|| {
                format!("`{item}` adds a change to the row above, but it is the first; start with a preset such as `release`")
            })?;
            stack(prev, step, item)?
        } else if item.contains('=') {
            bail!(
                "`{item}` in --variants is a change without a row: write `+{item}` to add it to the row above, \
                 or give a spec its own name with --variant 'NAME={item},…'"
            );
        } else {
            parse_one(item, item, base_profile)?
        };
        out.push(c);
    }
    for text in named {
        let (name, spec) = split_named(text);
        if name != spec {
            refuse_shadowing(text, name, spec, base_profile)?;
        }
        let parsed = parse_one(name, spec, base_profile);
        let c = match parsed {
            Ok(c) => c,
            // Say how the text was read: `foo=1` is a name and a spec, and the spec is the problem.
            Err(e) if name != spec => {
                let known = e.to_string().starts_with("unknown variant");
                let why = if known {
                    format!(
                        "`{spec}` is neither a preset ({}) nor a `key=value` spec",
                        crate::presets::names()
                    )
                } else {
                    format!("{e:#}")
                };
                bail!(
                    "--variant `{text}` was read as NAME=SPEC (name `{name}`, spec `{spec}`), and {why}; \
                     write it like --variant 'fast=lto=fat,codegen-units=1' or --variant 'fast=production,pgo'"
                );
            }
            Err(e) => return Err(e.context(format!("in --variant `{text}`"))),
        };
        out.push(c);
    }
    if out.is_empty() {
        bail!("no variants given; name at least one, e.g. --variants release,production");
    }
    let mut seen = std::collections::HashSet::new();
    for c in &out {
        if !seen.insert(c.name.as_str()) {
            bail!(
                "two variants are called `{}`; give one another name with --variant 'NAME=SPEC'",
                c.name
            );
        }
    }
    Ok(out)
}

/// A `NAME=SPEC` whose name already means a configuration (a preset, the base profile, `pgo`,
/// `production+pgo`) would be measured as one thing and labelled as another.
fn refuse_shadowing(text: &str, name: &str, spec: &str, base_profile: &str) -> Result<()> {
    let what = if name == base_profile {
        format!("the base profile (`--profile {base_profile}`), which the baseline is built from")
    } else if parse_stages(name, base_profile).is_ok() {
        match crate::presets::find(name) {
            Some(p) => format!("the preset `{name}` ({})", p.spec),
            None => format!("a variant of its own (`--variants {name}`)"),
        }
    } else {
        return Ok(());
    };
    bail!(
        "--variant `{text}`: `{name}` is {what}, so a variant of that name would be labelled as \
         something it is not; give it another name, e.g. --variant 'my-{name}={spec}'"
    )
}

/// The name a `--variant` item gives its variant (`fast=lto=fat` → `fast`; a bare spec names
/// itself).
pub(crate) fn variant_name(text: &str) -> &str {
    split_named(text).0
}

/// `fast=lto=fat,pgo` → ("fast", "lto=fat,pgo"); `lto=thin` (a bare spec) names itself.
fn split_named(text: &str) -> (&str, &str) {
    match text.split_once('=') {
        // A name has no comma: `production,target-cpu=native` is a preset with a change.
        Some((name, spec)) if !is_spec_key(name.trim()) && !name.contains(',') => {
            (name.trim(), spec.trim())
        }
        _ => (text.trim(), text.trim()),
    }
}

fn is_spec_key(k: &str) -> bool {
    ProfileSettings::is_key(k) || k == "target-cpu" || k == "rustflags"
}

/// A preset, a spec, `pgo`/`bolt`, `<preset>+pgo+bolt`, or a spec with `pgo`/`bolt` items.
fn parse_one(name: &str, spec: &str, base_profile: &str) -> Result<Candidate> {
    let stages = parse_stages(spec, base_profile)?;
    Ok(Candidate {
        name: name.to_string(),
        config: stages.variant.name.clone(),
        variant: Variant {
            name: name.to_string(),
            ..stages.variant
        },
        pgo: stages.pgo,
        bolt: stages.bolt,
    })
}

/// Parses a configuration with its stages: `production`, `production+pgo`, `pgo+bolt`,
/// `lto=fat,codegen-units=1,pgo,bolt`. The variant is named after the configuration alone
/// (`production+pgo+bolt` → `production`; `pgo` → the base profile).
pub(crate) fn parse_stages(text: &str, base_profile: &str) -> Result<Stages> {
    let (spec, pgo, bolt) = split_stages(text.trim())?;
    let variant = if spec.is_empty() {
        // `pgo` / `bolt` alone: on the base profile as it is.
        Variant::new(base_profile, base_profile)
    } else {
        parse_variant(&spec, base_profile).map_err(|e| {
            anyhow::anyhow!(
                "{e:#}; a variant may also be `pgo`, `bolt`, `<preset>+pgo`, `<preset>+pgo+bolt`, \
                 or a `+key=value` step after another one"
            )
        })?
    };
    Ok(Stages { variant, pgo, bolt })
}

/// Splits trailing `+pgo` / `+bolt` (or `pgo` / `bolt` list items) off a spec.
fn split_stages(spec: &str) -> Result<(String, bool, bool)> {
    let (mut pgo, mut bolt) = (false, false);
    let mut head = spec;
    loop {
        if let Some(h) = head.strip_suffix("+bolt") {
            if pgo {
                bail!(
                    "`{spec}`: PGO happens while compiling and BOLT after linking, so BOLT comes last: \
                     write `…+pgo+bolt`"
                );
            }
            (head, bolt) = (h, true);
        } else if let Some(h) = head.strip_suffix("+pgo") {
            (head, pgo) = (h, true);
        } else {
            break;
        }
    }
    let mut rest = Vec::new();
    for part in head.split(',').map(str::trim) {
        match part {
            "pgo" | "pgo=true" => pgo = true,
            "bolt" | "bolt=true" => bolt = true,
            _ => rest.push(part),
        }
    }
    Ok((rest.join(","), pgo, bolt))
}

/// The row above plus one change.
fn stack(prev: &Candidate, step: &str, name: &str) -> Result<Candidate> {
    let mut c = prev.clone();
    c.name = name.to_string();
    c.variant.name = name.to_string();
    if step == "pgo" {
        c.pgo = true;
        return Ok(c);
    }
    if step == "bolt" {
        c.bolt = true;
        return Ok(c);
    }
    let change = SHORTHANDS
        .iter()
        .find(|(s, _)| *s == step)
        .map_or(step, |(_, full)| *full);
    if !change.contains('=') {
        let shorthands: Vec<_> = SHORTHANDS
            .iter()
            .map(|(s, f)| format!("{s} ({f})"))
            .collect();
        bail!(
            "`+{step}` is not a change; write `+key=value`, `+pgo`, `+bolt`, or one of: {}",
            shorthands.join(", ")
        );
    }
    apply_pairs(&mut c.variant, change).with_context(|| format!("in `+{step}`"))?;
    Ok(c)
}

/// The set measured when none is given: the baseline, the two-line recommendation,
/// the classic shipping profile, and PGO on the baseline (when PGO can run).
pub(crate) fn default_candidates(base_profile: &str, with_pgo: bool) -> Vec<Candidate> {
    let mut names = vec!["release", "balanced", "production"];
    if with_pgo {
        names.push("pgo");
    }
    names
        .into_iter()
        .map(|n| parse_one(n, n, base_profile).expect("built-in names parse"))
        .collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_name_that_already_means_a_configuration_is_refused() {
        let err = |named: &str, base: &str| {
            format!(
                "{:#}",
                parse_candidates(&[], &[named.into()], base).unwrap_err()
            )
        };
        let e = err("release=lto=fat", "release");
        assert!(
            e.contains("`release` is the base profile") && e.contains("'my-release=lto=fat'"),
            "{e}"
        );
        let e = err("production=lto=thin", "release");
        assert!(
            e.contains("the preset `production` (") && e.contains("labelled"),
            "{e}"
        );
        let e = err("pgo=lto=fat", "release");
        assert!(e.contains("a variant of its own"), "{e}");
        let e = err("mine=lto=fat", "mine");
        assert!(e.contains("the base profile (`--profile mine`)"), "{e}");
        // A bare preset or spec names itself, and other names are free.
        for ok in [
            "production",
            "lto=thin",
            "fast=release,lto=fat",
            "copy=release",
        ] {
            parse_candidates(&[], &[ok.into()], "release").unwrap();
        }
    }

    #[test]
    fn a_named_variant_with_a_bad_spec_says_how_it_was_read() {
        let e = parse_candidates(&[], &["foo=1".into()], "release")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("read as NAME=SPEC (name `foo`, spec `1`)"),
            "{e}"
        );
        assert!(e.contains("`1` is neither a preset ("), "{e}");
        assert!(
            e.contains("--variant 'fast=lto=fat,codegen-units=1'"),
            "{e}"
        );
        let e = parse_candidates(&[], &["foo=lto=maybe".into()], "release")
            .unwrap_err()
            .to_string();
        assert!(e.contains("spec `lto=maybe`") && e.contains("maybe"), "{e}");
    }

    use super::*;
    use crate::variant::{Lto, Strip};

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn stacked_rows_accumulate() {
        let c = parse_candidates(
            &s(&["release", "+strip", "+lto=thin", "+codegen-units=1", "+pgo"]),
            &[],
            "release",
        )
        .unwrap();
        assert_eq!(c.len(), 5);
        assert_eq!(c[1].variant.settings.strip, Some(Strip::Symbols));
        assert_eq!(c[3].variant.settings.lto, Some(Lto::Thin));
        assert_eq!(c[3].variant.settings.codegen_units, Some(1));
        assert!(!c[3].pgo && c[4].pgo);
        assert_eq!(c[4].variant.settings, c[3].variant.settings);
        assert_eq!(c[4].name, "+pgo");
    }

    #[test]
    fn pgo_forms_and_named_specs() {
        let c = parse_candidates(
            &s(&["pgo", "production+pgo"]),
            &s(&["fast=lto=fat,codegen-units=1,pgo", "lto=thin"]),
            "release",
        )
        .unwrap();
        assert!(c[0].pgo && c[0].variant.settings.is_empty());
        assert!(c[1].pgo && c[1].variant.settings.lto == Some(Lto::Fat));
        assert_eq!((c[2].name.as_str(), c[2].pgo), ("fast", true));
        assert_eq!(c[3].name, "lto=thin");
        assert_eq!(c[3].variant.settings.lto, Some(Lto::Thin));
    }

    #[test]
    fn bolt_forms_parse_into_stages() {
        let c = parse_candidates(
            &s(&[
                "release",
                "+bolt",
                "pgo+bolt",
                "production+pgo+bolt",
                "bolt",
            ]),
            &s(&["fast=lto=fat,pgo,bolt"]),
            "release",
        )
        .unwrap();
        assert!(!c[0].bolt && c[1].bolt && !c[1].pgo);
        assert_eq!(c[1].variant.settings, c[0].variant.settings);
        assert!(c[2].pgo && c[2].bolt && c[2].variant.settings.is_empty());
        assert!(c[3].pgo && c[3].bolt);
        assert_eq!(c[3].variant.settings.lto, Some(Lto::Fat));
        assert!(c[4].bolt && !c[4].pgo);
        assert!(c[5].pgo && c[5].bolt && c[5].variant.settings.lto == Some(Lto::Fat));
        assert_ne!(c[0].key(), c[1].key());
        assert_ne!(c[1].key(), c[2].key());
        assert!(
            !c[3].variant.bolt,
            "the candidate's variant stays the plain configuration"
        );
        assert_eq!(
            c[3].describe(),
            format!("{} + PGO + BOLT", c[3].variant.describe())
        );

        let b = c[0].with_bolt();
        assert_eq!(
            (b.name.as_str(), b.bolt, b.key()),
            ("release+bolt", true, c[1].key())
        );

        let st = parse_stages("production+pgo+bolt", "release").unwrap();
        assert_eq!(
            (st.pgo, st.bolt, st.variant.name.as_str()),
            (true, true, "production")
        );
        let e = format!(
            "{:#}",
            parse_stages("production+bolt+pgo", "release").unwrap_err()
        );
        assert!(e.contains("+pgo+bolt"), "{e}");
    }

    #[test]
    fn mistakes_are_explained() {
        let e = format!(
            "{:#}",
            parse_candidates(&s(&["+strip"]), &[], "release").unwrap_err()
        );
        assert!(e.contains("first"), "{e}");
        let e = format!(
            "{:#}",
            parse_candidates(&s(&["release", "+fast"]), &[], "release").unwrap_err()
        );
        assert!(e.contains("+key=value"), "{e}");
        let e = format!(
            "{:#}",
            parse_candidates(&s(&["speedy"]), &[], "release").unwrap_err()
        );
        assert!(e.contains("valid presets") && e.contains("pgo"), "{e}");
        let e = format!(
            "{:#}",
            parse_candidates(&s(&["release", "release"]), &[], "release").unwrap_err()
        );
        assert!(e.contains("two variants"), "{e}");
    }

    #[test]
    fn keys_share_builds() {
        let c = parse_candidates(&s(&["release"]), &s(&["copy=release"]), "release").unwrap();
        assert_eq!(c[0].key(), c[1].key());
    }

    #[test]
    fn more_mistakes_are_explained() {
        let err = |items: &[&str], named: &[&str]| {
            format!(
                "{:#}",
                parse_candidates(&s(items), &s(named), "release").unwrap_err()
            )
        };
        let e = err(&["release", "lto=thin"], &[]);
        assert!(e.contains("+lto=thin") && e.contains("--variant"), "{e}");
        let e = err(&["prodution"], &[]);
        assert!(e.contains("did you mean `production`"), "{e}");
        let e = err(&[], &["x=codegen_units=1"]);
        assert!(e.contains("did you mean `codegen-units`"), "{e}");
        let e = err(&[" ", ""], &[]);
        assert!(e.contains("no variants"), "{e}");
    }

    #[test]
    fn parse_variant_forms() {
        let v = parse_variant("production", "release").unwrap();
        assert_eq!(v.settings.codegen_units, Some(1));
        let v = parse_variant("production,target-cpu=native", "release").unwrap();
        assert_eq!(v.target_cpu.as_deref(), Some("native"));
        assert_eq!(v.name, "production,target-cpu=native");
        let v = parse_variant("lto=thin", "bench").unwrap();
        assert_eq!(v.base_profile, "bench");
        let e = parse_variant("production+pgo+bolt", "release")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("cargo tune bolt --variant production+pgo`"),
            "{e}"
        );
        let e = parse_variant("fastest", "release").unwrap_err().to_string();
        assert!(e.contains("production") && e.contains("min-size"), "{e}");
    }

    #[test]
    fn spec_sets_keys_and_flags() {
        let mut v = Variant::new("x", "release");
        apply_pairs(
            &mut v,
            "lto=fat, codegen-units=1,panic=abort,target-cpu=native,opt-level=s",
        )
        .unwrap();
        assert_eq!(v.settings.lto, Some(crate::variant::Lto::Fat));
        assert_eq!(v.settings.codegen_units, Some(1));
        assert_eq!(v.settings.panic, Some(crate::variant::Panic::Abort));
        assert_eq!(v.settings.opt_level, Some(crate::variant::OptLevel::S));
        assert_eq!(v.added_rustflags(), vec!["-Ctarget-cpu=native"]);
    }

    #[test]
    fn bad_keys_and_values_list_valid_ones() {
        let mut v = Variant::new("x", "release");
        let e = format!("{:#}", apply_pairs(&mut v, "lto=medium").unwrap_err());
        assert!(e.contains("off, thin, fat"), "{e}");
        let e = format!("{:#}", apply_pairs(&mut v, "optlevel=3").unwrap_err());
        assert!(e.contains("opt-level") && e.contains("target-cpu"), "{e}");
        let e = format!("{:#}", apply_pairs(&mut v, "codegen-units=0").unwrap_err());
        assert!(e.contains("positive integer"), "{e}");
    }
}

#[cfg(test)]
mod config_name_tests {
    use super::*;

    #[test]
    fn a_candidate_carries_its_configuration_s_name() {
        let names = |specs: &[&str]| -> Vec<String> {
            let specs: Vec<String> = specs.iter().map(|s| s.to_string()).collect();
            parse_candidates(&specs, &[], "release")
                .unwrap()
                .into_iter()
                .map(|c| c.config)
                .collect()
        };
        assert_eq!(
            names(&["pgo", "production+pgo", "production+pgo+bolt", "balanced"]),
            ["release", "production", "production", "balanced"]
        );
        let named: Vec<String> = parse_candidates(&[], &["fast=production,pgo".into()], "release")
            .unwrap()
            .into_iter()
            .map(|c| c.config)
            .collect();
        assert_eq!(named, ["production"]);
    }
}

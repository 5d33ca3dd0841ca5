//! The leaves of the variant-spec grammar: a preset name, `key=value,…` pairs, or a preset
//! followed by pairs (`production,target-cpu=native`).

use anyhow::{Context, Result, bail};

use crate::presets::{Preset, find};
use crate::variant::{ProfileSettings, Variant};

/// A preset's settings applied on top of `base_profile`.
pub(crate) fn preset_variant(p: &Preset, base_profile: &str) -> Variant {
    let mut v = Variant::new(p.name, base_profile);
    apply_pairs(&mut v, p.spec).expect("preset specs are valid");
    v
}

/// A preset as a variant built on its own `inherits` profile.
pub(crate) fn preset_on_its_profile(p: &Preset) -> Variant {
    preset_variant(p, p.inherits)
}

/// Applies `key=value,key=value` on top of `variant`: the profile keys, `target-cpu=` and
/// `rustflags=` (space separated).
pub fn apply_pairs(variant: &mut Variant, spec: &str) -> Result<()> {
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            bail!(
                "`{part}` is not `key=value`; valid keys: {}, target-cpu, rustflags",
                ProfileSettings::key_list()
            );
        };
        let (key, value) = (key.trim(), value.trim());
        match key {
            "target-cpu" => {
                if value.is_empty() {
                    bail!("`target-cpu` needs a CPU name, e.g. native or x86-64-v3");
                }
                variant.target_cpu = Some(value.to_string());
            }
            "rustflags" => variant
                .rustflags
                .extend(value.split_whitespace().map(String::from)),
            _ => variant.settings.set(key, value).with_context(|| {
                if ProfileSettings::is_key(key) {
                    format!("in variant spec `{spec}`")
                } else {
                    format!("in variant spec `{spec}` (also accepted: target-cpu, rustflags)")
                }
            })?,
        }
    }
    Ok(())
}

/// Parses a variant as users write it on the command line: a preset name,
/// a `key=value,…` spec, or a preset followed by a spec (`production,target-cpu=native`).
pub(crate) fn parse_variant(text: &str, base_profile: &str) -> Result<Variant> {
    let text = text.trim();
    if text.is_empty() {
        bail!(
            "empty variant; give a preset ({}) or a spec like `lto=thin,codegen-units=1`",
            crate::presets::names()
        );
    }
    if let Some((head, stage)) = text
        .rsplit_once('+')
        .filter(|(_, s)| matches!(*s, "pgo" | "bolt"))
    {
        // A stage needs workloads and a pipeline, not a profile setting. (`bolt --variant`
        // takes `X+pgo` itself, so the head is kept whole.)
        bail!(
            "`{text}` is a configuration with a {} stage, which needs workloads: run `cargo tune {stage} \
             --variant {head}`, or measure it with `cargo tune compare --variants {text}`",
            stage.to_uppercase()
        );
    }
    let (head, rest) = match text.split_once(',') {
        Some((h, r)) => (h.trim(), r),
        None => (text, ""),
    };
    let mut variant = if head.contains('=') {
        let mut v = Variant::new(text, base_profile);
        apply_pairs(&mut v, text)?;
        return Ok(v);
    } else if let Some(p) = find(head) {
        preset_variant(
            p,
            if p.inherits == "dev" {
                "dev"
            } else {
                base_profile
            },
        )
    } else {
        let hint = crate::ui::did_you_mean(head, crate::presets::PRESETS.iter().map(|p| p.name));
        bail!(
            "unknown variant `{head}`{hint}; valid presets: {}; or a spec like `lto=thin,codegen-units=1`",
            crate::presets::names()
        );
    };
    apply_pairs(&mut variant, rest)?;
    variant.name = text.to_string();
    Ok(variant)
}

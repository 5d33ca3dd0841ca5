//! The preset table: named, well-known profile configurations (data, not code paths).

use anyhow::{Result, bail};

use crate::variant::Variant;

/// One established profile configuration.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    pub name: &'static str,
    /// The cargo profile it starts from (`inherits`).
    pub inherits: &'static str,
    /// What it sets, as a variant spec (profile keys plus `target-cpu`).
    pub spec: &'static str,
    /// What it is for, in one line.
    pub about: &'static str,
}

pub const PRESETS: &[Preset] = &[
    Preset {
        name: "release",
        inherits: "release",
        spec: "",
        about: "the release profile exactly as configured (the usual baseline)",
    },
    Preset {
        name: "production",
        inherits: "release",
        spec: "opt-level=3,lto=fat,codegen-units=1,strip=symbols,panic=abort",
        about: "the classic shipping profile: fastest portable code, small binary, slow to build",
    },
    Preset {
        name: "fast-runtime",
        inherits: "release",
        spec: "opt-level=3,lto=fat,codegen-units=1,strip=symbols,panic=abort,target-cpu=x86-64-v3",
        about: "production for CPUs since ~2015 (AVX2, x86-64-v3); use target-cpu=native only for this machine",
    },
    Preset {
        name: "balanced",
        inherits: "release",
        spec: "lto=thin,strip=symbols",
        about: "the two-line recommendation: most of LTO's gain at a fraction of its build time",
    },
    Preset {
        name: "min-size",
        inherits: "release",
        spec: "opt-level=z,lto=fat,codegen-units=1,strip=symbols,panic=abort",
        about: "smallest binary (embedded, downloads, containers); usually slower",
    },
    Preset {
        name: "profiling",
        inherits: "release",
        spec: "debug=full,strip=none",
        about: "release code with full debug info, for perf, flamegraph and BOLT",
    },
    Preset {
        name: "dev-fast",
        inherits: "dev",
        spec: "opt-level=1",
        about: "a development build that runs much faster than dev and still compiles quickly",
    },
    Preset {
        name: "fast-compile",
        inherits: "dev",
        spec: "debug=line-tables-only",
        about: "quickest edit-compile cycle: dev with debug info reduced to line tables",
    },
];

pub fn find(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

pub fn names() -> String {
    PRESETS
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Preset {
    /// The preset as a variant built on its own `inherits` profile.
    pub fn variant(&self) -> Variant {
        self.variant_on(self.inherits)
    }

    /// The preset's settings applied on top of `base_profile`.
    pub fn variant_on(&self, base_profile: &str) -> Variant {
        let mut v = Variant::new(self.name, base_profile);
        v.apply_spec(self.spec).expect("preset specs are valid");
        v
    }
}

/// Parses a variant as users write it on the command line: a preset name,
/// a `key=value,…` spec, or a preset followed by a spec (`production,target-cpu=native`).
pub fn parse_variant(text: &str, base_profile: &str) -> Result<Variant> {
    let text = text.trim();
    if text.is_empty() {
        bail!(
            "empty variant; give a preset ({}) or a spec like `lto=thin,codegen-units=1`",
            names()
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
        v.apply_spec(text)?;
        return Ok(v);
    } else if let Some(p) = find(head) {
        p.variant_on(if p.inherits == "dev" {
            "dev"
        } else {
            base_profile
        })
    } else {
        let hint = crate::ui::did_you_mean(head, PRESETS.iter().map(|p| p.name));
        bail!(
            "unknown variant `{head}`{hint}; valid presets: {}; or a spec like `lto=thin,codegen-units=1`",
            names()
        );
    };
    variant.apply_spec(rest)?;
    variant.name = text.to_string();
    Ok(variant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_spec_parses() {
        for p in PRESETS {
            let mut v = Variant::new(p.name, p.inherits);
            v.apply_spec(p.spec)
                .unwrap_or_else(|e| panic!("{}: {e:#}", p.name));
        }
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
}

//! `Variant`: one build configuration (profile overrides, rustflags, PGO stage, BOLT input), its
//! spec syntax and stable hash.

mod settings;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[cfg(test)]
pub(crate) use settings::OptLevel;
pub(crate) use settings::{Debug, Lto, Panic, ProfileSettings, SettingValue, Strip};

/// Linker flag that keeps relocations in the output, so BOLT can move code (`-q`).
pub(crate) const EMIT_RELOCS: &str = "-Clink-arg=-Wl,--emit-relocs";

/// Which build of the PGO (and later BOLT) pipeline a variant is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Stage {
    #[default]
    Plain,
    /// Built with `-Cprofile-generate=<dir>`.
    PgoInstrumented { profile_dir: PathBuf },
    /// Built with `-Cprofile-use=<file>`; the file is named by its content hash.
    PgoOptimized { profdata: PathBuf },
}

/// One build configuration of the user's binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Variant {
    /// Display name (`release`, `+lto=thin`, `production+pgo`…); not part of the hash.
    pub name: String,
    /// Cargo profile the build uses and overrides (`release` unless `--profile`).
    pub base_profile: String,
    pub settings: ProfileSettings,
    /// `-Ctarget-cpu=` value, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_cpu: Option<String>,
    /// Further rustflags, added after the user's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rustflags: Vec<String>,
    #[serde(default)]
    pub stage: Stage,
    /// A BOLT input: linked with `--emit-relocs` and never stripped by cargo (the variant's
    /// `strip` is applied after BOLT, since stripping drops what BOLT needs).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bolt: bool,
}

impl Variant {
    pub fn new(name: impl Into<String>, base_profile: impl Into<String>) -> Variant {
        Variant {
            name: name.into(),
            base_profile: base_profile.into(),
            settings: ProfileSettings::default(),
            target_cpu: None,
            rustflags: Vec::new(),
            stage: Stage::Plain,
            bolt: false,
        }
    }

    /// The rustflags this variant adds to the user's own, in order.
    pub fn added_rustflags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        if let Some(cpu) = &self.target_cpu {
            flags.push(format!("-Ctarget-cpu={cpu}"));
        }
        flags.extend(self.rustflags.iter().cloned());
        if self.bolt {
            flags.push(EMIT_RELOCS.into());
        }
        match &self.stage {
            Stage::Plain => {}
            Stage::PgoInstrumented { profile_dir } => {
                flags.push(format!("-Cprofile-generate={}", profile_dir.display()));
            }
            Stage::PgoOptimized { profdata } => {
                flags.push(format!("-Cprofile-use={}", profdata.display()));
                flags.push("-Cllvm-args=-pgo-warn-missing-function".into());
            }
        }
        flags
    }

    /// The profile settings cargo builds with: a BOLT input keeps its symbols (`strip = "none"`).
    pub fn cargo_settings(&self) -> ProfileSettings {
        let mut settings = self.settings.clone();
        if self.bolt {
            settings.strip = Some(Strip::None);
        }
        settings
    }

    /// A short, stable hash of everything that changes the produced binary
    /// (the display name is excluded, so equal configurations share one build).
    pub fn hash(&self) -> String {
        self.hash_with(self.added_rustflags())
    }

    /// The name of this variant's target dir: like `hash`, except that the profiles of one
    /// folder share one dir (a new profile rebuilds it in place instead of leaving a full target
    /// dir behind per profile). Profiles in other folders — a held-out fold's, a saved one — get
    /// dirs of their own, so their builds and the usual one stay side by side.
    pub fn dir_key(&self) -> String {
        match &self.stage {
            Stage::PgoOptimized { profdata } => {
                let plain = Variant {
                    stage: Stage::Plain,
                    ..self.clone()
                };
                let mut flags = plain.added_rustflags();
                flags.push("-Cprofile-use".into());
                if let Some(folder) = profdata.parent() {
                    flags.push(folder.display().to_string());
                }
                self.hash_with(flags)
            }
            _ => self.hash(),
        }
    }

    fn hash_with(&self, rustflags: Vec<String>) -> String {
        let mut key = BTreeMap::new();
        key.insert("base", self.base_profile.clone());
        for (k, v) in self.cargo_settings().entries() {
            key.insert(k, v.toml());
        }
        key.insert("rustflags", rustflags.join("\u{1f}"));
        let text = serde_json::to_string(&key).expect("map of strings serializes");
        let digest = Sha256::digest(text.as_bytes());
        digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    /// The spec that rebuilds this variant's settings with `spec::apply_pairs` (`lto=thin,target-cpu=…`).
    pub fn spec(&self) -> String {
        let mut parts: Vec<String> = self
            .settings
            .entries()
            .iter()
            .map(|(k, v)| format!("{k}={}", v.env()))
            .collect();
        if let Some(cpu) = &self.target_cpu {
            parts.push(format!("target-cpu={cpu}"));
        }
        if !self.rustflags.is_empty() {
            parts.push(format!("rustflags={}", self.rustflags.join(" ")));
        }
        parts.join(",")
    }

    /// One-line description of what this variant changes, for tables and logs.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .settings
            .entries()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if let Some(cpu) = &self.target_cpu {
            parts.push(format!("target-cpu={cpu}"));
        }
        if !self.rustflags.is_empty() {
            parts.push(format!("rustflags={}", self.rustflags.join(" ")));
        }
        match &self.stage {
            Stage::Plain => {}
            Stage::PgoInstrumented { .. } => parts.push("pgo-instrumented".into()),
            Stage::PgoOptimized { .. } => parts.push("pgo".into()),
        }
        if self.bolt {
            parts.push("bolt".into());
        }
        if parts.is_empty() {
            format!("{} as configured", self.base_profile)
        } else {
            parts.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_ignores_name_but_not_settings() {
        let mut a = Variant::new("a", "release");
        let mut b = Variant::new("b", "release");
        assert_eq!(a.hash(), b.hash());
        a.settings.lto = Some(Lto::Thin);
        assert_ne!(a.hash(), b.hash());
        b.settings.lto = Some(Lto::Thin);
        assert_eq!(a.hash(), b.hash());
        assert_ne!(
            a.hash(),
            Variant {
                base_profile: "bench".into(),
                ..a.clone()
            }
            .hash()
        );
    }

    #[test]
    fn optimized_builds_share_a_dir_across_profiles() {
        let mut a = Variant::new("a", "release");
        a.stage = Stage::PgoOptimized {
            profdata: "/p/1.profdata".into(),
        };
        let mut b = a.clone();
        b.stage = Stage::PgoOptimized {
            profdata: "/p/2.profdata".into(),
        };
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.dir_key(), b.dir_key());
        assert_ne!(a.dir_key(), Variant::new("a", "release").dir_key());
        // A held-out fold's profile lives in a folder of its own, and so does its build.
        let mut fold = a.clone();
        fold.stage = Stage::PgoOptimized {
            profdata: "/p/fold-x/3.profdata".into(),
        };
        assert_ne!(a.dir_key(), fold.dir_key());
    }

    #[test]
    fn bolt_input_keeps_relocations_and_symbols() {
        let mut v = Variant::new("x", "release");
        v.settings.strip = Some(Strip::Symbols);
        let plain = v.hash();
        v.bolt = true;
        assert_ne!(v.hash(), plain);
        assert!(v.added_rustflags().contains(&EMIT_RELOCS.to_string()));
        assert_eq!(v.cargo_settings().strip, Some(Strip::None));
        assert_eq!(v.settings.strip, Some(Strip::Symbols));
        assert!(v.describe().ends_with("bolt"), "{}", v.describe());
    }

    #[test]
    fn env_overrides_use_cargo_names() {
        let mut v = Variant::new("x", "my-prof");
        v.settings.opt_level = Some(OptLevel::O3);
        v.settings.lto = Some(Lto::Off);
        v.settings.strip = Some(Strip::Symbols);
        let env = v.settings.env_overrides(&v.base_profile);
        assert!(env.contains(&("CARGO_PROFILE_MY_PROF_OPT_LEVEL".into(), "3".into())));
        assert!(env.contains(&("CARGO_PROFILE_MY_PROF_LTO".into(), "off".into())));
        assert!(env.contains(&("CARGO_PROFILE_MY_PROF_STRIP".into(), "symbols".into())));
    }
}

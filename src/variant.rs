//! `Variant`: one build configuration (profile overrides, rustflags, PGO stage), its spec syntax and stable hash.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Settings of a cargo `[profile.*]` table that a variant may override.
/// `None` means "whatever the base profile says".
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ProfileSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opt_level: Option<OptLevel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lto: Option<Lto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codegen_units: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub panic: Option<Panic>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strip: Option<Strip>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debug: Option<Debug>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debug_assertions: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overflow_checks: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incremental: Option<bool>,
}

/// A profile key's value as cargo spells it in TOML and in `CARGO_PROFILE_*` variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingValue {
    Str(String),
    Int(i64),
    Bool(bool),
}

impl SettingValue {
    /// The value as a TOML literal (`"fat"`, `3`, `true`).
    pub fn toml(&self) -> String {
        match self {
            SettingValue::Str(s) => format!("{s:?}"),
            SettingValue::Int(i) => i.to_string(),
            SettingValue::Bool(b) => b.to_string(),
        }
    }

    /// The value as an environment variable carries it (`fat`, `3`, `true`).
    pub fn env(&self) -> String {
        match self {
            SettingValue::Str(s) => s.clone(),
            SettingValue::Int(i) => i.to_string(),
            SettingValue::Bool(b) => b.to_string(),
        }
    }
}

impl fmt::Display for SettingValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.env())
    }
}

macro_rules! keyword_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = anyhow::Error;
            fn from_str(s: &str) -> Result<Self> {
                let s = s.trim().trim_matches('"');
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let valid: Vec<_> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    anyhow::anyhow!("invalid value `{s}`; valid values: {}", valid.join(", "))
                })
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

keyword_enum!(
    /// `opt-level`; cargo writes the numeric levels as integers.
    OptLevel { O0 = "0", O1 = "1", O2 = "2", O3 = "3", S = "s", Z = "z" }
);
keyword_enum!(
    /// `lto`: `false` is cargo's default (thin LTO local to the crate), `off` disables it
    /// entirely, `true` is spelled `fat`.
    Lto { False = "false", Off = "off", Thin = "thin", Fat = "fat" }
);
keyword_enum!(Panic { Unwind = "unwind", Abort = "abort" });
keyword_enum!(Strip { None = "none", Debuginfo = "debuginfo", Symbols = "symbols" });
keyword_enum!(
    /// `debug`; the numeric forms 0/1/2 map to none/limited/full.
    Debug { None = "none", LineTablesOnly = "line-tables-only", Limited = "limited", Full = "full" }
);

impl OptLevel {
    fn value(self) -> SettingValue {
        match self {
            OptLevel::S | OptLevel::Z => SettingValue::Str(self.as_str().into()),
            _ => SettingValue::Int(self.as_str().parse().unwrap_or(3)),
        }
    }
}

impl ProfileSettings {
    /// Every key a spec, preset or profile may set, with its valid values.
    pub const KEYS: &'static [(&'static str, &'static str)] = &[
        ("opt-level", "0, 1, 2, 3, s, z"),
        ("lto", "false, off, thin, fat (true = fat)"),
        ("codegen-units", "a positive integer"),
        ("panic", "unwind, abort"),
        ("strip", "none, debuginfo, symbols (also false/true)"),
        (
            "debug",
            "none, line-tables-only, limited, full (also 0/1/2, false/true)",
        ),
        ("debug-assertions", "true, false"),
        ("overflow-checks", "true, false"),
        ("incremental", "true, false"),
    ];

    /// Settings in cargo's key order, as (key, value) pairs; unset keys are skipped.
    pub fn entries(&self) -> Vec<(&'static str, SettingValue)> {
        let mut out = Vec::new();
        if let Some(v) = self.opt_level {
            out.push(("opt-level", v.value()));
        }
        if let Some(v) = self.debug {
            out.push(("debug", SettingValue::Str(v.as_str().into())));
        }
        if let Some(v) = self.strip {
            out.push(("strip", SettingValue::Str(v.as_str().into())));
        }
        if let Some(v) = self.debug_assertions {
            out.push(("debug-assertions", SettingValue::Bool(v)));
        }
        if let Some(v) = self.overflow_checks {
            out.push(("overflow-checks", SettingValue::Bool(v)));
        }
        if let Some(v) = self.lto {
            let v = match v {
                Lto::False => SettingValue::Bool(false),
                other => SettingValue::Str(other.as_str().into()),
            };
            out.push(("lto", v));
        }
        if let Some(v) = self.panic {
            out.push(("panic", SettingValue::Str(v.as_str().into())));
        }
        if let Some(v) = self.incremental {
            out.push(("incremental", SettingValue::Bool(v)));
        }
        if let Some(v) = self.codegen_units {
            out.push(("codegen-units", SettingValue::Int(v.into())));
        }
        out
    }

    /// Sets one key from its textual value (as in a spec or a TOML literal).
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let v = value.trim().trim_matches('"');
        let bad =
            |valid: &str| anyhow::anyhow!("invalid value `{v}` for `{key}`; valid values: {valid}");
        match key {
            "opt-level" => self.opt_level = Some(v.parse().map_err(|_| bad("0, 1, 2, 3, s, z"))?),
            "lto" => {
                self.lto = Some(match v {
                    "false" | "no" => Lto::False,
                    "off" => Lto::Off,
                    "true" | "yes" | "fat" => Lto::Fat,
                    "thin" => Lto::Thin,
                    _ => return Err(bad("false, off, thin, fat (true = fat)")),
                })
            }
            "codegen-units" => {
                let n: u32 = v.parse().map_err(|_| bad("a positive integer"))?;
                if n == 0 {
                    return Err(bad("a positive integer"));
                }
                self.codegen_units = Some(n);
            }
            "panic" => self.panic = Some(v.parse().map_err(|_| bad("unwind, abort"))?),
            "strip" => {
                self.strip = Some(match v {
                    "false" => Strip::None,
                    "true" => Strip::Symbols,
                    _ => v
                        .parse()
                        .map_err(|_| bad("none, debuginfo, symbols (also false/true)"))?,
                })
            }
            "debug" => {
                self.debug = Some(match v {
                    "false" | "0" => Debug::None,
                    "1" => Debug::Limited,
                    "true" | "2" => Debug::Full,
                    _ => v.parse().map_err(|_| {
                        bad("none, line-tables-only, limited, full (also 0/1/2, false/true)")
                    })?,
                })
            }
            "debug-assertions" => {
                self.debug_assertions = Some(parse_bool(v).ok_or_else(|| bad("true, false"))?)
            }
            "overflow-checks" => {
                self.overflow_checks = Some(parse_bool(v).ok_or_else(|| bad("true, false"))?)
            }
            "incremental" => {
                self.incremental = Some(parse_bool(v).ok_or_else(|| bad("true, false"))?)
            }
            _ => bail!(
                "unknown profile key `{key}`; valid keys: {}",
                Self::key_list()
            ),
        }
        Ok(())
    }

    pub fn key_list() -> String {
        Self::KEYS
            .iter()
            .map(|(k, _)| *k)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `other`'s set keys win over ours.
    pub fn merged(&self, other: &ProfileSettings) -> ProfileSettings {
        ProfileSettings {
            opt_level: other.opt_level.or(self.opt_level),
            lto: other.lto.or(self.lto),
            codegen_units: other.codegen_units.or(self.codegen_units),
            panic: other.panic.or(self.panic),
            strip: other.strip.or(self.strip),
            debug: other.debug.or(self.debug),
            debug_assertions: other.debug_assertions.or(self.debug_assertions),
            overflow_checks: other.overflow_checks.or(self.overflow_checks),
            incremental: other.incremental.or(self.incremental),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }

    /// `CARGO_PROFILE_<NAME>_<KEY>` variables that apply these settings to `profile`
    /// without touching any file.
    pub fn env_overrides(&self, profile: &str) -> Vec<(String, String)> {
        let name = profile.to_uppercase().replace('-', "_");
        self.entries()
            .into_iter()
            .map(|(k, v)| {
                (
                    format!(
                        "CARGO_PROFILE_{name}_{}",
                        k.to_uppercase().replace('-', "_")
                    ),
                    v.env(),
                )
            })
            .collect()
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "true" | "yes" | "on" => Some(true),
        "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

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
        }
    }

    /// Applies a spec `key=value,key=value` on top of this variant.
    /// Besides the profile keys it accepts `target-cpu=` and `rustflags=` (space separated).
    pub fn apply_spec(&mut self, spec: &str) -> Result<()> {
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
                    self.target_cpu = Some(value.to_string());
                }
                "rustflags" => self
                    .rustflags
                    .extend(value.split_whitespace().map(String::from)),
                _ => self.settings.set(key, value).with_context(|| {
                    if ProfileSettings::KEYS.iter().any(|(k, _)| *k == key) {
                        format!("in variant spec `{spec}`")
                    } else {
                        format!("in variant spec `{spec}` (also accepted: target-cpu, rustflags)")
                    }
                })?,
            }
        }
        Ok(())
    }

    /// The rustflags this variant adds to the user's own, in order.
    pub fn added_rustflags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        if let Some(cpu) = &self.target_cpu {
            flags.push(format!("-Ctarget-cpu={cpu}"));
        }
        flags.extend(self.rustflags.iter().cloned());
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

    /// A short, stable hash of everything that changes the produced binary
    /// (the display name is excluded, so equal configurations share one build).
    pub fn hash(&self) -> String {
        self.hash_with(self.added_rustflags())
    }

    /// The name of this variant's target dir: like `hash`, except that every profile a
    /// PGO-optimized build is given shares one dir (a new profile rebuilds it in place
    /// instead of leaving a full target dir behind per profile).
    pub fn dir_key(&self) -> String {
        match &self.stage {
            Stage::PgoOptimized { .. } => {
                let plain = Variant {
                    stage: Stage::Plain,
                    ..self.clone()
                };
                let mut flags = plain.added_rustflags();
                flags.push("-Cprofile-use".into());
                self.hash_with(flags)
            }
            _ => self.hash(),
        }
    }

    fn hash_with(&self, rustflags: Vec<String>) -> String {
        let mut key = BTreeMap::new();
        key.insert("base", self.base_profile.clone());
        for (k, v) in self.settings.entries() {
            key.insert(k, v.toml());
        }
        key.insert("rustflags", rustflags.join("\u{1f}"));
        let text = serde_json::to_string(&key).expect("map of strings serializes");
        let digest = Sha256::digest(text.as_bytes());
        digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
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
    fn spec_sets_keys_and_flags() {
        let mut v = Variant::new("x", "release");
        v.apply_spec("lto=fat, codegen-units=1,panic=abort,target-cpu=native,opt-level=s")
            .unwrap();
        assert_eq!(v.settings.lto, Some(Lto::Fat));
        assert_eq!(v.settings.codegen_units, Some(1));
        assert_eq!(v.settings.panic, Some(Panic::Abort));
        assert_eq!(v.settings.opt_level, Some(OptLevel::S));
        assert_eq!(v.added_rustflags(), vec!["-Ctarget-cpu=native"]);
    }

    #[test]
    fn bad_keys_and_values_list_valid_ones() {
        let mut v = Variant::new("x", "release");
        let e = format!("{:#}", v.apply_spec("lto=medium").unwrap_err());
        assert!(e.contains("off, thin, fat"), "{e}");
        let e = format!("{:#}", v.apply_spec("optlevel=3").unwrap_err());
        assert!(e.contains("opt-level") && e.contains("target-cpu"), "{e}");
        let e = format!("{:#}", v.apply_spec("codegen-units=0").unwrap_err());
        assert!(e.contains("positive integer"), "{e}");
    }

    #[test]
    fn hash_ignores_name_but_not_settings() {
        let mut a = Variant::new("a", "release");
        let mut b = Variant::new("b", "release");
        assert_eq!(a.hash(), b.hash());
        a.apply_spec("lto=thin").unwrap();
        assert_ne!(a.hash(), b.hash());
        b.apply_spec("lto=thin").unwrap();
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
    }

    #[test]
    fn env_overrides_use_cargo_names() {
        let mut v = Variant::new("x", "my-prof");
        v.apply_spec("opt-level=3,lto=off,strip=true").unwrap();
        let env = v.settings.env_overrides(&v.base_profile);
        assert!(env.contains(&("CARGO_PROFILE_MY_PROF_OPT_LEVEL".into(), "3".into())));
        assert!(env.contains(&("CARGO_PROFILE_MY_PROF_LTO".into(), "off".into())));
        assert!(env.contains(&("CARGO_PROFILE_MY_PROF_STRIP".into(), "symbols".into())));
    }
}

//! Profile settings a variant may override: typed keys with cargo's spellings, parsing from
//! specs and TOML literals, and the `CARGO_PROFILE_<NAME>_*` variables that apply them.

use std::fmt;
use std::str::FromStr;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

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
            _ => {
                let keys = Self::KEYS
                    .iter()
                    .map(|(k, _)| *k)
                    .chain(["target-cpu", "rustflags"]);
                let hint = crate::ui::did_you_mean(key, keys);
                bail!(
                    "unknown profile key `{key}`{hint}; valid keys: {}",
                    Self::key_list()
                )
            }
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

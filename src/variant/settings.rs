//! Profile settings a variant may override: typed keys with cargo's spellings, parsing from
//! specs and TOML literals, and the `CARGO_PROFILE_<NAME>_*` variables that apply them.

use std::fmt;
use std::str::FromStr;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

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

/// A type a profile key holds: how it is spelled, parsed and written.
trait KeyValue: Sized + Copy {
    /// Its valid values, for messages and `--help`.
    const VALID: &'static str;
    fn parse(v: &str) -> Option<Self>;
    fn value(self) -> SettingValue;
}

impl KeyValue for OptLevel {
    const VALID: &'static str = "0, 1, 2, 3, s, z";
    fn parse(v: &str) -> Option<Self> {
        v.parse().ok()
    }
    fn value(self) -> SettingValue {
        match self {
            OptLevel::S | OptLevel::Z => SettingValue::Str(self.as_str().into()),
            _ => SettingValue::Int(self.as_str().parse().unwrap_or(3)),
        }
    }
}

impl KeyValue for Lto {
    const VALID: &'static str = "false, off, thin, fat (true = fat)";
    fn parse(v: &str) -> Option<Self> {
        Some(match v {
            "false" | "no" => Lto::False,
            "off" => Lto::Off,
            "true" | "yes" | "fat" => Lto::Fat,
            "thin" => Lto::Thin,
            _ => return None,
        })
    }
    fn value(self) -> SettingValue {
        match self {
            Lto::False => SettingValue::Bool(false),
            other => SettingValue::Str(other.as_str().into()),
        }
    }
}

impl KeyValue for Panic {
    const VALID: &'static str = "unwind, abort";
    fn parse(v: &str) -> Option<Self> {
        v.parse().ok()
    }
    fn value(self) -> SettingValue {
        SettingValue::Str(self.as_str().into())
    }
}

impl KeyValue for Strip {
    const VALID: &'static str = "none, debuginfo, symbols (also false/true)";
    fn parse(v: &str) -> Option<Self> {
        match v {
            "false" => Some(Strip::None),
            "true" => Some(Strip::Symbols),
            _ => v.parse().ok(),
        }
    }
    fn value(self) -> SettingValue {
        SettingValue::Str(self.as_str().into())
    }
}

impl KeyValue for Debug {
    const VALID: &'static str = "none, line-tables-only, limited, full (also 0/1/2, false/true)";
    fn parse(v: &str) -> Option<Self> {
        match v {
            "false" | "0" => Some(Debug::None),
            "1" => Some(Debug::Limited),
            "true" | "2" => Some(Debug::Full),
            _ => v.parse().ok(),
        }
    }
    fn value(self) -> SettingValue {
        SettingValue::Str(self.as_str().into())
    }
}

/// `codegen-units`: a positive integer.
impl KeyValue for u32 {
    const VALID: &'static str = "a positive integer";
    fn parse(v: &str) -> Option<Self> {
        v.parse().ok().filter(|&n| n > 0)
    }
    fn value(self) -> SettingValue {
        SettingValue::Int(self.into())
    }
}

impl KeyValue for bool {
    const VALID: &'static str = "true, false";
    fn parse(v: &str) -> Option<Self> {
        parse_bool(v)
    }
    fn value(self) -> SettingValue {
        SettingValue::Bool(self)
    }
}

/// One profile key of the table.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    /// As cargo spells it (`opt-level`).
    pub name: &'static str,
    pub valid: &'static str,
    /// Cargo's defaults in `dev` and `release` (cargo reference, "Default profiles").
    pub dev: &'static str,
    pub release: &'static str,
    /// Its place in cargo's documentation, the order profile tables are written in.
    cargo_rank: u8,
}

/// Declares the profile keys a variant may set: one row per key (its field, type, spelling, place
/// in cargo's order and cargo's defaults) gives the struct, the table `KEYS`, and reading,
/// setting and merging. A new key is one row here.
macro_rules! profile_keys {
    ($($field:ident: $ty:ty = $key:literal, cargo $rank:literal, dev $dev:literal, release $rel:literal;)+) => {
        /// Settings of a cargo `[profile.*]` table that a variant may override.
        /// `None` means "whatever the base profile says".
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub struct ProfileSettings {
            $(
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )+
        }

        impl ProfileSettings {
            /// Every key a spec, preset or profile may set, with its valid values.
            pub const KEYS: &'static [Key] = &[$(Key {
                name: $key,
                valid: <$ty as KeyValue>::VALID,
                dev: $dev,
                release: $rel,
                cargo_rank: $rank,
            }),+];

            /// The value of `key`, when set.
            fn get(&self, key: &str) -> Option<SettingValue> {
                match key {
                    $($key => self.$field.map(KeyValue::value),)+
                    _ => None,
                }
            }

            /// Sets `key` from its text; `None` when no such key exists.
            fn set_text(&mut self, key: &str, v: &str) -> Option<Result<()>> {
                match key {
                    $($key => Some(match <$ty as KeyValue>::parse(v) {
                        Some(x) => {
                            self.$field = Some(x);
                            Ok(())
                        }
                        None => Err(anyhow::anyhow!(
                            "invalid value `{v}` for `{key}`; valid values: {}",
                            <$ty as KeyValue>::VALID
                        )),
                    }),)+
                    _ => None,
                }
            }

            /// `other`'s set keys win over ours.
            pub fn merged(&self, other: &ProfileSettings) -> ProfileSettings {
                ProfileSettings {
                    $($field: other.$field.or(self.$field),)+
                }
            }
        }
    };
}

profile_keys! {
    opt_level: OptLevel = "opt-level", cargo 0, dev "0", release "3";
    lto: Lto = "lto", cargo 5, dev "false", release "false";
    codegen_units: u32 = "codegen-units", cargo 8, dev "256", release "16";
    panic: Panic = "panic", cargo 6, dev "unwind", release "unwind";
    strip: Strip = "strip", cargo 2, dev "none", release "none";
    debug: Debug = "debug", cargo 1, dev "full", release "none";
    debug_assertions: bool = "debug-assertions", cargo 3, dev "true", release "false";
    overflow_checks: bool = "overflow-checks", cargo 4, dev "true", release "false";
    incremental: bool = "incremental", cargo 7, dev "true", release "false";
}

impl ProfileSettings {
    /// The keys in cargo's order.
    pub fn cargo_order() -> Vec<&'static Key> {
        let mut keys: Vec<&Key> = Self::KEYS.iter().collect();
        keys.sort_by_key(|k| k.cargo_rank);
        keys
    }

    /// Whether `key` is one of the typed profile keys.
    pub fn is_key(key: &str) -> bool {
        Self::KEYS.iter().any(|k| k.name == key)
    }

    /// Settings in cargo's key order, as (key, value) pairs; unset keys are skipped.
    pub fn entries(&self) -> Vec<(&'static str, SettingValue)> {
        Self::cargo_order()
            .into_iter()
            .filter_map(|k| Some((k.name, self.get(k.name)?)))
            .collect()
    }

    /// Sets one key from its textual value (as in a spec or a TOML literal).
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let v = value.trim().trim_matches('"');
        if let Some(done) = self.set_text(key, v) {
            return done;
        }
        let keys = Self::KEYS
            .iter()
            .map(|k| k.name)
            .chain(["target-cpu", "rustflags"]);
        let hint = crate::ui::did_you_mean(key, keys);
        bail!(
            "unknown profile key `{key}`{hint}; valid keys: {}",
            Self::key_list()
        )
    }

    pub fn key_list() -> String {
        Self::KEYS
            .iter()
            .map(|k| k.name)
            .collect::<Vec<_>>()
            .join(", ")
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

#[cfg(test)]
mod key_table_tests {
    use super::*;

    #[test]
    fn every_key_is_one_row_that_round_trips() {
        let mut ranks: Vec<u8> = ProfileSettings::KEYS.iter().map(|k| k.cargo_rank).collect();
        ranks.sort_unstable();
        assert_eq!(
            ranks,
            (0..ProfileSettings::KEYS.len() as u8).collect::<Vec<_>>()
        );
        for k in ProfileSettings::KEYS {
            for default in [k.dev, k.release] {
                let mut p = ProfileSettings::default();
                p.set(k.name, default).unwrap();
                let (name, value) = p.entries().remove(0);
                assert_eq!(name, k.name);
                // The value reads back as itself, through the env spelling and the TOML one.
                let mut again = ProfileSettings::default();
                again.set(k.name, &value.env()).unwrap();
                assert_eq!(again, p, "{}", k.name);
                again.set(k.name, &value.toml()).unwrap();
                assert_eq!(again, p, "{}", k.name);
            }
            let e = ProfileSettings::default().set(k.name, "bogus").unwrap_err();
            assert!(e.to_string().contains(k.valid), "{e}");
        }
        let merged = ProfileSettings {
            lto: Some(Lto::Thin),
            ..Default::default()
        }
        .merged(&ProfileSettings {
            codegen_units: Some(1),
            ..Default::default()
        });
        assert_eq!(
            (merged.lto, merged.codegen_units),
            (Some(Lto::Thin), Some(1))
        );
    }
}

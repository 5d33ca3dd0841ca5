//! Resolved profiles as values: each key's value and where it came from, cargo's built-in
//! defaults, and the rules cargo applies on top (derived `strip`, `panic` in tests).

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;
use toml_edit::Value;

use crate::variant::{ProfileSettings, SettingValue};

/// The profiles cargo defines itself; `test` and `bench` inherit `dev` and `release`.
pub(crate) const BUILT_IN: &[&str] = &["dev", "release", "test", "bench"];

/// Keys besides the typed ones that `show` reports when a file sets them.
pub(crate) const OTHER_KEYS: &[&str] = &["rpath", "split-debuginfo", "trim-paths"];

/// Cargo's defaults for `dev` and `release` (cargo reference, "Default profiles"), in cargo's
/// order: the typed keys' from their table, then `rpath`.
pub(crate) fn defaults(root: &str) -> Vec<(&'static str, &'static str)> {
    ProfileSettings::cargo_order()
        .into_iter()
        .map(|k| (k.name, if root == "dev" { k.dev } else { k.release }))
        .chain([("rpath", "false")])
        .collect()
}

/// Where a resolved value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub(crate) enum Origin {
    /// Cargo's built-in default of `dev` or `release`.
    Default {
        profile: String,
    },
    /// Cargo derives it from other settings.
    Derived {
        why: String,
    },
    Manifest {
        path: PathBuf,
        profile: String,
    },
    Config {
        path: PathBuf,
        profile: String,
    },
    Env {
        var: String,
    },
    Preset {
        name: String,
    },
    /// The user's rustflags (config files or environment).
    Rustflags {
        from: String,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default { profile } => write!(f, "cargo's default for {profile}"),
            Origin::Derived { why } => f.write_str(why),
            Origin::Manifest { path, profile } | Origin::Config { path, profile } => {
                write!(f, "{} [profile.{profile}]", short(path))
            }
            Origin::Env { var } => write!(f, "environment {var}"),
            Origin::Preset { name } => write!(f, "preset {name}"),
            Origin::Rustflags { from } => f.write_str(from),
        }
    }
}

/// A path relative to the working directory when it is below it.
pub(crate) fn short(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

/// One resolved key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Setting {
    pub key: String,
    /// The value as a TOML literal, normalised (`lto = true` reads as `"fat"`).
    pub value: String,
    pub origin: Origin,
}

/// A profile (or preset) as cargo will build it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Resolved {
    /// `production`, or `preset production`.
    pub name: String,
    /// From the profile itself down to `dev`/`release`.
    pub chain: Vec<String>,
    pub settings: Vec<Setting>,
    /// `-Ctarget-cpu`, which lives in rustflags rather than in the profile.
    pub target_cpu: Option<Setting>,
}

impl Resolved {
    pub(crate) fn get(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().find(|s| s.key == key)
    }

    /// The typed keys, for lints and comparisons.
    pub(crate) fn typed(&self) -> ProfileSettings {
        let mut p = ProfileSettings::default();
        for s in &self.settings {
            // Values were normalised through `ProfileSettings::set` already.
            let _ = p.set(&s.key, &s.value);
        }
        p
    }

    /// Every key with its value, `target-cpu` included, for diffs.
    pub(crate) fn rows(&self) -> Vec<(&str, &str, &Origin)> {
        let mut rows: Vec<_> = self
            .settings
            .iter()
            .map(|s| (s.key.as_str(), s.value.as_str(), &s.origin))
            .collect();
        if let Some(t) = &self.target_cpu {
            rows.push((t.key.as_str(), t.value.as_str(), &t.origin));
        }
        rows
    }
}

pub(crate) struct Entry {
    pub key: String,
    pub value: SettingValue,
    pub origin: Origin,
}

/// A TOML scalar as text (strings unquoted).
pub(crate) fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.value().clone()),
        Value::Integer(i) => Some(i.value().to_string()),
        Value::Boolean(b) => Some(b.value().to_string()),
        Value::Float(f) => Some(f.value().to_string()),
        _ => None,
    }
}

/// The canonical value of a profile key, `None` for keys `show` does not report.
pub(crate) fn known(key: &str, raw: &str) -> Result<Option<SettingValue>> {
    if ProfileSettings::is_key(key) {
        normalise(key, raw).map(Some)
    } else if OTHER_KEYS.contains(&key) {
        Ok(Some(match raw {
            "true" => SettingValue::Bool(true),
            "false" => SettingValue::Bool(false),
            _ => SettingValue::Str(raw.to_string()),
        }))
    } else {
        Ok(None)
    }
}

/// A typed key's value in the one spelling `ProfileSettings::entries` uses.
pub(crate) fn normalise(key: &str, raw: &str) -> Result<SettingValue> {
    let mut p = ProfileSettings::default();
    p.set(key, raw)?;
    Ok(p.entries()
        .into_iter()
        .next()
        .map(|(_, v)| v)
        .expect("a key that was just set is listed"))
}

/// Folds entries (later wins), applies cargo's derived rules, orders keys like cargo's docs.
pub(crate) fn finish(name: String, chain: Vec<String>, entries: Vec<Entry>) -> Resolved {
    let mut settings: Vec<Setting> = Vec::new();
    for e in entries {
        let s = Setting {
            key: e.key,
            value: e.value.toml(),
            origin: e.origin,
        };
        match settings.iter_mut().find(|x| x.key == s.key) {
            Some(slot) => *slot = s,
            None => settings.push(s),
        }
    }
    let debug_off = settings
        .iter()
        .any(|s| s.key == "debug" && s.value == "\"none\"");
    if let Some(strip) = settings.iter_mut().find(|s| s.key == "strip")
        && debug_off
        && matches!(strip.origin, Origin::Default { .. })
    {
        strip.value = "\"debuginfo\"".into();
        strip.origin = Origin::Derived {
            why: "cargo strips debug info when `debug` is off and `strip` is unset".into(),
        };
    }
    if matches!(chain.first().map(String::as_str), Some("test" | "bench"))
        && let Some(panic) = settings.iter_mut().find(|s| s.key == "panic")
    {
        panic.value = "\"unwind\"".into();
        panic.origin = Origin::Derived {
            why: "cargo always uses panic = \"unwind\" for tests and benchmarks".into(),
        };
    }
    let order = |k: &str| {
        ProfileSettings::KEYS
            .iter()
            .map(|key| key.name)
            .chain(OTHER_KEYS.iter().copied())
            .position(|x| x == k)
            .unwrap_or(usize::MAX)
    };
    settings.sort_by_key(|s| order(&s.key));
    Resolved {
        name,
        chain,
        settings,
        target_cpu: None,
    }
}

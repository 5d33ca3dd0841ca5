//! Edits one `[profile.NAME]` table in place: existing values keep their spelling, comments and
//! position; only keys whose meaning changes are touched.

use anyhow::{Result, bail};
use serde::Serialize;
use toml_edit::{DocumentMut, InlineTable, Item, Table, Value};

use crate::manifest::effective::{normalise, value_text};
use crate::variant::SettingValue;

/// What a profile table should say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ProfileWrite {
    /// `inherits = "…"`; `None` for built-in profiles, which cannot inherit.
    pub inherits: Option<String>,
    pub settings: Vec<(&'static str, SettingValue)>,
    pub mode: WriteMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WriteMode {
    /// The table becomes exactly `inherits` + `settings`: other value keys are removed.
    Replace,
    /// Only `settings` are set; the table's other keys stay (writing into the base profile itself).
    Merge,
}

/// One key whose value changes (`None` = absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct KeyChange {
    pub key: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The effect of a `ProfileWrite` on a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ProfileChange {
    /// Whether `[profile.NAME]` existed before.
    pub existed: bool,
    pub changes: Vec<KeyChange>,
}

impl ProfileChange {
    pub(crate) fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// `lto = "thin" → "fat"`, one per line, for messages.
    pub(crate) fn describe(&self) -> String {
        self.changes
            .iter()
            .map(|c| {
                let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(unset)".into());
                format!("{} = {} → {}", c.key, show(&c.old), show(&c.new))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Makes `[profile.<name>]` in `doc` say what `w` says.
pub(super) fn write_profile(
    doc: &mut DocumentMut,
    name: &str,
    w: &ProfileWrite,
) -> Result<ProfileChange> {
    let end = max_position(doc.as_table()) + 1;
    let root = doc.as_table_mut();
    if !root.contains_key("profile") {
        let mut t = Table::new();
        t.set_implicit(true);
        root.insert("profile", Item::Table(t));
    }
    let profiles = root.get_mut("profile").expect("just ensured");
    let existed = profiles.get(name).is_some();
    if !existed && w.inherits.is_none() && w.settings.is_empty() {
        // Nothing to say: do not leave an empty `[profile.release]` behind.
        if profiles.as_table_like().is_some_and(|t| t.is_empty()) {
            root.remove("profile");
        }
        return Ok(ProfileChange {
            existed,
            changes: Vec::new(),
        });
    }
    if !existed {
        add_profile(profiles, name, end)?;
    }
    let mut slot = match profiles.get_mut(name).expect("exists now") {
        Item::Table(t) => Slot::Table(t),
        Item::Value(Value::InlineTable(t)) => Slot::Inline(t),
        _ => bail!("`profile.{name}` in the manifest is not a table"),
    };
    let wanted = wanted(w);
    let mut changes = Vec::new();
    if w.mode == WriteMode::Replace {
        changes.extend(remove_unwanted(&mut slot, &wanted));
    }
    changes.extend(set_wanted(&mut slot, wanted));
    Ok(ProfileChange { existed, changes })
}

/// Adds an empty `[profile.<name>]` to `profiles`; `end` is the position after every table.
fn add_profile(profiles: &mut Item, name: &str, end: isize) -> Result<()> {
    match profiles {
        Item::Table(t) => {
            let mut new = Table::new();
            // A `profile.release.lto = true` dotted key lives in the root table; a new
            // `[profile.x]` header placed next to it would land above `[package]`.
            if t.is_dotted() {
                new.set_position(Some(end));
            }
            t.insert(name, Item::Table(new));
        }
        Item::Value(Value::InlineTable(t)) => {
            insert_inline(t, name, Value::InlineTable(InlineTable::new()));
        }
        _ => bail!("`profile` in the manifest is not a table; cannot add [profile.{name}]"),
    }
    Ok(())
}

/// The keys the table should hold: `inherits` first, then the settings.
fn wanted(w: &ProfileWrite) -> Vec<(&'static str, SettingValue)> {
    let mut wanted: Vec<(&str, SettingValue)> = Vec::new();
    if let Some(i) = &w.inherits {
        wanted.push(("inherits", SettingValue::Str(i.clone())));
    }
    wanted.extend(w.settings.iter().map(|(k, v)| (*k, v.clone())));
    wanted
}

/// Removes the value keys that are not wanted (replace mode).
fn remove_unwanted(slot: &mut Slot, wanted: &[(&str, SettingValue)]) -> Vec<KeyChange> {
    let stale: Vec<String> = slot
        .value_keys()
        .into_iter()
        .filter(|k| !wanted.iter().any(|(w, _)| w == k))
        .collect();
    let mut changes = Vec::new();
    for key in stale {
        let old = slot.get(&key).map(literal);
        slot.remove(&key);
        changes.push(KeyChange {
            key,
            old,
            new: None,
        });
    }
    changes
}

/// Sets each wanted key whose current value means something else.
fn set_wanted(slot: &mut Slot, wanted: Vec<(&str, SettingValue)>) -> Vec<KeyChange> {
    let mut changes = Vec::new();
    for (key, value) in wanted {
        let current = slot.get(key);
        if current.is_some_and(|c| same(key, c, &value)) {
            continue;
        }
        let old = current.map(literal);
        slot.set(key, to_value(&value));
        changes.push(KeyChange {
            key: key.to_string(),
            old,
            new: Some(value.toml()),
        });
    }
    changes
}

/// Cargo's rules for profile names (`validate_profile_name` in cargo).
pub(crate) fn validate_profile_name(name: &str) -> Result<()> {
    if name.is_empty() {
        bail!("the profile name must not be empty");
    }
    if let Some(c) = name
        .chars()
        .find(|c| !c.is_alphanumeric() && *c != '_' && *c != '-')
    {
        bail!("invalid character `{c}` in profile name `{name}`: use letters, digits, `-` and `_`");
    }
    let lower = name.to_lowercase();
    if lower == "debug" {
        bail!("profile name `debug` is reserved; the development profile is called `dev`");
    }
    const RESERVED: &[&str] = &[
        "build-override",
        "build",
        "check",
        "clean",
        "config",
        "fetch",
        "fix",
        "install",
        "metadata",
        "package",
        "publish",
        "report",
        "root",
        "run",
        "rust",
        "rustc",
        "rustdoc",
        "target",
        "tmp",
        "uninstall",
        "doc",
    ];
    if RESERVED.contains(&lower.as_str()) || lower.starts_with("cargo") {
        bail!("profile name `{name}` is reserved by cargo; choose another with --name");
    }
    Ok(())
}

/// Whether an existing value means the same as the wanted one (`lto = true` is `"fat"`).
fn same(key: &str, current: &Value, wanted: &SettingValue) -> bool {
    let Some(text) = value_text(current) else {
        return false;
    };
    if key == "inherits" {
        return SettingValue::Str(text) == *wanted;
    }
    normalise(key, &text).is_ok_and(|v| v == *wanted)
}

/// A value as TOML, without its comments and spacing.
fn literal(v: &Value) -> String {
    let mut v = v.clone();
    v.decor_mut().clear();
    v.to_string()
}

fn to_value(v: &SettingValue) -> Value {
    match v {
        SettingValue::Str(s) => Value::from(s.as_str()),
        SettingValue::Int(i) => Value::from(*i),
        SettingValue::Bool(b) => Value::from(*b),
    }
}

/// The highest table position in the document, so a new table can go after everything.
fn max_position(t: &Table) -> isize {
    t.iter()
        .filter_map(|(_, item)| item.as_table())
        .map(|sub| sub.position().unwrap_or(0).max(max_position(sub)))
        .max()
        .unwrap_or(0)
}

/// Appends to an inline table without leaving `true , x = 1` spacing behind.
fn insert_inline(t: &mut InlineTable, key: &str, mut value: Value) {
    let last_suffix = t.iter_mut().last().and_then(|(_, v)| {
        let s = v
            .decor()
            .suffix()
            .and_then(|s| s.as_str())
            .map(String::from);
        v.decor_mut().set_suffix("");
        s
    });
    value.decor_mut().set_prefix(" ");
    value
        .decor_mut()
        .set_suffix(last_suffix.unwrap_or_else(|| " ".into()));
    t.insert(key, value);
}

/// A profile table, whichever way the manifest spells it.
enum Slot<'a> {
    Table(&'a mut Table),
    Inline(&'a mut InlineTable),
}

impl Slot<'_> {
    fn value_keys(&self) -> Vec<String> {
        match self {
            Slot::Table(t) => t
                .iter()
                .filter(|(_, v)| v.is_value() && !v.is_inline_table())
                .map(|(k, _)| k.to_string())
                .collect(),
            Slot::Inline(t) => t
                .iter()
                .filter(|(_, v)| !v.is_inline_table())
                .map(|(k, _)| k.to_string())
                .collect(),
        }
    }

    fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Slot::Table(t) => t.get(key).and_then(Item::as_value),
            Slot::Inline(t) => t.get(key),
        }
    }

    fn remove(&mut self, key: &str) {
        match self {
            Slot::Table(t) => {
                t.remove(key);
            }
            Slot::Inline(t) => {
                t.remove(key);
            }
        }
    }

    /// Replaces a value keeping its decoration (a trailing `# comment` stays), or appends the key.
    fn set(&mut self, key: &str, mut value: Value) {
        let existing = match self {
            Slot::Table(t) => t.get_mut(key).and_then(Item::as_value_mut),
            Slot::Inline(t) => t.get_mut(key),
        };
        if let Some(old) = existing {
            *value.decor_mut() = old.decor().clone();
            *old = value;
            return;
        }
        match self {
            Slot::Table(t) => {
                t.insert(key, Item::Value(value));
            }
            Slot::Inline(t) => insert_inline(t, key, value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_follow_cargo() {
        for ok in ["production", "fast_runtime", "min-size2"] {
            validate_profile_name(ok).unwrap();
        }
        for bad in ["", "debug", "Debug", "doc", "cargo-x", "a.b", "+lto=thin"] {
            assert!(validate_profile_name(bad).is_err(), "{bad}");
        }
    }
}

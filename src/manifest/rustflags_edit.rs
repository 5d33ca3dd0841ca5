//! Edits rustflags in a `.cargo/config.toml`: sets `-Ctarget-cpu` (replacing an existing one where it
//! is, never adding a second) and appends other flags, keeping the user's flags and formatting.

use anyhow::{Result, bail};
use serde::Serialize;
use toml_edit::{Array, DocumentMut, Item, Table, Value};

use crate::cargo::rustflags::cfg_matches;

/// The flags a variant needs in the config file.
#[derive(Debug, Clone, Default)]
pub(crate) struct FlagsWrite {
    /// The host triple: new flags go under `[target.<host>]`.
    pub host: String,
    /// `rustc --print cfg` for the host, to recognise `[target.'cfg(..)']` tables that apply.
    pub cfg: Vec<String>,
    pub target_cpu: Option<String>,
    /// Further flags, added when not present.
    pub extra: Vec<String>,
    /// Flags from `[build] rustflags` that are in effect: cargo ignores them as soon as any
    /// `[target]` rustflags apply, so a new `[target.<host>]` list starts with them.
    pub build_flags_in_effect: Vec<String>,
}

/// What changed in the config document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct FlagsChange {
    /// The table the flags were written to, as `[target.x86_64-unknown-linux-gnu]`.
    pub table: Option<String>,
    /// The `-Ctarget-cpu` value that was replaced.
    pub replaced_cpu: Option<String>,
    pub added: Vec<String>,
    /// `[build]` flags copied into the new `[target]` list so they stay in effect.
    pub carried_over: Vec<String>,
}

impl FlagsChange {
    pub(crate) fn is_empty(&self) -> bool {
        self.replaced_cpu.is_none() && self.added.is_empty()
    }
}

/// Where a rustflags value is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    Target(String),
    Build,
}

impl Place {
    fn label(&self) -> String {
        match self {
            Place::Target(k) if k.starts_with("cfg(") => format!("[target.'{k}']"),
            Place::Target(k) => format!("[target.{k}]"),
            Place::Build => "[build]".into(),
        }
    }
}

pub(crate) fn write_rustflags(doc: &mut DocumentMut, w: &FlagsWrite) -> Result<FlagsChange> {
    let mut change = FlagsChange::default();
    let target_places: Vec<Place> = doc
        .get("target")
        .and_then(Item::as_table_like)
        .map(|t| {
            t.iter()
                .filter(|(k, v)| {
                    (*k == w.host || (k.starts_with("cfg(") && cfg_matches(k, &w.cfg)))
                        && v.get("rustflags").is_some()
                })
                .map(|(k, _)| Place::Target(k.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let host_place = Place::Target(w.host.clone());

    if let Some(cpu) = &w.target_cpu {
        let flag = format!("-Ctarget-cpu={cpu}");
        let mut candidates = target_places.clone();
        candidates.sort_by_key(|p| *p != host_place);
        if target_places.is_empty() {
            candidates.push(Place::Build);
        }
        let mut done = false;
        for place in &candidates {
            let Some(flags) = rustflags_mut(doc, place) else {
                continue;
            };
            if let Some(old) = replace_cpu(flags, cpu)? {
                if old != *cpu {
                    change.replaced_cpu = Some(old);
                    change.table = Some(place.label());
                }
                done = true;
                break;
            }
        }
        if !done {
            add_flags(doc, &host_place, &[flag], w, &mut change)?;
        }
    }
    let present = all_flags(doc, &host_place);
    let missing: Vec<String> = w
        .extra
        .iter()
        .filter(|f| !present.contains(f))
        .cloned()
        .collect();
    if !missing.is_empty() {
        add_flags(doc, &host_place, &missing, w, &mut change)?;
        // Carried-over `[build]` flags may hold the CPU that was just replaced there.
        if let (Some(cpu), Some(list)) = (&w.target_cpu, rustflags_mut(doc, &host_place)) {
            replace_cpu(list, cpu)?;
        }
    }
    Ok(change)
}

/// Appends flags to `[target.<host>] rustflags`, creating it (seeded with `[build]` flags) if needed.
fn add_flags(
    doc: &mut DocumentMut,
    place: &Place,
    flags: &[String],
    w: &FlagsWrite,
    change: &mut FlagsChange,
) -> Result<()> {
    let Place::Target(triple) = place else {
        unreachable!("new flags always go to the host table")
    };
    if rustflags_mut(doc, place).is_none() {
        let root = doc.as_table_mut();
        let target = root.entry("target").or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        });
        let Some(target) = target.as_table_like_mut() else {
            bail!("`target` in the cargo config is not a table");
        };
        if target.get(triple).is_none() {
            target.insert(triple, Item::Table(Table::new()));
        }
        let Some(host) = target.get_mut(triple).and_then(Item::as_table_like_mut) else {
            bail!("`target.{triple}` in the cargo config is not a table");
        };
        let mut seed = Array::new();
        for f in &w.build_flags_in_effect {
            seed.push(f.as_str());
        }
        change.carried_over = w.build_flags_in_effect.clone();
        host.insert("rustflags", Item::Value(Value::Array(seed)));
    }
    let list = rustflags_mut(doc, place).expect("exists now");
    match list {
        Value::Array(a) => {
            for f in flags {
                push_like_neighbours(a, f);
            }
        }
        Value::String(s) => {
            let mut text = s.value().clone();
            for f in flags {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(f);
            }
            let decor = s.decor().clone();
            *list = Value::from(text);
            *list.decor_mut() = decor;
        }
        _ => bail!("`rustflags` in {} is not a list or a string", place.label()),
    }
    change.table = Some(place.label());
    change.added.extend(flags.iter().cloned());
    Ok(())
}

/// Pushes onto an array in the layout it already has (one per line, or inline).
fn push_like_neighbours(a: &mut Array, flag: &str) {
    let prefix = a
        .iter()
        .last()
        .and_then(|v| v.decor().prefix())
        .and_then(|p| p.as_str())
        .map(String::from);
    let mut v = Value::from(flag);
    match prefix {
        Some(p) if !a.is_empty() => {
            v.decor_mut().set_prefix(p);
            v.decor_mut().set_suffix("");
        }
        _ => {
            v.decor_mut()
                .set_prefix(if a.is_empty() { "" } else { " " });
            v.decor_mut().set_suffix("");
        }
    }
    a.push_formatted(v);
}

fn rustflags_mut<'a>(doc: &'a mut DocumentMut, place: &Place) -> Option<&'a mut Value> {
    let table = match place {
        Place::Build => doc.get_mut("build")?,
        Place::Target(k) => doc.get_mut("target")?.get_mut(k)?,
    };
    table.get_mut("rustflags")?.as_value_mut()
}

fn all_flags(doc: &DocumentMut, place: &Place) -> Vec<String> {
    let table = match place {
        Place::Build => doc.get("build"),
        Place::Target(k) => doc.get("target").and_then(|t| t.get(k)),
    };
    match table
        .and_then(|t| t.get("rustflags"))
        .and_then(Item::as_value)
    {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        Some(Value::String(s)) => s.value().split_whitespace().map(String::from).collect(),
        _ => Vec::new(),
    }
}

/// Sets the `-Ctarget-cpu` in a flags value; returns the previous CPU, or `None` if it had none.
fn replace_cpu(list: &mut Value, cpu: &str) -> Result<Option<String>> {
    match list {
        Value::Array(a) => {
            let items: Vec<Option<String>> =
                a.iter().map(|v| v.as_str().map(String::from)).collect();
            for (i, item) in items.iter().enumerate() {
                let Some(item) = item else { continue };
                // `-Ctarget-cpu=x`, or `-C` followed by `target-cpu=x`.
                let (index, old, spelled) = if let Some(old) = item.strip_prefix("-Ctarget-cpu=") {
                    (i, old.to_string(), format!("-Ctarget-cpu={cpu}"))
                } else if item == "-C"
                    && let Some(Some(next)) = items.get(i + 1)
                    && let Some(old) = next.strip_prefix("target-cpu=")
                {
                    (i + 1, old.to_string(), format!("target-cpu={cpu}"))
                } else {
                    continue;
                };
                if old != cpu {
                    let slot = a.get_mut(index).expect("index from iteration");
                    let decor = slot.decor().clone();
                    *slot = Value::from(spelled);
                    *slot.decor_mut() = decor;
                }
                return Ok(Some(old));
            }
            Ok(None)
        }
        Value::String(s) => {
            let text = s.value().clone();
            let mut words: Vec<String> = text.split_whitespace().map(String::from).collect();
            let mut old = None;
            for i in 0..words.len() {
                if let Some(o) = words[i].strip_prefix("-Ctarget-cpu=") {
                    old = Some(o.to_string());
                    words[i] = format!("-Ctarget-cpu={cpu}");
                    break;
                }
                if words[i] == "-C"
                    && let Some(o) = words.get(i + 1).and_then(|n| n.strip_prefix("target-cpu="))
                {
                    old = Some(o.to_string());
                    words[i + 1] = format!("target-cpu={cpu}");
                    break;
                }
            }
            if old.as_deref().is_some_and(|o| o != cpu) {
                let decor = s.decor().clone();
                *list = Value::from(words.join(" "));
                *list.decor_mut() = decor;
            }
            Ok(old)
        }
        _ => Ok(None),
    }
}

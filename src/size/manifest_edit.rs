//! The TOML edits `--try-features` needs: `default-features = false` on one dependency (every
//! spelling of a dependency entry, comments kept), and absolute `path`s for a copied manifest.

use std::path::Path;

use anyhow::{Result, bail};
use toml_edit::{DocumentMut, InlineTable, Item, Value};

/// Sets `default-features = false` on `package` in every `[dependencies]` table (plain and
/// per-target). Returns whether an entry was found.
pub(crate) fn without_defaults(doc: &mut DocumentMut, package: &str) -> Result<bool> {
    let mut found = false;
    if let Some(item) = doc
        .get_mut("dependencies")
        .and_then(Item::as_table_like_mut)
        .and_then(|d| d.get_mut(package))
    {
        found |= set_no_defaults(item, package)?;
    }
    if let Some(targets) = doc.get_mut("target").and_then(Item::as_table_like_mut) {
        for (_, cfg) in targets.iter_mut() {
            if let Some(item) = cfg
                .as_table_like_mut()
                .and_then(|c| c.get_mut("dependencies"))
                .and_then(Item::as_table_like_mut)
                .and_then(|d| d.get_mut(package))
            {
                found |= set_no_defaults(item, package)?;
            }
        }
    }
    Ok(found)
}

fn set_no_defaults(item: &mut Item, package: &str) -> Result<bool> {
    if let Some(value) = item.as_value_mut()
        && let Some(version) = value.as_str()
    {
        // `a = "1" # why` keeps its comment on the new inline table.
        let decor = value.decor().clone();
        let mut t = InlineTable::new();
        t.insert("version", Value::from(version));
        t.insert("default-features", Value::from(false));
        let mut v = Value::InlineTable(t);
        *v.decor_mut() = decor;
        *value = v;
        return Ok(true);
    }
    let Some(t) = item.as_table_like_mut() else {
        bail!("`{package}` in [dependencies] is neither a version string nor a table");
    };
    if t.get("workspace").and_then(Item::as_bool) == Some(true) {
        bail!(
            "not tried: `{package}` is inherited from [workspace.dependencies] (`workspace = true`); set `default-features = false` there"
        );
    }
    t.remove("default_features");
    t.insert("default-features", Item::Value(Value::from(false)));
    if let Some(inline) = item.as_inline_table_mut() {
        inline.fmt();
    }
    Ok(true)
}

/// Makes every relative `path = "…"` of a dependency absolute, so the copy finds them.
pub(crate) fn absolutise_paths(doc: &mut DocumentMut, root: &Path) {
    fn fix(item: &mut Item, root: &Path) {
        let Some(t) = item.as_table_like_mut() else {
            return;
        };
        for (_, dep) in t.iter_mut() {
            if let Some(d) = dep.as_table_like_mut()
                && let Some(p) = d.get("path").and_then(Item::as_str)
                && Path::new(p).is_relative()
            {
                let abs = root.join(p).display().to_string();
                d.insert("path", Item::Value(Value::from(abs)));
            }
        }
    }
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(item) = doc.get_mut(key) {
            fix(item, root);
        }
    }
    if let Some(targets) = doc.get_mut("target").and_then(Item::as_table_like_mut) {
        for (_, cfg) in targets.iter_mut() {
            for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
                if let Some(item) = cfg.as_table_like_mut().and_then(|c| c.get_mut(key)) {
                    fix(item, root);
                }
            }
        }
    }
    if let Some(patch) = doc.get_mut("patch").and_then(Item::as_table_like_mut) {
        for (_, registry) in patch.iter_mut() {
            fix(registry, root);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_off_in_every_form() {
        let text = "[dependencies]\na = \"1\" # keep\nb = { version = \"2\", features = [\"x\"] }\n\n[dependencies.c]\nversion = \"3\"\ndefault_features = true\n\n[target.'cfg(unix)'.dependencies]\nd = \"4\"\n";
        let mut doc: DocumentMut = text.parse().unwrap();
        for p in ["a", "b", "c", "d"] {
            assert!(without_defaults(&mut doc, p).unwrap(), "{p}");
        }
        assert!(!without_defaults(&mut doc, "e").unwrap());
        let out = doc.to_string();
        assert!(
            out.contains("a = { version = \"1\", default-features = false } # keep"),
            "{out}"
        );
        assert!(
            out.contains("b = { version = \"2\", features = [\"x\"], default-features = false }"),
            "{out}"
        );
        assert!(
            out.contains("[dependencies.c]\nversion = \"3\"\ndefault-features = false"),
            "{out}"
        );
        assert!(
            out.contains("d = { version = \"4\", default-features = false }"),
            "{out}"
        );
    }

    #[test]
    fn workspace_inherited_dependencies_are_refused() {
        let mut doc: DocumentMut = "[dependencies]\na = { workspace = true }\n"
            .parse()
            .unwrap();
        let e = without_defaults(&mut doc, "a").unwrap_err().to_string();
        assert!(e.contains("workspace.dependencies"), "{e}");
    }

    #[test]
    fn relative_paths_become_absolute() {
        let mut doc: DocumentMut = "[dependencies]\na = { path = \"../a\" }\nb = \"1\"\n"
            .parse()
            .unwrap();
        absolutise_paths(&mut doc, Path::new("/src/app"));
        assert!(
            doc.to_string().contains("path = \"/src/app/../a\""),
            "{doc}"
        );
    }
}

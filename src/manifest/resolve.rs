//! Where profiles are defined — the root manifest, `.cargo/config.toml` files, `CARGO_PROFILE_*`
//! variables — and how cargo folds them along `inherits` chains into what it will actually use.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use toml_edit::{DocumentMut, Item};

use crate::manifest::effective::{BUILT_IN, Origin, Resolved, Setting, short, value_text};
use crate::manifest::effective::{Entry, OTHER_KEYS, defaults, finish, known};
use crate::presets::Preset;
use crate::toml_file::parse;
use crate::variant::{ProfileSettings, Variant};

/// Everything that defines profiles: the root manifest, config files, `CARGO_PROFILE_*`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sources {
    pub manifest: Option<(PathBuf, DocumentMut)>,
    /// In increasing precedence (`$CARGO_HOME` first, the closest directory last).
    pub configs: Vec<(PathBuf, DocumentMut)>,
    /// `CARGO_PROFILE_*` variables.
    pub env: Vec<(String, String)>,
}

impl Sources {
    /// Reads the root manifest (if any), the config files cargo reads from `cwd`, and the environment.
    pub(crate) fn load(root_manifest: Option<&Path>, cwd: &Path) -> Result<Sources> {
        let manifest = root_manifest.map(read).transpose()?;
        Sources::with_manifest(manifest, cwd)
    }

    /// Like `load`, with the root manifest already parsed (possibly edited in memory).
    pub(crate) fn with_manifest(
        manifest: Option<(PathBuf, DocumentMut)>,
        cwd: &Path,
    ) -> Result<Sources> {
        let configs = crate::cargo::config::load(cwd, crate::cargo::cargo_home().as_deref())?;
        let env = std::env::vars()
            .filter(|(k, _)| k.starts_with("CARGO_PROFILE_"))
            .collect();
        Ok(Sources {
            manifest,
            configs,
            env,
        })
    }

    /// Profiles defined anywhere, built-in ones included.
    pub(crate) fn defined_profiles(&self) -> Vec<String> {
        let mut names: BTreeSet<String> = BUILT_IN.iter().map(|s| s.to_string()).collect();
        for doc in self.docs() {
            if let Some(t) = doc.get("profile").and_then(Item::as_table_like) {
                names.extend(
                    t.iter()
                        .filter(|(_, v)| v.is_table_like())
                        .map(|(k, _)| k.to_string()),
                );
            }
        }
        names.into_iter().collect()
    }

    /// Whether `name` is a profile cargo knows (built in or defined somewhere).
    pub(crate) fn is_defined(&self, name: &str) -> bool {
        self.defined_profiles().iter().any(|n| n == name)
    }

    fn docs(&self) -> impl Iterator<Item = &DocumentMut> {
        self.manifest
            .iter()
            .map(|(_, d)| d)
            .chain(self.configs.iter().map(|(_, d)| d))
    }

    /// The profile as cargo resolves it.
    pub(crate) fn resolve(&self, name: &str) -> Result<Resolved> {
        let (chain, entries) = self.layers(name)?;
        Ok(finish(name.to_string(), chain, entries))
    }

    /// A preset: its `inherits` profile as configured here, with the preset's settings on top.
    pub(crate) fn resolve_preset(&self, preset: &Preset) -> Result<Resolved> {
        let mut r = self.resolve_variant(
            &crate::spec::preset_on_its_profile(preset),
            &format!("preset {}", preset.name),
        )?;
        r.chain[0] = format!("preset {}", preset.name);
        Ok(r)
    }

    /// A variant: its base profile with the variant's settings and target-cpu on top.
    pub(crate) fn resolve_variant(&self, variant: &Variant, label: &str) -> Result<Resolved> {
        let (mut chain, mut entries) = self.layers(&variant.base_profile)?;
        chain.insert(0, label.to_string());
        let origin = Origin::Preset {
            name: variant.name.clone(),
        };
        for (key, value) in variant.settings.entries() {
            entries.push(Entry {
                key: key.to_string(),
                value,
                origin: origin.clone(),
            });
        }
        let mut r = finish(label.to_string(), chain, entries);
        r.target_cpu = variant.target_cpu.as_ref().map(|cpu| Setting {
            key: "target-cpu".into(),
            value: format!("{cpu:?}"),
            origin,
        });
        Ok(r)
    }

    /// The inheritance chain of `name` and every value set along it, lowest precedence first.
    fn layers(&self, name: &str) -> Result<(Vec<String>, Vec<Entry>)> {
        let mut chain = vec![name.to_string()];
        let mut own = vec![self.own(name)?];
        let mut current = name.to_string();
        loop {
            let parent = match current.as_str() {
                "dev" | "release" => break,
                "test" => "dev".to_string(),
                "bench" => "release".to_string(),
                _ => {
                    let inherits = own.last().and_then(|(_, inh)| inh.clone());
                    match inherits {
                        Some(p) => p,
                        None if self.is_defined(&current) => bail!(
                            "profile `{current}` has no `inherits`: custom profiles must say which profile they start from (e.g. inherits = \"release\")"
                        ),
                        None => bail!(
                            "profile `{current}` is not defined (in {}, .cargo/config.toml or CARGO_PROFILE_* variables) and is not built in; defined profiles: {}",
                            self.manifest
                                .as_ref()
                                .map_or("Cargo.toml".into(), |(p, _)| short(p)),
                            self.defined_profiles().join(", ")
                        ),
                    }
                }
            };
            if chain.contains(&parent) {
                bail!(
                    "profiles inherit in a cycle: {} -> {parent}",
                    chain.join(" -> ")
                );
            }
            if !BUILT_IN.contains(&parent.as_str()) && !self.is_defined(&parent) {
                bail!(
                    "profile `{current}` inherits `{parent}`, which is not defined; defined profiles: {}",
                    self.defined_profiles().join(", ")
                );
            }
            own.push(self.own(&parent)?);
            chain.push(parent.clone());
            current = parent;
        }
        let root = chain.last().expect("chain is never empty").clone();
        let mut entries: Vec<Entry> = defaults(&root)
            .iter()
            .map(|(k, v)| Entry {
                key: k.to_string(),
                value: known(k, v).ok().flatten().expect("defaults are valid"),
                origin: Origin::Default {
                    profile: root.clone(),
                },
            })
            .collect();
        for (layer, _) in own.into_iter().rev() {
            entries.extend(layer);
        }
        Ok((chain, entries))
    }

    /// The keys one profile sets itself, lowest precedence first, and its `inherits`.
    fn own(&self, name: &str) -> Result<(Vec<Entry>, Option<String>)> {
        let mut entries = Vec::new();
        let mut inherits = None;
        let files = self
            .manifest
            .iter()
            .map(|(p, d)| (p, d, true))
            .chain(self.configs.iter().map(|(p, d)| (p, d, false)));
        for (path, doc, is_manifest) in files {
            let Some(table) = doc
                .get("profile")
                .and_then(|p| p.get(name))
                .and_then(Item::as_table_like)
            else {
                continue;
            };
            let origin = if is_manifest {
                Origin::Manifest {
                    path: path.clone(),
                    profile: name.into(),
                }
            } else {
                Origin::Config {
                    path: path.clone(),
                    profile: name.into(),
                }
            };
            for (key, item) in table.iter() {
                let Some(raw) = item.as_value().and_then(value_text) else {
                    continue;
                };
                if key == "inherits" {
                    inherits = Some(raw);
                    continue;
                }
                if let Some(value) = known(key, &raw).with_context(|| {
                    format!("invalid `{key}` in [profile.{name}] of {}", path.display())
                })? {
                    entries.push(Entry {
                        key: key.to_string(),
                        value,
                        origin: origin.clone(),
                    });
                }
            }
        }
        let prefix = format!("CARGO_PROFILE_{}_", env_name(name));
        for (var, raw) in &self.env {
            let Some(rest) = var.strip_prefix(&prefix) else {
                continue;
            };
            if rest == "INHERITS" {
                inherits = Some(raw.clone());
                continue;
            }
            let key = ProfileSettings::KEYS
                .iter()
                .map(|k| k.name)
                .chain(OTHER_KEYS.iter().copied())
                .find(|k| env_name(k) == rest);
            if let Some(key) = key
                && let Some(value) = known(key, raw)
                    .with_context(|| format!("invalid value in environment variable {var}"))?
            {
                entries.push(Entry {
                    key: key.to_string(),
                    value,
                    origin: Origin::Env { var: var.clone() },
                });
            }
        }
        Ok((entries, inherits))
    }
}

fn read(path: &Path) -> Result<(PathBuf, DocumentMut)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok((path.to_path_buf(), parse(path, &text)?))
}

/// `production-lto` → `PRODUCTION_LTO`, as cargo spells profile names in variables.
pub(super) fn env_name(name: &str) -> String {
    name.to_uppercase().replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(manifest: &str, config: &str, env: &[(&str, &str)]) -> Sources {
        Sources {
            manifest: Some(("/w/Cargo.toml".into(), manifest.parse().unwrap())),
            configs: vec![("/w/.cargo/config.toml".into(), config.parse().unwrap())],
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn value<'a>(r: &'a Resolved, key: &str) -> (&'a str, String) {
        let s = r.get(key).unwrap();
        (s.value.as_str(), s.origin.to_string())
    }

    #[test]
    fn release_defaults_and_derived_strip() {
        let r = Sources::default().resolve("release").unwrap();
        assert_eq!(value(&r, "opt-level").0, "3");
        assert_eq!(value(&r, "codegen-units").0, "16");
        let (strip, why) = value(&r, "strip");
        assert_eq!(strip, "\"debuginfo\"");
        assert!(why.contains("debug"), "{why}");
        let r = Sources::default().resolve("test").unwrap();
        assert_eq!(r.chain, ["test", "dev"]);
        assert_eq!(value(&r, "strip").0, "\"none\"");
    }

    #[test]
    fn layers_in_cargo_precedence() {
        let s = sources(
            "[profile.release]\nlto = true\ndebug = 1\n\n[profile.production]\ninherits = \"release\"\ncodegen-units = 1\n",
            "[profile.production]\ncodegen-units = 4\n",
            &[("CARGO_PROFILE_PRODUCTION_OPT_LEVEL", "s")],
        );
        let r = s.resolve("production").unwrap();
        assert_eq!(r.chain, ["production", "release"]);
        assert_eq!(value(&r, "lto").0, "\"fat\"");
        assert!(value(&r, "lto").1.contains("[profile.release]"));
        assert_eq!(value(&r, "codegen-units").0, "4");
        assert!(value(&r, "codegen-units").1.contains("config.toml"));
        assert_eq!(
            value(&r, "opt-level"),
            (
                "\"s\"",
                "environment CARGO_PROFILE_PRODUCTION_OPT_LEVEL".into()
            )
        );
        // debug is on (limited), so cargo does not strip.
        assert_eq!(value(&r, "strip").0, "\"none\"");
    }

    #[test]
    fn bad_chains_are_errors() {
        let s = sources(
            "[profile.a]\ninherits = \"b\"\n[profile.b]\ninherits = \"a\"\n[profile.c]\nlto = true\n",
            "",
            &[],
        );
        assert!(format!("{:#}", s.resolve("a").unwrap_err()).contains("cycle"));
        assert!(format!("{:#}", s.resolve("c").unwrap_err()).contains("no `inherits`"));
        let e = format!("{:#}", s.resolve("nope").unwrap_err());
        assert!(e.contains("not defined") && e.contains("release"), "{e}");
        let s = sources("[profile.release]\nlto = \"medium\"\n", "", &[]);
        let e = format!("{:#}", s.resolve("release").unwrap_err());
        assert!(e.contains("invalid `lto`") && e.contains("thin"), "{e}");
    }

    #[test]
    fn presets_start_from_the_configured_base() {
        let s = sources("[profile.release]\ndebug = true\n", "", &[]);
        let r = s
            .resolve_preset(crate::presets::find("fast-runtime").unwrap())
            .unwrap();
        assert_eq!(r.chain, ["preset fast-runtime", "release"]);
        assert_eq!(value(&r, "debug").0, "\"full\"");
        assert_eq!(value(&r, "lto"), ("\"fat\"", "preset fast-runtime".into()));
        assert_eq!(r.target_cpu.unwrap().value, "\"x86-64-v3\"");
    }
}

//! The user's own rustflags, resolved the way cargo does, so a variant can add flags without dropping them.
//!
//! Cargo uses the first of: `CARGO_ENCODED_RUSTFLAGS`, `RUSTFLAGS`, all matching
//! `target.<triple>.rustflags` / `target.'cfg(..)'.rustflags`, `build.rustflags`.
//! Setting any of these ourselves would hide the rest, so we resolve the user's
//! flags, append ours, and pass the result as `CARGO_ENCODED_RUSTFLAGS`.

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;
use toml_edit::{DocumentMut, Item, Value};

use super::config::{config_files, load};

/// Where the user's rustflags came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum FlagSource {
    EncodedEnv,
    Env,
    TargetConfig,
    BuildConfig,
    None,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct UserFlags {
    pub source: FlagSource,
    pub flags: Vec<String>,
    /// Config files that were read, closest last.
    pub files: Vec<PathBuf>,
}

/// Lookup of environment variables, injectable for tests.
pub(crate) type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Resolves the rustflags cargo would use for `target` when run from `cwd`.
/// `cfg` is `rustc --print cfg --target <target>`, to match `target.'cfg(..)'` tables.
pub(crate) fn user_rustflags(
    cwd: &Path,
    cargo_home: Option<&Path>,
    target: &str,
    cfg: &[String],
    env: EnvLookup,
) -> Result<UserFlags> {
    let files = config_files(cwd, cargo_home);
    let (source, flags) = match env_flags(env) {
        Some(found) => found,
        None => config_flags(&load(cwd, cargo_home)?, target, cfg, env),
    };
    Ok(UserFlags {
        source,
        flags,
        files,
    })
}

/// `CARGO_ENCODED_RUSTFLAGS`, else `RUSTFLAGS`: either one hides every config file.
fn env_flags(env: EnvLookup) -> Option<(FlagSource, Vec<String>)> {
    if let Some(enc) = env("CARGO_ENCODED_RUSTFLAGS") {
        let flags = if enc.is_empty() {
            vec![]
        } else {
            enc.split('\u{1f}').map(String::from).collect()
        };
        return Some((FlagSource::EncodedEnv, flags));
    }
    env("RUSTFLAGS").map(|flags| (FlagSource::Env, split(&flags)))
}

/// The target's rustflags from the config files, else `build.rustflags`, else none.
fn config_flags(
    docs: &[(PathBuf, DocumentMut)],
    target: &str,
    cfg: &[String],
    env: EnvLookup,
) -> (FlagSource, Vec<String>) {
    if let Some(flags) = target_flags(docs, target, cfg, env) {
        return (FlagSource::TargetConfig, flags);
    }
    match build_flags(docs, env) {
        Some(flags) => (FlagSource::BuildConfig, flags),
        None => (FlagSource::None, vec![]),
    }
}

/// Every `target.<triple>.rustflags` and matching `target.'cfg(..)'.rustflags`, then
/// `CARGO_TARGET_<TRIPLE>_RUSTFLAGS`.
fn target_flags(
    docs: &[(PathBuf, DocumentMut)],
    target: &str,
    cfg: &[String],
    env: EnvLookup,
) -> Option<Vec<String>> {
    let mut target_flags: Option<Vec<String>> = None;
    for (_, doc) in docs {
        let Some(targets) = doc.get("target").and_then(Item::as_table_like) else {
            continue;
        };
        for (key, table) in targets.iter() {
            let matches = key == target || (key.starts_with("cfg(") && cfg_matches(key, cfg));
            if let Some(flags) = matches
                .then(|| table.get("rustflags"))
                .flatten()
                .and_then(flag_list)
            {
                merge(&mut target_flags, flags);
            }
        }
    }
    let env_key = format!(
        "CARGO_TARGET_{}_RUSTFLAGS",
        target.to_uppercase().replace(['-', '.'], "_")
    );
    if let Some(flags) = env(&env_key) {
        merge(&mut target_flags, (split(&flags), true));
    }
    target_flags
}

/// `build.rustflags` from the config files, then `CARGO_BUILD_RUSTFLAGS`.
fn build_flags(docs: &[(PathBuf, DocumentMut)], env: EnvLookup) -> Option<Vec<String>> {
    let mut build_flags: Option<Vec<String>> = None;
    for (_, doc) in docs {
        if let Some(flags) = doc
            .get("build")
            .and_then(|b| b.get("rustflags"))
            .and_then(flag_list)
        {
            merge(&mut build_flags, flags);
        }
    }
    if let Some(flags) = env("CARGO_BUILD_RUSTFLAGS") {
        merge(&mut build_flags, (split(&flags), true));
    }
    build_flags
}

fn split(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

/// Lists are joined across files (closer files later); a string replaces.
fn merge(acc: &mut Option<Vec<String>>, (flags, is_list): (Vec<String>, bool)) {
    match acc {
        Some(existing) if is_list => existing.extend(flags),
        _ => *acc = Some(flags),
    }
}

fn flag_list(item: &Item) -> Option<(Vec<String>, bool)> {
    match item.as_value()? {
        Value::String(s) => Some((split(s.value()), false)),
        Value::Array(a) => Some((
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            true,
        )),
        _ => None,
    }
}

/// Evaluates `cfg(...)` against `rustc --print cfg` lines (`unix`, `target_os="linux"`).
pub(crate) fn cfg_matches(expr: &str, cfg: &[String]) -> bool {
    let inner = expr
        .trim()
        .strip_prefix("cfg(")
        .and_then(|s| s.strip_suffix(')'));
    let Some(inner) = inner else { return false };
    let normalized: Vec<String> = cfg.iter().map(|c| c.replace(' ', "")).collect();
    eval(
        &mut Parser {
            s: inner.as_bytes(),
            i: 0,
        },
        &normalized,
    )
    .unwrap_or(false)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn ident(&mut self) -> String {
        self.ws();
        let start = self.i;
        while self.i < self.s.len()
            && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_')
        {
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }
    fn string(&mut self) -> Option<String> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i] != b'"' {
            self.i += 1;
        }
        let v = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
        self.i += 1;
        Some(v)
    }
}

fn eval(p: &mut Parser, cfg: &[String]) -> Option<bool> {
    let name = p.ident();
    if name.is_empty() {
        return None;
    }
    if p.eat(b'(') {
        let mut results = Vec::new();
        if !p.eat(b')') {
            loop {
                results.push(eval(p, cfg)?);
                if p.eat(b')') {
                    break;
                }
                if !p.eat(b',') {
                    return None;
                }
                if p.eat(b')') {
                    break;
                }
            }
        }
        return match name.as_str() {
            "all" => Some(results.iter().all(|&b| b)),
            "any" => Some(results.iter().any(|&b| b)),
            "not" if results.len() == 1 => Some(!results[0]),
            _ => None,
        };
    }
    if p.eat(b'=') {
        let value = p.string()?;
        return Some(cfg.contains(&format!("{name}=\"{value}\"")));
    }
    Some(cfg.contains(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Vec<String> {
        [
            "unix",
            "target_os=\"linux\"",
            "target_arch=\"x86_64\"",
            "panic=\"unwind\"",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn cfg_expressions() {
        assert!(cfg_matches("cfg(unix)", &cfg()));
        assert!(cfg_matches("cfg(target_os = \"linux\")", &cfg()));
        assert!(cfg_matches(
            "cfg(all(unix, target_arch = \"x86_64\"))",
            &cfg()
        ));
        assert!(!cfg_matches("cfg(windows)", &cfg()));
        assert!(cfg_matches("cfg(not(windows))", &cfg()));
        assert!(cfg_matches("cfg(any(windows, unix,))", &cfg()));
    }

    fn write(dir: &Path, text: &str) {
        std::fs::create_dir_all(dir.join(".cargo")).unwrap();
        std::fs::write(dir.join(".cargo/config.toml"), text).unwrap();
    }

    #[test]
    fn precedence_follows_cargo() {
        let tmp = tempfile::tempdir().unwrap();
        let inner = tmp.path().join("ws");
        write(tmp.path(), "[build]\nrustflags = [\"--cfg\", \"outer\"]\n");
        write(&inner, "[build]\nrustflags = [\"--cfg\", \"inner\"]\n");
        let none = |_: &str| None;
        let t = "x86_64-unknown-linux-gnu";
        let f = user_rustflags(&inner, None, t, &cfg(), &none).unwrap();
        assert_eq!(f.source, FlagSource::BuildConfig);
        assert_eq!(f.flags, ["--cfg", "outer", "--cfg", "inner"]);

        write(
            &inner,
            "[target.'cfg(unix)']\nrustflags = \"-Cforce-frame-pointers=yes\"\n",
        );
        let f = user_rustflags(&inner, None, t, &cfg(), &none).unwrap();
        assert_eq!(f.source, FlagSource::TargetConfig);
        assert_eq!(f.flags, ["-Cforce-frame-pointers=yes"]);

        let env = |k: &str| (k == "RUSTFLAGS").then(|| "-Cdebuginfo=1 --cfg x".to_string());
        let f = user_rustflags(&inner, None, t, &cfg(), &env).unwrap();
        assert_eq!((f.source, f.flags.len()), (FlagSource::Env, 3));

        let env = |k: &str| (k == "CARGO_ENCODED_RUSTFLAGS").then(|| "--cfg\u{1f}a b".to_string());
        let f = user_rustflags(&inner, None, t, &cfg(), &env).unwrap();
        assert_eq!(f.flags, ["--cfg", "a b"]);
    }
}

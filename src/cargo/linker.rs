//! The linker a build uses, as far as cargo-tune asks it for anything: whether it is driven
//! like a C compiler (`cc`, `gcc`, `clang`), so that `-Wl,` link arguments reach the linker.

use std::path::Path;

use crate::cargo::rustflags::EnvLookup;

/// File name of the link map in a variant's target dir (one per dir: the last link's).
pub(crate) const LINK_MAP: &str = "cargo-tune-link.map";

/// The cc-style driver that links for `target`: the one the user named (rustflags first, as
/// rustc reads them after cargo's `-C linker`, then `CARGO_TARGET_<TRIPLE>_LINKER`, then
/// `target.<triple>.linker`), else `cc`, rustc's default on Linux. `None` when the named linker
/// is not a cc-style driver or a linker flavor is set.
pub(crate) fn cc_linker(
    cwd: &Path,
    target: &str,
    rustflags: &[String],
    env: EnvLookup,
) -> Option<String> {
    let mut flags = rustflags.iter();
    let mut named = None;
    while let Some(f) = flags.next() {
        let codegen = match f.strip_prefix("-C") {
            Some("") => flags.next().map(String::as_str).unwrap_or_default(),
            Some(rest) => rest,
            None => continue,
        };
        if codegen.starts_with("linker-flavor") {
            return None;
        }
        if let Some(linker) = codegen.strip_prefix("linker=") {
            named = Some(linker.to_string());
        }
    }
    let var = format!(
        "CARGO_TARGET_{}_LINKER",
        target.to_uppercase().replace(['-', '.'], "_")
    );
    let linker = named
        .or_else(|| env(&var))
        .or_else(|| configured(cwd, target).map(|(l, _)| l));
    match linker {
        Some(l) => is_cc(&l).then_some(l),
        None => Some("cc".into()),
    }
}

/// `target.<triple>.linker` from the cargo config files that apply in `cwd`, with the file that
/// set it (the closest wins, as in cargo). An unreadable config sets nothing here: the commands
/// that build report it.
pub(crate) fn configured(cwd: &Path, target: &str) -> Option<(String, std::path::PathBuf)> {
    let configs =
        crate::cargo::config::load(cwd, crate::cargo::cargo_home().as_deref()).unwrap_or_default();
    configs.iter().rev().find_map(|(file, doc)| {
        let linker = doc.get("target")?.get(target)?.get("linker")?.as_str()?;
        Some((linker.to_string(), file.clone()))
    })
}

/// `cc`, `gcc`, `x86_64-linux-gnu-gcc-12`, `clang`, `/usr/bin/clang-18`, `c++`, `g++`.
fn is_cc(linker: &str) -> bool {
    let name = Path::new(linker)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    ["cc", "gcc", "clang", "c++", "g++", "clang++"]
        .iter()
        .any(|d| {
            name == *d || name.ends_with(&format!("-{d}")) || name.starts_with(&format!("{d}-"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn takes(flags: &[&str], env: &[(&str, &str)]) -> bool {
        let dir = tempfile::tempdir().unwrap();
        let flags: Vec<String> = flags.iter().map(|s| s.to_string()).collect();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        cc_linker(dir.path(), "x86_64-unknown-linux-gnu", &flags, &lookup).is_some()
    }

    #[test]
    fn cc_style_drivers_take_wl_arguments() {
        assert!(takes(&[], &[]));
        assert!(takes(&["-Ctarget-cpu=native"], &[]));
        // The last -C linker wins, as in rustc.
        assert!(takes(&["-Clinker=rust-lld", "-Clinker=clang"], &[]));
        assert!(takes(&["-C", "linker=clang-18"], &[]));
        assert!(takes(&["-Clinker=/usr/bin/x86_64-linux-gnu-gcc"], &[]));
        assert!(takes(
            &[],
            &[("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER", "gcc-12")]
        ));
    }

    #[test]
    fn the_real_linker_is_the_users_or_cc() {
        let dir = tempfile::tempdir().unwrap();
        let linker = |flags: &[&str]| {
            let flags: Vec<String> = flags.iter().map(|s| s.to_string()).collect();
            cc_linker(dir.path(), "x86_64-unknown-linux-gnu", &flags, &|_| None)
        };
        assert_eq!(linker(&[]).as_deref(), Some("cc"));
        assert_eq!(
            linker(&["-C", "linker=clang-18"]).as_deref(),
            Some("clang-18")
        );
        assert_eq!(linker(&["-Clinker=ld.mold"]), None);
    }

    #[test]
    fn other_linkers_and_flavors_get_no_wl_arguments() {
        assert!(!takes(&["-Clinker=rust-lld"], &[]));
        assert!(!takes(&["-C", "linker-flavor=ld.lld"], &[]));
        assert!(!takes(
            &[],
            &[("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER", "ld.mold")]
        ));
    }
}

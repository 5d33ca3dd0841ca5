//! Keeping a link's inputs past the link: rustc deletes its temp dir (`symbols.o`, raw-dylib
//! stubs, response files) and the codegen units' objects as soon as the linker returns, and a
//! later build may replace the crate's rlibs. Every such input is hard-linked into the record.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result};

/// Keeps the inputs of `args` that live in `out_dir` (the output's `deps/` dir) under
/// `staging/inputs/` and rewrites `args` to their place once `staging` becomes `dir`.
/// `output` is the index of the `-o` value, which is not an input.
pub(super) fn keep_inputs(
    args: &mut [String],
    output: usize,
    out_dir: &Path,
    staging: &Path,
    dir: &Path,
) -> Result<()> {
    let out = out_dir.to_str().context("output directory is not UTF-8")?;
    let (kept, kept_final) = (staging.join("inputs"), dir.join("inputs"));
    let kept_final = kept_final.to_str().context("record path is not UTF-8")?;
    // rustc's temp dir: `<out_dir>/rustcXXXXXX`, anywhere inside an argument
    // (`-L <tmp>/raw-dylibs`, `-Wl,--version-script=<tmp>/list`).
    let temp_dirs: BTreeSet<String> = args.iter().flat_map(|a| temp_dirs_in(a, out)).collect();
    for t in &temp_dirs {
        let name = &t[out.len() + 1..];
        copy_tree(Path::new(t), &kept.join(name))?;
        let to = format!("{kept_final}/{name}");
        for a in args.iter_mut() {
            if a.contains(t.as_str()) {
                *a = a.replace(t.as_str(), &to);
            }
        }
    }
    // Files directly in `deps/`: the codegen units' objects and the crate graph's rlibs.
    for (i, a) in args.iter_mut().enumerate() {
        let p = Path::new(a.as_str());
        if i == output || p.parent() != Some(out_dir) || !p.is_file() {
            continue;
        }
        let name = p.file_name().context("input without a name")?;
        let target = kept.join(name);
        if !target.exists() {
            link_or_copy(p, &target)?;
        }
        *a = format!("{kept_final}/{}", name.to_string_lossy());
    }
    Ok(())
}

/// Every `<out>/rustcXXXXXX` (tempfile's six random characters) that `arg` mentions.
fn temp_dirs_in(arg: &str, out: &str) -> Vec<String> {
    let prefix = format!("{out}/rustc");
    let mut found = Vec::new();
    let mut rest = arg;
    while let Some(at) = rest.find(&prefix) {
        let tail = &rest[at + prefix.len()..];
        let random: String = tail.chars().take(6).collect();
        let ends = tail[random.len()..].chars().next().is_none_or(|c| c == '/');
        if random.len() == 6 && random.chars().all(|c| c.is_ascii_alphanumeric()) && ends {
            found.push(format!("{prefix}{random}"));
        }
        rest = &rest[at + prefix.len()..];
    }
    found
}

/// Hard-links every file of `from` into `to`, recreating directories.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let entries =
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?;
    for e in entries {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_tree(&e.path(), &target)?;
        } else {
            link_or_copy(&e.path(), &target)?;
        }
    }
    Ok(())
}

/// A hard link (free, and immune to rustc deleting the original), or a copy across devices.
fn link_or_copy(from: &Path, to: &Path) -> Result<()> {
    std::fs::hard_link(from, to)
        .or_else(|_| std::fs::copy(from, to).map(|_| ()))
        .with_context(|| format!("cannot keep {}", from.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_dirs_and_deps_files_are_kept_and_rewritten() {
        let root = tempfile::tempdir().unwrap();
        let deps = root.path().join("deps");
        let tmp = deps.join("rustcAbC123");
        std::fs::create_dir_all(tmp.join("raw-dylibs")).unwrap();
        std::fs::write(tmp.join("symbols.o"), b"sym").unwrap();
        std::fs::write(deps.join("app-1.app.cgu.0.rcgu.o"), b"obj").unwrap();
        let d = deps.display();
        let mut args: Vec<String> = vec![
            "-m64".into(),
            format!("{d}/rustcAbC123/symbols.o"),
            format!("{d}/app-1.app.cgu.0.rcgu.o"),
            "-L".into(),
            format!("{d}/rustcAbC123/raw-dylibs"),
            "-o".into(),
            format!("{d}/app-1"),
            "/usr/lib/libc.so".into(),
        ];
        let (staging, dir) = (root.path().join("s"), root.path().join("r"));
        keep_inputs(&mut args, 6, &deps, &staging, &dir).unwrap();
        std::fs::remove_dir_all(&tmp).unwrap();
        let r = dir.display();
        assert_eq!(args[1], format!("{r}/inputs/rustcAbC123/symbols.o"));
        assert_eq!(args[2], format!("{r}/inputs/app-1.app.cgu.0.rcgu.o"));
        assert_eq!(args[4], format!("{r}/inputs/rustcAbC123/raw-dylibs"));
        assert_eq!(args[6], format!("{d}/app-1"));
        assert_eq!(args[7], "/usr/lib/libc.so");
        let kept = staging.join("inputs/rustcAbC123/symbols.o");
        assert_eq!(std::fs::read(kept).unwrap(), b"sym");
        assert!(staging.join("inputs/rustcAbC123/raw-dylibs").is_dir());
        assert!(temp_dirs_in(&format!("{d}/rustcAbC1234/x"), &d.to_string()).is_empty());
    }
}

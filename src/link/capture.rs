//! Recording a link while cargo builds: rustc starts cargo-tune's own binary as its linker, under
//! the name [`WRAPPER`]; it writes the command line down, keeps the inputs rustc deletes once the
//! link is done (its temp dir, the codegen units' objects), then becomes the real linker.
//!
//! The record lives beside the output, in `<deps>/cargo-tune-link/<output name>/`: `link.json`
//! and `inputs/` (hard links, so keeping them costs no copy). A new link of the same binary
//! replaces it, so a record always describes the last link.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// The file name rustc is given as its linker; cargo-tune runs as the wrapper under this name.
pub(crate) const WRAPPER: &str = "cargo-tune-link";
/// The linker the wrapper hands the link to (`cc` when unset, rustc's default on Linux).
pub(crate) const REAL_LINKER_ENV: &str = "CARGO_TUNE_LINKER";
/// Directory of records, beside the linked output.
pub(crate) const DIR: &str = "cargo-tune-link";
const RECORD: &str = "link.json";
/// What rustc sets for its linker and a replay needs again: its PATH finds the self-contained
/// `rust-lld` that `-fuse-ld=lld` runs.
const KEPT_ENV: &[&str] = &["PATH", "LC_ALL", "VSLANG"];

/// One recorded link: enough to run it again, with the same objects, without rustc.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Captured {
    /// The real linker (a C compiler driver such as `cc`).
    pub linker: String,
    /// Its arguments, with every kept input's path pointing into the record's `inputs/`.
    pub args: Vec<String>,
    /// Environment rustc set for the linker.
    pub env: Vec<(String, String)>,
    pub cwd: PathBuf,
    /// The file the link wrote (`-o`).
    pub output: PathBuf,
    /// When the link started, seconds since the epoch: an output older than this is not its.
    pub started: f64,
    /// The record's directory.
    #[serde(skip)]
    pub dir: PathBuf,
}

/// When this process was started as the linker wrapper, records the link and runs the real
/// linker in its place; returns only when that could not be started. `None`: not the wrapper.
pub fn wrapper_main() -> Option<std::process::ExitCode> {
    use std::os::unix::process::CommandExt;
    let mut argv = std::env::args_os();
    let argv0 = argv.next()?;
    if Path::new(&argv0).file_name() != Some(OsStr::new(WRAPPER)) {
        return None;
    }
    let args: Vec<OsString> = argv.collect();
    let real = std::env::var_os(REAL_LINKER_ENV).unwrap_or_else(|| "cc".into());
    if let Err(e) = record(&real, &args) {
        eprintln!(
            "warning: cargo-tune could not record this link, so this binary's code layout cannot be varied: {e:#}"
        );
    }
    let err = std::process::Command::new(&real)
        .args(&args)
        .env_remove(REAL_LINKER_ENV)
        .exec();
    eprintln!(
        "error: cargo-tune could not start the linker `{}`: {err}",
        real.to_string_lossy()
    );
    Some(std::process::ExitCode::from(1))
}

/// Points `path` (named [`WRAPPER`]) at this executable, replacing an older link atomically:
/// a path that stays the same from run to run, so cargo sees the same rustflags.
pub(crate) fn install_wrapper(path: &Path) -> Result<()> {
    let exe = std::env::current_exe().context("cannot find cargo-tune's own executable")?;
    if std::fs::read_link(path).is_ok_and(|p| p == exe) {
        return Ok(());
    }
    let dir = path.parent().context("wrapper path without a directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = dir.join(format!(".{WRAPPER}.{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(&exe, &tmp)
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| format!("cannot create the linker wrapper {}", path.display()))
}

/// The record of the link that wrote `binary` (cargo's copy in the profile dir, or the file in
/// `deps/`), or why there is none.
pub fn find(binary: &Path) -> Result<Captured, String> {
    let parent = binary.parent().unwrap_or(Path::new("."));
    let roots = [parent.join("deps").join(DIR), parent.join(DIR)];
    for root in roots.iter().filter(|r| r.is_dir()) {
        let Ok(entries) = std::fs::read_dir(root) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(c) = read(&entry.path()) else { continue };
            if same_file(&c.output, binary) && written_after(binary, c.started) {
                return Ok(c);
            }
        }
    }
    Err(format!(
        "no link of {} was recorded (built before cargo-tune recorded links, or outside it)",
        binary.display()
    ))
}

/// Reads the record in `dir`.
pub(crate) fn read(dir: &Path) -> Result<Captured> {
    let path = dir.join(RECORD);
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut c: Captured = serde_json::from_slice(&bytes)
        .with_context(|| format!("cannot parse {}", path.display()))?;
    c.dir = dir.to_path_buf();
    Ok(c)
}

fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        // Cargo hard-links `deps/<bin>-<hash>` to `<profile>/<bin>`; it copies when it cannot.
        (Ok(x), Ok(y)) if x.dev() == y.dev() && x.ino() == y.ino() => true,
        (Ok(x), Ok(y)) if x.len() == y.len() => std::fs::read(a).ok() == std::fs::read(b).ok(),
        _ => false,
    }
}

fn written_after(file: &Path, started: f64) -> bool {
    let modified = std::fs::metadata(file).and_then(|m| m.modified());
    modified.is_ok_and(|t| secs(t) + 1.0 >= started)
}

fn secs(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

/// Writes the record of a link about to run: args with `@file`s expanded, the inputs that
/// vanish after it kept, the environment rustc set.
fn record(real: &OsStr, raw: &[OsString]) -> Result<()> {
    let started = secs(SystemTime::now());
    let mut args = expand(raw)?;
    let at = args
        .iter()
        .position(|a| a == "-o")
        .context("the link has no `-o` output")?;
    let output = PathBuf::from(args.get(at + 1).context("`-o` without a file")?);
    let out_dir = output.parent().context("output without a directory")?;
    let name = output
        .file_name()
        .and_then(OsStr::to_str)
        .context("output name is not UTF-8")?;
    let root = out_dir.join(DIR);
    let dir = root.join(name);
    let staging = root.join(format!(".{name}.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(staging.join("inputs"))
        .with_context(|| format!("cannot create {}", staging.display()))?;
    super::keep::keep_inputs(&mut args, at + 1, out_dir, &staging, &dir)?;
    let c = Captured {
        linker: real
            .to_str()
            .context("linker path is not UTF-8")?
            .to_string(),
        args,
        env: KEPT_ENV
            .iter()
            .filter_map(|k| Some((k.to_string(), std::env::var(k).ok()?)))
            .collect(),
        cwd: std::env::current_dir()?,
        output: output.clone(),
        started,
        dir: PathBuf::new(),
    };
    std::fs::write(staging.join(RECORD), serde_json::to_vec_pretty(&c)?)?;
    remove_older_records(&root, name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&staging, &dir)
        .with_context(|| format!("cannot move the record into {}", dir.display()))?;
    Ok(())
}

/// Records of earlier builds of the same binary (`<bin>-<other hash>`): their objects are kept
/// alive by the hard links, so they go.
fn remove_older_records(root: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for e in entries.flatten() {
        let other = e.file_name().to_string_lossy().into_owned();
        if other != name && !other.starts_with('.') && unhashed(&other) == unhashed(name) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// `app-0123456789abcdef` → `app`: cargo's metadata hash changes with every rustflag.
pub(super) fn unhashed(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((stem, h)) if h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()) => stem,
        _ => name,
    }
}

/// Arguments as UTF-8 strings, each `@file` replaced by the arguments in it (rustc writes one
/// when the command line is too long: one argument a line, `\` and space escaped by `\`).
fn expand(raw: &[OsString]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for a in raw {
        let a = a
            .to_str()
            .with_context(|| format!("argument {a:?} is not UTF-8"))?;
        match a.strip_prefix('@') {
            Some(file) => {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("cannot read the response file {file}"))?;
                out.extend(text.lines().map(unescape));
            }
            None => out.push(a.to_string()),
        }
    }
    Ok(out)
}

fn unescape(line: &str) -> String {
    let mut s = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => s.extend(chars.next()),
            c => s.push(c),
        }
    }
    s
}

/// The inverse of [`unescape`], for a replay's own response file.
pub(super) fn escape(arg: &str) -> String {
    let mut s = String::with_capacity(arg.len());
    for c in arg.chars() {
        if c == '\\' || c == ' ' {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_files_round_trip_and_hashes_are_dropped() {
        for arg in ["-Wl,--as-needed", "/a b/c\\d.o", ""] {
            assert_eq!(unescape(&escape(arg)), arg);
        }
        assert_eq!(unhashed("app-0123456789abcdef"), "app");
        assert_eq!(unhashed("my-app-0123456789abcdef"), "my-app");
        assert_eq!(unhashed("my-app"), "my-app");
    }

    #[test]
    fn a_binary_without_a_record_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("app");
        std::fs::write(&bin, b"x").unwrap();
        let e = find(&bin).unwrap_err();
        assert!(e.contains("no link of"), "{e}");
    }
}

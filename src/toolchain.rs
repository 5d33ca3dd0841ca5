//! The Rust toolchain in use (`rustc -vV`) and the LLVM tools that match its LLVM major version.

use std::env;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::process::Cmd;

/// What `rustc -vV` and `--print sysroot` say.
#[derive(Debug, Clone, Serialize)]
pub struct Rustc {
    pub path: PathBuf,
    pub version: String,
    pub host: String,
    pub llvm_version: String,
    pub llvm_major: u32,
    pub sysroot: PathBuf,
}

impl Rustc {
    /// The rustc cargo would use (`$RUSTC`, else `rustc` on PATH).
    pub fn detect() -> Result<Rustc> {
        let path = PathBuf::from(env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()));
        let vv = Cmd::new(&path)
            .arg("-vV")
            .run()
            .context("cannot ask rustc for its version")?
            .stdout_str();
        let field = |name: &str| {
            vv.lines()
                .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
                .with_context(|| format!("`rustc -vV` printed no `{name}` line:\n{vv}"))
        };
        let version = field("release:")?;
        let host = field("host:")?;
        let llvm_version = field("LLVM version:")?;
        let llvm_major = parse_major(&llvm_version)
            .with_context(|| format!("odd LLVM version `{llvm_version}`"))?;
        let sysroot = Cmd::new(&path)
            .args(["--print", "sysroot"])
            .run()?
            .stdout_str()
            .trim()
            .into();
        Ok(Rustc {
            path,
            version,
            host,
            llvm_version,
            llvm_major,
            sysroot,
        })
    }

    /// `<sysroot>/lib/rustlib/<host>`.
    pub fn host_rustlib(&self) -> PathBuf {
        self.sysroot.join("lib/rustlib").join(&self.host)
    }

    /// Whether the target's `profiler_builtins` runtime (needed by `-Cprofile-generate`) is installed.
    pub fn has_profiler_runtime(&self, target: &str) -> bool {
        let dir = self.sysroot.join("lib/rustlib").join(target).join("lib");
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("libprofiler_builtins-")
            })
        })
    }
}

fn parse_major(version: &str) -> Option<u32> {
    version
        .split(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())?
        .parse()
        .ok()
}

/// The LLVM tools cargo-tune drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LlvmTool {
    Profdata,
    Bolt,
    MergeFdata,
    /// Strips a BOLTed binary as the variant's `strip` asks (cargo cannot: BOLT needs the symbols).
    Strip,
}

impl LlvmTool {
    pub const ALL: [LlvmTool; 3] = [LlvmTool::Profdata, LlvmTool::Bolt, LlvmTool::MergeFdata];

    pub fn name(self) -> &'static str {
        match self {
            LlvmTool::Profdata => "llvm-profdata",
            LlvmTool::Bolt => "llvm-bolt",
            LlvmTool::MergeFdata => "merge-fdata",
            LlvmTool::Strip => "llvm-strip",
        }
    }

    /// The exact command that installs a matching tool.
    pub fn install_hint(self, llvm_major: u32) -> String {
        match self {
            LlvmTool::Profdata | LlvmTool::Strip => format!(
                "`rustup component add llvm-tools-preview`, or on Debian/Ubuntu `apt-get install llvm-{llvm_major}`"
            ),
            LlvmTool::Bolt | LlvmTool::MergeFdata => {
                format!("on Debian/Ubuntu `apt-get install bolt-{llvm_major}`")
            }
        }
    }
}

impl fmt::Display for LlvmTool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where to look for tools; a value so tests can point it at fixture directories.
#[derive(Debug, Clone)]
pub(crate) struct ToolSearch {
    pub llvm_major: u32,
    /// rustup's llvm-tools: `<sysroot>/lib/rustlib/<host>/bin`.
    pub rustlib_bin: PathBuf,
    pub path: Vec<PathBuf>,
    /// Usually `/usr/lib`; holds `llvm-<major>/bin`.
    pub usr_lib: PathBuf,
}

/// One place looked at, and what was found there.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Candidate {
    pub path: PathBuf,
    /// LLVM version the tool reports, if it ran.
    pub version: Option<String>,
    /// Why it was not used (missing, wrong version, failed to run); `None` if used.
    pub rejected: Option<String>,
}

/// The result of a search: the tool (if any) and every candidate considered.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ToolLookup {
    pub tool: LlvmTool,
    pub llvm_major: u32,
    pub found: Option<FoundTool>,
    pub candidates: Vec<Candidate>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct FoundTool {
    pub path: PathBuf,
    pub version: String,
}

impl ToolSearch {
    pub(crate) fn for_rustc(rustc: &Rustc) -> ToolSearch {
        ToolSearch {
            llvm_major: rustc.llvm_major,
            rustlib_bin: rustc.host_rustlib().join("bin"),
            path: env::var_os("PATH")
                .map(|p| env::split_paths(&p).collect())
                .unwrap_or_default(),
            usr_lib: PathBuf::from("/usr/lib"),
        }
    }

    /// Looks in order: rustup's llvm-tools, `<tool>-<major>` on PATH, `/usr/lib/llvm-<major>/bin`,
    /// plain `<tool>` on PATH. Every candidate must report the same LLVM major as rustc.
    pub(crate) fn find(&self, tool: LlvmTool) -> ToolLookup {
        let name = tool.name();
        let major = self.llvm_major;
        let mut places: Vec<PathBuf> = vec![self.rustlib_bin.join(name)];
        places.extend(self.on_path(&format!("{name}-{major}")));
        places.push(self.usr_lib.join(format!("llvm-{major}/bin/{name}")));
        places.extend(self.on_path(name));
        self.first_matching(tool, places)
    }

    /// The first of `places` that exists and reports rustc's LLVM major.
    pub(crate) fn first_matching(&self, tool: LlvmTool, places: Vec<PathBuf>) -> ToolLookup {
        let major = self.llvm_major;
        let mut candidates = Vec::new();
        let mut found = None;
        for path in places {
            if !is_executable(&path) {
                continue;
            }
            let (version, rejected) = match tool_llvm_version(&path) {
                Ok(v) if parse_major(&v) == Some(major) => (Some(v), None),
                Ok(v) => {
                    let why = format!("LLVM {v} does not match rustc's LLVM {major}");
                    (Some(v), Some(why))
                }
                Err(e) => (None, Some(format!("could not read its version: {e:#}"))),
            };
            let ok = rejected.is_none();
            candidates.push(Candidate {
                path: path.clone(),
                version: version.clone(),
                rejected,
            });
            if ok {
                found = Some(FoundTool {
                    path,
                    version: version.unwrap_or_default(),
                });
                break;
            }
        }
        ToolLookup {
            tool,
            llvm_major: major,
            found,
            candidates,
        }
    }

    fn on_path(&self, name: &str) -> Option<PathBuf> {
        self.path
            .iter()
            .map(|d| d.join(name))
            .find(|p| is_executable(p))
    }
}

impl ToolLookup {
    /// The tool's path, or an error naming the version needed, what was skipped and how to install it.
    pub(crate) fn require(&self) -> Result<&Path> {
        if let Some(f) = &self.found {
            return Ok(&f.path);
        }
        let major = self.llvm_major;
        let mut msg = format!(
            "no `{}` for LLVM {major} found (rustc uses LLVM {major}; other LLVM versions cannot read its profiles)",
            self.tool
        );
        for c in &self.candidates {
            if let Some(why) = &c.rejected {
                msg.push_str(&format!("\n  skipped {}: {why}", c.path.display()));
            }
        }
        msg.push_str(&format!(
            "\n  install it with {}",
            self.tool.install_hint(self.llvm_major)
        ));
        bail!(msg)
    }
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Runs `<tool> --version` and extracts "LLVM version X.Y.Z".
pub(crate) fn tool_llvm_version(path: &Path) -> Result<String> {
    let out = Cmd::new(path)
        .arg("--version")
        .timeout(Some(std::time::Duration::from_secs(10)))
        .run()?
        .stdout_str();
    let line = out
        .lines()
        .find_map(|l| {
            l.split_once("LLVM version")
                .map(|(_, v)| v.trim().to_string())
        })
        .with_context(|| format!("no `LLVM version` in its output: {}", out.trim()))?;
    Ok(line
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string())
}

/// The variable that names an explicit path for `tool` (`CARGO_TUNE_LLVM_PROFDATA`, …).
pub fn override_var(tool: LlvmTool) -> String {
    format!(
        "CARGO_TUNE_{}",
        tool.name().to_uppercase().replace('-', "_")
    )
}

/// Finds a tool for the detected rustc. `CARGO_TUNE_<TOOL>` names the only path to consider
/// (it must still match rustc's LLVM version).
pub(crate) fn find_tool(rustc: &Rustc, tool: LlvmTool) -> ToolLookup {
    let search = ToolSearch::for_rustc(rustc);
    match env::var_os(override_var(tool)) {
        Some(explicit) => {
            let mut lookup = search.first_matching(tool, vec![PathBuf::from(&explicit)]);
            if lookup.candidates.is_empty() {
                lookup.candidates.push(Candidate {
                    path: explicit.into(),
                    version: None,
                    rejected: Some(format!(
                        "{} names it, but it is not an executable file",
                        override_var(tool)
                    )),
                });
            }
            lookup
        }
        None => search.find(tool),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn fake_tool(dir: &Path, name: &str, version: &str) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let p = dir.join(name);
        std::fs::write(
            &p,
            format!("#!/bin/sh\necho 'Debian LLVM version {version}'\n"),
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    #[test]
    fn skips_mismatched_plain_tool_and_prefers_versioned_one() {
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("bin");
        fake_tool(&bin, "llvm-profdata", "14.0.6");
        let search = ToolSearch {
            llvm_major: 22,
            rustlib_bin: tmp.path().join("rustlib"),
            path: vec![bin.clone()],
            usr_lib: tmp.path().join("usr-lib"),
        };
        let l = search.find(LlvmTool::Profdata);
        assert!(l.found.is_none());
        assert!(
            l.candidates[0]
                .rejected
                .as_deref()
                .unwrap()
                .contains("14.0.6")
        );
        let err = l.require().unwrap_err().to_string();
        assert!(
            err.contains("LLVM 22")
                && err.contains("apt-get install llvm-22")
                && err.contains("skipped"),
            "{err}"
        );

        let good = fake_tool(
            &tmp.path().join("usr-lib/llvm-22/bin"),
            "llvm-profdata",
            "22.1.8",
        );
        let l = search.find(LlvmTool::Profdata);
        assert_eq!(l.found.unwrap().path, good);

        let first = fake_tool(&tmp.path().join("rustlib"), "llvm-profdata", "22.1.2");
        assert_eq!(search.find(LlvmTool::Profdata).found.unwrap().path, first);
    }

    #[test]
    fn versioned_name_on_path_is_second_choice() {
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("bin");
        let v = fake_tool(&bin, "llvm-bolt-22", "22.1.8");
        fake_tool(&bin, "llvm-bolt", "22.1.8");
        let search = ToolSearch {
            llvm_major: 22,
            rustlib_bin: tmp.path().join("none"),
            path: vec![bin],
            usr_lib: tmp.path().join("none"),
        };
        assert_eq!(search.find(LlvmTool::Bolt).found.unwrap().path, v);
    }

    #[test]
    fn major_parsing() {
        assert_eq!(parse_major("22.1.2"), Some(22));
        assert_eq!(parse_major("14.0.6-rust"), Some(14));
    }
}

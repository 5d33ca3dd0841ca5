//! Running a recorded link again into another file, with arguments added or removed: a new
//! binary from the same objects at the cost of one link, not one build.

use std::path::Path;

use anyhow::{Context, Result};

use super::capture::Captured;
use crate::process::Cmd;

/// Longer command lines go through a response file (Linux allows 128 KiB per argument and
/// 2 MiB in all; rustc itself switches only when the kernel refuses).
const RESPONSE_FILE_OVER: usize = 100 * 1024;

/// How a replay differs from the recorded link. `remove` is applied first, then `add` is
/// appended (after every input, where `-Wl,` options of a cc driver may go).
///
/// A replay never writes the recorded link's `-Wl,-Map=` file (it belongs to the build); add
/// your own `-Wl,-Map=…` to get one for the replay.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Edit {
    pub add: Vec<String>,
    pub remove: Vec<Remove>,
}

/// Which recorded arguments to leave out.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Remove {
    /// Arguments equal to this.
    Exact(String),
}

impl Remove {
    fn matches(&self, arg: &str) -> bool {
        match self {
            Remove::Exact(s) => arg == s,
        }
    }
}

impl Edit {
    /// Appends `args` to the link.
    pub(crate) fn adding<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Edit {
        self.add.extend(args.into_iter().map(Into::into));
        self
    }

    pub(crate) fn removing(mut self, r: Remove) -> Edit {
        self.remove.push(r);
        self
    }

    /// The unstripped twin of a stripped binary: the same link without the strip options rustc
    /// passes for `strip = "symbols"` (`-Wl,--strip-all`) or `"debuginfo"` (`-Wl,--strip-debug`),
    /// so it keeps its symbol table (and whatever debug info its objects have).
    pub(crate) fn unstripped() -> Edit {
        [
            "-Wl,--strip-all",
            "-Wl,--strip-debug",
            "-Wl,-s",
            "-Wl,-S",
            "-s",
        ]
        .into_iter()
        .fold(Edit::default(), |e, a| e.removing(Remove::Exact(a.into())))
    }

    /// The arguments of `c` with this edit applied and the output set to `out`.
    pub(crate) fn apply(&self, c: &Captured, out: &Path) -> Result<Vec<String>> {
        let out = out.to_str().context("output path is not UTF-8")?;
        let mut args = Vec::with_capacity(c.args.len() + self.add.len());
        let mut iter = c.args.iter();
        while let Some(a) = iter.next() {
            if a == "-o" {
                iter.next();
                args.extend(["-o".to_string(), out.to_string()]);
            } else if !(a.starts_with("-Wl,-Map") || self.remove.iter().any(|r| r.matches(a))) {
                args.push(a.clone());
            }
        }
        args.extend(self.add.iter().cloned());
        Ok(args)
    }
}

/// Links `c` again, edited by `edit`, into `out` (its directory is created). The error shows
/// the linker's command line and output.
pub(crate) fn relink(c: &Captured, edit: &Edit, out: &Path) -> Result<()> {
    let dir = out.parent().context("output without a directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let args = edit.apply(c, out)?;
    let mut cmd = Cmd::new(&c.linker).cwd(&c.cwd);
    for (k, v) in &c.env {
        cmd = cmd.env(k, v);
    }
    let cmd = if args.iter().map(String::len).sum::<usize>() > RESPONSE_FILE_OVER {
        let file = dir.join("link-args.rsp");
        let text: String = args
            .iter()
            .map(|a| super::capture::escape(a) + "\n")
            .collect();
        std::fs::write(&file, text).with_context(|| format!("cannot write {}", file.display()))?;
        cmd.arg(format!("@{}", file.display()))
    } else {
        cmd.args(&args)
    };
    cmd.run()
        .with_context(|| format!("relinking {} failed", c.output.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_replaces_the_output_drops_the_map_and_appends() {
        let c = Captured {
            linker: "cc".into(),
            args: [
                "a.o",
                "-Wl,--strip-all",
                "-Wl,-Map=/t/x.map",
                "-o",
                "/t/app",
                "-pie",
            ]
            .map(String::from)
            .to_vec(),
            env: vec![],
            cwd: "/".into(),
            output: "/t/app".into(),
            started: 0.0,
            dir: "/t/rec".into(),
        };
        let e = Edit::unstripped().adding(["-Wl,--shuffle-sections=*=3"]);
        let args = e.apply(&c, Path::new("/o/app")).unwrap();
        assert_eq!(
            args,
            ["a.o", "-o", "/o/app", "-pie", "-Wl,--shuffle-sections=*=3"]
        );
    }
}

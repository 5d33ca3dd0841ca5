//! Writing edited files so that no crash leaves a half-written one: each file is written to a temp
//! file in its own directory (with the original's permissions), synced, then renamed over the
//! original. After the renames the caller's validation runs; if it fails, every original is put back.

use std::fs::{self, Permissions};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::manifest::Edit;

/// Test hook: when set to a path, the write pauses after every temp file is complete and before
/// the first rename, after creating that path as a marker. Tests SIGKILL the process there to
/// check that an interrupted write leaves the originals intact.
pub(crate) const PAUSE_BEFORE_RENAME_ENV: &str = "CARGO_TUNE_TEST_PAUSE_BEFORE_RENAME";

/// What a commit did besides writing.
#[derive(Debug, Default)]
pub(crate) struct Committed {
    /// Temp files left by an earlier, killed cargo-tune run, removed now.
    pub stale_removed: Vec<PathBuf>,
}

/// What to do with a file that has no write permission bit. A rename replaces it regardless
/// (and root may write anything), so the mode bits are the user's only word on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadOnly {
    /// Refuse; the message names `--force` when the command has one.
    Refuse { force_flag: bool },
    /// `--force`: replace it, keeping its mode.
    Replace,
}

impl ReadOnly {
    /// For a command with `--force`.
    pub(crate) fn forced(force: bool) -> ReadOnly {
        if force {
            ReadOnly::Replace
        } else {
            ReadOnly::Refuse { force_flag: true }
        }
    }
}

/// Fails when `path` exists without any write permission bit and `read_only` refuses it.
pub(crate) fn check_writable(path: &Path, read_only: ReadOnly) -> Result<()> {
    let ReadOnly::Refuse { force_flag } = read_only else {
        return Ok(());
    };
    let Ok(meta) = fs::metadata(path) else {
        return Ok(());
    };
    let mode = meta.permissions().mode();
    if mode & 0o222 != 0 {
        return Ok(());
    }
    let force = if force_flag {
        ", or pass --force to replace it anyway (it keeps its mode)"
    } else {
        ""
    };
    bail!(
        "{} is read-only (mode {:o}); nothing was written: make it writable (chmod u+w {}) and run \
         again{force}",
        path.display(),
        mode & 0o7777,
        crate::process::shell_quote(&path.display().to_string())
    )
}

/// Writes every `Modified` edit atomically, then runs `validate`; restores the originals if it fails.
pub(crate) fn commit(
    edits: &[Edit],
    read_only: ReadOnly,
    validate: impl FnOnce() -> Result<()>,
) -> Result<Committed> {
    commit_with(edits, read_only, validate, &|temps| pause_if_asked(temps))
}

/// `commit` with an injectable step between writing the temp files and renaming them.
pub(crate) fn commit_with(
    edits: &[Edit],
    read_only: ReadOnly,
    validate: impl FnOnce() -> Result<()>,
    before_rename: &dyn Fn(&[PathBuf]) -> Result<()>,
) -> Result<Committed> {
    let mut committed = Committed::default();
    let mut staged = Vec::new();
    let mut created_dirs = Vec::new();
    let result = (|| -> Result<()> {
        for edit in edits {
            let Edit::Modified { path, old, new } = edit else {
                continue;
            };
            let path = real_path(path);
            check_writable(&path, read_only)?;
            let on_disk = match fs::read_to_string(&path) {
                Ok(t) => Some(t),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
            };
            if on_disk != *old {
                bail!(
                    "{} changed on disk while cargo-tune was working; nothing was written (run the command again)",
                    path.display()
                );
            }
            let dir = parent(&path);
            if !dir.exists() {
                fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create directory {}", dir.display()))?;
                created_dirs.push(dir.clone());
            }
            committed.stale_removed.extend(remove_stale_temps(&path));
            let perms = match fs::metadata(&path) {
                Ok(m) => m.permissions(),
                Err(_) => Permissions::from_mode(0o644),
            };
            let temp = write_temp(&path, new.as_bytes(), perms)?;
            staged.push((temp, path, old.clone()));
        }
        Ok(())
    })();
    if let Err(e) = result {
        drop(staged);
        remove_dirs(&created_dirs);
        return Err(e);
    }
    let temps: Vec<PathBuf> = staged.iter().map(|(t, _, _)| t.to_path_buf()).collect();
    if let Err(e) = before_rename(&temps) {
        drop(staged);
        remove_dirs(&created_dirs);
        return Err(e);
    }

    // From the first rename until the files are consistent again, no Ctrl-C may end the process
    // (a first Ctrl-C stops the validating cargo, which rolls the change back).
    crate::process::uninterruptible(|| {
        let mut done: Vec<(PathBuf, Option<String>)> = Vec::new();
        for (temp, path, old) in staged {
            if let Err(e) = temp.persist(&path) {
                let restore = restore(&done, &created_dirs);
                return Err(anyhow::Error::new(e.error))
                    .with_context(|| format!("cannot replace {}", path.display()))
                    .with_context(|| restore_note(&restore));
            }
            sync_dir(&parent(&path));
            done.push((path, old));
        }
        if let Err(e) = validate() {
            let restore = restore(&done, &created_dirs);
            return Err(e.context(restore_note(&restore)));
        }
        Ok(committed)
    })
}

fn restore_note(result: &Result<()>) -> String {
    match result {
        Ok(()) => "the change was rejected, so the original files were restored".into(),
        Err(e) => format!("the change was rejected, and restoring the originals failed: {e:#}"),
    }
}

/// Puts originals back (atomically, too) and deletes files and directories that did not exist.
fn restore(done: &[(PathBuf, Option<String>)], created_dirs: &[PathBuf]) -> Result<()> {
    for (path, old) in done.iter().rev() {
        match old {
            Some(text) => {
                let perms = fs::metadata(path)
                    .map(|m| m.permissions())
                    .unwrap_or_else(|_| Permissions::from_mode(0o644));
                write_temp(path, text.as_bytes(), perms)?
                    .persist(path)
                    .map_err(|e| e.error)
                    .with_context(|| format!("cannot restore {}", path.display()))?;
            }
            None => fs::remove_file(path)
                .with_context(|| format!("cannot remove {}", path.display()))?,
        }
    }
    remove_dirs(created_dirs);
    Ok(())
}

fn remove_dirs(dirs: &[PathBuf]) {
    for d in dirs.iter().rev() {
        // Only if still empty: never remove anything the user put there meanwhile.
        let _ = fs::remove_dir(d);
    }
}

/// Writes `bytes` to a synced temp file next to `path`, named after it and our pid.
fn write_temp(path: &Path, bytes: &[u8], perms: Permissions) -> Result<tempfile::TempPath> {
    let dir = parent(path);
    let prefix = temp_prefix(path, std::process::id());
    let mut file = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a temp file in {}", dir.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().set_permissions(perms))
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("cannot write {}", file.path().display()))?;
    Ok(file.into_temp_path())
}

/// `.Cargo.toml.cargo-tune-<pid>-`: hidden, recognisable, and tells whether its writer is alive.
fn temp_prefix(path: &Path, pid: u32) -> String {
    let name = path
        .file_name()
        .map_or("file".into(), |n| n.to_string_lossy());
    format!(".{name}.cargo-tune-{pid}-")
}

/// Removes temp files of `path` whose writing process is gone (killed between write and rename).
fn remove_stale_temps(path: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(parent(path)) else {
        return Vec::new();
    };
    let name = path
        .file_name()
        .map_or("file".into(), |n| n.to_string_lossy());
    let head = format!(".{name}.cargo-tune-");
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&head) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<i32>().ok()) else {
            continue;
        };
        if !file.ends_with(".tmp") || pid_alive(pid) {
            continue;
        }
        if fs::remove_file(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed
}

fn pid_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks whether the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// The file a symlink points to, so the rename replaces the file and keeps the link.
fn real_path(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path).unwrap_or(path.into()),
        _ => path.to_path_buf(),
    }
}

fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Makes the rename itself durable.
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

fn pause_if_asked(temps: &[PathBuf]) -> Result<()> {
    let Some(marker) = std::env::var_os(PAUSE_BEFORE_RENAME_ENV) else {
        return Ok(());
    };
    let list: Vec<String> = temps.iter().map(|t| t.display().to_string()).collect();
    // Written whole, then renamed into place: the test waits for the marker to exist and then
    // kills this process, so a marker that existed before its contents did could be read empty.
    let mut part = marker.clone();
    part.push(".part");
    fs::write(&part, list.join("\n"))
        .and_then(|()| fs::rename(&part, &marker))
        .with_context(|| format!("cannot write the test marker {:?}", marker))?;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("{PAUSE_BEFORE_RENAME_ENV}: nobody stopped the paused write within 120 s")
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFUSE: ReadOnly = ReadOnly::Refuse { force_flag: true };

    fn edit(path: &Path, new: &str) -> Edit {
        let old = fs::read_to_string(path).ok();
        Edit::new(path.to_path_buf(), old, new.to_string())
    }

    #[test]
    fn writes_keep_permissions_and_leave_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("Cargo.toml");
        fs::write(&p, "a = 1\n").unwrap();
        fs::set_permissions(&p, Permissions::from_mode(0o640)).unwrap();
        let cfg = dir.path().join(".cargo/config.toml");
        commit(
            &[edit(&p, "a = 2\n"), edit(&cfg, "b = 1\n")],
            REFUSE,
            || Ok(()),
        )
        .unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "a = 2\n");
        assert_eq!(fs::read_to_string(&cfg).unwrap(), "b = 1\n");
        let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}"); // Cargo.toml and .cargo, no temp file
    }

    #[test]
    fn failure_before_rename_leaves_originals_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("Cargo.toml");
        fs::write(&p, "a = 1 # keep\n").unwrap();
        let cfg = dir.path().join(".cargo/config.toml");
        let e = commit_with(
            &[edit(&p, "a = 2\n"), edit(&cfg, "b = 1\n")],
            REFUSE,
            || Ok(()),
            &|temps| {
                // The temp files are complete at this point.
                assert_eq!(temps.len(), 2);
                assert_eq!(fs::read_to_string(&temps[0]).unwrap(), "a = 2\n");
                bail!("injected crash")
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("injected"));
        assert_eq!(fs::read_to_string(&p).unwrap(), "a = 1 # keep\n");
        assert!(!dir.path().join(".cargo").exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn failed_validation_restores_everything() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("Cargo.toml");
        fs::write(&p, "a = 1\n").unwrap();
        let cfg = dir.path().join(".cargo/config.toml");
        let e = commit(
            &[edit(&p, "a = 2\n"), edit(&cfg, "b = 1\n")],
            REFUSE,
            || {
                assert_eq!(fs::read_to_string(&p).unwrap(), "a = 2\n");
                bail!("cargo says no")
            },
        )
        .unwrap_err();
        let shown = format!("{e:#}");
        assert!(
            shown.contains("cargo says no") && shown.contains("restored"),
            "{shown}"
        );
        assert_eq!(fs::read_to_string(&p).unwrap(), "a = 1\n");
        assert!(!cfg.exists() && !dir.path().join(".cargo").exists());
    }

    #[test]
    fn concurrent_change_is_refused_and_stale_temps_are_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("Cargo.toml");
        fs::write(&p, "a = 1\n").unwrap();
        let e = edit(&p, "a = 2\n");
        fs::write(&p, "a = 3\n").unwrap();
        assert!(commit(&[e], REFUSE, || Ok(())).is_err());
        assert_eq!(fs::read_to_string(&p).unwrap(), "a = 3\n");

        // A temp file from a process that no longer exists (pid far above pid_max).
        let stale = dir.path().join(".Cargo.toml.cargo-tune-999999999-abc.tmp");
        fs::write(&stale, "half").unwrap();
        let mine = dir.path().join(format!(
            ".Cargo.toml.cargo-tune-{}-x.tmp",
            std::process::id()
        ));
        fs::write(&mine, "live").unwrap();
        let done = commit(&[edit(&p, "a = 4\n")], REFUSE, || Ok(())).unwrap();
        assert_eq!(done.stale_removed, vec![stale.clone()]);
        assert!(!stale.exists() && mine.exists());
    }

    #[test]
    fn read_only_files_are_refused_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("Cargo.toml");
        fs::write(&p, "a = 1\n").unwrap();
        fs::set_permissions(&p, Permissions::from_mode(0o444)).unwrap();
        let e = commit(&[edit(&p, "a = 2\n")], REFUSE, || Ok(())).unwrap_err();
        let shown = format!("{e:#}");
        assert!(
            shown.contains("is read-only (mode 444); nothing was written")
                && shown.contains("chmod u+w")
                && shown.contains("--force"),
            "{shown}"
        );
        assert_eq!(fs::read_to_string(&p).unwrap(), "a = 1\n");
        let no_flag = ReadOnly::Refuse { force_flag: false };
        let e = commit(&[edit(&p, "a = 2\n")], no_flag, || Ok(())).unwrap_err();
        assert!(!e.to_string().contains("--force"), "{e}");
        commit(&[edit(&p, "a = 2\n")], ReadOnly::Replace, || Ok(())).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "a = 2\n");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o444
        );
    }
}

//! The git side of `check`: the repository, the base commit, a dirty tree, and the base revision
//! checked out in a `git worktree` cached by commit.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::process::Cmd;

/// The repository the project lives in.
#[derive(Debug, Clone)]
pub(crate) struct Repo {
    /// `git rev-parse --show-toplevel`.
    pub root: PathBuf,
}

/// A revision resolved to its commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Commit {
    /// As the user wrote it (`main`, `origin/main`, a sha).
    pub rev: String,
    pub sha: String,
}

impl Commit {
    pub(crate) fn short(&self) -> &str {
        &self.sha[..self.sha.len().min(8)]
    }
}

fn git(dir: &Path) -> Cmd {
    // Never prompt (credentials, pagers): CI has no one to answer.
    Cmd::new("git")
        .arg("-C")
        .arg(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_PAGER", "cat")
}

impl Repo {
    /// The repository containing `dir`, or an error that says what `check` needs.
    pub(crate) fn discover(dir: &Path) -> Result<Repo> {
        let out = git(dir)
            .args(["rev-parse", "--show-toplevel"])
            .run_unchecked()
            .context("cannot run `git` (is it installed and on PATH?)")?;
        if !out.success() {
            bail!(
                "{} is not inside a git repository: `cargo tune check` builds the base revision \
                 from git history, so the project must be a git checkout",
                dir.display()
            );
        }
        let root = PathBuf::from(out.stdout_str().trim());
        Ok(Repo { root })
    }

    /// Resolves `rev` to a commit; in a shallow clone without it, says how to fetch history.
    pub(crate) fn resolve(&self, rev: &str) -> Result<Commit> {
        let out = git(&self.root)
            .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
            .arg(format!("{rev}^{{commit}}"))
            .run_unchecked()?;
        if out.success() {
            return Ok(Commit {
                rev: rev.to_string(),
                sha: out.stdout_str().trim().to_string(),
            });
        }
        if self.is_shallow()? {
            bail!(
                "the base revision `{rev}` is not in this shallow clone: fetch the history first \
                 (`git fetch --unshallow`, or in GitHub Actions `actions/checkout` with \
                 `fetch-depth: 0`)"
            );
        }
        bail!(
            "`{rev}` is not a commit of the repository at {} (try `git fetch`, or a branch, tag or \
             sha that `git rev-parse` knows)",
            self.root.display()
        )
    }

    fn is_shallow(&self) -> Result<bool> {
        let out = git(&self.root)
            .args(["rev-parse", "--is-shallow-repository"])
            .run_unchecked()?;
        Ok(out.stdout_str().trim() == "true")
    }

    /// The commit checked out now, if any (a fresh `git init` has none).
    pub(crate) fn head(&self) -> Option<Commit> {
        self.resolve("HEAD").ok()
    }

    /// Files changed against HEAD (untracked included, ignored ones not), as `git status` shows them.
    pub(crate) fn changes(&self) -> Result<Vec<String>> {
        let out = git(&self.root)
            .args(["status", "--porcelain=v1"])
            .run()
            .context("cannot read the working tree's status")?;
        Ok(out
            .stdout_str()
            .lines()
            .map(|l| l.get(3..).unwrap_or(l).to_string())
            .collect())
    }

    /// Whether tracked files differ from HEAD (untracked ones, such as an export dir, do not count).
    pub(crate) fn tracked_changes(&self) -> Result<bool> {
        let out = git(&self.root)
            .args(["status", "--porcelain=v1", "--untracked-files=no"])
            .run()
            .context("cannot read the working tree's status")?;
        Ok(!out.stdout.is_empty())
    }

    /// A checkout of `commit` at `dir`, made with `git worktree add` once and reused afterwards.
    pub(crate) fn worktree(&self, commit: &Commit, dir: &Path) -> Result<()> {
        if self.is_checkout_of(dir, commit) {
            return Ok(());
        }
        // A directory left by an interrupted run, or whose worktree record git has pruned.
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .with_context(|| format!("cannot clear {}", dir.display()))?;
        }
        git(&self.root).args(["worktree", "prune"]).run()?;
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        git(&self.root)
            .args(["worktree", "add", "--detach", "--force"])
            .arg(dir)
            .arg(&commit.sha)
            .run()
            .with_context(|| {
                format!(
                    "cannot check out the base revision `{}` ({}) into {}",
                    commit.rev,
                    commit.short(),
                    dir.display()
                )
            })?;
        Ok(())
    }

    fn is_checkout_of(&self, dir: &Path, commit: &Commit) -> bool {
        if !dir.join(".git").exists() {
            return false;
        }
        let head = git(dir).args(["rev-parse", "HEAD"]).run_unchecked();
        let clean = git(dir).args(["status", "--porcelain=v1"]).run_unchecked();
        matches!((head, clean), (Ok(h), Ok(c))
            if h.success() && h.stdout_str().trim() == commit.sha && c.success() && c.stdout.is_empty())
    }
}

//! Unified diffs of planned file edits, coloured for stdout when it is a terminal.

use std::path::Path;

use similar::TextDiff;

use crate::manifest::Edit;
use crate::manifest::effective::short;
use crate::ui::{BOLD, CYAN, GREEN, RED, Shell};

/// The unified diff of one edit (empty for `NoChange`), uncoloured; paths relative to the
/// working directory.
#[cfg(test)]
pub(crate) fn unified(edit: &Edit) -> String {
    unified_in(edit, None)
}

/// Like `unified`, with paths outside the working directory shown relative to `root` (the
/// project), as `git diff` shows them: `a/Cargo.toml`, never `a//abs/path`.
pub(crate) fn unified_in(edit: &Edit, root: Option<&Path>) -> String {
    let Edit::Modified { path, old, new } = edit else {
        return String::new();
    };
    let name = match root.and_then(|r| path.strip_prefix(r).ok()) {
        Some(rel) if Path::new(&short(path)).is_absolute() => rel.display().to_string(),
        _ => short(path),
    };
    // An absolute path (outside both) goes without the a/ b/ prefixes.
    let (a, b) = if Path::new(&name).is_absolute() {
        ("", "")
    } else {
        ("a/", "b/")
    };
    let (from, old) = match old {
        Some(text) => (format!("{a}{name}"), text.as_str()),
        None => ("/dev/null".to_string(), ""),
    };
    TextDiff::from_lines(old, new.as_str())
        .unified_diff()
        .context_radius(3)
        .header(&from, &format!("{b}{name}"))
        .to_string()
}

/// Colours a unified diff line by line, the way `git diff` does.
pub(crate) fn paint(shell: &Shell, diff: &str) -> String {
    let mut out = String::new();
    for line in diff.lines() {
        let styled = if line.starts_with("+++") || line.starts_with("---") {
            shell.out(BOLD, line)
        } else if line.starts_with('+') {
            shell.out(GREEN, line)
        } else if line.starts_with('-') {
            shell.out(RED, line)
        } else if line.starts_with("@@") {
            shell.out(CYAN, line)
        } else {
            line.to_string()
        };
        out.push_str(&styled);
        out.push('\n');
    }
    out
}

/// Prints the diff of every edit that changes something to stdout, paths relative to the
/// working directory or else to `root`.
pub(crate) fn show(shell: &Shell, edits: &[Edit], root: &Path) {
    for e in edits {
        let d = unified_in(e, Some(root));
        if !d.is_empty() {
            print!("{}", paint(shell, &d));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_relative_to_the_project_outside_the_working_directory() {
        let edit = Edit::new(
            "/nowhere-near-cwd/proj/Cargo.toml".into(),
            Some("a = 1\n".into()),
            "a = 2\n".into(),
        );
        let d = unified_in(&edit, Some(Path::new("/nowhere-near-cwd/proj")));
        assert!(d.starts_with("--- a/Cargo.toml\n+++ b/Cargo.toml\n"), "{d}");
        let d = unified_in(&edit, None);
        assert!(
            d.starts_with(
                "--- /nowhere-near-cwd/proj/Cargo.toml\n+++ /nowhere-near-cwd/proj/Cargo.toml\n"
            ),
            "{d}"
        );
        assert!(!d.contains("//"), "{d}");
    }
}

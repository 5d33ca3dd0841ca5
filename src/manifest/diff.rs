//! Unified diffs of planned file edits, coloured for stdout when it is a terminal.

use similar::TextDiff;

use crate::manifest::Edit;
use crate::manifest::resolve::short;
use crate::ui::{BOLD, CYAN, GREEN, RED, Shell};

/// The unified diff of one edit (empty for `NoChange`), uncoloured.
pub fn unified(edit: &Edit) -> String {
    let Edit::Modified { path, old, new } = edit else {
        return String::new();
    };
    let name = short(path);
    let (from, old) = match old {
        Some(text) => (format!("a/{name}"), text.as_str()),
        None => ("/dev/null".to_string(), ""),
    };
    TextDiff::from_lines(old, new.as_str())
        .unified_diff()
        .context_radius(3)
        .header(&from, &format!("b/{name}"))
        .to_string()
}

/// Colours a unified diff line by line, the way `git diff` does.
pub fn paint(shell: &Shell, diff: &str) -> String {
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

/// Prints the diff of every edit that changes something to stdout.
pub fn show(shell: &Shell, edits: &[Edit]) {
    for e in edits {
        let d = unified(e);
        if !d.is_empty() {
            print!("{}", paint(shell, &d));
        }
    }
}

//! Reading TOML files for editing: a syntax error names the file, line and column, and nothing is written.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use toml_edit::DocumentMut;

/// A TOML file cargo-tune may edit: its current text (if it exists) and its parsed form.
#[derive(Debug, Clone)]
pub(crate) struct TomlFile {
    pub path: PathBuf,
    /// `None` when the file does not exist yet (it is then created on write).
    pub text: Option<String>,
    pub doc: DocumentMut,
}

impl TomlFile {
    /// Reads and parses `path`; a missing file reads as an empty document.
    pub(crate) fn read(path: &Path) -> Result<TomlFile> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let doc = match &text {
            Some(t) => parse(path, t)?,
            None => DocumentMut::new(),
        };
        Ok(TomlFile {
            path: path.to_path_buf(),
            text,
            doc,
        })
    }

    /// The text the document renders to now.
    pub(crate) fn rendered(&self) -> String {
        self.doc.to_string()
    }
}

/// A TOML syntax error located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub path: PathBuf,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
    /// The offending line, for the caret display.
    pub source_line: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}:{}:{}: invalid TOML: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )?;
        let gutter = self.line.to_string().len();
        writeln!(f, "{:gutter$} |", "")?;
        writeln!(f, "{} | {}", self.line, self.source_line)?;
        write!(f, "{:gutter$} | {:>col$}", "", "^", col = self.column)
    }
}

impl std::error::Error for SyntaxError {}

/// Parses `text` (the contents of `path`) for editing.
pub(crate) fn parse(path: &Path, text: &str) -> Result<DocumentMut, SyntaxError> {
    text.parse::<DocumentMut>().map_err(|e| {
        let offset = e.span().map_or(text.len(), |s| s.start).min(text.len());
        let (line, column) = line_column(text, offset);
        SyntaxError {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().trim().replace('\n', "; "),
            source_line: text.lines().nth(line - 1).unwrap_or("").to_string(),
        }
    })
}

/// 1-based line and character column of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_error_names_line_and_column() {
        let text = "[package]\nname = \"x\"\n\n[profile.release]\nlto = = true\n";
        let e = parse(Path::new("/w/Cargo.toml"), text).unwrap_err();
        assert_eq!((e.line, e.column), (5, 7));
        let shown = e.to_string();
        assert!(
            shown.starts_with("/w/Cargo.toml:5:7: invalid TOML"),
            "{shown}"
        );
        assert!(shown.contains("5 | lto = = true"), "{shown}");
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_column("a\né=x", 5), (2, 3));
        assert_eq!(line_column("", 0), (1, 1));
    }
}

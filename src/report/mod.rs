//! Reports of a run: the saved data model (`model`), its views (`view`, `prose`), one exporter
//! per format (terminal table, Markdown, JSON, HTML), and saving/loading under `<target-dir>/tune/results`.

pub(crate) mod crates;
pub(crate) mod exporter;
pub(crate) mod format;
pub(crate) mod html;
pub(crate) mod layouts;
pub(crate) mod markdown;
pub(crate) mod prose;
pub(crate) mod table;
pub(crate) mod view;

use anyhow::Result;

use crate::report::exporter::{Exporter, JsonExporter};
use crate::report::markdown::MarkdownExporter;
use crate::report::table::TableExporter;
use crate::run::Run;

/// Output formats of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned table for the terminal
    #[default]
    Table,
    /// GitHub-flavoured Markdown, for a pull request
    Markdown,
    /// The complete run with every sample
    Json,
    /// One self-contained page with charts (write it with -o FILE)
    Html,
}

impl Format {
    /// The exporter; `color` only affects the terminal table.
    pub fn exporter(self, color: bool) -> Box<dyn Exporter> {
        match self {
            Format::Table => Box::new(TableExporter { color }),
            Format::Markdown => Box::new(MarkdownExporter),
            Format::Json => Box::new(JsonExporter),
            Format::Html => Box::new(html::HtmlExporter),
        }
    }
}

/// Renders `run` in `format`.
pub(crate) fn render(run: &Run, format: Format, color: bool) -> Result<String> {
    format.exporter(color).render(run)
}

#[cfg(test)]
mod tests;

//! Reports of a run: the saved data model (`model`), its views (`view`, `prose`), one exporter
//! per format (terminal table, Markdown, JSON, HTML), and saving/loading under `<target-dir>/tune/results`.

pub mod auto;
pub mod crates;
pub mod format;
pub mod html;
pub mod markdown;
pub mod model;
pub mod pareto;
pub mod prose;
pub mod store;
pub mod table;
pub mod training;
pub mod view;

use anyhow::Result;

pub use markdown::MarkdownExporter;
pub use model::{
    BuildInfo, CrateSize, HostInfo, Measurement, ProjectInfo, Run, RunCommand, SCHEMA,
    VariantResult, WorkloadInfo, measure_run,
};
pub use store::{load, load_any, load_last, results_dir, save, write_file};
pub use table::TableExporter;

/// Turns a run into text in one format.
pub trait Exporter {
    fn render(&self, run: &Run) -> Result<String>;
}

/// The run itself, pretty-printed: the `--json` output and the saved file's content.
pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn render(&self, run: &Run) -> Result<String> {
        let mut s = serde_json::to_string_pretty(run)?;
        s.push('\n');
        Ok(s)
    }
}

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
pub fn render(run: &Run, format: Format, color: bool) -> Result<String> {
    format.exporter(color).render(run)
}

#[cfg(test)]
mod tests;

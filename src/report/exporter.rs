//! One exporter per output format: a run in, text out. The JSON exporter is the run itself.

use anyhow::Result;

use crate::run::Run;

/// Turns a run into text in one format.
pub trait Exporter {
    fn render(&self, run: &Run) -> Result<String>;
}

/// The run itself, pretty-printed: the `--json` output and the saved file's content.
pub(crate) struct JsonExporter;

impl Exporter for JsonExporter {
    fn render(&self, run: &Run) -> Result<String> {
        let mut s = serde_json::to_string_pretty(run)?;
        s.push('\n');
        Ok(s)
    }
}

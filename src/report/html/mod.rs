//! The HTML report: one self-contained page (inline CSS and SVG, no scripts or fonts fetched)
//! with the tables, charts and variant details of a run, and the run's JSON embedded as data.
//! HTML and SVG are written with `maud` (compile-time checked, escaped by default).

pub(crate) mod charts;
pub(crate) mod details;
mod health;
mod page;
pub(crate) mod svg;

use anyhow::Result;
use maud::PreEscaped;
use serde::Serialize;

use crate::report::exporter::Exporter;
use crate::run::Run;
use crate::run::auto::AutoResult;

/// Renders a saved or fresh `compare`/`auto` run (for `auto` without its search path).
pub(crate) struct HtmlExporter;

impl Exporter for HtmlExporter {
    fn render(&self, run: &Run) -> Result<String> {
        page::page(run, None)
    }
}

/// The page of an `auto` run: the final run plus the search path, Pareto front and pick.
pub(crate) fn render_auto(result: &AutoResult) -> Result<String> {
    page::page(&result.final_run, Some(result))
}

/// `value` as JSON that is safe inside `<script type="application/json">`: every `<`, `>` and
/// `&` (which only occur inside JSON strings) becomes a `\u` escape, so no `</script>` or
/// `<!--` in a path or an error message can end the block early. Reading the block's text
/// with any JSON parser gives back the original document.
pub(crate) fn embedded_json(value: &impl Serialize) -> Result<PreEscaped<String>> {
    let json = serde_json::to_string(value)?;
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            _ => out.push(c),
        }
    }
    Ok(PreEscaped(out))
}

#[cfg(test)]
mod tests;

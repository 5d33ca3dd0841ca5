//! The terminal report: one comfy-table per workload, the summary paragraph, legend, failures.
//! The best cell per column is bold green with colour, and carries a `*` without it.

use anyhow::Result;
use comfy_table::{
    Attribute, Cell, CellAlignment, Color, ContentArrangement, LineStyle, Table, TableStyle,
};

use crate::report::exporter::Exporter;
use crate::report::view::{ReportView, TableView, Tone, view};
use crate::run::Run;
use crate::ui::{BOLD, paint};

/// A rule under the header and nothing else: reads like cargo's own output.
pub(crate) const STYLE: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─').junction(' '));

/// Renders for a terminal; `color` decides between styling and `*` markers.
pub(crate) struct TableExporter {
    pub color: bool,
}

impl TableExporter {
    fn table(&self, t: &TableView) -> String {
        let mut table = Table::new();
        // Width and styling must not depend on where the output goes (snapshots, pipes).
        table.force_no_tty();
        if self.color {
            table.enforce_styling();
            table.style_text_only();
        }
        table
            .load_style(STYLE)
            .set_content_arrangement(ContentArrangement::Disabled);
        table.set_header(t.headers.iter().map(|h| {
            let c = Cell::new(h);
            if self.color {
                c.add_attribute(Attribute::Bold)
            } else {
                c
            }
        }));
        for row in &t.rows {
            table.add_row(row.iter().map(|cell| {
                let text = if cell.best && !self.color {
                    format!("{}*", cell.text)
                } else {
                    cell.text.clone()
                };
                let mut c = Cell::new(text);
                if self.color && cell.best {
                    c = c.fg(Color::Green).add_attribute(Attribute::Bold);
                } else if self.color && cell.tone == Tone::Worse {
                    c = c.fg(Color::Red);
                }
                c
            }));
        }
        for i in 1..t.headers.len() {
            if let Some(col) = table.column_mut(i) {
                col.set_cell_alignment(CellAlignment::Right);
            }
        }
        table.to_string()
    }
}

impl Exporter for TableExporter {
    fn render(&self, run: &Run) -> Result<String> {
        let mut v: ReportView = view(run);
        v.tables.extend(crate::report::crates::table(run));
        let mut out = String::new();
        for t in &v.tables {
            out.push_str(&paint(self.color, BOLD, &t.title));
            out.push('\n');
            // comfy-table pads lines on the right; trailing spaces only make diffs noisy.
            for line in self.table(t).lines() {
                out.push_str(line.trim_end());
                out.push('\n');
            }
            out.push('\n');
        }
        out.push_str(&v.summary);
        out.push_str("\n\n");
        for e in &run.explain {
            out.push_str(&crate::explain::render::text(e));
            out.push('\n');
        }
        for l in &v.legend {
            out.push_str(l);
            out.push('\n');
        }
        let any_best = v
            .tables
            .iter()
            .flat_map(|t| &t.rows)
            .flatten()
            .any(|c| c.best);
        if any_best && !self.color {
            out.push_str(
                "* best in its column (measured values only when beyond noise; compile time, one \
                 cold build each, only when 2× quicker than every other).\n",
            );
        }
        if !v.failures.is_empty() {
            out.push_str("\nFailures:\n");
            for (who, why) in &v.failures {
                out.push_str(&format!("  {who}:\n"));
                for line in why.lines() {
                    out.push_str(&format!("    {line}\n"));
                }
            }
        }
        if !v.notes.is_empty() {
            out.push_str("\nNotes:\n");
            for n in &v.notes {
                out.push_str(&format!("  {n}\n"));
            }
        }
        Ok(out)
    }
}

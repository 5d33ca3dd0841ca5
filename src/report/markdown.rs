//! The Markdown report, for a pull request or an issue: the same tables and paragraph as the
//! terminal, best cells in bold, and a footer saying where the numbers come from.

use anyhow::Result;

use crate::report::exporter::Exporter;
use crate::report::format::trim_float;
use crate::report::view::view;
use crate::run::Run;

pub(crate) struct MarkdownExporter;

fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}

impl Exporter for MarkdownExporter {
    fn render(&self, run: &Run) -> Result<String> {
        let mut v = view(run);
        v.tables.extend(crate::report::crates::table(run));
        let mut out = String::new();
        for t in &v.tables {
            out.push_str(&format!("#### {}\n\n", escape(&t.title)));
            out.push_str(&format!(
                "| {} |\n",
                t.headers
                    .iter()
                    .map(|h| escape(h))
                    .collect::<Vec<_>>()
                    .join(" | ")
            ));
            let align: Vec<&str> = (0..t.headers.len())
                .map(|i| if i == 0 { ":--" } else { "--:" })
                .collect();
            out.push_str(&format!("| {} |\n", align.join(" | ")));
            for row in &t.rows {
                let cells: Vec<String> = row
                    .iter()
                    .map(|c| {
                        let text = escape(&c.text);
                        if c.best { format!("**{text}**") } else { text }
                    })
                    .collect();
                out.push_str(&format!("| {} |\n", cells.join(" | ")));
            }
            out.push('\n');
        }
        out.push_str(&v.summary);
        out.push_str("\n\n");
        for e in &run.explain {
            out.push_str(&crate::explain::render::markdown(e));
            out.push('\n');
        }
        for l in &v.legend {
            out.push_str(&format!("{l}  \n"));
        }
        out.push_str(
            "Bold: best in its column (measured values only when beyond noise; compile time, one \
             cold build each, only when 2× quicker than every other).\n",
        );
        if !v.failures.is_empty() {
            out.push_str("\n**Failures**\n\n");
            for (who, why) in &v.failures {
                out.push_str(&format!("- `{who}`:\n\n  ```text\n"));
                for line in why.lines() {
                    out.push_str(&format!("  {line}\n"));
                }
                out.push_str("  ```\n");
            }
        }
        if !v.notes.is_empty() {
            out.push_str("\n**Notes**\n\n");
            for n in &v.notes {
                out.push_str(&format!("- {n}\n"));
            }
        }
        let h = &run.host;
        out.push_str(&format!(
            "\n<sub>cargo-tune {} `{}` · rustc {} (LLVM {}) · {}{} · noise ±{}% · seed {}{}</sub>\n",
            run.cargo_tune_version,
            run.command.as_str(),
            h.rustc_version,
            h.llvm_version,
            h.target_triple,
            h.cpu_model
                .as_deref()
                .map(|c| format!(" · {c}"))
                .unwrap_or_default(),
            trim_float(run.settings.noise_threshold * 100.0),
            run.settings.seed,
            if run.interrupted { " · interrupted (partial)" } else { "" },
        ));
        Ok(out)
    }
}

//! The profile-health section: per profile-guided variant, how much of the binary its training
//! profile covers and how well it fits each measured workload, and how stale it is.

use maud::{Markup, html};

use crate::run::Run;

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// The section, or nothing when no variant has a profile health.
pub(super) fn section(run: &Run) -> Markup {
    let rows: Vec<_> = run
        .variants
        .iter()
        .filter_map(|v| Some((v, v.health.as_ref()?)))
        .collect();
    if rows.is_empty() {
        return html! {};
    }
    html! {
        section id="profile-health" {
            h2 { "Profile health" }
            table.results {
                caption { "Each profile-guided variant's training profile: functions it has counts for; per measured workload, the share of that workload's counts it covers and the overlap of the two profiles (llvm-profdata's edge-profile overlap); functions changed since profiling (mismatched) or without a record (missing)." }
                thead { tr {
                    th scope="col" { "Variant" } th scope="col" { "Trained on" }
                    th scope="col" { "Functions with data" } th scope="col" { "Measured workload" }
                    th scope="col" { "Coverage" } th scope="col" { "Overlap" }
                    th scope="col" { "Mismatched" } th scope="col" { "Missing" }
                } }
                tbody {
                    @for (v, h) in &rows {
                        @for (i, f) in h.workloads.iter().enumerate() {
                            tr {
                                @if i == 0 {
                                    th scope="row" { (v.name) }
                                    td { (v.trained_on.join(", ")) }
                                    td { (h.functions_with_data) " of " (h.functions) " (" (pct(h.function_coverage)) ")" }
                                } @else { td {} td {} td {} }
                                td { (f.workload) @if f.trained { " (trained on)" } }
                                td { (pct(f.count_coverage)) }
                                td { (pct(f.overlap)) }
                                @if i == 0 { td { (h.mismatched) } td { (h.missing) } } @else { td {} td {} }
                            }
                        }
                    }
                }
            }
        }
    }
}

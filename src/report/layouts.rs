//! What a run's code layouts mean, in words: the legend line under the tables (how the layouts
//! were made, each workload's band and the baseline's own spread) and the sentence closing the
//! summary. Silent when the run measured the binaries as built.

use crate::link::layouts::LayoutMode;
use crate::run::Run;

/// Layouts the run measured per variant (1: layouts off or none could be made).
pub(crate) fn measured(run: &Run) -> u32 {
    let most = run.variants.iter().map(|v| v.layouts.len()).max();
    if run.settings.layouts > 1 {
        most.unwrap_or(0).max(1) as u32
    } else {
        1
    }
}

/// `±3.1% on parse, ±0.8% on api` (one workload: no name), from the workloads with a band.
fn bands(run: &Run) -> Option<String> {
    let with: Vec<(&str, f64)> = run
        .noise
        .iter()
        .filter_map(|n| Some((n.workload.as_str(), n.layout?.band)))
        .collect();
    let one = run.workloads.len() == 1;
    let parts: Vec<String> = with
        .iter()
        .map(|(w, b)| match one {
            true => format!("±{:.1}%", b * 100.0),
            false => format!("±{:.1}% on {w}", b * 100.0),
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The legend's line about layouts.
pub(crate) fn legend_line(run: &Run) -> Option<String> {
    let k = measured(run);
    if k < 2 {
        return None;
    }
    let how = match run.settings.layout_mode {
        LayoutMode::Shift => "its link replayed with the code moved by 16–4080 bytes, order kept",
        LayoutMode::Shuffle => {
            "its link replayed with the functions in random order (--layout-mode shuffle: worse \
             layouts than the linker's, a stress test)"
        }
    };
    let mut line = format!(
        "Code layouts: each variant ran on {k} layouts ({how}), one picked per round, each run \
         with a randomly padded environment (stack alignment)."
    );
    let spreads: Vec<String> = run
        .noise
        .iter()
        .filter_map(|n| {
            let b = n.layout?;
            Some(format!(
                "{} ±{:.1}% (the baseline's layouts differ by ±{:.1}%)",
                n.workload,
                b.band * 100.0,
                b.spread * 100.0
            ))
        })
        .collect();
    if !spreads.is_empty() {
        line.push_str(&format!(
            " Layout band: {}; a change inside it is not called faster or slower.",
            spreads.join("; ")
        ));
    }
    if run.settings.command_metric == crate::measure::Metric::CyclesEst {
        line.push_str(
            " Estimated cycles come from cachegrind's cache model, which sees addresses, so they \
             move with layout and are measured over layouts too (instruction counts barely move).",
        );
    }
    Some(line)
}

/// The summary's sentence about layouts.
pub(crate) fn sentence(run: &Run) -> Option<String> {
    let k = measured(run);
    if k < 2 {
        return None;
    }
    Some(match bands(run) {
        Some(b) => format!(
            "Measured over {k} code layouts per variant: the layout band is {b}, and a change \
             inside it is reported as within noise, not as faster or slower."
        ),
        None => format!("Measured over {k} code layouts per variant."),
    })
}

/// One line for `auto` and `check`: how many layouts were measured, and the band.
pub(crate) fn count_line(run: &Run) -> String {
    let k = measured(run);
    if k < 2 {
        let why = if run.settings.command_metric == crate::measure::Metric::Instructions {
            ": instruction counts do not depend on where the code sits"
        } else {
            ""
        };
        return format!("Code layouts: 1 per variant, the binary as built{why}.");
    }
    let mode = run.settings.layout_mode.as_str();
    match bands(run) {
        Some(b) => format!("Code layouts: {k} per variant ({mode}); layout band {b}."),
        None => format!("Code layouts: {k} per variant ({mode})."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::Settings;
    use crate::measure::WorkloadKind;
    use crate::measure::testing::Behaviour;

    /// Two builds of the same code whose four layouts each differ by up to ±4%.
    fn run(layouts: u32) -> Run {
        let settings = Settings {
            min_runs: 12,
            max_runs: 12,
            warmup: 0,
            seed: 5,
            resamples: 300,
            layouts,
            ..Settings::default()
        };
        let row = |offsets: Vec<f64>| vec![Behaviour::command(1.0, 0.005).layout_offsets(offsets)];
        let behaviour = vec![
            row(vec![0.04, -0.03, 0.0, -0.01]),
            row(vec![-0.04, 0.02, 0.03, 0.0]),
        ];
        Run::mock_measured(settings, &[("parse", WorkloadKind::Command)], behaviour)
    }

    #[test]
    fn a_run_over_layouts_states_its_band_and_every_sample_its_layout() {
        let r = run(4);
        let band = r.noise[0].layout.expect("a band");
        assert!(band.band > 0.02 && band.spread > 0.01, "{band:?}");
        assert_eq!((band.layouts, band.df), (4, 6));
        // The same code on other layouts is not called faster or slower.
        let c = r
            .metric(1, 0, crate::measure::Metric::Wall)
            .unwrap()
            .vs_baseline
            .unwrap();
        assert!(
            !matches!(
                c.verdict,
                crate::measure::stats::Verdict::Better | crate::measure::stats::Verdict::Worse
            ),
            "{c:?}"
        );
        let samples = &r.variants[1].measurements[0].samples;
        assert!(samples.iter().all(|s| s.layout.is_some_and(|l| l < 4)));
        let line = legend_line(&r).unwrap();
        assert!(
            line.contains("4 layouts") && line.contains("Layout band: parse ±"),
            "{line}"
        );
        let s = sentence(&r).unwrap();
        assert!(
            s.starts_with("Measured over 4 code layouts per variant: the layout band is ±"),
            "{s}"
        );
        assert!(count_line(&r).starts_with("Code layouts: 4 per variant (shift); layout band ±"));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["variants"][0]["layouts"].as_array().unwrap().len(), 4);
        assert!(json["noise"][0]["layout"]["band"].as_f64().is_some());
    }

    #[test]
    fn the_html_colours_samples_by_layout_and_shades_the_band() {
        let r = run(4);
        let html = crate::report::render(&r, crate::report::Format::Html, false).unwrap();
        for l in 0..4 {
            assert!(
                html.contains(&format!("class=\"dot layout l{l}")),
                "layout {l}"
            );
        }
        assert!(html.contains("coloured by code layout") && html.contains("layout band"));
        let plain = crate::report::render(&run(1), crate::report::Format::Html, false).unwrap();
        assert!(!plain.contains("dot layout") && !plain.contains("coloured by code layout"));
    }

    #[test]
    fn one_layout_says_nothing_but_the_count() {
        let r = run(1);
        assert!(r.noise[0].layout.is_none() && legend_line(&r).is_none() && sentence(&r).is_none());
        assert_eq!(
            count_line(&r),
            "Code layouts: 1 per variant, the binary as built."
        );
    }
}

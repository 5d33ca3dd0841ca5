//! HTML report tests on the fixed-seed mock run: an SVG snapshot per chart, a page that parses
//! without a single HTML error, the embedded JSON round trip (also with hostile strings), and
//! no reference to anything outside the page.

use html5ever::tendril::TendrilSink;
use html5ever::{ParseOpts, parse_document, tree_builder::TreeBuilderOpts};
use markup5ever_rcdom::{Handle, NodeData, RcDom};

use super::charts::{builds, crates, service, tradeoff, workload};
use crate::report::tests::fixture;
use crate::report::{Format, render};
use crate::run::{Run, RunCommand};

/// Parses `html` as the browser would and returns the parse errors (exact ones) and the DOM.
fn parse(html: &str) -> (Vec<String>, RcDom) {
    let opts = ParseOpts {
        tree_builder: TreeBuilderOpts {
            exact_errors: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let dom = parse_document(RcDom::default(), opts).one(html);
    let errors = dom.errors.borrow().iter().map(|e| e.to_string()).collect();
    (errors, dom)
}

/// An element: its local name, attributes, and the text of its direct text children.
type Element = (String, Vec<(String, String)>, String);

fn elements(node: &Handle, out: &mut Vec<Element>) {
    if let NodeData::Element { name, attrs, .. } = &node.data {
        let text: String = node
            .children
            .borrow()
            .iter()
            .filter_map(|c| match &c.data {
                NodeData::Text { contents } => Some(contents.borrow().to_string()),
                _ => None,
            })
            .collect();
        let attrs = attrs
            .borrow()
            .iter()
            .map(|a| (a.name.local.to_string(), a.value.to_string()))
            .collect();
        out.push((name.local.to_string(), attrs, text));
    }
    for c in node.children.borrow().iter() {
        elements(c, out);
    }
}

fn all_elements(dom: &RcDom) -> Vec<Element> {
    let mut out = Vec::new();
    elements(&dom.document, &mut out);
    out
}

/// Charts are snapshot as indented XML-ish text: one tag per line, so a diff shows what moved.
fn pretty(svg: &str) -> String {
    svg.replace("><", ">\n<")
}

#[test]
fn distribution_chart_snapshot() {
    let run = fixture(true);
    insta::assert_snapshot!(pretty(&workload::distribution(&run, 0).into_string()));
}

#[test]
fn change_chart_snapshot() {
    let run = fixture(true);
    insta::assert_snapshot!(pretty(&workload::change(&run, 0).into_string()));
}

#[test]
fn run_order_chart_snapshot() {
    let run = fixture(true);
    insta::assert_snapshot!(pretty(&workload::run_order(&run, 0).into_string()));
}

#[test]
fn service_charts_snapshot() {
    let run = fixture(true);
    insta::assert_snapshot!(
        "throughput",
        pretty(&service::throughput(&run, 1).into_string())
    );
    insta::assert_snapshot!("latency", pretty(&service::latency(&run, 1).into_string()));
}

#[test]
fn build_charts_snapshot() {
    let run = fixture(true);
    insta::assert_snapshot!("size", pretty(&builds::size(&run).into_string()));
    insta::assert_snapshot!("compile", pretty(&builds::compile_time(&run).into_string()));
}

#[test]
fn waterfall_chart_snapshot() {
    let e = crate::explain::Explanation::example();
    insta::assert_snapshot!(
        "waterfall",
        pretty(&super::charts::waterfall::waterfall(&e).into_string())
    );
}

#[test]
fn an_explained_run_has_its_waterfall_and_tables() {
    let mut run = fixture(false);
    run.explain.push(crate::explain::Explanation::example());
    let html = render(&run, Format::Html, false).unwrap();
    let (errors, dom) = parse(&html);
    assert!(errors.is_empty(), "HTML parse errors: {errors:#?}");
    let elements = all_elements(&dom);
    let svg_classes: Vec<&String> = elements
        .iter()
        .filter(|(n, _, _)| n == "svg")
        .flat_map(|(_, attrs, _)| attrs.iter().filter(|(k, _)| k == "class").map(|(_, v)| v))
        .collect();
    assert!(
        svg_classes.iter().any(|c| *c == "chart waterfall"),
        "{svg_classes:?}"
    );
    assert!(html.contains("Where the change comes from"));
    assert!(html.contains("absent in B: inlined or removed"));
    let back: Run = serde_json::from_str(&render(&run, Format::Json, false).unwrap()).unwrap();
    assert_eq!(back.explain, run.explain);
}

#[test]
fn crates_chart_snapshot() {
    let run = crate::report::crates::tests::with_crates(fixture(true));
    let (chart, names) = crates::crates(&run).unwrap();
    assert_eq!(names.len(), 5);
    insta::assert_snapshot!("crates", pretty(&chart.into_string()));
    let page = render(&run, Format::Html, false).unwrap();
    assert!(page.contains("Size by crate"));
    assert!(crates::crates(&fixture(true)).is_none());
}

#[test]
fn tradeoff_chart_snapshot() {
    let run = fixture(false);
    let front = crate::run::pareto::front(&run);
    assert!(
        front.contains(&1),
        "production is faster and smaller: {front:?}"
    );
    insta::assert_snapshot!(pretty(
        &tradeoff::tradeoff(&run, &front, Some(1)).into_string()
    ));
}

#[test]
fn the_page_is_well_formed_self_contained_and_carries_the_run() {
    let mut run = fixture(true);
    run.command = RunCommand::Auto;
    let html = render(&run, Format::Html, false).unwrap();
    let (errors, dom) = parse(&html);
    assert!(errors.is_empty(), "HTML parse errors: {errors:#?}");
    let elements = all_elements(&dom);
    let count = |tag: &str| elements.iter().filter(|(n, _, _)| n == tag).count();
    // 2 workloads × 3 charts, 2 service charts, size, compile time and the trade-off chart.
    assert_eq!(count("svg"), 11);
    assert_eq!(count("table"), 2);
    assert_eq!(count("article"), run.variants.len());
    // Nothing is loaded from anywhere: no src/href attributes, no CSS url() or @import.
    for (name, attrs, text) in &elements {
        for (k, v) in attrs {
            assert!(
                !matches!(
                    k.as_str(),
                    "src" | "href" | "srcset" | "action" | "poster" | "data"
                ),
                "<{name} {k}={v:?}> would load something"
            );
        }
        if name == "style" {
            assert!(
                !text.contains("url(") && !text.contains("@import"),
                "{text}"
            );
        }
    }
    let scripts: Vec<_> = elements.iter().filter(|(n, _, _)| n == "script").collect();
    assert_eq!(scripts.len(), 1, "only the data block");
    let (_, attrs, json) = scripts[0];
    assert!(attrs.contains(&("type".into(), "application/json".into())));
    let back: Run = serde_json::from_str(json).unwrap();
    assert_eq!(back, run);
}

#[test]
fn hostile_strings_stay_text_and_data() {
    let mut run = fixture(false);
    let evil = "</script><script>alert(1)</script><!-- & <b>bold</b>";
    run.notes.push(evil.into());
    run.variants[0].name = "<img src=x>".into();
    let html = render(&run, Format::Html, false).unwrap();
    assert!(!html.contains("<img"), "a name must not become markup");
    let (errors, dom) = parse(&html);
    assert!(errors.is_empty(), "HTML parse errors: {errors:#?}");
    let elements = all_elements(&dom);
    let scripts: Vec<_> = elements.iter().filter(|(n, _, _)| n == "script").collect();
    assert_eq!(scripts.len(), 1);
    let back: Run = serde_json::from_str(&scripts[0].2).unwrap();
    assert!(back.notes.iter().any(|n| n == evil));
    assert!(
        elements
            .iter()
            .any(|(n, _, t)| n == "li" && t.contains("</script><script>alert(1)")),
        "the note is shown as text"
    );
}

#[test]
fn verdicts_have_their_own_looks() {
    use crate::measure::stats::Verdict;
    let looks =
        [Verdict::Better, Verdict::Worse, Verdict::WithinNoise].map(super::charts::verdict_view);
    assert_eq!(looks[2].mark, "≈ ");
    assert_eq!(looks[0].mark, "");
    assert!(looks[0].class != looks[1].class && looks[1].class != looks[2].class);
}

#[test]
fn auto_page_shows_the_search_path_and_the_pick() {
    use crate::measure::comparison::Comparison;
    use crate::measure::stats::Verdict;
    use crate::run::auto::{AutoResult, Decision, Trial};
    use crate::tune_config::Goal;
    let run = fixture(false);
    let trial = |candidate: &str, speed: Option<Comparison>, decision, reason: &str| Trial {
        candidate: candidate.into(),
        describe: candidate.into(),
        against: speed.map(|_| "release".into()),
        speed,
        size_bytes: Some(2_640_000),
        compile_time_secs: Some(84.4),
        decision,
        reason: reason.into(),
        order: None,
        cost: None,
    };
    let faster = Comparison {
        ratio: 0.875,
        lo: 0.86,
        hi: 0.89,
        confidence: None,
        paired: true,
        verdict: Verdict::Better,
        held_out: false,
    };
    let result = AutoResult {
        goal: Goal::Speed,
        budget_secs: 900.0,
        elapsed_secs: 300.0,
        builds: 3,
        configurations_tried: 3,
        space_size: 288,
        path: vec![
            trial(
                "release",
                None,
                Decision::Baseline,
                "the configuration as it is",
            ),
            trial(
                "production",
                Some(faster),
                Decision::Kept,
                "faster beyond noise",
            ),
            trial(
                "balanced",
                Some(Comparison::SAME),
                Decision::Dropped,
                "within noise",
            ),
        ],
        not_explored: vec!["target-cpu=native (allow with --native)".into()],
        winner: 1,
        recommendation: "Use production: 12.5% faster than release.".into(),
        pareto: vec![0, 1],
        final_run: run.clone(),
        steps: Vec::new(),
        winner_pgo: false,
        interrupted: false,
        undecided: Vec::new(),
        breakdown: Default::default(),
    };
    // `cargo tune report FILE` takes an `auto --json` document as well as a saved run.
    let dir = tempfile::tempdir().unwrap();
    let (auto_json, run_json) = (dir.path().join("auto.json"), dir.path().join("run.json"));
    std::fs::write(&auto_json, serde_json::to_string(&result).unwrap()).unwrap();
    std::fs::write(&run_json, serde_json::to_string(&run).unwrap()).unwrap();
    let (loaded, auto) = crate::run::store::load_any(&auto_json).unwrap();
    assert_eq!(loaded, run);
    assert_eq!(auto.map(|a| a.winner), Some(1));
    let (loaded, auto) = crate::run::store::load_any(&run_json).unwrap();
    assert_eq!(loaded, run);
    assert!(auto.is_none());

    let html = super::render_auto(&result).unwrap();
    let (errors, dom) = parse(&html);
    assert!(errors.is_empty(), "HTML parse errors: {errors:#?}");
    let elements = all_elements(&dom);
    let text = |tag: &str| -> Vec<String> {
        elements
            .iter()
            .filter(|(n, _, _)| n == tag)
            .map(|(_, _, t)| t.clone())
            .collect()
    };
    assert!(text("p").iter().any(|t| t.contains("Use production")));
    assert!(text("text").iter().any(|t| t == "← pick"));
    assert_eq!(
        elements
            .iter()
            .filter(|(n, a, _)| n == "tr" && a.iter().any(|(k, _)| k == "class"))
            .count(),
        3,
        "one row per step"
    );
    assert!(text("li").iter().any(|t| t.contains("target-cpu=native")));
    let data = &text("script")[0];
    let back: AutoResult = serde_json::from_str(data).unwrap();
    assert_eq!(back.winner, 1);
    assert_eq!(back.final_run, run);
}

#[test]
fn a_counted_run_draws_instructions_in_every_chart_and_its_noise_line() {
    use crate::measure::testing::Behaviour;
    use crate::measure::{Metric, Settings, WorkloadKind};
    let settings = Settings {
        noise_threshold: 0.001,
        min_runs: 5,
        max_runs: 5,
        warmup: 0,
        seed: 3,
        command_metric: Metric::Instructions,
        ..Settings::default()
    };
    let run = Run::mock_measured(
        settings,
        &[("parse", WorkloadKind::Command)],
        vec![
            vec![Behaviour::counted(1.0e9, 0.0002)],
            vec![Behaviour::counted(0.97e9, 0.0002)],
        ],
    );
    assert_eq!(run.noise[0].metric, Metric::Instructions);
    let charts = [
        workload::distribution(&run, 0).into_string(),
        workload::run_order(&run, 0).into_string(),
        workload::change(&run, 0).into_string(),
    ];
    for chart in &charts {
        assert!(chart.contains("instructions"), "{chart}");
        assert!(!chart.contains("wall time"), "{chart}");
        assert!(!chart.contains("not measured"), "{chart}");
    }
    let page = render(&run, Format::Html, false).unwrap();
    assert!(
        page.contains("Noise on parse (instructions)"),
        "no noise line about instructions"
    );
    insta::assert_snapshot!("counted", pretty(&charts.join("\n")));
}

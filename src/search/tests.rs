//! The search's decisions on scripted measurements: what an undecided step may and may not do.

use std::time::Duration;

use super::options::SearchOptions;
use super::search;
use super::testing::ScriptedBench;
use crate::measure::Settings;
use crate::measure::WorkloadKind;
use crate::measure::testing::Behaviour;
use crate::run::auto::{AutoResult, Decision};
use crate::tune_config::Goal;

fn options(noise: f64) -> SearchOptions {
    let settings = Settings {
        noise_threshold: noise,
        min_runs: 10,
        max_runs: 30,
        warmup: 0,
        seed: 3,
        resamples: 200,
        ..Settings::default()
    };
    SearchOptions {
        goal: Goal::Speed,
        budget: Duration::from_secs(3600),
        compile_cap: None,
        allow_slowdown: noise,
        pgo: true,
        bolt: false,
        native: false,
        x86_64: false,
        base_profile: "release".into(),
        selection: String::new(),
        step_settings: Settings {
            min_runs: 6,
            max_runs: 20,
            ..settings.clone()
        },
        final_settings: settings,
        held_out: super::options::HeldOutMode::Off,
        folds: 0,
    }
}

fn cmd(wall: f64, noise: f64) -> Vec<Behaviour> {
    vec![Behaviour::command(wall, noise)]
}

fn trial<'a>(r: &'a AutoResult, name: &str) -> &'a crate::run::auto::Trial {
    r.path
        .iter()
        .find(|t| t.candidate == name)
        .unwrap_or_else(|| panic!("{name} not in the path: {:#?}", r.path))
}

/// At 8% noise, PGO's 3% on release is undecided: it must be carried to the best plain
/// configuration instead of pruned; and thin LTO, as fast as fat but cheaper, is a tie the run
/// cannot establish: measured to the step's limit, then not broken toward the cheaper build.
#[test]
fn wide_results_are_carried_forward_and_wide_ties_are_not_broken() {
    let noise = 0.08;
    let mut bench = ScriptedBench::new(&[WorkloadKind::Command], cmd(1.0, noise))
        .script("production", cmd(0.80, noise))
        .script("release+pgo", cmd(0.97, noise))
        .script("production+lto=thin", cmd(0.80, noise))
        .script("production+opt-level=2", cmd(0.80, noise))
        .script("production+pgo", cmd(0.60, noise));
    let (r, _) = search(&mut bench, options(0.01)).unwrap();
    let pgo = trial(&r, "release+pgo");
    assert_eq!(
        pgo.speed.unwrap().verdict,
        crate::measure::stats::Verdict::Undecided,
        "{pgo:#?}"
    );
    // Carried forward: PGO was tried on the best plain configuration, and won.
    assert_eq!(trial(&r, "production+pgo").decision, Decision::Kept);
    assert_eq!(r.final_run.variants[r.winner].name, "production+pgo");
    // The tie: not kept for being cheaper, and measured past the step's first look.
    let thin = trial(&r, "production+lto=thin");
    assert_eq!(thin.decision, Decision::Dropped, "{thin:#?}");
    assert!(
        thin.reason.contains("could not be separated"),
        "{}",
        thin.reason
    );
    let (_, rounds) = bench
        .runs
        .iter()
        .find(|(names, _)| names.iter().any(|n| n == "production+lto=thin"))
        .unwrap();
    assert_eq!(*rounds, 20, "an undecided step runs to its maximum");
}

/// The same path on a quiet machine: PGO on release is a clear gain, and thin LTO is shown to be
/// within noise of fat, so the cheaper build wins the tie.
#[test]
fn narrow_ties_go_to_the_cheaper_build() {
    let noise = 0.002;
    let mut bench = ScriptedBench::new(&[WorkloadKind::Command], cmd(1.0, noise))
        .script("production", cmd(0.80, noise))
        .script("release+pgo", cmd(0.90, noise))
        .script("production+lto=thin", cmd(0.80, noise))
        .script("production+lto=thin,opt-level=2", cmd(0.85, noise))
        .script("production+lto=thin+pgo", cmd(0.70, noise));
    let (r, _) = search(&mut bench, options(0.01)).unwrap();
    let thin = trial(&r, "production+lto=thin");
    assert_eq!(thin.decision, Decision::Kept, "{thin:#?}");
    assert!(thin.reason.contains("cheaper to build"), "{}", thin.reason);
    assert_eq!(
        trial(&r, "production+lto=thin,opt-level=2").decision,
        Decision::Dropped
    );
    assert_eq!(
        r.final_run.variants[r.winner].name,
        "production+lto=thin+pgo"
    );
}

/// BOLT is tried last on the best configuration and kept only when established faster.
#[test]
fn bolt_is_tried_on_the_best_and_kept_only_when_faster() {
    let noise = 0.002;
    let script = |bolt_wall: f64| {
        ScriptedBench::new(&[WorkloadKind::Command], cmd(1.0, noise))
            .script("production", cmd(0.80, noise))
            .script("release+pgo", cmd(0.90, noise))
            .script("production+lto=thin", cmd(0.85, noise))
            .script("production+pgo", cmd(0.70, noise))
            .script("production+pgo+bolt", cmd(bolt_wall, noise))
    };
    let opts = || SearchOptions {
        bolt: true,
        ..options(0.01)
    };
    let (r, _) = search(&mut script(0.66), opts()).unwrap();
    assert_eq!(trial(&r, "production+pgo+bolt").decision, Decision::Kept);
    assert_eq!(r.final_run.variants[r.winner].name, "production+pgo+bolt");
    let (r, _) = search(&mut script(0.70), opts()).unwrap();
    assert_eq!(trial(&r, "production+pgo+bolt").decision, Decision::Dropped);
    assert_eq!(r.final_run.variants[r.winner].name, "production+pgo");
}

/// Size: min-size is far too slow, and so is opt-level s on it; PGO on min-size gives the speed
/// back within the allowance, so the search stops backing off there.
#[test]
fn size_backs_off_until_a_configuration_stays_within_the_allowance() {
    let noise = 0.002;
    let mut bench = ScriptedBench::new(&[WorkloadKind::Command], cmd(1.0, noise))
        .script("min-size", cmd(1.8, noise))
        .script("min-size+opt-level=s", cmd(1.6, noise))
        .script("min-size+pgo", cmd(0.99, noise));
    let opts = SearchOptions {
        goal: Goal::Size,
        bolt: true,
        ..options(0.01)
    };
    let (r, _) = search(&mut bench, opts).unwrap();
    assert!(
        r.not_explored
            .iter()
            .any(|n| n.starts_with("BOLT: it makes binaries larger")),
        "{:?}",
        r.not_explored
    );
    assert_ne!(trial(&r, "min-size").decision, Decision::Kept);
    assert_eq!(trial(&r, "min-size+pgo").decision, Decision::Kept);
    assert_eq!(r.final_run.variants[r.winner].name, "min-size+pgo");
    assert!(
        r.not_explored.iter().any(|n| n.starts_with("production")),
        "{:?}",
        r.not_explored
    );
}

/// Balanced: the score trades speed against size and compile time; production pays for its
/// compile time, the balanced preset (no faster) does not, and PGO on the best pays again.
#[test]
fn balanced_keeps_what_pays_for_its_cost() {
    let noise = 0.002;
    let mut bench = ScriptedBench::new(&[WorkloadKind::Command], cmd(1.0, noise))
        .script("production", cmd(0.80, noise))
        .script("release+pgo", cmd(0.90, noise))
        .script("production+pgo", cmd(0.70, noise));
    let opts = SearchOptions {
        goal: Goal::Balanced,
        ..options(0.01)
    };
    let (r, _) = search(&mut bench, opts).unwrap();
    assert_eq!(trial(&r, "balanced").decision, Decision::Dropped);
    assert_eq!(trial(&r, "production").decision, Decision::Kept);
    assert_eq!(trial(&r, "production+pgo").decision, Decision::Kept);
    assert_eq!(r.final_run.variants[r.winner].name, "production+pgo");
}

/// PGO that gains only on the inputs it trained on: in-sample it wins, held-out (each workload
/// measured on a build whose profile left it out) it is no faster than the production bundle,
/// so a held-out search keeps the cheaper build.
#[test]
fn held_out_gains_rank_profile_guided_candidates() {
    let noise = 0.002;
    let two = |a: f64, b: f64| vec![Behaviour::command(a, noise), Behaviour::command(b, noise)];
    let script = || {
        ScriptedBench::new(&[WorkloadKind::Command; 2], two(1.0, 1.0))
            .script("production", two(0.8, 0.8))
            .script("release+pgo", two(0.7, 0.7))
            .script("release+pgo[¬w0]", two(0.8, 0.8))
            .script("release+pgo[¬w1]", two(0.8, 0.8))
            .script("production+pgo", two(0.6, 0.6))
            .script("production+pgo[¬w0]", two(0.8, 0.8))
            .script("production+pgo[¬w1]", two(0.8, 0.8))
    };
    let (r, _) = search(&mut script(), options(0.01)).unwrap();
    assert_eq!(r.final_run.variants[r.winner].name, "production+pgo");
    assert!(
        r.recommendation.contains("in-sample"),
        "{}",
        r.recommendation
    );
    let mut bench = script();
    bench.held_out = true;
    let opts = SearchOptions {
        held_out: super::options::HeldOutMode::Always,
        folds: 2,
        ..options(0.01)
    };
    let (r, _) = search(&mut bench, opts).unwrap();
    let pgo = trial(&r, "production+pgo");
    assert!(pgo.speed.unwrap().held_out, "{pgo:#?}");
    assert_eq!(pgo.decision, Decision::Dropped, "{pgo:#?}");
    assert_eq!(r.final_run.variants[r.winner].name, "production");
    assert!(
        r.recommendation.contains("judged held-out"),
        "{}",
        r.recommendation
    );
}

/// The default with several workloads: the steps rank in-sample (no folds measured), and the
/// final run alone measures the held-out folds, so the recommendation is judged held-out.
#[test]
fn held_out_final_mode_folds_only_the_final_run() {
    let noise = 0.002;
    let two = |a: f64, b: f64| vec![Behaviour::command(a, noise), Behaviour::command(b, noise)];
    let mut bench = ScriptedBench::new(&[WorkloadKind::Command; 2], two(1.0, 1.0))
        .script("production", two(0.8, 0.8))
        .script("release+pgo", two(0.7, 0.7))
        .script("production+pgo", two(0.6, 0.6))
        .script("production+pgo[¬w0]", two(0.65, 0.65))
        .script("production+pgo[¬w1]", two(0.65, 0.65));
    let opts = SearchOptions {
        held_out: super::options::HeldOutMode::Final,
        folds: 2,
        ..options(0.01)
    };
    let (r, _) = search(&mut bench, opts).unwrap();
    let (last, steps) = bench.runs.split_last().unwrap();
    for (names, _) in steps {
        assert!(!names.iter().any(|n| n.contains('¬')), "{names:?}");
    }
    assert!(last.0.iter().any(|n| n.contains('¬')), "{:?}", last.0);
    assert_eq!(r.final_run.variants[r.winner].name, "production+pgo");
    assert!(
        r.recommendation.contains("35.0% less time")
            && r.recommendation.contains("gain is held-out"),
        "{}",
        r.recommendation
    );
}

/// Combine winners first: production and PGO on release both win the seed, so production with
/// PGO is the next step, before any single-setting refinement of production; the path says why,
/// and every step carries its estimated and actual cost.
#[test]
fn two_independent_winners_are_combined_before_any_refinement() {
    let noise = 0.002;
    let mut bench = ScriptedBench::new(&[WorkloadKind::Command], cmd(1.0, noise))
        .script("production", cmd(0.80, noise))
        .script("release+pgo", cmd(0.85, noise))
        .script("production+pgo", cmd(0.68, noise))
        .script("production+lto=thin", cmd(0.83, noise))
        .script("production+opt-level=2", cmd(0.84, noise));
    let (r, _) = search(&mut bench, options(0.01)).unwrap();
    let names: Vec<&str> = r.path.iter().map(|t| t.candidate.as_str()).collect();
    assert_eq!(
        names[..4],
        ["release", "production", "release+pgo", "production+pgo"],
        "{names:?}"
    );
    let combined = trial(&r, "production+pgo");
    assert_eq!(combined.decision, Decision::Kept);
    assert_eq!(combined.against.as_deref(), Some("production"));
    let why = combined.order.as_deref().unwrap();
    assert!(why.starts_with("combines two winners"), "{why}");
    // Measured on release, PGO's own gain is the expected gain, and the refinements wait.
    assert!(why.contains("PGO's measured gain on release: 15"), "{why}");
    assert!(why.contains("then production+lto=thin"), "{why}");
    // The refinements came after, each measured against production (the best plain one).
    for refined in ["production+lto=thin", "production+opt-level=2"] {
        let t = trial(&r, refined);
        assert_eq!(t.against.as_deref(), Some("production"), "{t:#?}");
        assert!(t.order.is_some() && t.cost.is_some(), "{t:#?}");
    }
    assert_eq!(r.final_run.variants[r.winner].name, "production+pgo");
    // Every step's cost is there, estimate and actual, once per measurement.
    let costed = r.path.iter().filter(|t| t.cost.is_some()).count();
    assert_eq!(costed, r.steps.len(), "{:#?}", r.path);
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("\"estimate\"") && json.contains("\"order\""));
}

/// Undecided is carried: a refinement the step cannot decide goes on the list, gets leftover
/// budget, and what is still undecided is printed with the `compare` that would tell.
#[test]
fn undecided_steps_are_carried_and_get_the_leftover_budget() {
    let noise = 0.08;
    let mut bench = ScriptedBench::new(&[WorkloadKind::Command], cmd(1.0, noise))
        .script("production", cmd(0.70, noise))
        .script("production+opt-level=2", cmd(0.71, noise));
    let opts = SearchOptions {
        pgo: false,
        ..options(0.01)
    };
    let (r, _) = search(&mut bench, opts).unwrap();
    let o2: Vec<_> = r
        .path
        .iter()
        .filter(|t| t.candidate == "production+opt-level=2")
        .collect();
    assert_eq!(
        o2.len(),
        2,
        "measured once, then again with more time: {:#?}",
        r.path
    );
    assert!(o2[1].reason.starts_with("with more time"), "{:#?}", o2[1]);
    assert!(o2[1].order.as_deref().unwrap().starts_with("more time"));
    let carried = r
        .undecided
        .iter()
        .find(|u| u.candidate == "production+opt-level=2")
        .unwrap_or_else(|| panic!("{:#?}", r.undecided));
    assert_eq!(
        carried.compare,
        "cargo tune compare --variants production,+opt-level=2 --max-runs 60"
    );
    assert!(carried.rounds > 20, "{carried:#?}");
    let text = super::output::render(&r, false);
    assert!(text.contains("Undecided, worth more time:"), "{text}");
    assert!(text.contains("not shown to help or hurt"), "{text}");
    assert!(text.contains("Budget: "), "{text}");
}

/// A configuration the first step could not decide is not a winner yet, but not without gain:
/// it is combined with PGO too (and carried), and when the combination beats PGO alone it is
/// the best plain configuration from then on.
#[test]
fn an_undecided_configuration_is_still_combined_with_pgo() {
    let mut bench = ScriptedBench::new(&[WorkloadKind::Command], cmd(1.0, 0.002))
        .script("production", cmd(0.97, 0.10))
        .script("release+pgo", cmd(0.70, 0.002))
        .script("production+pgo", cmd(0.60, 0.002));
    let (r, _) = search(&mut bench, options(0.01)).unwrap();
    let production = trial(&r, "production");
    assert_eq!(
        production.speed.unwrap().verdict,
        crate::measure::stats::Verdict::Undecided,
        "{production:#?}"
    );
    let names: Vec<&str> = r.path.iter().map(|t| t.candidate.as_str()).collect();
    assert_eq!(names[3], "production+pgo", "{names:?}");
    let combined = trial(&r, "production+pgo");
    assert_eq!(combined.against.as_deref(), Some("release+pgo"));
    assert_eq!(combined.decision, Decision::Kept);
    // Refinements then stack on production, the configuration the combination showed helps.
    assert_eq!(
        trial(&r, "production+lto=thin").against.as_deref(),
        Some("production")
    );
    assert_eq!(r.final_run.variants[r.winner].name, "production+pgo");
}

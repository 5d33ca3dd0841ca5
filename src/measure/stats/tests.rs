//! Statistics tests on seeded synthetic samples: interval coverage, false positives, power.

use super::*;

// Fewer resamples than the default keep these many-trial tests fast in debug builds.
const BOOT: Bootstrap = Bootstrap {
    resamples: 500,
    confidence: 0.95,
};

fn normal_samples(rng: &mut Rng, n: usize, mean: f64, rel_sd: f64) -> Vec<f64> {
    (0..n)
        .map(|_| mean * (1.0 + rel_sd * rng.normal()))
        .collect()
}

/// Right-skewed, like real run times: a floor plus exponential delays.
fn skewed_samples(rng: &mut Rng, n: usize, floor: f64, scale: f64) -> Vec<f64> {
    (0..n)
        .map(|_| floor - scale * (1.0 - rng.next_f64()).ln())
        .collect()
}

const LOWER: Direction = Direction::LowerIsBetter;
const HIGHER: Direction = Direction::HigherIsBetter;

/// The verdict engine's single-workload judgement at 95%, ±1% noise.
fn judge(
    v: &[(u32, f64)],
    b: &[(u32, f64)],
    direction: Direction,
) -> Option<crate::measure::comparison::Comparison> {
    crate::measure::decide::single(
        &crate::measure::decide::Arm {
            variant: v,
            reference: b,
            direction,
            exact: false,
        },
        &|share| 0.05 * share,
        0.01,
    )
    .ok()
}

fn rounds(xs: &[f64]) -> Vec<(u32, f64)> {
    xs.iter().enumerate().map(|(i, &x)| (i as u32, x)).collect()
}

#[test]
fn medians_and_quantiles() {
    assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    assert_eq!(median(&[]), None);
    assert_eq!(median(&[f64::NAN, 1.0]), Some(1.0));
    assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.25), 2.0);
    assert_eq!(quantile_sorted(&[1.0, 2.0], 0.5), 1.5);
}

#[test]
fn too_few_samples_give_no_interval() {
    let mut rng = Rng::new(1);
    assert!(median_ci(&[1.0, 2.0], BOOT, &mut rng).is_none());
    assert!(judge(&rounds(&[1.0, 2.0]), &rounds(&[1.0, 2.0]), LOWER).is_none());
}

#[test]
fn median_interval_covers_the_true_median_about_95_percent() {
    // Normal(100, 2%): true median 100. Skewed: floor 1 + Exp(mean 0.05): median 1 + 0.05 ln 2.
    let mut rng = Rng::new(0xC0FFEE);
    let trials = 1000;
    for (n, skewed) in [(15, false), (30, false), (20, true)] {
        let truth = if skewed {
            1.0 + 0.05 * std::f64::consts::LN_2
        } else {
            100.0
        };
        let mut covered = 0;
        for _ in 0..trials {
            let xs = if skewed {
                skewed_samples(&mut rng, n, 1.0, 0.05)
            } else {
                normal_samples(&mut rng, n, 100.0, 0.02)
            };
            let ci = median_ci(&xs, BOOT, &mut rng).unwrap();
            assert!(ci.lo <= ci.estimate && ci.estimate <= ci.hi);
            if ci.lo <= truth && truth <= ci.hi {
                covered += 1;
            }
        }
        let coverage = covered as f64 / trials as f64;
        eprintln!("median n={n} skewed={skewed}: coverage {coverage}");
        assert!(
            (0.92..=0.98).contains(&coverage),
            "n={n} skewed={skewed}: coverage {coverage}"
        );
    }
}

#[test]
fn ratio_interval_covers_the_true_ratio() {
    let mut rng = Rng::new(77);
    let trials = 400;
    for paired in [true, false] {
        let mut covered = 0;
        for _ in 0..trials {
            let b = normal_samples(&mut rng, 20, 1.0, 0.02);
            let v = normal_samples(&mut rng, 20, 1.1, 0.02);
            let (vr, br) = if paired {
                (rounds(&v), rounds(&b))
            } else {
                // Disjoint rounds force independent resampling.
                let v = v
                    .iter()
                    .enumerate()
                    .map(|(i, &x)| (i as u32 + 100, x))
                    .collect();
                (v, rounds(&b))
            };
            let r = judge(&vr, &br, LOWER).unwrap();
            assert_eq!(r.paired, paired);
            let (lo, hi) = (r.lo, r.hi);
            if lo <= 1.1 && 1.1 <= hi {
                covered += 1;
            }
        }
        let coverage = covered as f64 / trials as f64;
        eprintln!("ratio paired={paired}: coverage {coverage}");
        assert!(
            (0.92..=0.98).contains(&coverage),
            "paired={paired}: {coverage}"
        );
    }
}

#[test]
fn identical_distributions_are_rarely_called_different() {
    let mut rng = Rng::new(2024);
    let trials = 300;
    for (n, sd) in [(15, 0.01), (20, 0.02), (30, 0.02)] {
        for paired in [true, false] {
            let mut quiet = 0;
            for _ in 0..trials {
                let b = rounds(&normal_samples(&mut rng, n, 1.0, sd));
                let mut v = rounds(&normal_samples(&mut rng, n, 1.0, sd));
                if !paired {
                    v.iter_mut().for_each(|(r, _)| *r += 1000);
                }
                let r = judge(&v, &b, LOWER).unwrap();
                if !matches!(r.verdict, Verdict::Better | Verdict::Worse) {
                    quiet += 1;
                }
            }
            let rate = quiet as f64 / trials as f64;
            eprintln!("identical n={n} sd={sd} paired={paired}: not called different {rate}");
            assert!(rate >= 0.95, "n={n} sd={sd} paired={paired}: {rate}");
        }
    }
}

#[test]
fn five_percent_shift_is_detected_in_the_right_direction() {
    let mut rng = Rng::new(99);
    let trials = 300;
    for (n, sd) in [(15, 0.01), (20, 0.02), (30, 0.02)] {
        let mut faster = 0;
        let mut more_throughput = 0;
        for _ in 0..trials {
            let b = rounds(&normal_samples(&mut rng, n, 1.0, sd));
            let v = rounds(&normal_samples(&mut rng, n, 0.95, sd));
            if judge(&v, &b, LOWER).unwrap().verdict == Verdict::Better {
                faster += 1;
            }
            // The same numbers read as throughput: 5% less is worse.
            if judge(&v, &b, HIGHER).unwrap().verdict == Verdict::Worse {
                more_throughput += 1;
            }
        }
        let rate = faster as f64 / trials as f64;
        eprintln!("5% shift n={n} sd={sd}: detected {rate}");
        assert!(rate >= 0.97, "n={n} sd={sd}: detected {rate}");
        assert_eq!(faster, more_throughput);
    }
}

#[test]
fn pairing_cancels_drift_between_rounds() {
    // Each round the machine is randomly 0–20% slower for both variants alike.
    let mut rng = Rng::new(5);
    let mut b = Vec::new();
    let mut v = Vec::new();
    for round in 0..20u32 {
        let drift = 1.0 + 0.2 * rng.next_f64();
        b.push((round, drift * (1.0 + 0.005 * rng.normal())));
        v.push((round, drift * 0.97 * (1.0 + 0.005 * rng.normal())));
    }
    let paired = judge(&v, &b, LOWER).unwrap();
    assert!(paired.paired);
    assert_eq!(paired.verdict, Verdict::Better);
    let shifted: Vec<(u32, f64)> = v.iter().map(|&(r, x)| (r + 100, x)).collect();
    let independent = judge(&shifted, &b, LOWER).unwrap();
    assert!(!independent.paired);
    let width = |j: crate::measure::comparison::Comparison| j.hi - j.lo;
    assert!(width(paired) * 3.0 < width(independent));
}

#[test]
fn verdict_and_decision_rules() {
    let (lower, higher) = (LOWER, HIGHER);
    assert_eq!(verdict(0.90, 0.95, 0.01, lower), Verdict::Better);
    assert_eq!(verdict(0.90, 0.95, 0.01, higher), Verdict::Worse);
    assert_eq!(verdict(1.02, 1.05, 0.01, lower), Verdict::Worse);
    assert_eq!(verdict(1.02, 1.05, 0.01, higher), Verdict::Better);
    // Inside the band: shown to be within noise; across an edge: undecided.
    assert_eq!(verdict(0.995, 1.005, 0.01, lower), Verdict::WithinNoise);
    assert_eq!(verdict(0.98, 1.02, 0.01, lower), Verdict::Undecided);
    assert_eq!(verdict(0.95, 0.995, 0.01, lower), Verdict::Undecided);
    assert!(Verdict::WithinNoise.is_decided() && !Verdict::Undecided.is_decided());
}

#[test]
fn outliers_are_flagged_not_dropped() {
    let xs = [1.0, 1.01, 0.99, 1.02, 0.98, 1.0, 1.2, 2.0];
    let flags = outliers(&xs);
    assert_eq!(flags.len(), xs.len());
    assert_eq!(flags[6], Some(Outlier::Mild));
    assert_eq!(flags[7], Some(Outlier::Severe));
    assert!(flags[..6].iter().all(Option::is_none));
    assert_eq!(outliers(&[1.0, 5.0, 9.0]), vec![None; 3]);
}

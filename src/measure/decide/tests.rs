use super::*;

fn rounds(xs: &[f64]) -> Vec<(u32, f64)> {
    xs.iter().enumerate().map(|(i, &x)| (i as u32, x)).collect()
}

fn arm<'a>(v: &'a [(u32, f64)], r: &'a [(u32, f64)]) -> Arm<'a> {
    Arm {
        variant: v,
        reference: r,
        direction: Direction::LowerIsBetter,
        exact: false,
    }
}

/// A fixed 5% level for every test, split as asked.
fn at5(share: f64) -> f64 {
    0.05 * share
}

#[test]
fn paired_estimate_is_the_hodges_lehmann_ratio() {
    let base = rounds(&[1.0; 12]);
    let v = rounds(&[0.9; 12]);
    let a = arm(&v, &base);
    let j = single(&a, &at5, 0.01).unwrap();
    assert!((j.ratio - 0.9).abs() < 1e-12 && j.paired);
    assert_eq!(j.verdict, Verdict::Better);
    assert_eq!(j.confidence, Some(0.95));
    let j = joint(&[a, a], &at5, 0.01).unwrap();
    assert!((j.ratio - 0.9).abs() < 1e-12);
    assert_eq!(j.verdict, Verdict::Better);
    assert_eq!(j.confidence, Some(0.975));
    // Throughput: more is better, and the joint ratio is time-like.
    let up = rounds(&[1.25; 12]);
    let rps = Arm {
        direction: Direction::HigherIsBetter,
        ..arm(&up, &base)
    };
    assert_eq!(single(&rps, &at5, 0.01).unwrap().verdict, Verdict::Better);
    let j = joint(&[rps], &at5, 0.01).unwrap();
    assert!((j.ratio - 0.8).abs() < 1e-12, "{j:?}");
}

#[test]
fn too_few_runs_are_undecided_and_a_slow_workload_vetoes() {
    let base = rounds(&[1.0; 4]);
    let v = rounds(&[0.5; 4]);
    // Four pairs cannot reach 95%: no interval, only the estimate.
    assert_eq!(
        single(&arm(&v, &base), &at5, 0.01),
        Err(Undecidable::NoInterval { ratio: 0.5 })
    );
    let base = rounds(&[1.0; 20]);
    let fast = rounds(&[0.7; 20]);
    let slow = rounds(&[1.1; 20]);
    let arms = [arm(&fast, &base), arm(&slow, &base)];
    let j = joint(&arms, &at5, 0.01).unwrap();
    assert!(j.ratio < 0.95, "{j:?}");
    assert_eq!(j.verdict, Verdict::Worse);
    let empty: Vec<(u32, f64)> = vec![];
    let broken = arm(&empty, &base);
    assert_eq!(
        joint(&[arms[0], broken], &at5, 0.01),
        Err(Undecidable::Samples(1))
    );
}

#[test]
fn a_tie_over_workloads_needs_every_workload_inside_the_band() {
    // +5% on one workload, −5% on the other: the mean is 1, but neither is a tie.
    let base = rounds(&[1.0; 20]);
    let up: Vec<(u32, f64)> = (0..20)
        .map(|i| (i, 1.05 + 0.001 * f64::from(i % 3)))
        .collect();
    let down: Vec<(u32, f64)> = (0..20)
        .map(|i| (i, 1.0 / 1.05 + 0.001 * f64::from(i % 2)))
        .collect();
    let j = joint(&[arm(&up, &base), arm(&down, &base)], &at5, 0.1).unwrap();
    assert!((j.ratio - 1.0).abs() < 0.01, "{j:?}");
    // Within a ±10% band each is inside: a tie.
    assert_eq!(j.verdict, Verdict::WithinNoise);
    let j = joint(&[arm(&up, &base), arm(&down, &base)], &at5, 0.02).unwrap();
    // Within ±2% the mean's interval may be inside, each workload's is not: not a tie (and
    // the slower one vetoes).
    assert_ne!(j.verdict, Verdict::WithinNoise, "{j:?}");
}

#[test]
fn exact_counts_are_independent_samples_and_need_four_runs_a_side() {
    let exact = |v: &'static [f64], r: &'static [f64]| (rounds(v), rounds(r));
    // One run each: a 2% difference is not decided (the old bug: one run decided).
    let (v, r) = exact(&[0.98e9], &[1.0e9]);
    let a = Arm {
        exact: true,
        ..arm(&v, &r)
    };
    assert!(matches!(
        single(&a, &at5, 0.001),
        Err(Undecidable::NoInterval { .. })
    ));
    // Three a side cannot reach 95% either (2 / C(6, 3) = 10%).
    let (v, r) = exact(&[0.98e9, 0.981e9, 0.979e9], &[1.0e9, 1.001e9, 0.999e9]);
    let a = Arm {
        exact: true,
        ..arm(&v, &r)
    };
    assert!(single(&a, &at5, 0.001).is_err());
    // Four a side, all apart: decided, unpaired.
    let (v, r) = exact(
        &[0.98e9, 0.981e9, 0.979e9, 0.98e9],
        &[1.0e9, 1.001e9, 0.999e9, 1.0e9],
    );
    let a = Arm {
        exact: true,
        ..arm(&v, &r)
    };
    let c = single(&a, &at5, 0.001).unwrap();
    assert_eq!(c.verdict, Verdict::Better);
    assert!(!c.paired);
    // Identical counts: the whole spread is inside the band.
    let (v, r) = exact(&[1.0e9; 4], &[1.0e9; 4]);
    let a = Arm {
        exact: true,
        ..arm(&v, &r)
    };
    let c = single(&a, &at5, 0.001).unwrap();
    assert_eq!((c.ratio, c.lo, c.hi), (1.0, 1.0, 1.0));
    assert_eq!(c.verdict, Verdict::WithinNoise);
    // 0.05% apart, but a spread of 0.2%: "≈" needs the whole interval inside ±0.1%.
    let (v, r) = exact(
        &[1.0005e9, 1.0025e9, 0.9985e9, 1.0005e9],
        &[1.0e9, 1.002e9, 0.998e9, 1.0e9],
    );
    let a = Arm {
        exact: true,
        ..arm(&v, &r)
    };
    assert_eq!(single(&a, &at5, 0.001).unwrap().verdict, Verdict::Undecided);
}

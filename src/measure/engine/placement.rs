//! Where each run happens: which of its variant's code layouts (balanced over rounds, from the
//! seed) and how many bytes of padding its environment gets. See docs/layout.md.

use crate::measure::rng::Rng;
use crate::measure::settings::Settings;

/// Where one run happens: which of its variant's code layouts (`Plan::layouts`), and how many
/// bytes of padding its environment gets, which moves its stack's alignment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Placement {
    /// Index into the variant's layouts; 0 when it has one.
    pub layout: u32,
    /// Bytes of environment padding, 0–4095; always 0 when the run measures one layout.
    pub env_pad: u32,
}

/// Streams of the seed that pick layouts and padding (apart from the run order's).
const LAYOUT_STREAM: u64 = 0x1a70;
const ENV_STREAM: u64 = 0xe4f;

/// The layout variant `v` (with `k` layouts) runs on in `round`, the same for every workload of
/// the round, and the padding of this one run. Layouts go in blocks of `k` rounds, each block a
/// fresh random order of all `k`, so every layout runs about equally often.
pub(super) fn pick(
    settings: &Settings,
    k: u32,
    warmup: bool,
    round: u32,
    v: usize,
    w: usize,
) -> Placement {
    let seed = settings.seed;
    let warm = u64::from(warmup);
    let layout = if k > 1 {
        let mut order: Vec<u32> = (0..k).collect();
        let block = u64::from(round / k);
        Rng::derived(seed, &[LAYOUT_STREAM, warm, v as u64, block]).shuffle(&mut order);
        order[(round % k) as usize]
    } else {
        0
    };
    let env_pad = if settings.layouts > 1 {
        let key = [ENV_STREAM, warm, u64::from(round), v as u64, w as u64];
        Rng::derived(seed, &key).below(4096) as u32
    } else {
        0
    };
    Placement { layout, env_pad }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_block_of_k_rounds_runs_every_layout_once() {
        let settings = Settings {
            layouts: 4,
            seed: 9,
            ..Settings::default()
        };
        for block in 0..5 {
            let mut seen: Vec<u32> = (block * 4..block * 4 + 4)
                .map(|r| pick(&settings, 4, false, r, 1, 0).layout)
                .collect();
            seen.sort_unstable();
            assert_eq!(seen, [0, 1, 2, 3]);
        }
        // The same layout for every workload of a round; padding differs per run.
        assert_eq!(
            pick(&settings, 4, false, 6, 1, 0).layout,
            pick(&settings, 4, false, 6, 1, 1).layout
        );
        let pads: Vec<u32> = (0..20)
            .map(|r| pick(&settings, 4, false, r, 0, 0).env_pad)
            .collect();
        assert!(pads.iter().all(|&p| p < 4096) && pads.iter().any(|&p| p != pads[0]));
        let off = Settings::default();
        assert_eq!(pick(&off, 1, false, 3, 0, 0), Placement::default());
    }
}

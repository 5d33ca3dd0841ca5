//! What all load workers of one phase share: the targets and their weights, the addresses, the
//! request budget and the abort flag.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::spec::{LoadSpec, Target};
use crate::process::StopFlag;

/// What all workers of one phase share.
pub(super) struct Shared {
    pub targets: Vec<Target>,
    /// Running sums of the weights, for picking a target.
    pub cumulative: Vec<u32>,
    pub addrs: Vec<SocketAddr>,
    /// Requests still to start, for a `requests` run.
    pub budget: Option<AtomicU64>,
    pub abort: StopFlag,
}

impl Shared {
    pub(super) fn new(spec: &LoadSpec, requests: Option<u64>, abort: &StopFlag) -> Shared {
        let cumulative = spec
            .targets
            .iter()
            .scan(0u32, |sum, t| {
                *sum = sum.saturating_add(t.weight);
                Some(*sum)
            })
            .collect();
        Shared {
            targets: spec.targets.clone(),
            cumulative,
            addrs: spec.addrs.clone(),
            budget: requests.map(AtomicU64::new),
            abort: Arc::clone(abort),
        }
    }

    /// True once the run should end early: Ctrl-C, or the caller aborted it.
    #[inline]
    pub(super) fn aborted(&self) -> bool {
        crate::process::interrupted() || self.abort.load(Ordering::Relaxed)
    }

    /// Claims one request from the budget; false once it is spent.
    #[inline]
    pub(super) fn claim(&self) -> bool {
        match &self.budget {
            None => true,
            Some(left) => left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok(),
        }
    }

    /// The target for a uniform random `r` in `0..total weight`.
    #[inline]
    pub(super) fn pick(&self, r: u32) -> &Target {
        let i = self.cumulative.partition_point(|&c| c <= r);
        &self.targets[i.min(self.targets.len() - 1)]
    }

    pub(super) fn total_weight(&self) -> u32 {
        *self.cumulative.last().unwrap_or(&1)
    }
}

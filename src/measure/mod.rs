//! Measurement: run each variant on each workload in interleaved rounds (`engine`), keep every
//! sample (`sample`, each metric described once in `metric`), stop at the looks of a sequential
//! design (`sequential`), and decide every comparison in one place (`decide`, on the rank
//! statistics of `stats`; several at once as a `family`; `summary` per variant, `power` for
//! the change a run could find; `layout`: how far code layout alone moves a workload, the band
//! verdicts must clear).
//! It knows nothing about how binaries were built or how workloads are driven: an `Executor` does.

pub(crate) mod choice;
pub(crate) mod comparison;
pub(crate) mod decide;
mod engine;
pub(crate) mod exact;
pub(crate) mod family;
pub(crate) mod layout;
mod metric;
pub(crate) mod power;
mod progress;
pub(crate) mod rng;
mod sample;
pub(crate) mod sequential;
mod settings;
pub(crate) mod size;
pub(crate) mod stats;
pub(crate) mod summary;
#[cfg(test)]
pub(crate) mod testing;

pub(crate) use engine::Outcome;
pub use engine::{Executor, Placement, measure};

pub(crate) use engine::{Plan, Question, StopReason};
pub use metric::WorkloadKind;
pub(crate) use metric::{Metric, Unit};
pub use progress::NoProgress;
pub(crate) use progress::{Progress, for_shell};
pub use sample::{CommandSample, Sample};
pub(crate) use sample::{SampleRecord, Series, ServiceSample};
pub(crate) use settings::Defaults;
pub use settings::Settings;

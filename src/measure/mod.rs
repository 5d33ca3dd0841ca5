//! Measurement: run each variant on each workload in interleaved rounds (`engine`), keep every
//! sample (`sample`, each metric described once in `metric`), stop at the looks of a sequential
//! design (`sequential`), and decide every comparison in one place (`decide`, on the rank
//! statistics of `stats`; several at once as a `family`; `summary` per variant, `power` for
//! the change a run could find; `layout`: how far code layout alone moves a workload, the band
//! verdicts must clear).
//! It knows nothing about how binaries were built or how workloads are driven: an `Executor` does.

pub mod choice;
pub mod comparison;
pub mod decide;
mod engine;
pub mod exact;
pub mod family;
pub mod layout;
mod metric;
pub mod power;
mod progress;
pub mod rng;
mod sample;
pub mod sequential;
mod settings;
pub mod size;
pub mod stats;
pub mod summary;
#[cfg(test)]
pub mod testing;

pub use engine::{Executor, Outcome, Placement, Plan, Question, StopReason, measure};
pub use metric::{DESCRIPTORS, Descriptor, Metric, Unit, WorkloadKind};
pub use progress::{IndicatifProgress, NoProgress, Progress, Step, for_shell};
pub use sample::{CommandSample, Sample, SampleRecord, Series, ServiceSample};
pub use settings::{Defaults, Settings};

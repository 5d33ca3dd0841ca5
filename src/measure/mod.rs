//! Measurement: run each variant on each workload in interleaved rounds (`engine`), keep every
//! sample (`sample`), stop at the looks of a sequential design (`sequential`), and decide every
//! comparison in one place (`decide`, on the rank statistics of `stats`; `summary` per variant;
//! `layout`: how far code layout alone moves a workload, the band verdicts must clear).
//! It knows nothing about how binaries were built or how workloads are driven: an `Executor` does.

pub mod choice;
pub mod decide;
pub mod engine;
pub mod exact;
pub mod layout;
pub mod progress;
pub mod rng;
pub mod sample;
pub mod sequential;
pub mod settings;
pub mod size;
pub mod stats;
pub mod summary;
#[cfg(test)]
pub mod testing;

pub use engine::{Executor, Outcome, Placement, Plan, Question, StopReason, measure};
pub use progress::{IndicatifProgress, NoProgress, Progress, Step};
pub use sample::{CommandSample, Metric, Sample, SampleRecord, Series, ServiceSample};
pub use settings::Settings;
pub use summary::{Comparison, MetricSummary, Summary};

//! The Pareto front of a run (it lives with the run's other views in `report`).

pub use crate::report::pareto::front;

//! `cargo tune ci`: the GitHub Actions workflow that builds the shipped variant with PGO on each
//! native runner and gates pull requests with `cargo tune check`, and its validation.

pub mod actionlint;
pub mod export;
pub mod origin;
pub mod plan;
mod workflow;

pub use workflow::{Plan, Runner, render, runner_for};

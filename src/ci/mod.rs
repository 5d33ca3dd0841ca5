//! `cargo tune ci`: the GitHub Actions workflow that builds the shipped variant with PGO on each
//! native runner and gates pull requests with `cargo tune check`, and its validation.

pub(crate) mod actionlint;
pub(crate) mod export;
pub(crate) mod origin;
pub(crate) mod plan;
mod workflow;

pub(crate) use workflow::{Plan, Runner, render, runner_for};

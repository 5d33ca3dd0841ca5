//! The one integration-test binary: real cargo, real rustc, real LLVM tools, fixture projects in temp dirs.

mod utils;

mod auto;
mod build;
mod compare;
mod discovery;
mod doctor;
mod lints;
mod pgo;
mod profile;
mod report;
mod size;
mod workload;

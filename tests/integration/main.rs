//! The one integration-test binary: real cargo, real rustc, real LLVM tools, fixture projects in temp dirs.

mod utils;

mod architecture;
mod auto;
mod bolt;
mod build;
mod check;
mod ci;
mod compare;
mod concurrency;
mod discovery;
mod doctor;
mod explain;
mod hints;
mod html;
mod lints;
mod metrics;
mod pgo;
mod prebuilt;
mod profile;
mod report;
mod size;
mod workload;

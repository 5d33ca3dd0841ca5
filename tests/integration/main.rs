//! The one integration-test binary: real cargo, real rustc, real LLVM tools, fixture projects in temp dirs.

mod utils;

mod architecture;
mod auto;
mod bolt;
mod build;
mod check;
mod ci;
mod compare;
mod completions;
mod concurrency;
mod discovery;
mod docs;
mod doctor;
mod explain;
mod held_out;
mod hints;
mod html;
mod layout;
mod lints;
mod memory;
mod metrics;
mod pgo;
mod prebuilt;
mod profile;
mod report;
mod reuse;
mod size;
mod workload;

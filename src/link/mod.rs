//! The final link of a variant's binary, recorded while cargo builds it (`capture`: rustc runs
//! cargo-tune as its linker, which keeps the command and the inputs rustc deletes) and replayed
//! on demand (`replay`: the same objects, arguments added or removed, at the cost of one link).
//! `layouts` uses replays to make K code layouts of one binary for measuring.
//!
//! Replays are possible when the link goes through a C compiler driver (`cc`, `gcc`, `clang`),
//! as on every Linux target by default; layouts need lld on top (rustc's default on x86_64
//! Linux). Anything else — another linker, a BOLTed binary (rewritten after its link), a
//! prebuilt binary — keeps its one layout, and the callers say why.

pub(crate) mod capture;
mod keep;
pub(crate) mod layouts;
mod pad;
mod replay;

pub(crate) use replay::{Edit, relink};

//! The preset table: named, well-known profile configurations (data, not code paths).

/// One established profile configuration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Preset {
    pub name: &'static str,
    /// The cargo profile it starts from (`inherits`).
    pub inherits: &'static str,
    /// What it sets, as a variant spec (profile keys plus `target-cpu`).
    pub spec: &'static str,
    /// What it is for, in one line.
    pub about: &'static str,
}

pub(crate) const PRESETS: &[Preset] = &[
    Preset {
        name: "release",
        inherits: "release",
        spec: "",
        about: "the release profile exactly as configured (the usual baseline)",
    },
    Preset {
        name: "production",
        inherits: "release",
        spec: "opt-level=3,lto=fat,codegen-units=1,strip=symbols,panic=abort",
        about: "the classic shipping profile: fastest portable code, small binary, slow to build",
    },
    Preset {
        name: "fast-runtime",
        inherits: "release",
        spec: "opt-level=3,lto=fat,codegen-units=1,strip=symbols,panic=abort,target-cpu=x86-64-v3",
        about: "production for CPUs since ~2015 (AVX2, x86-64-v3); use target-cpu=native only for this machine",
    },
    Preset {
        name: "balanced",
        inherits: "release",
        spec: "lto=thin,strip=symbols",
        about: "the two-line recommendation: most of LTO's gain at a fraction of its build time",
    },
    Preset {
        name: "min-size",
        inherits: "release",
        spec: "opt-level=z,lto=fat,codegen-units=1,strip=symbols,panic=abort",
        about: "smallest binary (embedded, downloads, containers); usually slower",
    },
    Preset {
        name: "profiling",
        inherits: "release",
        spec: "debug=full,strip=none",
        about: "release code with full debug info, for perf, flamegraph and BOLT",
    },
    Preset {
        name: "dev-fast",
        inherits: "dev",
        spec: "opt-level=1",
        about: "a development build that runs much faster than dev and still compiles quickly",
    },
    Preset {
        name: "fast-compile",
        inherits: "dev",
        spec: "debug=line-tables-only",
        about: "quickest edit-compile cycle: dev with debug info reduced to line tables",
    },
];

pub(crate) fn find(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

pub(crate) fn names() -> String {
    PRESETS
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

//! Which project and which machine a run's numbers come from.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::toolchain::Rustc;

/// Which binary of which project was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectInfo {
    /// Workspace root.
    pub root: PathBuf,
    pub package: String,
    pub bin: String,
}

/// The machine and toolchain the numbers come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostInfo {
    pub rustc_version: String,
    pub llvm_version: String,
    pub host_triple: String,
    /// What the variants were built for (the host unless `--target`).
    pub target_triple: String,
    /// `model name` from /proc/cpuinfo, when readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_model: Option<String>,
    /// Logical CPUs available to the process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<usize>,
}

#[cfg(test)]
impl HostInfo {
    /// A fixed host for deterministic tests and snapshots.
    pub fn example() -> HostInfo {
        HostInfo {
            rustc_version: "1.95.0".into(),
            llvm_version: "22.1.0".into(),
            host_triple: "x86_64-unknown-linux-gnu".into(),
            target_triple: "x86_64-unknown-linux-gnu".into(),
            cpu_model: Some("Example CPU @ 3.00GHz".into()),
            cpus: Some(2),
        }
    }
}

impl HostInfo {
    /// Describes this machine; `target` is the triple the variants are built for.
    pub fn detect(rustc: &Rustc, target: &str) -> HostInfo {
        HostInfo {
            rustc_version: rustc.version.clone(),
            llvm_version: rustc.llvm_version.clone(),
            host_triple: rustc.host.clone(),
            target_triple: target.to_string(),
            cpu_model: std::fs::read_to_string("/proc/cpuinfo")
                .ok()
                .and_then(|text| cpu_model(&text)),
            cpus: std::thread::available_parallelism().ok().map(|n| n.get()),
        }
    }
}

/// The first `model name` line of /proc/cpuinfo (x86) or `Model`/`CPU part` fallbacks (ARM).
fn cpu_model(cpuinfo: &str) -> Option<String> {
    ["model name", "Model", "Hardware"].iter().find_map(|key| {
        cpuinfo.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            (k.trim() == *key && !v.trim().is_empty()).then(|| v.trim().to_string())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_model_from_cpuinfo() {
        let x86 = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n";
        assert_eq!(
            cpu_model(x86).as_deref(),
            Some("Intel(R) Xeon(R) CPU @ 2.20GHz")
        );
        assert_eq!(cpu_model("processor : 0\n"), None);
        assert_eq!(
            cpu_model("CPU part : 0xd0c\nModel : Raspberry Pi 5\n").as_deref(),
            Some("Raspberry Pi 5")
        );
    }
}

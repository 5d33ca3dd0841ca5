//! The platforms cargo-tune supports (Linux on x86_64 and aarch64) and the check that refuses
//! to build or measure anywhere else, where its figures would be wrong: peak memory comes from
//! Linux's `wait4` rusage (kilobytes; bytes elsewhere), sizes from ELF sections, and services
//! are stopped through process groups with Linux signal semantics.

use anyhow::{Result, bail};

// Without Unix APIs nothing compiles anyway: say why in one line instead of a page of errors.
#[cfg(not(unix))]
compile_error!(
    "cargo-tune supports Linux on x86_64 and aarch64 only (it measures with wait4 rusage, reads ELF sections and stops services through process groups)"
);

/// What the README and `doctor` declare.
pub(crate) const SUPPORTED: &str = "Linux on x86_64 and aarch64";

/// "linux x86_64": this build's platform.
pub(crate) fn current() -> String {
    format!("{} {}", std::env::consts::OS, std::env::consts::ARCH)
}

/// Whether `os`/`arch` (as in `std::env::consts`) is supported.
pub(crate) fn is_supported_platform(os: &str, arch: &str) -> bool {
    os == "linux" && matches!(arch, "x86_64" | "aarch64")
}

/// Whether this build runs on a supported platform.
pub(crate) fn is_supported() -> bool {
    is_supported_platform(std::env::consts::OS, std::env::consts::ARCH)
}

/// Fails on an unsupported platform, before anything is built or measured.
pub(crate) fn check() -> Result<()> {
    check_platform(std::env::consts::OS, std::env::consts::ARCH)
}

fn check_platform(os: &str, arch: &str) -> Result<()> {
    if !is_supported_platform(os, arch) {
        bail!(
            "cargo-tune supports {SUPPORTED}; this is {os} {arch}, where its figures would be wrong \
             (peak memory from wait4 rusage is counted in other units, binary sizes are read from ELF \
             sections, services are stopped through Linux process groups). `cargo tune doctor` and \
             `cargo tune profile` still work here"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_on_the_two_architectures_only() {
        assert!(check_platform("linux", "x86_64").is_ok());
        assert!(check_platform("linux", "aarch64").is_ok());
        let e = check_platform("macos", "aarch64").unwrap_err().to_string();
        assert!(
            e.contains("supports Linux on x86_64 and aarch64; this is macos aarch64"),
            "{e}"
        );
        assert!(check_platform("linux", "riscv64").is_err());
        // The machine the tests run on is a supported one.
        assert!(is_supported(), "{}", current());
    }
}

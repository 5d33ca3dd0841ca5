//! Checks of BOLT's input before BOLT runs: an ELF executable for a BOLT target, with its
//! symbols and the relocations `--emit-relocs` keeps, not BOLTed already.

use std::path::Path;

use anyhow::{Context, Result, bail};
use object::{Architecture, Object, ObjectSection};

/// What the input holds that matters to BOLT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InputFacts {
    pub architecture: Architecture,
    pub has_symbols: bool,
    pub has_text_relocations: bool,
    pub bolted: bool,
    /// The `.comment` section: compilers and linkers that made the binary.
    pub comment: String,
}

pub(crate) fn read_facts(path: &Path) -> Result<InputFacts> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file = object::File::parse(&*bytes).with_context(|| {
        format!(
            "{} is not an object file BOLT can read (BOLT rewrites Linux ELF executables only)",
            path.display()
        )
    })?;
    if file.format() != object::BinaryFormat::Elf {
        bail!(
            "{} is a {:?} file; BOLT rewrites Linux ELF executables only",
            path.display(),
            file.format()
        );
    }
    let comment = file
        .section_by_name(".comment")
        .and_then(|s| s.data().ok())
        .map(|d| {
            d.split(|b| *b == 0)
                .filter(|s| !s.is_empty())
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default();
    Ok(InputFacts {
        architecture: file.architecture(),
        has_symbols: file.section_by_name(".symtab").is_some(),
        has_text_relocations: file.section_by_name(".rela.text").is_some(),
        bolted: file.section_by_name(".note.bolt_info").is_some(),
        comment,
    })
}

impl InputFacts {
    /// Whether mold linked it (its `.comment` says so): mold keeps relocations for small
    /// programs, but BOLT has crashed on mold's `-q` output of larger ones.
    pub(crate) fn linked_with_mold(&self) -> bool {
        self.comment.to_lowercase().contains("mold")
    }
}

/// Fails with what is missing and why it matters, naming the likely cause.
pub(crate) fn check_input(path: &Path) -> Result<InputFacts> {
    let facts = read_facts(path)?;
    let what = path.display();
    if !matches!(
        facts.architecture,
        Architecture::X86_64 | Architecture::Aarch64 | Architecture::Riscv64
    ) {
        bail!(
            "{what} is built for {:?}; BOLT optimizes x86-64, AArch64 and RISC-V binaries only",
            facts.architecture
        );
    }
    if facts.bolted {
        bail!(
            "{what} has been processed by BOLT already (it has a .note.bolt_info section); \
             BOLT needs the binary as the linker wrote it"
        );
    }
    if !facts.has_symbols {
        bail!(
            "{what} has no symbol table (.symtab), so BOLT cannot find its functions. cargo-tune builds \
             BOLT's input with `strip = \"none\"`; a strip in your rustflags (`-Cstrip=…`, `-Clink-arg=-s`) \
             or in a linker wrapper removes them anyway: drop it (the variant's `strip` is applied after BOLT)"
        );
    }
    if !facts.has_text_relocations {
        let linker = if facts.linked_with_mold() {
            " It was linked with mold (its .comment says so), which does not keep them reliably and has \
             crashed BOLT with `-q`: link with the default linker (or lld) for BOLT, e.g. remove \
             `-fuse-ld=mold` / `-Clink-arg=-fuse-ld=mold` from your rustflags."
        } else {
            " The linker dropped them: use GNU ld (the default) or lld, which honour `--emit-relocs`, and \
             check that no rustflag or linker wrapper replaces the link arguments."
        };
        bail!(
            "{what} has no relocations for its code (.rela.text), so BOLT cannot move functions. \
             cargo-tune links BOLT's input with `-Clink-arg=-Wl,--emit-relocs`.{linker}"
        );
    }
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_elf_file_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("script");
        std::fs::write(&p, "#!/bin/sh\necho hi\n").unwrap();
        let e = format!("{:#}", check_input(&p).unwrap_err());
        assert!(e.contains("ELF"), "{e}");
    }

    #[test]
    fn mold_is_recognised_by_its_comment() {
        let facts = InputFacts {
            architecture: Architecture::X86_64,
            has_symbols: true,
            has_text_relocations: true,
            bolted: false,
            // As mold 1.10.1 writes it (checked on this machine).
            comment: "rustc version 1.95.0; mold 1.10.1 (compatible with GNU ld)".into(),
        };
        assert!(facts.linked_with_mold());
    }

    #[test]
    fn a_normal_executable_has_no_relocations() {
        // The test binary itself: linked without --emit-relocs.
        let me = std::env::current_exe().unwrap();
        let facts = read_facts(&me).unwrap();
        assert!(!facts.bolted);
        if facts.has_symbols {
            let e = format!("{:#}", check_input(&me).unwrap_err());
            assert!(e.contains(".rela.text") && e.contains("emit-relocs"), "{e}");
        }
    }
}

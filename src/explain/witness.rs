//! Evidence that a twin runs as the shipped binary does: a kept run of the shipped (stripped)
//! binary on the same workload against the twin's run, instruction by instruction.
//!
//! Under valgrind the two totals differ by a handful of instructions even though the loaded code
//! is identical: glibc finds the main thread's stack by parsing `/proc/self/maps` at startup
//! (`pthread_getattr_np`, for std's stack guard), and what valgrind itself has mapped there
//! depends on how many symbols it read. `strip -s` of the twin counts exactly what the shipped
//! binary counts. So the comparison that must match exactly is the binary's own code: all the
//! shipped run could not name (it has no symbols) against the same in the twin's run, which is
//! each total less the shared-library functions both runs name.

use serde::{Deserialize, Serialize};

use super::profile::Profile;

/// The shipped binary's count against its twin's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Witness {
    pub shipped_instructions: u64,
    pub twin_instructions: u64,
    /// Instructions of the binary's own code (everything but the library functions named in the
    /// shipped run), in each run: equal when the twin ran as the shipped binary did.
    pub own_code_shipped: u64,
    pub own_code_twin: u64,
    /// Library functions whose counts differ: `(name, shipped, twin)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub library_differences: Vec<(String, u64, u64)>,
}

/// Names cachegrind gives code it has no symbol for; in a stripped binary's run, that is the
/// binary's own code (valgrind calls the code that runs before `main` `(below main)`).
const UNNAMED: [&str; 2] = ["???", "(below main)"];

impl Witness {
    /// Compares a run of the shipped binary with one of its twin (instructions only).
    pub fn new(shipped: &Profile, twin: &Profile) -> Witness {
        let ir = |p: &Profile, name: &str| p.functions.get(name).map_or(0, |v| v[0]);
        let library: Vec<&String> = shipped
            .functions
            .keys()
            .filter(|n| !UNNAMED.contains(&n.as_str()))
            .collect();
        let sum = |p: &Profile| library.iter().map(|n| ir(p, n)).sum::<u64>();
        let (ts, tt) = (shipped.totals().instructions, twin.totals().instructions);
        let mut library_differences: Vec<(String, u64, u64)> = library
            .iter()
            .filter(|n| ir(shipped, n) != ir(twin, n))
            .map(|n| (n.to_string(), ir(shipped, n), ir(twin, n)))
            .collect();
        // The largest differences first (stable: by name among equals).
        library_differences
            .sort_by_key(|(_, s, t)| std::cmp::Reverse((i128::from(*t) - i128::from(*s)).abs()));
        Witness {
            shipped_instructions: ts,
            twin_instructions: tt,
            own_code_shipped: ts - sum(shipped),
            own_code_twin: tt.saturating_sub(sum(twin)),
            library_differences,
        }
    }

    pub fn same_own_code(&self) -> bool {
        self.own_code_shipped == self.own_code_twin
    }

    /// One sentence for the notes.
    pub fn describe(&self, variant: &str) -> String {
        let total = if self.shipped_instructions == self.twin_instructions {
            "the same total".to_string()
        } else {
            let diffs: Vec<String> = self
                .library_differences
                .iter()
                .take(3)
                .map(|(n, s, t)| format!("{n} {:+}", i128::from(*t) - i128::from(*s)))
                .collect();
            format!(
                "totals {} and {} (library code: {})",
                self.shipped_instructions,
                self.twin_instructions,
                diffs.join(", ")
            )
        };
        if self.same_own_code() {
            format!(
                "`{variant}`'s twin ran the binary's own code for exactly the same {} instructions \
                 as the shipped binary in the kept run; {total}",
                self.own_code_twin
            )
        } else {
            format!(
                "`{variant}`'s twin ran {} instructions of the binary's own code, the shipped \
                 binary {} in the kept run: the program itself varies from run to run ({total})",
                self.own_code_twin, self.own_code_shipped
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::profile::parse;

    #[test]
    fn the_binarys_own_code_is_compared_apart_from_startup_in_libc() {
        // Shipped: no symbols, so its own code is `???`; the twin names it.
        let shipped = "cmd: /s\nevents: Ir\nfn=???\n1 1000\nfn=(below main)\n1 25\n\
                       fn=strtoul\n1 200\nfn=memcpy\n1 50\nsummary: 1275\n";
        let twin = "cmd: /t\nevents: Ir\nfn=_ZN3app4main17h0E\n1 990\nfn=???\n1 3\n\
                    fn=(below main)\n1 32\nfn=strtoul\n1 218\nfn=memcpy\n1 50\nsummary: 1293\n";
        let w = Witness::new(&parse(shipped).unwrap().1, &parse(twin).unwrap().1);
        assert_eq!((w.own_code_shipped, w.own_code_twin), (1025, 1025));
        assert!(w.same_own_code());
        assert_eq!(w.library_differences, [("strtoul".to_string(), 200, 218)]);
        assert!(
            w.describe("p").contains("exactly the same 1025"),
            "{}",
            w.describe("p")
        );
    }
}

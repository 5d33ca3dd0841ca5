//! Why a candidate has no verdict: its build failed, it broke the compile-time cap, its
//! reference failed, or it could not be measured. Decisions match on the kind; the path prints it.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Rejection {
    /// The build failed (cargo's or the PGO/BOLT stage's message).
    Build(String),
    /// Its cold compile time is over `--max-compile-time`.
    OverCompileCap { secs: f64, cap: f64 },
    /// The candidate it was to be measured against failed.
    Reference(Box<Rejection>),
    /// Its workloads failed, or too few runs to compare (the statistics' reason).
    Unmeasured(String),
}

impl Rejection {
    /// The first line of the reason, for a one-line path entry.
    pub fn headline(&self) -> String {
        self.to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = |s: f64| crate::ui::format_duration(std::time::Duration::from_secs_f64(s));
        match self {
            Rejection::Build(why) | Rejection::Unmeasured(why) => f.write_str(why),
            Rejection::OverCompileCap { secs: s, cap } => write!(
                f,
                "its compile time ({}) is over the cap of {}",
                secs(*s),
                secs(*cap)
            ),
            Rejection::Reference(why) => write!(f, "the reference failed: {why}"),
        }
    }
}

impl From<Rejection> for String {
    fn from(r: Rejection) -> String {
        r.to_string()
    }
}

//! `doctor`'s findings as text: the toolchain, the LLVM tools, the project with its lints, and
//! whether PGO and BOLT are ready; and the lint catalogue.

use crate::lints::{LINTS, Severity};
use crate::ui::{BOLD, DIM, GREEN, RED, Shell, YELLOW};

use super::report::Report;

/// The whole report, section by section.
pub(super) fn report(s: &Shell, r: &Report) {
    toolchain(s, r);
    println!();
    llvm_tools(s, r);
    println!();
    project(s, r);
    println!();
    if !r.project_ok {
        println!(
            "PGO: {}   BOLT: {}   (fix the project's error above first)",
            ok(s, false, "", "not ready"),
            ok(s, false, "", "not ready")
        );
        return;
    }
    println!(
        "PGO: {}   BOLT: {}",
        ok(s, r.pgo_ready, "ready", "not ready"),
        ok(
            s,
            r.bolt_ready,
            "ready",
            "not ready (needs llvm-bolt and merge-fdata)"
        )
    );
}

/// `yes` in green when `b`, else `no` in red.
fn ok(s: &Shell, b: bool, yes: &str, no: &str) -> String {
    if b { s.out(GREEN, yes) } else { s.out(RED, no) }
}

fn severity_style(severity: Severity) -> anstyle::Style {
    match severity {
        Severity::Error => RED,
        Severity::Warning => YELLOW,
        Severity::Note => DIM,
    }
}

fn toolchain(s: &Shell, r: &Report) {
    println!("{}", s.out(BOLD, "Toolchain"));
    println!(
        "  platform       {} ({})",
        r.platform,
        ok(
            s,
            r.platform_supported,
            "supported",
            &format!(
                "not supported: cargo-tune supports {}",
                crate::platform::SUPPORTED
            )
        )
    );
    println!(
        "  rustc          {} (host {}), LLVM {}",
        r.rustc.version, r.rustc.host, r.rustc.llvm_version
    );
    println!(
        "  profiler       {}",
        if r.profiler_runtime {
            format!(
                "{} (profiler_builtins for {})",
                ok(s, true, "present", ""),
                r.target
            )
        } else {
            format!(
                "{}: -Cprofile-generate needs it; use a toolchain built with the profiler (rustup's are)",
                ok(s, false, "", "missing")
            )
        }
    );
    println!("  linker         {}", r.linker);
    match &r.valgrind {
        Some(v) => println!("  valgrind       {v} (--metric instructions, cycles-est)"),
        None => println!(
            "  valgrind       {} — install with apt-get install valgrind (needed by --metric instructions, cycles-est)",
            ok(s, false, "", "missing")
        ),
    }
}

fn llvm_tools(s: &Shell, r: &Report) {
    println!(
        "{}",
        s.out(
            BOLD,
            &format!(
                "LLVM tools (must match rustc's LLVM {})",
                r.rustc.llvm_major
            )
        )
    );
    for l in &r.tools {
        match &l.found {
            Some(f) => println!(
                "  {:<14} {} (LLVM {})",
                l.tool.name(),
                f.path.display(),
                f.version
            ),
            None => println!(
                "  {:<14} {} — install with {}",
                l.tool.name(),
                ok(s, false, "", "missing"),
                l.tool.install_hint(l.llvm_major)
            ),
        }
        for c in &l.candidates {
            if let Some(why) = &c.rejected {
                println!(
                    "  {:<14} {}",
                    "",
                    s.out(DIM, &format!("skipped {}: {why}", c.path.display()))
                );
            }
        }
    }
}

fn project(s: &Shell, r: &Report) {
    println!("{}", s.out(BOLD, "Project"));
    match (&r.project, &r.project_error) {
        (Some(p), _) => println!("  {p}"),
        (None, Some(e)) => println!("  {}", s.out(DIM, &format!("not checked: {e}"))),
        _ => {}
    }
    // Workloads are only known when the configuration and the binary were read.
    let unread = r.lints.iter().any(|l| matches!(l.id, "config" | "target"));
    if r.project.is_some() && !unread {
        if r.workloads.is_empty() {
            println!(
                "  no workloads configured: compare, auto and pgo need [[package.metadata.tune.workload]] or `-- ARGS`"
            );
        }
        for w in &r.workloads {
            println!("  workload {w}");
        }
    }
    if r.project.is_some() && r.lints.is_empty() {
        println!("  no configuration problems found");
    }
    for lint in &r.lints {
        println!(
            "  {}: {}",
            s.out(
                severity_style(lint.severity),
                &format!("{}[{}]", lint.severity, lint.id)
            ),
            lint.message
        );
        if let Some(loc) = &lint.location {
            println!("      at {loc}");
        }
        println!("      fix: {}", lint.fix);
    }
}

/// What doctor checks, with severities and fixes.
pub(super) fn lint_catalogue(s: &Shell) {
    for l in LINTS {
        println!(
            "{} {}",
            s.out(BOLD, l.id),
            s.out(severity_style(l.severity), &format!("({})", l.severity))
        );
        println!("    {}", l.explanation);
        println!("    fix: {}", l.fix);
    }
}

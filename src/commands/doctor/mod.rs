//! `cargo tune doctor`: toolchain, matching LLVM tools, profiler runtime, linker, and project lints.

use anyhow::Result;
use clap::Args;

use crate::cargo::Project;
use crate::commands::Ctx;
use crate::lints::{self, LINTS, Lint, LintOptions, Severity};
use crate::process::Cmd;
use crate::toolchain::{LlvmTool, Rustc, ToolLookup, find_tool};

mod print;
mod report;

use report::Report;

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print the findings as JSON
    #[arg(long)]
    pub json: bool,
    /// List every lint doctor runs (id, severity, explanation, fix) instead of checking
    #[arg(long)]
    pub list_lints: bool,
}

/// What `doctor` found out about the project: its binary and workloads, and the lints.
struct ProjectFindings {
    project: Option<String>,
    project_error: Option<String>,
    workloads: Vec<String>,
    lints: Vec<Lint>,
}

pub(crate) fn run(ctx: &Ctx, args: &DoctorArgs) -> Result<()> {
    if args.list_lints {
        return list_lints(ctx, args.json);
    }
    let report = Report::gather(ctx)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print::report(&ctx.shell, &report);
    }
    if report.pgo_ready && report.project_ok && report.platform_supported {
        Ok(())
    } else {
        Err(crate::commands::errors::SilentExit(1).into())
    }
}

impl Report {
    fn gather(ctx: &Ctx) -> Result<Report> {
        let rustc = Rustc::detect()?;
        let target = ctx
            .cargo
            .target
            .clone()
            .unwrap_or_else(|| rustc.host.clone());
        let tools: Vec<ToolLookup> = LlvmTool::ALL
            .iter()
            .map(|&t| find_tool(&rustc, t))
            .collect();
        let profiler_runtime = rustc.has_profiler_runtime(&target);
        let linker = linker_description(&target);
        let findings = project_findings(ctx, &target)?;
        let found = |t: LlvmTool| tools.iter().any(|l| l.tool == t && l.found.is_some());
        let pgo_ready = profiler_runtime && found(LlvmTool::Profdata);
        let bolt_ready = found(LlvmTool::Bolt) && found(LlvmTool::MergeFdata);
        let project_ok = !findings.lints.iter().any(|l| l.severity == Severity::Error);
        Ok(Report {
            platform: crate::platform::current(),
            platform_supported: crate::platform::is_supported(),
            rustc,
            target,
            profiler_runtime,
            linker,
            tools,
            project: findings.project,
            project_error: findings.project_error,
            workloads: findings.workloads,
            lints: findings.lints,
            pgo_ready,
            bolt_ready,
            project_ok,
            valgrind: valgrind_description(),
        })
    }
}

/// The project, its binary's workloads and the lints; a project that does not load is a
/// finding, not an error.
fn project_findings(ctx: &Ctx, target: &str) -> Result<ProjectFindings> {
    let p = match ctx.project() {
        Ok(p) => p,
        Err(e) => {
            return Ok(ProjectFindings {
                project: None,
                project_error: Some(format!("{e:#}")),
                workloads: Vec::new(),
                lints: Vec::new(),
            });
        }
    };
    // A configuration error is reported as one, not as a missing binary.
    let config_error = p
        .package(&ctx.cargo)
        .ok()
        .is_some_and(|pk| p.tune_config(pk).is_err());
    let bin = p.bin_target(&ctx.cargo);
    let mut workloads = Vec::new();
    let what = match &bin {
        Ok(b) => {
            workloads = b.config.workload.iter().map(describe_workload).collect();
            format!(
                "{} (package `{}`, binary `{}`)",
                p.workspace_root.display(),
                b.package,
                b.bin
            )
        }
        Err(_) => p.workspace_root.display().to_string(),
    };
    let opts = LintOptions {
        target,
        profile: &ctx.cargo.profile,
        bin: bin.as_ref().ok(),
        cargo: &ctx.cargo,
    };
    let mut lints = lints::check(&p, &opts)?;
    // Without a binary (or with a broken tune table) nothing else can run: an error.
    if let Err(e) = &bin {
        let lint = if config_error {
            Lint {
                id: "config",
                severity: Severity::Error,
                message: format!("{e:#}"),
                fix: "correct the key or value named above; compare, pgo, auto and check refuse \
                      to run until then"
                    .into(),
                location: None,
            }
        } else {
            no_target(ctx, &p, e)
        };
        lints.insert(0, lint);
    }
    Ok(ProjectFindings {
        project: Some(what),
        project_error: None,
        workloads,
        lints,
    })
}

/// The error lint when no binary can be tuned, with the fix for a library-only package.
fn no_target(ctx: &Ctx, p: &Project, e: &anyhow::Error) -> Lint {
    let library_only = p.package(&ctx.cargo).is_ok_and(|pk| {
        !pk.targets
            .iter()
            .any(|t| t.kind.contains(&cargo_metadata::TargetKind::Bin))
    });
    let several_packages = p.package(&ctx.cargo).is_err();
    let fix = if several_packages {
        "pick the package to tune with -p (`cargo tune -p APP doctor`)".into()
    } else if library_only {
        "cargo-tune tunes binaries, and this package is a library: point it at a package \
         with a binary (`cargo tune -p APP doctor` in a workspace, or `cargo tune --manifest-path \
         path/to/app/Cargo.toml doctor`), or add a binary that runs this library's hot paths \
         (src/main.rs or a [[bin]] target) and tune that"
            .into()
    } else {
        "pick the binary with --bin, or set `bin = \"…\"` in [package.metadata.tune]".into()
    };
    Lint {
        id: "target",
        severity: Severity::Error,
        message: format!("{e:#}"),
        fix,
        location: None,
    }
}

/// `/usr/bin/valgrind (valgrind-3.19.0)`, or `None` when it is not on PATH.
fn valgrind_description() -> Option<String> {
    let path = crate::workload::cachegrind::find_valgrind().ok()?;
    let version = Cmd::new(&path)
        .arg("--version")
        .run()
        .map(|f| f.stdout_str().trim().to_string())
        .unwrap_or_else(|e| format!("does not run: {e}"));
    Some(format!("{} ({version})", path.display()))
}

/// The lint catalogue: what doctor checks, with severities and fixes.
fn list_lints(ctx: &Ctx, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(LINTS)?);
        return Ok(());
    }
    print::lint_catalogue(&ctx.shell);
    Ok(())
}

/// The linker rustc will use for `target`: from cargo config or rustflags, else the system `cc`.
fn linker_description(target: &str) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    if let Some((linker, file)) = crate::cargo::linker::configured(&cwd, target) {
        return format!("{linker} (from {})", file.display());
    }
    let version = Cmd::new("cc")
        .arg("--version")
        .run()
        .map(|o| o.stdout_str())
        .unwrap_or_default();
    match version.lines().next() {
        Some(first) => format!("cc (system default: {first})"),
        None => "cc (system default; not found on PATH — rustc needs a C linker)".into(),
    }
}

/// "`api` (service): --port 3999, load http://127.0.0.1:3999/api".
fn describe_workload(w: &crate::tune_config::Workload) -> String {
    let what = match (w.shell(), w.service()) {
        (Some(sh), _) => format!("sh -c {}", crate::process::shell_quote(sh)),
        (None, Some(s)) => format!("{} → load {}", s.args.join(" "), s.load.urls.first()),
        (None, None) => w.args().join(" "),
    };
    format!("`{}` ({}): {}", w.name, w.kind, what.trim())
}

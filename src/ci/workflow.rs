//! The GitHub Actions workflow `ci init` writes: a release job per native runner that builds the
//! shipped variant through cargo-tune itself (PGO/BOLT trained on the workloads in Cargo.toml),
//! and optionally a pull-request job running `cargo tune check` as a performance gate.

use anyhow::{Result, bail};

/// Action versions actionlint (1.17) accepts: older majors run on the deprecated node20.
pub(super) const CHECKOUT: &str = "actions/checkout@v7";
pub(super) const UPLOAD: &str = "actions/upload-artifact@v7";
pub(super) const DOWNLOAD: &str = "actions/download-artifact@v8";
pub(super) const TOOLCHAIN: &str = "dtolnay/rust-toolchain@stable";
pub(super) const CACHE: &str = "Swatinem/rust-cache@v2";

/// One matrix entry: a runner and the target it builds natively (profiles do not carry across
/// targets, so each trains on its own build).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Runner {
    pub os: String,
    pub target: String,
}

/// The runner that builds `target` natively.
pub(crate) fn runner_for(target: &str) -> Result<Runner> {
    let os = match target {
        "x86_64-unknown-linux-gnu" | "x86_64" => "ubuntu-latest",
        "aarch64-unknown-linux-gnu" | "aarch64" => "ubuntu-24.04-arm",
        other => bail!(
            "no native GitHub-hosted runner for `{other}` that cargo-tune supports: PGO trains on \
             the target's own build, so it cannot cross-compile; use x86_64-unknown-linux-gnu or \
             aarch64-unknown-linux-gnu"
        ),
    };
    let target = match target {
        "x86_64" => "x86_64-unknown-linux-gnu",
        "aarch64" => "aarch64-unknown-linux-gnu",
        t => t,
    };
    Ok(Runner {
        os: os.into(),
        target: target.into(),
    })
}

/// What the workflow builds and how.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The binary's name (artifact names).
    pub bin: String,
    /// Global options selecting the project from the repository root (` --manifest-path x/Cargo.toml`).
    pub selection: String,
    /// `cargo tune` options and subcommand building the release (` --profile tuned pgo`).
    pub build: String,
    /// What the build is, for step names (`tuned with PGO`).
    pub describe: String,
    pub bolt: bool,
    pub runners: Vec<Runner>,
    /// The pull-request job's `cargo tune check` options (None: no such job).
    pub check: Option<String>,
    /// How the jobs install cargo-tune.
    pub install: String,
    /// The cargo workspace relative to the repository root, when it is not the root (the cache
    /// must know where its target dir is).
    pub workspace_dir: Option<String>,
    /// With `--search`: candidates built one per runner, then measured together in one job.
    pub search: Vec<String>,
}

impl Plan {
    /// The release step's script, exactly as the workflow runs it (`$TARGET` from the matrix).
    pub(crate) fn build_script(&self) -> String {
        format!(
            "bin=$(cargo tune{}{} | tail -n 1)\nmkdir -p dist\ncp \"$bin\" \"dist/{}-$TARGET\"\n",
            self.selection, self.build, self.bin
        )
    }

    /// The pull-request step's command.
    pub(crate) fn check_command(&self) -> Option<String> {
        self.check.as_ref().map(|opts| {
            format!(
                "cargo tune{} check --base ${{{{ github.event.pull_request.base.sha }}}}{opts}",
                self.selection
            )
        })
    }
}

fn indent(text: &str, spaces: usize) -> String {
    let pad = " ".repeat(spaces);
    text.lines()
        .map(|l| format!("{pad}{l}\n"))
        .collect::<String>()
}

const BOLT_INSTALL: &str = "major=$(rustc -vV | sed -n 's/^LLVM version: \\([0-9]*\\).*/\\1/p')\n\
wget -qO- https://apt.llvm.org/llvm.sh | sudo bash -s -- \"$major\"\n\
sudo apt-get install -y \"bolt-$major\"\n";

/// The workflow's YAML.
pub(crate) fn render(plan: &Plan) -> String {
    let mut y = String::new();
    y.push_str(
        "# Written by `cargo tune ci init`. The workloads that train PGO live in Cargo.toml\n\
         # ([package.metadata.tune]), not here; `cargo tune ci check` validates this file.\n\
         name: cargo-tune\n\non:\n  push:\n    branches: [main]\n    tags: [\"v*\"]\n",
    );
    if plan.check.is_some() {
        y.push_str("  pull_request:\n");
    }
    y.push_str("  workflow_dispatch:\n\npermissions:\n  contents: read\n\njobs:\n");

    // Release: one native build per runner.
    y.push_str("  release:\n");
    if plan.check.is_some() {
        y.push_str("    if: github.event_name != 'pull_request'\n");
    }
    y.push_str("    strategy:\n      fail-fast: false\n      matrix:\n        include:\n");
    for r in &plan.runners {
        y.push_str(&format!(
            "          - os: {}\n            target: {}\n",
            r.os, r.target
        ));
    }
    y.push_str("    runs-on: ${{ matrix.os }}\n    steps:\n");
    y.push_str(&format!("      - uses: {CHECKOUT}\n"));
    y.push_str(&toolchain_steps(plan));
    if plan.bolt {
        y.push_str(&bolt_install_step());
    }
    y.push_str(&install_step(plan));
    y.push_str(&format!(
        "      - name: Build {} (trained on the workloads in Cargo.toml)\n",
        plan.describe
    ));
    y.push_str("        shell: bash\n        env:\n          TARGET: ${{ matrix.target }}\n");
    y.push_str("        run: |\n");
    y.push_str(&indent(&plan.build_script(), 10));
    y.push_str(&format!(
        "      - uses: {UPLOAD}\n        with:\n          name: {}-${{{{ matrix.target }}}}\n          path: dist/\n          if-no-files-found: error\n",
        plan.bin
    ));

    if !plan.search.is_empty() {
        y.push_str(&search_jobs(plan));
    }

    if let Some(cmd) = plan.check_command() {
        y.push_str("\n  check:\n    if: github.event_name == 'pull_request'\n");
        y.push_str("    runs-on: ubuntu-latest\n    steps:\n");
        y.push_str(&format!(
            "      - uses: {CHECKOUT}\n        with:\n          # check builds the base commit from history\n          fetch-depth: 0\n"
        ));
        y.push_str(&toolchain_steps(plan));
        if cmd.contains("--metric instructions") {
            y.push_str(
                "      - name: Install valgrind (--metric instructions counts with cachegrind)\n        \
                 run: sudo apt-get update && sudo apt-get install -y valgrind\n",
            );
        }
        if plan.bolt {
            y.push_str(&bolt_install_step());
        }
        y.push_str(&install_step(plan));
        y.push_str(
            "      - name: Performance gate against the base (the verdict goes to the job summary)\n",
        );
        y.push_str(&format!("        run: {cmd}\n"));
    }
    y
}

fn toolchain_steps(plan: &Plan) -> String {
    let mut s = format!(
        "      - uses: {TOOLCHAIN}\n        with:\n          components: llvm-tools\n      - uses: {CACHE}\n"
    );
    if let Some(dir) = &plan.workspace_dir {
        s.push_str(&format!("        with:\n          workspaces: {dir}\n"));
    }
    s
}

/// One build job per candidate (PGO ones train on their own runner), uploading each binary with
/// its manifest; one job measures them all with `compare --prebuilt` (pairing needs one machine).
fn search_jobs(plan: &Plan) -> String {
    let runner = plan
        .runners
        .first()
        .map_or("ubuntu-latest", |r| r.os.as_str());
    let mut y = String::new();
    y.push_str("\n  search-build:\n");
    if plan.check.is_some() {
        y.push_str("    if: github.event_name != 'pull_request'\n");
    }
    y.push_str("    strategy:\n      fail-fast: false\n      matrix:\n        variant:\n");
    for c in &plan.search {
        y.push_str(&format!("          - \"{c}\"\n"));
    }
    y.push_str(&format!(
        "    runs-on: {runner}\n    steps:\n      - uses: {CHECKOUT}\n"
    ));
    y.push_str(&toolchain_steps(plan));
    y.push_str(&install_step(plan));
    y.push_str(&format!(
        "      - name: Build ${{{{ matrix.variant }}}} (PGO trains here, on this runner's build)\n        \
         env:\n          VARIANT: ${{{{ matrix.variant }}}}\n        \
         run: cargo tune{} build --variant \"$VARIANT\" --export dist\n",
        plan.selection
    ));
    y.push_str(&format!(
        "      - uses: {UPLOAD}\n        with:\n          name: variant-${{{{ strategy.job-index }}}}\n          path: dist/\n          if-no-files-found: error\n"
    ));
    y.push_str("\n  search-measure:\n    needs: search-build\n");
    y.push_str(&format!(
        "    runs-on: {runner}\n    steps:\n      - uses: {CHECKOUT}\n"
    ));
    y.push_str(&toolchain_steps(plan));
    y.push_str(&install_step(plan));
    y.push_str(&format!(
        "      - uses: {DOWNLOAD}\n        with:\n          pattern: variant-*\n          merge-multiple: true\n          path: dist\n"
    ));
    y.push_str(&format!(
        "      - name: Measure every candidate in one interleaved run\n        \
         run: cargo tune{} compare --prebuilt dist --markdown compare.md --html compare.html\n",
        plan.selection
    ));
    y.push_str(
        "      - name: Post the table to the job summary\n        run: cat compare.md >> \"$GITHUB_STEP_SUMMARY\"\n",
    );
    y.push_str(&format!(
        "      - uses: {UPLOAD}\n        with:\n          name: comparison\n          path: compare.html\n"
    ));
    y
}

/// The step that installs cargo-tune the way the plan says.
fn install_step(plan: &Plan) -> String {
    format!(
        "      - name: Install cargo-tune\n        run: {}\n",
        plan.install
    )
}

/// The step that installs the llvm-bolt matching rustc's LLVM.
fn bolt_install_step() -> String {
    format!(
        "      - name: Install llvm-bolt of rustc's LLVM\n        run: |\n{}",
        indent(BOLT_INSTALL, 10)
    )
}

//! Test harness: tiny cargo projects in temp dirs (kept when a test fails) and a runner for the cargo-tune binary.
#![allow(dead_code)] // each test module uses a different part of the harness

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod fixtures;

/// A fixture project being assembled.
pub struct ProjectBuilder {
    name: String,
    files: Vec<(PathBuf, String)>,
}

/// Starts a binary package `name` with a `[workspace]` of its own and a hello-world main.
pub fn project(name: &str) -> ProjectBuilder {
    ProjectBuilder {
        name: name.to_string(),
        files: vec![
            (
                "Cargo.toml".into(),
                format!(
                    "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n"
                ),
            ),
            (
                "src/main.rs".into(),
                "fn main() { println!(\"hello\"); }\n".into(),
            ),
        ],
    }
}

impl ProjectBuilder {
    /// Adds or replaces a file.
    pub fn file(mut self, path: impl AsRef<Path>, contents: &str) -> Self {
        let path = path.as_ref().to_path_buf();
        self.files.retain(|(p, _)| *p != path);
        self.files.push((path, contents.to_string()));
        self
    }

    /// Appends TOML to the generated Cargo.toml (metadata, profiles, more bins).
    pub fn manifest_extra(mut self, toml: &str) -> Self {
        let manifest = self
            .files
            .iter_mut()
            .find(|(p, _)| p == Path::new("Cargo.toml"))
            .unwrap();
        manifest.1.push('\n');
        manifest.1.push_str(toml);
        self
    }

    pub fn build(self) -> Project {
        let dir = tempfile::Builder::new()
            .prefix(&format!("tune-{}-", self.name))
            .tempdir()
            .unwrap();
        for (path, contents) in &self.files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, contents).unwrap();
        }
        Project { dir: Some(dir) }
    }
}

/// A fixture on disk. Dropped during a panic, it stays on disk and says where.
pub struct Project {
    dir: Option<tempfile::TempDir>,
}

impl Project {
    pub fn path(&self) -> &Path {
        self.dir.as_ref().unwrap().path()
    }

    pub fn join(&self, p: impl AsRef<Path>) -> PathBuf {
        self.path().join(p)
    }

    pub fn read(&self, p: impl AsRef<Path>) -> String {
        std::fs::read_to_string(self.join(p)).unwrap()
    }

    pub fn write(&self, p: impl AsRef<Path>, contents: &str) {
        let full = self.join(p);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, contents).unwrap();
    }

    /// `cargo-tune <args>` run in the project directory.
    pub fn tune(&self, args: &[&str]) -> TuneCmd {
        tune_in(self.path(), args)
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        if std::thread::panicking()
            && let Some(dir) = self.dir.take()
        {
            eprintln!("test failed; fixture kept at {}", dir.keep().display());
        }
    }
}

/// `cargo-tune <args>` in `dir`, with the user's build environment scrubbed so tests are hermetic.
pub fn tune_in(dir: &Path, args: &[&str]) -> TuneCmd {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-tune"));
    cmd.args(args).current_dir(dir);
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
        "CARGO_BUILD_RUSTFLAGS",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1");
    TuneCmd { cmd }
}

pub struct TuneCmd {
    pub cmd: Command,
}

impl TuneCmd {
    pub fn env(mut self, k: &str, v: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.env(k, v);
        self
    }

    pub fn env_remove(mut self, k: &str) -> Self {
        self.cmd.env_remove(k);
        self
    }

    pub fn run(mut self) -> Run {
        let out = self.cmd.output().expect("cargo-tune runs");
        Run::from(out, format!("{:?}", self.cmd))
    }

    /// Runs and asserts success.
    pub fn ok(self) -> Run {
        let r = self.run();
        assert!(r.success, "expected success:\n{r}");
        r
    }

    /// Runs and asserts failure.
    pub fn fails(self) -> Run {
        let r = self.run();
        assert!(!r.success, "expected failure:\n{r}");
        r
    }
}

#[derive(Debug)]
pub struct Run {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub cmdline: String,
}

impl Run {
    fn from(out: Output, cmdline: String) -> Run {
        Run {
            success: out.status.success(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            cmdline,
        }
    }

    /// The last line of stdout (commands print the binary path last).
    pub fn last_line(&self) -> &str {
        self.stdout.lines().last().unwrap_or("")
    }

    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{self}"
        );
        self
    }

    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{self}"
        );
        self
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "command: {}\nexit: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.cmdline, self.code, self.stdout, self.stderr
        )
    }
}

/// Runs the real cargo in `dir` with the user's build environment scrubbed; asserts success.
pub fn cargo(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo {args:?} failed in {}:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs a built binary and returns its stdout.
pub fn run_binary(path: &str, args: &[&str]) -> String {
    let out = Command::new(path).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{path} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A loopback port that was free a moment ago (bind, read, release).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A project around the shared HTTP fixture, with one service workload on `port`.
pub fn service_project(name: &str, port: u16) -> Project {
    project(name)
        .file("src/main.rs", fixtures::HTTP_SERVICE)
        .manifest_extra(&format!(
            "[[package.metadata.tune.workload]]\nname = \"api\"\nkind = \"service\"\n\
             args = [\"--port\", \"{port}\"]\nready = \"http://127.0.0.1:{port}/health\"\n\
             load = {{ url = \"http://127.0.0.1:{port}/\", concurrency = 2, duration = \"1s\" }}\n"
        ))
        .build()
}

/// Runs `cmd`, waits until its service answers on `port` (measuring has begun), lets it run
/// `after` longer, presses Ctrl-C (SIGINT) and returns how it ended.
pub fn interrupt_once_serving(mut cmd: Command, port: u16, after: std::time::Duration) -> Output {
    use std::time::{Duration, Instant};
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the service never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(after);
    // SAFETY: signalling the child we spawned.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    child.wait_with_output().unwrap()
}

/// Runs git in `dir` with a fixed identity and quiet defaults; fails the test on an error and
/// returns its stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "advice.detachedHead=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Copies the directory `from` to `to`, leaving out `target/` (a bundled example's builds).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

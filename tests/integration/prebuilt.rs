//! `build --export DIR` in one clone, `compare --prebuilt DIR` in another: three variants (one
//! with PGO) measured on binaries the comparing side did not build; another commit is refused.

use serde_json::Value;

use crate::utils::fixtures::BRANCHY_CLI;
use crate::utils::{git, project, tune_in};

#[test]
fn exported_variants_are_compared_in_another_clone_and_another_commit_is_refused() {
    let origin = project("prebuilt")
        .file("src/main.rs", BRANCHY_CLI)
        .file(".gitignore", "/target\n")
        .manifest_extra(
            "[[package.metadata.tune.workload]]\nname = \"spin\"\nargs = [\"300000\"]\n",
        )
        .build();
    git(origin.path(), &["init", "-q"]);
    git(origin.path(), &["add", "-A"]);
    git(origin.path(), &["commit", "-q", "-m", "first"]);
    let clones = tempfile::tempdir().unwrap();
    let (a, b) = (clones.path().join("a"), clones.path().join("b"));
    let url = origin.path().display().to_string();
    for dir in [&a, &b] {
        git(clones.path(), &["clone", "-q", &url, dir.to_str().unwrap()]);
    }
    let dist = clones.path().join("dist");
    let dist_arg = dist.to_str().unwrap();
    for spec in ["release", "production", "release+pgo"] {
        let r = tune_in(&a, &["build", "--variant", spec, "--export", dist_arg]).run();
        assert!(r.success, "{r}");
        r.stderr_has("Exported");
    }
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(dist.join("release+pgo/cargo-tune-export.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["pgo"], true);
    assert_eq!(manifest["bin"], "prebuilt");
    assert_eq!(manifest["commit"].as_str().unwrap().len(), 40);
    assert!(
        manifest["rustflags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f.as_str().unwrap().starts_with("-Cprofile-use=")),
        "{manifest}"
    );
    for key in [
        "rustc_version",
        "compile_time_secs",
        "size_bytes",
        "variant",
    ] {
        assert!(!manifest[key].is_null(), "{key}: {manifest}");
    }

    // Clone b builds nothing: it measures a's binaries.
    let json = clones.path().join("run.json");
    let r = tune_in(
        &b,
        &[
            "compare",
            "--prebuilt",
            dist_arg,
            "--metric",
            "instructions",
            "--json",
            json.to_str().unwrap(),
        ],
    )
    .run();
    assert!(r.success, "{r}");
    r.stdout_has("prebuilt binaries from");
    // Only the saved result (and the lock) under b's target dir: no build.
    for entry in std::fs::read_dir(b.join("target/tune")).unwrap() {
        let entry = entry.unwrap();
        let is_build = entry.file_type().unwrap().is_dir() && entry.file_name() != "results";
        assert!(!is_build, "b built something: {:?}", entry.path());
    }
    let run: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let names: Vec<&str> = run["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["release", "production", "release+pgo"]);
    for v in run["variants"].as_array().unwrap() {
        assert!(v["build"]["binary"].as_str().unwrap().starts_with(dist_arg));
        assert!(
            !v["measurements"][0]["samples"]
                .as_array()
                .unwrap()
                .is_empty()
        );
    }

    // Another commit in b: its code is not what was exported.
    std::fs::write(b.join("README"), "changed\n").unwrap();
    git(&b, &["add", "-A"]);
    git(&b, &["commit", "-q", "-m", "second"]);
    let r = tune_in(&b, &["compare", "--prebuilt", dist_arg]).run();
    assert!(!r.success, "{r}");
    r.stderr_has("was built from commit")
        .stderr_has("but this checkout is at");
}

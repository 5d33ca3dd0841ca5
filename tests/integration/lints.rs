//! `cargo tune doctor` lints on fixture projects: each lint fires where it should and stays quiet
//! where it must not. Dependencies are path crates, so everything works offline.

use serde_json::Value;

use crate::utils::{Project, project};

/// The lints `doctor --json --offline` reports, as (id, message).
fn lints(p: &Project, extra: &[&str]) -> Vec<(String, String)> {
    let mut args = vec!["doctor", "--json", "--offline"];
    args.extend_from_slice(extra);
    let r = p.tune(&args).run();
    let report: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{r}"));
    assert!(report["project_error"].is_null(), "{r}");
    report["lints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["id"].as_str().unwrap().to_string(),
                l["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn find<'a>(lints: &'a [(String, String)], id: &str) -> Option<&'a str> {
    lints.iter().find(|(i, _)| i == id).map(|(_, m)| m.as_str())
}

fn has(lints: &[(String, String)], id: &str) -> String {
    find(lints, id)
        .unwrap_or_else(|| panic!("no `{id}` lint in {lints:#?}"))
        .to_string()
}

fn lacks(lints: &[(String, String)], id: &str) {
    assert!(find(lints, id).is_none(), "unexpected `{id}` in {lints:#?}");
}

/// A binary with a path dependency `unwinder` that is not a workspace member.
fn with_unwinder(profile: &str, dep_code: &str) -> Project {
    project("abort")
        .file(
            "Cargo.toml",
            &format!(
                "[package]\nname = \"abort\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nunwinder = {{ path = \"vendor/unwinder\" }}\n\n[workspace]\nexclude = [\"vendor\"]\n\n{profile}"
            ),
        )
        .file("src/main.rs", "fn main() { unwinder::run(); }\n")
        .file(
            "vendor/unwinder/Cargo.toml",
            "[package]\nname = \"unwinder\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        )
        .file("vendor/unwinder/src/lib.rs", dep_code)
        .build()
}

const CATCHES: &str = "pub fn run() {\n    // isolate a plugin's panics\n    let _ = std::panic::catch_unwind(|| 1);\n}\n";

#[test]
fn panic_abort_with_catch_unwind_in_a_dependency() {
    let p = with_unwinder("[profile.release]\npanic = \"abort\"\n", CATCHES);
    let l = lints(&p, &[]);
    let m = has(&l, "panic-abort-catch-unwind");
    assert!(
        m.contains("[profile.release]") && m.contains("unwinder (src/lib.rs:3)"),
        "{m}"
    );
    // Any profile that aborts counts, not only the shipping one.
    let p = with_unwinder(
        "[profile.production]\ninherits = \"release\"\npanic = \"abort\"\n",
        CATCHES,
    );
    let m = has(&lints(&p, &[]), "panic-abort-catch-unwind");
    assert!(m.contains("[profile.production]"), "{m}");
}

#[test]
fn panic_lint_stays_quiet_without_abort_or_without_catch_unwind() {
    let p = with_unwinder("", CATCHES);
    lacks(&lints(&p, &[]), "panic-abort-catch-unwind");
    let commented_out = "pub fn run() {\n    // let _ = std::panic::catch_unwind(|| 1);\n}\n";
    let p = with_unwinder("[profile.release]\npanic = \"abort\"\n", commented_out);
    // Only tests call it: tests always unwind.
    let p2 = p;
    p2.write(
        "vendor/unwinder/tests/t.rs",
        "#[test] fn t() { let _ = std::panic::catch_unwind(|| 1); }\n",
    );
    lacks(&lints(&p2, &[]), "panic-abort-catch-unwind");
}

#[test]
fn strip_while_bolt_is_wanted() {
    let p = project("bolt")
        .manifest_extra("[package.metadata.tune]\nbolt = true\n")
        .build();
    p.write(
        "Cargo.toml",
        &(p.read("Cargo.toml").replace("[workspace]\n", "")
            + "\n[workspace]\n\n[profile.release]\nstrip = true\n"),
    );
    let l = lints(&p, &[]);
    let m = has(&l, "strip-with-bolt");
    assert!(m.contains("strip = \"symbols\""), "{m}");
    lacks(&l, "unstripped-symbols");

    // BOLT wanted and symbols kept: nothing to say about strip at all.
    p.write(
        "Cargo.toml",
        &p.read("Cargo.toml")
            .replace("strip = true", "strip = \"none\""),
    );
    let l = lints(&p, &[]);
    lacks(&l, "strip-with-bolt");
    lacks(&l, "unstripped-symbols");
}

#[test]
fn debuginfo_and_symbols_in_the_shipping_profile_with_measured_size() {
    let p = project("dbg")
        .manifest_extra("[profile.release]\ndebug = true\n")
        .build();
    crate::utils::cargo(p.path(), &["build", "--release", "--quiet"]);
    let l = lints(&p, &[]);
    let m = has(&l, "debuginfo-in-shipping");
    assert!(
        m.contains("debug = \"full\"") && m.contains("debug info is") && m.contains('%'),
        "{m}"
    );
    let m = has(&l, "unstripped-symbols");
    assert!(m.contains("strip = \"none\""), "{m}");

    // `--profile` picks the shipping profile.
    p.write(
        "Cargo.toml",
        &(p.read("Cargo.toml")
            + "\n[profile.ship]\ninherits = \"release\"\ndebug = false\nstrip = true\n"),
    );
    let l = lints(&p, &["--profile", "ship"]);
    lacks(&l, "debuginfo-in-shipping");
    lacks(&l, "unstripped-symbols");
}

#[test]
fn lto_without_one_codegen_unit_is_a_note() {
    let p = project("lto")
        .manifest_extra("[profile.release]\nlto = \"thin\"\nstrip = true\n")
        .build();
    let l = lints(&p, &[]);
    assert!(has(&l, "lto-without-single-codegen-unit").contains("codegen-units = 16"));
    let p = project("lto1")
        .manifest_extra("[profile.release]\nlto = \"thin\"\ncodegen-units = 1\nstrip = true\n")
        .build();
    let l = lints(&p, &[]);
    lacks(&l, "lto-without-single-codegen-unit");
    lacks(&l, "unstripped-symbols");
    lacks(&l, "debuginfo-in-shipping");
}

#[test]
fn target_cpu_native_only_for_projects_that_ship_binaries() {
    let native = "[target.x86_64-unknown-linux-gnu]\nrustflags = [\"-C\", \"target-cpu=native\"]\n";
    let p = project("native").file(".cargo/config.toml", native).build();
    let l = lints(&p, &[]);
    let m = has(&l, "target-cpu-native");
    assert!(m.contains("[target.x86_64-unknown-linux-gnu]"), "{m}");

    let lib = project("natlib")
        .file(".cargo/config.toml", native)
        .file("src/lib.rs", "pub fn f() {}\n")
        .build();
    std::fs::remove_file(lib.join("src/main.rs")).unwrap();
    lacks(&lints(&lib, &[]), "target-cpu-native");

    let v3 = project("v3")
        .file(
            ".cargo/config.toml",
            "[build]\nrustflags = [\"-Ctarget-cpu=x86-64-v3\"]\n",
        )
        .build();
    lacks(&lints(&v3, &[]), "target-cpu-native");
}

#[test]
fn profiles_in_members_are_ignored_by_cargo() {
    let p = project("members")
        .file("Cargo.toml", "[workspace]\nmembers = [\"app\"]\nresolver = \"2\"\n")
        .file(
            "app/Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[profile.release]\nlto = true\n",
        )
        .file("app/src/main.rs", "fn main() {}\n")
        .build();
    let l = lints(&p, &[]);
    assert!(has(&l, "member-profile").contains("`app`"));
    let clean = project("clean").build();
    lacks(&lints(&clean, &[]), "member-profile");
}

/// `heavy` has `default = ["extras"]`, and `extras` turns on optional deps `a` and `b`; `a`
/// depends on `c`. Nothing else needs a, b or c.
fn with_heavy(decl: &str) -> Project {
    let lib = |name: &str, deps: &str| {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{deps}"
        )
    };
    project("heavyapp")
        .file(
            "Cargo.toml",
            &format!(
                "[package]\nname = \"heavyapp\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{decl}\nlight = {{ path = \"crates/light\" }}\n\n[workspace]\n"
            ),
        )
        .file(
            "crates/heavy/Cargo.toml",
            &(lib(
                "heavy",
                "a = { path = \"../a\", optional = true }\nb = { path = \"../b\", optional = true }\n",
            ) + "\n[features]\ndefault = [\"extras\"]\nextras = [\"dep:a\", \"dep:b\"]\n"),
        )
        .file("crates/heavy/src/lib.rs", "")
        .file("crates/a/Cargo.toml", &lib("a", "c = { path = \"../c\" }\n"))
        .file("crates/a/src/lib.rs", "")
        .file("crates/b/Cargo.toml", &lib("b", ""))
        .file("crates/b/src/lib.rs", "")
        .file("crates/c/Cargo.toml", &lib("c", ""))
        .file("crates/c/src/lib.rs", "")
        // Has defaults too, but they enable no crates.
        .file(
            "crates/light/Cargo.toml",
            &(lib("light", "") + "\n[features]\ndefault = [\"std\"]\nstd = []\n"),
        )
        .file("crates/light/src/lib.rs", "")
        .build()
}

#[test]
fn heavy_default_features_are_listed_offline() {
    let p = with_heavy("heavy = { path = \"crates/heavy\" }");
    let l = lints(&p, &[]);
    let m = has(&l, "heavy-default-features");
    assert!(
        m.contains(
            "`heavy`'s default features (extras) pull in 3 crates nothing else needs: a, b, c"
        ),
        "{m}"
    );
    assert_eq!(
        l.iter()
            .filter(|(id, _)| id == "heavy-default-features")
            .count(),
        1,
        "`light` enables no crates: {l:#?}"
    );
    lacks(&l, "dependencies-not-checked");
}

#[test]
fn heavy_default_features_quiet_when_disabled_or_asked_for() {
    let p = with_heavy("heavy = { path = \"crates/heavy\", default-features = false }");
    lacks(&lints(&p, &[]), "heavy-default-features");
    let p = with_heavy("heavy = { path = \"crates/heavy\", features = [\"extras\"] }");
    lacks(&lints(&p, &[]), "heavy-default-features");
}

#[test]
fn the_lint_catalogue_is_listed_as_json() {
    let p = project("cat").build();
    let r = p.tune(&["doctor", "--list-lints", "--json"]).ok();
    let list: Value = serde_json::from_str(&r.stdout).unwrap();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            for k in ["severity", "explanation", "fix"] {
                assert!(l[k].is_string(), "{l}");
            }
            l["id"].as_str().unwrap()
        })
        .collect();
    for id in [
        "panic-abort-catch-unwind",
        "strip-with-bolt",
        "debuginfo-in-shipping",
        "unstripped-symbols",
        "lto-without-single-codegen-unit",
        "target-cpu-native",
        "member-profile",
        "heavy-default-features",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
}

//! `cargo tune size` on a fixture with two path dependencies: bytes attributed to the right
//! crates, rows that add up to the sections, a generic grouped, a `--vs` diff with an added
//! function, dependency features and `--try-features`.

use serde_json::Value;

use crate::utils::{Project, project};

const ALPHA: &str = r#"
/// Big enough to be kept out of line and to show in the table.
#[inline(never)]
pub fn digest(data: &[u8]) -> u64 {
    let mut h = 0xcbf29ce484222325u64;
    for (i, b) in data.iter().enumerate() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3).rotate_left((i % 7) as u32);
        if h % 3 == 0 { h = h.wrapping_add(i as u64 * 31); }
    }
    h
}

pub struct Stack<T> { items: Vec<T> }

impl<T: Clone + std::fmt::Debug> Stack<T> {
    pub fn new() -> Self { Stack { items: Vec::new() } }
    /// Generic: one copy per `T`, compiled where it is used.
    #[inline(never)]
    pub fn push_all(&mut self, xs: &[T]) -> usize {
        for x in xs { self.items.push(x.clone()); }
        format!("{:?}", self.items.last()).len()
    }
}
"#;

const BETA: &str = r#"
#[cfg(feature = "tables")]
static TABLE: [u32; 2048] = {
    let mut t = [0u32; 2048];
    let mut i = 0;
    while i < 2048 { t[i] = (i as u32).wrapping_mul(2654435761); i += 1; }
    t
};

#[inline(never)]
pub fn lookup(i: usize) -> u32 {
    #[cfg(feature = "tables")]
    { TABLE[i % 2048] }
    #[cfg(not(feature = "tables"))]
    { (i as u32).wrapping_mul(2654435761) }
}
"#;

const MAIN: &str = r#"
fn main() {
    let arg = std::env::args().count();
    let data: Vec<u8> = (0..1000).map(|i| (i * arg) as u8).collect();
    let mut a = alpha::Stack::new();
    let mut b = alpha::Stack::new();
    let mut c = alpha::Stack::new();
    let n = a.push_all(&data) + b.push_all(&[arg as u32, 2]) + c.push_all(&[String::from("x")]);
    #[cfg(tune_extra)]
    extra(&data);
    println!("{} {} {}", alpha::digest(&data), beta::lookup(arg), n);
}

#[cfg(tune_extra)]
#[inline(never)]
fn extra(data: &[u8]) {
    let s: u64 = data.iter().map(|b| *b as u64 * 7).sum();
    println!("extra {s}");
}
"#;

fn fixture() -> Project {
    project("sizeapp")
        .manifest_extra(
            "[dependencies]\nalpha = { path = \"alpha\" }\nbeta = { path = \"beta\" }\n\n\
             [lints.rust]\nunexpected_cfgs = { level = \"allow\" }\n\n\
             [[package.metadata.tune.workload]]\nname = \"run\"\nargs = []\n",
        )
        .file("src/main.rs", MAIN)
        .file(
            "alpha/Cargo.toml",
            "[package]\nname = \"alpha\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        )
        .file("alpha/src/lib.rs", ALPHA)
        .file(
            "beta/Cargo.toml",
            "[package]\nname = \"beta\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [features]\ndefault = [\"tables\"]\ntables = []\n",
        )
        .file("beta/src/lib.rs", BETA)
        .build()
}

fn json(p: &Project, file: &str) -> Value {
    serde_json::from_str(&p.read(file)).unwrap()
}

fn crate_total(report: &Value, name: &str) -> u64 {
    report["crates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .map(|c| total(&c["bytes"]))
        .unwrap_or(0)
}

fn total(bytes: &Value) -> u64 {
    ["text", "rodata", "data_rel_ro"]
        .iter()
        .map(|k| bytes[k].as_u64().unwrap())
        .sum()
}

fn function<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no function row {name}"))
}

#[test]
fn attributes_bytes_to_the_defining_crates_and_adds_up() {
    let p = fixture();
    let run = p.tune(&["size", "--json", "size.json", "-n", "50"]).ok();
    run.stdout_has("[unattributed]").stdout_has("= sections");
    let doc = json(&p, "size.json");
    let r = &doc["report"];

    // Every byte of every analysed section is in exactly one crate row.
    for section in ["text", "rodata", "data_rel_ro"] {
        let sum: u64 = r["crates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["bytes"][section].as_u64().unwrap())
            .sum();
        assert_eq!(sum, r["sections"][section].as_u64().unwrap(), "{section}");
    }
    assert!(r["sections"]["text"].as_u64().unwrap() > 10_000);

    // Plain functions land in the crate whose rlib defines them.
    assert_eq!(function(r, "alpha::digest")["crate"], "alpha");
    assert_eq!(function(r, "beta::lookup")["crate"], "beta");
    assert_eq!(function(r, "sizeapp::main")["crate"], "sizeapp");
    // beta's 8 KB table is its own data, found through beta's rlib.
    assert!(crate_total(r, "beta") >= 8192, "{}", r["crates"]);
    assert!(crate_total(r, "std") > crate_total(r, "alpha"));
    assert!(r["attribution"]["by_rlib_bytes"].as_u64().unwrap() > 0);

    // One row for the generic, with its three instantiations, compiled in the caller's crate.
    let generic = function(r, "alpha::Stack::push_all");
    assert_eq!(generic["instances"], 3, "{generic}");
    assert_eq!(generic["crate"], "sizeapp");

    // Features: beta's `tables` comes from sizeapp's default features.
    let beta = doc["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["package"] == "beta")
        .unwrap();
    assert_eq!(beta["enabled"], serde_json::json!(["default", "tables"]));
    assert_eq!(beta["enabled_by"][0][0], "sizeapp");
    assert_eq!(beta["root_default_on"], true);
    run.stdout_has("beta 0.1.0");

    // Built unstripped whatever the variant says; the stripped size is reported beside.
    let stripped = r["stripped_size_bytes"].as_u64().unwrap();
    assert!(stripped < r["file_size_bytes"].as_u64().unwrap());
    // The user's manifest is untouched.
    assert!(!p.read("Cargo.toml").contains("default-features"));
}

#[test]
fn vs_shows_an_added_function_under_lto() {
    let p = fixture();
    let run = p
        .tune(&[
            "size",
            "--variant",
            "lto=fat,strip=symbols",
            "--vs",
            "lto=fat,rustflags=--cfg tune_extra",
            "--json",
            "vs.json",
        ])
        .ok();
    let doc = json(&p, "vs.json");
    let diff = &doc["vs"]["diff"];
    let extra = diff["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "sizeapp::extra")
        .unwrap_or_else(|| panic!("no sizeapp::extra in the diff:\n{run}"));
    assert_eq!(extra["change"], "appeared");
    assert_eq!(extra["old_bytes"], Value::Null);
    assert!(extra["new_bytes"].as_u64().unwrap() > 0);
    run.stdout_has("appeared").stdout_has("sizeapp::extra");

    // Under LTO the dependencies' rlibs hold bitcode only: their code is found by name.
    let r = &doc["report"];
    assert_eq!(
        r["attribution"]["lto_bitcode"], true,
        "{}",
        r["attribution"]
    );
    assert_eq!(r["attribution"]["project_rlibs_with_code"], 0);
    assert_eq!(function(r, "beta::TABLE")["crate"], "beta");
    assert_eq!(function(r, "alpha::digest")["crate"], "alpha");
    let crates: u64 = r["crates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| total(&c["bytes"]))
        .sum();
    assert_eq!(crates, total(&r["sections"]));
}

#[test]
fn try_features_suggests_and_applies_only_when_asked() {
    let p = fixture();
    // CRLF line endings survive the edit.
    p.write("Cargo.toml", &p.read("Cargo.toml").replace('\n', "\r\n"));
    let before = p.read("Cargo.toml");
    let run = p.tune(&["size", "--crates", "--try-features"]).ok();
    run.stdout_has("beta: ")
        .stdout_has("workloads pass (1/1)")
        .stdout_has("← suggestion");
    assert_eq!(p.read("Cargo.toml"), before, "no --apply, no write");

    p.tune(&["size", "--crates", "--try-features", "--apply"])
        .ok();
    let after = p.read("Cargo.toml");
    assert!(
        after.contains("beta = { path = \"beta\", default-features = false }"),
        "{after}"
    );
    assert!(after.contains("alpha = { path = \"alpha\" }"), "{after}");
    assert!(
        after.split_inclusive('\n').all(|l| l.ends_with("\r\n")),
        "{after:?}"
    );
}

fn build_crates(variant: &Value) -> Vec<(String, u64)> {
    variant["build"]["crates"]
        .as_array()
        .unwrap_or_else(|| panic!("no per-crate sizes for {}", variant["name"]))
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["bytes"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn compare_sizes_every_variant_by_crate_stripped_ones_through_the_link_map() {
    let p = fixture();
    let run = p
        .tune(&[
            "compare",
            "--variants",
            "release,+strip=symbols,+lto=fat",
            "--min-runs",
            "3",
            "--max-runs",
            "6",
            "--json",
            "cmp.json",
            "--markdown",
            "cmp.md",
        ])
        .ok();
    run.stdout_has("Size by crate").stdout_has("[unattributed]");
    let doc = json(&p, "cmp.json");
    let variants = doc["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 3);
    let unstripped = build_crates(&variants[0]);
    let bytes = |crates: &[(String, u64)], name: &str| {
        crates
            .iter()
            .find(|(n, _)| n == name)
            .map(|c| c.1)
            .unwrap_or(0)
    };
    for v in &variants[1..] {
        let crates = build_crates(v);
        // The stripped binary has no symbols; the linker's map still names each function.
        let binary = v["build"]["binary"].as_str().unwrap();
        let image = cargo_tune::api::size::Image::read(std::path::Path::new(binary)).unwrap();
        assert_eq!(image.symbol_count, 0, "{} is stripped", v["name"]);
        // Every analysed byte is in exactly one row.
        let sum: u64 = crates.iter().map(|c| c.1).sum();
        assert_eq!(
            sum,
            image.section_sizes.iter().sum::<u64>(),
            "{}",
            v["name"]
        );
        // beta's 8 KB table and alpha's code are found in the stripped binary too.
        assert!(bytes(&crates, "beta") >= 8192, "{crates:?}");
        assert!(bytes(&crates, "alpha") > 0, "{crates:?}");
        assert!(
            bytes(&crates, "std") > bytes(&crates, "alpha"),
            "{crates:?}"
        );
    }
    // Stripping changes no code: the map-based split of the stripped build matches the
    // symbol-based split of the unstripped one. The map also names the sections holding a
    // function's jump tables (`.rodata.<function>`), which no symbol covers: so a crate can
    // only gain, and only from the unattributed row.
    let stripped = build_crates(&variants[1]);
    for name in ["std", "beta", "sizeapp", "alpha"] {
        let (a, b) = (
            bytes(&unstripped, name) as f64,
            bytes(&stripped, name) as f64,
        );
        assert!(
            b >= 0.99 * a && b <= 1.05 * a,
            "{name}: {a} unstripped, {b} stripped"
        );
    }
    assert!(bytes(&stripped, "[unattributed]") <= bytes(&unstripped, "[unattributed]"));
    assert!(p.read("cmp.md").contains("Size by crate"));
}

#[test]
fn gnu_ld_maps_give_per_crate_sizes_too() {
    let p = fixture();
    p.tune(&[
        "compare",
        "--variants",
        "release,+strip=symbols",
        "--min-runs",
        "3",
        "--max-runs",
        "6",
        "--json",
        "cmp.json",
    ])
    .env("RUSTFLAGS", "-Clink-arg=-fuse-ld=bfd")
    .ok();
    let doc = json(&p, "cmp.json");
    let stripped = &doc["variants"][1];
    let binary = stripped["build"]["binary"].as_str().unwrap();
    let comment = std::process::Command::new("readelf")
        .args(["-p", ".comment", binary])
        .output()
        .unwrap();
    let linked_by = String::from_utf8_lossy(&comment.stdout).to_string();
    assert!(!linked_by.contains("LLD"), "linked by GNU ld: {linked_by}");
    let crates = build_crates(stripped);
    let beta = crates.iter().find(|c| c.0 == "beta").map(|c| c.1);
    assert!(beta >= Some(8192), "{crates:?}");
    let map = std::fs::read_to_string(
        std::path::Path::new(binary)
            .ancestors()
            .nth(3)
            .unwrap()
            .join("cargo-tune-link.map"),
    )
    .unwrap();
    assert!(map.contains("Linker script and memory map"));
}

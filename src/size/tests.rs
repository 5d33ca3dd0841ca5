//! Attribution on a hand-made symbol list: rlib evidence first, names second, exact sums.

use super::*;

fn piece(section: usize, name: &str, size: u64) -> image::Piece {
    image::Piece {
        section,
        name: name.into(),
        size,
    }
}

fn image() -> Image {
    let pieces = vec![
        // dep::parse, defined by the rlib of `dep`.
        piece(0, "_ZN3dep5parse17h0000000000000001E", 100),
        // Two instantiations of one generic std function, compiled into `app` (no rlib knows them).
        piece(0, "_ZN4core3ptr13drop_in_place17h0000000000000002E", 10),
        piece(
            0,
            "_RINvNtCs1_4core3ptr13drop_in_placeNtCs2_3app3FooEB4_",
            12,
        ),
        piece(0, "_ZN3app4main17h0000000000000003E", 50),
        piece(0, "_ZN3std2io5stdio6_print17h0000000000000004E", 30),
        piece(1, "GCC_except_table0", 8),
        piece(2, "anon.dep.0", 16),
    ];
    Image {
        section_sizes: [220, 20, 16],
        uncovered: [18, 12, 0],
        pieces,
        symbol_count: 7,
    }
}

fn index() -> SymbolIndex {
    let mut i = SymbolIndex::default();
    i.insert("_ZN3dep5parse17h0000000000000001E", "dep", Origin::Project);
    i.insert("anon.dep.0", "dep", Origin::Project);
    i.insert(
        "_ZN3std2io5stdio6_print17h0000000000000004E",
        "std",
        Origin::Sysroot,
    );
    i
}

#[test]
fn rows_add_up_to_the_sections() {
    let r = attribute(Path::new("app"), &image(), &index(), Options::default());
    let names: Vec<&str> = r.crates.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["dep", "std", "app", NO_CRATE, UNATTRIBUTED]);
    for (s, name) in SECTIONS.iter().enumerate() {
        let sum: u64 = r.crates.iter().map(|c| c.bytes.get(s)).sum();
        assert_eq!(sum, r.sections.get(s), "section {name}");
    }
    let dep = &r.crates[0];
    assert_eq!((dep.bytes.total(), dep.by_rlib), (116, 116));
    assert_eq!(r.attribution.by_rlib_bytes, 146);
    assert_eq!(r.attribution.by_name_bytes, 72);
    assert_eq!(r.attribution.unattributed_bytes, 30);
}

#[test]
fn generic_instantiations_are_one_row_with_a_count() {
    let r = attribute(Path::new("app"), &image(), &index(), Options::default());
    let g = r
        .functions
        .iter()
        .find(|f| f.name == "core::ptr::drop_in_place")
        .unwrap();
    assert_eq!(
        (g.instances, g.bytes.total(), g.krate.as_str()),
        (2, 22, "std")
    );
}

#[test]
fn std_splits_on_request() {
    let opts = Options {
        split_std: true,
        ..Options::default()
    };
    let r = attribute(Path::new("app"), &image(), &index(), opts);
    let names: Vec<&str> = r.crates.iter().map(|c| c.name.as_str()).collect();
    assert!(
        names.contains(&"core") && names.contains(&"std"),
        "{names:?}"
    );
}

#[test]
fn contributors_line_names_the_largest() {
    let r = attribute(Path::new("app"), &image(), &index(), Options::default());
    assert_eq!(contributors_line(&r, 2), "largest crates: dep 45%, std 20%");
}

#[test]
fn rust_code_no_rlib_defines_is_the_binary_s_own() {
    let opts = Options {
        bin_crate: Some("app".into()),
        ..Options::default()
    };
    let r = attribute(Path::new("app"), &image(), &index(), opts);
    let app = r.crates.iter().find(|c| c.name == "app").unwrap();
    // main and both drop_in_place instantiations: compiled in `app`, named after `core`.
    assert_eq!(app.bytes.total(), 72);
    assert_eq!(r.attribution.by_bin_bytes, 72);
    let g = r
        .functions
        .iter()
        .find(|f| f.name == "core::ptr::drop_in_place")
        .unwrap();
    assert_eq!((g.krate.as_str(), g.instances), ("app", 2));
}

#[test]
fn by_name_ignores_the_rlibs() {
    let opts = Options {
        bin_crate: Some("app".into()),
        by_name: true,
        ..Options::default()
    };
    let r = attribute(Path::new("app"), &image(), &index(), opts);
    let g = r
        .functions
        .iter()
        .find(|f| f.name == "core::ptr::drop_in_place")
        .unwrap();
    assert_eq!(g.krate, "std");
    assert_eq!(r.attribution.by_rlib_bytes, 0);
    // `anon.dep.0` has no Rust name: only its rlib knew it was dep's.
    assert_eq!(
        r.crates
            .iter()
            .find(|c| c.name == "dep")
            .unwrap()
            .bytes
            .total(),
        100
    );
}

//! Every form of the variant-spec grammar and every error it can give, one table each.

use super::*;
use crate::variant::{Lto, OptLevel, Panic, Strip};

/// What a parsed candidate must look like.
struct Form {
    items: &'static [&'static str],
    named: &'static [&'static str],
    /// The last candidate's name, stages, and a check of its settings.
    name: &'static str,
    pgo: bool,
    bolt: bool,
    check: fn(&Variant) -> bool,
}

#[test]
fn every_form_parses_to_its_typed_value() {
    let forms = [
        Form {
            items: &["release"],
            named: &[],
            name: "release",
            pgo: false,
            bolt: false,
            check: |v| v.settings.is_empty() && v.base_profile == "release",
        },
        Form {
            items: &["production"],
            named: &[],
            name: "production",
            pgo: false,
            bolt: false,
            check: |v| {
                v.settings.lto == Some(Lto::Fat)
                    && v.settings.codegen_units == Some(1)
                    && v.settings.panic == Some(Panic::Abort)
            },
        },
        Form {
            items: &[],
            named: &["production,target-cpu=native"],
            name: "production,target-cpu=native",
            pgo: false,
            bolt: false,
            check: |v| v.target_cpu.as_deref() == Some("native"),
        },
        Form {
            items: &[],
            named: &["lto=thin,opt-level=s,rustflags=-Cforce-frame-pointers=yes"],
            name: "lto=thin,opt-level=s,rustflags=-Cforce-frame-pointers=yes",
            pgo: false,
            bolt: false,
            check: |v| {
                v.settings.lto == Some(Lto::Thin)
                    && v.settings.opt_level == Some(OptLevel::S)
                    && v.rustflags == ["-Cforce-frame-pointers=yes"]
            },
        },
        Form {
            items: &["pgo"],
            named: &[],
            name: "pgo",
            pgo: true,
            bolt: false,
            check: |v| v.settings.is_empty(),
        },
        Form {
            items: &["bolt"],
            named: &[],
            name: "bolt",
            pgo: false,
            bolt: true,
            check: |v| v.settings.is_empty(),
        },
        Form {
            items: &["production+pgo+bolt"],
            named: &[],
            name: "production+pgo+bolt",
            pgo: true,
            bolt: true,
            check: |v| v.settings.lto == Some(Lto::Fat),
        },
        Form {
            items: &["release", "+strip", "+lto=thin", "+pgo", "+bolt"],
            named: &[],
            name: "+bolt",
            pgo: true,
            bolt: true,
            check: |v| {
                v.settings.strip == Some(Strip::Symbols) && v.settings.lto == Some(Lto::Thin)
            },
        },
        Form {
            items: &[],
            named: &["fast=lto=fat,codegen-units=1,pgo"],
            name: "fast",
            pgo: true,
            bolt: false,
            check: |v| v.settings.lto == Some(Lto::Fat) && v.settings.codegen_units == Some(1),
        },
        Form {
            items: &[],
            named: &["small=min-size+pgo"],
            name: "small",
            pgo: true,
            bolt: false,
            check: |v| v.settings.opt_level == Some(OptLevel::Z),
        },
    ];
    for f in forms {
        let items: Vec<String> = f.items.iter().map(|s| s.to_string()).collect();
        let named: Vec<String> = f.named.iter().map(|s| s.to_string()).collect();
        let all = parse_candidates(&items, &named, "release")
            .unwrap_or_else(|e| panic!("{:?} {:?}: {e:#}", f.items, f.named));
        let c = all.last().unwrap();
        assert_eq!(
            (c.name.as_str(), c.pgo, c.bolt),
            (f.name, f.pgo, f.bolt),
            "{:?} {:?}",
            f.items,
            f.named
        );
        assert!((f.check)(&c.variant), "{:?} {:?}: {c:#?}", f.items, f.named);
    }
}

#[test]
fn every_error_says_what_was_read_and_what_would_parse() {
    // (--variants items, --variant items, what the message must contain)
    let cases: &[(&[&str], &[&str], &[&str])] = &[
        (
            &[],
            &[],
            &["no variants given", "--variants release,production"],
        ),
        (
            &["+lto=thin"],
            &[],
            &["is the first", "start with a preset"],
        ),
        (
            &["lto=thin"],
            &[],
            &["write `+lto=thin`", "--variant 'NAME=lto=thin"],
        ),
        (
            &["fastest"],
            &[],
            &["unknown variant `fastest`", "production"],
        ),
        (&["prodution"], &[], &["did you mean `production`?"]),
        (
            &["release", "+turbo"],
            &[],
            &["`+turbo` is not a change", "+pgo"],
        ),
        (
            &["release", "+lto=medium"],
            &[],
            &["in `+lto=medium`", "off, thin, fat"],
        ),
        (
            &["production+bolt+pgo"],
            &[],
            &["BOLT comes last", "…+pgo+bolt"],
        ),
        (
            &["release", "release"],
            &[],
            &["two variants are called `release`"],
        ),
        (
            &[],
            &["foo=1"],
            &["read as NAME=SPEC", "`1` is neither a preset"],
        ),
        (
            &["release", "+optlevel=3"],
            &[],
            &["opt-level", "target-cpu"],
        ),
        (&[], &["codegen-units=0"], &["positive integer"]),
        (&[], &["target-cpu="], &["needs a CPU name"]),
        (&[], &["x=lto=fat,thin"], &["`thin` is not `key=value`"]),
    ];
    for (items, named, wanted) in cases {
        let items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
        let named: Vec<String> = named.iter().map(|s| s.to_string()).collect();
        let e = match parse_candidates(&items, &named, "release") {
            Ok(c) => panic!("{items:?} {named:?} parsed: {c:#?}"),
            Err(e) => format!("{e:#}"),
        };
        for w in *wanted {
            assert!(e.contains(w), "{items:?} {named:?}: `{e}` lacks `{w}`");
        }
    }
    // A stage where only a configuration fits names the command that runs it.
    let e = format!(
        "{:#}",
        parse_variant("production+pgo", "release").unwrap_err()
    );
    assert!(e.contains("cargo tune pgo --variant production"), "{e}");
    let e = format!("{:#}", parse_variant("", "release").unwrap_err());
    assert!(e.contains("empty variant"), "{e}");
}

//! Shell completions and manual pages generated from the clap definitions: real bash parses and
//! runs the script, real `man` renders the pages.

use std::path::Path;
use std::process::Command;

use clap::CommandFactory;

use crate::utils::tune_in;

/// Every visible subcommand of the parser, as users type it (`pgo run`).
fn subcommands() -> Vec<String> {
    fn walk(cmd: &clap::Command, prefix: &str, out: &mut Vec<String>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            if sub.get_name() == "help" {
                continue;
            }
            let name = format!("{prefix}{}", sub.get_name());
            out.push(name.clone());
            walk(sub, &format!("{name} "), out);
        }
    }
    let mut out = Vec::new();
    walk(&cargo_tune::api::cli::Cli::command(), "", &mut out);
    out
}

fn bash(script: &str) -> std::process::Output {
    Command::new("bash")
        .args(["--norc", "--noprofile", "-c", script])
        .output()
        .expect("bash runs")
}

#[test]
fn bash_completion_parses_and_completes_cargo_tune() {
    let dir = tempfile::tempdir().unwrap();
    let run = tune_in(dir.path(), &["completions", "bash"]).ok();
    let script = dir.path().join("cargo-tune.bash");
    std::fs::write(&script, &run.stdout).unwrap();

    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        syntax.status.success(),
        "bash -n rejects the script: {}",
        String::from_utf8_lossy(&syntax.stderr)
    );

    // What bash would offer after `cargo tune compare --var<TAB>`, `cargo tune pgo <TAB>` and
    // `cargo build<TAB>` (the latter goes to the cargo completion that was there before).
    let probe = format!(
        r#"
_cargo() {{ COMPREPLY=(from-cargo); }}
complete -F _cargo cargo
source {script}
ask() {{
    COMP_WORDS=("$@"); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); COMPREPLY=()
    f=$(complete -p "$1" | sed -n 's/.*-F \([^ ]*\).*/\1/p')
    "$f" "$1" "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
    echo "$*|${{COMPREPLY[*]}}"
}}
ask cargo tune compare --var
ask cargo tune pgo ""
ask cargo-tune size --vs
ask cargo build
"#,
        script = script.display()
    );
    let out = bash(&probe);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<(&str, Vec<&str>)> = text
        .lines()
        .filter_map(|l| l.split_once('|'))
        .map(|(q, a)| (q, a.split_whitespace().collect()))
        .collect();
    assert_eq!(answers.len(), 4, "{text}");
    assert_eq!(answers[0].1, ["--variants", "--variant"], "{text}");
    for sub in ["instrument", "run", "merge", "optimize", "clean"] {
        assert!(
            answers[1].1.contains(&sub),
            "`cargo tune pgo` lacks {sub}: {text}"
        );
    }
    assert_eq!(answers[2].1, ["--vs"], "{text}");
    assert_eq!(answers[3].1, ["from-cargo"], "{text}");
}

#[test]
fn other_shells_get_a_script_naming_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let run = tune_in(dir.path(), &["completions", shell]).ok();
        for sub in subcommands() {
            let last = sub.rsplit(' ').next().unwrap();
            assert!(run.stdout.contains(last), "{shell} script lacks `{sub}`");
        }
    }
    // cargo's own zsh completion hands `cargo tune …` to a function named `_cargo-tune`.
    let zsh = tune_in(dir.path(), &["completions", "zsh"]).ok();
    assert!(
        zsh.stdout.starts_with("#compdef cargo-tune"),
        "{}",
        zsh.stdout
    );
    assert!(zsh.stdout.contains("\n_cargo-tune() {"));
}

#[test]
fn man_page_renders_and_names_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let page = tune_in(dir.path(), &["man"]).ok().stdout;
    assert!(page.contains(".TH cargo-tune 1"), "{page}");
    for sub in subcommands().iter().filter(|s| !s.contains(' ')) {
        assert!(
            page.contains(&format!("cargo\\-tune\\-{}(1)", sub.replace('-', "\\-"))),
            "the page does not list `{sub}`"
        );
    }

    let pages = dir.path().join("man1");
    let listed = tune_in(dir.path(), &["man", "--dir", pages.to_str().unwrap()]).ok();
    for sub in subcommands() {
        let file = pages.join(format!("cargo-tune-{}.1", sub.replace(' ', "-")));
        assert!(file.is_file(), "no page {}", file.display());
        assert!(listed.stdout.contains(file.to_str().unwrap()));
    }
    let rendered = render(&pages.join("cargo-tune-compare.1"));
    if let Some(text) = rendered {
        assert!(text.contains("cargo-tune-compare"), "{text}");
        assert!(text.contains("--variants"), "{text}");
    }
    if let Some(text) = render(&pages.join("cargo-tune.1")) {
        assert!(text.contains("SUBCOMMANDS"), "{text}");
    }
}

/// The page as `man -l` formats it, or None where man is not installed.
fn render(page: &Path) -> Option<String> {
    let out = Command::new("man")
        .arg("-l")
        .arg(page)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("man is not installed: checked the roff source only");
            return None;
        }
        Err(e) => panic!("man -l: {e}"),
    };
    assert!(
        out.status.success(),
        "man -l {} failed: {}",
        page.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

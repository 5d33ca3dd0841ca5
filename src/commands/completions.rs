//! `cargo tune completions SHELL`: a shell completion script generated from the clap definitions.

use std::io::Write;

use anyhow::{Context, Result};
use clap::Args;
use clap_complete::Shell;

use crate::commands::Ctx;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write the script for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Cargo runs the binary as `cargo-tune tune …`, and `cargo-tune …` works as well: the scripts
/// complete the binary's own name, and the bash one also hooks into `cargo tune …` (below).
const BIN: &str = "cargo-tune";

/// `cli` is the whole parser (`Cli::command()`), handed down so that commands need not know it.
pub(crate) fn run(_ctx: &Ctx, args: &CompletionsArgs, cli: clap::Command) -> Result<()> {
    print_all(
        script(args.shell, cli).as_bytes(),
        "cannot write the completion script to standard output",
    )
}

/// Writes `bytes` to stdout; a reader that stopped early (`| head`) is not an error.
pub(crate) fn print_all(bytes: &[u8], what: &'static str) -> Result<()> {
    match std::io::stdout().lock().write_all(bytes) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context(what),
    }
}

/// The whole script for `shell`.
pub(crate) fn script(shell: Shell, cli: clap::Command) -> String {
    if shell != Shell::Bash {
        return generate(shell, cli, BIN);
    }
    // clap_complete's bash script names the top function after the binary with `-` as `__`
    // but the subcommands' cases with `-` as `__subcmd__`, so a hyphenated name never reaches
    // a subcommand's options: generate under a name without one, then register it for ours.
    let mut text = String::new();
    for line in generate(shell, cli, BASH_NAME).lines() {
        match line.strip_suffix(&format!(" {BASH_NAME}")) {
            Some(head) if line.trim_start().starts_with("complete ") => {
                text.push_str(&format!("{head} {BIN}\n"))
            }
            _ => text.push_str(&format!("{line}\n")),
        }
    }
    text.push_str(BASH_CARGO_HOOK);
    text
}

const BASH_NAME: &str = "cargo_tune";

fn generate(shell: Shell, cli: clap::Command, bin: &str) -> String {
    // The parser's `bin_name` ("cargo tune", for usage lines) has a space that the generators
    // would write into function names.
    let mut cmd = cli.bin_name(bin);
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, bin, &mut out);
    String::from_utf8(out).expect("clap_complete writes UTF-8")
}

/// `cargo tune <TAB>`: cargo's own bash completion does not look for plugins' scripts, so this
/// wraps whatever completes `cargo` now and hands the words after `cargo tune` to the generated
/// function (which sees them as `cargo-tune …`). Other `cargo` commands go to the wrapped one.
const BASH_CARGO_HOOK: &str = r#"
# `cargo tune …`: complete it with the function above, every other cargo command as before.
_cargo_tune_via_cargo() {
    if [[ ${COMP_CWORD} -ge 2 && ${COMP_WORDS[1]} == tune ]]; then
        local COMP_WORDS=("cargo-tune" "${COMP_WORDS[@]:2}")
        local COMP_CWORD=$((COMP_CWORD - 1))
        "${_cargo_tune_own}" "cargo-tune" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        return
    fi
    # bash-completion loads cargo's own script on first use: load it, then put this hook back.
    if [[ -z ${_cargo_tune_wrapped:-} ]] && declare -F _completion_loader >/dev/null; then
        _completion_loader cargo
        _cargo_tune_remember
        complete -F _cargo_tune_via_cargo -o bashdefault -o default cargo
    fi
    if [[ -n ${_cargo_tune_wrapped:-} ]]; then
        "${_cargo_tune_wrapped}" "$@"
    fi
}
_cargo_tune_remember() {
    local f
    f=$(complete -p cargo 2>/dev/null | sed -n 's/.*-F \([^ ]*\).*/\1/p')
    if [[ -n $f && $f != _cargo_tune_via_cargo ]]; then
        _cargo_tune_wrapped=$f
    fi
}
_cargo_tune_own=$(complete -p cargo-tune | sed -n 's/.*-F \([^ ]*\).*/\1/p')
_cargo_tune_remember
complete -F _cargo_tune_via_cargo -o bashdefault -o default cargo
"#;

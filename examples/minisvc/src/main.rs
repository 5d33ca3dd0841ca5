//! minisvc: a small HTTP/1.1 JSON service using only std — a fixed pool of worker threads,
//! keep-alive connections, and a graceful shutdown on SIGTERM/SIGINT.
//!
//! `minisvc [--port 3999] [--threads 4] [--users 5000]`

mod directory;
mod http;
mod json;
mod query;
mod routes;
mod server;
mod sys;
mod users;

use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;

use directory::Directory;

const USAGE: &str = "usage: minisvc [--port N] [--threads N] [--users N]";

#[derive(Debug, PartialEq)]
struct Options {
    port: u16,
    threads: usize,
    users: usize,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut opts = Options {
        port: 3999,
        threads: 4,
        users: 5000,
    };
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("`{flag}` needs a value\n{USAGE}"))?;
        let invalid = |what: &str| format!("`{flag}` expects {what}, got `{value}`");
        match flag.as_str() {
            "--port" => opts.port = value.parse().map_err(|_| invalid("a port number"))?,
            "--threads" => {
                opts.threads = value
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| invalid("a positive number"))?
            }
            "--users" => opts.users = value.parse().map_err(|_| invalid("a number"))?,
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(opts)
}

fn run(opts: &Options) -> Result<(), String> {
    sys::install_shutdown_handlers().map_err(|e| format!("cannot install signal handlers: {e}"))?;
    let dir = Arc::new(Directory::generate(opts.users, 42));
    let addr = ("127.0.0.1", opts.port);
    let listener = TcpListener::bind(addr)
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", opts.port))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    eprintln!("listening on {local}");
    server::serve(listener, opts.threads, dir).map_err(|e| format!("server failed: {e}"))?;
    eprintln!("shut down cleanly");
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    match parse_args(args.into_iter()).and_then(|opts| run(&opts)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("minisvc: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments() {
        let args = |a: &[&str]| parse_args(a.iter().map(|s| s.to_string()));
        assert_eq!(
            args(&[]).unwrap(),
            Options {
                port: 3999,
                threads: 4,
                users: 5000
            }
        );
        assert_eq!(
            args(&["--port", "8080", "--threads", "2"]).unwrap().port,
            8080
        );
        assert!(args(&["--threads", "0"]).unwrap_err().contains("positive"));
        assert!(args(&["--port"]).unwrap_err().contains("needs a value"));
        assert!(
            args(&["--bogus", "1"])
                .unwrap_err()
                .contains("unknown argument")
        );
    }
}

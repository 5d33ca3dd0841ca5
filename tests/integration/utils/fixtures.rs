//! Source of fixture programs shared by several test modules.

/// A std-only HTTP/1.1 service: `/` and other paths answer 200, `/missing` 404, `/health` the
/// status given by `--health-status`. On SIGTERM it prints its hit counts to stderr and exits 0;
/// `--ignore-signals` ignores SIGTERM and SIGINT, `--no-handler` leaves SIGTERM's default action
/// (death), `--exit-early` exits 3 at once, `--startup-delay-ms N` delays listening, `--close`
/// closes the connection after each answer, `--die-after N` exits after N requests with status
/// `--die-code` (default 1), `--stall-ms N` stops answering for the first N ms of every second
/// since it started (a pause like a garbage collector's: answers due then wait until it ends),
/// `--touch-mb N` allocates and writes N MB before it listens and holds them.
pub const HTTP_SERVICE: &str = r#"
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

static STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
static STALL_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static STOP: AtomicBool = AtomicBool::new(false);
static DIE_CODE: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(1);
extern "C" fn on_term(_: i32) { STOP.store(true, Ordering::SeqCst); }
extern "C" { fn signal(sig: i32, handler: usize) -> usize; }
const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;
const SIG_IGN: usize = 1;

type Hits = Arc<Mutex<BTreeMap<String, u64>>>;

fn serve(mut s: TcpStream, hits: Hits, health: u16, close: bool, die_after: u64) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let len: usize = head.lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() < end + 4 + len { break; }
            let mut words = head.split_whitespace();
            let method = words.next().unwrap_or("").to_string();
            let path = words.next().unwrap_or("").to_string();
            buf.drain(..end + 4 + len);
            let status = match path.as_str() { "/missing" => 404, "/health" => health, _ => 200 };
            let total = {
                let mut h = hits.lock().unwrap();
                *h.entry(format!("{method} {path}")).or_default() += 1;
                h.values().sum::<u64>()
            };
            if total > die_after {
                eprintln!("dying after {die_after} requests");
                std::process::exit(DIE_CODE.load(Ordering::SeqCst));
            }
            let stall = STALL_MS.load(Ordering::SeqCst);
            let into_second = STARTED.get().unwrap().elapsed().as_millis() as u64 % 1000;
            if into_second < stall {
                std::thread::sleep(Duration::from_millis(stall - into_second));
            }
            let conn = if close { "connection: close\r\n" } else { "" };
            let reply = format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\n{conn}\r\nok");
            if s.write_all(reply.as_bytes()).is_err() || close { return; }
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn main() {
    STARTED.set(Instant::now()).unwrap();
    let args: Vec<String> = std::env::args().collect();
    let opt = |name: &str| args.iter().position(|a| a == name).map(|i| args[i + 1].clone());
    let flag = |name: &str| args.iter().any(|a| a == name);
    if flag("--exit-early") {
        eprintln!("bad config: no such file");
        std::process::exit(3);
    }
    if flag("--ignore-signals") {
        unsafe { signal(SIGTERM, SIG_IGN); signal(SIGINT, SIG_IGN); }
    } else if !flag("--no-handler") {
        unsafe { signal(SIGTERM, on_term as usize); }
    }
    let mb: usize = opt("--touch-mb").map_or(0, |s| s.parse().unwrap());
    let mut held = vec![0u8; mb << 20];
    for i in (0..held.len()).step_by(4096) { held[i] = 1; }
    std::hint::black_box(&held);
    if let Some(ms) = opt("--startup-delay-ms") {
        std::thread::sleep(Duration::from_millis(ms.parse().unwrap()));
    }
    let port: u16 = opt("--port").expect("--port").parse().unwrap();
    let health: u16 = opt("--health-status").map_or(200, |s| s.parse().unwrap());
    let close = flag("--close");
    let die_after: u64 = opt("--die-after").map_or(u64::MAX, |s| s.parse().unwrap());
    STALL_MS.store(opt("--stall-ms").map_or(0, |s| s.parse().unwrap()), Ordering::SeqCst);
    DIE_CODE.store(opt("--die-code").map_or(1, |s| s.parse().unwrap()), Ordering::SeqCst);
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    listener.set_nonblocking(true).unwrap();
    eprintln!("listening on 127.0.0.1:{port}");
    let hits: Hits = Default::default();
    while !STOP.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((s, _)) => {
                s.set_nonblocking(false).unwrap();
                let _ = s.set_nodelay(true);
                let hits = hits.clone();
                std::thread::spawn(move || serve(s, hits, health, close, die_after));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    for (k, v) in hits.lock().unwrap().iter() {
        eprintln!("hits {k} = {v}");
    }
    eprintln!("stopped cleanly");
}
"#;

/// A CPU-bound CLI: `N` rounds of a small branchy state machine; `abort` aborts;
/// prints `user=<cfg from_user>` so rustflags survival is visible.
pub const BRANCHY_CLI: &str = r#"
fn step(state: u64, i: u64) -> u64 {
    match (state ^ i) % 7 {
        0 => state.wrapping_mul(31).wrapping_add(i),
        1 | 2 => state.rotate_left(5) ^ i,
        3 => state / 3 + i,
        4 => state.wrapping_sub(i * 17),
        _ => state ^ (state >> 3),
    }
}

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_default();
    if arg == "abort" {
        std::process::abort();
    }
    let n: u64 = arg.parse().unwrap_or(100_000);
    let mut s = 1u64;
    for i in 0..n {
        s = step(s, i);
    }
    println!("result={s} user={}", cfg!(from_user));
}
"#;

/// Allocates and writes the number of megabytes given as its argument (default 0), then exits.
pub const MEMORY_CLI: &str = r#"
fn main() {
    let mb: usize = std::env::args().nth(1).map_or(0, |a| a.parse().unwrap());
    let mut v = vec![0u8; mb << 20];
    for i in (0..v.len()).step_by(4096) {
        v[i] = 1;
    }
    std::hint::black_box(&v);
}
"#;

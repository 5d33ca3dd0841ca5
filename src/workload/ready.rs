//! Readiness probes for services: an HTTP GET that must answer 2xx, or a port that must accept.
//! Plain blocking std sockets: a probe is one request every few tens of milliseconds.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::process::{self, Child};
use crate::tune_config::target::{HttpUrl, Readiness, resolve};

/// Time between probes; short, so a fast service is measured soon after it is up.
const POLL: Duration = Duration::from_millis(25);
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
const ANSWER_TIMEOUT: Duration = Duration::from_secs(2);

/// Why waiting ended without a ready service.
#[derive(Debug)]
pub(super) enum NotReady {
    /// The service exited first (the child has been reaped).
    Exited,
    /// Still not ready at the deadline; the last probe's failure.
    TimedOut(String),
    Interrupted,
}

/// Probes until ready, until `limit` passes, or until the child exits.
pub(super) fn wait_until_ready(
    child: &mut Child,
    ready: &Readiness,
    limit: Duration,
) -> Result<(), NotReady> {
    let deadline = Instant::now() + limit;
    loop {
        if process::interrupted() {
            return Err(NotReady::Interrupted);
        }
        if child.try_wait().is_some() {
            return Err(NotReady::Exited);
        }
        let last = match probe(ready) {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        if Instant::now() >= deadline {
            return Err(NotReady::TimedOut(last));
        }
        // Doubles as the sleep between probes and as a prompt notice of an early exit.
        if child.wait_for(POLL).is_some() {
            return Err(NotReady::Exited);
        }
    }
}

/// One probe; the error says what was seen ("connection refused", "answered 503").
pub(super) fn probe(ready: &Readiness) -> Result<(), String> {
    match ready {
        Readiness::Tcp { host, port } => connect(host, *port).map(drop),
        Readiness::Http(url) => http_get(url),
    }
}

fn connect(host: &str, port: u16) -> Result<TcpStream, String> {
    let addrs = resolve(host, port).map_err(|e| format!("{e:#}"))?;
    let mut last = String::new();
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(s) => return Ok(s),
            Err(e) => last = format!("{addr}: {e}"),
        }
    }
    Err(last)
}

fn http_get(url: &HttpUrl) -> Result<(), String> {
    let mut stream = connect(&url.host, url.port)?;
    let _ = stream.set_read_timeout(Some(ANSWER_TIMEOUT));
    let _ = stream.set_write_timeout(Some(ANSWER_TIMEOUT));
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: cargo-tune\r\nConnection: close\r\n\r\n",
        url.path_and_query, url.authority
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("sending the request: {e}"))?;
    let mut head = Vec::with_capacity(256);
    let mut buf = [0u8; 256];
    while !head.contains(&b'\n') && head.len() < 8192 {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(e) => return Err(format!("reading the answer: {e}")),
        }
    }
    let line = String::from_utf8_lossy(&head);
    let line = line.lines().next().unwrap_or("").trim();
    let status = line
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.get(2..5))
        .and_then(|code| code.parse::<u16>().ok());
    match status {
        Some(code) if (200..300).contains(&code) => Ok(()),
        Some(code) => Err(format!("{url} answered {code}")),
        None if line.is_empty() => Err(format!("{url} closed the connection without an answer")),
        None => Err(format!("{url} did not answer HTTP/1.x: `{line}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn serve_once(answer: &'static str) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(answer.as_bytes());
        });
        port
    }

    #[test]
    fn http_needs_2xx() {
        let port = serve_once("HTTP/1.1 204 No Content\r\n\r\n");
        let url = HttpUrl::parse(&format!("http://127.0.0.1:{port}/health")).unwrap();
        assert_eq!(probe(&Readiness::Http(url)), Ok(()));

        let port = serve_once("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n");
        let url = HttpUrl::parse(&format!("http://127.0.0.1:{port}/health")).unwrap();
        let e = probe(&Readiness::Http(url)).unwrap_err();
        assert!(e.contains("answered 503"), "{e}");
    }

    #[test]
    fn tcp_needs_a_listener() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let ready = Readiness::Tcp {
            host: "127.0.0.1".into(),
            port,
        };
        assert_eq!(probe(&ready), Ok(()));
        drop(listener);
        assert!(probe(&ready).is_err());
    }
}

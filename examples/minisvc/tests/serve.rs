//! End to end: start the real binary on a free port, talk HTTP/1.1 to it over TCP, then
//! check that SIGTERM makes it exit 0 even with idle keep-alive connections open.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts minisvc on port 0 and returns it with the port it reported.
fn start() -> (Child, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_minisvc"))
        .args(["--port", "0", "--threads", "2", "--users", "200"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start minisvc");
    let mut line = String::new();
    let stderr = child.stderr.as_mut().expect("piped stderr");
    BufReader::new(stderr)
        .read_line(&mut line)
        .expect("read stderr");
    let port = line
        .trim()
        .strip_prefix("listening on 127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"));
    (child, port)
}

/// Reads one response (head and a `Content-Length` body) from the stream.
fn read_response(reader: &mut BufReader<&TcpStream>) -> (u16, String) {
    let mut status_line = String::new();
    reader.read_line(&mut status_line).expect("status line");
    let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok());
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("header line");
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().expect("length");
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    let status = status.unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    (status, String::from_utf8(body).expect("utf-8 body"))
}

#[test]
fn keep_alive_pipelining_and_graceful_shutdown() {
    let (mut child, port) = start();
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut reader = BufReader::new(&stream);
    for _ in 0..50 {
        (&stream)
            .write_all(b"GET /api/v1/users?limit=2&sort=name HTTP/1.1\r\nHost: t\r\n\r\n")
            .expect("send");
        let (status, body) = read_response(&mut reader);
        assert_eq!(status, 200);
        assert!(body.starts_with("{\"total\":200,"), "{body}");
    }
    (&stream)
        .write_all(b"GET /health HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\nConnection: close\r\n\r\n")
        .expect("send pipelined");
    assert_eq!(read_response(&mut reader), (200, "ok\n".to_string()));
    assert_eq!(read_response(&mut reader).0, 404);
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).expect("read to close");
    assert!(rest.is_empty(), "data after Connection: close");

    // Idle keep-alive connections, one holding half a request, must not delay shutdown.
    let idle: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).expect("connect"))
        .collect();
    (&idle[0]).write_all(b"GET / HTTP/1.1\r\n").expect("send");
    std::thread::sleep(Duration::from_millis(200));
    let sent = Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(kill.success());
    let status = child.wait().expect("wait");
    assert!(status.success(), "exit status {status}");
    assert!(
        sent.elapsed() < Duration::from_secs(10),
        "shutdown took {:?}",
        sent.elapsed()
    );
}

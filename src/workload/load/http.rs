//! The load generator's HTTP/1.1 client: one keep-alive connection, one request in flight
//! (no pipelining), requests encoded once per run, answers parsed in place.
//!
//! Why not hyper: on a 2-core machine every cycle the generator spends is taken from the
//! service it measures. Under callgrind, hyper's client path (dispatcher, request channel,
//! header maps, body frames) cost about 16,000 instructions per request against wrk's 2,700.
//! This path does one `write` and usually one `read` per request, allocates nothing once the
//! read buffer has grown, and understands just what a load generator needs of an answer: its
//! status, where it ends (`Content-Length`, chunked, or end of connection) and whether the
//! connection stays open.

use std::fmt;
use std::io;

use bytes::{BufMut, Bytes, BytesMut};
use hyper::header::{CONTENT_LENGTH, HeaderMap};
use hyper::{Method, Uri};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response head larger than this is refused (hyper's default limit is about as large).
const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 64;
const INITIAL_BUFFER: usize = 8 * 1024;

/// The bytes of one request, ready to write as they are.
pub(super) fn encode_request(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Bytes {
    let mut out = BytesMut::with_capacity(256 + body.len());
    out.put_slice(method.as_str().as_bytes());
    out.put_u8(b' ');
    out.put_slice(uri.path_and_query().map_or("/", |p| p.as_str()).as_bytes());
    out.put_slice(b" HTTP/1.1\r\n");
    for (name, value) in headers {
        out.put_slice(name.as_str().as_bytes());
        out.put_slice(b": ");
        out.put_slice(value.as_bytes());
        out.put_slice(b"\r\n");
    }
    // A body needs its length; so does a POST/PUT/PATCH without one, or the server would wait.
    let wants_length =
        !body.is_empty() || matches!(*method, Method::POST | Method::PUT | Method::PATCH);
    if wants_length && !headers.contains_key(CONTENT_LENGTH) {
        out.put_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    }
    out.put_slice(b"\r\n");
    out.put_slice(body);
    out.freeze()
}

/// What the generator keeps of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Answer {
    pub status: u16,
    /// False when the server closes the connection after this answer.
    pub keep_alive: bool,
}

/// Why an exchange failed; the connection is unusable afterwards.
#[derive(Debug)]
pub(super) enum Error {
    Io(io::Error),
    /// The server closed the connection before the answer was complete.
    Closed,
    Invalid(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "{e}"),
            Error::Closed => f.write_str("connection closed before the answer was complete"),
            Error::Invalid(why) => write!(f, "invalid answer: {why}"),
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

/// How the body of an answer ends.
enum Framing {
    None,
    Length(u64),
    Chunked,
    UntilClose,
}

/// One keep-alive connection and its read buffer (`buf[start..end]` is received, unread).
pub(super) struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl Conn {
    pub(super) fn new(stream: TcpStream) -> Conn {
        Conn {
            stream,
            buf: vec![0; INITIAL_BUFFER],
            start: 0,
            end: 0,
        }
    }

    /// Sends one request and reads its whole answer. `head`: the request was a HEAD (the
    /// answer has no body whatever its headers say).
    pub(super) async fn exchange(&mut self, request: &[u8], head: bool) -> Result<Answer, Error> {
        self.stream.write_all(request).await?;
        loop {
            let (len, status, framing, keep_alive) = self.parse_head(head)?;
            if len == 0 {
                self.fill().await?;
                continue;
            }
            self.start += len;
            // Interim answers (100 Continue, 103 Early Hints) precede the real one.
            if (100..200).contains(&status) && status != 101 {
                continue;
            }
            match framing {
                Framing::None => {}
                Framing::Length(n) => self.skip(n).await?,
                Framing::Chunked => self.skip_chunked().await?,
                Framing::UntilClose => {
                    self.skip_to_close().await?;
                    return Ok(Answer {
                        status,
                        keep_alive: false,
                    });
                }
            }
            return Ok(Answer { status, keep_alive });
        }
    }

    /// Parses the head at `start`: (its length or 0 when incomplete, status, framing, keep-alive).
    fn parse_head(&self, head: bool) -> Result<(usize, u16, Framing, bool), Error> {
        // Uninitialised: filling 64 empty headers per answer was a visible cost in profiles.
        let mut headers =
            [const { std::mem::MaybeUninit::<httparse::Header>::uninit() }; MAX_HEADERS];
        let mut res = httparse::Response::new(&mut []);
        let parsed = httparse::ParserConfig::default().parse_response_with_uninit_headers(
            &mut res,
            &self.buf[self.start..self.end],
            &mut headers,
        );
        let len = match parsed {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => return Ok((0, 0, Framing::None, true)),
            Err(e) => return Err(Error::Invalid(e.to_string())),
        };
        let status = res.code.unwrap_or(0);
        let mut keep_alive = res.version == Some(1);
        let mut length = None;
        let mut chunked = false;
        for h in res.headers.iter() {
            // By length first: most headers are none of these three.
            match h.name.len() {
                14 if h.name.eq_ignore_ascii_case("content-length") => {
                    let n = std::str::from_utf8(h.value)
                        .ok()
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .ok_or_else(|| Error::Invalid("bad content-length".into()))?;
                    length = Some(n);
                }
                17 if h.name.eq_ignore_ascii_case("transfer-encoding") => {
                    chunked = last_token_is(h.value, b"chunked");
                }
                10 if h.name.eq_ignore_ascii_case("connection") => {
                    if has_token(h.value, b"close") {
                        keep_alive = false;
                    } else if has_token(h.value, b"keep-alive") {
                        keep_alive = true;
                    }
                }
                _ => {}
            }
        }
        let framing = if head || status == 204 || status == 304 || (100..200).contains(&status) {
            Framing::None
        } else if chunked {
            Framing::Chunked
        } else if let Some(n) = length {
            Framing::Length(n)
        } else {
            Framing::UntilClose
        };
        Ok((len, status, framing, keep_alive))
    }

    /// Reads more into the buffer, keeping the unread part; the server closing is an error.
    async fn fill(&mut self) -> Result<(), Error> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else if self.buf.len() >= MAX_HEAD {
                return Err(Error::Invalid(format!(
                    "head or chunk line over {MAX_HEAD} bytes"
                )));
            } else {
                self.buf.resize(self.buf.len() * 2, 0);
            }
        }
        match self.stream.read(&mut self.buf[self.end..]).await? {
            0 => Err(Error::Closed),
            n => {
                self.end += n;
                Ok(())
            }
        }
    }

    /// Consumes `n` bytes of body, reading (and dropping) what has not arrived yet.
    async fn skip(&mut self, mut n: u64) -> Result<(), Error> {
        loop {
            let have = (self.end - self.start) as u64;
            if have >= n {
                self.start += n as usize;
                return Ok(());
            }
            n -= have;
            self.start = self.end;
            self.fill().await?;
        }
    }

    async fn skip_chunked(&mut self) -> Result<(), Error> {
        loop {
            let line = self.line().await?;
            let size = chunk_size(&self.buf[self.start..self.start + line])?;
            self.start += line + 2;
            if size == 0 {
                // Trailers, up to an empty line.
                loop {
                    let line = self.line().await?;
                    self.start += line + 2;
                    if line == 0 {
                        return Ok(());
                    }
                }
            }
            // The data and its CRLF.
            self.skip(size + 2).await?;
        }
    }

    /// The length of the line at `start` (without its CRLF), reading until it is complete.
    async fn line(&mut self) -> Result<usize, Error> {
        loop {
            if let Some(i) = self.buf[self.start..self.end]
                .windows(2)
                .position(|w| w == b"\r\n")
            {
                return Ok(i);
            }
            self.fill().await?;
        }
    }

    async fn skip_to_close(&mut self) -> Result<(), Error> {
        loop {
            self.start = 0;
            self.end = 0;
            match self.fill().await {
                Ok(()) => {}
                Err(Error::Closed) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }
}

fn chunk_size(line: &[u8]) -> Result<u64, Error> {
    let hex = line.split(|&b| b == b';').next().unwrap_or_default();
    std::str::from_utf8(hex)
        .ok()
        .and_then(|h| u64::from_str_radix(h.trim(), 16).ok())
        .filter(|&n| n < u64::MAX / 2)
        .ok_or_else(|| Error::Invalid("bad chunk size".into()))
}

fn has_token(value: &[u8], token: &[u8]) -> bool {
    value
        .split(|&b| b == b',')
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token))
}

fn last_token_is(value: &[u8], token: &[u8]) -> bool {
    value
        .rsplit(|&b| b == b',')
        .next()
        .is_some_and(|t| t.trim_ascii().eq_ignore_ascii_case(token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::{HOST, HeaderValue};
    use tokio::net::TcpListener;

    #[test]
    fn encodes_requests() {
        let mut h = HeaderMap::new();
        h.insert(HOST, HeaderValue::from_static("127.0.0.1:1"));
        let uri: Uri = "/a?b=1".parse().unwrap();
        let get = encode_request(&Method::GET, &uri, &h, b"");
        assert_eq!(
            &get[..],
            b"GET /a?b=1 HTTP/1.1\r\nhost: 127.0.0.1:1\r\n\r\n"
        );
        let post = encode_request(&Method::POST, &uri, &h, b"{}");
        assert_eq!(
            &post[..],
            b"POST /a?b=1 HTTP/1.1\r\nhost: 127.0.0.1:1\r\ncontent-length: 2\r\n\r\n{}"
        );
    }

    /// Serves `script` (all answers at once, in pieces of `piece` bytes) to one connection
    /// and runs `n` exchanges against it.
    fn answers(script: &'static [u8], piece: usize, n: usize) -> Vec<Result<Answer, String>> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = tokio::spawn(async move {
                let (mut s, _) = listener.accept().await.unwrap();
                for part in script.chunks(piece) {
                    s.write_all(part).await.unwrap();
                    tokio::task::yield_now().await;
                }
                // Half-close (the end of a close-delimited body), then take the client's
                // requests until it hangs up: closing outright would reset the connection.
                s.shutdown().await.unwrap();
                let mut sink = [0u8; 1024];
                while s.read(&mut sink).await.is_ok_and(|n| n > 0) {}
            });
            let mut c = Conn::new(TcpStream::connect(addr).await.unwrap());
            let mut out = Vec::new();
            for _ in 0..n {
                let r = c.exchange(b"GET / HTTP/1.1\r\n\r\n", false).await;
                let stop = r.is_err();
                out.push(r.map_err(|e| e.to_string()));
                if stop {
                    break;
                }
            }
            drop(c);
            server.await.unwrap();
            out
        })
    }

    #[test]
    fn reads_length_chunked_and_close_delimited_answers() {
        const SCRIPT: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n\
            HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello\
            HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n\
            3;x=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: t\r\n\r\n\
            HTTP/1.1 204 No Content\r\n\r\n\
            HTTP/1.0 200 OK\r\n\r\nuntil the end";
        for piece in [1, 7, SCRIPT.len()] {
            let got = answers(SCRIPT, piece, 4);
            let ok = |status, keep_alive| Ok(Answer { status, keep_alive });
            assert_eq!(
                got,
                [ok(200, true), ok(404, true), ok(204, true), ok(200, false)],
                "piece {piece}"
            );
        }
    }

    #[test]
    fn close_mid_answer_and_garbage_are_errors() {
        let got = answers(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 100, 1);
        assert_eq!(got, [Err(Error::Closed.to_string())]);
        let got = answers(b"SMTP ready\r\n\r\n", 100, 1);
        assert!(
            got[0].as_ref().unwrap_err().contains("invalid answer"),
            "{got:?}"
        );
        let got = answers(
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            100,
            1,
        );
        assert_eq!(
            got,
            [Ok(Answer {
                status: 200,
                keep_alive: false
            })]
        );
    }
}

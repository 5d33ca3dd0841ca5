//! HTTP/1.1 message framing: parsing a request head out of a byte buffer and serialising
//! responses with a correct `Content-Length`.

use std::fmt;
use std::io::Write;

/// Request heads larger than this are refused (431), bodies larger than `MAX_BODY` (413).
pub const MAX_HEAD: usize = 16 * 1024;
pub const MAX_BODY: usize = 1024 * 1024;
const MAX_HEADERS: usize = 64;

#[derive(Debug)]
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The raw query string, without the `?`.
    pub query: &'a str,
    pub headers: Vec<(&'a str, &'a str)>,
    pub body: &'a [u8],
    /// Whether the client wants the connection kept open after the response.
    pub keep_alive: bool,
}

impl<'a> Request<'a> {
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}

/// Why a request could not be framed; each maps to a status sent before closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    BadRequest(&'static str),
    HeadTooLarge,
    BodyTooLarge,
    NotImplemented(&'static str),
    VersionNotSupported,
}

impl FrameError {
    pub fn response(self) -> Response {
        let (status, why) = match self {
            FrameError::BadRequest(why) => (400, why),
            FrameError::HeadTooLarge => (431, "request head too large"),
            FrameError::BodyTooLarge => (413, "request body too large"),
            FrameError::NotImplemented(why) => (501, why),
            FrameError::VersionNotSupported => (505, "only HTTP/1.0 and HTTP/1.1"),
        };
        Response::text(status, why)
    }
}

/// Parses one request from the front of `buf`. `Ok(None)` means more bytes are needed;
/// otherwise returns the request and how many bytes of `buf` it used.
pub fn parse_request(buf: &[u8]) -> Result<Option<(Request<'_>, usize)>, FrameError> {
    let Some(head_len) = find_head_end(buf) else {
        return if buf.len() > MAX_HEAD {
            Err(FrameError::HeadTooLarge)
        } else {
            Ok(None)
        };
    };
    if head_len > MAX_HEAD {
        return Err(FrameError::HeadTooLarge);
    }
    let head = std::str::from_utf8(&buf[..head_len - 4])
        .map_err(|_| FrameError::BadRequest("request head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(FrameError::BadRequest("malformed request line"));
    };
    if method.is_empty() || !target.starts_with('/') {
        return Err(FrameError::BadRequest("malformed request line"));
    }
    let http11 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => return Err(FrameError::VersionNotSupported),
    };
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or(FrameError::BadRequest("malformed header line"))?;
        if name.is_empty() || name.ends_with(' ') {
            return Err(FrameError::BadRequest("malformed header name"));
        }
        if headers.len() == MAX_HEADERS {
            return Err(FrameError::HeadTooLarge);
        }
        headers.push((name, value.trim()));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut request = Request {
        method,
        path,
        query,
        headers,
        body: &[],
        keep_alive: http11,
    };
    if let Some(connection) = request.header("connection") {
        for token in connection.split(',').map(str::trim) {
            if token.eq_ignore_ascii_case("close") {
                request.keep_alive = false;
            } else if token.eq_ignore_ascii_case("keep-alive") {
                request.keep_alive = true;
            }
        }
    }
    if request.header("transfer-encoding").is_some() {
        return Err(FrameError::NotImplemented("chunked request bodies"));
    }
    let body_len = match request.header("content-length") {
        None => 0,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| FrameError::BadRequest("invalid Content-Length"))?,
    };
    if body_len > MAX_BODY {
        return Err(FrameError::BodyTooLarge);
    }
    let Some(body) = buf.get(head_len..head_len + body_len) else {
        return Ok(None);
    };
    request.body = body;
    Ok(Some((request, head_len + body_len)))
}

/// Length of the head including the blank line, if the buffer holds all of it.
fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Response {
        Response {
            status,
            content_type,
            headers: Vec::new(),
            body,
        }
    }

    pub fn text(status: u16, body: &str) -> Response {
        Response::new(
            status,
            "text/plain; charset=utf-8",
            format!("{body}\n").into_bytes(),
        )
    }

    pub fn json(status: u16, body: String) -> Response {
        Response::new(status, "application/json", body.into_bytes())
    }

    pub fn with_header(mut self, name: &'static str, value: impl fmt::Display) -> Response {
        self.headers.push((name, value.to_string()));
        self
    }

    /// Appends the serialised response to `out`. A `HEAD` response keeps the length header of
    /// the body it leaves out; `close` announces that the server will close the connection.
    pub fn write_to(&self, out: &mut Vec<u8>, head_only: bool, close: bool) {
        // Writes into a Vec cannot fail.
        let _ = write!(
            out,
            "HTTP/1.1 {} {}\r\nServer: minisvc\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        );
        for (name, value) in &self.headers {
            let _ = write!(out, "{name}: {value}\r\n");
        }
        if close {
            out.extend_from_slice(b"Connection: close\r\n");
        }
        out.extend_from_slice(b"\r\n");
        if !head_only {
            out.extend_from_slice(&self.body);
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pipelined_requests() {
        let buf = b"GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabcGET";
        let (first, used) = parse_request(buf).unwrap().unwrap();
        assert_eq!(
            (first.method, first.path, first.query),
            ("GET", "/a", "x=1")
        );
        assert!(first.keep_alive);
        let (second, used2) = parse_request(&buf[used..]).unwrap().unwrap();
        assert_eq!((second.path, second.body), ("/b", &b"abc"[..]));
        assert!(!second.keep_alive);
        assert!(parse_request(&buf[used + used2..]).unwrap().is_none());
    }

    #[test]
    fn waits_for_the_whole_body() {
        let buf = b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab";
        assert!(parse_request(buf).unwrap().is_none());
    }

    #[test]
    fn http10_closes_unless_asked() {
        let (r, _) = parse_request(b"GET / HTTP/1.0\r\n\r\n").unwrap().unwrap();
        assert!(!r.keep_alive);
        let (r, _) = parse_request(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(r.keep_alive);
    }

    #[test]
    fn rejects_malformed_heads() {
        let bad = |b: &[u8]| parse_request(b).unwrap_err();
        assert_eq!(
            bad(b"GET /\r\n\r\n"),
            FrameError::BadRequest("malformed request line")
        );
        assert_eq!(
            bad(b"GET / HTTP/2.0\r\n\r\n"),
            FrameError::VersionNotSupported
        );
        assert!(matches!(
            bad(b"GET / HTTP/1.1\r\nnocolon\r\n\r\n"),
            FrameError::BadRequest(_)
        ));
        assert_eq!(bad(&[b'a'; MAX_HEAD + 1]), FrameError::HeadTooLarge);
    }

    #[test]
    fn serialises_with_length() {
        let mut out = Vec::new();
        Response::text(200, "ok").write_to(&mut out, false, true);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(text.contains("Content-Length: 3\r\n") && text.contains("Connection: close\r\n"));
        assert!(text.ends_with("\r\n\r\nok\n"));
    }
}

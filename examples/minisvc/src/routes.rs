//! Request routing: which handler answers which method and path.

use crate::directory::Directory;
use crate::http::{Request, Response};
use crate::users;

pub fn handle(dir: &Directory, req: &Request<'_>) -> Response {
    let readable = matches!(req.method, "GET" | "HEAD");
    match req.path {
        "/health" if readable => Response::text(200, "ok"),
        // The trivial handler, for measuring the server itself.
        "/" if readable => Response::text(200, "minisvc"),
        "/api/v1/users" if readable => users::list(dir, req.query),
        path if path.starts_with("/api/v1/users/") => match req.method {
            "GET" | "HEAD" => users::one(dir, &path["/api/v1/users/".len()..]),
            _ => not_allowed(),
        },
        "/health" | "/" | "/api/v1/users" => not_allowed(),
        _ => users::error(404, "not found"),
    }
}

fn not_allowed() -> Response {
    Response::text(405, "method not allowed").with_header("Allow", "GET, HEAD")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::parse_request;

    fn status(dir: &Directory, head: &str) -> u16 {
        let raw = format!("{head} HTTP/1.1\r\n\r\n");
        let (req, _) = parse_request(raw.as_bytes()).unwrap().unwrap();
        handle(dir, &req).status
    }

    #[test]
    fn routes() {
        let dir = Directory::generate(5, 1);
        assert_eq!(status(&dir, "GET /health"), 200);
        assert_eq!(status(&dir, "HEAD /"), 200);
        assert_eq!(status(&dir, "GET /api/v1/users?limit=2"), 200);
        assert_eq!(
            status(&dir, &format!("GET /api/v1/users/{}", dir.users[0].id)),
            200
        );
        assert_eq!(status(&dir, "POST /health"), 405);
        assert_eq!(status(&dir, "DELETE /api/v1/users/1000"), 405);
        assert_eq!(status(&dir, "GET /nope"), 404);
    }
}

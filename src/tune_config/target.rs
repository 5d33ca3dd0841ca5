//! Where workloads talk to: `http://` URLs and `host:port` endpoints, the loopback-only policy
//! for load, and address resolution.

use std::fmt;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use anyhow::{Context, Result, bail};
use hyper::Uri;

/// A parsed `http://host:port/path?query`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpUrl {
    /// The host without IPv6 brackets (`::1`, `127.0.0.1`, `localhost`).
    pub host: String,
    pub port: u16,
    /// What the `Host` header carries: `127.0.0.1:3999`, `[::1]:80`.
    pub authority: String,
    /// Origin-form request target: `/api/v1/users?id=3`.
    pub path_and_query: String,
}

impl HttpUrl {
    pub(crate) fn parse(text: &str) -> Result<HttpUrl> {
        if !text.contains("://") {
            bail!("`{text}` is not an absolute URL (e.g. http://127.0.0.1:3999/)");
        }
        let uri: Uri = text
            .trim()
            .parse()
            .with_context(|| format!("invalid URL `{text}`"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => bail!(
                "`{text}`: https is not supported by the built-in load generator; \
                 point it at the service's plain-HTTP port"
            ),
            Some(other) => bail!("`{text}`: unsupported scheme `{other}` (use http://)"),
            None => bail!("`{text}` is not an absolute URL (e.g. http://127.0.0.1:3999/)"),
        }
        let authority = uri
            .authority()
            .with_context(|| format!("`{text}` has no host"))?;
        if authority.as_str().contains('@') {
            bail!("`{text}`: credentials in URLs are not supported; send an Authorization header");
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        if host.is_empty() {
            bail!("`{text}` has no host");
        }
        let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
        Ok(HttpUrl {
            host,
            port: authority.port_u16().unwrap_or(80),
            authority: authority.as_str().to_string(),
            path_and_query: if path_and_query.is_empty() {
                "/".into()
            } else {
                path_and_query
            },
        })
    }

    pub(crate) fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host)
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}{}", self.authority, self.path_and_query)
    }
}

/// 127.0.0.0/8, ::1 (also as IPv4-mapped) and `localhost`. Names are not resolved for this
/// check: a load test leaves the machine only when the user says so.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => false,
    }
}

/// Refuses load aimed outside this machine unless `allow_remote`.
pub(crate) fn check_loopback(url: &HttpUrl, allow_remote: bool) -> Result<()> {
    if allow_remote || url.is_loopback() {
        return Ok(());
    }
    bail!(
        "refusing to send load to `{}`: it is not a loopback address (127.0.0.0/8, ::1, localhost). \
         Load testing someone else's server can look like an attack; if this host is yours, \
         pass --allow-remote",
        url.host
    )
}

/// Every address `host:port` resolves to, IPv4 first for `localhost` (most services bind 127.0.0.1).
pub(crate) fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>> {
    let mut addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve `{host}`"))?
        .collect();
    addrs.sort_by_key(|a| !a.is_ipv4());
    addrs.dedup();
    if addrs.is_empty() {
        bail!("`{host}` resolves to no address");
    }
    Ok(addrs)
}

/// How to tell that a service is ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Readiness {
    /// An HTTP GET answers 2xx.
    Http(HttpUrl),
    /// The port accepts TCP connections.
    Tcp { host: String, port: u16 },
}

impl Readiness {
    /// `http://…`, `tcp://host:port` or `host:port`.
    pub(crate) fn parse(text: &str) -> Result<Readiness> {
        let t = text.trim();
        if t.starts_with("http://") || t.starts_with("https://") {
            return HttpUrl::parse(t).map(Readiness::Http);
        }
        let hostport = t.strip_prefix("tcp://").unwrap_or(t).trim_end_matches('/');
        let bad = || {
            anyhow::anyhow!(
                "invalid `ready` value `{text}`: use http://host:port/path (needs a 2xx answer), \
                 tcp://host:port or host:port (needs the port to accept connections)"
            )
        };
        // `htp://…`, `http:/…`: a misspelt scheme, not a host name.
        if hostport.contains('/') {
            return Err(bad());
        }
        let (host, port) = hostport.rsplit_once(':').ok_or_else(bad)?;
        let port: u16 = port.parse().map_err(|_| bad())?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || port == 0 {
            return Err(bad());
        }
        Ok(Readiness::Tcp {
            host: host.to_string(),
            port,
        })
    }
}

impl fmt::Display for Readiness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Readiness::Http(u) => u.fmt(f),
            Readiness::Tcp { host, port } if host.contains(':') => {
                write!(f, "tcp://[{host}]:{port}")
            }
            Readiness::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let u = HttpUrl::parse("http://127.0.0.1:3999/api/v1?x=1").unwrap();
        assert_eq!(u.host, "127.0.0.1");
        assert_eq!(u.port, 3999);
        assert_eq!(u.authority, "127.0.0.1:3999");
        assert_eq!(u.path_and_query, "/api/v1?x=1");
        let u = HttpUrl::parse("http://[::1]:8080").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 8080));
        assert_eq!(u.path_and_query, "/");
        assert_eq!(HttpUrl::parse("http://localhost/").unwrap().port, 80);
    }

    #[test]
    fn rejects_what_it_cannot_load() {
        for (url, says) in [
            ("https://127.0.0.1/", "https is not supported"),
            ("ftp://127.0.0.1/", "unsupported scheme"),
            ("127.0.0.1:80/x", "not an absolute URL"),
            ("http://u:p@127.0.0.1/", "credentials"),
        ] {
            let e = HttpUrl::parse(url).unwrap_err().to_string();
            assert!(e.contains(says), "{url}: {e}");
        }
    }

    #[test]
    fn loopback_policy() {
        for host in [
            "127.0.0.1",
            "127.4.5.6",
            "::1",
            "localhost",
            "LocalHost",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "10.0.0.1",
            "example.com",
            "0.0.0.0",
            "::",
            "localhost.evil.com",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
        let remote = HttpUrl::parse("http://10.1.2.3:80/").unwrap();
        let e = check_loopback(&remote, false).unwrap_err().to_string();
        assert!(
            e.contains("--allow-remote") && e.contains("10.1.2.3"),
            "{e}"
        );
        check_loopback(&remote, true).unwrap();
    }

    #[test]
    fn readiness_forms() {
        assert_eq!(
            Readiness::parse("127.0.0.1:80").unwrap(),
            Readiness::Tcp {
                host: "127.0.0.1".into(),
                port: 80
            }
        );
        assert_eq!(
            Readiness::parse("tcp://[::1]:9000").unwrap().to_string(),
            "tcp://[::1]:9000"
        );
        assert!(matches!(
            Readiness::parse("http://127.0.0.1:1/health").unwrap(),
            Readiness::Http(_)
        ));
        assert!(Readiness::parse("health").is_err());
        for typo in [
            "htp://127.0.0.1:3999/health",
            "http:/127.0.0.1:3999",
            "tcp://a/b:1",
        ] {
            assert!(Readiness::parse(typo).is_err(), "{typo}");
        }
        assert!(Readiness::parse("host:notaport").is_err());
    }

    #[test]
    fn localhost_resolves_ipv4_first() {
        let addrs = resolve("localhost", 80).unwrap();
        assert!(addrs[0].is_ipv4() || addrs.iter().all(|a| a.is_ipv6()));
    }
}

//! The HTML report of a real `compare` run, checked as HTML (html5ever: no parse error, no
//! reference to anything outside the page) and rendered in headless Chromium: the screenshot
//! is not blank, in light and dark mode, and the page made no network request.
//!
//! How "no network request" is checked: Chromium runs with every request sent through a proxy
//! on 127.0.0.1 that this test owns (`--proxy-server`, with `<-loopback>` so not even loopback
//! escapes it), and the test fails on any request it sees except Chromium's own: even with
//! background networking off, Chromium 156 still asks update.googleapis.com (its updater) and
//! accounts.google.com (sign-in) at start, on a blank page too; those exact hosts are named in
//! [`BROWSER_OWN`]. A control page with one external image proves the trap catches requests.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use html5ever::tendril::TendrilSink;
use html5ever::{ParseOpts, parse_document, tree_builder::TreeBuilderOpts};
use markup5ever_rcdom::{Handle, NodeData, RcDom};

use crate::utils::fixtures::BRANCHY_CLI;
use crate::utils::project;

/// Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it when missing).
fn chromium() -> PathBuf {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("this test needs Debian's chromium: apt-get install chromium (.ci/run installs it)")
}

/// Hosts Chromium contacts by itself whatever the page (seen on an empty page, here).
const BROWSER_OWN: [&str; 3] = [
    "update.googleapis.com",
    "accounts.google.com",
    "clients2.google.com",
];

/// The host a proxied request line asks for: `CONNECT h:443 …` or `GET http://h/path …`.
fn host(request: &str) -> &str {
    let target = request.split_whitespace().nth(1).unwrap_or("");
    let target = target.split_once("://").map_or(target, |(_, rest)| rest);
    let end = target.find([':', '/']).unwrap_or(target.len());
    &target[..end]
}

/// A proxy that answers every request with 404 and remembers its first line.
struct Trap {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Trap {
    fn start() -> Trap {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut line = String::new();
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let _ = BufReader::new(&stream).read_line(&mut line);
                seen.lock().unwrap().push(line.trim().to_string());
                let _ = stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
            }
        });
        Trap { port, requests }
    }

    /// Every request line the trap saw, but for Chromium's own (and connections that sent
    /// nothing: speculative preconnects to the proxy).
    fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| !r.is_empty() && !BROWSER_OWN.contains(&host(r)))
            .cloned()
            .collect()
    }
}

/// Screenshots `page` (a file) into `png` with a fresh profile, every request through `trap`.
fn screenshot(page: &Path, png: &Path, trap: &Trap, dark: bool) {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--disable-extensions",
        "--disable-default-apps",
        "--disable-features=NetworkTimeServiceQuerying",
        "--hide-scrollbars",
        "--window-size=1200,2400",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .arg(format!("--proxy-server=http://127.0.0.1:{}", trap.port))
    .arg("--proxy-bypass-list=<-loopback>")
    .arg(format!("--screenshot={}", png.display()))
    .arg(format!("file://{}", page.display()))
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    if dark {
        cmd.arg("--force-dark-mode");
    }
    let mut child = cmd.spawn().expect("chromium starts");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium failed: {status}");
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish its screenshot within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(png.exists(), "chromium wrote no screenshot");
}

/// Distinct colours of a PNG and the share of pixels unlike its top-left (background) pixel.
fn colours(png: &Path) -> (usize, f64, [u8; 3]) {
    let decoder = png::Decoder::new(BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(
        channels >= 3,
        "unexpected PNG colour type {:?}",
        info.color_type
    );
    let pixels: Vec<[u8; 3]> = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    let background = pixels[0];
    let distinct: std::collections::HashSet<[u8; 3]> = pixels.iter().copied().collect();
    let ink = pixels.iter().filter(|p| **p != background).count() as f64 / pixels.len() as f64;
    (distinct.len(), ink, background)
}

type Element = (String, Vec<(String, String)>, String);

fn elements(node: &Handle, out: &mut Vec<Element>) {
    if let NodeData::Element { name, attrs, .. } = &node.data {
        let text = node
            .children
            .borrow()
            .iter()
            .filter_map(|c| match &c.data {
                NodeData::Text { contents } => Some(contents.borrow().to_string()),
                _ => None,
            })
            .collect();
        let attrs = attrs
            .borrow()
            .iter()
            .map(|a| (a.name.local.to_string(), a.value.to_string()))
            .collect();
        out.push((name.local.to_string(), attrs, text));
    }
    for c in node.children.borrow().iter() {
        elements(c, out);
    }
}

#[test]
fn proxied_request_lines_name_their_host() {
    assert_eq!(
        host("CONNECT accounts.google.com:443 HTTP/1.1"),
        "accounts.google.com"
    );
    assert_eq!(
        host("GET http://fonts.googleapis.com/css?x HTTP/1.1"),
        "fonts.googleapis.com"
    );
    assert_eq!(host("GET http://a.invalid HTTP/1.1"), "a.invalid");
}

#[test]
fn report_of_a_real_run_renders_offline_in_chromium() {
    let p = project("html-report")
        .file("src/main.rs", BRANCHY_CLI)
        .build();
    p.tune(&[
        "compare",
        "--variants",
        "release",
        "--variant",
        "o1=opt-level=1",
        "--min-runs",
        "3",
        "--max-runs",
        "6",
        "--json",
        "out.json",
        "--html",
        "report.html",
        "--",
        "200000",
    ])
    .ok()
    .stderr_has("Wrote");
    // `report` renders the saved run the same way.
    p.tune(&["report", "--format", "html", "-o", "again.html"])
        .ok();
    let html = p.read("report.html");
    assert_eq!(html, p.read("again.html"));

    // Well-formed: the HTML5 parser reports no error at all.
    let opts = ParseOpts {
        tree_builder: TreeBuilderOpts {
            exact_errors: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let dom = parse_document(RcDom::default(), opts).one(html.as_str());
    let errors: Vec<String> = dom.errors.borrow().iter().map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "HTML parse errors: {errors:#?}");
    let mut all = Vec::new();
    elements(&dom.document, &mut all);
    for (name, attrs, text) in &all {
        for (k, v) in attrs {
            assert!(
                !matches!(k.as_str(), "src" | "href" | "srcset" | "action" | "poster"),
                "<{name} {k}={v:?}> would load something"
            );
        }
        assert!(
            name != "link" && name != "iframe" && name != "img",
            "<{name}>"
        );
        if name == "style" {
            assert!(!text.contains("url(") && !text.contains("@import"));
        }
    }
    let svgs = all.iter().filter(|(n, _, _)| n == "svg").count();
    assert_eq!(
        svgs, 6,
        "distribution, change, run order, size, compile time, size by crate"
    );
    // The page is also the data: the embedded run is the run `--json` wrote.
    let (_, _, data) = all.iter().find(|(n, _, _)| n == "script").unwrap();
    let embedded: serde_json::Value = serde_json::from_str(data).unwrap();
    let json: serde_json::Value = serde_json::from_str(&p.read("out.json")).unwrap();
    assert_eq!(embedded, json);

    let trap = Trap::start();
    let shot = p.join("light.png");
    screenshot(&p.join("report.html"), &shot, &trap, false);
    let (distinct, ink, background) = colours(&shot);
    assert!(
        distinct > 100,
        "only {distinct} colours: blank or unstyled?"
    );
    assert!(
        ink > 0.05,
        "only {:.1}% of the page is not background",
        ink * 100.0
    );
    assert!(
        background.iter().all(|&c| c > 200),
        "light background: {background:?}"
    );

    let dark = p.join("dark.png");
    screenshot(&p.join("report.html"), &dark, &trap, true);
    let (distinct, _, background) = colours(&dark);
    assert!(distinct > 100, "only {distinct} colours in dark mode");
    assert!(
        background.iter().all(|&c| c < 60),
        "dark background: {background:?}"
    );

    assert_eq!(
        trap.requests(),
        Vec::<String>::new(),
        "the report made requests"
    );

    // The control: an external image does reach the trap, so an empty list above means something.
    p.write(
        "control.html",
        "<!DOCTYPE html><html><body><img src=\"http://cargo-tune-trap.invalid/x.png\"></body></html>",
    );
    screenshot(
        &p.join("control.html"),
        &p.join("control.png"),
        &trap,
        false,
    );
    let requests = trap.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.contains("cargo-tune-trap.invalid")),
        "the trap saw no request from the control page: {requests:?}"
    );
}

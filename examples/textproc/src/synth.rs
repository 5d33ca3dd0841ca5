//! Deterministic synthetic access logs, in logfmt or JSON lines, from a seed and a line count.

use std::fmt::Write;

use crate::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Logfmt,
    Json,
}

const METHODS: &[(u32, &str)] = &[
    (70, "GET"),
    (18, "POST"),
    (6, "PUT"),
    (4, "DELETE"),
    (2, "PATCH"),
];
const STATUSES: &[(u32, u16)] = &[
    (780, 200),
    (60, 201),
    (40, 204),
    (35, 304),
    (20, 400),
    (10, 401),
    (8, 403),
    (30, 404),
    (3, 409),
    (4, 429),
    (6, 500),
    (2, 502),
    (2, 503),
    (3, 504),
];
const RESOURCES: &[&str] = &[
    "users", "orders", "files", "search", "carts", "invoices", "sessions",
];
const USERS: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter",
];
const REGIONS: &[(u32, &str)] = &[
    (50, "eu-west-1"),
    (30, "us-east-1"),
    (12, "ap-south-1"),
    (8, "sa-east-1"),
];
const AGENTS: &[(u32, &str)] = &[
    (55, "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"),
    (
        20,
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1",
    ),
    (10, "curl/8.8.0"),
    (8, "Googlebot/2.1 (+http://www.google.com/bot.html)"),
    (7, "okhttp/4.12.0"),
];
const MESSAGES: &[(u32, &str)] = &[
    (60, "request completed"),
    (10, "cache miss, fetched from origin"),
    (8, "slow query on \"orders_by_user\""),
    (6, "upstream Timeout after retry"),
    (6, "validation failed: field \"email\"\tinvalid"),
    (5, "rate limited by policy \\default\\"),
    (5, "conexión reutilizada ✓"),
];

/// Appends `lines` log lines to `out`.
pub fn generate(out: &mut String, lines: usize, seed: u64, format: Format) {
    let mut rng = Rng::new(seed);
    // Start of the synthetic day, in milliseconds; lines advance it by small random steps.
    let mut clock_ms: u64 = 8 * 3_600_000;
    for _ in 0..lines {
        clock_ms += rng.below(40);
        let entry = Entry::random(&mut rng, clock_ms);
        match format {
            Format::Logfmt => entry.write_logfmt(out),
            Format::Json => entry.write_json(out),
        }
        out.push('\n');
    }
}

/// Where a request went; written out without going through `format!`, since generating the
/// input stands in for reading a file and should stay cheap next to the analysis.
enum Target {
    Item(&'static str, u64),
    List(&'static str),
    File(&'static str, u64, u64),
    Static(&'static str, &'static str),
}

struct Entry {
    clock_ms: u64,
    level: &'static str,
    method: &'static str,
    target: Target,
    status: u16,
    latency_centis: u64,
    bytes: u64,
    user: Option<&'static str>,
    region: &'static str,
    ua: &'static str,
    msg: &'static str,
}

impl Entry {
    fn random(rng: &mut Rng, clock_ms: u64) -> Entry {
        let status = rng.weighted(STATUSES);
        let level = match status {
            500.. => "error",
            429 | 409 => "warn",
            _ if rng.chance(3) => "debug",
            _ => "info",
        };
        let resource = rng.pick(RESOURCES);
        let target = match rng.below(10) {
            0..=4 => Target::Item(resource, rng.below(5000)),
            5..=7 => Target::List(resource),
            8 => Target::File(resource, rng.below(900), rng.below(40)),
            _ => Target::Static(resource, rng.pick(&["css", "js", "png"])),
        };
        // Heavy-tailed latency: mostly fast, sometimes very slow.
        let base = rng.below(4000);
        let latency_centis = if rng.chance(4) { base * 25 } else { base };
        let bytes = if rng.chance(6) {
            65_536 + rng.below(4_000_000)
        } else {
            rng.below(20_000)
        };
        Entry {
            clock_ms,
            level,
            method: rng.weighted(METHODS),
            target,
            status,
            latency_centis,
            bytes,
            user: rng.chance(85).then(|| rng.pick(USERS)),
            region: rng.weighted(REGIONS),
            ua: rng.weighted(AGENTS),
            msg: if status == 504 {
                "gateway timeout"
            } else {
                rng.weighted(MESSAGES)
            },
        }
    }

    fn write_ts(&self, out: &mut String) {
        let secs = self.clock_ms / 1000;
        out.push_str("2024-05-17T");
        push_padded(out, (secs / 3600) % 24, 2);
        out.push(':');
        push_padded(out, (secs / 60) % 60, 2);
        out.push(':');
        push_padded(out, secs % 60, 2);
        out.push('.');
        push_padded(out, self.clock_ms % 1000, 3);
        out.push('Z');
    }

    fn write_path(&self, out: &mut String) {
        match self.target {
            Target::Item(res, id) => {
                out.push_str("/api/v1/");
                out.push_str(res);
                out.push('/');
                push_padded(out, id, 1);
            }
            Target::List(res) => {
                out.push_str("/api/v1/");
                out.push_str(res);
            }
            Target::File(res, id, file) => {
                out.push_str("/api/v2/");
                out.push_str(res);
                out.push('/');
                push_padded(out, id, 1);
                out.push_str("/files/");
                push_padded(out, file, 1);
            }
            Target::Static(res, ext) => {
                out.push_str("/static/");
                out.push_str(res);
                out.push('.');
                out.push_str(ext);
            }
        }
    }

    /// The numeric fields, shared by both formats; `keys` are the text before each value.
    fn write_numbers(&self, out: &mut String, keys: [&str; 3]) {
        out.push_str(keys[0]);
        push_padded(out, u64::from(self.status), 1);
        out.push_str(keys[1]);
        push_padded(out, self.latency_centis / 100, 1);
        out.push('.');
        push_padded(out, self.latency_centis % 100, 2);
        out.push_str(keys[2]);
        push_padded(out, self.bytes, 1);
    }

    fn write_logfmt(&self, out: &mut String) {
        out.push_str("ts=");
        self.write_ts(out);
        for (key, value) in [(" level=", self.level), (" method=", self.method)] {
            out.push_str(key);
            out.push_str(value);
        }
        out.push_str(" path=");
        self.write_path(out);
        self.write_numbers(out, [" status=", " latency_ms=", " bytes="]);
        if let Some(user) = self.user {
            out.push_str(" user=");
            out.push_str(user);
        }
        out.push_str(" region=");
        out.push_str(self.region);
        out.push_str(" ua=");
        logfmt_quoted(out, self.ua);
        out.push_str(" msg=");
        logfmt_quoted(out, self.msg);
    }

    fn write_json(&self, out: &mut String) {
        out.push_str("{\"ts\":\"");
        self.write_ts(out);
        for (key, value) in [
            ("\",\"level\":\"", self.level),
            ("\",\"method\":\"", self.method),
        ] {
            out.push_str(key);
            out.push_str(value);
        }
        out.push_str("\",\"path\":\"");
        self.write_path(out);
        out.push('"');
        self.write_numbers(out, [",\"status\":", ",\"latency_ms\":", ",\"bytes\":"]);
        match self.user {
            Some(user) => {
                out.push_str(",\"user\":\"");
                out.push_str(user);
                out.push('"');
            }
            None => out.push_str(",\"user\":null"),
        }
        out.push_str(",\"region\":\"");
        out.push_str(self.region);
        out.push_str("\",\"ua\":");
        json_string(out, self.ua);
        out.push_str(",\"msg\":");
        json_string(out, self.msg);
        out.push('}');
    }
}

/// Appends `n` in decimal, zero-padded to at least `width` digits.
fn push_padded(out: &mut String, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut i = digits.len();
    while n > 0 || digits.len() - i < width.max(1) {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

fn logfmt_quoted(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            // Non-ASCII goes out as \u escapes, as many JSON loggers do.
            c if !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

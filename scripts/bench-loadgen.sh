#!/usr/bin/env bash
# Compares the built-in load generator (`cargo tune load`) with wrk on a trivial HTTP server:
# same machine, same connection count, runs interleaved so drift hits both alike. Prints each
# tool's req/s and the CPU time (user + sys, from GNU time) it spent per request: on a shared
# machine the generator's CPU is taken from the service, so both figures matter.
# Usage: scripts/bench-loadgen.sh [ROUNDS] [CONNECTIONS] [DURATION]
set -euo pipefail

ROUNDS=${1:-3}
CONNS=${2:-32}
DUR=${3:-5s}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "error: wrk is not installed; install it with \`apt-get install -y wrk\`" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "error: GNU time is not installed; install it with \`apt-get install -y time\`" >&2; exit 1; }

# A trivial keep-alive HTTP/1.1 server, std only, one thread per connection.
cat > "$WORK/server.rs" <<'RS'
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

fn serve(mut s: TcpStream) {
    let _ = s.set_nodelay(true);
    let mut buf = vec![0u8; 16 * 1024];
    let mut have = 0;
    let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";
    loop {
        // Answer every complete request in the buffer (pipelining-safe), then read more.
        let mut start = 0;
        let mut out = Vec::new();
        while let Some(end) = find(&buf[start..have], b"\r\n\r\n") {
            let head = &buf[start..start + end];
            let body = content_length(head);
            if start + end + 4 + body > have {
                break;
            }
            start += end + 4 + body;
            out.extend_from_slice(reply);
        }
        if !out.is_empty() && s.write_all(&out).is_err() {
            return;
        }
        buf.copy_within(start..have, 0);
        have -= start;
        if have == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        match s.read(&mut buf[have..]) {
            Ok(0) | Err(_) => return,
            Ok(n) => have += n,
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn content_length(head: &[u8]) -> usize {
    let text = String::from_utf8_lossy(head);
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    println!("{}", listener.local_addr().unwrap().port());
    for s in listener.incoming().flatten() {
        std::thread::spawn(move || serve(s));
    }
}
RS
rustc -O --edition 2021 -o "$WORK/server" "$WORK/server.rs"

echo "building cargo-tune (release)…" >&2
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
TUNE="${CARGO_TARGET_DIR:-$ROOT/target}/release/cargo-tune"

"$WORK/server" > "$WORK/port" &
SERVER_PID=$!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
PORT=$(cat "$WORK/port")
URL="http://127.0.0.1:$PORT/"
echo "server on $URL; $ROUNDS rounds, $CONNS connections, $DUR each" >&2

# Runs one tool under GNU time; prints "REQ_PER_SEC CPU_MICROSECONDS_PER_REQUEST".
measure() {
    local tool=$1 out rps n cpu
    if [ "$tool" = wrk ]; then
        out=$(/usr/bin/time -f 'cpu %U %S' -o "$WORK/time" wrk -t2 -c"$CONNS" -d"$DUR" "$URL")
        n=$(awk '/requests in/ {print $1}' <<<"$out")
    else
        out=$(/usr/bin/time -f 'cpu %U %S' -o "$WORK/time" "$TUNE" load "$URL" -c "$CONNS" -d "$DUR" --quiet)
        n=$(awk '/Requests:/ {print $2}' <<<"$out")
    fi
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    cpu=$(awk '/^cpu/ {printf "%.0f", ($2 + $3) * 1e6}' "$WORK/time")
    echo "$rps $(echo "$cpu / $n" | bc -l)"
}

WRK=()
TUNES=()
RATIOS=()
WCPU=()
TCPU=()
for i in $(seq "$ROUNDS"); do
    # Alternate which tool goes first, so neither always runs on a machine the other just warmed.
    if (( i % 2 )); then
        read -r w wc < <(measure wrk)
        read -r t tc < <(measure tune)
    else
        read -r t tc < <(measure tune)
        read -r w wc < <(measure wrk)
    fi
    r=$(echo "$t / $w" | bc -l)
    WRK+=("$w")
    TUNES+=("$t")
    RATIOS+=("$r")
    WCPU+=("$wc")
    TCPU+=("$tc")
    printf 'round %d: wrk %8.0f req/s %5.1f µs CPU/req   cargo-tune load %8.0f req/s %5.1f µs CPU/req   ratio %.2f\n' \
        "$i" "$w" "$wc" "$t" "$tc" "$r"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
printf 'median:  wrk %8.0f req/s %5.1f µs CPU/req   cargo-tune load %8.0f req/s %5.1f µs CPU/req   ratio of medians %.2f   median ratio %.2f\n' \
    "$(median "${WRK[@]}")" "$(median "${WCPU[@]}")" "$(median "${TUNES[@]}")" "$(median "${TCPU[@]}")" \
    "$(echo "$(median "${TUNES[@]}") / $(median "${WRK[@]}")" | bc -l)" "$(median "${RATIOS[@]}")"

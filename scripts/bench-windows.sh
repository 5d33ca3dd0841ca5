#!/usr/bin/env bash
# Are more, shorter load windows better than fewer, longer ones for the same load time?
# An A/A test on one trivial server: "variants" A and B are the same, measured in pairs of
# windows (order alternating) with `cargo tune load`. Each block is one pair of LONG windows
# and LONG/SHORT pairs of SHORT windows, so both lengths get the same load time and the same
# drift. Prints, per length, the spread of the paired ratio B/A and the approximate half-width
# of a 95% interval of its median: what a comparison of two identical builds has to see through.
# Usage: scripts/bench-windows.sh [BLOCKS] [SHORT_SECS] [LONG_SECS]   (default: 4 2 10)
set -euo pipefail

BLOCKS=${1:-4}
SHORT=${2:-2}
LONG=${3:-10}
(( LONG % SHORT == 0 )) || { echo "error: LONG_SECS must be a multiple of SHORT_SECS" >&2; exit 1; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# The same trivial server as scripts/bench-loadgen.sh.
sed -n '/^cat > "\$WORK\/server.rs"/,/^RS$/p' "$ROOT/scripts/bench-loadgen.sh" | sed '1d;$d' > "$WORK/server.rs"
rustc -O --edition 2021 -o "$WORK/server" "$WORK/server.rs"
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
TUNE="${CARGO_TARGET_DIR:-$ROOT/target}/release/cargo-tune"
"$WORK/server" > "$WORK/port" &
SERVER_PID=$!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
URL="http://127.0.0.1:$(cat "$WORK/port")/"
echo "server on $URL; $BLOCKS blocks of one ${LONG}s pair and $((LONG / SHORT)) ${SHORT}s pairs" >&2

rps() { "$TUNE" load "$URL" -c 32 -d "${1}s" --quiet | awk '/Requests\/sec/ {print $2}'; }
pair() {
    local a b
    if (( RANDOM % 2 )); then a=$(rps "$1"); b=$(rps "$1"); else b=$(rps "$1"); a=$(rps "$1"); fi
    echo "$1 $(echo "$b / $a" | bc -l)" >> "$WORK/ratios"
}

for _ in $(seq "$BLOCKS"); do
    pair "$LONG"
    for _ in $(seq $((LONG / SHORT))); do pair "$SHORT"; done
done

sed "s/^/pair: /" "$WORK/ratios" >&2

# The measurement engine compares medians, so the summary is robust too: the median ratio,
# the spread of ln(ratio) as 1.4826 × its median absolute deviation, the approximate 95%
# half-width of a median of that many pairs (1.96 × 1.2533 × spread / √n), and the worst pair.
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
for len in "$SHORT" "$LONG"; do
    logs=$(awk -v l="$len" '$1 == l {print log($2)}' "$WORK/ratios")
    n=$(wc -l <<<"$logs")
    m=$(median <<<"$logs")
    mad=$(awk -v m="$m" '{d = $1 - m; print (d < 0 ? -d : d)}' <<<"$logs" | median)
    worst=$(awk -v m="$m" '{d = $1 - m; d = d < 0 ? -d : d; if (d > w) {w = d; r = $1}} END {print exp(r)}' <<<"$logs")
    awk -v l="$len" -v n="$n" -v m="$m" -v mad="$mad" -v w="$worst" 'BEGIN {
        s = 1.4826 * mad
        printf "%3ss windows: %3d pairs   median B/A %.3f   spread %5.1f%%   95%% half-width of the median ±%4.1f%%   worst pair %.2f\n",
               l, n, exp(m), 100 * s, 100 * 1.96 * 1.2533 * s / sqrt(n), w }'
done

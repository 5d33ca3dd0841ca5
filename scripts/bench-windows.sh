#!/usr/bin/env bash
# Are more, shorter load windows better than fewer, longer ones for the same load time?
# An A/A test on one trivial server: "variants" A and B are the same, measured in pairs of
# windows (order alternating) with `cargo tune load`. Each block is one pair of LONG windows
# and LONG/SHORT pairs of SHORT windows, so both lengths get the same load time and the same
# drift. Prints, per length, the spread of the paired ratio B/A and the half-width of a normal
# 95% interval of its mean: what a comparison of two identical builds has to see through.
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
awk '{ n[$1]++; s[$1] += $2; q[$1] += $2 * $2 }
     END { for (l in n) { m = s[l] / n[l]; sd = sqrt((q[l] - n[l] * m * m) / (n[l] - 1));
           printf "%3ss windows: %3d pairs   mean B/A %.4f   sd %.2f%%   95%% half-width of the mean ±%.2f%%\n",
                  l, n[l], m, 100 * sd, 196 * sd / sqrt(n[l]) } }' "$WORK/ratios" | sort -n

#!/usr/bin/env bash
# Can a PGO profile trained on one configuration optimize another? For each pair (trained on A,
# used for B) of the configurations `auto` explores, builds B with A's profile and counts the
# functions rustc could not match ("hash mismatch") or found no counts for ("no profile data",
# with -pgo-warn-missing-function). The table in docs/auto.md ("One training per code
# revision") came from this script.
#
#   scripts/pgo-reuse-table.sh                                   # examples/textproc
#   SRC=examples/minisvc BIN=minisvc SERVICE=1 OUT=/tmp/pgo-reuse/minisvc scripts/pgo-reuse-table.sh
#
# Needs llvm-profdata-22 (rustc 1.95's LLVM) and, for SERVICE=1, curl and wrk.
# Profile reuse experiment: train on config A, optimize config B; count warnings.
set -u
SRC=$(realpath "${SRC:-examples/textproc}")
OUT=${OUT:-/tmp/pgo-reuse/textproc}
TRIPLE=x86_64-unknown-linux-gnu
mkdir -p $OUT
declare -A CFG
CFG[release]=""
CFG[production]="LTO=fat CODEGEN_UNITS=1 STRIP=symbols PANIC=abort"
CFG[production+lto=thin]="LTO=thin CODEGEN_UNITS=1 STRIP=symbols PANIC=abort"
CFG[production+cpu-v3]="LTO=fat CODEGEN_UNITS=1 STRIP=symbols PANIC=abort CPU=x86-64-v3"
CFG[production+opt-level=2]="LTO=fat CODEGEN_UNITS=1 STRIP=symbols PANIC=abort OPT_LEVEL=2"
CFG[release+cpu-v3]="CPU=x86-64-v3"
CFG[balanced]="LTO=thin STRIP=symbols"
envfor() { # config -> env assignments
  local e=() cpu=""
  for kv in ${CFG[$1]}; do
    k=${kv%%=*}; v=${kv#*=}
    if [ $k = CPU ]; then cpu="-Ctarget-cpu=$v"; else e+=("CARGO_PROFILE_RELEASE_$k=$v"); fi
  done
  echo "${e[@]}" "CPU=$cpu"
}
build() { # config extra-flags targetdir logfile
  local envs; envs=$(envfor "$1")
  local cpu=${envs##*CPU=}; envs=${envs%CPU=*}
  env $envs RUSTFLAGS="$cpu $2" CARGO_TARGET_DIR=$3 cargo build --release --target $TRIPLE --manifest-path $SRC/Cargo.toml >$4 2>&1
}
train() {
  local A=$1 d=$OUT/train-$1
  rm -rf $d/raw; mkdir -p $d/raw
  build "$A" "-Cprofile-generate=$d/raw" $d/target $d/build.log || { echo "train build failed $A"; return 1; }
  local bin=$d/target/$TRIPLE/release/${BIN:-textproc}
  if [ -n "${SERVICE:-}" ]; then
    LLVM_PROFILE_FILE=$d/raw/%p.profraw $bin --port 3998 --threads 2 & pid=$!
    for i in $(seq 50); do curl -s http://127.0.0.1:3998/health >/dev/null && break; sleep 0.1; done
    wrk -t2 -c32 -d3s 'http://127.0.0.1:3998/api/v1/users?limit=50&sort=score&order=desc&min_age=30' >/dev/null
    kill -TERM $pid; wait $pid
  else
    LLVM_PROFILE_FILE=$d/raw/%p.profraw $bin --size 300000 --seed 7 --format logfmt >/dev/null
    LLVM_PROFILE_FILE=$d/raw/%p.profraw $bin --size 250000 --seed 11 --format json >/dev/null
  fi
  llvm-profdata-22 merge -o $d/merged.profdata $d/raw/*.profraw
}
use() {
  local A=$1 B=$2 d=$OUT/use-$1--$2
  mkdir -p $d
  build "$B" "-Cprofile-use=$OUT/train-$A/merged.profdata -Cllvm-args=-pgo-warn-missing-function" $d/target $d/build.log || { echo "use build failed $A $B"; return 1; }
  mm=$(grep -c "hash mismatch" $d/build.log); miss=$(grep -c "no profile data available" $d/build.log)
  echo "$A -> $B: mismatched=$mm missing=$miss" | tee -a $OUT/table.txt
  rm -rf $d/target/$TRIPLE/release/deps $d/target/release
}
for A in ${TRAIN:-release production}; do train $A; done
for A in ${TRAIN:-release production}; do for B in ${USE:-release production production+lto=thin production+cpu-v3 production+opt-level=2 release+cpu-v3 balanced}; do use $A $B; done; done

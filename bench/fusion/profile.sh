#!/usr/bin/env bash
# bench/fusion/profile.sh -- the profile the fused runs are chosen from.
#
#   bench/fusion/profile.sh BUILD_DIR OUT_DIR
#
# Builds a counting engine (switch dispatch, -DHIVE_PROFILE_RUNS) into
# BUILD_DIR/profile-runs, runs each training program (BUILD_DIR/corpus/*.wasm,
# from `make corpus-build`, at its default size) and each benchmark program
# (BUILD_DIR/bench/*.wasm, from `make bench-build`, at its quick size) with
# --no-fusion, and writes OUT_DIR/PROGRAM.prof: every compiled instruction
# ("s FUNC CELL OP") and how often each was dispatched ("d CELL COUNT").
# bench/fusion/select.py reads them; the runs are chosen on the corpus
# only, and the benchmark programs' profiles measure how well they carry
# over.
set -euo pipefail
build=${1:?usage: profile.sh BUILD_DIR OUT_DIR}
out=${2:?usage: profile.sh BUILD_DIR OUT_DIR}
here=$(cd "$(dirname "$0")/../.." && pwd)
pbuild=$build/profile-runs
make -C "$here" --no-print-directory BUILD="$pbuild" HARDEN=0 \
    CFLAGS="-O2 -g -DHIVE_PROFILE_RUNS -DHIVE_NO_COMPUTED_GOTO" "$pbuild/hive" >/dev/null
mkdir -p "$out"
profile() { # NAME WASM ARGS...
    local name=$1 wasm=$2
    shift 2
    rm -f "$out/$name.prof"
    HIVE_PROFILE_RUNS="$out/$name.prof" "$pbuild/hive" run --no-fusion "$wasm" "$@" >/dev/null
    echo "profile.sh: $out/$name.prof ($(grep -c '^d ' "$out/$name.prof") instructions run)"
}
for w in "$build"/corpus/*.wasm; do
    profile "$(basename "$w" .wasm)" "$w"
done
# The quick sizes of bench/run.sh.
for p in "fib 24" "sieve 200000 1" "sha256 1" "matmul 60 1" "intmix 20" "strmem 1"; do
    set -- $p
    name=$1
    shift
    profile "$name" "$build/bench/$name.wasm" "$@"
done

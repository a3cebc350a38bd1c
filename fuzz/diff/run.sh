#!/bin/sh
# fuzz/diff/run.sh -- differential execution: hive against binaryen's
# interpreter on random valid modules (docs/FUZZING.md).
#   fuzz/diff/run.sh HIVE_FUZZ_EXEC WORKDIR [COUNT] [SECONDS]
# Makes up to COUNT modules (default 100) from random bytes with
# `wasm-opt -ttf`, restricted to the features hive implements, stopping
# early after SECONDS (default: no limit). Each module's exports run in
# binaryen (`--fuzz-exec-before`) and in hive (HIVE_FUZZ_EXEC), and every
# logged value, result and trap is compared. A mismatch is run again on
# the module with `wasm-opt --denan` (NaNs turned into 0 at run time): if
# that agrees, the difference was a NaN bit pattern, which wasm leaves
# nondeterministic, and is only counted. Real mismatches are kept in
# WORKDIR/mismatch-*/ with the random bytes, module and both outputs.
# Exit status 1 when a real mismatch or a hive crash was found.
set -u
exe=$1
work=$2
count=${3:-100}
seconds=${4:-0}
mkdir -p "$work"
# MVP + the 2.0 features hive supports. No SIMD (binaryen 108 is not
# needed for it yet), threads, GC, exceptions, tail calls, multi-memory,
# and no reference types: binaryen 108 emits its pre-standard anyref
# (type 0x6e), which is not wasm 2.0.
FEATURES="--mvp-features --enable-sign-ext --enable-mutable-globals \
--enable-nontrapping-float-to-int --enable-bulk-memory --enable-multivalue"
start=$(date +%s)
n=0 same=0 nan=0 bad=0 crash=0 inconclusive=0 skipped=0
while [ "$n" -lt "$count" ]; do
    if [ "$seconds" -gt 0 ] && [ $(($(date +%s) - start)) -ge "$seconds" ]; then break; fi
    n=$((n + 1))
    # 1..64 KiB of random bytes; more bytes make bigger modules
    size=$(( ($(od -An -N2 -tu2 /dev/urandom) % 65536) + 1024 ))
    head -c "$size" /dev/urandom >"$work/r.bin"
    if ! wasm-opt "$work/r.bin" -ttf $FEATURES -o "$work/m.wasm" 2>/dev/null; then
        skipped=$((skipped + 1)); continue
    fi
    timeout 60 wasm-opt "$work/m.wasm" $FEATURES --fuzz-exec-before -q >"$work/b.txt" 2>/dev/null
    if [ $? -ne 0 ]; then skipped=$((skipped + 1)); continue; fi
    timeout 60 "$exe" "$work/m.wasm" >"$work/h.txt" 2>"$work/h.err"
    rc=$?
    if [ $rc -ge 124 ]; then
        crash=$((crash + 1))
        d="$work/crash-$n"; mkdir -p "$d"
        cp "$work/r.bin" "$work/m.wasm" "$work/b.txt" "$work/h.txt" "$work/h.err" "$d/"
        echo "hive crashed or hung (status $rc) on $d/m.wasm" >&2
        continue
    fi
    if "$exe" --compare "$work/b.txt" "$work/h.txt" >"$work/c.txt"; then
        if grep -q '^inconclusive' "$work/c.txt"; then inconclusive=$((inconclusive + 1)); else same=$((same + 1)); fi
        continue
    fi
    wasm-opt "$work/m.wasm" $FEATURES --denan -o "$work/d.wasm" 2>/dev/null
    timeout 60 wasm-opt "$work/d.wasm" $FEATURES --fuzz-exec-before -q >"$work/db.txt" 2>/dev/null
    timeout 60 "$exe" "$work/d.wasm" >"$work/dh.txt" 2>&1
    if "$exe" --compare "$work/db.txt" "$work/dh.txt" >/dev/null; then
        nan=$((nan + 1))
        continue
    fi
    bad=$((bad + 1))
    d="$work/mismatch-$n"; mkdir -p "$d"
    cp "$work/r.bin" "$work/m.wasm" "$work/b.txt" "$work/h.txt" "$work/c.txt" "$d/"
    echo "MISMATCH ($d):" >&2
    cat "$work/c.txt" >&2
done
echo "diff: $n modules in $(($(date +%s) - start)) s: $same same, $nan differed only in NaN bits," \
    "$inconclusive inconclusive (binaryen limit), $skipped skipped, $bad mismatches, $crash hive crashes"
[ $bad -eq 0 ] && [ $crash -eq 0 ]

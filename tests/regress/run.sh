#!/bin/sh
# tests/regress/run.sh -- replays the differential-fuzzing regressions.
#   tests/regress/run.sh HIVE_FUZZ_EXEC
# Each tests/regress/NAME.wasm is run by hive-fuzz-exec and its output is
# compared with NAME.expected (binaryen's `--fuzz-exec-before` output for
# the module, taken when the case was added) by `hive-fuzz-exec --compare`,
# which compares values numerically and traps by presence. Add a case with
#   wasm-opt NAME.wasm --fuzz-exec-before -q > NAME.expected
# (with the feature flags of fuzz/diff/run.sh), after checking against the
# spec that binaryen is right.
set -u
exe=$1
dir=$(dirname "$0")
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
pass=0 fail=0
for m in "$dir"/*.wasm; do
    [ -e "$m" ] || continue
    name=${m%.wasm}
    "$exe" "$m" >"$tmp" 2>&1
    if "$exe" --compare "$name.expected" "$tmp" >"$tmp.cmp" 2>&1; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $m:" >&2
        cat "$tmp.cmp" >&2
    fi
    rm -f "$tmp.cmp"
done
echo "regress: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

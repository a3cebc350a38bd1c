#!/usr/bin/env bash
# run.sh -- `make check` for a newcomer who clones the repository alone,
# with no ../shared beside it: the suites kept outside are named as
# skipped, with how to provide them, and the rest still runs and fails on
# a real failure.
#
# Usage: tests/clone/run.sh
# Copies the repository's files (those git tracks, with their working
# contents, and new files not ignored: what the next commit would hold;
# outside git, every file but build/) into DIR/a/hive under a new temporary DIR, so that neither ../shared,
# ../../shared nor ../wasm-spec-testsuite exists, and there checks:
#   - `make suites` prints one SKIPPED line for each of SPEC_DIR,
#     WASI_TESTSUITE_DIR and COMPONENT_TEST_DIR, naming that variable;
#   - `make spec` and `make spec-interp` exit 0 with their SKIPPED line,
#     without building the spec runner;
#   - `make spec SPEC_DIR=missing` and `make spec SPEC_DIR=empty-dir` fail.
# Only cheap targets: the whole `make check` there takes many minutes.
set -u
HERE=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hive-clone.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
CLONE=$TMP/a/hive
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() {
    failed=$((failed + 1))
    echo "  FAIL: $1"
    [ -n "${2:-}" ] && sed 's/^/    | /' "$2" | tail -n 8
}

mkdir -p "$CLONE"
if git -C "$HERE" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$HERE" && git ls-files -z --cached --others --exclude-standard |
        tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$CLONE"
else
    # A tree without git (an unpacked archive): everything but the build.
    (cd "$HERE" && tar --exclude=./build --exclude=./.git -cf - .) | tar -xf - -C "$CLONE"
fi
# The node packages of tools/ are installed, not tracked: the copy uses this
# tree's (as a newcomer's clone has them after scripts/install-deps.sh).
[ -d "$HERE/tools/node_modules" ] && ln -s "$HERE/tools/node_modules" "$CLONE/tools/node_modules"
[ -f "$CLONE/Makefile" ] && [ -f "$CLONE/tests/spec/run.sh" ] ||
    { echo "clone: cannot copy the repository into $CLONE" >&2; exit 2; }
for d in "$TMP/a/shared" "$TMP/shared" "$TMP/a/wasm-spec-testsuite"; do
    [ -e "$d" ] && { echo "clone: $d exists; cannot test a clone alone" >&2; exit 2; }
done
# SPEC_DIR and the others may be set by whoever runs this: not for the clone.
unset SPEC_DIR WASI_TESTSUITE_DIR COMPONENT_TEST_DIR MAKEFLAGS MAKELEVEL
m() { make --no-print-directory -C "$CLONE" "$@"; }

m suites >"$TMP/suites.txt" 2>&1
rc=$?
[ $rc -eq 0 ] && ok || bad "make suites: exit $rc" "$TMP/suites.txt"
for v in SPEC_DIR WASI_TESTSUITE_DIR COMPONENT_TEST_DIR; do
    n=$(grep -c "SKIPPED.*set $v=DIR" "$TMP/suites.txt")
    [ "$n" -eq 1 ] && ok || bad "make suites: $n SKIPPED line(s) naming $v=, want 1" "$TMP/suites.txt"
done

for t in spec spec-interp; do
    m $t >"$TMP/$t.txt" 2>&1
    rc=$?
    if [ $rc -eq 0 ] && [ "$(grep -c '^spec: SKIPPED.*SPEC_DIR=' "$TMP/$t.txt")" -eq 1 ]; then ok
    else bad "make $t: exit $rc, want 0 and one 'spec: SKIPPED ... SPEC_DIR=' line" "$TMP/$t.txt"; fi
done
[ ! -e "$CLONE/build/tests/spec_runner" ] && ok || bad "make spec built the spec runner with no suite to run"

# A suite given but not there, or empty, is a failure, not a skip.
m spec SPEC_DIR="$TMP/missing" >"$TMP/missing.txt" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q "not found" "$TMP/missing.txt" && ok ||
    bad "make spec SPEC_DIR=missing: exit $rc, want a failure" "$TMP/missing.txt"
mkdir -p "$TMP/empty"
m spec SPEC_DIR="$TMP/empty" >"$TMP/empty.txt" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q "no .wast files" "$TMP/empty.txt" && ok ||
    bad "make spec SPEC_DIR=empty: exit $rc, want a failure" "$TMP/empty.txt"

echo "clone: $passed passed, $failed failed (a copy without ../shared: suites named, spec skipped, bad SPEC_DIR fails)"
[ "$failed" -eq 0 ]

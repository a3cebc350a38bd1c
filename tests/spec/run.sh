#!/usr/bin/env bash
# run.sh -- runs the WebAssembly spec suite with the spec runner.
#
# Usage: tests/spec/run.sh RUNNER SPECDIR OUTDIR KNOWN
#   RUNNER   the spec_runner binary
#   SPECDIR  directory of the suite's *.wast files (and BASELINE.tsv)
#   OUTDIR   work directory: OUTDIR/NAME/ holds NAME.json and its modules
#            (converted by wast2json when missing or older than the .wast)
#            plus the runner's output (result.txt, stderr.txt)
#   KNOWN    known failures, one "file.wast:LINE" per line, # comments;
#            "file.wast:CRASH" / "file.wast:TIMEOUT" / "file.wast:CONVERT"
#            stand for a whole file whose run crashed, hung or whose
#            conversion failed
# Environment:
#   SPEC_FILES  space-separated names to run instead of every file, e.g. SPEC_FILES="i32 f32" (".wast" optional)
#   SPEC_TIMEOUT  seconds per file (default 120)
#   WAST2JSON_FLAGS  extra wast2json options (e.g. --enable-extended-const)
#   SPEC_RUNNER_FLAGS  extra spec_runner options (e.g. -3: multi-memory and exception tags)
#   HIVE_TIER   default 0 here: every function gets its inline copies as it
#               is compiled, so that the suites run them (their functions
#               would rarely get hot enough: docs/ARCHITECTURE.md, "Inline
#               copies: when"); HIVE_NO_INLINE=1 runs the handlers instead
#
# Prints "  file.wast: P passed, F failed, S skipped" per file and a last
# line "spec: N passed, N failed, N skipped". With SPECDIR empty (no suite
# found), prints one "spec: SKIPPED" line saying how to provide one and
# exits 0. Exits 1 when a failure is not
# in KNOWN or when a command listed in KNOWN now passes (so the list only
# shrinks), 2 on usage errors, else 0. Listed failures still count as
# failed in the totals.
set -u
export HIVE_TIER="${HIVE_TIER:-0}"

die() {
    echo "run.sh: $*" >&2
    exit 2
}

[ $# -eq 4 ] || die "usage: run.sh RUNNER SPECDIR OUTDIR KNOWN"
RUNNER=$1
SPECDIR=$2
OUTDIR=$3
KNOWN=$4
TIMEOUT=${SPEC_TIMEOUT:-120}

# No suite given (none beside this clone, SPEC_DIR unset): skipped, said in
# one line. A directory given that is not there is an error.
if [ -z "$SPECDIR" ]; then
    echo "spec: SKIPPED: no spec suite here; to run it, set SPEC_DIR=DIR (the .wast files of github.com/WebAssembly/testsuite; ../shared/wasm-spec-testsuite in CI)"
    exit 0
fi
if [ ! -d "$SPECDIR" ]; then
    die "spec suite directory '$SPECDIR' not found (set SPEC_DIR=...; see docs/TESTING.md)"
fi
[ -f "$KNOWN" ] || die "known-failures list '$KNOWN' not found"
command -v wast2json >/dev/null 2>&1 || die "wast2json not found (Debian package wabt)"
command -v timeout >/dev/null 2>&1 || die "timeout not found (coreutils)"

# The files to run.
files=()
if [ -n "${SPEC_FILES:-}" ]; then
    for name in $SPEC_FILES; do
        name=${name%.wast}
        [ -f "$SPECDIR/$name.wast" ] || die "no such spec file: $SPECDIR/$name.wast"
        files+=("$SPECDIR/$name.wast")
    done
else
    for f in "$SPECDIR"/*.wast; do
        [ -f "$f" ] && files+=("$f")
    done
fi
[ ${#files[@]} -gt 0 ] || die "no .wast files in $SPECDIR"
[ -x "$RUNNER" ] || die "runner '$RUNNER' is not an executable file"

mkdir -p "$OUTDIR" || die "cannot create $OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
actual="$OUTDIR/failures.txt"     # every failure key of this run
checked="$OUTDIR/checked.txt"     # "file.wast STATE", STATE ok or aborted
reasons="$OUTDIR/reasons.txt"     # FAIL lines, for reporting
: >"$actual"
: >"$checked"
: >"$reasons"

baseline="$SPECDIR/BASELINE.tsv"
total_p=0
total_f=0
total_s=0
mismatch=""

# count_commands JSON: the number of counted commands, from a dry run.
count_commands() {
    local line _ _p _f n
    line=$("$RUNNER" -n "$1" 2>/dev/null | grep '^RESULT ' | tail -n 1)
    read -r _ _p _f n <<<"$line"
    echo "${n:-0}"
}

for wast in "${files[@]}"; do
    name=$(basename "$wast" .wast)
    file="$name.wast"
    dir="$OUTDIR/$name"
    json="$dir/$name.json"

    # Convert when missing or stale.
    if [ ! -f "$json" ] || [ "$json" -ot "$wast" ]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        absw=$(cd "$(dirname "$wast")" && pwd)/$(basename "$wast")
        if ! (cd "$dir" && wast2json ${WAST2JSON_FLAGS:-} "$absw" -o "$name.json") >"$dir/wast2json.txt" 2>&1; then
            rm -f "$json"
            echo "  $file: 0 passed, 1 failed, 0 skipped"
            echo "    wast2json failed:"
            sed 's/^/      /' "$dir/wast2json.txt" | head -n 5
            echo "$file:CONVERT" >>"$actual"
            echo "$file aborted" >>"$checked"
            total_f=$((total_f + 1))
            continue
        fi
    fi

    timeout -k 10 "$TIMEOUT" "$RUNNER" ${SPEC_RUNNER_FLAGS:-} "$json" >"$dir/result.txt" 2>"$dir/stderr.txt"
    rc=$?
    result=$(grep '^RESULT ' "$dir/result.txt" | tail -n 1)

    if [ $rc -eq 124 ] || [ $rc -eq 137 ] || [ -z "$result" ] || { [ $rc -ne 0 ] && [ $rc -ne 1 ]; }; then
        # The runner did not finish normally: the whole file counts as
        # failed, under one key.
        if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
            key="$file:TIMEOUT"
            why="timed out after ${TIMEOUT}s"
        elif [ -n "$result" ]; then
            key="$file:CRASH"
            why="runner finished but exited with status $rc (sanitizer or leak report?)"
        else
            key="$file:CRASH"
            if [ $rc -gt 128 ]; then
                why="runner crashed (signal $((rc - 128)))"
            else
                why="runner crashed (exit status $rc)"
            fi
        fi
        n=$(count_commands "$json")
        [ "$n" -gt 0 ] || n=1
        echo "  $file: 0 passed, $n failed, 0 skipped"
        echo "    $why; see $dir/result.txt and stderr.txt"
        last=$(grep '^FAIL ' "$dir/result.txt" | tail -n 1)
        [ -n "$last" ] && echo "    last failure before that: $last"
        tail -n 5 "$dir/stderr.txt" | sed 's/^/      /'
        echo "$key" >>"$actual"
        echo "FAIL $key: $why" >>"$reasons"
        echo "$file aborted" >>"$checked"
        total_f=$((total_f + n))
        continue
    fi

    read -r _ p f s <<<"$result"
    echo "  $file: $p passed, $f failed, $s skipped"
    total_p=$((total_p + p))
    total_f=$((total_f + f))
    total_s=$((total_s + s))
    grep '^FAILED ' "$dir/result.txt" | cut -d' ' -f2- >>"$actual"
    grep '^FAIL ' "$dir/result.txt" >>"$reasons"
    echo "$file ok" >>"$checked"

    # Coverage check against the reference run's command count.
    if [ -f "$baseline" ]; then
        want=$(awk -F'\t' -v f="$file" '$1 == f { split($3, a, "/"); print a[2] }' "$baseline")
        if [ -n "$want" ] && [ "$want" -ne $((p + f + s)) ]; then
            mismatch="$mismatch $file($((p + f + s))/$want)"
        fi
    fi
done

# Compare with the known list. Entries of files not run are ignored; for a
# file whose run aborted only its CRASH/TIMEOUT/CONVERT key is compared.
sort -u "$actual" -o "$actual"
known_sorted="$OUTDIR/known.txt"
sed -e 's/#.*//' -e 's/[[:space:]]//g' "$KNOWN" | grep -v '^$' | sort -u >"$known_sorted"
unexpected="$OUTDIR/unexpected.txt"
comm -23 "$actual" "$known_sorted" >"$unexpected"
fixed="$OUTDIR/fixed.txt"
comm -13 "$actual" "$known_sorted" | awk -v checked="$checked" '
    BEGIN { while ((getline l < checked) > 0) { split(l, a, " "); state[a[1]] = a[2] } }
    {
        i = index($0, ":"); f = substr($0, 1, i - 1); what = substr($0, i + 1)
        if (!(f in state)) next
        if (state[f] == "aborted" && what ~ /^[0-9]+$/) next
        print
    }' >"$fixed"

status=0
if [ -n "$mismatch" ]; then
    echo "note: command counts differ from $baseline (got/expected):$mismatch"
fi
if [ -s "$unexpected" ]; then
    status=1
    n=$(wc -l <"$unexpected")
    echo "$n failure(s) not in $KNOWN:"
    # Show the reasons of the first ones.
    head -n 50 "$unexpected" | while read -r key; do
        line=$(grep -F -m 1 "FAIL $key:" "$reasons")
        echo "  ${line:-FAIL $key}"
    done
    [ "$n" -gt 50 ] && echo "  ... and $((n - 50)) more (all in $unexpected)"
fi
if [ -s "$fixed" ]; then
    status=1
    echo "$(wc -l <"$fixed") known failure(s) now pass; remove them from $KNOWN:"
    sed 's/^/  /' "$fixed"
fi
echo "spec: $total_p passed, $total_f failed, $total_s skipped"
exit $status

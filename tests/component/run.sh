#!/usr/bin/env bash
# run.sh -- runs component-model .wast scripts through hive.
#
# Usage: tests/component/run.sh FILE.wast...
#
# Each file is converted by tests/component/wast2json.mjs (when its output
# is missing or older than the .wast or the converter) and run by the
# component runner. A file is named by its directory and name, e.g.
# "values/strings.wast"; that name is the key of its failures,
# "values/strings.wast:LINE".
#
# Environment:
#   CSPEC_RUNNER   the runner binary (default build/tests/component_runner)
#   CSPEC_OUT      work directory (default build/component-spec): OUT/DIR/NAME/
#                  holds NAME.json, the components, result.txt, stderr.txt
#   CSPEC_KNOWN    known failures (default tests/component/known-failures.txt)
#   CSPEC_NYI      list of files to skip (default: nyi.txt beside the files'
#                  directories, as in the component-model repository)
#   CSPEC_TIMEOUT  seconds per file (default 120)
#
# Prints "  FILE: P passed, F failed, S skipped" per file and a last line
# "component-spec: N passed, N failed, N skipped". The files of the nyi list
# are skipped (all their commands count as skipped). Exits 1 when a failure
# is not in the known list or when a listed failure now passes (the list
# only shrinks), 2 on usage errors, else 0.
#
# Known-failures entries (each with a reason after '#'):
#   DIR/NAME.wast:LINE     one command
#   DIR/NAME.wast:*        any failures of the file (listed as passing, and
#                          so an error, once the file has none)
#   DIR/NAME.wast:CRASH | :TIMEOUT | :CONVERT   the whole file's run
set -u

die() {
    echo "run.sh: $*" >&2
    exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
RUNNER=${CSPEC_RUNNER:-$root/build/tests/component_runner}
OUT=${CSPEC_OUT:-$root/build/component-spec}
KNOWN=${CSPEC_KNOWN:-$here/known-failures.txt}
TIMEOUT=${CSPEC_TIMEOUT:-120}
CONVERTER=$here/wast2json.mjs

[ $# -gt 0 ] || die "usage: run.sh FILE.wast..."
[ -x "$RUNNER" ] || die "runner '$RUNNER' is not an executable file (make $(basename "$RUNNER"))"
[ -f "$KNOWN" ] || die "known-failures list '$KNOWN' not found"
command -v node >/dev/null 2>&1 || die "node not found (scripts/install-deps.sh test installs it)"
command -v timeout >/dev/null 2>&1 || die "timeout not found (coreutils)"

# Every entry needs a reason.
bad=$(grep -v '^[[:space:]]*#' "$KNOWN" | grep -v '^[[:space:]]*$' | grep -v '#' || true)
[ -z "$bad" ] || die "entries of $KNOWN without a '# reason': $bad"

mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)

keys=()
wasts=()
for f in "$@"; do
    [ -f "$f" ] || die "no such file: $f"
    abs=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
    wasts+=("$abs")
    keys+=("$(basename "$(dirname "$abs")")/$(basename "$abs")")
done

# The nyi list: "./DIR/NAME.wast" lines.
nyi_file=${CSPEC_NYI:-$(dirname "$(dirname "${wasts[0]}")")/nyi.txt}
nyi=""
if [ -f "$nyi_file" ]; then
    nyi=$(sed -e 's/#.*//' -e 's|^\./||' -e 's/[[:space:]]//g' "$nyi_file" | grep -v '^$' || true)
fi
is_nyi() { printf '%s\n' "$nyi" | grep -qxF "$1"; }

# Convert the stale files in one node process.
stale=()
for i in "${!wasts[@]}"; do
    key=${keys[$i]}
    dir="$OUT/${key%.wast}"
    json="$dir/$(basename "$key" .wast).json"
    if [ ! -f "$json" ] || [ "$json" -ot "${wasts[$i]}" ] || [ "$json" -ot "$CONVERTER" ]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        stale+=("${wasts[$i]}")
    fi
done
if [ ${#stale[@]} -gt 0 ]; then
    node "$CONVERTER" -O "$OUT" "${stale[@]}" >"$OUT/convert.txt" 2>&1
fi

actual="$OUT/failures.txt"  # every failure key of this run
checked="$OUT/checked.txt"  # "KEY STATE": ok, aborted or skipped
reasons="$OUT/reasons.txt"
: >"$actual"
: >"$checked"
: >"$reasons"
total_p=0
total_f=0
total_s=0

count_commands() {
    local line
    line=$("$RUNNER" -n "$1" 2>/dev/null | grep '^COUNT ')
    echo "${line#COUNT }" | grep -x '[0-9][0-9]*' || echo 1
}

for i in "${!wasts[@]}"; do
    key=${keys[$i]}
    name=$(basename "$key" .wast)
    dir="$OUT/${key%.wast}"
    json="$dir/$name.json"

    if [ ! -f "$json" ]; then
        echo "  $key: 0 passed, 1 failed, 0 skipped"
        echo "    conversion failed:"
        grep -F "$(basename "$key")" "$OUT/convert.txt" | head -n 5 | sed 's/^/      /'
        echo "$key:CONVERT" >>"$actual"
        echo "FAIL $key:CONVERT: conversion failed" >>"$reasons"
        echo "$key aborted" >>"$checked"
        total_f=$((total_f + 1))
        continue
    fi
    if is_nyi "$key"; then
        n=$(count_commands "$json")
        echo "  $key: 0 passed, 0 failed, $n skipped (listed in $(basename "$nyi_file"))"
        echo "$key skipped" >>"$checked"
        total_s=$((total_s + n))
        continue
    fi

    timeout -k 10 "$TIMEOUT" "$RUNNER" -k "$key" "$json" >"$dir/result.txt" 2>"$dir/stderr.txt"
    rc=$?
    result=$(grep '^RESULT ' "$dir/result.txt" | tail -n 1)
    if [ $rc -eq 124 ] || [ $rc -eq 137 ] || [ -z "$result" ] || { [ $rc -ne 0 ] && [ $rc -ne 1 ]; }; then
        if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
            k="$key:TIMEOUT"
            why="timed out after ${TIMEOUT}s"
        else
            k="$key:CRASH"
            if [ -n "$result" ]; then
                why="runner finished but exited with status $rc (sanitizer report?)"
            elif [ $rc -gt 128 ]; then
                why="runner crashed (signal $((rc - 128)))"
            else
                why="runner failed (exit status $rc)"
            fi
        fi
        n=$(count_commands "$json")
        echo "  $key: 0 passed, $n failed, 0 skipped"
        echo "    $why; see $dir/result.txt and stderr.txt"
        last=$(grep '^FAIL ' "$dir/result.txt" | tail -n 1)
        [ -n "$last" ] && echo "    last failure before that: $last"
        tail -n 5 "$dir/stderr.txt" | sed 's/^/      /'
        echo "$k" >>"$actual"
        echo "FAIL $k: $why" >>"$reasons"
        echo "$key aborted" >>"$checked"
        total_f=$((total_f + n))
        continue
    fi
    read -r _ p f s <<<"$result"
    echo "  $key: $p passed, $f failed, $s skipped"
    total_p=$((total_p + p))
    total_f=$((total_f + f))
    total_s=$((total_s + s))
    grep '^FAILED ' "$dir/result.txt" | cut -d' ' -f2- >>"$actual"
    grep '^FAIL ' "$dir/result.txt" >>"$reasons"
    echo "$key ok" >>"$checked"
done

# Compare with the known list.
sort -u "$actual" -o "$actual"
known_sorted="$OUT/known.txt"
sed -e 's/#.*//' -e 's/[[:space:]]//g' "$KNOWN" | grep -v '^$' | sort -u >"$known_sorted"
# Failures not covered by an exact entry nor by a FILE:* entry.
unexpected="$OUT/unexpected.txt"
awk -v known="$known_sorted" '
    BEGIN { while ((getline l < known) > 0) k[l] = 1 }
    {
        i = index($0, ":"); f = substr($0, 1, i - 1)
        if (!($0 in k) && !((f ":*") in k)) print
    }' "$actual" >"$unexpected"
# Entries that no longer fail, for the files that ran.
fixed="$OUT/fixed.txt"
awk -v checked="$checked" -v actual="$actual" '
    BEGIN {
        while ((getline l < checked) > 0) { split(l, a, " "); state[a[1]] = a[2] }
        while ((getline l < actual) > 0) {
            fail[l] = 1; i = index(l, ":"); anyfail[substr(l, 1, i - 1)] = 1
        }
    }
    {
        i = index($0, ":"); f = substr($0, 1, i - 1); what = substr($0, i + 1)
        if (!(f in state) || state[f] == "skipped") next
        if (state[f] == "aborted" && what !~ /^(CRASH|TIMEOUT|CONVERT)$/) next
        if (what == "*") { if (!(f in anyfail)) print; next }
        if (!($0 in fail)) print
    }' "$known_sorted" >"$fixed"

status=0
if [ -s "$unexpected" ]; then
    status=1
    n=$(wc -l <"$unexpected")
    echo "$n failure(s) not in $KNOWN:"
    head -n 50 "$unexpected" | while read -r k; do
        line=$(grep -F -m 1 "FAIL $k:" "$reasons")
        echo "  ${line:-FAIL $k}"
    done
    [ "$n" -gt 50 ] && echo "  ... and $((n - 50)) more (all in $unexpected)"
fi
if [ -s "$fixed" ]; then
    status=1
    echo "$(wc -l <"$fixed") known failure(s) now pass; remove them from $KNOWN:"
    sed 's/^/  /' "$fixed"
fi
echo "component-spec: $total_p passed, $total_f failed, $total_s skipped"
exit $status

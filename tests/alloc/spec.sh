#!/usr/bin/env bash
# spec.sh -- converts the spec suite with wast2json and runs spec_walk on it.
#
# Usage: tests/alloc/spec.sh WALKER SPECDIR OUTDIR
#   OUTDIR/NAME/ holds NAME.json and its modules, converted when missing or
#   older than the .wast (a build directory; never committed).
# Environment: SPEC_FILES="i32 f32" walks only those files.
set -u
[ $# -eq 3 ] || { echo "usage: spec.sh WALKER SPECDIR OUTDIR" >&2; exit 2; }
WALKER=$1
SPECDIR=$2
OUTDIR=$3
if [ -z "$SPECDIR" ]; then
    echo "alloc-walk: SKIPPED the spec suite's modules: no spec suite here (set SPEC_DIR=DIR)"
    exit 0
fi
if [ ! -d "$SPECDIR" ]; then
    echo "spec.sh: spec suite directory '$SPECDIR' not found (set SPEC_DIR=...)" >&2
    exit 2
fi
command -v wast2json >/dev/null 2>&1 || { echo "spec.sh: wast2json not found (Debian package wabt)" >&2; exit 2; }

files=()
if [ -n "${SPEC_FILES:-}" ]; then
    for name in $SPEC_FILES; do files+=("$SPECDIR/${name%.wast}.wast"); done
else
    for f in "$SPECDIR"/*.wast; do [ -f "$f" ] && files+=("$f"); done
fi
[ ${#files[@]} -gt 0 ] || { echo "spec.sh: no .wast files in $SPECDIR" >&2; exit 2; }

mkdir -p "$OUTDIR" || exit 2
jsons=()
for wast in "${files[@]}"; do
    name=$(basename "$wast" .wast)
    dir="$OUTDIR/$name"
    json="$dir/$name.json"
    if [ ! -f "$json" ] || [ "$json" -ot "$wast" ]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        absw=$(cd "$(dirname "$wast")" && pwd)/$(basename "$wast")
        if ! (cd "$dir" && wast2json "$absw" -o "$name.json") >"$dir/wast2json.txt" 2>&1; then
            rm -f "$json"
            echo "spec.sh: wast2json failed on $wast:" >&2
            head -n 5 "$dir/wast2json.txt" >&2
            exit 1
        fi
    fi
    jsons+=("$json")
done
exec "$WALKER" "${jsons[@]}"

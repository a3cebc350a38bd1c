#!/bin/bash
# scripts/engine-graph.sh BUILD -- the engine's file graph, from its
# objects' symbols: which file of src/wasm/ uses (calls, or reads data
# of) which other (docs/ARCHITECTURE.md, "The engine's phases"). Prints
# it, then fails if an edge the phases forbid is there: decode.c, emit.c
# use no other engine file; validate.c only decode.c, emit.c and
# constexpr.c (nothing of compilation, inline copies or the interpreter).
set -euo pipefail
BUILD=${1:-build}
dir=$BUILD/src/wasm
ls "$dir"/*.o >/dev/null 2>&1 || { echo "engine-graph: no objects in $dir (make first)" >&2; exit 2; }
# symbol -> defining file
declare -A def
for o in "$dir"/*.o; do
    f=$(basename "$o" .o)
    while read -r sym; do def[$sym]=$f; done < <(nm --defined-only -g "$o" | awk '$2 ~ /[TDBR]/ {print $3}')
done
declare -A edge
for o in "$dir"/*.o; do
    f=$(basename "$o" .o)
    while read -r sym; do
        g=${def[$sym]:-}
        [ -n "$g" ] && [ "$g" != "$f" ] && edge[$f]="${edge[$f]:-} $g"
    done < <(nm -u "$o" | awk '{print $2}')
done
bad=0
for f in $(printf '%s\n' "${!edge[@]}" | sort); do
    targets=$(printf '%s\n' ${edge[$f]} | sort -u | tr '\n' ' ')
    echo "engine-graph: $f -> $targets"
    case $f in
    decode | emit) allowed=" " ;;
    validate) allowed=" decode emit constexpr " ;;
    *) continue ;;
    esac
    for g in $targets; do
        case $allowed in *" $g "*) ;; *) echo "engine-graph: FORBIDDEN: $f -> $g" >&2; bad=1 ;; esac
    done
done
[ "$bad" = 0 ] && echo "engine-graph: the phases' edges hold"
exit $bad

#!/usr/bin/env bash
# bench/fusion/crossval.sh -- how well a way of choosing runs carries over.
#
#   bench/fusion/crossval.sh PROFILE_DIR MAX_LEN RUNS MIN_PROGRAMS
#
# Three folds over the first twelve corpus programs: for each, select.py
# chooses RUNS runs on the other eight (--max-len, --min-programs as
# given) and the fraction of the four held-out programs' dispatches they
# save is read from its report. Prints each held-out program's fraction
# and their mean. PROFILE_DIR is profile.sh's output (`make
# fusion-profile` writes build/fusion-profile). The benchmark programs
# play no part. bench/fusion/README.md has the table this made.
set -euo pipefail
dir=${1:?usage: crossval.sh PROFILE_DIR MAX_LEN RUNS MIN_PROGRAMS}
k=${2:?} n=${3:?} m=${4:?}
here=$(cd "$(dirname "$0")" && pwd)
folds=("lz77 json sorts bignum" "nbody codec hashtab match" "stackvm pathfind sudoku fmtparse")
all="${folds[*]}"
sum=0
line=""
for f in "${folds[@]}"; do
    train=""
    for p in $all; do
        case " $f " in *" $p "*) ;; *) train="$train $p" ;; esac
    done
    report=$("$here/select.py" "$dir" "$n" --train "$train" --max-len "$k" --min-programs "$m")
    report=${report%%$'\n'*} # the first line: the fractions saved
    for p in $f; do
        v=$(echo "$report" | grep -o " $p [0-9.]*" | awk '{print $2}')
        line="$line $p=$v"
        sum=$(awk -v a="$sum" -v b="$v" 'BEGIN { print a + b }')
    done
done
echo "held out:$line"
awk -v s="$sum" -v k="$k" -v n="$n" -v m="$m" \
    'BEGIN { printf "max-len %s, %s runs, min-programs %s: mean held-out saved %.3f\n", k, n, m, s / 12 }'

#!/bin/sh
# fuzz/run.sh -- runs one libFuzzer target for a bounded time.
#   fuzz/run.sh BINARY TARGET SECONDS WORKDIR
# The working corpus is WORKDIR/corpus/TARGET (grown from the committed
# seeds in fuzz/corpus/TARGET, which are not written to); crashes land in
# WORKDIR/artifacts/TARGET/ and make the exit status nonzero. Copy a crash
# into fuzz/regress/TARGET/ once it is fixed: `make fuzz-regress` replays it.
set -u
bin=$1 target=$2 seconds=$3 work=$4
corpus=$work/corpus/$target
artifacts=$work/artifacts/$target
mkdir -p "$corpus" "$artifacts"
dict=""
case $target in
module|component) dict=-dict=fuzz/dict/wasm.dict ;;
http_parse) dict=-dict=fuzz/dict/http.dict ;;
cgi) dict=-dict=fuzz/dict/http.dict ;;
esac
log=$work/$target.log
echo "fuzz: $target for $seconds s (log $log)"
"$bin" $dict -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" "fuzz/corpus/$target" >"$log" 2>&1
rc=$?
grep -E "^#[0-9]+" "$log" | tail -1 | sed "s/^/  $target: last status: /"
grep -E "^Done|^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)" "$log" | sed "s/^/  $target: /"
if [ $rc -ne 0 ]; then
    echo "fuzz: $target FAILED (status $rc); the tail of $log:" >&2
    tail -40 "$log" >&2
    ls "$artifacts" >&2
fi
exit $rc

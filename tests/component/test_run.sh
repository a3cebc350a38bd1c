#!/usr/bin/env bash
# test_run.sh -- tests of tests/component/run.sh's bookkeeping (conversion,
# nyi skips, totals, the known-failures rules) with a scripted runner in
# place of the real one: it fails the commands whose line the .wast names
# in a "FAILS: N N" comment, and crashes on "CRASHES".
#   tests/component/test_run.sh   prints "component-run-sh: N passed, N failed"
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
check() { # NAME COND-EXIT-STATUS
    if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $1" >&2; fi
}

mkdir -p "$tmp/suite/x"
printf '(component)\n(component)\n(component)\n' >"$tmp/suite/x/ok.wast"
printf ';; FAILS: 2 3\n(component)\n(component)\n(component)\n' >"$tmp/suite/x/bad.wast"
printf '(component)\n(component)\n' >"$tmp/suite/x/skip.wast"
printf ';; CRASHES\n(component)\n' >"$tmp/suite/x/crash.wast"
printf '(component\n' >"$tmp/suite/x/broken.wast"
printf './x/skip.wast\n' >"$tmp/suite/nyi.txt"

# The scripted runner: reads the .wast beside the JSON's source_filename.
cat >"$tmp/runner" <<'EOR'
#!/usr/bin/env bash
key=""; count=0
while [ $# -gt 1 ]; do case $1 in -k) key=$2; shift 2 ;; -n) count=1; shift ;; *) shift ;; esac; done
json=$1
src=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).source_filename)' "$json")
lines=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).commands.map(c => c.line).join(" "))' "$json")
if [ $count = 1 ]; then set -- $lines; echo "COUNT $#"; exit 0; fi
grep -q CRASHES "$src" && kill -SEGV $$
fails=$(sed -n 's/.*FAILS: //p' "$src")
p=0; f=0
for l in $lines; do
    if printf '%s\n' $fails | grep -qx "$l"; then echo "FAIL $key:$l: scripted"; echo "FAILED $key:$l"; f=$((f + 1)); else p=$((p + 1)); fi
done
echo "RESULT $p $f 0"
[ $f -eq 0 ]
EOR
chmod +x "$tmp/runner"

run() { # KNOWN-CONTENT FILES... -> output in $tmp/out.txt, status in $st
    printf '%s\n' "# list" "$1" >"$tmp/known.txt"
    shift
    CSPEC_RUNNER="$tmp/runner" CSPEC_OUT="$tmp/out" CSPEC_KNOWN="$tmp/known.txt" \
        "$here/run.sh" "$@" >"$tmp/out.txt" 2>&1
    st=$?
}
S=$tmp/suite/x

run "" "$S/ok.wast" "$S/skip.wast"
check "clean run exits 0" $((st != 0))
grep -q '^  x/ok.wast: 3 passed, 0 failed, 0 skipped$' "$tmp/out.txt"; check "per-file line" $?
grep -q '^  x/skip.wast: 0 passed, 0 failed, 2 skipped' "$tmp/out.txt"; check "nyi file skipped" $?
grep -q '^component-spec: 3 passed, 0 failed, 2 skipped$' "$tmp/out.txt"; check "totals" $?

run "" "$S/bad.wast"
check "unknown failures exit 1" $((st != 1))
grep -q 'FAIL x/bad.wast:2: scripted' "$tmp/out.txt"; check "reason shown" $?
grep -q '^component-spec: 1 passed, 2 failed, 0 skipped$' "$tmp/out.txt"; check "failure totals" $?

run "x/bad.wast:2 # why
x/bad.wast:3 # why" "$S/bad.wast"
check "listed failures exit 0" $st

run "x/bad.wast:* # the whole file" "$S/bad.wast"
check "FILE:* covers a file" $st

run "x/bad.wast:2 # why" "$S/bad.wast"
check "a partly listed file exits 1" $((st != 1))
grep -q 'x/bad.wast:3' "$tmp/unexpected.txt" 2>/dev/null || grep -q '1 failure(s) not in' "$tmp/out.txt"; check "names the unlisted one" $?

run "x/bad.wast:2 # why
x/bad.wast:3 # why
x/ok.wast:1 # stale" "$S/bad.wast" "$S/ok.wast"
check "a listed command that passes exits 1" $((st != 1))
grep -A1 'now pass' "$tmp/out.txt" | grep -q 'x/ok.wast:1'; check "names the stale entry" $?

run "x/ok.wast:* # stale" "$S/ok.wast"
check "FILE:* of a passing file exits 1" $((st != 1))

run "x/ok.wast:1 # not run" "$S/bad.wast"
grep -q 'now pass' "$tmp/out.txt"; check "entries of files not run are ignored" $((! $?))

run "x/ok.wast:1" "$S/ok.wast"
check "an entry without a reason is refused" $((st != 2))

run "" "$S/crash.wast"
check "a crash exits 1" $((st != 1))
grep -q 'runner crashed (signal 11)' "$tmp/out.txt"; check "crash reason" $?
run "x/crash.wast:CRASH # known" "$S/crash.wast"
check "a listed crash exits 0" $st

run "" "$S/broken.wast"
check "a conversion failure exits 1" $((st != 1))
grep -q "x/broken.wast: 0 passed, 1 failed" "$tmp/out.txt"; check "conversion failure line" $?
run "x/broken.wast:CONVERT # known" "$S/broken.wast"
check "a listed conversion failure exits 0" $st

echo "component-run-sh: $passed passed, $failed failed"
[ $failed -eq 0 ]

#!/bin/bash
# tests/internal-names/run.sh -- scripts/internal-names.sh on small trees of
# its own (a git repository in a temporary directory, a libhive.a built from
# it): --check finds the unprefixed names, --apply renames them where they
# are the library's and refuses, changing nothing, where a rename would
# touch something else. Run by `make internal-names-test` (part of `make
# unit`).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "  ok: $1"; pass=$((pass + 1)); }
bad() { echo "  FAIL: $1" >&2; fail=$((fail + 1)); }

# A library: src/lib.c defines foo_run (a comment and a string name it),
# pre_one/pre_two through a pasting macro, hive_open (public) and
# hive_inner (internal: no public header names it); src/use.c calls them;
# bench/guest.c is a program of its own with a static foo_run.
base() {
    rm -rf "$tmp/t" && mkdir -p "$tmp/t/src" "$tmp/t/include/hive" "$tmp/t/scripts" "$tmp/t/bench" "$tmp/t/build" || exit 2
    cp "$root/scripts/internal-names.sh" "$tmp/t/scripts/"
    cat > "$tmp/t/include/hive/api.h" <<'EOF'
int hive_open(void);
EOF
    cat > "$tmp/t/src/lib.h" <<'EOF'
int foo_run(int x);
int pre_one(void);
int pre_two(void);
int hive_inner(void);
EOF
    cat > "$tmp/t/src/lib.c" <<'EOF'
#include "lib.h"
#define PRE(n, v) int pre_##n(void) { return v; }
PRE(one, 1)
PRE(two, 2)
/* foo_run doubles */
int foo_run(int x) { return 2 * x; }
int hive_inner(void) { return 3; }
const char *foo_name = "foo_run";
EOF
    cat > "$tmp/t/src/use.c" <<'EOF'
#include "../include/hive/api.h"
#include "lib.h"
int hive_open(void) { return foo_run(pre_one() + pre_two()) + hive_inner(); }
EOF
    cat > "$tmp/t/bench/guest.c" <<'EOF'
static int foo_run(int x) { return x; }
int guest(void) { return foo_run(1); }
EOF
    echo build/ > "$tmp/t/.gitignore"
    (cd "$tmp/t" && git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm base) || exit 2
}
lib() {
    (cd "$tmp/t" && rm -f build/*.o build/libhive.a &&
        for f in src/*.c; do $CC -std=gnu11 -c "$f" -o "build/$(basename "$f" .c).o" || exit 1; done &&
        ar rcs build/libhive.a build/*.o)
}
changed() { (cd "$tmp/t" && git status --short | grep -c .); }

base && lib || { echo "internal-names-test: cannot build the test library" >&2; exit 2; }
out=$("$tmp/t/scripts/internal-names.sh" --check "$tmp/t/build" 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'defines 5 global' && echo "$out" | grep -qw foo_run &&
    echo "$out" | grep -qw hive_inner && ! echo "$out" | grep -qw hive_open &&
    ok "--check: 5 names (foo_run, pre_one, pre_two, foo_name, hive_inner), not hive_open, exit 1" ||
    bad "--check on the unprefixed library: rc=$rc: $out"

out=$("$tmp/t/scripts/internal-names.sh" --apply "$tmp/t/build" 2>&1); rc=$?
t=$tmp/t
if [ $rc = 0 ] && grep -q 'int hv_foo_run(int x)' $t/src/lib.c && grep -q '/\* hv_foo_run doubles' $t/src/lib.c &&
    grep -q '"foo_run"' $t/src/lib.c && grep -q 'int hv_pre_##n' $t/src/lib.c && grep -q 'int hv_inner(void) {' $t/src/lib.c &&
    grep -q 'return hv_foo_run(hv_pre_one() + hv_pre_two()) + hv_inner();' $t/src/use.c &&
    grep -q 'hive_open' $t/src/use.c && grep -q 'static int foo_run' $t/bench/guest.c && grep -q 'return foo_run(1)' $t/bench/guest.c; then
    ok "--apply: code, comment, pasted stem and internal hive_ renamed; string, public name and a static of its own kept"
else
    bad "--apply on the clean tree: rc=$rc: $out"; (cd $t && git diff) >&2
fi
lib && "$t/scripts/internal-names.sh" --check "$t/build" >/dev/null 2>&1 &&
    ok "--check after --apply and a rebuild: clean" || bad "--check after --apply is not clean"
out=$("$t/scripts/internal-names.sh" --apply "$t/build" 2>&1)
[ $? = 0 ] && echo "$out" | grep -q 'nothing to rename' && ok "--apply again: nothing to rename" || bad "second --apply: $out"

# Each of these must be refused, with the tree unchanged but for the
# injected line.
refuse() {
    local what=$1 inject=$2 expect=$3 nchanged=${4:-1}
    base && lib || exit 2
    (cd "$tmp/t" && eval "$inject")
    out=$("$tmp/t/scripts/internal-names.sh" --apply "$tmp/t/build" 2>&1); rc=$?
    n=$(changed)
    [ $rc = 1 ] && [ "$n" = "$nchanged" ] && echo "$out" | grep -q -- "$expect" && ok "refuses: $what" ||
        bad "$what: rc=$rc, $n files changed: $out"
}
refuse "the new name exists" 'echo "static int hv_foo_run;" >> src/use.c' 'hv_foo_run already exists'
refuse "a struct member of the name" 'echo "struct s { int foo_run; };" >> src/use.c' 'foo_run is also a member'
refuse "a local of the name" 'echo "static int g(void) { int foo_run = 1; return foo_run; }" >> src/use.c' 'foo_run is also a local'
refuse "a member access" 'echo "static int h(struct q *p) { return p->foo_run; }" >> src/use.c' 'foo_run is also a struct member'
refuse "a name in a public header" 'echo "int pre_one(void);" >> include/hive/api.h' 'pre_one is in the public header'
refuse "a name no source makes" 'echo "int ghost_fn(void) { return 0; }" > build/g.c && $CC -c build/g.c -o build/g.o && ar r build/libhive.a build/g.o' \
    'ghost_fn is nowhere in the sources' 0
refuse "the new internal hive_ name exists" 'echo "static int hv_inner;" >> src/use.c' 'hv_inner already exists'

echo "internal-names-test: $pass passed, $fail failed"
[ $fail = 0 ]

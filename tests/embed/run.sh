#!/usr/bin/env bash
# run.sh -- checks an installed hive the way an embedder uses it.
#
# Usage: tests/embed/run.sh PREFIX OUT DESTDIR
#   PREFIX   a tree made by `make install PREFIX=PREFIX`
#   OUT      a work directory for the example (emptied)
#   DESTDIR  a tree made by `make install DESTDIR=DESTDIR PREFIX=/opt/hive`
#
# Checks the installed files and the shared library's soname, builds a copy
# of examples/embed (outside the source tree) with `pkg-config --cflags
# --libs hive` alone, runs it against the installed libhive.so with and
# without inline threading, and checks its output. Exit 0 when all hold.
set -u
[ $# -eq 3 ] || { echo "usage: run.sh PREFIX OUT DESTDIR" >&2; exit 2; }
PREFIX=$1
OUT=$2
DEST=$3
HERE=$(cd "$(dirname "$0")/../.." && pwd)
fails=0
pass() { echo "  ok: $*"; }
fail() { echo "  FAIL: $*"; fails=$((fails + 1)); }

version=$(sed -n 's/^#define HIVE_VERSION_STRING "\(.*\)"/\1/p' "$HERE/include/hive/version.h")
soname="libhive.so.${version%.*}"
echo "embed: installed tree $PREFIX (hive $version)"

# The files, and the links from the development name to the real file.
missing=""
for f in bin/hive include/hive/hive.h include/hive/version.h include/hive/wasm.h \
    include/hive/wasi.h include/hive/handler.h lib/libhive.a "lib/libhive.so.$version" \
    "lib/$soname" lib/libhive.so lib/pkgconfig/hive.pc; do
    [ -e "$PREFIX/$f" ] || missing="$missing $f"
done
[ -z "$missing" ] && pass "installed files present" || fail "missing from $PREFIX:$missing"
for h in "$HERE"/include/hive/*.h; do
    cmp -s "$h" "$PREFIX/include/hive/$(basename "$h")" || fail "include/hive/$(basename "$h") differs from the source"
done
got=$(readelf -dW "$PREFIX/lib/libhive.so" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$got" = "$soname" ] && pass "soname $got" || fail "soname '$got', expected $soname"
[ "$(readlink "$PREFIX/lib/libhive.so")" = "$soname" ] && [ "$(readlink "$PREFIX/lib/$soname")" = "libhive.so.$version" ] &&
    pass "libhive.so -> $soname -> libhive.so.$version" || fail "shared library links wrong"

export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
got=$(pkg-config --modversion hive 2>&1)
[ "$got" = "$version" ] && pass "pkg-config --modversion hive: $got" || fail "pkg-config --modversion hive: '$got'"
got=$("$PREFIX/bin/hive" --version 2>&1)
[ "$got" = "hive $version" ] && pass "bin/hive --version: $got" || fail "bin/hive --version: '$got'"
got=$(pkg-config --static --libs hive 2>&1)
case "$got" in *-luv*) pass "pkg-config --static --libs hive names libuv" ;; *) fail "pkg-config --static --libs hive: '$got'" ;; esac

# The example, built outside the source tree with pkg-config alone.
rm -rf "$OUT"
mkdir -p "$OUT/src"
cp "$HERE/examples/embed/embed.c" "$HERE/examples/embed/Makefile" "$OUT/src/"
if make --no-print-directory -C "$OUT/src" OUT="$OUT" CFLAGS="-O2 -Wall -Wextra -Werror" >"$OUT/build.txt" 2>&1; then
    pass "examples/embed builds with pkg-config --cflags --libs hive"
else
    fail "examples/embed does not build:"
    sed 's/^/    /' "$OUT/build.txt"
fi
if [ -x "$OUT/embed" ]; then
    needed=$(readelf -dW "$OUT/embed" | sed -n 's/.*(NEEDED).*\[\(libhive.*\)\]/\1/p')
    [ "$needed" = "$soname" ] && pass "embed needs $needed" || fail "embed needs '$needed', expected $soname"
    resolved=$(LD_LIBRARY_PATH="$PREFIX/lib" ldd "$OUT/embed" | sed -n "s/.*$soname => \([^ ]*\).*/\1/p")
    [ "$resolved" = "$PREFIX/lib/$soname" ] && pass "embed loads $resolved" || fail "embed loads '$resolved'"
    # The shared library's own handlers are copied too (inline threading
    # from -fPIC code): HIVE_PERF_MAP=1 lists each copy made (HIVE_TIER=0:
    # copies as each function is compiled; this short run would otherwise
    # make none, as no function of it gets hot).
    LD_LIBRARY_PATH="$PREFIX/lib" HIVE_TIER=0 HIVE_PERF_MAP=1 "$OUT/embed" >/dev/null 2>&1 &
    pid=$!
    wait $pid
    n=$(wc -l <"/tmp/perf-$pid.map" 2>/dev/null || echo 0)
    rm -f "/tmp/perf-$pid.map"
    if [ "$(uname -m)" != x86_64 ]; then
        echo "  (not x86-64: no inline threading to check)"
    elif [ "$n" -gt 0 ]; then
        pass "libhive.so lays out inline-threaded copies ($n)"
    else
        fail "libhive.so made no inline-threaded copy (HIVE_PERF_MAP=1 listed none)"
    fi
    for mode in inline no-inline; do
        if [ $mode = inline ]; then
            got=$(HIVE_TIER=0 LD_LIBRARY_PATH="$PREFIX/lib" "$OUT/embed" 2>&1; echo "exit $?")
        else
            got=$(HIVE_NO_INLINE=1 LD_LIBRARY_PATH="$PREFIX/lib" "$OUT/embed" 2>&1; echo "exit $?")
        fi
        want="hive $version (headers $version)
sum_squares(10) = 385 (10 host calls)
fib(25) = 75025 (in SLICES slices)
exit 0"
        slices=$(echo "$got" | sed -n 's/^fib(25) = 75025 (in \([0-9]*\) slices)$/\1/p')
        if [ -n "$slices" ] && [ "$slices" -gt 100 ] && [ "$got" = "${want/SLICES/$slices}" ]; then
            pass "embed ($mode): sum_squares(10) = 385, fib(25) = 75025 in $slices slices"
        else
            fail "embed ($mode) printed:"
            echo "$got" | sed 's/^/    /'
        fi
    done
fi

# The staged install: files under DESTDIR, naming the real prefix.
if [ -f "$DEST/opt/hive/lib/pkgconfig/hive.pc" ] && [ -e "$DEST/opt/hive/lib/libhive.so" ] &&
    [ -f "$DEST/opt/hive/include/hive/hive.h" ] && [ -x "$DEST/opt/hive/bin/hive" ]; then
    pass "DESTDIR install staged under $DEST/opt/hive"
else
    fail "DESTDIR install: files missing under $DEST/opt/hive"
fi
got=$(PKG_CONFIG_PATH="$DEST/opt/hive/lib/pkgconfig" pkg-config --cflags --libs hive 2>&1 | xargs)
[ "$got" = "-I/opt/hive/include -L/opt/hive/lib -lhive" ] && pass "staged hive.pc names /opt/hive" ||
    fail "staged hive.pc gives '$got'"

if [ $fails -ne 0 ]; then
    echo "embed: $fails check(s) FAILED"
    exit 1
fi
echo "embed: all checks passed"

#!/bin/sh
# Installs the Debian packages hive needs to build and test, if missing.
# Usage: scripts/install-deps.sh [build|test|all]   (default: all)
# Safe to run repeatedly: it only calls apt-get when a package is absent.
set -eu
need="gcc make libuv1-dev"
case "${1:-all}" in
build) ;;
test | all) need="$need binutils pkgconf clang lld libclang-rt-14-dev wabt binaryen wasi-libc libclang-rt-14-dev-wasm32 curl wrk nodejs python3" ;;
*) echo "usage: $0 [build|test|all]" >&2; exit 2 ;;
esac
missing=""
for p in $need; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
# node may come from outside Debian's package (e.g. a preinstalled build): accept it.
case "$missing" in *nodejs*) command -v node >/dev/null 2>&1 && missing=$(echo "$missing" | sed 's/ nodejs//') ;; esac
[ -z "$missing" ] && exit 0
echo "installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2

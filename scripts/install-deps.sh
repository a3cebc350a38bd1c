#!/bin/sh
# Installs the Debian packages hive needs to build and test, if missing.
# Usage: scripts/install-deps.sh [--check] [build|test|all]   (default: all)
# Safe to run repeatedly: it only calls apt-get when a package is absent.
# --check installs nothing: it names what is missing, says how to install
# it and exits 1 (0 when everything is present). `make test` and the other
# test targets check (make test-deps); `make check`, `make serve` and
# `make run` install (make install-test-deps).
set -eu
check=0
if [ "${1:-}" = "--check" ]; then
    check=1
    shift
fi
need="gcc make libuv1-dev libcurl4-openssl-dev"
case "${1:-all}" in
build) ;;
test | all) need="$need binutils universal-ctags pkgconf clang lld libclang-rt-14-dev wabt binaryen wasi-libc libclang-rt-14-dev-wasm32 curl wrk strace nodejs python3 nghttp2-server openssl" ;;
*) echo "usage: $0 [--check] [build|test|all]" >&2; exit 2 ;;
esac
missing=""
# The node tools of the tests (tools/package.json: jco, whose wasm-tools
# turns component-model .wast text into binaries), when absent or older
# than the lock file. Debian's nodejs comes without npm: its own package
# is installed when npm is missing.
npm_tools() {
    root=$(cd "$(dirname "$0")/.." && pwd)
    lock="$root/tools/package-lock.json"
    stamp="$root/tools/node_modules/.package-lock.json"
    [ -f "$lock" ] || return 0
    [ -f "$stamp" ] && [ ! "$lock" -nt "$stamp" ] && return 0
    if [ "$check" = 1 ]; then
        echo "missing: the node packages of tools/ (npm ci --prefix tools, or scripts/install-deps.sh test)" >&2
        return 1
    fi
    if ! command -v npm >/dev/null 2>&1; then
        echo "installing: npm" >&2
        sudo_=""
        [ "$(id -u)" -ne 0 ] && sudo_=sudo
        $sudo_ apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends npm >&2
    fi
    echo "installing: tools/ node packages (npm ci)" >&2
    npm ci --prefix "$root/tools" --no-audit --no-fund >&2
}
for p in $need; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
# node may come from outside Debian's package (e.g. a preinstalled build): accept it.
case "$missing" in *nodejs*) command -v node >/dev/null 2>&1 && missing=$(echo "$missing" | sed 's/ nodejs//') ;; esac
if [ -z "$missing" ]; then
    case "${1:-all}" in test | all) npm_tools ;; esac
    exit 0
fi
if [ "$check" = 1 ]; then
    echo "missing Debian packages:$missing" >&2
    echo "install them with: scripts/install-deps.sh ${1:-all}   (make check, make serve and make run do it themselves)" >&2
    exit 1
fi
echo "installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
case "${1:-all}" in test | all) npm_tools ;; esac

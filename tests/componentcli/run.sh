#!/bin/sh
# tests/componentcli/run.sh HIVE ECHO.wasm GREET-EXAMPLE GREET.wasm --
# `hive run` with a component: --invoke with WAVE arguments and results,
# exit statuses (fuel, trap, bad arguments, missing export, wasi:cli/run);
# then the README's embedding example (examples/component/greet.c).
set -u
hive=$1 wasm=$2 greet=$3 greet_wasm=$4
pass=0 fail=0
check() { # name expected-status expected-stdout command...
    name=$1 want_rc=$2 want_out=$3
    shift 3
    out=$("$@" 2>/tmp/componentcli.$$.err)
    rc=$?
    if [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $name: status $rc (want $want_rc), stdout '$out' (want '$want_out')" >&2
        cat /tmp/componentcli.$$.err >&2
    fi
}
check echo 0 '"héllo, wörld"' "$hive" run --invoke echo "$wasm" '"héllo, wörld"'
check echo-escape 0 '"a\nb"' "$hive" run --invoke echo "$wasm" '"a\nb"'
check sum 0 4000000006 "$hive" run --invoke sum "$wasm" '[1, 2, 3, 4000000000]'
check bytes 0 '[0, 1, 255]' "$hive" run --invoke bytes "$wasm" '[0, 1, 255]'
check bytes-empty 0 '[]' "$hive" run --invoke bytes "$wasm" '[]'
check bytes-range 2 '' "$hive" run --invoke bytes "$wasm" '[256]'
check shorts 0 '[-32768, -1, 7]' "$hive" run --invoke shorts "$wasm" '[-32768, -1, 7]'
check sum-empty 0 0 "$hive" run --invoke sum "$wasm" '[]'
check half-ok 0 'ok(21)' "$hive" run --invoke half "$wasm" 'some(42)'
check half-err 0 'err("odd")' "$hive" run --invoke half "$wasm" 'some(7)'
check half-none 0 'err("odd")' "$hive" run --invoke half "$wasm" 'none'
check fuel 124 '' "$hive" run --fuel 1000 --invoke spin "$wasm"
check timeout 124 '' "$hive" run --timeout 200ms --slice 10000 --invoke spin "$wasm"
check sliced 0 6 "$hive" run --fuel 100000 --slice 2 --invoke sum "$wasm" '[1, 2, 3]'
check trap 134 '' "$hive" run --invoke boom "$wasm"
check run 0 '' "$hive" run "$wasm"
check bad-arg 2 '' "$hive" run --invoke sum "$wasm" '[1, "x"]'
check arity 2 '' "$hive" run --invoke sum "$wasm"
check no-export 1 '' "$hive" run --invoke nope "$wasm"
check greet-example 0 "guest logs: hello, wörld
hello, wörld" "$greet" "$greet_wasm" wörld
check greet-unlinkable 1 '' "$hive" run --invoke greet "$greet_wasm" '"x"'
rm -f /tmp/componentcli.$$.err
echo "component-cli: $pass passed, $fail failed"
[ "$fail" = 0 ]

/*
 * cli.c -- wasi:cli (environment, exit, stdin/stdout/stderr, terminal-*),
 * wasi:clocks (monotonic-clock, wall-clock) and wasi:random (random,
 * insecure, insecure-seed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "wasip2/p2_impl.h"

#define CLI(x) "wasi:cli/" x P2_V
#define DATETIME "record { seconds: u64, nanoseconds: u32 }"

hive_host_status hv_p2_subscribe_deadline(hive_chost_call *call, uint64_t when, hive_cval *out);

/* ---- environment ---- */

/* the same in 0.2 and 0.3 (base.c) */
static hive_host_status env_result(hive_chost_call *call, const char *why) {
    return why ? hv_p2_trap(call, why) : HIVE_HOST_OK;
}

P2_FN(get_environment) { return env_result(call, hv_wbase_environment(&P2_CTX->b, &res[0])); }
P2_FN(get_arguments) { return env_result(call, hv_wbase_arguments(&P2_CTX->b, &res[0])); }
P2_FN(initial_cwd) { return env_result(call, hv_wbase_initial_cwd(&P2_CTX->b, &res[0])); }

/* ---- exit ---- */

static hive_host_status do_exit(hive_chost_call *call, int code) {
    hive_wasip2 *p = P2_CTX;
    p->exited = 1;
    p->exit_code = code;
    char m[64];
    snprintf(m, sizeof m, "wasi:cli/exit with code %d", code);
    return hv_p2_trap(call, m);
}

P2_FN(cli_exit) { return do_exit(call, args[0].of.var.index == 0 ? 0 : 1); }
P2_FN(cli_exit_with_code) { return do_exit(call, (int)args[0].of.u); }

/* ---- stdio ---- */

static hive_host_status get_stdio(hive_chost_call *call, int i, hive_cval *out) {
    uint32_t rep;
    if (hv_p2_new_stdio_stream(P2_CTX, i, &rep) < 0) return hv_p2_trap(call, "too many host objects");
    *out = hive_cval_handle(HIVE_C_OWN, rep, NULL);
    return HIVE_HOST_OK;
}

P2_FN(get_stdin) { return get_stdio(call, 0, &res[0]); }
P2_FN(get_stdout) { return get_stdio(call, 1, &res[0]); }
P2_FN(get_stderr) { return get_stdio(call, 2, &res[0]); }

static hive_host_status get_terminal(hive_chost_call *call, int i, hive_cval *out) {
    hive_wasip2 *p = P2_CTX;
    const hive_wasi_stdio *s = &p->b.stdio[i];
    if (s->kind != HIVE_WASI_STDIO_FD || !isatty(s->fd)) {
        if (hive_cval_case(out, HIVE_C_OPTION, 0, NULL) != HIVE_OK) return hv_p2_trap(call, "out of memory");
        return HIVE_HOST_OK;
    }
    uint32_t rep;
    if (!hv_p2_new(p, i == 0 ? P2_TERM_IN : P2_TERM_OUT, &rep)) return hv_p2_trap(call, "too many host objects");
    hive_cval h = hive_cval_handle(HIVE_C_OWN, rep, NULL);
    if (hive_cval_case(out, HIVE_C_OPTION, 1, &h) != HIVE_OK) return hv_p2_trap(call, "out of memory");
    return HIVE_HOST_OK;
}

P2_FN(get_terminal_stdin) { return get_terminal(call, 0, &res[0]); }
P2_FN(get_terminal_stdout) { return get_terminal(call, 1, &res[0]); }
P2_FN(get_terminal_stderr) { return get_terminal(call, 2, &res[0]); }

/* ---- clocks ---- */

P2_FN(mono_now) {
    res[0] = p2_u64(hv_p2_mono_ns(P2_CTX));
    return HIVE_HOST_OK;
}

P2_FN(mono_resolution) {
    res[0] = p2_u64(hv_wbase_mono_res(&P2_CTX->b));
    return HIVE_HOST_OK;
}

P2_FN(mono_subscribe_instant) { return hv_p2_subscribe_deadline(call, args[0].of.u, &res[0]); }

P2_FN(mono_subscribe_duration) {
    uint64_t now = hv_p2_mono_ns(P2_CTX), d = args[0].of.u;
    return hv_p2_subscribe_deadline(call, d > UINT64_MAX - now ? UINT64_MAX : now + d, &res[0]);
}

static int datetime(hive_cval *out, uint64_t ns) {
    if (hive_cval_agg(out, HIVE_C_RECORD, 2) != HIVE_OK) return -1;
    out->of.agg.items[0] = p2_u64(ns / 1000000000u);
    out->of.agg.items[1] = p2_u32((uint32_t)(ns % 1000000000u));
    return 0;
}

P2_FN(wall_now) {
    if (datetime(&res[0], hv_p2_wall_ns(P2_CTX)) < 0) return hv_p2_trap(call, "out of memory");
    return HIVE_HOST_OK;
}

P2_FN(wall_resolution) {
    if (datetime(&res[0], hv_wbase_wall_res(&P2_CTX->b)) < 0) return hv_p2_trap(call, "out of memory");
    return HIVE_HOST_OK;
}

/* ---- random ---- */

static uint64_t insecure_next(hive_wasip2 *p) { return hv_wbase_insecure_u64(&p->b); }

/* the same in 0.2 and 0.3 (base.c) */
static hive_host_status random_bytes(hive_chost_call *call, uint64_t len, int secure, hive_cval *out) {
    const char *why = hv_wbase_random_bytes(&P2_CTX->b, len, secure, out);
    return why ? hv_p2_trap(call, why) : HIVE_HOST_OK;
}

P2_FN(get_random_bytes) { return random_bytes(call, args[0].of.u, 1, &res[0]); }
P2_FN(get_insecure_random_bytes) { return random_bytes(call, args[0].of.u, 0, &res[0]); }

P2_FN(get_random_u64) {
    uint64_t x;
    if (hv_p2_random(P2_CTX, (uint8_t *)&x, sizeof x) < 0) return hv_p2_trap(call, "the host's random source failed");
    res[0] = p2_u64(x);
    return HIVE_HOST_OK;
}

P2_FN(get_insecure_random_u64) {
    res[0] = p2_u64(insecure_next(P2_CTX));
    return HIVE_HOST_OK;
}

P2_FN(insecure_seed) {
    if (hive_cval_agg(&res[0], HIVE_C_TUPLE, 2) != HIVE_OK) return hv_p2_trap(call, "out of memory");
    res[0].of.agg.items[0] = p2_u64(insecure_next(P2_CTX));
    res[0].of.agg.items[1] = p2_u64(insecure_next(P2_CTX));
    return HIVE_HOST_OK;
}

/* ---- definitions ---- */

int hv_p2_define_cli(hive_wasip2 *p, hive_linker *l) {
    int rc;
    if ((rc = hv_p2_define_resource(p, l, CLI("terminal-input"), "terminal-input")) ||
        (rc = hv_p2_define_resource(p, l, CLI("terminal-output"), "terminal-output")))
        return rc;
    static const p2_fndef env[] = {
        {"get-environment", "func() -> list<tuple<string, string>>", get_environment},
        {"get-arguments", "func() -> list<string>", get_arguments},
        {"initial-cwd", "func() -> option<string>", initial_cwd},
    };
    static const p2_fndef ex[] = {
        {"exit", "func(status: result)", cli_exit},
        {"exit-with-code", "func(status-code: u8)", cli_exit_with_code},
    };
#define OWN_IN "own<wasi:io/streams" P2_V "#input-stream>"
#define OWN_OUT "own<wasi:io/streams" P2_V "#output-stream>"
#define TERM_IN "option<own<" CLI("terminal-input") "#terminal-input>>"
#define TERM_OUT "option<own<" CLI("terminal-output") "#terminal-output>>"
    static const p2_fndef in[] = {{"get-stdin", "func() -> " OWN_IN, get_stdin}};
    static const p2_fndef out[] = {{"get-stdout", "func() -> " OWN_OUT, get_stdout}};
    static const p2_fndef err[] = {{"get-stderr", "func() -> " OWN_OUT, get_stderr}};
    static const p2_fndef tin[] = {{"get-terminal-stdin", "func() -> " TERM_IN, get_terminal_stdin}};
    static const p2_fndef tout[] = {{"get-terminal-stdout", "func() -> " TERM_OUT, get_terminal_stdout}};
    static const p2_fndef terr[] = {{"get-terminal-stderr", "func() -> " TERM_OUT, get_terminal_stderr}};
#define OWN_POLL "own<wasi:io/poll" P2_V "#pollable>"
    static const p2_fndef mono[] = {
        {"now", "func() -> u64", mono_now},
        {"resolution", "func() -> u64", mono_resolution},
        {"subscribe-instant", "func(when: u64) -> " OWN_POLL, mono_subscribe_instant},
        {"subscribe-duration", "func(when: u64) -> " OWN_POLL, mono_subscribe_duration},
    };
    static const p2_fndef wall[] = {
        {"now", "func() -> " DATETIME, wall_now},
        {"resolution", "func() -> " DATETIME, wall_resolution},
    };
    static const p2_fndef rnd[] = {
        {"get-random-bytes", "func(len: u64) -> list<u8>", get_random_bytes},
        {"get-random-u64", "func() -> u64", get_random_u64},
    };
    static const p2_fndef insecure[] = {
        {"get-insecure-random-bytes", "func(len: u64) -> list<u8>", get_insecure_random_bytes},
        {"get-insecure-random-u64", "func() -> u64", get_insecure_random_u64},
    };
    static const p2_fndef seed[] = {{"insecure-seed", "func() -> tuple<u64, u64>", insecure_seed}};
    if ((rc = hv_p2_define_funcs(p, l, CLI("environment"), env, P2_COUNT(env))) ||
        (rc = hv_p2_define_funcs(p, l, CLI("exit"), ex, P2_COUNT(ex))) ||
        (rc = hv_p2_define_funcs(p, l, CLI("stdin"), in, P2_COUNT(in))) ||
        (rc = hv_p2_define_funcs(p, l, CLI("stdout"), out, P2_COUNT(out))) ||
        (rc = hv_p2_define_funcs(p, l, CLI("stderr"), err, P2_COUNT(err))) ||
        (rc = hv_p2_define_funcs(p, l, CLI("terminal-stdin"), tin, P2_COUNT(tin))) ||
        (rc = hv_p2_define_funcs(p, l, CLI("terminal-stdout"), tout, P2_COUNT(tout))) ||
        (rc = hv_p2_define_funcs(p, l, CLI("terminal-stderr"), terr, P2_COUNT(terr))) ||
        (rc = hv_p2_define_funcs(p, l, "wasi:clocks/monotonic-clock" P2_V, mono, P2_COUNT(mono))) ||
        (rc = hv_p2_define_funcs(p, l, "wasi:clocks/wall-clock" P2_V, wall, P2_COUNT(wall))) ||
        (rc = hv_p2_define_funcs(p, l, "wasi:random/random" P2_V, rnd, P2_COUNT(rnd))) ||
        (rc = hv_p2_define_funcs(p, l, "wasi:random/insecure" P2_V, insecure, P2_COUNT(insecure))) ||
        (rc = hv_p2_define_funcs(p, l, "wasi:random/insecure-seed" P2_V, seed, P2_COUNT(seed))))
        return rc;
    return HIVE_OK;
}

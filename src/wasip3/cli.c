/*
 * cli.c -- wasi:cli@0.3.0: environment, exit, stdin/stdout/stderr as
 * stream<u8> with a future<result<_, error-code>>, terminal-*, types.
 * The standard streams are the context's stdio (the same fds as the 0.2
 * context of the instance): stdout and stderr are drained into them by
 * the reactor's pumps, stdin is fed from fd 0 (or the embedder stream).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "wasip3/p3_impl.h"

#define CLI(x) "wasi:cli/" x P3_V
#define CLI_ERR "enum { io, illegal-byte-sequence, pipe }"
#define CLI_FUT "future<result<_, " CLI_ERR ">>"

/* wasi:cli/types error-code */
enum { CLI_E_IO = 0, CLI_E_ILSEQ = 1, CLI_E_PIPE = 2 };

static uint32_t cli_code(uint32_t e) {
    switch (e) {
    case WASI_EPIPE: return CLI_E_PIPE;
    case WASI_EILSEQ: return CLI_E_ILSEQ;
    default: return CLI_E_IO;
    }
}

/* ---- environment ---- */

/* the same in 0.2 and 0.3 (base.c) */
static hive_host_status env_result(hive_chost_call *call, const char *why) {
    return why ? hv_p3_trap(call, why) : HIVE_HOST_OK;
}

P3_FN(get_environment) { return env_result(call, hv_wbase_environment(&P3_CTX->b, &res[0])); }
P3_FN(get_arguments) { return env_result(call, hv_wbase_arguments(&P3_CTX->b, &res[0])); }
P3_FN(get_initial_cwd) { return env_result(call, hv_wbase_initial_cwd(&P3_CTX->b, &res[0])); }

/* ---- exit ---- */

static hive_host_status do_exit(hive_chost_call *call, int code) {
    hive_wasip3 *p = P3_CTX;
    p->exited = 1;
    p->exit_code = code;
    char m[64];
    snprintf(m, sizeof m, "wasi:cli/exit with code %d", code);
    return hv_p3_trap(call, m);
}

P3_FN(cli_exit) { return do_exit(call, args[0].of.var.index == 0 ? 0 : 1); }
P3_FN(cli_exit_with_code) { return do_exit(call, (int)args[0].of.u); }

/* ---- stdio ---- */

static int stdio_io(hive_wasip3 *p, int i, p3_io *io) {
    memset(io, 0, sizeof *io);
    io->fd = -1;
    io->offset = -1;
    const hive_wasi_stdio *s = &p->b.stdio[i];
    if (s->kind == HIVE_WASI_STDIO_FD) io->fd = s->fd;
    else if (s->kind == HIVE_WASI_STDIO_STREAM) io->emb = &s->stream;
    else return -1;
    return 0;
}

/* stdio NONE: reads see the end, writes are discarded */
static int64_t null_read(void *ud, uint8_t *b, size_t n) { return 0; }
static int64_t null_write(void *ud, const uint8_t *b, size_t n) { return (int64_t)n; }
static const hive_wasi_stream null_stream = {null_read, null_write, NULL, NULL};

static hive_host_status write_via_stream(hive_chost_call *call, int i, const hive_cval *data, hive_cval *out) {
    hive_wasip3 *p = P3_CTX;
    p3_io io;
    if (stdio_io(p, i, &io) < 0) io.emb = &null_stream;
    hive_cval s = *data; /* the pump takes the stream over */
    if (!hv_p3_drain_new(p, call->instance, &s, &io, out, cli_code, NULL, NULL))
        return hv_p3_trap(call, "write-via-stream: too many host operations or out of memory");
    return HIVE_HOST_OK;
}

P3_FN(stdout_write) { return write_via_stream(call, 1, &args[0], &res[0]); }
P3_FN(stderr_write) { return write_via_stream(call, 2, &args[0], &res[0]); }

P3_FN(stdin_read) {
    hive_wasip3 *p = P3_CTX;
    p3_io io;
    if (stdio_io(p, 0, &io) < 0) io.emb = &null_stream;
    hive_cval st, fut;
    memset(&st, 0, sizeof st);
    memset(&fut, 0, sizeof fut);
    if (!hv_p3_feed_new(p, call->instance, &io, 0, &st, &fut, cli_code, NULL, NULL))
        return hv_p3_trap(call, "read-via-stream: too many host operations or out of memory");
    if (hive_cval_agg(&res[0], HIVE_C_TUPLE, 2) != HIVE_OK) return hv_p3_trap(call, "out of memory");
    res[0].of.agg.items[0] = st;
    res[0].of.agg.items[1] = fut;
    return HIVE_HOST_OK;
}

/* ---- terminals ---- */

static const p3_rtype term_in = {"terminal-input", NULL};
static const p3_rtype term_out = {"terminal-output", NULL};

static hive_host_status get_terminal(hive_chost_call *call, int i, hive_cval *out) {
    hive_wasip3 *p = P3_CTX;
    const hive_wasi_stdio *s = &p->b.stdio[i];
    if (s->kind != HIVE_WASI_STDIO_FD || !isatty(s->fd)) {
        if (hive_cval_case(out, HIVE_C_OPTION, 0, NULL) != HIVE_OK) return hv_p3_trap(call, "out of memory");
        return HIVE_HOST_OK;
    }
    uint32_t rep = hv_p3_res_new(p, i == 0 ? &term_in : &term_out, NULL);
    if (!rep) return hv_p3_trap(call, "too many host objects");
    hive_cval h = hive_cval_handle(HIVE_C_OWN, rep, NULL);
    if (hive_cval_case(out, HIVE_C_OPTION, 1, &h) != HIVE_OK) return hv_p3_trap(call, "out of memory");
    return HIVE_HOST_OK;
}

P3_FN(get_terminal_stdin) { return get_terminal(call, 0, &res[0]); }
P3_FN(get_terminal_stdout) { return get_terminal(call, 1, &res[0]); }
P3_FN(get_terminal_stderr) { return get_terminal(call, 2, &res[0]); }

/* ---- definitions ---- */

int hv_p3_define_cli(hive_wasip3 *p, hive_linker *l) {
    int rc;
    if ((rc = hv_p3_define_resource(p, l, CLI("terminal-input"), "terminal-input")) ||
        (rc = hv_p3_define_resource(p, l, CLI("terminal-output"), "terminal-output")))
        return rc;
    static const p3_fndef env[] = {
        {"get-environment", "func() -> list<tuple<string, string>>", get_environment},
        {"get-arguments", "func() -> list<string>", get_arguments},
        {"get-initial-cwd", "func() -> option<string>", get_initial_cwd},
    };
    static const p3_fndef ex[] = {
        {"exit", "func(status: result)", cli_exit},
        {"exit-with-code", "func(status-code: u8)", cli_exit_with_code},
    };
#define TERM_IN "option<own<" CLI("terminal-input") "#terminal-input>>"
#define TERM_OUT "option<own<" CLI("terminal-output") "#terminal-output>>"
    static const p3_fndef in[] = {
        {"read-via-stream", "func() -> tuple<stream<u8>, " CLI_FUT ">", stdin_read}};
    static const p3_fndef out[] = {{"write-via-stream", "func(data: stream<u8>) -> " CLI_FUT, stdout_write}};
    static const p3_fndef err[] = {{"write-via-stream", "func(data: stream<u8>) -> " CLI_FUT, stderr_write}};
    static const p3_fndef tin[] = {{"get-terminal-stdin", "func() -> " TERM_IN, get_terminal_stdin}};
    static const p3_fndef tout[] = {{"get-terminal-stdout", "func() -> " TERM_OUT, get_terminal_stdout}};
    static const p3_fndef terr[] = {{"get-terminal-stderr", "func() -> " TERM_OUT, get_terminal_stderr}};
    if ((rc = hv_p3_define_funcs(p, l, CLI("environment"), env, P3_COUNT(env))) ||
        (rc = hv_p3_define_funcs(p, l, CLI("exit"), ex, P3_COUNT(ex))) ||
        (rc = hv_p3_define_funcs(p, l, CLI("stdin"), in, P3_COUNT(in))) ||
        (rc = hv_p3_define_funcs(p, l, CLI("stdout"), out, P3_COUNT(out))) ||
        (rc = hv_p3_define_funcs(p, l, CLI("stderr"), err, P3_COUNT(err))) ||
        (rc = hv_p3_define_funcs(p, l, CLI("terminal-stdin"), tin, P3_COUNT(tin))) ||
        (rc = hv_p3_define_funcs(p, l, CLI("terminal-stdout"), tout, P3_COUNT(tout))) ||
        (rc = hv_p3_define_funcs(p, l, CLI("terminal-stderr"), terr, P3_COUNT(terr))))
        return rc;
    return HIVE_OK;
}

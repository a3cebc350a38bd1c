/*
 * component.c -- `hive run --invoke NAME ARGS...` for components:
 * instantiate with the WASI 0.2 host's definitions (run_component.c), then
 * call export NAME with ARGS read as WAVE literals by the parameter types,
 * printing the result the same way. (Without --invoke, run_component.c
 * runs the `wasi:cli/run` export.)
 *
 * Exit status: as for core modules -- 0, the guest's wasi:cli/exit code,
 * 134 after a trap, 124 when --fuel or --timeout stopped it (the call runs
 * in slices of --slice units), 1 when the component cannot be loaded or
 * linked, 2 for bad arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "hive/component.h"
#include "hive/wasi.h"
#include "hive/wasip2.h"

/* Calls f with args through the WASI 0.2 host (which waits for what the
 * guest polls), prints its result as a WAVE literal, runs post-return. */
static int call_and_print(hive_wasip2 *p2, hive_cinstance *ci, hive_cfunc *f, const char *name,
                          hive_cval *args, size_t nargs, const hive_wasi_run_opts *lim) {
    hive_cval res;
    memset(&res, 0, sizeof res);
    int stop = 0, code;
    hive_status st = hive_wasip2_call(p2, ci, f, args, nargs, lim, &res, &stop);
    fflush(stdout);
    if (st == HIVE_SUSPENDED) {
        fprintf(stderr, "hive: %s: %s\n", name,
                stop == HIVE_WASI_STOP_FUEL ? "all fuel consumed" : "timed out");
        return 124;
    }
    if (st == HIVE_TRAPPED && hive_wasip2_exit_code(p2, &code)) return code >= 0 && code <= 255 ? code : 1;
    if (st == HIVE_FAILED) {
        const hive_trap *t = hive_cinstance_trap(ci);
        fprintf(stderr, "hive: %s: bad arguments: %s\n", name, t ? t->message : "?");
        return 2;
    }
    if (st != HIVE_DONE) {
        const hive_trap *t = hive_cinstance_trap(ci);
        fprintf(stderr, "hive: %s: trap: %s\n", name, t ? t->message : "?");
        return 134;
    }
    hive_ctype *rt = hive_cextern_func_result(hive_cfunc_type(f));
    if (rt) {
        char *s = NULL;
        if (hive_cval_format(&res, rt, &s) == HIVE_OK) printf("%s\n", s);
        free(s);
        hive_ctype_release(rt);
        hive_cval_clear(&res);
    }
    return 0;
}

int cli_run_component(hive_engine *engine, const cli_run_opts *o, const char *invoke, int argc,
                      char **argv) {
    hive_component *c = NULL;
    hive_cinstance *ci = NULL;
    hive_linker *l = NULL;
    hive_wasip2 *p2 = NULL;
    void *keep = NULL;
    hive_cval *args = NULL;
    size_t nargs = 0;
    hive_error err;
    int rc = 1;
    if (hive_component_new(engine, o->bytes, o->len, &c, &err) != HIVE_OK) {
        fprintf(stderr, "hive: %s: %s at byte %zu: %s\n", o->path, hive_strerror(err.code), err.offset,
                err.message);
        goto out;
    }
    p2 = cli_wasip2_new(o, &keep, &rc);
    if (!p2) goto out;
    rc = 1;
    l = hive_linker_new(engine);
    if (!l || hive_wasip2_define(p2, l) != HIVE_OK) {
        fprintf(stderr, "hive: cannot define the WASI 0.2 imports\n");
        goto out;
    }
    if (hive_cinstance_new(engine, c, l, &ci, &err) != HIVE_OK) {
        fprintf(stderr, "hive: %s: %s: %s\n", o->path, hive_strerror(err.code), err.message);
        goto out;
    }
    hive_cfunc *f = hive_cinstance_func(ci, invoke);
    if (!f) {
        fprintf(stderr, "hive: %s: no exported function '%s'\n", o->path, invoke);
        goto out;
    }
    const hive_cextern *ft = hive_cfunc_type(f);
    nargs = hive_cextern_func_param_count(ft);
    if ((size_t)argc != nargs) {
        fprintf(stderr, "hive: %s takes %zu arguments, %d given\n", invoke, nargs, argc);
        rc = 2;
        goto out;
    }
    args = calloc(nargs + 1, sizeof *args);
    if (!args) goto out;
    for (size_t k = 0; k < nargs; k++) {
        hive_ctype *pt = hive_cextern_func_param(ft, k, NULL);
        int prc = pt ? hive_cval_parse(pt, argv[k], strlen(argv[k]), &args[k], &err) : HIVE_ENOMEM;
        hive_ctype_release(pt);
        if (prc != HIVE_OK) {
            fprintf(stderr, "hive: bad argument '%s' for %s: %s\n", argv[k], invoke, err.message);
            rc = 2;
            goto out;
        }
    }
    rc = call_and_print(p2, ci, f, invoke, args, nargs, o->limits);
out:
    for (size_t k = 0; args && k < nargs; k++) hive_cval_clear(&args[k]);
    free(args);
    hive_cinstance_free(ci);
    hive_linker_free(l);
    hive_wasip2_free(p2);
    free(keep);
    hive_component_release(c);
    return rc;
}

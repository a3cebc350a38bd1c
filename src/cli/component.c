/*
 * component.c -- `hive run` for components: instantiate with the host's
 * definitions, then call `--invoke NAME` with arguments read as WAVE
 * literals by the parameter types (printing the result the same way), or
 * the `wasi:cli/run` export of a command component.
 *
 * The component gets WASI 0.2 (hive/wasip2.h) exactly as `hive run`
 * gives it to a command component (run_component.c): args, env, --dir,
 * stdio, the sockets policy; a call waiting on the host (a blocking read
 * of stdin...) holds no busy thread (hive_wasip2_call drives it).
 *
 * Exit status: as for core modules -- the guest's (run: 0 for ok, 1 for
 * err; wasi:cli/exit's code), 134 after a trap, 124 when --fuel or
 * --timeout stopped it (the call runs in slices of --slice units), 1 when
 * the component cannot be loaded or linked, 2 for bad arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "hive/component.h"
#include "hive/wasi.h"
#include "hive/wasip2.h"

static int call_and_print(hive_wasip2 *p2, hive_cinstance *ci, hive_cfunc *f, const char *name,
                          hive_cval *args, size_t nargs, const hive_wasi_run_opts *lim, int print) {
    hive_cval res;
    memset(&res, 0, sizeof res);
    int stop = 0, code;
    hive_status st = hive_wasip2_call(p2, ci, f, args, nargs, lim, &res, &stop);
    fflush(stdout);
    if (st == HIVE_SUSPENDED) {
        fprintf(stderr, "hive: %s: %s\n", name, stop == HIVE_WASI_STOP_FUEL ? "all fuel consumed" : "timed out");
        return 124;
    }
    if (st == HIVE_FAILED) {
        const hive_trap *t = hive_cinstance_trap(ci);
        fprintf(stderr, "hive: %s: the call could not be made: %s\n", name, t && t->message[0] ? t->message : "?");
        return 2;
    }
    if (st == HIVE_TRAPPED) {
        if (hive_wasip2_exit_code(p2, &code)) return code >= 0 && code <= 255 ? code : 1;
        fprintf(stderr, "hive: %s: trap: %s\n", name, hive_cinstance_trap(ci)->message);
        return 134;
    }
    int rc = 0;
    if (res.kind != HIVE_C_NONE) {
        hive_ctype *rt = hive_cextern_func_result(hive_cfunc_type(f));
        if (print) {
            char *s = NULL;
            if (rt && hive_cval_format(&res, rt, &s) == HIVE_OK) printf("%s\n", s);
            free(s);
        } else if (res.kind == HIVE_C_RESULT && res.of.var.index == 1) {
            rc = 1; /* wasi:cli/run returned err */
        }
        hive_ctype_release(rt);
        hive_cval_clear(&res);
    }
    return rc;
}

/* The newest `wasi:cli/run@...#run` the component exports, if any. */
static hive_cfunc *find_run(hive_component *c, hive_cinstance *ci, char *name, size_t cap) {
    for (size_t i = 0; i < hive_component_export_count(c); i++) {
        const char *n;
        hive_component_export(c, i, &n);
        if (!strncmp(n, "wasi:cli/run@", 13) || !strcmp(n, "wasi:cli/run")) {
            snprintf(name, cap, "%s#run", n);
            hive_cfunc *f = hive_cinstance_func(ci, name);
            if (f) return f;
        }
    }
    return NULL;
}

int cli_run_component(hive_engine *engine, const cli_run_opts *o, const char *invoke, int argc,
                      char **argv) {
    hive_component *c = NULL;
    hive_cinstance *ci = NULL;
    hive_linker *l = NULL;
    hive_wasip2 *p2 = NULL;
    hive_cval *args = NULL;
    size_t nargs = 0;
    hive_error err;
    int rc = 1;
    if (hive_component_new(engine, o->bytes, o->len, &c, &err) != HIVE_OK) {
        fprintf(stderr, "hive: %s: %s at byte %zu: %s\n", o->path, hive_strerror(err.code), err.offset,
                err.message);
        goto out;
    }
    if ((rc = cli_wasip2_setup(engine, o, &p2, &l))) goto out;
    rc = 1;
    if (hive_cinstance_new(engine, c, l, &ci, &err) != HIVE_OK) {
        fprintf(stderr, "hive: %s: %s: %s\n", o->path, hive_strerror(err.code), err.message);
        if (strstr(err.message, "wasi:") && strstr(err.message, "@0.3."))
            fprintf(stderr, "hive: (it needs WASI 0.3, which hive does not provide yet; WASI 0.2 is "
                            "there, at any 0.2.x)\n");
        goto out;
    }
    cli_wasip2_attach(ci);
    char name[512];
    hive_cfunc *f;
    if (!invoke) {
        f = find_run(c, ci, name, sizeof name);
        if (!f) {
            fprintf(stderr, "hive: %s exports no wasi:cli/run (try --invoke)\n", o->path);
            goto out;
        }
        rc = call_and_print(p2, ci, f, name, NULL, 0, o->limits, 0);
        goto out;
    }
    f = hive_cinstance_func(ci, invoke);
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
    rc = call_and_print(p2, ci, f, invoke, args, nargs, o->limits, 1);
out:
    for (size_t k = 0; args && k < nargs; k++) hive_cval_clear(&args[k]);
    free(args);
    hive_cinstance_free(ci);
    cli_wasip2_detach();
    hive_linker_free(l);
    hive_wasip2_free(p2);
    hive_component_release(c);
    return rc;
}

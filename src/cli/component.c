/*
 * component.c -- `hive run` for components: instantiate with the host's
 * definitions, then call `--invoke NAME` with arguments read as WAVE
 * literals by the parameter types (printing the result the same way), or
 * the `wasi:cli/run` export of a command component.
 *
 * Exit status: as for core modules -- the guest's (run: 0 for ok, 1 for
 * err), 134 after a trap, 124 when --fuel or --timeout stopped it (the
 * call runs in slices of --slice units), 1 when the component
 * cannot be loaded or linked, 2 for bad arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "hive/component.h"
#include "hive/wasi.h"

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Runs the call in slices until it ends, --fuel is used up or --timeout
 * passes (then SUSPENDED, and *why says which). */
static hive_status run_sliced(hive_cinstance *ci, hive_cfunc *f, hive_cval *args, size_t nargs,
                              const hive_wasi_run_opts *lim, const char **why) {
    uint64_t slice = lim && lim->slice ? lim->slice : 1000000, used = 0;
    uint64_t deadline = lim && lim->timeout_ns ? now_ns() + lim->timeout_ns : 0;
    if (lim && lim->fuel && lim->fuel < slice) slice = lim->fuel;
    hive_status st = hive_cinstance_call(ci, f, args, nargs, slice);
    while (st == HIVE_SUSPENDED) {
        used += slice;
        if (lim && lim->fuel && used >= lim->fuel) {
            *why = "all fuel consumed";
            return st;
        }
        if (deadline && now_ns() >= deadline) {
            *why = "timed out";
            return st;
        }
        st = hive_cinstance_resume(ci, slice);
    }
    return st == HIVE_PENDING ? HIVE_TRAPPED : st; /* no host function pends here */
}

static int call_and_print(hive_cinstance *ci, hive_cfunc *f, const char *name, hive_cval *args,
                          size_t nargs, const hive_wasi_run_opts *lim, int print) {
    const char *why = "stopped";
    hive_status st = run_sliced(ci, f, args, nargs, lim, &why);
    if (st == HIVE_SUSPENDED) {
        fprintf(stderr, "hive: %s: %s\n", name, why);
        return 124;
    }
    if (st == HIVE_FAILED) {
        fprintf(stderr, "hive: %s: bad arguments: %s\n", name, hive_cinstance_trap(ci)->message);
        return 2;
    }
    if (st != HIVE_DONE) {
        fprintf(stderr, "hive: %s: trap: %s\n", name, hive_cinstance_trap(ci)->message);
        return 134;
    }
    hive_cval res;
    memset(&res, 0, sizeof res);
    int rc = 0;
    if (hive_cinstance_results(ci, &res, 1)) {
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
    if (hive_cinstance_post_return(ci) != HIVE_OK) {
        fprintf(stderr, "hive: %s: trap in post-return: %s\n", name, hive_cinstance_trap(ci)->message);
        return 134;
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

int cli_run_component(hive_engine *engine, const char *path, const uint8_t *bytes, size_t len,
                      const char *invoke, int argc, char **argv, const hive_wasi_run_opts *limits) {
    hive_component *c = NULL;
    hive_cinstance *ci = NULL;
    hive_linker *l = NULL;
    hive_cval *args = NULL;
    size_t nargs = 0;
    hive_error err;
    int rc = 1;
    if (hive_component_new(engine, bytes, len, &c, &err) != HIVE_OK) {
        fprintf(stderr, "hive: %s: %s at byte %zu: %s\n", path, hive_strerror(err.code), err.offset,
                err.message);
        goto out;
    }
    l = hive_linker_new(engine);
    if (!l) goto out;
    if (hive_cinstance_new(engine, c, l, &ci, &err) != HIVE_OK) {
        fprintf(stderr, "hive: %s: %s: %s\n", path, hive_strerror(err.code), err.message);
        if (strstr(err.message, "`wasi:"))
            fprintf(stderr, "hive: components that import WASI 0.2 interfaces need a host for them, "
                            "which `hive run` does not have yet (docs/COMPONENTS.md)\n");
        goto out;
    }
    char name[512];
    hive_cfunc *f;
    if (!invoke) {
        f = find_run(c, ci, name, sizeof name);
        if (!f) {
            fprintf(stderr, "hive: %s exports no wasi:cli/run (try --invoke)\n", path);
            goto out;
        }
        rc = call_and_print(ci, f, name, NULL, 0, limits, 0);
        goto out;
    }
    f = hive_cinstance_func(ci, invoke);
    if (!f) {
        fprintf(stderr, "hive: %s: no exported function '%s'\n", path, invoke);
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
    rc = call_and_print(ci, f, invoke, args, nargs, limits, 1);
out:
    for (size_t k = 0; args && k < nargs; k++) hive_cval_clear(&args[k]);
    free(args);
    hive_cinstance_free(ci);
    hive_linker_free(l);
    hive_component_release(c);
    return rc;
}

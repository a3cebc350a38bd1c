/*
 * fuzz/component.c -- libFuzzer target: arbitrary bytes as a component.
 * Decode, validate and compile (hive_component_new); if that works, link
 * every import the host could serve (functions that trap, resources) and
 * instantiate; then call every exported function that takes no
 * parameters, under a small budget. Errors and traps are fine; crashes,
 * leaks, hangs and assertion failures are not.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hive/component.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_BUDGET 2000

static hive_host_status stub(hive_chost_call *call, const hive_cval *args, size_t nargs,
                             hive_cval *results, size_t nresults) {
    (void)args; (void)nargs; (void)results; (void)nresults;
    hive_chost_trap(call, "fuzz stub");
    return HIVE_HOST_TRAP;
}

static void define(hive_linker *l, const char *iface, const char *name, const hive_cextern *x) {
    switch (hive_cextern_sort(x)) {
    case HIVE_CSORT_FUNC: hive_linker_define_func(l, iface, name, NULL, stub, NULL); break;
    case HIVE_CSORT_TYPE: {
        hive_host_resource r = {NULL, NULL, name};
        hive_linker_define_resource(l, iface, name, &r);
        break;
    }
    case HIVE_CSORT_INSTANCE:
        if (iface) break; /* nested instances: not from the host */
        for (size_t i = 0; i < hive_cextern_member_count(x, 0); i++) {
            const char *mn;
            const hive_cextern *m = hive_cextern_member(x, 0, i, &mn);
            define(l, name, mn, m);
        }
        break;
    default: break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    hive_config cfg = {0};
    cfg.max_memory_pages = 256;
    cfg.value_stack_slots = 1 << 14;
    cfg.max_call_depth = 500;
    hive_engine *engine = hive_engine_new(&cfg);
    if (!engine) return 0;
    hive_component *c = NULL;
    hive_error err;
    if (hive_component_new(engine, data, size, &c, &err) != HIVE_OK) {
        hive_engine_free(engine);
        return 0;
    }
    hive_linker *l = hive_linker_new(engine);
    for (size_t i = 0; i < hive_component_import_count(c); i++) {
        const char *name;
        const hive_cextern *x = hive_component_import(c, i, &name);
        char *s = hive_cextern_format(x);
        free(s);
        define(l, NULL, name, x);
    }
    hive_cinstance *ci = NULL;
    if (hive_cinstance_new(engine, c, l, &ci, &err) == HIVE_OK) {
        for (size_t i = 0; i < hive_component_export_count(c); i++) {
            const char *name;
            const hive_cextern *x = hive_component_export(c, i, &name);
            if (hive_cextern_sort(x) != HIVE_CSORT_FUNC || hive_cextern_func_param_count(x)) continue;
            hive_cfunc *f = hive_cinstance_func(ci, name);
            if (!f) continue;
            hive_status st = hive_cinstance_call(ci, f, NULL, 0, FUZZ_BUDGET);
            if (st == HIVE_DONE) {
                hive_cval r[1];
                memset(r, 0, sizeof r);
                if (hive_cinstance_results(ci, r, 1)) hive_cval_clear(&r[0]);
                hive_cinstance_post_return(ci);
            } else if (st != HIVE_TRAPPED && st != HIVE_FAILED) {
                hive_cinstance_reset(ci);
            }
        }
        hive_cinstance_free(ci);
    }
    hive_linker_free(l);
    hive_component_release(c);
    hive_engine_free(engine);
    return 0;
}

/*
 * fuzz/component.c -- libFuzzer target: arbitrary bytes as a component.
 * Decode, validate and compile (hive_component_new); if that works, link
 * every import the host could serve (functions that trap, resources) and
 * instantiate; then call every exported function, with arguments made
 * up from its parameter types by a generator seeded from the input,
 * under a small budget. Errors, traps and refused arguments are fine;
 * crashes, leaks, hangs and assertion failures are not.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hive/component.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_BUDGET 2000

static uint64_t rng;

static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A value of type t (mostly valid, sometimes not: the call must cope). */
static void gen(hive_cval *v, const hive_ctype *t, int depth) {
    memset(v, 0, sizeof *v);
    uint64_t r = next();
    switch (t->kind) {
    case HIVE_C_BOOL: *v = hive_cval_bool((int)(r & 1)); return;
    case HIVE_C_S8: case HIVE_C_S16: case HIVE_C_S32: case HIVE_C_S64:
        *v = hive_cval_sint(t->kind, (int64_t)(r % 7) - 3);
        return;
    case HIVE_C_U8: case HIVE_C_U16: case HIVE_C_U32: case HIVE_C_U64:
        *v = hive_cval_uint(t->kind, r % 5 == 0 ? (r >> 8) : r % 300);
        return;
    case HIVE_C_F32: *v = hive_cval_f32((float)(int)(r % 100)); return;
    case HIVE_C_F64: *v = hive_cval_f64((double)(int)(r % 100) / 3); return;
    case HIVE_C_CHAR: *v = hive_cval_char(r % 11 == 0 ? 0xd800 : (uint32_t)('a' + r % 26)); return;
    case HIVE_C_STRING: {
        static const char *s[] = {"", "a", "héllo", "\xf0\x9f\x98\x80x", "0123456789abcdef0123456789"};
        hive_cval_string(v, s[r % 5], strlen(s[r % 5]));
        return;
    }
    case HIVE_C_LIST: case HIVE_C_FIXED_LIST: {
        size_t n = t->kind == HIVE_C_FIXED_LIST ? t->len : (depth > 2 ? 0 : r % 4);
        if (hive_cval_agg(v, t->kind, n) != HIVE_OK) return;
        for (size_t i = 0; i < n; i++) gen(&v->of.agg.items[i], t->elem, depth + 1);
        return;
    }
    case HIVE_C_RECORD: case HIVE_C_TUPLE:
        if (hive_cval_agg(v, t->kind, t->n) != HIVE_OK) return;
        for (size_t i = 0; i < t->n; i++) gen(&v->of.agg.items[i], t->cases[i].type, depth + 1);
        return;
    case HIVE_C_VARIANT: case HIVE_C_OPTION: case HIVE_C_RESULT: {
        uint32_t n = t->kind == HIVE_C_VARIANT ? t->n : 2, idx = (uint32_t)(r % n);
        const hive_ctype *pt = t->kind == HIVE_C_VARIANT ? t->cases[idx].type
                             : t->kind == HIVE_C_OPTION ? (idx ? t->elem : NULL)
                             : (idx ? t->elem2 : t->elem);
        hive_cval pl;
        memset(&pl, 0, sizeof pl);
        if (pt) gen(&pl, pt, depth + 1);
        hive_cval_case(v, t->kind, idx, pt ? &pl : NULL);
        return;
    }
    case HIVE_C_ENUM: *v = hive_cval_enum((uint32_t)(r % t->n)); return;
    case HIVE_C_FLAGS: *v = hive_cval_flags(r & ((t->n < 64 ? (1ull << t->n) : 0) - 1)); return;
    case HIVE_C_OWN: case HIVE_C_BORROW: *v = hive_cval_handle(t->kind, (uint32_t)(r % 4), NULL); return;
    default: return;
    }
}

/* Host functions: most trap; some answer with a made-up value of their
 * result type at once, some return PENDING and are answered (or trapped)
 * by the driver below. The component's import types say what to make. */
static const hive_component *cur;
static const hive_ctype *pend_type; /* the PENDING call's result type (NULL: none) */
static int pend_has_result;

static hive_ctype *import_result(const char *iface, const char *name, int *found) {
    *found = 0;
    for (size_t i = 0; cur && i < hive_component_import_count(cur); i++) {
        const char *n;
        const hive_cextern *x = hive_component_import(cur, i, &n);
        if (iface && *iface) {
            if (strcmp(n, iface) || hive_cextern_sort(x) != HIVE_CSORT_INSTANCE) continue;
            for (size_t k = 0; k < hive_cextern_member_count(x, 0); k++) {
                const char *mn;
                const hive_cextern *m = hive_cextern_member(x, 0, k, &mn);
                if (!strcmp(mn, name) && hive_cextern_sort(m) == HIVE_CSORT_FUNC) {
                    *found = 1;
                    return hive_cextern_func_result(m);
                }
            }
        } else if (!strcmp(n, name) && hive_cextern_sort(x) == HIVE_CSORT_FUNC) {
            *found = 1;
            return hive_cextern_func_result(x);
        }
    }
    return NULL;
}

static hive_host_status stub(hive_chost_call *call, const hive_cval *args, size_t nargs,
                             hive_cval *results, size_t nresults) {
    (void)args; (void)nargs;
    uint64_t r = next() % 4;
    int found;
    hive_ctype *rt = import_result(call->iface, call->name, &found);
    if (!found || r == 0) {
        hive_ctype_release(rt);
        hive_chost_trap(call, "fuzz stub");
        return HIVE_HOST_TRAP;
    }
    if (r == 1 && !pend_type && !pend_has_result) {
        pend_type = rt; /* released by the driver */
        pend_has_result = 1;
        return HIVE_HOST_PENDING;
    }
    if (rt && nresults) gen(&results[0], rt, 0);
    hive_ctype_release(rt);
    return HIVE_HOST_OK;
}

static void define(hive_linker *l, const char *iface, const char *name, const hive_cextern *x) {
    switch (hive_cextern_sort(x)) {
    case HIVE_CSORT_FUNC: hive_linker_define_func(l, iface, name, NULL, stub, NULL); break;
    case HIVE_CSORT_TYPE: {
        hive_host_resource r = {NULL, NULL, name, NULL};
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
    cur = c;
    pend_type = NULL;
    pend_has_result = 0;
    hive_linker *l = hive_linker_new(engine);
    for (size_t i = 0; i < hive_component_import_count(c); i++) {
        const char *name;
        const hive_cextern *x = hive_component_import(c, i, &name);
        char *s = hive_cextern_format(x);
        free(s);
        define(l, NULL, name, x);
    }
    hive_cinstance *ci = NULL;
    rng = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < size; i++) rng = (rng ^ data[i]) * 0x100000001b3ull;
    if (!rng) rng = 1;
    if (hive_cinstance_new(engine, c, l, &ci, &err) == HIVE_OK) {
        for (size_t i = 0; i < hive_component_export_count(c); i++) {
            const char *name;
            const hive_cextern *x = hive_component_export(c, i, &name);
            size_t np = hive_cextern_func_param_count(x);
            if (hive_cextern_sort(x) != HIVE_CSORT_FUNC || np > 16) continue;
            hive_cfunc *f = hive_cinstance_func(ci, name);
            if (!f) continue;
            hive_cval args[16];
            for (size_t k = 0; k < np; k++) {
                hive_ctype *pt = hive_cextern_func_param(x, k, NULL);
                if (pt) gen(&args[k], pt, 0);
                else memset(&args[k], 0, sizeof args[k]);
                hive_ctype_release(pt);
            }
            hive_status st = hive_cinstance_call(ci, f, args, np, FUZZ_BUDGET);
            for (size_t k = 0; k < np; k++) hive_cval_clear(&args[k]);
            /* answer PENDING host calls (a few rounds), or give up */
            for (int round = 0; round < 8 && st == HIVE_PENDING; round++) {
                int rc;
                if (next() % 5 == 0) {
                    rc = hive_cinstance_complete_trap(ci, "fuzz: no answer");
                } else {
                    hive_cval rv;
                    memset(&rv, 0, sizeof rv);
                    if (pend_type) gen(&rv, pend_type, 0);
                    rc = hive_cinstance_complete(ci, &rv, pend_type ? 1 : 0);
                    hive_cval_clear(&rv);
                }
                hive_ctype_release((hive_ctype *)pend_type);
                pend_type = NULL;
                pend_has_result = 0;
                if (rc != HIVE_OK) break;
                st = hive_cinstance_resume(ci, FUZZ_BUDGET);
            }
            hive_ctype_release((hive_ctype *)pend_type);
            pend_type = NULL;
            pend_has_result = 0;
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
    cur = NULL;
    hive_linker_free(l);
    hive_component_release(c);
    hive_engine_free(engine);
    return 0;
}

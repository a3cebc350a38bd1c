/*
 * module.c -- the public module object: loading (compile.c runs the
 * phases), lazy compilation's lock (hv_module_code_cells), and the public
 * queries on its imports and exports.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/assert.h"
#include "support/error.h"
#include "wasm/runtime.h"

/* hive_module_new, or with take hive_module_new_take. */
static int module_new(hive_engine *engine, const uint8_t *bytes, size_t len, hive_module **out,
                      hive_error *err, bool take) {
    if (err) {
        err->code = HIVE_OK;
        err->offset = 0;
        err->message[0] = 0;
    }
    if (!out || !engine || (!bytes && len)) {
        /* (without an engine, taken bytes cannot be given back: the
         * caller's, as the header says) */
        if (take && engine) hv_free(&engine->alloc, (void *)bytes);
        if (out) *out = NULL;
        return hv_error_set(err, HIVE_EARG, 0, out ? "bad arguments" : "no output pointer");
    }
    *out = NULL;
    hive_module *mod = hv_calloc(&engine->alloc, 1, sizeof *mod);
    if (!mod) {
        if (take) hv_free(&engine->alloc, (void *)bytes);
        return hv_error_set(err, HIVE_ENOMEM, 0, "out of memory");
    }
    mod->engine = engine;
    atomic_init(&mod->refs, 1);
    atomic_init(&mod->compiled, 0);
    atomic_init(&mod->runs, 0);
    pthread_mutex_init(&mod->compile_lock, NULL);
    hv_instance_module_init(mod);
    int rc = hv_compile_module(engine, bytes, len, &mod->m, err, take);
    if (rc != HIVE_OK) {
        hv_instance_module_fini(mod);
        pthread_mutex_destroy(&mod->compile_lock);
        hv_free(&engine->alloc, mod);
        return rc;
    }
    if (engine->eager)
        atomic_store_explicit(&mod->compiled, mod->m.nfuncs - mod->m.nimported_funcs,
                              memory_order_relaxed);
    *out = mod;
    return HIVE_OK;
}

int hive_module_new(hive_engine *engine, const uint8_t *bytes, size_t len, hive_module **out,
                    hive_error *err) {
    return module_new(engine, bytes, len, out, err, false);
}

int hive_module_new_take(hive_engine *engine, uint8_t *bytes, size_t len, hive_module **out,
                         hive_error *err) {
    return module_new(engine, bytes, len, out, err, true);
}

const wasm_cell *hv_module_code_cells(hive_module *module, const wasm_code *code) {
    const wasm_cell *cells = wasm_code_cells(code);
    if (cells) return cells;
    /* one of this module's own functions, validated at load */
    HIVE_ASSERT(code >= module->m.codes &&
                code < module->m.codes + (module->m.nfuncs - module->m.nimported_funcs));
    HIVE_ASSERT(code->type && code->param_slots <= code->local_slots);
    pthread_mutex_lock(&module->compile_lock);
    cells = wasm_code_cells(code);
    if (!cells) {
        hive_error err;
        uint32_t i = (uint32_t)(code - module->m.codes);
        /* not compiled: the shared stub, nothing of a compile published */
        HIVE_ASSERT(code->cells == hv_interp_lazy_stub && code->max_slots == 0);
        if (hv_compile_function(module->engine, &module->m, i, &module->compiler, &err) == HIVE_OK) {
            cells = wasm_code_cells(code);
            /* published complete: code, and a frame that holds the locals */
            HIVE_ASSERT(cells && code->ncells > 0 && code->max_slots >= code->local_slots);
            size_t done = atomic_fetch_add_explicit(&module->compiled, 1, memory_order_relaxed);
            HIVE_ASSERT(done < module->m.nfuncs - module->m.nimported_funcs);
            (void)done;
        } else {
            /* a failed compile (out of memory) leaves it to a later call */
            HIVE_ASSERT(!wasm_code_cells(code));
        }
    }
    pthread_mutex_unlock(&module->compile_lock);
    return cells;
}

/* When inline copies are made (docs/ARCHITECTURE.md, "Inline copies:
 * when"): a function found at the end of engine->tier_samples (2 unless
 * HIVE_TIER says otherwise) slices of a run
 * (each SLICE_UNITS loop iterations and calls, interp.c; the first check
 * of a run, which comes at once, is not a sample) gets them, with the
 * compiled functions it calls directly; once TIER_RUNS runs of the module
 * have reached a unit check (a server's requests), every function gets
 * them: each unit check from then on copies the next functions compiled
 * before, about TIER_BATCH_INSNS instructions' worth. A short program (a
 * hello, a CLI printing its version) makes none. */
#define TIER_RUNS 256u
#define TIER_BATCH_INSNS 20000u

void hv_module_sample(hive_module *module, const wasm_code *code, bool warm) {
    wasm_module *m = &module->m;
    if (__atomic_load_n(&m->tier_done, __ATOMIC_RELAXED)) return;
    bool all = __atomic_load_n(&m->tier_all, __ATOMIC_RELAXED);
    if (!all && !warm &&
        atomic_fetch_add_explicit(&module->runs, 1, memory_order_relaxed) + 1 >= TIER_RUNS)
        all = true;
    /* (code is one of this module's own: the run is in it) */
    HIVE_ASSERT(code >= m->codes && code < m->codes + (m->nfuncs - m->nimported_funcs));
    bool hot = false;
    if (warm && __atomic_load_n(&code->tier_insns, __ATOMIC_RELAXED)) {
        wasm_code *c = &m->codes[code - m->codes];
        hot = __atomic_add_fetch(&c->samples, 1, __ATOMIC_RELAXED) >= module->engine->tier_samples;
    }
    if (!hot && !all) return;
    pthread_mutex_lock(&module->compile_lock);
    if (hot) hv_compile_tier_up(module->engine, m, (uint32_t)(code - m->codes), &module->compiler);
    /* the rest a batch at a time (a big module's thousands of compiled
     * functions would hold up one request for tens of milliseconds) */
    if (all && hv_compile_tier_more(module->engine, m, TIER_BATCH_INSNS, &module->compiler))
        __atomic_store_n(&m->tier_done, true, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&module->compile_lock);
}

void hive_module_retain(hive_module *module) {
    if (module) atomic_fetch_add_explicit(&module->refs, 1, memory_order_relaxed);
}

/* With HIVE_COMPILE_STATS=1 in the environment, a module reports on
 * stderr, when it is freed, how much of it was compiled: functions, the
 * wasm bytes of their bodies against all bodies', and the compiled code
 * (cells, and inline copies written) per byte of wasm body compiled and
 * per byte of all bodies. For measurements (docs/PERFORMANCE.md). */
static void module_stats(const hive_module *module) {
    const char *e = getenv("HIVE_COMPILE_STATS");
    if (!e || !*e || *e == '0') return;
    const wasm_module *m = &module->m;
    uint32_t n = m->nfuncs - m->nimported_funcs, done = 0;
    uint64_t body = 0, body_done = 0, cells = 0, kept = 0;
    for (uint32_t i = 0; i < n; i++) {
        const wasm_code *c = &m->codes[i];
        uint64_t b = c->body_end - c->body_start;
        body += b;
        if (!wasm_code_cells(c)) continue;
        done++;
        body_done += b;
        cells += (uint64_t)c->ncells * sizeof(wasm_cell);
        if (c->tier_insns) kept += (uint64_t)c->tier_ninsns * sizeof(wasm_insn);
    }
    double code = (double)cells + (double)m->icode_used + (double)kept;
    fprintf(stderr,
            "hive: compiled %u of %u functions, %llu of %llu body bytes; cells %llu, copies %zu "
            "bytes, kept instructions %llu (%.2f per compiled body byte, %.3f per body byte)\n",
            done, n, (unsigned long long)body_done, (unsigned long long)body,
            (unsigned long long)cells, m->icode_used, (unsigned long long)kept,
            body_done ? code / (double)body_done : 0.0,
            body ? code / (double)body : 0.0);
}

void hive_module_release(hive_module *module) {
    if (!module) return;
    if (atomic_fetch_sub_explicit(&module->refs, 1, memory_order_acq_rel) != 1) return;
    hive_engine *engine = module->engine;
    module_stats(module);
    hv_instance_module_fini(module);
    hv_compile_module_fini(engine, &module->m, module->compiler);
    pthread_mutex_destroy(&module->compile_lock);
    hv_free(&engine->alloc, module);
}

/* Describes function type t for the public API (pointers into t). */
static hive_functype module_pub_functype(const wasm_functype *t) {
    hive_functype f = {t->nparams, t->nresults, t->params, t->results};
    return f;
}

/* Fills the public type of the extern of kind and index in m. */
static void module_externtype(const wasm_module *m, uint8_t kind, uint32_t index,
                              hive_externtype *type) {
    memset(type, 0, sizeof *type);
    type->kind = (hive_externkind)kind;
    switch (kind) {
    case HIVE_EXTERN_FUNC:
        type->func = module_pub_functype(wasm_func_type(m, index));
        break;
    case HIVE_EXTERN_TABLE:
        type->elemtype = m->tables[index].elemtype;
        type->limits.min = m->tables[index].limits.min;
        type->limits.max = m->tables[index].limits.max;
        type->limits.has_max = m->tables[index].limits.has_max;
        break;
    case HIVE_EXTERN_MEMORY:
        type->limits.min = m->memories[index].min;
        type->limits.max = m->memories[index].max;
        type->limits.has_max = m->memories[index].has_max;
        type->limits.shared = m->memories[index].shared;
        break;
    case HIVE_EXTERN_GLOBAL:
        type->valtype = m->globals[index].type.valtype;
        type->mutable_ = m->globals[index].type.mutable_;
        break;
    case HIVE_EXTERN_TAG: type->func = module_pub_functype(&m->types[m->tags[index]]); break;
    }
}

size_t hive_module_import_count(const hive_module *module) {
    return module ? module->m.nimports : 0;
}

int hive_module_import(const hive_module *module, size_t i, const char **modname,
                       size_t *modname_len, const char **name, size_t *name_len,
                       hive_externtype *type) {
    if (!module || i >= module->m.nimports) return HIVE_EARG;
    const wasm_import *im = &module->m.imports[i];
    if (modname) *modname = im->module.ptr;
    if (modname_len) *modname_len = im->module.len;
    if (name) *name = im->name.ptr;
    if (name_len) *name_len = im->name.len;
    if (type) module_externtype(&module->m, im->kind, im->index, type);
    return HIVE_OK;
}

size_t hive_module_export_count(const hive_module *module) {
    return module ? module->m.nexports : 0;
}

int hive_module_export(const hive_module *module, size_t i, const char **name, size_t *name_len,
                       hive_externtype *type) {
    if (!module || i >= module->m.nexports) return HIVE_EARG;
    const wasm_export *ex = &module->m.exports[i];
    if (name) *name = ex->name.ptr;
    if (name_len) *name_len = ex->name.len;
    if (type) module_externtype(&module->m, ex->kind, ex->index, type);
    return HIVE_OK;
}

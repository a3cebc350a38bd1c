/*
 * fuzz/module.c -- libFuzzer target: arbitrary bytes as a WebAssembly
 * module. Decode, validate and compile (hive_module_new); if that works,
 * instantiate with stub imports of the right types (host functions that
 * return zeros, fresh tables, memories and globals), run the start
 * function, then call every exported function with zero arguments, each
 * under a small budget and never resumed. Errors and traps are fine;
 * crashes, leaks, hangs and assertion failures are not.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hive/wasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_BUDGET 2000 /* loop iterations + calls per call */

static hive_host_status stub_fn(hive_host_call *call, const hive_val *args, hive_val *results) {
    const hive_functype *t = call->user;
    for (uint32_t i = 0; i < t->nresults; i++) {
        memset(&results[i], 0, sizeof results[i]);
        results[i].type = t->results[i];
    }
    return HIVE_HOST_OK;
}

/* Keeps the import's function type alive for the stub (the module owns
 * the arrays, and the module outlives every stub). */
typedef struct stub {
    hive_functype type;
} stub;

static void zero_args(const hive_functype *t, hive_val *args) {
    for (uint32_t i = 0; i < t->nparams; i++) {
        memset(&args[i], 0, sizeof args[i]);
        args[i].type = t->params[i];
    }
}

static void run(hive_exec *exec, hive_func *f) {
    const hive_functype *t = hive_func_type(f);
    hive_val args[1024];
    if (!t || t->nparams > 1024) return;
    zero_args(t, args);
    hive_status st = hive_exec_call(exec, f, args, t->nparams, FUZZ_BUDGET);
    if (st == HIVE_DONE) {
        hive_val res[64];
        hive_exec_results(exec, res, 64);
    } else if (st == HIVE_TRAPPED) {
        (void)hive_exec_trap(exec);
    }
    if (hive_exec_status(exec) != HIVE_DONE) hive_exec_reset(exec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    hive_config cfg = {0};
    cfg.max_memory_pages = 256;
    cfg.max_table_elems = 100000;
    cfg.max_call_depth = 500;
    cfg.value_stack_slots = 1 << 14;
    hive_engine *engine = hive_engine_new(&cfg);
    if (!engine) return 0;
    hive_module *module = NULL;
    hive_error err;
    if (hive_module_new(engine, data, size, &module, &err) != HIVE_OK) {
        hive_engine_free(engine);
        return 0;
    }
    size_t nimports = hive_module_import_count(module);
    hive_extern *imports = calloc(nimports ? nimports : 1, sizeof *imports);
    stub *stubs = calloc(nimports ? nimports : 1, sizeof *stubs);
    int ok = imports && stubs;
    for (size_t i = 0; ok && i < nimports; i++) {
        const char *mod, *name;
        size_t mlen, nlen;
        hive_externtype t;
        if (hive_module_import(module, i, &mod, &mlen, &name, &nlen, &t) != HIVE_OK) {
            ok = 0;
            break;
        }
        imports[i].kind = t.kind;
        switch (t.kind) {
        case HIVE_EXTERN_FUNC:
            stubs[i].type = t.func;
            imports[i].of.func =
                hive_func_new_host(engine, &t.func, stub_fn, &stubs[i].type, NULL, "stub");
            ok = imports[i].of.func != NULL;
            break;
        case HIVE_EXTERN_TABLE:
            imports[i].of.table = hive_table_new(engine, t.elemtype, t.limits, NULL);
            ok = imports[i].of.table != NULL;
            break;
        case HIVE_EXTERN_MEMORY:
            imports[i].of.memory = hive_memory_new(engine, t.limits);
            ok = imports[i].of.memory != NULL;
            break;
        case HIVE_EXTERN_GLOBAL: {
            hive_val v;
            memset(&v, 0, sizeof v);
            v.type = t.valtype;
            imports[i].of.global = hive_global_new(engine, v, t.mutable_);
            ok = imports[i].of.global != NULL;
            break;
        }
        case HIVE_EXTERN_TAG:
            imports[i].of.tag = hive_tag_new(engine, &t.func);
            ok = imports[i].of.tag != NULL;
            break;
        default:
            ok = 0;
        }
    }
    hive_instance *inst = NULL;
    hive_exec *exec = NULL;
    if (ok) {
        int rc = hive_instance_new(engine, module, imports, nimports, &inst, &err);
        if (rc == HIVE_OK && (exec = hive_exec_new(engine)) != NULL) {
            hive_func *start = hive_instance_start_func(inst);
            if (start) run(exec, start);
            size_t nexports = hive_module_export_count(module);
            for (size_t i = 0; i < nexports; i++) {
                const char *name;
                size_t nlen;
                hive_externtype t;
                hive_extern ex;
                if (hive_module_export(module, i, &name, &nlen, &t) != HIVE_OK) continue;
                if (t.kind != HIVE_EXTERN_FUNC) continue;
                if (hive_instance_export(inst, name, nlen, &ex) != HIVE_OK) continue;
                run(exec, ex.of.func);
            }
        }
    }
    hive_exec_free(exec);
    hive_instance_free(inst);
    for (size_t i = 0; imports && i < nimports; i++) {
        switch (imports[i].kind) {
        case HIVE_EXTERN_FUNC: hive_func_free(imports[i].of.func); break;
        case HIVE_EXTERN_TABLE: hive_table_free(imports[i].of.table); break;
        case HIVE_EXTERN_MEMORY: hive_memory_free(imports[i].of.memory); break;
        case HIVE_EXTERN_GLOBAL: hive_global_free(imports[i].of.global); break;
        case HIVE_EXTERN_TAG: hive_tag_free(imports[i].of.tag); break;
        }
    }
    free(imports);
    free(stubs);
    hive_module_release(module);
    hive_engine_free(engine);
    return 0;
}

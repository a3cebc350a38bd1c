/*
 * sideutil.h -- one engine with one module instantiated ("a side"), for
 * tests that run the same module on engines made with different flags
 * (fused or not, inline-threaded or not) and compare what they do.
 */
#ifndef HIVE_TEST_SIDEUTIL_H
#define HIVE_TEST_SIDEUTIL_H

#include <stdio.h>
#include <string.h>

#include "hive/wasm.h"

typedef struct side {
    hive_engine *engine;
    hive_module *module;
    hive_instance *inst;
    hive_exec *exec;
    uint8_t *mem; /* memory 0's bytes, NULL if the module has none */
} side;

/* An engine with config flags, the module wasm[0..len) and an exec;
 * -1 when any of it fails. */
static inline int side_open(side *s, const uint8_t *wasm, size_t len, uint32_t flags) {
    hive_config cfg;
    hive_error err;
    memset(s, 0, sizeof *s);
    memset(&cfg, 0, sizeof cfg);
    cfg.flags = flags;
    if (!(s->engine = hive_engine_new(&cfg))) return -1;
    if (hive_module_new(s->engine, wasm, len, &s->module, &err) != HIVE_OK ||
        hive_instance_new(s->engine, s->module, NULL, 0, &s->inst, &err) != HIVE_OK) {
        fprintf(stderr, "side module: %s\n", err.message);
        return -1;
    }
    s->exec = hive_exec_new(s->engine);
    hive_memory *m = hive_instance_memory(s->inst);
    s->mem = m ? hive_memory_data(m) : NULL;
    return s->exec ? 0 : -1;
}

static inline void side_close(side *s) {
    if (s->exec) hive_exec_free(s->exec);
    if (s->inst) hive_instance_free(s->inst);
    hive_module_release(s->module);
    if (s->engine) hive_engine_free(s->engine);
}

/* The exported function name, or NULL (reported). */
static inline const hive_func *side_func(side *s, const char *name) {
    hive_extern e;
    if (hive_instance_export(s->inst, name, strlen(name), &e) != HIVE_OK ||
        e.kind != HIVE_EXTERN_FUNC) {
        fprintf(stderr, "export %s missing\n", name);
        return NULL;
    }
    return e.of.func;
}

#endif

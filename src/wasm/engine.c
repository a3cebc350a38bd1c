/*
 * engine.c -- the engine object: the allocator hook and the limits every
 * module, instance and exec made from it obeys. It owns nothing else.
 */
#include <stdlib.h>

#include "support/alloc.h"
#include "wasm/runtime.h"

#define ENGINE_DEFAULT_MAX_TABLE_ELEMS 10000000u
#define ENGINE_DEFAULT_MAX_CALL_DEPTH 10000u
#define ENGINE_DEFAULT_VALUE_STACK_SLOTS (1u << 20)

/* config may be NULL: every field then takes its default, as does every
 * zero field of a given config. max_memory_pages above wasm32's 65536 is
 * clamped (a 32-bit address space cannot use more). */
hive_engine *hive_engine_new(const hive_config *config) {
    hv_alloc a = {hv_alloc_libc, NULL};
    if (config && config->alloc) {
        a.fn = config->alloc;
        a.ud = config->alloc_ud;
    }
    hive_engine *e = hv_malloc(&a, sizeof *e);
    if (!e) return NULL;
    e->alloc = a;
    e->max_memory_pages = WASM_MAX_MEMORY_PAGES;
    e->max_table_elems = ENGINE_DEFAULT_MAX_TABLE_ELEMS;
    e->max_call_depth = ENGINE_DEFAULT_MAX_CALL_DEPTH;
    e->value_stack_slots = ENGINE_DEFAULT_VALUE_STACK_SLOTS;
    if (config) {
        if (config->max_memory_pages && config->max_memory_pages < WASM_MAX_MEMORY_PAGES)
            e->max_memory_pages = config->max_memory_pages;
        if (config->max_table_elems) e->max_table_elems = config->max_table_elems;
        if (config->max_call_depth) e->max_call_depth = config->max_call_depth;
        if (config->value_stack_slots) e->value_stack_slots = config->value_stack_slots;
    }
    e->memory_budget = config ? config->memory_budget : 0;
    atomic_init(&e->memory_committed, 0);
    atomic_init(&e->image_serial, 0);
    pthread_mutex_init(&e->slots_lock, NULL);
    e->slots = NULL;
    e->nslots = 0;
    e->nexec_keep = 0;
    e->no_fusion = config && (config->flags & HIVE_CONFIG_NO_FUSION);
    e->no_inline = config && (config->flags & HIVE_CONFIG_NO_INLINE);
    e->wasm2 = config && (config->flags & HIVE_CONFIG_WASM2);
    e->single_instance = config && (config->flags & HIVE_CONFIG_SINGLE_INSTANCE);
    const char *eager = getenv("HIVE_EAGER");
    e->eager = (config && (config->flags & HIVE_CONFIG_EAGER)) ||
               (eager && *eager && *eager != '0');
    /* inline copies: after this many samples of a function (module.c) */
    e->tier_samples = 2;
    const char *tier = getenv("HIVE_TIER");
    if (tier && *tier) {
        char *end;
        unsigned long n = strtoul(tier, &end, 10);
        if (!*end && n < 1000000) e->tier_samples = (uint32_t)n;
    }
    if (config && (config->flags & HIVE_CONFIG_INLINE_NOW)) e->tier_samples = 0;
    return e;
}

uint64_t hive_engine_memory_committed(const hive_engine *engine) {
    return engine ? atomic_load(&((hive_engine *)engine)->memory_committed) : 0;
}

uint64_t hive_engine_memory_budget(const hive_engine *engine) {
    return engine ? engine->memory_budget : 0;
}

/* Frees the engine; everything made from it must be freed first. NULL ok. */
void hive_engine_free(hive_engine *engine) {
    if (!engine) return;
    hv_instance_memory_slots_free(engine);
    hv_exec_keep_free(engine);
    pthread_mutex_destroy(&engine->slots_lock);
    hv_alloc a = engine->alloc; /* the engine holds its own allocator */
    hv_free(&a, engine);
}

/*
 * fail_alloc.h -- an engine allocator (hive_alloc_fn) that fails its Nth
 * call and counts live blocks: the allocation-failure walks of
 * tests/unit/test_alloc_fail.c, tests/unit/test_component.c and
 * tests/alloc/spec_walk.c.
 *
 *     fail_alloc fa = {.fail_at = n};
 *     cfg.alloc = fail_alloc_fn;
 *     cfg.alloc_ud = &fa;
 *
 * Every call that asks for memory counts, reallocations included (one that
 * shrinks or keeps the size cannot fail in practice, but the contract of
 * hive_alloc_fn allows it, so those are counted and failed too); call
 * number fail_at (1-based; 0: none) returns NULL and sets failed. live is
 * the number of blocks allocated and not yet freed: 0 once everything is
 * freed, or something leaked. Header-only: each test includes it once.
 */
#ifndef HIVE_TESTS_FAIL_ALLOC_H
#define HIVE_TESTS_FAIL_ALLOC_H

#include <stddef.h>
#include <stdlib.h>

typedef struct fail_alloc {
    unsigned long count;   /* allocations asked for so far */
    unsigned long fail_at; /* 1-based; 0 = never fail */
    int failed;            /* a failure was injected */
    long live;             /* blocks allocated and not freed */
} fail_alloc;

/* The header before each block keeps the block's alignment maximal. */
typedef union fail_alloc_hdr {
    size_t size;
    max_align_t align_;
} fail_alloc_hdr;

static inline void *fail_alloc_fn(void *ud, void *ptr, size_t size) {
    fail_alloc *fa = ud;
    if (size == 0) {
        if (ptr) {
            fa->live--;
            free((fail_alloc_hdr *)ptr - 1);
        }
        return NULL;
    }
    fa->count++;
    if (fa->fail_at && fa->count == fa->fail_at) {
        fa->failed = 1;
        return NULL;
    }
    fail_alloc_hdr *h = ptr ? (fail_alloc_hdr *)ptr - 1 : NULL;
    fail_alloc_hdr *n = realloc(h, sizeof(fail_alloc_hdr) + size);
    if (!n) return NULL;
    if (!ptr) fa->live++;
    n->size = size;
    return n + 1;
}

#endif

/*
 * alloc.h -- the one allocation hook all engine memory goes through.
 * An allocator is a realloc-like function plus its user pointer; tests
 * swap in one that fails the Nth call to reach every failure path.
 */
#ifndef HIVE_SUPPORT_ALLOC_H
#define HIVE_SUPPORT_ALLOC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct hv_alloc {
    void *(*fn)(void *ud, void *ptr, size_t size);
    void *ud;
} hv_alloc;

/* The C library's allocator. */
void *hv_alloc_libc(void *ud, void *ptr, size_t size);

static inline void *hv_malloc(const hv_alloc *a, size_t n) {
    return n ? a->fn(a->ud, NULL, n) : a->fn(a->ud, NULL, 1);
}
static inline void *hv_realloc(const hv_alloc *a, void *p, size_t n) {
    return a->fn(a->ud, p, n ? n : 1);
}
static inline void hv_free(const hv_alloc *a, void *p) {
    if (p) a->fn(a->ud, p, 0);
}
/* Zeroed array of n elements of size each; NULL on overflow or failure. */
static inline void *hv_calloc(const hv_alloc *a, size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) return NULL;
    size_t bytes = n * size;
    void *p = hv_malloc(a, bytes);
    if (p) memset(p, 0, bytes != 0 ? bytes : 1);
    return p;
}
/* Grows *arr (of *cap elements of size each) to hold at least need
 * elements, doubling. Returns 0, or -1 on overflow/failure (arr kept). */
static inline int hv_grow(const hv_alloc *a, void **arr, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 8;
    while (n < need) {
        if (n > SIZE_MAX / 2) return -1;
        n *= 2;
    }
    if (n > SIZE_MAX / size) return -1;
    void *p = hv_realloc(a, *arr, n * size);
    if (!p) return -1;
    *arr = p;
    *cap = n;
    return 0;
}

#endif

/* alloc.c -- the default allocator: the C library's. */
#include "support/alloc.h"

#include <stdlib.h>

void *hv_alloc_libc(void *ud, void *ptr, size_t size) {
    (void)ud;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, size);
}

/*
 * oom.c -- a WAGI app that allocates (and touches) memory until there is
 * none left, then aborts (a trap). With the query "ok" it answers instead.
 * The blocks are chained and the chain is published through a volatile
 * pointer, so the compiler cannot drop the allocations as dead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *volatile oom_chain;

int main(void) {
    const char *q = getenv("QUERY_STRING");
    if (q && !strcmp(q, "ok")) {
        fputs("Content-Type: text/plain\n\nno oom\n", stdout);
        return 0;
    }
    for (;;) {
        void **p = malloc(1 << 20);
        if (!p) abort();
        memset(p, 1, 1 << 20);
        *p = oom_chain;
        oom_chain = p;
    }
}

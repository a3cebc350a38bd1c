/*
 * loop.c -- a WAGI app that never ends: it computes forever without
 * answering (only the request deadline stops it). With the query "ok" it
 * answers at once instead, so tests can check the server lives on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    const char *q = getenv("QUERY_STRING");
    if (q && !strcmp(q, "ok")) {
        fputs("Content-Type: text/plain\n\nno loop\n", stdout);
        return 0;
    }
    volatile unsigned long n = 0;
    for (;;)
        n++;
}

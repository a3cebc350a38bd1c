/*
 * trap.c -- a WAGI app that traps (unreachable) before it answers. With
 * the query "ok" it answers instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    const char *q = getenv("QUERY_STRING");
    if (q && !strcmp(q, "ok")) {
        fputs("Content-Type: text/plain\n\nno trap\n", stdout);
        return 0;
    }
    __builtin_trap();
}

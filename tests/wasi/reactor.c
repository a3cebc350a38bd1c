/*
 * reactor.c -- WASI test guest built as a reactor (-mexec-model=reactor):
 * _initialize sets state that the exported functions read.
 */
#include <stdio.h>
#include <stdlib.h>

static int base = -1;

__attribute__((constructor)) static void init(void) {
    const char *b = getenv("BASE");
    base = b ? atoi(b) : 100;
}

__attribute__((export_name("add"))) int add(int x, int y) { return base + x + y; }

__attribute__((export_name("greet"))) void greet(void) {
    printf("hello from a reactor, base %d\n", base);
    fflush(stdout);
}

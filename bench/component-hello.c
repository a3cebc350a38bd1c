/* bench/component-hello.c -- a small C command, built as a core module and
 * (with `jco new --wasi-command`) as a component, for make component-bench. */
#include <stdio.h>

int main(int argc, char **argv) {
    printf("hello from %s (%d args)\n", argc > 0 ? argv[0] : "?", argc);
    return 0;
}

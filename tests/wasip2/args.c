/*
 * args.c -- WASI 0.2 test program: prints its arguments and the
 * environment variables it is asked for (the arguments after "--env").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    int env = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--env")) {
            env = 1;
            continue;
        }
        if (env) {
            const char *v = getenv(argv[i]);
            printf("env %s=%s\n", argv[i], v ? v : "(unset)");
        } else {
            printf("arg %d: %s\n", i, argv[i]);
        }
    }
    return 0;
}

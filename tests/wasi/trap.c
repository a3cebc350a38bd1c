/*
 * trap.c -- WASI test guest: prints a line, then traps three calls deep
 * (or, with an argument "loop", loops forever; with "exit N", exits N).
 * For `hive run`'s trap report, backtrace and limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static void innermost_fault(int x) {
    if (x > 0) __builtin_trap();
}
__attribute__((noinline)) static void middle_layer(int x) { innermost_fault(x + 1); }
__attribute__((noinline)) void outer_layer(int x) { middle_layer(x * 2); }

int main(int argc, char **argv) {
    printf("before the trap\n");
    fflush(stdout);
    if (argc > 1 && !strcmp(argv[1], "loop")) {
        volatile unsigned long n = 0;
        for (;;) n++;
    }
    if (argc > 2 && !strcmp(argv[1], "exit")) exit(atoi(argv[2]));
    outer_layer(argc);
    return 0;
}

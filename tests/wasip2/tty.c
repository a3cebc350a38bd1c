/*
 * tty.c -- WASI 0.2 test program: prints "tty N", N having bit i set when
 * stdio fd i looks like a terminal to wasi-libc's isatty() through the
 * adapter (which asks wasi:cli/terminal-stdin, -stdout, -stderr).
 */
#include <stdio.h>
#include <unistd.h>

int main(void) {
    printf("tty %d\n", isatty(0) | isatty(1) << 1 | isatty(2) << 2);
    return 0;
}

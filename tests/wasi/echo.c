/*
 * echo.c -- WASI test guest: copies stdin to stdout through wasi-libc's
 * stdio, then prints how many bytes it copied. Used to drive reads that
 * wait (pipes, embedder streams) and writes that wait.
 */
#include <stdio.h>

int main(void) {
    char buf[4096];
    size_t n, total = 0;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        fwrite(buf, 1, n, stdout);
        total += n;
    }
    printf("[%zu bytes]\n", total);
    return 0;
}

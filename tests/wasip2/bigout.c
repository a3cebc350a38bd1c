/*
 * bigout.c -- WASI 0.2 test program: writes N bytes (argv[1], default
 * 4 MiB) of a known pattern to stdout in 64 KiB writes, so a slow reader
 * makes the host's writes wait; then "done" to stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 4L << 20;
    static char buf[65536];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)('a' + i % 26);
    while (n > 0) {
        size_t k = n < (long)sizeof buf ? (size_t)n : sizeof buf;
        size_t off = 0;
        while (off < k) {
            ssize_t w = write(1, buf + off, k - off);
            if (w <= 0) return 1;
            off += (size_t)w;
        }
        n -= (long)k;
    }
    fprintf(stderr, "done\n");
    return 0;
}

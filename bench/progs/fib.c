/*
 * fib.c -- recursion: naive doubly recursive Fibonacci.
 * Measures calls and returns (frame setup, argument passing) and little
 * else. usage: fib [N]   (default 39; fib(N) makes 2*fib(N+1)-1 calls,
 * 205 million for N = 39)
 */
#include "common.h"

static uint32_t fib(uint32_t n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv) {
    long n = bench_arg(argc, argv, 1, 39);
    if (n > 60) n = 60;
    uint32_t r = fib((uint32_t)n);
    printf("fib(%ld) = %u\n", n, r);
    return 0;
}

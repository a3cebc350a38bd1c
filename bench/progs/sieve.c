/*
 * sieve.c -- the sieve of Eratosthenes over a byte array.
 * Measures tight loops of byte loads and stores with strided access over a
 * buffer larger than the caches.
 * usage: sieve [LIMIT] [PASSES]   (default 20000000 and 2; pass p sieves up
 * to LIMIT - p so that no pass repeats another)
 */
#include <string.h>

#include "common.h"

int main(int argc, char **argv) {
    long limit = bench_arg(argc, argv, 1, 20000000);
    long passes = bench_arg(argc, argv, 2, 2);
    if (limit < 16) limit = 16;
    uint8_t *composite = malloc((size_t)limit + 1);
    if (!composite) {
        fprintf(stderr, "sieve: out of memory\n");
        return 1;
    }
    uint64_t hash = BENCH_FNV_INIT;
    for (long p = 0; p < passes; p++) {
        long n = limit - p;
        memset(composite, 0, (size_t)n + 1);
        for (long i = 2; i * i <= n; i++)
            if (!composite[i])
                for (long j = i * i; j <= n; j += i) composite[j] = 1;
        uint64_t count = 0, sum = 0, last = 0;
        for (long i = 2; i <= n; i++)
            if (!composite[i]) {
                count++;
                sum += (uint64_t)i;
                last = (uint64_t)i;
            }
        hash = bench_mix(bench_mix(bench_mix(hash, count), sum), last);
        if (p == 0)
            printf("primes <= %ld: %llu, sum %llu, largest %llu\n", n,
                   (unsigned long long)count, (unsigned long long)sum,
                   (unsigned long long)last);
    }
    printf("passes %ld, hash %016llx\n", passes, (unsigned long long)hash);
    free(composite);
    return 0;
}

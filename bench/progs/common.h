/*
 * common.h -- small helpers shared by the benchmark programs.
 *
 * Every program takes its size from argv (with a default sized for about
 * 0.1-1 s natively), does its work with integer or exactly reproducible
 * floating-point arithmetic, and prints result lines that must be byte for
 * byte the same natively and as wasm32-wasi. So: no libm, no rand(), no
 * printing of pointers, and a PRNG of our own.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* argv[i] as a positive integer, or def when absent; exits on nonsense. */
static inline long bench_arg(int argc, char **argv, int i, long def) {
    if (argc <= i) return def;
    char *end;
    long v = strtol(argv[i], &end, 10);
    if (*end || v <= 0) {
        fprintf(stderr, "%s: argument %d must be a positive integer, not '%s'\n", argv[0], i,
                argv[i]);
        exit(2);
    }
    return v;
}

/* xorshift64*: deterministic everywhere. */
typedef struct { uint64_t s; } bench_rng;

static inline uint64_t bench_rand(bench_rng *r) {
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* A uniform integer in [0, n). */
static inline uint32_t bench_below(bench_rng *r, uint32_t n) {
    return (uint32_t)((bench_rand(r) >> 32) * (uint64_t)n >> 32);
}

/* Folds v into hash h (FNV-1a over the 8 bytes of v). */
static inline uint64_t bench_mix(uint64_t h, uint64_t v) {
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 0x100000001b3ULL;
    }
    return h;
}

#define BENCH_FNV_INIT 0xcbf29ce484222325ULL

#endif

/*
 * kernels.c -- micro-benchmark kernels, compiled both to wasm32 (no WASI,
 * every function exported, bulk memory on so fill loops become
 * memory.fill rather than calls of a memset we would have to write) and
 * natively, so bench/micro/run.sh can time
 * each under hive and natively, side by side. Each takes its size as an
 * argument and returns a checksum that both builds must agree on.
 */
#include <stdint.h>

#if defined(__wasm__)
#define KERNEL __attribute__((used, visibility("default")))
#else
#define KERNEL __attribute__((noinline))
#endif

/* Calls and returns. */
KERNEL uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

/* A tight counted loop of integer arithmetic on locals. */
KERNEL uint32_t loop(uint32_t n) {
    uint32_t a = 1, b = 0;
    for (uint32_t i = 0; i < n; i++) {
        a = a * 1664525u + 1013904223u;
        b ^= a >> 7;
        b += i;
    }
    return a ^ b;
}

static uint8_t sieve_buf[1 << 20];

/* Byte loads and stores in nested loops: primes below n (n <= 1 MiB),
 * repeated reps times. */
KERNEL uint32_t sieve(uint32_t reps) {
    uint32_t n = sizeof sieve_buf, count = 0;
    for (uint32_t r = 0; r < reps; r++) {
        count = 0;
        for (uint32_t i = 0; i < n; i++) sieve_buf[i] = 1;
        for (uint32_t i = 2; i < n; i++) {
            if (!sieve_buf[i]) continue;
            count++;
            for (uint32_t j = i + i; j < n; j += i) sieve_buf[j] = 0;
        }
    }
    return count;
}

#define MN 128
static double ma[MN * MN], mb[MN * MN], mc[MN * MN];

/* f64 loads, multiply-adds and stores: reps products of 128x128
 * matrices. */
KERNEL uint32_t matmul(uint32_t reps) {
    for (int i = 0; i < MN * MN; i++) {
        ma[i] = (double)(i % 17) * 0.5;
        mb[i] = (double)(i % 13) * 0.25;
    }
    for (uint32_t r = 0; r < reps; r++) {
        for (int i = 0; i < MN; i++)
            for (int j = 0; j < MN; j++) {
                double s = 0;
                for (int k = 0; k < MN; k++) s += ma[i * MN + k] * mb[k * MN + j];
                mc[i * MN + j] = s + (double)r;
            }
    }
    double t = 0;
    for (int i = 0; i < MN * MN; i++) t += mc[i];
    return (uint32_t)(int64_t)t;
}

/* 32-bit mixing over a buffer in memory: a CRC32 (bitwise, branchy) and an
 * FNV-1a over the same bytes. */
static uint8_t crc_buf[1 << 16];

KERNEL uint32_t crc(uint32_t reps) {
    for (uint32_t i = 0; i < sizeof crc_buf; i++) crc_buf[i] = (uint8_t)(i * 7 + (i >> 5));
    uint32_t c = 0xffffffffu, h = 2166136261u;
    for (uint32_t r = 0; r < reps; r++)
        for (uint32_t i = 0; i < sizeof crc_buf; i++) {
            uint8_t b = crc_buf[i];
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
            h = (h ^ b) * 16777619u;
        }
    return ~c ^ h;
}

/* i64 arithmetic: a 64-bit LCG folded with multiplies and shifts. */
KERNEL uint32_t mix64(uint32_t n) {
    uint64_t x = 88172645463325252ull, acc = 0;
    for (uint32_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        acc += x * 0x9E3779B97F4A7C15ull >> (i & 31);
    }
    return (uint32_t)(acc ^ acc >> 32);
}

/* Struct-of-pointers chasing through memory: a linked list walked reps
 * times, with the sum of 32-bit fields. */
typedef struct lnode {
    struct lnode *next;
    int32_t v;
} lnode;
static lnode nodes[4096];

KERNEL uint32_t chase(uint32_t reps) {
    for (uint32_t i = 0; i < 4096; i++) {
        nodes[i].next = &nodes[(i * 1031u + 7) & 4095];
        nodes[i].v = (int32_t)(i * 3);
    }
    uint32_t s = 0;
    for (uint32_t r = 0; r < reps; r++) {
        const lnode *p = &nodes[r & 4095];
        for (int k = 0; k < 4096; k++) {
            s += (uint32_t)p->v;
            p = p->next;
        }
    }
    return s;
}

/*
 * strmem.c -- the C library's string and memory functions: memcpy, memmove,
 * memset, memcmp, memchr, strlen, strcmp, strncmp, strchr, strcpy and
 * qsort, on a mix of short strings and large blocks. Natively this runs
 * glibc's tuned (vectorised) routines; in wasm, wasi-libc's C versions
 * compiled to wasm, so it measures the libc the guest carries as much as
 * the engine.
 * usage: strmem [ROUNDS]   (default 30)
 */
#include <string.h>

#include "common.h"

#define NSTR 8000      /* short strings, 1..80 chars */
#define BLOCK (1 << 20) /* large blocks for memcpy/memset/memcmp */
#define NINT 40000      /* ints for qsort */

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    long rounds = bench_arg(argc, argv, 1, 30);
    bench_rng rng = {0x57a7eULL};

    /* Strings share prefixes often so that strcmp has work to do. */
    char *arena = malloc((size_t)NSTR * 96), *copy = malloc((size_t)NSTR * 96);
    char **strs = malloc(NSTR * sizeof *strs);
    uint8_t *blk_a = malloc(BLOCK), *blk_b = malloc(BLOCK);
    int *ints = malloc(NINT * sizeof *ints);
    if (!arena || !copy || !strs || !blk_a || !blk_b || !ints) {
        fprintf(stderr, "strmem: out of memory\n");
        return 1;
    }
    static const char *prefixes[] = {"", "content-", "content-type: text/", "x-forwarded-",
                                     "accept-encoding: gzip, deflate, "};
    char *p = arena;
    for (int i = 0; i < NSTR; i++) {
        strs[i] = p;
        const char *pre = prefixes[bench_below(&rng, 5)];
        strcpy(p, pre);
        size_t len = strlen(pre), extra = 1 + bench_below(&rng, 48);
        for (size_t k = 0; k < extra; k++) p[len + k] = (char)('a' + bench_below(&rng, 26));
        p[len + extra] = 0;
        p += len + extra + 1;
    }
    for (size_t i = 0; i < BLOCK; i++) blk_a[i] = (uint8_t)bench_rand(&rng);

    uint64_t h = BENCH_FNV_INIT;
    for (long r = 0; r < rounds; r++) {
        /* strlen and strchr over every string, twice. */
        uint64_t total = 0, found = 0;
        for (int rep = 0; rep < 2; rep++)
            for (int i = 0; i < NSTR; i++) {
                total += strlen(strs[i]);
                const char *c = strchr(strs[i], 'a' + (i + rep) % 26);
                found += c ? (uint64_t)(c - strs[i]) : 1000;
            }
        h = bench_mix(bench_mix(h, total), found);

        /* strcpy into a packed copy; strcmp and strncmp of neighbours. */
        char *q = copy;
        int64_t order = 0;
        for (int i = 0; i < NSTR; i++) {
            strcpy(q, strs[i]);
            q += strlen(q) + 1;
        }
        for (int rep = 0; rep < 2; rep++)
            for (int i = 1; i < NSTR; i++) {
                int c = strcmp(strs[i - 1], strs[i]);
                order += c < 0 ? 1 : c > 0 ? -1 : 0;
                order += strncmp(strs[i], strs[(i * 7 + rep) % NSTR], 12) < 0;
            }
        h = bench_mix(bench_mix(h, (uint64_t)order), (uint64_t)(q - copy));

        /* qsort the strings (then shuffle them back into disorder). */
        qsort(strs, NSTR, sizeof *strs, cmp_str);
        for (int i = 0; i < NSTR; i += 97) h = bench_mix(h, strlen(strs[i]) * 131 + (uint8_t)strs[i][strlen(strs[i]) / 2]);
        for (int i = NSTR - 1; i > 0; i--) {
            int j = (int)bench_below(&rng, (uint32_t)i + 1);
            char *t = strs[i];
            strs[i] = strs[j];
            strs[j] = t;
        }

        /* qsort ints. */
        for (int i = 0; i < NINT; i++) ints[i] = (int)(bench_rand(&rng) >> 40) - (1 << 23);
        qsort(ints, NINT, sizeof *ints, cmp_int);
        for (int i = 0; i < NINT; i += 1000) h = bench_mix(h, (uint64_t)(uint32_t)ints[i]);

        /* Large blocks: memcpy, memmove (overlapping), memset, memcmp, memchr. */
        for (int rep = 0; rep < 6; rep++) {
            memcpy(blk_b, blk_a, BLOCK);
            memmove(blk_b + 1 + rep, blk_b, BLOCK / 2);
            memset(blk_b + BLOCK / 2, (int)(r + rep), BLOCK / 4);
            h = bench_mix(h, (uint64_t)(memcmp(blk_a, blk_b, BLOCK) > 0));
            const uint8_t *z = memchr(blk_b + BLOCK / 2, (int)(r + rep + 1) & 0xff, BLOCK / 2);
            h = bench_mix(h, z ? (uint64_t)(z - blk_b) : 0);
        }
        /* Small copies of many sizes. */
        uint64_t small = 0;
        for (int i = 0; i < 50000; i++) {
            size_t n = 1 + (size_t)(i % 61), off = (size_t)(i * 37) % (BLOCK - 64);
            memcpy(blk_b + off, blk_a + (off ^ 1), n);
            small += blk_b[off + n / 2];
        }
        h = bench_mix(h, small);
    }
    printf("rounds %ld, hash %016llx\n", rounds, (unsigned long long)h);
    free(arena);
    free(copy);
    free(strs);
    free(blk_a);
    free(blk_b);
    free(ints);
    return 0;
}

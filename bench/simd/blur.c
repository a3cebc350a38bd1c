/*
 * blur.c -- the SIMD benchmark guest (bench/simd/run.sh, mk/simd.mk).
 *
 * A grayscale image (8-bit pixels, from a fixed PRNG) is blurred ROUNDS
 * times with the separable 1-2-1 kernel, (a + 2b + c + 2) >> 2 across then
 * down, edges clamped, and each round's image is checksummed (a byte sum
 * and a 16-bit-weighted sum, both wrapping u32). Plain C loops over
 * uint8_t/uint16_t/uint32_t arrays: clang -O2 -msimd128 turns the inner
 * loops into i16x8/i32x4 operations, without -msimd128 they stay scalar.
 * Integer arithmetic only, so native, scalar-wasm and simd-wasm output is
 * byte for byte the same.
 *
 * usage: blur [SIZE [ROUNDS]]   (SIZE x SIZE pixels, default 1024 x 24)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static long arg(int argc, char **argv, int i, long def) {
    if (argc <= i) return def;
    char *end;
    long v = strtol(argv[i], &end, 10);
    if (*end || v < 4 || v > 8192) {
        fprintf(stderr, "blur: argument %d must be an integer in [4, 8192]\n", i);
        exit(2);
    }
    return v;
}

/* One row across: out[x] = (in[x-1] + 2 in[x] + in[x+1] + 2) >> 2. */
static void blur_row(uint8_t *restrict out, const uint8_t *restrict in, long w) {
    out[0] = (uint8_t)((3 * in[0] + in[1] + 2) >> 2);
    for (long x = 1; x < w - 1; x++)
        out[x] = (uint8_t)((in[x - 1] + 2 * in[x] + in[x + 1] + 2) >> 2);
    out[w - 1] = (uint8_t)((in[w - 2] + 3 * in[w - 1] + 2) >> 2);
}

/* Three rows down into one. */
static void blur_col(uint8_t *restrict out, const uint8_t *restrict a, const uint8_t *restrict b,
                     const uint8_t *restrict c, long w) {
    for (long x = 0; x < w; x++) out[x] = (uint8_t)((a[x] + 2 * b[x] + c[x] + 2) >> 2);
}

/* Byte sum and a position-weighted sum (weights 1..65536 repeating). */
static void checksum(const uint8_t *p, long n, uint32_t *sum, uint32_t *wsum) {
    uint32_t s = 0, ws = 0;
    for (long i = 0; i < n; i++) {
        s += p[i];
        ws += (uint32_t)p[i] * (uint32_t)((i & 0xffff) + 1);
    }
    *sum = s;
    *wsum = ws;
}

int main(int argc, char **argv) {
    long w = arg(argc, argv, 1, 1024), rounds = arg(argc, argv, 2, 24);
    long h = w, n = w * h;
    uint8_t *img = malloc((size_t)n), *tmp = malloc((size_t)n);
    if (!img || !tmp) {
        fprintf(stderr, "blur: out of memory\n");
        return 1;
    }
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (long i = 0; i < n; i++) {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        img[i] = (uint8_t)((s * 0x2545F4914F6CDD1Dull) >> 56);
    }
    uint32_t total = 0;
    for (long r = 0; r < rounds; r++) {
        for (long y = 0; y < h; y++) blur_row(tmp + y * w, img + y * w, w);
        for (long y = 0; y < h; y++) {
            const uint8_t *up = tmp + (y > 0 ? y - 1 : 0) * w;
            const uint8_t *down = tmp + (y < h - 1 ? y + 1 : h - 1) * w;
            blur_col(img + y * w, up, tmp + y * w, down, w);
        }
        uint32_t sum, wsum;
        checksum(img, n, &sum, &wsum);
        total = total * 31u + sum + wsum;
        if (r < 3 || r == rounds - 1)
            printf("round %ld: sum %lu weighted %lu\n", r, (unsigned long)sum,
                   (unsigned long)wsum);
    }
    printf("blur %ldx%ld x%ld: %08lx\n", w, h, rounds, (unsigned long)total);
    free(img);
    free(tmp);
    return 0;
}

/*
 * matmul.c -- dense f64 matrix multiply, C = A * B, n x n, row-major, in
 * i-k-j order (the inner loop streams a row of B and a row of C).
 * Measures f64 loads, multiplies, adds and stores in a tight loop.
 * usage: matmul [N] [REPS]   (default 500 and 2; each rep after the first
 * doubles A first)
 *
 * Inputs are k / 2^20 for small integers k, and the program is compiled
 * with -ffp-contract=off, so every engine does the same IEEE operations
 * in the same order and prints the same bits.
 */
#include <string.h>

#include "common.h"

static uint64_t bits_of(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static void multiply(long n, const double *a, const double *b, double *c) {
    memset(c, 0, (size_t)n * (size_t)n * sizeof *c);
    for (long i = 0; i < n; i++) {
        double *ci = c + i * n;
        for (long k = 0; k < n; k++) {
            double aik = a[i * n + k];
            const double *bk = b + k * n;
            for (long j = 0; j < n; j++) ci[j] += aik * bk[j];
        }
    }
}

int main(int argc, char **argv) {
    long n = bench_arg(argc, argv, 1, 500);
    long reps = bench_arg(argc, argv, 2, 2);
    size_t cells = (size_t)n * (size_t)n;
    double *a = malloc(cells * sizeof *a), *b = malloc(cells * sizeof *b),
           *c = malloc(cells * sizeof *c);
    if (!a || !b || !c) {
        fprintf(stderr, "matmul: out of memory\n");
        return 1;
    }
    bench_rng rng = {0x3a7e1ULL};
    for (size_t i = 0; i < cells; i++) {
        a[i] = ((double)bench_below(&rng, 2049) - 1024.0) / 1048576.0;
        b[i] = ((double)bench_below(&rng, 2049) - 1024.0) / 1048576.0;
    }
    uint64_t hash = BENCH_FNV_INIT;
    for (long r = 0; r < reps; r++) {
        if (r)
            for (size_t i = 0; i < cells; i++) a[i] *= 2.0;
        multiply(n, a, b, c);
        double sum = 0, trace = 0;
        for (size_t i = 0; i < cells; i++) {
            sum += c[i];
            hash = bench_mix(hash, bits_of(c[i]));
        }
        for (long i = 0; i < n; i++) trace += c[i * n + i];
        printf("rep %ld: sum %.17g trace %.17g c[n-1][0] %.17g\n", r, sum, trace,
               c[(n - 1) * n]);
    }
    printf("n %ld, hash %016llx\n", n, (unsigned long long)hash);
    free(a);
    free(b);
    free(c);
    return 0;
}

/*
 * lusolve.c -- dense LU decomposition with partial pivoting, and solves.
 * Factors a random N x N matrix (with a few nearly dependent rows, so the
 * pivot search matters) in place as P A = L U, right-looking: at each step
 * find the largest pivot in the column, swap whole rows, scale the column
 * below the pivot and update the trailing submatrix. Then solves A x = b for
 * three right-hand sides by forward and back substitution, checks the
 * scaled residual and the error against the known solution, applies one
 * step of iterative refinement, and reports the determinant as a mantissa
 * and a power of two (scaled exactly, so it cannot overflow), the number of
 * row swaps and the growth factor.
 * Exercises f64 compare-and-select in the pivot search, row-swap loops,
 * daxpy-style inner loops over row-major storage with computed row
 * offsets, and triangular solves that run backwards.
 * Needs -ffp-contract=off (no fused multiply-add) to match natively.
 * usage: lusolve [N]   (default 320)
 */
#include <string.h>

#include "../progs/common.h"

static double uniform(bench_rng *r, double lo, double hi) {
    double u = (double)(bench_rand(r) >> 11) * (1.0 / 9007199254740992.0);
    return lo + (hi - lo) * u;
}

static double dabs(double x) { return x < 0 ? -x : x; }

/* In-place LU of the n x n row-major matrix a; perm[i] is the original
 * row now at row i. Returns the number of row swaps, or -1 if singular. */
static long lu_factor(double *a, int n, int *perm) {
    long swaps = 0;
    for (int i = 0; i < n; i++) perm[i] = i;
    for (int k = 0; k < n; k++) {
        int p = k;
        double best = dabs(a[(size_t)k * n + k]);
        for (int i = k + 1; i < n; i++) {
            double v = dabs(a[(size_t)i * n + k]);
            if (v > best) {
                best = v;
                p = i;
            }
        }
        if (best == 0.0) return -1;
        if (p != k) {
            double *rk = a + (size_t)k * n, *rp = a + (size_t)p * n;
            for (int j = 0; j < n; j++) {
                double t = rk[j];
                rk[j] = rp[j];
                rp[j] = t;
            }
            int t = perm[k];
            perm[k] = perm[p];
            perm[p] = t;
            swaps++;
        }
        const double *rk = a + (size_t)k * n;
        double inv = 1.0 / rk[k];
        for (int i = k + 1; i < n; i++) {
            double *ri = a + (size_t)i * n;
            double l = ri[k] * inv;
            ri[k] = l;
            if (l == 0.0) continue;
            for (int j = k + 1; j < n; j++) ri[j] -= l * rk[j];
        }
    }
    return swaps;
}

/* Solves L U x = P b with the factors from lu_factor. */
static void lu_solve(const double *lu, int n, const int *perm, const double *b, double *x) {
    for (int i = 0; i < n; i++) {
        const double *ri = lu + (size_t)i * n;
        double s = b[perm[i]];
        for (int j = 0; j < i; j++) s -= ri[j] * x[j];
        x[i] = s;
    }
    for (int i = n - 1; i >= 0; i--) {
        const double *ri = lu + (size_t)i * n;
        double s = x[i];
        for (int j = i + 1; j < n; j++) s -= ri[j] * x[j];
        x[i] = s / ri[i];
    }
}

/* y = A x */
static void matvec(const double *a, int n, const double *x, double *y) {
    for (int i = 0; i < n; i++) {
        const double *ri = a + (size_t)i * n;
        double s = 0.0;
        for (int j = 0; j < n; j++) s += ri[j] * x[j];
        y[i] = s;
    }
}

static double norm_inf(const double *v, int n) {
    double m = 0.0;
    for (int i = 0; i < n; i++)
        if (dabs(v[i]) > m) m = dabs(v[i]);
    return m;
}

static double matrix_norm_inf(const double *a, int n) {
    double m = 0.0;
    for (int i = 0; i < n; i++) {
        double s = 0.0;
        for (int j = 0; j < n; j++) s += dabs(a[(size_t)i * n + j]);
        if (s > m) m = s;
    }
    return m;
}

int main(int argc, char **argv) {
    long nl = bench_arg(argc, argv, 1, 320);
    if (nl > 4000) nl = 4000;
    int n = (int)nl;
    bench_rng rng = {0x1a5eULL};
    size_t nn = (size_t)n * n;
    double *a = malloc(nn * sizeof(double));
    double *lu = malloc(nn * sizeof(double));
    double *vec = malloc((size_t)n * 6 * sizeof(double));
    int *perm = malloc((size_t)n * sizeof(int));
    if (!a || !lu || !vec || !perm) {
        fprintf(stderr, "lusolve: out of memory\n");
        return 1;
    }
    double *xt = vec, *b = vec + n, *x = vec + 2 * n, *r = vec + 3 * n, *d = vec + 4 * n,
           *ax = vec + 5 * n;

    for (size_t i = 0; i < nn; i++) a[i] = uniform(&rng, -1.0, 1.0);
    /* A few rows that are nearly copies of earlier rows, scaled down: the
     * elimination cancels them to small values that must not be pivots. */
    for (int i = 3; i < n; i += 7) {
        int src = (int)bench_below(&rng, (uint32_t)i);
        double s = uniform(&rng, 0.5, 2.0);
        for (int j = 0; j < n; j++)
            a[(size_t)i * n + j] = s * a[(size_t)src * n + j] + uniform(&rng, -1e-3, 1e-3);
    }
    memcpy(lu, a, nn * sizeof(double));
    long swaps = lu_factor(lu, n, perm);
    if (swaps < 0) {
        printf("n %d: singular\n", n);
        return 0;
    }

    /* Determinant: sign of the permutation times the product of U's
     * diagonal, kept as mantissa in [1, 2) and a binary exponent. */
    double mant = (swaps & 1) ? -1.0 : 1.0;
    long expo = 0;
    double umax = 0.0;
    for (int i = 0; i < n; i++) {
        mant *= lu[(size_t)i * n + i];
        while (dabs(mant) >= 2.0) {
            mant *= 0.5;
            expo++;
        }
        while (dabs(mant) < 1.0) {
            mant *= 2.0;
            expo--;
        }
        for (int j = i; j < n; j++)
            if (dabs(lu[(size_t)i * n + j]) > umax) umax = dabs(lu[(size_t)i * n + j]);
    }
    double amax = 0.0;
    for (size_t i = 0; i < nn; i++)
        if (dabs(a[i]) > amax) amax = dabs(a[i]);
    double anorm = matrix_norm_inf(a, n);
    printf("n %d, row swaps %ld, growth %.6f, det %.9f * 2^%ld\n", n, swaps, umax / amax, mant,
           expo);

    uint64_t h = BENCH_FNV_INIT;
    for (int rhs = 0; rhs < 3; rhs++) {
        for (int i = 0; i < n; i++) {
            if (rhs == 0) xt[i] = 1.0;
            else if (rhs == 1) xt[i] = uniform(&rng, -10.0, 10.0);
            else xt[i] = (double)((i * 37) % 11) - 5.0;
        }
        matvec(a, n, xt, b);
        lu_solve(lu, n, perm, b, x);
        /* Residual and error, then one refinement step x += A^-1 (b - A x). */
        double resid[2], err[2];
        for (int pass = 0; pass < 2; pass++) {
            matvec(a, n, x, ax);
            for (int i = 0; i < n; i++) r[i] = b[i] - ax[i];
            resid[pass] = norm_inf(r, n) / (anorm * norm_inf(x, n));
            for (int i = 0; i < n; i++) d[i] = x[i] - xt[i];
            err[pass] = norm_inf(d, n) / norm_inf(xt, n);
            if (pass == 0) {
                lu_solve(lu, n, perm, r, d);
                for (int i = 0; i < n; i++) x[i] += d[i];
            }
        }
        for (int i = 0; i < n; i++) {
            uint64_t bits;
            memcpy(&bits, &x[i], 8);
            h = bench_mix(h, bits);
        }
        printf("rhs %d: residual %.3e -> %.3e, error %.3e -> %.3e, x[0] %.9f x[n-1] %.9f\n", rhs,
               resid[0], resid[1], err[0], err[1], x[0], x[n - 1]);
    }
    printf("solution hash %016llx\n", (unsigned long long)h);
    free(a);
    free(lu);
    free(vec);
    free(perm);
    return 0;
}

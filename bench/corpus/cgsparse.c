/*
 * cgsparse.c -- conjugate gradients on a sparse matrix in CSR form.
 * Builds a random sparse symmetric positive definite matrix of order N: a
 * weighted graph Laplacian (chain links, links a fixed stride apart as in
 * a grid, and a few random long-range links) plus a small positive diagonal
 * shift. The edges are collected as a coordinate list, bucketed by row with
 * a counting sort, sorted by column within each row and merged where a
 * pair occurs twice, giving compressed sparse rows. Then solves A x = b,
 * with b made from a known x, by plain conjugate gradients and by Jacobi
 * (diagonal) preconditioned CG, and prints iteration counts, the true
 * residual, the error and a hash of the solution bits.
 * Exercises the CSR matrix-vector product (an indirect load x[col[k]] per
 * nonzero, inner loops of varying short length), f64 dot products and
 * axpy loops, and integer sorting/prefix sums while building the matrix.
 * Needs -ffp-contract=off (no fused multiply-add) to match natively.
 * usage: cgsparse [N]   (default 2000)
 */
#include <string.h>

#include "../progs/common.h"

#define STRIDE 40
#define RANDOM_LINKS 2
#define MAXITER 5000

typedef struct {
    int n, nnz;
    int *rowptr, *col;
    double *val;
} csr;

typedef struct {
    int i, j;
    double w;
} edge;

static double uniform(bench_rng *r, double lo, double hi) {
    double u = (double)(bench_rand(r) >> 11) * (1.0 / 9007199254740992.0);
    return lo + (hi - lo) * u;
}

static void *xmalloc(size_t size) {
    void *p = malloc(size ? size : 1);
    if (!p) {
        fprintf(stderr, "cgsparse: out of memory\n");
        exit(1);
    }
    return p;
}

/* Builds the CSR form of D + sum over edges of w (e_i - e_j)(e_i - e_j)^T,
 * where D is the diagonal shift. */
static csr build(int n, const edge *e, int ne, const double *shift) {
    csr m;
    m.n = n;
    /* Each edge gives two off-diagonal entries; each row one diagonal. */
    int total = 2 * ne + n;
    int *cnt = xmalloc(((size_t)n + 1) * sizeof(int));
    int *tcol = xmalloc((size_t)total * sizeof(int));
    double *tval = xmalloc((size_t)total * sizeof(double));
    double *diag = xmalloc((size_t)n * sizeof(double));
    memset(cnt, 0, ((size_t)n + 1) * sizeof(int));
    for (int i = 0; i < n; i++) {
        cnt[i + 1]++;
        diag[i] = shift[i];
    }
    for (int k = 0; k < ne; k++) {
        cnt[e[k].i + 1]++;
        cnt[e[k].j + 1]++;
        diag[e[k].i] += e[k].w;
        diag[e[k].j] += e[k].w;
    }
    for (int i = 0; i < n; i++) cnt[i + 1] += cnt[i];
    int *fill = xmalloc((size_t)n * sizeof(int));
    memcpy(fill, cnt, (size_t)n * sizeof(int));
    for (int i = 0; i < n; i++) {
        tcol[fill[i]] = i;
        tval[fill[i]++] = diag[i];
    }
    for (int k = 0; k < ne; k++) {
        int a = e[k].i, b = e[k].j;
        tcol[fill[a]] = b;
        tval[fill[a]++] = -e[k].w;
        tcol[fill[b]] = a;
        tval[fill[b]++] = -e[k].w;
    }
    /* Sort each row by column (insertion sort: rows are short), then merge
     * duplicate columns, compacting into the final arrays. */
    m.rowptr = xmalloc(((size_t)n + 1) * sizeof(int));
    m.col = xmalloc((size_t)total * sizeof(int));
    m.val = xmalloc((size_t)total * sizeof(double));
    int out = 0;
    for (int i = 0; i < n; i++) {
        int lo = cnt[i], hi = cnt[i + 1];
        for (int k = lo + 1; k < hi; k++) {
            int c = tcol[k];
            double v = tval[k];
            int p = k;
            while (p > lo && tcol[p - 1] > c) {
                tcol[p] = tcol[p - 1];
                tval[p] = tval[p - 1];
                p--;
            }
            tcol[p] = c;
            tval[p] = v;
        }
        m.rowptr[i] = out;
        for (int k = lo; k < hi; k++) {
            if (out > m.rowptr[i] && m.col[out - 1] == tcol[k]) {
                m.val[out - 1] += tval[k];
            } else {
                m.col[out] = tcol[k];
                m.val[out++] = tval[k];
            }
        }
    }
    m.rowptr[n] = out;
    m.nnz = out;
    free(cnt);
    free(tcol);
    free(tval);
    free(diag);
    free(fill);
    return m;
}

static void spmv(const csr *m, const double *x, double *y) {
    for (int i = 0; i < m->n; i++) {
        double s = 0.0;
        for (int k = m->rowptr[i]; k < m->rowptr[i + 1]; k++) s += m->val[k] * x[m->col[k]];
        y[i] = s;
    }
}

static double dot(const double *a, const double *b, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* Solves m x = b from x = 0 until |r| <= tol |b|; with inv_diag, Jacobi
 * preconditioned. Returns the iteration count; *rnorm gets the recursive
 * residual norm. */
static int cg(const csr *m, const double *b, double *x, const double *inv_diag, double tol,
              double *work, double *rnorm) {
    int n = m->n;
    double *r = work, *z = work + n, *p = work + 2 * n, *q = work + 3 * n;
    for (int i = 0; i < n; i++) {
        x[i] = 0.0;
        r[i] = b[i];
        z[i] = inv_diag ? r[i] * inv_diag[i] : r[i];
        p[i] = z[i];
    }
    double bb = dot(b, b, n), rz = dot(r, z, n), rr = bb;
    double limit = tol * tol * bb;
    int it = 0;
    while (it < MAXITER && rr > limit) {
        spmv(m, p, q);
        double alpha = rz / dot(p, q, n);
        for (int i = 0; i < n; i++) {
            x[i] += alpha * p[i];
            r[i] -= alpha * q[i];
        }
        rr = dot(r, r, n);
        double rz_new;
        if (inv_diag) {
            for (int i = 0; i < n; i++) z[i] = r[i] * inv_diag[i];
            rz_new = dot(r, z, n);
        } else {
            z = r;
            rz_new = rr;
        }
        double beta = rz_new / rz;
        rz = rz_new;
        for (int i = 0; i < n; i++) p[i] = z[i] + beta * p[i];
        it++;
    }
    *rnorm = __builtin_sqrt(rr / bb);
    return it;
}

int main(int argc, char **argv) {
    long nl = bench_arg(argc, argv, 1, 2000);
    if (nl > 2000000) nl = 2000000;
    int n = (int)nl;
    bench_rng rng = {0xc65ULL};

    /* Edges: chain, stride, and random links (i < j always). */
    int cap = n * (2 + RANDOM_LINKS), ne = 0;
    edge *e = xmalloc((size_t)cap * sizeof(edge));
    for (int i = 0; i < n; i++) {
        /* Stiffer and softer bands of rows, so the diagonal varies and the
         * Jacobi preconditioner has something to do. */
        double scale = 1.0 + 8.0 * (double)((i / 300) % 3);
        if (i + 1 < n) e[ne++] = (edge){i, i + 1, scale * uniform(&rng, 0.5, 1.5)};
        if (i + STRIDE < n) e[ne++] = (edge){i, i + STRIDE, scale * uniform(&rng, 0.5, 1.5)};
        for (int k = 0; k < RANDOM_LINKS && n > 1; k++) {
            /* One short link (which sometimes duplicates a chain link),
             * the rest anywhere. */
            int j = k == 0 ? i + 1 + (int)bench_below(&rng, 3)
                           : (int)bench_below(&rng, (uint32_t)n);
            if (j == i || j >= n) continue;
            e[ne++] = (edge){i < j ? i : j, i < j ? j : i, uniform(&rng, 0.01, 0.2)};
        }
    }
    double *shift = xmalloc((size_t)n * sizeof(double));
    for (int i = 0; i < n; i++) shift[i] = uniform(&rng, 0.001, 0.02) * (double)(1 + i % 7);
    csr m = build(n, e, ne, shift);

    double *xt = xmalloc((size_t)n * sizeof(double));
    double *b = xmalloc((size_t)n * sizeof(double));
    double *x = xmalloc((size_t)n * sizeof(double));
    double *inv_diag = xmalloc((size_t)n * sizeof(double));
    double *tmp = xmalloc((size_t)n * sizeof(double));
    double *work = xmalloc((size_t)n * 4 * sizeof(double));
    for (int i = 0; i < n; i++) xt[i] = uniform(&rng, -1.0, 1.0);
    spmv(&m, xt, b);
    for (int i = 0; i < n; i++) {
        for (int k = m.rowptr[i]; k < m.rowptr[i + 1]; k++)
            if (m.col[k] == i) inv_diag[i] = 1.0 / m.val[k];
    }
    printf("n %d, edges %d, nonzeros %d (%.3f per row)\n", n, ne, m.nnz,
           (double)m.nnz / (double)n);

    uint64_t h = BENCH_FNV_INIT;
    for (int pre = 0; pre < 2; pre++) {
        double rn;
        int it = cg(&m, b, x, pre ? inv_diag : NULL, 1e-10, work, &rn);
        spmv(&m, x, tmp);
        double res = 0.0, err = 0.0, bn = 0.0, xn = 0.0;
        for (int i = 0; i < n; i++) {
            res += (b[i] - tmp[i]) * (b[i] - tmp[i]);
            bn += b[i] * b[i];
            err += (x[i] - xt[i]) * (x[i] - xt[i]);
            xn += xt[i] * xt[i];
            uint64_t bits;
            memcpy(&bits, &x[i], 8);
            h = bench_mix(h, bits);
        }
        printf("%s: %d iterations, recursive residual %.6e, true residual %.6e, error %.6e\n",
               pre ? "jacobi-pcg" : "cg", it, rn, __builtin_sqrt(res / bn),
               __builtin_sqrt(err / xn));
        printf("%s: x[0] %.9f x[n/2] %.9f x[n-1] %.9f\n", pre ? "jacobi-pcg" : "cg", x[0],
               x[n / 2], x[n - 1]);
    }
    printf("solution hash %016llx\n", (unsigned long long)h);
    free(e);
    free(shift);
    free(m.rowptr);
    free(m.col);
    free(m.val);
    free(xt);
    free(b);
    free(x);
    free(inv_diag);
    free(tmp);
    free(work);
    return 0;
}

/*
 * sat.c -- a DPLL SAT solver with two watched literals per clause, unit
 * propagation over a trail, a static most-occurrences branching order and
 * chronological backtracking (each decision is flipped once). It solves
 * random 3-SAT instances at clause/variable ratio 4.26 (the hard region,
 * roughly half satisfiable), verifies every model it finds against the
 * clauses, and refutes pigeonhole formulas PHP(k+1, k), which need an
 * exponential search.
 * Exercises watch-list scans with data-dependent branches, literal
 * indexing into small arrays, swaps inside clause arrays, trail push/pop
 * loops and dynamic array growth.
 * usage: sat [N]   (default 80: variables per random instance)
 */
#include <string.h>

#include "../progs/common.h"

typedef struct {
    int nvars, nclauses;
    int *lits, *start;           /* clause c is lits[start[c] .. start[c+1]) */
    int **watch, *wlen, *wcap;   /* watch[l]: clauses whose first two literals include l */
    signed char *value;          /* per variable: -1 unassigned, 0 false, 1 true */
    int *trail, ntrail, qhead;
    int *dlit, *dtrail, *dflip, nlevels;
    int *order;
    uint64_t decisions, props, conflicts;
} solver;

#define VAR(l) ((l) >> 1)
#define NEG(l) ((l) ^ 1)
/* literal value: 1 true, 0 false, -1 unassigned */
static inline int litval(const solver *s, int l) {
    int v = s->value[VAR(l)];
    return v < 0 ? -1 : v ^ (l & 1);
}

static void *xmalloc(size_t n) {
    void *p = calloc(1, n ? n : 1);
    if (!p) { fprintf(stderr, "sat: out of memory\n"); exit(1); }
    return p;
}

static void add_watch(solver *s, int l, int c) {
    if (s->wlen[l] == s->wcap[l]) {
        s->wcap[l] = s->wcap[l] ? s->wcap[l] * 2 : 4;
        s->watch[l] = realloc(s->watch[l], (size_t)s->wcap[l] * sizeof(int));
        if (!s->watch[l]) { fprintf(stderr, "sat: out of memory\n"); exit(1); }
    }
    s->watch[l][s->wlen[l]++] = c;
}

static void init(solver *s, int nvars, int nclauses, int nlits) {
    memset(s, 0, sizeof *s);
    s->nvars = nvars;
    s->lits = xmalloc(sizeof(int) * (size_t)nlits);
    s->start = xmalloc(sizeof(int) * (size_t)(nclauses + 1));
    s->watch = xmalloc(sizeof(int *) * (size_t)(2 * nvars));
    s->wlen = xmalloc(sizeof(int) * (size_t)(2 * nvars));
    s->wcap = xmalloc(sizeof(int) * (size_t)(2 * nvars));
    s->value = xmalloc((size_t)nvars);
    memset(s->value, -1, (size_t)nvars);
    s->trail = xmalloc(sizeof(int) * (size_t)nvars);
    s->dlit = xmalloc(sizeof(int) * (size_t)nvars);
    s->dtrail = xmalloc(sizeof(int) * (size_t)nvars);
    s->dflip = xmalloc(sizeof(int) * (size_t)nvars);
    s->order = xmalloc(sizeof(int) * (size_t)nvars);
}

static void release(solver *s) {
    for (int l = 0; l < 2 * s->nvars; l++) free(s->watch[l]);
    free(s->lits); free(s->start); free(s->watch); free(s->wlen); free(s->wcap); free(s->value);
    free(s->trail); free(s->dlit); free(s->dtrail); free(s->dflip); free(s->order);
}

static void add_clause(solver *s, const int *ls, int n) {
    int c = s->nclauses++, at = s->start[c];
    memcpy(s->lits + at, ls, sizeof(int) * (size_t)n);
    s->start[c + 1] = at + n;
}

static void assign(solver *s, int l) {
    s->value[VAR(l)] = (signed char)!(l & 1);
    s->trail[s->ntrail++] = l;
}

/* Propagates everything on the trail from qhead; returns 0 on a conflict. */
static int propagate(solver *s) {
    while (s->qhead < s->ntrail) {
        int f = NEG(s->trail[s->qhead++]); /* this literal just became false */
        int *w = s->watch[f], n = s->wlen[f], keep = 0, ok = 1;
        s->props++;
        for (int i = 0; i < n; i++) {
            int c = w[i];
            if (!ok) { w[keep++] = c; continue; }
            int *cl = s->lits + s->start[c], len = s->start[c + 1] - s->start[c];
            if (cl[0] == f) { cl[0] = cl[1]; cl[1] = f; }
            if (litval(s, cl[0]) == 1) { w[keep++] = c; continue; }
            int k = 2;
            for (; k < len; k++)
                if (litval(s, cl[k]) != 0) break;
            if (k < len) { /* move the watch to cl[k] */
                cl[1] = cl[k]; cl[k] = f;
                add_watch(s, cl[1], c);
                w = s->watch[f]; /* add_watch never touches watch[f] since cl[1] != f */
                continue;
            }
            w[keep++] = c;
            if (litval(s, cl[0]) == 0) ok = 0;
            else assign(s, cl[0]);
        }
        s->wlen[f] = keep;
        if (!ok) return 0;
    }
    return 1;
}

static void undo_to(solver *s, int t) {
    while (s->ntrail > t) s->value[VAR(s->trail[--s->ntrail])] = -1;
    s->qhead = t;
}

static int solve(solver *s) {
    int *occ = xmalloc(sizeof(int) * (size_t)s->nvars);
    for (int i = 0; i < s->start[s->nclauses]; i++) occ[VAR(s->lits[i])]++;
    for (int v = 0; v < s->nvars; v++) s->order[v] = v;
    for (int i = 1; i < s->nvars; i++) { /* insertion sort, most occurrences first */
        int v = s->order[i], j = i;
        for (; j > 0 && occ[s->order[j - 1]] < occ[v]; j--) s->order[j] = s->order[j - 1];
        s->order[j] = v;
    }
    free(occ);
    for (int c = 0; c < s->nclauses; c++) {
        int *cl = s->lits + s->start[c], len = s->start[c + 1] - s->start[c];
        if (len == 1) {
            if (litval(s, cl[0]) == 0) return 0;
            if (litval(s, cl[0]) < 0) assign(s, cl[0]);
        } else {
            add_watch(s, cl[0], c);
            add_watch(s, cl[1], c);
        }
    }
    int next = 0;
    for (;;) {
        if (!propagate(s)) {
            s->conflicts++;
            while (s->nlevels > 0 && s->dflip[s->nlevels - 1]) s->nlevels--;
            if (s->nlevels == 0) return 0;
            int lv = s->nlevels - 1;
            undo_to(s, s->dtrail[lv]);
            s->dlit[lv] = NEG(s->dlit[lv]);
            s->dflip[lv] = 1;
            assign(s, s->dlit[lv]);
            next = 0;
            continue;
        }
        while (next < s->nvars && s->value[s->order[next]] >= 0) next++;
        if (next == s->nvars) return 1;
        int lv = s->nlevels++;
        s->dlit[lv] = 2 * s->order[next] + 1; /* try false first */
        s->dtrail[lv] = s->ntrail;
        s->dflip[lv] = 0;
        s->decisions++;
        assign(s, s->dlit[lv]);
    }
}

static int check_model(const solver *s) {
    for (int c = 0; c < s->nclauses; c++) {
        int sat = 0;
        for (int i = s->start[c]; i < s->start[c + 1]; i++) sat |= litval(s, s->lits[i]) == 1;
        if (!sat) return 0;
    }
    return 1;
}

int main(int argc, char **argv) {
    int n = (int)bench_arg(argc, argv, 1, 80);
    if (n < 5) n = 5;
    if (n > 150) n = 150;
    bench_rng rng = {0x5a7ULL};
    uint64_t h = BENCH_FNV_INIT, dec = 0, prop = 0, conf = 0;
    int nsat = 0, bad = 0, ninst = 24;
    int m = n * 426 / 100;
    for (int t = 0; t < ninst; t++) {
        static solver s;
        init(&s, n, m, 3 * m);
        for (int c = 0; c < m; c++) {
            int l[3];
            for (int k = 0; k < 3; k++) {
                int v, dup;
                do {
                    v = (int)bench_below(&rng, (uint32_t)n);
                    dup = 0;
                    for (int j = 0; j < k; j++) dup |= VAR(l[j]) == v;
                } while (dup);
                l[k] = 2 * v + (int)(bench_rand(&rng) >> 63);
            }
            add_clause(&s, l, 3);
        }
        int r = solve(&s);
        if (r && !check_model(&s)) bad++;
        nsat += r;
        dec += s.decisions; prop += s.props; conf += s.conflicts;
        uint64_t bits = 0;
        for (int v = 0; v < n && v < 64; v++) bits |= (uint64_t)(r && s.value[v] == 1) << v;
        h = bench_mix(bench_mix(h, (uint64_t)r), bits);
        release(&s);
    }
    printf("random 3-SAT: %d instances, %d vars, %d clauses: %d satisfiable%s\n", ninst, n, m, nsat,
           bad ? " (BAD MODEL)" : "");
    printf("  decisions %llu, propagations %llu, conflicts %llu\n", (unsigned long long)dec,
           (unsigned long long)prop, (unsigned long long)conf);
    h = bench_mix(bench_mix(bench_mix(h, dec), prop), conf);
    int kmax = 3 + n / 25;
    if (kmax > 7) kmax = 7;
    for (int k = 3; k <= kmax; k++) { /* k+1 pigeons, k holes: var p*k+j = pigeon p in hole j */
        static solver s;
        int np = k + 1, nv = np * k, nc = np + k * np * (np - 1) / 2;
        init(&s, nv, nc, np * k + k * np * (np - 1));
        int l[16];
        for (int p = 0; p < np; p++) {
            for (int j = 0; j < k; j++) l[j] = 2 * (p * k + j);
            add_clause(&s, l, k);
        }
        for (int j = 0; j < k; j++)
            for (int p = 0; p < np; p++)
                for (int q = p + 1; q < np; q++) {
                    l[0] = 2 * (p * k + j) + 1;
                    l[1] = 2 * (q * k + j) + 1;
                    add_clause(&s, l, 2);
                }
        int r = solve(&s);
        printf("pigeonhole %d->%d: %s, decisions %llu, conflicts %llu%s\n", np, k, r ? "sat" : "unsat",
               (unsigned long long)s.decisions, (unsigned long long)s.conflicts, r ? " (WRONG)" : "");
        bad += r;
        h = bench_mix(bench_mix(h, s.decisions), s.conflicts);
        release(&s);
    }
    printf("hash %016llx\n", (unsigned long long)h);
    return bad != 0;
}

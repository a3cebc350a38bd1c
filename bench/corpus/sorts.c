/*
 * sorts.c -- generic sorting with comparator callbacks.
 * Sorts an array of records (a key, a score, a short name and a unique id)
 * under three orderings with four algorithms: a hand-written quicksort
 * (median of three, insertion sort for short ranges), a top-down merge sort
 * with a scratch buffer, a heapsort, all three generic over the element
 * size like qsort, plus the C library's qsort. It also sorts an array of
 * pointers to the records. Every result must be in order and agree with
 * the others (every comparator breaks ties by id, so the order is total).
 * Exercises indirect calls through function pointers, byte-wise element
 * swaps and copies, and data-dependent branches.
 * usage: sorts [N]   (default 4000 records)
 */
#include <string.h>

#include "../progs/common.h"

typedef struct {
    uint32_t key;
    int32_t score;
    char name[12];
    uint32_t id;
} record;

typedef int (*cmp_fn)(const void *, const void *);

static uint64_t ncompares;

static int by_key(const void *a, const void *b) {
    const record *x = a, *y = b;
    ncompares++;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int by_name(const void *a, const void *b) {
    const record *x = a, *y = b;
    ncompares++;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return (x->id > y->id) - (x->id < y->id);
}

static int by_score_desc(const void *a, const void *b) {
    const record *x = a, *y = b;
    ncompares++;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static cmp_fn ptr_inner;
static int by_ptr(const void *a, const void *b) {
    return ptr_inner(*(const record *const *)a, *(const record *const *)b);
}

static void swap_bytes(unsigned char *a, unsigned char *b, size_t size) {
    while (size--) {
        unsigned char t = *a;
        *a++ = *b;
        *b++ = t;
    }
}

/* ---- quicksort ---------------------------------------------------------- */

static void insertion(unsigned char *base, size_t n, size_t size, cmp_fn cmp) {
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && cmp(base + (j - 1) * size, base + j * size) > 0; j--)
            swap_bytes(base + (j - 1) * size, base + j * size, size);
}

static void quick(unsigned char *base, size_t n, size_t size, cmp_fn cmp) {
    while (n > 12) {
        unsigned char *lo = base, *mid = base + (n / 2) * size, *hi = base + (n - 1) * size;
        if (cmp(mid, lo) < 0) swap_bytes(mid, lo, size);
        if (cmp(hi, mid) < 0) {
            swap_bytes(hi, mid, size);
            if (cmp(mid, lo) < 0) swap_bytes(mid, lo, size);
        }
        /* Pivot to the front; Hoare partition over [1, n-1]. */
        swap_bytes(base, mid, size);
        size_t i = 0, j = n;
        for (;;) {
            do i++; while (i < n && cmp(base + i * size, base) < 0);
            do j--; while (cmp(base + j * size, base) > 0);
            if (i >= j) break;
            swap_bytes(base + i * size, base + j * size, size);
        }
        swap_bytes(base, base + j * size, size);
        /* Recurse into the smaller side, loop on the larger. */
        size_t left = j, right = n - j - 1;
        if (left < right) {
            quick(base, left, size, cmp);
            base += (j + 1) * size;
            n = right;
        } else {
            quick(base + (j + 1) * size, right, size, cmp);
            n = left;
        }
    }
    insertion(base, n, size, cmp);
}

/* ---- merge sort --------------------------------------------------------- */

static void merge_rec(unsigned char *base, unsigned char *tmp, size_t n, size_t size, cmp_fn cmp) {
    if (n < 2) return;
    size_t h = n / 2;
    merge_rec(base, tmp, h, size, cmp);
    merge_rec(base + h * size, tmp, n - h, size, cmp);
    if (cmp(base + (h - 1) * size, base + h * size) <= 0) return; /* already in order */
    memcpy(tmp, base, h * size);
    unsigned char *a = tmp, *aend = tmp + h * size;
    unsigned char *b = base + h * size, *bend = base + n * size, *out = base;
    while (a < aend && b < bend) {
        if (cmp(b, a) < 0) {
            memcpy(out, b, size);
            b += size;
        } else {
            memcpy(out, a, size);
            a += size;
        }
        out += size;
    }
    memcpy(out, a, (size_t)(aend - a));
}

static void merge_sort(unsigned char *base, size_t n, size_t size, cmp_fn cmp) {
    unsigned char *tmp = malloc((n / 2 + 1) * size);
    if (!tmp) {
        fprintf(stderr, "sorts: out of memory\n");
        exit(1);
    }
    merge_rec(base, tmp, n, size, cmp);
    free(tmp);
}

/* ---- heapsort ----------------------------------------------------------- */

static void sift_down(unsigned char *base, size_t root, size_t n, size_t size, cmp_fn cmp) {
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n) return;
        if (child + 1 < n && cmp(base + child * size, base + (child + 1) * size) < 0) child++;
        if (cmp(base + root * size, base + child * size) >= 0) return;
        swap_bytes(base + root * size, base + child * size, size);
        root = child;
    }
}

static void heap_sort(unsigned char *base, size_t n, size_t size, cmp_fn cmp) {
    for (size_t i = n / 2; i-- > 0;) sift_down(base, i, n, size, cmp);
    for (size_t end = n; end-- > 1;) {
        swap_bytes(base, base + end * size, size);
        sift_down(base, 0, end, size, cmp);
    }
}

/* ---- driver ------------------------------------------------------------- */

typedef void (*sort_fn)(unsigned char *, size_t, size_t, cmp_fn);

static void libc_qsort(unsigned char *base, size_t n, size_t size, cmp_fn cmp) {
    qsort(base, n, size, cmp);
}

static uint64_t hash_ids(const record *r, size_t n) {
    uint64_t h = BENCH_FNV_INIT;
    for (size_t i = 0; i < n; i++) h = bench_mix(h, r[i].id);
    return h;
}

int main(int argc, char **argv) {
    size_t n = (size_t)bench_arg(argc, argv, 1, 4000);
    record *orig = malloc(n * sizeof *orig), *work = malloc(n * sizeof *work);
    const record **ptrs = malloc(n * sizeof *ptrs);
    if (!orig || !work || !ptrs) {
        fprintf(stderr, "sorts: out of memory\n");
        return 1;
    }
    bench_rng rng = {0x5027ULL};
    static const char syll[][4] = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "zen", "dar"};
    for (size_t i = 0; i < n; i++) {
        record *r = &orig[i];
        r->id = (uint32_t)i;
        /* Keys with many duplicates, plus some already-sorted stretches. */
        r->key = (i % 7 == 0) ? (uint32_t)i : bench_below(&rng, (uint32_t)n / 4 + 1);
        r->score = (int32_t)bench_below(&rng, 2001) - 1000;
        memset(r->name, 0, sizeof r->name);
        int len = 0, nsyl = 1 + (int)bench_below(&rng, 3);
        for (int s = 0; s < nsyl; s++)
            for (const char *p = syll[bench_below(&rng, 10)]; *p; p++) r->name[len++] = *p;
    }

    static const struct { const char *name; cmp_fn cmp; } orders[] = {
        {"key", by_key}, {"name", by_name}, {"score", by_score_desc}};
    static const struct { const char *name; sort_fn sort; } algs[] = {
        {"quick", quick}, {"merge", merge_sort}, {"heap", heap_sort}, {"qsort", libc_qsort}};

    uint64_t total = BENCH_FNV_INIT;
    int bad = 0;
    for (size_t o = 0; o < 3; o++) {
        uint64_t want = 0;
        printf("%-5s:", orders[o].name);
        for (size_t a = 0; a < 4; a++) {
            memcpy(work, orig, n * sizeof *work);
            ncompares = 0;
            algs[a].sort((unsigned char *)work, n, sizeof *work, orders[o].cmp);
            for (size_t i = 1; i < n; i++)
                if (orders[o].cmp(&work[i - 1], &work[i]) >= 0) bad++;
            uint64_t h = hash_ids(work, n);
            if (a == 0) want = h;
            else if (h != want) bad++;
            /* qsort's comparison count depends on the C library: not printed. */
            if (a < 3) printf(" %s %llu", algs[a].name, (unsigned long long)ncompares);
        }
        /* Indirect: sort pointers with our quicksort, sorting the pointed-to order. */
        for (size_t i = 0; i < n; i++) ptrs[i] = &orig[n - 1 - i];
        ptr_inner = orders[o].cmp;
        quick((unsigned char *)ptrs, n, sizeof *ptrs, by_ptr);
        uint64_t hp = BENCH_FNV_INIT;
        for (size_t i = 0; i < n; i++) hp = bench_mix(hp, ptrs[i]->id);
        if (hp != want) bad++;
        printf(", order %016llx\n", (unsigned long long)want);
        total = bench_mix(total, want);
    }
    printf("records %zu, top score '%s' %d, disagreements %d, hash %016llx\n", n, ptrs[0]->name,
           (int)ptrs[0]->score, bad, (unsigned long long)total);
    free(orig);
    free(work);
    free(ptrs);
    return bad != 0;
}

/*
 * csvagg.c -- CSV parsing, type inference and group-by aggregation.
 * Generates a sales table as CSV (header row, CRLF or LF line ends, fields
 * quoted when they hold commas, quotes or newlines, "" escapes, empty
 * cells, the odd short row), parses it field by field with a small state
 * machine, infers each column's type (empty < bool < int < decimal < date
 * < text, widening as cells disagree), groups rows by (region, product)
 * in an open-addressing hash map summing quantities and fixed-point
 * revenue with min/max prices, sorts the groups by revenue, and formats a
 * report with snprintf.
 * Exercises a byte-at-a-time parser with quote states, digit loops into
 * fixed-point integers, hashing and probing with memcmp on keys, a
 * comparator sort and formatted output.
 * usage: csvagg [ROWS]   (default 15000)
 */
#include <string.h>

#include "../progs/common.h"

/* ---- generating the table ------------------------------------------------ */

typedef struct {
    char *buf;
    size_t len, cap;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        while (b->len + n + 1 > b->cap) b->cap = b->cap ? b->cap * 2 : 4096;
        b->buf = realloc(b->buf, b->cap);
        if (!b->buf) {
            fprintf(stderr, "csvagg: out of memory\n");
            exit(1);
        }
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = 0;
}

static void sb_puts(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

/* Writes a field, quoting it when it needs quotes. */
static void put_field(sbuf *b, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        sb_puts(b, s);
        return;
    }
    sb_put(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"') sb_put(b, "\"", 1);
        sb_put(b, s, 1);
    }
    sb_put(b, "\"", 1);
}

static const char *regions[] = {"North", "South", "East, upper", "West \"coast\"", "Central",
                                "Islands\nfar"};
static const char *products[] = {"widget", "gadget", "sprocket", "gizmo", "doohickey",
                                 "thingamajig", "whatsit", "flange", "grommet", "bracket"};
#define NREG (sizeof regions / sizeof regions[0])
#define NPROD (sizeof products / sizeof products[0])

static void gen_csv(sbuf *b, bench_rng *r, long rows) {
    sb_puts(b, "region,product,qty,price,date,promo,comment\r\n");
    char tmp[64];
    for (long i = 0; i < rows; i++) {
        const char *eol = bench_below(r, 4) ? "\r\n" : "\n";
        put_field(b, regions[bench_below(r, NREG)]);
        sb_put(b, ",", 1);
        put_field(b, products[bench_below(r, NPROD)]);
        sb_put(b, ",", 1);
        if (bench_below(r, 40)) {
            snprintf(tmp, sizeof tmp, "%u", 1 + bench_below(r, 250));
            sb_puts(b, tmp);
        }
        sb_put(b, ",", 1);
        uint32_t cents = 50 + bench_below(r, 99950);
        if (bench_below(r, 5)) snprintf(tmp, sizeof tmp, "%u.%02u", cents / 100, cents % 100);
        else snprintf(tmp, sizeof tmp, "\"%u.%u\"", cents / 100, cents % 100 / 10);
        sb_puts(b, tmp);
        if (bench_below(r, 200) == 0) { /* a short row */
            sb_puts(b, eol);
            continue;
        }
        snprintf(tmp, sizeof tmp, ",%04u-%02u-%02u,", 2020 + bench_below(r, 5),
                 1 + bench_below(r, 12), 1 + bench_below(r, 28));
        sb_puts(b, tmp);
        uint32_t k = bench_below(r, 3);
        sb_puts(b, k == 0 ? "true" : k == 1 ? "false" : "");
        sb_put(b, ",", 1);
        k = bench_below(r, 6);
        if (k == 0) put_field(b, "said \"rush\", please");
        else if (k == 1) put_field(b, "two\r\nlines");
        else if (k == 2) sb_puts(b, "ok");
        sb_puts(b, eol);
    }
}

/* ---- parsing ------------------------------------------------------------- */

#define MAXCOL 8
#define FIELDCAP 256

typedef struct {
    const char *p, *end;
    char field[MAXCOL][FIELDCAP];
    size_t flen[MAXCOL];
    int quoted[MAXCOL];
} csv;

/* Reads one record; returns its field count, 0 at the end, -1 on error. */
static int read_record(csv *c) {
    if (c->p >= c->end) return 0;
    int nf = 0;
    for (;;) {
        if (nf == MAXCOL) return -1;
        size_t n = 0;
        char *f = c->field[nf];
        c->quoted[nf] = 0;
        if (c->p < c->end && *c->p == '"') {
            c->quoted[nf] = 1;
            c->p++;
            for (;;) {
                if (c->p >= c->end) return -1;
                char ch = *c->p++;
                if (ch == '"') {
                    if (c->p < c->end && *c->p == '"') c->p++;
                    else break;
                }
                if (n + 1 >= FIELDCAP) return -1;
                f[n++] = ch;
            }
        } else {
            while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
                if (n + 1 >= FIELDCAP) return -1;
                f[n++] = *c->p++;
            }
        }
        f[n] = 0;
        c->flen[nf++] = n;
        if (c->p >= c->end) return nf;
        char ch = *c->p++;
        if (ch == ',') continue;
        if (ch == '\r' && c->p < c->end && *c->p == '\n') c->p++;
        else if (ch != '\n') return -1;
        return nf;
    }
}

/* ---- type inference ------------------------------------------------------ */

enum { T_EMPTY, T_BOOL, T_INT, T_DEC, T_DATE, T_TEXT, T_N };
static const char *type_names[] = {"empty", "bool", "int", "decimal", "date", "text"};

static int isdig(char c) { return c >= '0' && c <= '9'; }

static int classify(const char *s, size_t n) {
    if (n == 0) return T_EMPTY;
    if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 5 && memcmp(s, "false", 5) == 0))
        return T_BOOL;
    size_t i = 0, digits = 0;
    if (s[0] == '-') i++;
    while (i < n && isdig(s[i])) i++, digits++;
    if (digits && i == n) return T_INT;
    if (digits && s[i] == '.') {
        size_t j = i + 1;
        while (j < n && isdig(s[j])) j++;
        if (j == n && j > i + 1) return T_DEC;
    }
    if (n == 10 && s[4] == '-' && s[7] == '-') {
        int ok = 1;
        for (int k = 0; k < 10; k++)
            if (k != 4 && k != 7 && !isdig(s[k])) ok = 0;
        if (ok) return T_DATE;
    }
    return T_TEXT;
}

/* Widening: bool and the numbers only widen among themselves, else text. */
static int widen(int a, int b) {
    if (a == T_EMPTY) return b;
    if (b == T_EMPTY || a == b) return a;
    if ((a == T_INT && b == T_DEC) || (a == T_DEC && b == T_INT)) return T_DEC;
    return T_TEXT;
}

/* "123.4" -> 12340 cents. */
static int64_t parse_cents(const char *s) {
    int64_t v = 0;
    while (isdig(*s)) v = v * 10 + (*s++ - '0');
    v *= 100;
    if (*s == '.') {
        s++;
        if (isdig(*s)) v += 10 * (*s++ - '0');
        if (isdig(*s)) v += *s - '0';
    }
    return v;
}

/* ---- grouping ------------------------------------------------------------ */

typedef struct {
    char key[80];
    size_t klen;
    uint64_t hash;
    long rows, qty, promo;
    int64_t revenue, minp, maxp;
} group;

#define HCAP 256
static group groups[HCAP];
static int slots[HCAP]; /* index + 1 into groups, 0 = empty */
static int ngroups;
static uint64_t probes;

static group *get_group(const char *key, size_t klen) {
    uint64_t h = BENCH_FNV_INIT;
    for (size_t i = 0; i < klen; i++) h = (h ^ (uint8_t)key[i]) * 0x100000001b3ULL;
    for (size_t s = h & (HCAP - 1);; s = (s + 1) & (HCAP - 1)) {
        probes++;
        if (!slots[s]) {
            if (ngroups >= HCAP / 2 || klen >= sizeof groups[0].key) return NULL;
            group *g = &groups[ngroups];
            memcpy(g->key, key, klen);
            g->klen = klen;
            g->hash = h;
            g->minp = INT64_MAX;
            g->maxp = -1;
            slots[s] = ++ngroups;
            return g;
        }
        group *g = &groups[slots[s] - 1];
        if (g->hash == h && g->klen == klen && memcmp(g->key, key, klen) == 0) return g;
    }
}

static int by_revenue(const void *a, const void *b) {
    const group *x = a, *y = b;
    if (x->revenue != y->revenue) return x->revenue > y->revenue ? -1 : 1;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

int main(int argc, char **argv) {
    long rows = bench_arg(argc, argv, 1, 15000);
    bench_rng rng = {0x637376616767ULL};
    sbuf text = {0};
    gen_csv(&text, &rng, rows);

    static csv c;
    c.p = text.buf;
    c.end = text.buf + text.len;
    int ncol = read_record(&c);
    if (ncol <= 0) {
        printf("no header\n");
        return 1;
    }
    int coltype[MAXCOL] = {0};
    long records = 0, short_rows = 0, quoted = 0, skipped = 0;
    int nf;
    while ((nf = read_record(&c)) > 0) {
        records++;
        if (nf < ncol) short_rows++;
        for (int i = 0; i < nf; i++) {
            quoted += c.quoted[i];
            coltype[i] = widen(coltype[i], classify(c.field[i], c.flen[i]));
        }
        if (nf < 4 || c.flen[2] == 0) {
            skipped++;
            continue;
        }
        char key[160];
        size_t kl = c.flen[0] + 1 + c.flen[1];
        if (kl >= sizeof key) return 1;
        memcpy(key, c.field[0], c.flen[0]);
        key[c.flen[0]] = '/';
        memcpy(key + c.flen[0] + 1, c.field[1], c.flen[1]);
        group *g = get_group(key, kl);
        if (!g) {
            printf("group table full\n");
            return 1;
        }
        long q = strtol(c.field[2], NULL, 10);
        int64_t price = parse_cents(c.field[3]);
        g->rows++;
        g->qty += q;
        g->revenue += price * q;
        if (price < g->minp) g->minp = price;
        if (price > g->maxp) g->maxp = price;
        if (nf > 5 && c.flen[5] == 4) g->promo++;
    }
    if (nf < 0) {
        printf("parse error at offset %ld\n", (long)(c.p - text.buf));
        return 1;
    }
    qsort(groups, (size_t)ngroups, sizeof groups[0], by_revenue);

    uint64_t rh = BENCH_FNV_INIT;
    char line[256];
    int64_t total = 0;
    for (int i = 0; i < ngroups; i++) {
        group *g = &groups[i];
        for (size_t k = 0; k < g->klen; k++)
            if (g->key[k] == '\n') g->key[k] = ' ';
        total += g->revenue;
        int n = snprintf(line, sizeof line, "%-28.*s %6ld rows %8ld units %12lld.%02lld avg %8.3f "
                         "min %lld max %lld promo %5.1f%%",
                         (int)g->klen, g->key, g->rows, g->qty, (long long)(g->revenue / 100),
                         (long long)(g->revenue % 100),
                         (double)g->revenue / 100.0 / (double)(g->qty ? g->qty : 1),
                         (long long)g->minp, (long long)g->maxp,
                         100.0 * (double)g->promo / (double)g->rows);
        for (int k = 0; k < n; k++) rh = (rh ^ (uint8_t)line[k]) * 0x100000001b3ULL;
        if (i < 3) printf("%s\n", line);
    }
    printf("rows %ld (%ld short, %ld skipped, %ld quoted cells), %zu bytes, %d groups, "
           "%llu probes\n",
           records, short_rows, skipped, quoted, text.len, ngroups, (unsigned long long)probes);
    printf("types:");
    for (int i = 0; i < ncol; i++) printf(" %s", type_names[coltype[i]]);
    printf("\ntotal revenue %lld.%02lld, report %016llx\n", (long long)(total / 100),
           (long long)(total % 100), (unsigned long long)rh);
    free(text.buf);
    return 0;
}

/*
 * router.c -- URL routing as an HTTP guest does it.
 * Generates request targets (method, path with percent-encoded bytes, query
 * strings with '+' and %XX escapes, the odd malformed escape), percent-
 * decodes the path, splits it into segments, matches them against a table
 * of route patterns with :params and a trailing *wildcard (first match
 * wins, method checked after the path so 405 differs from 404), parses the
 * query string into decoded key/value pairs, and builds a response (status
 * line, headers, body naming the route and its parameters) into a buffer.
 * Exercises byte classification and hex-digit decoding, segment compares
 * with memcmp, a linear scan of a pattern table with early exits, small
 * string copies and decimal formatting into a growing buffer.
 * usage: router [REQUESTS]   (default 25000)
 */
#include <string.h>

#include "../progs/common.h"

/* ---- routes -------------------------------------------------------------- */

enum { M_GET = 1, M_POST = 2, M_PUT = 4, M_DELETE = 8 };
static const char *method_names[] = {"GET", "POST", "PUT", "DELETE"};

typedef struct {
    const char *pattern;
    unsigned methods;
    const char *name;
} route;

static const route routes[] = {
    {"/", M_GET, "index"},
    {"/health", M_GET, "health"},
    {"/api/v1/users", M_GET | M_POST, "users"},
    {"/api/v1/users/me", M_GET, "me"},
    {"/api/v1/users/:id", M_GET | M_PUT | M_DELETE, "user"},
    {"/api/v1/users/:id/posts", M_GET | M_POST, "posts"},
    {"/api/v1/users/:id/posts/:pid", M_GET | M_PUT | M_DELETE, "post"},
    {"/api/v1/users/:id/posts/:pid/comments/:cid", M_GET | M_DELETE, "comment"},
    {"/api/v2/search", M_GET, "search"},
    {"/api/v2/items/:sku/stock", M_GET | M_PUT, "stock"},
    {"/static/*file", M_GET, "static"},
    {"/files/:bucket/*key", M_GET | M_PUT | M_DELETE, "object"},
    {"/blog/:year/:month/:slug", M_GET, "article"},
    {"/admin/*rest", M_GET | M_POST, "admin"},
};
#define NROUTES (sizeof routes / sizeof routes[0])
#define MAXSEG 24
#define MAXPARAM 8

typedef struct {
    const char *s;
    size_t n;
} slice;

/* Pre-split patterns. */
static slice pat_seg[NROUTES][MAXSEG];
static int pat_nseg[NROUTES];

static int split(const char *s, size_t len, slice *out, int max) {
    int n = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && s[i] == '/') i++;
        if (i >= len) break;
        size_t j = i;
        while (j < len && s[j] != '/') j++;
        if (n == max) return -1;
        out[n].s = s + i;
        out[n].n = j - i;
        n++;
        i = j;
    }
    return n;
}

typedef struct {
    slice name[MAXPARAM], val[MAXPARAM];
    int n;
} params;

/* Returns 1 if the path segments match pattern r, filling ps. */
static int match_route(int r, const slice *seg, int nseg, params *ps) {
    ps->n = 0;
    int np = pat_nseg[r];
    for (int i = 0; i < np; i++) {
        const slice *p = &pat_seg[r][i];
        if (p->s[0] == '*') {
            if (i >= nseg) return 0;
            ps->name[ps->n] = (slice){p->s + 1, p->n - 1};
            /* the rest of the path, from this segment on */
            ps->val[ps->n] = (slice){seg[i].s, strlen(seg[i].s)};
            ps->n++;
            return 1;
        }
        if (i >= nseg) return 0;
        if (p->s[0] == ':') {
            if (seg[i].n == 0) return 0;
            ps->name[ps->n] = (slice){p->s + 1, p->n - 1};
            ps->val[ps->n] = seg[i];
            ps->n++;
        } else if (p->n != seg[i].n || memcmp(p->s, seg[i].s, p->n) != 0) {
            return 0;
        }
    }
    return np == nseg;
}

/* ---- decoding ------------------------------------------------------------ */

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes n bytes of s into out (NUL-terminated); plus selects '+' -> ' '.
   Returns the decoded length, or -1 for a bad escape. */
static long pct_decode(const char *s, size_t n, char *out, int plus) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= n) return -1;
            int h = hexval((uint8_t)s[i + 1]), l = hexval((uint8_t)s[i + 2]);
            if (h < 0 || l < 0) return -1;
            out[o++] = (char)(h << 4 | l);
            i += 2;
        } else if (plus && c == '+') {
            out[o++] = ' ';
        } else {
            out[o++] = c;
        }
    }
    out[o] = 0;
    return (long)o;
}

/* ---- responses ----------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t len, cap;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        while (b->len + n + 1 > b->cap) b->cap = b->cap ? b->cap * 2 : 1024;
        b->buf = realloc(b->buf, b->cap);
        if (!b->buf) {
            fprintf(stderr, "router: out of memory\n");
            exit(1);
        }
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = 0;
}

static void sb_puts(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_putu(sbuf *b, uint64_t v) {
    char tmp[24];
    int n = 0;
    do tmp[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    char rev[24];
    for (int i = 0; i < n; i++) rev[i] = tmp[n - 1 - i];
    sb_put(b, rev, (size_t)n);
}

/* ---- request generation -------------------------------------------------- */

static const char *words[] = {"alice", "bob", "carol", "report 2024", "a/b", "caf\xc3\xa9",
                              "x+y",   "100%", "latest", "draft",       "img", "q&a"};
#define NWORDS (sizeof words / sizeof words[0])

static void put_enc(sbuf *b, const char *s, int space_plus) {
    static const char hx[] = "0123456789ABCDEF";
    for (; *s; s++) {
        uint8_t c = (uint8_t)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            sb_put(b, s, 1);
        } else if (c == ' ' && space_plus) {
            sb_put(b, "+", 1);
        } else {
            char e[3] = {'%', hx[c >> 4], hx[c & 15]};
            sb_put(b, e, 3);
        }
    }
}

static void gen_piece(sbuf *b, bench_rng *r) {
    if (bench_below(r, 2)) sb_putu(b, bench_below(r, 100000));
    else put_enc(b, words[bench_below(r, NWORDS)], 0);
}

/* Mostly a filled-in route pattern, sometimes bent or made up. */
static void gen_target(sbuf *b, bench_rng *r) {
    uint32_t k = bench_below(r, 10);
    if (k < 8) {
        const char *p = routes[bench_below(r, NROUTES)].pattern;
        if (!p[1]) sb_put(b, "/", 1);
        while (*p) {
            size_t n = 1;
            while (p[n] && p[n] != '/') n++;
            if (p[1] == ':') {
                sb_put(b, "/", 1);
                gen_piece(b, r);
            } else if (p[1] == '*') {
                uint32_t d = 1 + bench_below(r, 4);
                for (uint32_t i = 0; i < d; i++) {
                    sb_put(b, "/", 1);
                    gen_piece(b, r);
                }
            } else {
                sb_put(b, p, n);
            }
            p += n;
        }
        if (k == 7) { /* an extra or a dropped segment */
            if (bench_below(r, 2)) sb_puts(b, "/extra");
            else if (b->len > 1) {
                while (b->len > 1 && b->buf[b->len - 1] != '/') b->len--;
                b->len--;
            }
        }
    } else {
        uint32_t d = bench_below(r, 5);
        for (uint32_t i = 0; i < d; i++) {
            sb_put(b, "/", 1);
            gen_piece(b, r);
        }
        if (!d) sb_put(b, "/", 1);
    }
    if (bench_below(r, 50) == 0) sb_puts(b, "%G1"); /* malformed escape */
    if (bench_below(r, 2)) {
        sb_put(b, "?", 1);
        uint32_t nq = 1 + bench_below(r, 4);
        for (uint32_t i = 0; i < nq; i++) {
            if (i) sb_put(b, "&", 1);
            static const char *qk[] = {"q", "page", "sort", "limit", "tag"};
            sb_puts(b, qk[bench_below(r, 5)]);
            if (bench_below(r, 8)) {
                sb_put(b, "=", 1);
                if (bench_below(r, 2)) sb_putu(b, bench_below(r, 1000));
                else put_enc(b, words[bench_below(r, NWORDS)], 1);
            }
        }
    }
}

/* ---- main ---------------------------------------------------------------- */

int main(int argc, char **argv) {
    long nreq = bench_arg(argc, argv, 1, 25000);
    bench_rng rng = {0x726f75746572ULL};
    for (size_t i = 0; i < NROUTES; i++)
        pat_nseg[i] = split(routes[i].pattern, strlen(routes[i].pattern), pat_seg[i], MAXSEG);

    sbuf target = {0}, resp = {0};
    char path[1024], key[256], val[256];
    uint64_t status_count[4] = {0}, route_hits[NROUTES] = {0};
    uint64_t resphash = BENCH_FNV_INIT, qhash = BENCH_FNV_INIT, bytes = 0;
    uint64_t nqpairs = 0, qsum = 0;

    for (long q = 0; q < nreq; q++) {
        unsigned mbit = 1u << bench_below(&rng, 4);
        int mi = mbit == 1 ? 0 : mbit == 2 ? 1 : mbit == 4 ? 2 : 3;
        target.len = 0;
        gen_target(&target, &rng);

        const char *t = target.buf;
        const char *qm = strchr(t, '?');
        size_t plen = qm ? (size_t)(qm - t) : target.len;
        int status = 200;
        int matched = -1;
        params ps = {0};
        slice seg[MAXSEG];
        long dl = plen < sizeof path ? pct_decode(t, plen, path, 0) : -1;
        int nseg = dl < 0 ? -1 : split(path, (size_t)dl, seg, MAXSEG);
        if (nseg < 0) {
            status = 400;
        } else {
            /* A wildcard takes the rest of the decoded path. */
            int path_match = -1;
            for (size_t r = 0; r < NROUTES; r++)
                if (match_route((int)r, seg, nseg, &ps)) {
                    if (path_match < 0) path_match = (int)r;
                    if (routes[r].methods & mbit) {
                        matched = (int)r;
                        break;
                    }
                }
            if (matched < 0) status = path_match < 0 ? 404 : 405;
        }

        /* Query string: decoded key/value pairs. */
        params qp = {0};
        if (qm && status == 200) {
            const char *s = qm + 1;
            while (*s) {
                const char *amp = strchr(s, '&');
                size_t n = amp ? (size_t)(amp - s) : strlen(s);
                const char *eq = memchr(s, '=', n);
                size_t kn = eq ? (size_t)(eq - s) : n;
                long kl = pct_decode(s, kn, key, 1);
                long vl = eq ? pct_decode(eq + 1, n - kn - 1, val, 1) : 0;
                if (!eq) val[0] = 0;
                if (kl < 0 || vl < 0) {
                    status = 400;
                    break;
                }
                nqpairs++;
                qhash = bench_mix(qhash, (uint64_t)kl << 32 | (uint64_t)vl);
                for (long i = 0; i < vl; i++) qhash = (qhash ^ (uint8_t)val[i]) * 0x100000001b3ULL;
                if (strcmp(key, "page") == 0 || strcmp(key, "limit") == 0)
                    qsum += strtoul(val, NULL, 10);
                if (qp.n < MAXPARAM) qp.n++;
                s += n;
                if (*s == '&') s++;
            }
        }

        /* The response. */
        resp.len = 0;
        const char *reason = status == 200 ? "OK" : status == 400 ? "Bad Request"
                           : status == 404 ? "Not Found" : "Method Not Allowed";
        char body[512];
        size_t bl = 0;
        if (status == 200) {
            route_hits[matched]++;
            const char *nm = routes[matched].name;
            size_t n = strlen(nm);
            memcpy(body, nm, n);
            bl = n;
            for (int i = 0; i < ps.n && bl + 64 < sizeof body; i++) {
                body[bl++] = i ? '&' : '?';
                size_t a = ps.name[i].n, v = ps.val[i].n;
                if (v > 40) v = 40;
                memcpy(body + bl, ps.name[i].s, a);
                bl += a;
                body[bl++] = '=';
                memcpy(body + bl, ps.val[i].s, v);
                bl += v;
            }
            body[bl++] = '\n';
        } else {
            bl = strlen(reason);
            memcpy(body, reason, bl);
            body[bl++] = '\n';
        }
        status_count[status == 200 ? 0 : status == 400 ? 1 : status == 404 ? 2 : 3]++;
        sb_puts(&resp, "HTTP/1.1 ");
        sb_putu(&resp, (uint64_t)status);
        sb_put(&resp, " ", 1);
        sb_puts(&resp, reason);
        sb_puts(&resp, "\r\nContent-Type: text/plain\r\nContent-Length: ");
        sb_putu(&resp, bl);
        if (status == 405) {
            sb_puts(&resp, "\r\nAllow: ");
            sb_puts(&resp, method_names[mi]);
        }
        sb_puts(&resp, "\r\nX-Request: ");
        sb_putu(&resp, (uint64_t)q);
        sb_puts(&resp, "\r\n\r\n");
        sb_put(&resp, body, bl);
        bytes += resp.len;
        for (size_t i = 0; i < resp.len; i++)
            resphash = (resphash ^ (uint8_t)resp.buf[i]) * 0x100000001b3ULL;
    }

    printf("requests %ld, %llu response bytes\n", nreq, (unsigned long long)bytes);
    printf("status: 200 %llu, 400 %llu, 404 %llu, 405 %llu\n",
           (unsigned long long)status_count[0], (unsigned long long)status_count[1],
           (unsigned long long)status_count[2], (unsigned long long)status_count[3]);
    printf("routes:");
    for (size_t r = 0; r < NROUTES; r++) printf(" %s=%llu", routes[r].name,
                                                (unsigned long long)route_hits[r]);
    printf("\n");
    printf("query pairs %llu (sum %llu, hash %016llx), responses %016llx\n",
           (unsigned long long)nqpairs, (unsigned long long)qsum, (unsigned long long)qhash,
           (unsigned long long)resphash);
    free(target.buf);
    free(resp.buf);
    return 0;
}

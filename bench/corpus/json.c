/*
 * json.c -- a JSON tokenizer and recursive-descent parser.
 * Generates JSON documents (nested objects and arrays, strings with escapes
 * and \u sequences, integers, decimals with exponents, true/false/null,
 * irregular whitespace), parses each into a tree of nodes allocated from an
 * arena, then walks the tree: counts nodes by kind, sums the numbers, looks
 * up keys along paths, and serialises the tree back to compact text which
 * is parsed again and must serialise to the same bytes.
 * Exercises character-class branching, a switch on the next byte, recursion,
 * pointer-linked trees and small string copies.
 * usage: json [DOCS]   (default 30: documents of about 16 KiB each)
 */
#include <string.h>

#include "../progs/common.h"

/* ---- generating documents ----------------------------------------------- */

typedef struct {
    char *buf;
    size_t len, cap;
} sbuf;

static void sb_putc(sbuf *s, char c) {
    if (s->len + 1 >= s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->buf = realloc(s->buf, s->cap);
        if (!s->buf) {
            fprintf(stderr, "json: out of memory\n");
            exit(1);
        }
    }
    s->buf[s->len++] = c;
    s->buf[s->len] = 0;
}

static void sb_puts(sbuf *s, const char *str) {
    while (*str) sb_putc(s, *str++);
}

static void sb_putu(sbuf *s, uint64_t v) {
    char tmp[24];
    int n = 0;
    do tmp[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    while (n) sb_putc(s, tmp[--n]);
}

static void gen_ws(sbuf *s, bench_rng *r) {
    uint32_t k = bench_below(r, 8);
    if (k == 0) sb_putc(s, '\n');
    else if (k == 1) sb_puts(s, "  ");
    else if (k == 2) sb_putc(s, ' ');
}

static const char *keys[] = {"id", "name", "value", "items", "enabled", "tags", "x", "y",
                             "weight", "children", "label", "meta", "count", "ratio"};
#define NKEYS (sizeof keys / sizeof keys[0])

static void gen_string(sbuf *s, bench_rng *r) {
    sb_putc(s, '"');
    uint32_t len = bench_below(r, 14);
    for (uint32_t i = 0; i < len; i++) {
        uint32_t k = bench_below(r, 40);
        if (k == 0) sb_puts(s, "\\n");
        else if (k == 1) sb_puts(s, "\\\"");
        else if (k == 2) sb_puts(s, "\\\\");
        else if (k == 3) {
            static const char hx[] = "0123456789abcdef";
            uint32_t cp = 0x20 + bench_below(r, 0x7e0);
            sb_puts(s, "\\u");
            for (int j = 12; j >= 0; j -= 4) sb_putc(s, hx[(cp >> j) & 15]);
        } else sb_putc(s, (char)('a' + bench_below(r, 26)));
    }
    sb_putc(s, '"');
}

static void gen_number(sbuf *s, bench_rng *r) {
    if (bench_below(r, 3) == 0) sb_putc(s, '-');
    uint32_t k = bench_below(r, 4);
    sb_putu(s, bench_below(r, k == 0 ? 1000000u : 1000u));
    if (k >= 2) {
        sb_putc(s, '.');
        uint32_t digits = 1 + bench_below(r, 5);
        for (uint32_t i = 0; i < digits; i++) sb_putc(s, (char)('0' + bench_below(r, 10)));
    }
    if (k == 3) {
        sb_putc(s, bench_below(r, 2) ? 'e' : 'E');
        if (bench_below(r, 2)) sb_putc(s, '-');
        sb_putu(s, bench_below(r, 4));
    }
}

static void gen_value(sbuf *s, bench_rng *r, int depth) {
    uint32_t k = bench_below(r, depth > 5 ? 5 : 8);
    switch (k) {
    case 0: case 1: gen_number(s, r); break;
    case 2: gen_string(s, r); break;
    case 3: sb_puts(s, bench_below(r, 2) ? "true" : "false"); break;
    case 4: sb_puts(s, "null"); break;
    case 5: case 6: {
        sb_putc(s, '{');
        uint32_t n = bench_below(r, 7);
        for (uint32_t i = 0; i < n; i++) {
            if (i) sb_putc(s, ',');
            gen_ws(s, r);
            sb_putc(s, '"');
            sb_puts(s, keys[bench_below(r, NKEYS)]);
            sb_putc(s, '"');
            gen_ws(s, r);
            sb_putc(s, ':');
            gen_ws(s, r);
            gen_value(s, r, depth + 1);
        }
        gen_ws(s, r);
        sb_putc(s, '}');
        break;
    }
    default: {
        sb_putc(s, '[');
        uint32_t n = bench_below(r, 9);
        for (uint32_t i = 0; i < n; i++) {
            if (i) sb_putc(s, ',');
            gen_ws(s, r);
            gen_value(s, r, depth + 1);
        }
        sb_putc(s, ']');
        break;
    }
    }
}

/* ---- the tree ----------------------------------------------------------- */

enum kind { J_NULL, J_FALSE, J_TRUE, J_INT, J_REAL, J_STR, J_ARR, J_OBJ, J_NKINDS };

typedef struct jnode {
    enum kind kind;
    struct jnode *next;  /* next sibling in the parent */
    struct jnode *child; /* first element/member */
    const char *key;     /* member name, in the parent object */
    const char *str;
    size_t slen;
    int64_t ival;
    double dval;
} jnode;

typedef struct {
    uint8_t *mem;
    size_t used, cap;
} arena;

static void *arena_alloc(arena *a, size_t n) {
    n = (n + 7) & ~(size_t)7;
    if (a->used + n > a->cap) {
        fprintf(stderr, "json: arena full\n");
        exit(1);
    }
    void *p = a->mem + a->used;
    a->used += n;
    return p;
}

typedef struct {
    const char *p, *end;
    arena *a;
    int error;
} parser;

static void skip_ws(parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r'))
        ps->p++;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Parses a string at ps->p (the opening quote) into UTF-8 in the arena. */
static const char *parse_string(parser *ps, size_t *outlen) {
    const char *q = ps->p + 1;
    size_t raw = 0;
    while (q + raw < ps->end && q[raw] != '"') raw += q[raw] == '\\' ? 2 : 1;
    char *out = arena_alloc(ps->a, raw + 1);
    size_t n = 0;
    while (q < ps->end && *q != '"') {
        char c = *q++;
        if (c != '\\') {
            out[n++] = c;
            continue;
        }
        if (q >= ps->end) break;
        c = *q++;
        switch (c) {
        case 'n': out[n++] = '\n'; break;
        case 't': out[n++] = '\t'; break;
        case 'r': out[n++] = '\r'; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case '"': case '\\': case '/': out[n++] = c; break;
        case 'u': {
            uint32_t cp = 0;
            for (int i = 0; i < 4; i++) {
                int h = q < ps->end ? hexval(*q++) : -1;
                if (h < 0) {
                    ps->error = 1;
                    return "";
                }
                cp = cp << 4 | (uint32_t)h;
            }
            if (cp < 0x80) out[n++] = (char)cp;
            else if (cp < 0x800) {
                out[n++] = (char)(0xc0 | cp >> 6);
                out[n++] = (char)(0x80 | (cp & 0x3f));
            } else {
                out[n++] = (char)(0xe0 | cp >> 12);
                out[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[n++] = (char)(0x80 | (cp & 0x3f));
            }
            break;
        }
        default: ps->error = 1; return "";
        }
    }
    if (q >= ps->end) {
        ps->error = 1;
        return "";
    }
    ps->p = q + 1;
    out[n] = 0;
    *outlen = n;
    return out;
}

static void parse_number(parser *ps, jnode *nd) {
    const char *p = ps->p;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    int64_t ip = 0;
    int digits = 0;
    while (p < ps->end && *p >= '0' && *p <= '9') {
        ip = ip * 10 + (*p++ - '0');
        digits++;
    }
    if (!digits) {
        ps->error = 1;
        return;
    }
    if (p < ps->end && (*p == '.' || *p == 'e' || *p == 'E')) {
        int64_t frac = 0, scale = 1;
        if (*p == '.') {
            p++;
            while (p < ps->end && *p >= '0' && *p <= '9') {
                frac = frac * 10 + (*p++ - '0');
                scale *= 10;
            }
        }
        int ex = 0, eneg = 0;
        if (p < ps->end && (*p == 'e' || *p == 'E')) {
            p++;
            if (*p == '-' || *p == '+') eneg = *p++ == '-';
            while (p < ps->end && *p >= '0' && *p <= '9') ex = ex * 10 + (*p++ - '0');
        }
        double v = (double)(ip * scale + frac) / (double)scale;
        for (int i = 0; i < ex; i++) v = eneg ? v / 10.0 : v * 10.0;
        nd->kind = J_REAL;
        nd->dval = neg ? -v : v;
    } else {
        nd->kind = J_INT;
        nd->ival = neg ? -ip : ip;
    }
    ps->p = p;
}

static jnode *parse_value(parser *ps, int depth);

static jnode *parse_container(parser *ps, int depth, int is_obj) {
    jnode *nd = arena_alloc(ps->a, sizeof *nd);
    memset(nd, 0, sizeof *nd);
    nd->kind = is_obj ? J_OBJ : J_ARR;
    char close = is_obj ? '}' : ']';
    ps->p++;
    skip_ws(ps);
    jnode **tail = &nd->child;
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return nd;
    }
    for (;;) {
        const char *key = NULL;
        if (is_obj) {
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != '"') {
                ps->error = 1;
                return nd;
            }
            size_t klen;
            key = parse_string(ps, &klen);
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                ps->error = 1;
                return nd;
            }
            ps->p++;
        }
        jnode *v = parse_value(ps, depth + 1);
        if (ps->error) return nd;
        v->key = key;
        *tail = v;
        tail = &v->next;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return nd;
        }
        ps->error = 1;
        return nd;
    }
}

static jnode *parse_value(parser *ps, int depth) {
    skip_ws(ps);
    if (ps->p >= ps->end || depth > 64) {
        ps->error = 1;
        return NULL;
    }
    switch (*ps->p) {
    case '{': return parse_container(ps, depth, 1);
    case '[': return parse_container(ps, depth, 0);
    default: break;
    }
    jnode *nd = arena_alloc(ps->a, sizeof *nd);
    memset(nd, 0, sizeof *nd);
    switch (*ps->p) {
    case '"': nd->kind = J_STR; nd->str = parse_string(ps, &nd->slen); break;
    case 't':
        if (ps->end - ps->p >= 4 && memcmp(ps->p, "true", 4) == 0) nd->kind = J_TRUE, ps->p += 4;
        else ps->error = 1;
        break;
    case 'f':
        if (ps->end - ps->p >= 5 && memcmp(ps->p, "false", 5) == 0) nd->kind = J_FALSE, ps->p += 5;
        else ps->error = 1;
        break;
    case 'n':
        if (ps->end - ps->p >= 4 && memcmp(ps->p, "null", 4) == 0) nd->kind = J_NULL, ps->p += 4;
        else ps->error = 1;
        break;
    default: parse_number(ps, nd); break;
    }
    return nd;
}

/* ---- walking ------------------------------------------------------------ */

typedef struct {
    uint64_t count[J_NKINDS];
    int64_t isum;
    double dsum;
    uint64_t strhash;
    int maxdepth;
} stats;

static void walk(const jnode *nd, stats *st, int depth) {
    if (depth > st->maxdepth) st->maxdepth = depth;
    for (; nd; nd = nd->next) {
        st->count[nd->kind]++;
        if (nd->key)
            for (const char *k = nd->key; *k; k++)
                st->strhash = (st->strhash ^ (uint8_t)*k) * 0x100000001b3ULL;
        switch (nd->kind) {
        case J_INT: st->isum += nd->ival; break;
        case J_REAL: st->dsum += nd->dval; break;
        case J_STR:
            for (size_t i = 0; i < nd->slen; i++)
                st->strhash = (st->strhash ^ (uint8_t)nd->str[i]) * 0x100000001b3ULL;
            break;
        case J_ARR: case J_OBJ: walk(nd->child, st, depth + 1); break;
        default: break;
        }
    }
}

/* Depth-first search for the first member named key with an integer value. */
static const jnode *find_int(const jnode *nd, const char *key) {
    for (; nd; nd = nd->next) {
        if (nd->key && nd->kind == J_INT && strcmp(nd->key, key) == 0) return nd;
        if (nd->kind == J_ARR || nd->kind == J_OBJ) {
            const jnode *f = find_int(nd->child, key);
            if (f) return f;
        }
    }
    return NULL;
}

/* Compact serialisation; reals are written as ints times 1e-6 to stay exact. */
static void emit_string(sbuf *s, const char *str, size_t len) {
    static const char hx[] = "0123456789abcdef";
    sb_putc(s, '"');
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)str[i];
        if (c == '"' || c == '\\') {
            sb_putc(s, '\\');
            sb_putc(s, (char)c);
        } else if (c < 0x20) {
            sb_puts(s, "\\u00");
            sb_putc(s, hx[c >> 4]);
            sb_putc(s, hx[c & 15]);
        } else sb_putc(s, (char)c);
    }
    sb_putc(s, '"');
}

static void emit(sbuf *s, const jnode *nd) {
    switch (nd->kind) {
    case J_NULL: sb_puts(s, "null"); break;
    case J_TRUE: sb_puts(s, "true"); break;
    case J_FALSE: sb_puts(s, "false"); break;
    case J_INT:
        if (nd->ival < 0) sb_putc(s, '-');
        sb_putu(s, (uint64_t)(nd->ival < 0 ? -nd->ival : nd->ival));
        break;
    case J_REAL: {
        double v = nd->dval;
        if (v < 0) {
            sb_putc(s, '-');
            v = -v;
        }
        uint64_t micro = (uint64_t)(v * 1e6 + 0.5);
        sb_putu(s, micro / 1000000);
        sb_putc(s, '.');
        char frac[7];
        uint64_t f = micro % 1000000;
        for (int i = 5; i >= 0; i--, f /= 10) frac[i] = (char)('0' + f % 10);
        frac[6] = 0;
        sb_puts(s, frac);
        break;
    }
    case J_STR: emit_string(s, nd->str, nd->slen); break;
    case J_ARR: case J_OBJ: {
        int obj = nd->kind == J_OBJ;
        sb_putc(s, obj ? '{' : '[');
        for (const jnode *c = nd->child; c; c = c->next) {
            if (c != nd->child) sb_putc(s, ',');
            if (obj) {
                emit_string(s, c->key, strlen(c->key));
                sb_putc(s, ':');
            }
            emit(s, c);
        }
        sb_putc(s, obj ? '}' : ']');
        break;
    }
    default: break;
    }
}

static uint64_t fnv(const char *p, size_t n) {
    uint64_t h = BENCH_FNV_INIT;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)p[i]) * 0x100000001b3ULL;
    return h;
}

int main(int argc, char **argv) {
    long docs = bench_arg(argc, argv, 1, 30);
    bench_rng rng = {0x150aULL};
    arena a = {NULL, 0, 8u << 20};
    a.mem = malloc(a.cap);
    if (!a.mem) {
        fprintf(stderr, "json: out of memory\n");
        return 1;
    }
    stats total;
    memset(&total, 0, sizeof total);
    total.strhash = BENCH_FNV_INIT;
    uint64_t texthash = BENCH_FNV_INIT, bytes = 0, finds = 0;
    int64_t found_sum = 0;
    sbuf doc = {0}, out = {0}, out2 = {0};
    for (long d = 0; d < docs; d++) {
        doc.len = 0;
        sb_putc(&doc, '[');
        for (int i = 0; doc.len < 16000; i++) {
            if (i) sb_putc(&doc, ',');
            gen_value(&doc, &rng, 0);
        }
        sb_putc(&doc, ']');
        bytes += doc.len;

        a.used = 0;
        parser ps = {doc.buf, doc.buf + doc.len, &a, 0};
        jnode *root = parse_value(&ps, 0);
        if (ps.error) {
            printf("doc %ld: parse error at offset %ld\n", d, (long)(ps.p - doc.buf));
            return 1;
        }
        walk(root, &total, 0);
        for (size_t k = 0; k < NKEYS; k++) {
            const jnode *f = find_int(root, keys[k]);
            if (f) {
                finds++;
                found_sum += f->ival;
            }
        }
        out.len = 0;
        emit(&out, root);
        /* Round trip: the compact form must reproduce itself. */
        a.used = 0;
        parser ps2 = {out.buf, out.buf + out.len, &a, 0};
        jnode *root2 = parse_value(&ps2, 0);
        out2.len = 0;
        if (!ps2.error) emit(&out2, root2);
        if (ps2.error || out2.len != out.len || memcmp(out.buf, out2.buf, out.len) != 0) {
            printf("doc %ld: round trip FAILED\n", d);
            return 1;
        }
        texthash = bench_mix(texthash, fnv(out.buf, out.len));
    }
    printf("docs %ld, %llu bytes parsed\n", docs, (unsigned long long)bytes);
    printf("nodes: null %llu false %llu true %llu int %llu real %llu str %llu arr %llu obj %llu, "
           "depth %d\n",
           (unsigned long long)total.count[J_NULL], (unsigned long long)total.count[J_FALSE],
           (unsigned long long)total.count[J_TRUE], (unsigned long long)total.count[J_INT],
           (unsigned long long)total.count[J_REAL], (unsigned long long)total.count[J_STR],
           (unsigned long long)total.count[J_ARR], (unsigned long long)total.count[J_OBJ],
           total.maxdepth);
    printf("int sum %lld, real sum %.6f, strings %016llx\n", (long long)total.isum, total.dsum,
           (unsigned long long)total.strhash);
    printf("lookups %llu (sum %lld), compact text %016llx\n", (unsigned long long)finds,
           (long long)found_sum, (unsigned long long)texthash);
    free(doc.buf);
    free(out.buf);
    free(out2.buf);
    free(a.mem);
    return 0;
}

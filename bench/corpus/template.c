/*
 * template.c -- a mustache-like template engine.
 * Parses templates ({{name}} escaped, {{{name}}} and {{&name}} raw, dotted
 * names, {{.}}, {{#section}} loops over lists / truthy tests, {{^section}}
 * inverted sections, {{! comments}}) into a flat node array with section
 * extents, rejects unbalanced ones, then renders them with generated data
 * (pages with users, item lists, nested tags, strings needing HTML escapes)
 * into a growing output buffer, resolving names up a context stack.
 * Exercises scanning for delimiters with memchr/memcmp, a switch over node
 * kinds, recursion over nested sections, name lookups by string compare
 * up a stack, per-byte escaping into a buffer and decimal formatting.
 * usage: template [PAGES]   (default 1500)
 */
#include <string.h>

#include "../progs/common.h"

/* ---- data ---------------------------------------------------------------- */

enum { V_NONE, V_STR, V_INT, V_BOOL, V_LIST, V_OBJ };

typedef struct val {
    int kind, n;          /* n: list items or object fields */
    const char *s;        /* V_STR */
    long i;               /* V_INT, V_BOOL */
    const char **keys;    /* V_OBJ */
    struct val *vals;     /* V_OBJ fields or V_LIST items */
} val;

static uint8_t arena[1 << 20];
static size_t arena_used;

static void *alloc(size_t n) {
    n = (n + 7) & ~(size_t)7;
    if (arena_used + n > sizeof arena) {
        fprintf(stderr, "template: arena full\n");
        exit(1);
    }
    void *p = arena + arena_used;
    arena_used += n;
    return p;
}

static val mk_obj(int n) {
    return (val){V_OBJ, 0, NULL, 0, alloc(sizeof(char *) * (size_t)n),
                 alloc(sizeof(val) * (size_t)n)};
}

static void obj_set(val *o, const char *k, val v) {
    o->keys[o->n] = k;
    o->vals[o->n++] = v;
}

static val mk_str(const char *s) { return (val){V_STR, 0, s, 0, NULL, NULL}; }
static val mk_int(long i) { return (val){V_INT, 0, NULL, i, NULL, NULL}; }
static val mk_bool(int b) { return (val){V_BOOL, 0, NULL, b, NULL, NULL}; }

static const char *syll[] = {"ka", "lo", "mi", "ne", "ru", "ta", "zo", "be", "<b>", "&amp;",
                             "\"q\"", "it's", " ", "on", "ar"};

static const char *gen_text(bench_rng *r, int maxw) {
    char tmp[128];
    size_t n = 0;
    int w = 1 + (int)bench_below(r, (uint32_t)maxw);
    for (int i = 0; i < w; i++) {
        const char *s = syll[bench_below(r, sizeof syll / sizeof syll[0])];
        size_t l = strlen(s);
        if (n + l >= sizeof tmp) break;
        memcpy(tmp + n, s, l);
        n += l;
    }
    char *out = alloc(n + 1);
    memcpy(out, tmp, n);
    out[n] = 0;
    return out;
}

static val gen_page(bench_rng *r, long id) {
    val page = mk_obj(8);
    obj_set(&page, "title", mk_str(gen_text(r, 6)));
    obj_set(&page, "id", mk_int(id));
    val user = mk_obj(3);
    obj_set(&user, "name", mk_str(gen_text(r, 3)));
    obj_set(&user, "admin", mk_bool(bench_below(r, 4) == 0));
    obj_set(&user, "karma", mk_int((long)bench_below(r, 5000) - 1000));
    obj_set(&page, "user", user);
    int ni = (int)bench_below(r, 12);
    val items = {V_LIST, ni, NULL, 0, NULL, alloc(sizeof(val) * (size_t)(ni + 1))};
    for (int i = 0; i < ni; i++) {
        val it = mk_obj(5);
        obj_set(&it, "name", mk_str(gen_text(r, 4)));
        obj_set(&it, "price", mk_int((long)bench_below(r, 100000)));
        obj_set(&it, "stock", mk_bool(bench_below(r, 3) != 0));
        int nt = (int)bench_below(r, 4);
        val tags = {V_LIST, nt, NULL, 0, NULL, alloc(sizeof(val) * (size_t)(nt + 1))};
        for (int t = 0; t < nt; t++) tags.vals[t] = mk_str(gen_text(r, 2));
        obj_set(&it, "tags", tags);
        if (bench_below(r, 3) == 0) obj_set(&it, "note", mk_str(gen_text(r, 8)));
        items.vals[i] = it;
    }
    obj_set(&page, "items", items);
    obj_set(&page, "footer", mk_str(bench_below(r, 2) ? "&copy; hive" : "<hr>"));
    return page;
}

/* ---- templates ----------------------------------------------------------- */

enum { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED };

typedef struct {
    int kind;
    const char *s; /* text, or the name */
    size_t n;
    int end;       /* sections: index of the node after the section */
} node;

#define MAXNODES 512

/* Returns the node count, or -1 on a syntax error. */
static int parse(const char *t, node *nodes) {
    int n = 0, stack[32], sp = 0;
    const char *p = t, *end = t + strlen(t);
    while (p < end) {
        const char *o = p;
        while ((o = memchr(o, '{', (size_t)(end - o))) != NULL && (o + 1 >= end || o[1] != '{')) o++;
        if (!o) o = end;
        if (o > p) {
            if (n == MAXNODES) return -1;
            nodes[n++] = (node){N_TEXT, p, (size_t)(o - p), 0};
        }
        if (o == end) break;
        int triple = o + 2 < end && o[2] == '{';
        const char *s = o + 2 + triple, *c = s;
        while (c + 1 < end && !(c[0] == '}' && c[1] == '}')) c++;
        if (c + 1 >= end) return -1;
        p = c + 2;
        if (triple) {
            if (p >= end || *p != '}') return -1;
            p++;
        }
        char sig = triple ? '{' : *s;
        if (!triple && (sig == '#' || sig == '^' || sig == '/' || sig == '!' || sig == '&')) s++;
        while (s < c && *s == ' ') s++;
        while (c > s && c[-1] == ' ') c--;
        size_t len = (size_t)(c - s);
        if (sig == '!') continue;
        if (sig == '/') {
            if (!sp) return -1;
            node *open = &nodes[stack[--sp]];
            if (open->n != len || memcmp(open->s, s, len) != 0) return -1;
            open->end = n;
            continue;
        }
        if (n == MAXNODES || len == 0) return -1;
        int kind = sig == '#' ? N_SECTION : sig == '^' ? N_INVERTED
                 : (sig == '{' || sig == '&') ? N_RAW : N_VAR;
        if (kind == N_SECTION || kind == N_INVERTED) {
            if (sp == 32) return -1;
            stack[sp++] = n;
        }
        nodes[n++] = (node){kind, s, len, 0};
    }
    return sp ? -1 : n;
}

/* ---- rendering ----------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t len, cap;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
    if (b->len + n > b->cap) {
        while (b->len + n > b->cap) b->cap = b->cap ? b->cap * 2 : 4096;
        b->buf = realloc(b->buf, b->cap);
        if (!b->buf) {
            fprintf(stderr, "template: out of memory\n");
            exit(1);
        }
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
}

static void put_escaped(sbuf *b, const char *s) {
    const char *run = s;
    for (; *s; s++) {
        const char *e;
        switch (*s) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#39;"; break;
        default: continue;
        }
        sb_put(b, run, (size_t)(s - run));
        sb_put(b, e, strlen(e));
        run = s + 1;
    }
    sb_put(b, run, (size_t)(s - run));
}

static void put_val(sbuf *b, const val *v, int escape) {
    char tmp[24];
    int n = 0;
    switch (v->kind) {
    case V_STR:
        if (escape) put_escaped(b, v->s);
        else sb_put(b, v->s, strlen(v->s));
        break;
    case V_INT: {
        unsigned long u = v->i < 0 ? 0UL - (unsigned long)v->i : (unsigned long)v->i;
        do tmp[sizeof tmp - 1 - n++] = (char)('0' + u % 10); while ((u /= 10) != 0);
        if (v->i < 0) tmp[sizeof tmp - 1 - n++] = '-';
        sb_put(b, tmp + sizeof tmp - n, (size_t)n);
        break;
    }
    case V_BOOL: sb_put(b, v->i ? "true" : "false", v->i ? 4 : 5); break;
    default: break;
    }
}

static const val none = {V_NONE, 0, NULL, 0, NULL, NULL};
static uint64_t lookups, misses;

static const val *field(const val *o, const char *s, size_t n) {
    if (o->kind != V_OBJ) return NULL;
    for (int i = 0; i < o->n; i++)
        if (strncmp(o->keys[i], s, n) == 0 && o->keys[i][n] == 0) return &o->vals[i];
    return NULL;
}

/* Resolves a (dotted) name against the context stack, innermost first. */
static const val *lookup(const val **ctx, int depth, const char *s, size_t n) {
    lookups++;
    if (n == 1 && s[0] == '.') return ctx[depth - 1];
    const char *dot = memchr(s, '.', n);
    size_t first = dot ? (size_t)(dot - s) : n;
    const val *v = NULL;
    for (int d = depth - 1; d >= 0 && !v; d--) v = field(ctx[d], s, first);
    while (v && dot) {
        const char *part = dot + 1;
        dot = memchr(part, '.', (size_t)(s + n - part));
        size_t pn = dot ? (size_t)(dot - part) : (size_t)(s + n - part);
        v = field(v, part, pn);
    }
    if (!v) misses++;
    return v ? v : &none;
}

static int truthy(const val *v) {
    switch (v->kind) {
    case V_STR: return v->s[0] != 0;
    case V_INT: case V_BOOL: return v->i != 0;
    case V_LIST: return v->n > 0;
    case V_OBJ: return 1;
    default: return 0;
    }
}

static void render(const node *nodes, int from, int to, const val **ctx, int depth, sbuf *out) {
    for (int i = from; i < to; i++) {
        const node *nd = &nodes[i];
        switch (nd->kind) {
        case N_TEXT: sb_put(out, nd->s, nd->n); break;
        case N_VAR: case N_RAW: put_val(out, lookup(ctx, depth, nd->s, nd->n), nd->kind == N_VAR); break;
        case N_SECTION: case N_INVERTED: {
            const val *v = lookup(ctx, depth, nd->s, nd->n);
            if (nd->kind == N_INVERTED) {
                if (!truthy(v)) render(nodes, i + 1, nd->end, ctx, depth, out);
            } else if (v->kind == V_LIST) {
                for (int k = 0; k < v->n && depth < 30; k++) {
                    ctx[depth] = &v->vals[k];
                    render(nodes, i + 1, nd->end, ctx, depth + 1, out);
                }
            } else if (truthy(v) && depth < 30) {
                ctx[depth] = v;
                render(nodes, i + 1, nd->end, ctx, depth + 1, out);
            }
            i = nd->end - 1;
            break;
        }
        }
    }
}

static const char *templates[] = {
    "<html><head><title>{{title}}</title></head><body>\n"
    "<h1>{{ title }} #{{id}}</h1>{{! the header }}\n"
    "{{#user}}<p class=\"user\">{{name}}{{#admin}} (admin){{/admin}}: {{karma}} karma</p>{{/user}}\n"
    "<ul>\n{{#items}}  <li>{{name}} - {{price}}c{{^stock}} <em>sold out</em>{{/stock}}"
    "{{#tags}} [{{.}}]{{/tags}}{{#note}}<br>{{{note}}}{{/note}} by {{user.name}}</li>\n{{/items}}"
    "{{^items}}  <li>nothing here</li>\n{{/items}}</ul>\n"
    "<footer>{{&footer}} {{missing}}{{user.missing.deep}}</footer></body></html>\n",

    "{\"id\":{{id}},\"title\":\"{{title}}\",\"owner\":\"{{user.name}}\",\"items\":["
    "{{#items}}{\"n\":\"{{name}}\",\"p\":{{price}},\"s\":{{stock}},\"t\":[{{#tags}}\"{{.}}\",{{/tags}}]},"
    "{{/items}}]}\n",

    "{{#items}}{{#stock}}{{name}};{{price}};{{#user}}{{karma}}{{/user}}\n{{/stock}}{{/items}}",
};
#define NTEMPLATES (sizeof templates / sizeof templates[0])

static const char *bad_templates[] = {
    "{{#a}}open", "{{#a}}{{/b}}", "{{/a}}", "{{name", "{{{raw}}", "{{}}", "ok {{#a}}{{#b}}{{/b}}",
};

int main(int argc, char **argv) {
    long pages = bench_arg(argc, argv, 1, 1500);
    bench_rng rng = {0x74656d706cULL};
    static node nodes[NTEMPLATES][MAXNODES];
    int nn[NTEMPLATES];
    for (size_t t = 0; t < NTEMPLATES; t++) {
        nn[t] = parse(templates[t], nodes[t]);
        if (nn[t] < 0) {
            printf("template %zu: parse error\n", t);
            return 1;
        }
    }
    int bad = 0;
    node scratch[MAXNODES];
    for (size_t t = 0; t < sizeof bad_templates / sizeof bad_templates[0]; t++)
        bad += parse(bad_templates[t], scratch) < 0;

    sbuf out = {0};
    uint64_t hash = BENCH_FNV_INIT, bytes = 0, lt = 0, amps = 0;
    long reparse = 0;
    for (long pg = 0; pg < pages; pg++) {
        arena_used = 0;
        val page = gen_page(&rng, pg);
        /* Templates are re-parsed now and then, as a cache would miss. */
        if (pg % 16 == 0)
            for (size_t t = 0; t < NTEMPLATES; t++) reparse += parse(templates[t], nodes[t]);
        for (size_t t = 0; t < NTEMPLATES; t++) {
            const val *ctx[32] = {&page};
            out.len = 0;
            render(nodes[t], 0, nn[t], ctx, 1, &out);
            bytes += out.len;
            for (size_t i = 0; i < out.len; i++) {
                uint8_t c = (uint8_t)out.buf[i];
                hash = (hash ^ c) * 0x100000001b3ULL;
                lt += c == '<';
                amps += c == '&';
            }
        }
    }
    printf("pages %ld, %d templates (%d/%d/%d nodes), %d of %zu bad ones rejected\n", pages,
           (int)NTEMPLATES, nn[0], nn[1], nn[2], bad,
           sizeof bad_templates / sizeof bad_templates[0]);
    printf("rendered %llu bytes, '<' %llu, '&' %llu, reparsed nodes %ld\n",
           (unsigned long long)bytes, (unsigned long long)lt, (unsigned long long)amps, reparse);
    printf("lookups %llu (missing %llu), output %016llx\n", (unsigned long long)lookups,
           (unsigned long long)misses, (unsigned long long)hash);
    if (pages > 0 && out.len > 0) {
        size_t n = out.len < 60 ? out.len : 60;
        for (size_t i = 0; i < n; i++)
            if (out.buf[i] == '\n') out.buf[i] = '|';
        printf("last: %.*s\n", (int)n, out.buf);
    }
    free(out.buf);
    return 0;
}

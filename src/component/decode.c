/*
 * decode.c -- the component binary format (Binary.md), decoded and
 * validated in one pass, scope by scope, building the index spaces as the
 * spec does (each definition sees only what precedes it).
 *
 * Errors longjmp out of the recursion to hv_comp_decode(), which reports the
 * byte offset and reason; everything allocated lives in the component's
 * arena (freed with it), compiled core modules in comp->modules.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "component/internal.h"

typedef struct ent {
    const ct_type *t;
    core_ext ce;
    const comp_def *cd; /* components defined in the binary */
    uint32_t midx;      /* core modules: index in comp->modules */
    uint32_t scope_id;  /* resources: the defining scope (resource.new/rep) */
} ent;

typedef struct space {
    ent *v;
    uint32_t n, cap;
} space;

enum { SC_COMPONENT, SC_CTYPE, SC_ITYPE, SC_MTYPE };

typedef struct named_list {
    ct_named *v;
    uint32_t n, cap;
} named_list;

typedef struct nodeset {
    const ct_type **v;
    uint32_t n, cap;
} nodeset;

typedef struct scope {
    struct scope *parent;
    nodeset vis_imp, vis_exp; /* named types imported / exported here */
    int kind;
    uint32_t id;
    space s[S_COUNT];
    named_list imports, exports;
    def *defs;
    uint32_t ndefs, capdefs;
    uint32_t rid_lo;
    uint32_t *local_rids; /* resources defined here (resource.new/rep) */
    uint32_t nlocal, caplocal;
} scope;

typedef struct dec {
    const uint8_t *base, *p, *end;
    jmp_buf jb;
    hive_error *err;
    hive_component *comp;
    arena *ar;
    hive_engine *engine;
    int compile;
    uint32_t nscopes;
    uint32_t depth;
    ct_type *prim[CT_ERRCTX + 1];
    hive_module **mods;
    uint32_t nmods, capmods;
    const void **ridv; /* rid -> identity address */
    uint32_t capridv;
    /* checking the exports of a bag-of-exports instance: no resource has
     * a name there (check_func_name) */
    int bag_of_exports;
} dec;

/* ---- errors and reading ---------------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static _Noreturn void fail_at(dec *d, int code, const uint8_t *at, const char *fmt, ...) {
    if (d->err) {
        d->err->code = code;
        d->err->offset = (size_t)(at - d->base);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->err->message, sizeof d->err->message, fmt, ap);
        va_end(ap);
    }
    longjmp(d->jb, code);
}
#define MALFORMED(...) fail_at(d, HIVE_EMALFORMED, d->p, __VA_ARGS__)
#define INVALID(at, ...) fail_at(d, HIVE_EINVALID, (at), __VA_ARGS__)

static void *alloc(dec *d, size_t n) {
    void *p = hv_arena_alloc(d->ar, n ? n : 1);
    if (!p) fail_at(d, HIVE_ENOMEM, d->p, "out of memory");
    return p;
}

static uint8_t byte(dec *d) {
    if (d->p >= d->end) MALFORMED("unexpected end");
    return *d->p++;
}

static uint8_t peek(dec *d) {
    if (d->p >= d->end) MALFORMED("unexpected end");
    return *d->p;
}

static uint32_t u32(dec *d) {
    uint64_t r = 0;
    for (int shift = 0;; shift += 7) {
        uint8_t b = byte(d);
        if (shift == 28 && (b & 0x70)) MALFORMED("integer too large");
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
        if (shift >= 28) MALFORMED("integer representation too long");
    }
    return (uint32_t)r;
}

/* s33 for type indices and negative type opcodes. */
static int64_t s33(dec *d) {
    int64_t r = 0;
    int shift = 0;
    uint8_t b;
    do {
        b = byte(d);
        if (shift == 28 && (b & 0x80)) MALFORMED("integer representation too long");
        r |= (int64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    if (shift < 64 && (b & 0x40)) r |= -((int64_t)1 << shift);
    return r;
}

static int utf8_valid(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        uint32_t cp, need;
        if (c < 0x80) { i++; continue; }
        if ((c & 0xe0) == 0xc0) { cp = c & 0x1f; need = 1; }
        else if ((c & 0xf0) == 0xe0) { cp = c & 0x0f; need = 2; }
        else if ((c & 0xf8) == 0xf0) { cp = c & 0x07; need = 3; }
        else return 0;
        for (uint32_t k = 1; k <= need; k++) {
            if (i + k >= n || (s[i + k] & 0xc0) != 0x80) return 0;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += need + 1;
    }
    return 1;
}

static const char *name(dec *d) {
    uint32_t n = u32(d);
    if ((size_t)(d->end - d->p) < n) MALFORMED("unexpected end");
    if (!utf8_valid(d->p, n)) MALFORMED("malformed UTF-8 encoding");
    char *s = alloc(d, (size_t)n + 1);
    memcpy(s, d->p, n);
    s[n] = '\0';
    d->p += n;
    return s;
}

/* ---- names ------------------------------------------------------------- */

static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* A kebab-case label: words of [a-z][a-z0-9]* or [A-Z][A-Z0-9]* joined by
 * '-', optionally prefixed with '%'. Returns the length matched, 0 if the
 * text there is not a label. */
static size_t kebab_len(const char *s, size_t n) {
    size_t i = 0;
    int first = 1;
    if (i < n && s[i] == '%') i++;
    for (;;) {
        if (i >= n) return 0;
        char c = s[i];
        if (is_lower(c) || (!first && is_digit(c) && 0)) {
            while (i < n && (is_lower(s[i]) || is_digit(s[i]))) i++;
        } else if (is_upper(c)) {
            while (i < n && (is_upper(s[i]) || is_digit(s[i]))) i++;
        } else if (!first && is_digit(c)) {
            /* a digit-led fragment: all lower or all upper after the digits */
            while (i < n && is_digit(s[i])) i++;
            if (i < n && is_lower(s[i])) while (i < n && (is_lower(s[i]) || is_digit(s[i]))) i++;
            else if (i < n && is_upper(s[i])) while (i < n && (is_upper(s[i]) || is_digit(s[i]))) i++;
        } else {
            return 0;
        }
        first = 0;
        if (i < n && s[i] == '-' && i + 1 < n && (is_lower(s[i + 1]) || is_upper(s[i + 1]) || is_digit(s[i + 1]))) {
            i++;
            continue;
        }
        return i;
    }
}

/* words: a label of lower-case fragments only (namespaces and packages) */
static size_t words_len(const char *s, size_t n) {
    size_t k = kebab_len(s, n);
    for (size_t i = 0; i < k; i++)
        if (is_upper(s[i]) || s[i] == '%') return 0;
    return k;
}

static int is_label(const char *s) {
    size_t n = strlen(s);
    return n > 0 && kebab_len(s, n) == n;
}

static void check_label(dec *d, const uint8_t *at, const char *s) {
    if (!is_label(s)) INVALID(at, "`%s` is not in kebab case", s);
}

/* A semver version: N.N.N with optional -pre and +build. */
static int semver_ok(const char *s) {
    for (int part = 0; part < 3; part++) {
        if (!is_digit(*s)) return 0;
        if (*s == '0' && is_digit(s[1])) return 0;
        while (is_digit(*s)) s++;
        if (part < 2) {
            if (*s != '.') return 0;
            s++;
        }
    }
    if (*s == '-' || *s == '+') {
        s++;
        if (!*s) return 0;
        for (; *s; s++)
            if (!(is_lower(*s) || is_upper(*s) || is_digit(*s) || *s == '-' || *s == '.' || *s == '+'))
                return 0;
    }
    return *s == '\0';
}

/* Interface names: ns:pkg/iface[@version]. Returns NULL when valid, else
 * the reason. */
static const char *interface_err(const char *s) {
    const char *at = strchr(s, '@');
    size_t n = at ? (size_t)(at - s) : strlen(s);
    size_t i = 0, k = words_len(s, n);
    if (!k) return "is not a valid extern name";
    i = k;
    if (i >= n || s[i] != ':') return "is not a valid extern name";
    i++;
    k = words_len(s + i, n - i);
    if (!k) return "is not a valid extern name";
    i += k;
    if (i >= n || s[i] != '/') return "expected `/` after package name";
    i++;
    k = kebab_len(s + i, n - i);
    if (!k || s[i] == '%') return "is not a valid extern name";
    i += k;
    if (i < n) return "trailing characters found";
    if (at && !semver_ok(at + 1)) return "is not a valid extern name";
    return NULL;
}

static int interface_ok(const char *s) { return interface_err(s) == NULL; }

/* Checks an import/export name (Explainer.md "Import and Export
 * Definitions"): a plain name ([constructor]/[method]/[static] forms
 * included), an interface name, or a dependency name. Returns the kind
 * of annotation: 0 plain, 1 constructor, 2 method, 3 static, 4 interface,
 * 5 other. */
static int check_extern_name(dec *d, const uint8_t *at, const char *s) {
    size_t n = strlen(s);
    if (s[0] == '[') {
        static const char *pre[] = {"[constructor]", "[method]", "[static]"};
        for (int k = 0; k < 3; k++) {
            size_t pl = strlen(pre[k]);
            if (strncmp(s, pre[k], pl)) continue;
            const char *r = s + pl;
            if (k == 0) {
                if (!is_label(r)) INVALID(at, "`%s` is not a valid extern name", s);
                return 1;
            }
            const char *dot = strchr(r, '.');
            if (!dot) INVALID(at, "`%s` is not a valid extern name", s);
            size_t l1 = (size_t)(dot - r);
            if (!l1 || kebab_len(r, l1) != l1 || !is_label(dot + 1))
                INVALID(at, "`%s` is not a valid extern name", s);
            return k + 1;
        }
        INVALID(at, "`%s` is not a valid extern name", s);
    }
    if (strchr(s, ':')) {
        const char *why = interface_err(s);
        if (why) {
            if (!strcmp(why, "trailing characters found")) {
                const char *sl = strchr(s, '/');
                sl = sl ? strchr(sl + 1, '/') : NULL;
                INVALID(at, "trailing characters found: `%s`", sl ? sl : s);
            }
            INVALID(at, "`%s` %s", s, why);
        }
        return 4;
    }
    (void)n;
    if (!is_label(s)) INVALID(at, "`%s` is not in kebab case", s);
    return 0;
}

/* Strongly-unique (Explainer.md "Name Uniqueness"): names compare after
 * lower-casing, [method]l.l and [static]l.l become l, and other
 * annotations but [constructor] are stripped. */
static void canon_extern_name(const char *s, char *out, size_t cap) {
    size_t n = 0;
    const char *p = s;
    if (!strncmp(s, "[method]", 8) || !strncmp(s, "[static]", 8)) {
        p = s + 8;
        const char *dot = strchr(p, '.');
        if (dot && strlen(dot + 1) == (size_t)(dot - p) && !strncasecmp(p, dot + 1, (size_t)(dot - p))) {
            size_t l = (size_t)(dot - p);
            if (l >= cap) l = cap - 1;
            for (size_t i = 0; i < l; i++) out[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
            out[l] = '\0';
            return;
        }
    }
    for (; *p && n + 1 < cap; p++) out[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    out[n] = '\0';
}

static int names_clash(const char *a, const char *b) {
    char ca[512], cb[512];
    canon_extern_name(a, ca, sizeof ca);
    canon_extern_name(b, cb, sizeof cb);
    return !strcmp(ca, cb);
}

static void named_push(dec *d, named_list *l, const char *nm, ct_extern ext, const uint8_t *at,
                       const char *what) {
    for (uint32_t i = 0; i < l->n; i++)
        if (names_clash(l->v[i].name, nm))
            INVALID(at, "%s name `%s` conflicts with previous name `%s`", what, nm, l->v[i].name);
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 8;
        ct_named *v = alloc(d, cap * sizeof *v);
        if (l->n) memcpy(v, l->v, l->n * sizeof *v);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].name = nm;
    l->v[l->n].ext = ext;
    l->n++;
}

/* ---- scopes and index spaces ------------------------------------------ */

static const char *sort_name(int s) {
    static const char *n[] = {"core func", "core table", "core memory", "core global",
                              "core tag", "core type", "core module", "core instance",
                              "func", "value", "type", "component", "instance"};
    return s >= 0 && s < S_COUNT ? n[s] : "?";
}

static ent *push(dec *d, scope *sc, int sort) {
    space *s = &sc->s[sort];
    if (s->n >= 1000000) fail_at(d, HIVE_ELIMIT, d->p, "too many %ss", sort_name(sort));
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 8;
        ent *v = alloc(d, cap * sizeof *v);
        if (s->n) memcpy(v, s->v, s->n * sizeof *v);
        s->v = v;
        s->cap = cap;
    }
    ent *e = &s->v[s->n++];
    memset(e, 0, sizeof *e);
    return e;
}

static ent *get(dec *d, scope *sc, int sort, uint32_t idx, const uint8_t *at) {
    if (idx >= sc->s[sort].n)
        INVALID(at, "unknown %s %u: %s index out of bounds", sort_name(sort), idx, sort_name(sort));
    return &sc->s[sort].v[idx];
}

static def *add_def(dec *d, scope *sc, int kind, const uint8_t *at) {
    if (sc->kind != SC_COMPONENT) return alloc(d, sizeof(def));
    if (sc->ndefs == sc->capdefs) {
        uint32_t cap = sc->capdefs ? sc->capdefs * 2 : 16;
        def *v = alloc(d, cap * sizeof *v);
        if (sc->ndefs) memcpy(v, sc->defs, sc->ndefs * sizeof *v);
        sc->defs = v;
        sc->capdefs = cap;
    }
    def *df = &sc->defs[sc->ndefs++];
    memset(df, 0, sizeof *df);
    df->kind = (uint8_t)kind;
    df->offset = (uint32_t)(at - d->base);
    return df;
}

static uint32_t new_rid(dec *d) {
    if (d->comp->nrids >= 1000000) fail_at(d, HIVE_ELIMIT, d->p, "too many resource types");
    uint32_t r = d->comp->nrids;
    if (r >= d->capridv) {
        uint32_t cap = d->capridv ? d->capridv * 2 : 64;
        const void **v = alloc(d, cap * sizeof *v);
        if (r) memcpy(v, d->ridv, r * sizeof *v);
        d->ridv = v;
        d->capridv = cap;
    }
    d->ridv[r] = alloc(d, 1);
    return d->comp->nrids++;
}

static const void *rid_id(dec *d, uint32_t rid) { return rid < d->comp->nrids ? d->ridv[rid] : NULL; }

static ct_type *new_type(dec *d, int kind) {
    ct_type *t = alloc(d, sizeof *t);
    t->kind = (uint8_t)kind;
    return t;
}

/* ---- core types ---------------------------------------------------------- */

static uint8_t core_valtype(dec *d) {
    const uint8_t *at = d->p;
    uint8_t b = byte(d);
    switch (b) {
    case HIVE_I32: case HIVE_I64: case HIVE_F32: case HIVE_F64: case HIVE_V128:
    case HIVE_FUNCREF: case HIVE_EXTERNREF: return b;
    default: d->p = at; MALFORMED("invalid value type 0x%02x", b);
    }
}

static const ct_type *core_functype_body(dec *d) {
    ct_type *t = new_type(d, CT_CORE_FUNC);
    t->np = u32(d);
    if (t->np > (size_t)(d->end - d->p)) MALFORMED("unexpected end");
    uint8_t *p = alloc(d, t->np);
    for (uint32_t i = 0; i < t->np; i++) p[i] = core_valtype(d);
    t->nr = u32(d);
    if (t->nr > (size_t)(d->end - d->p)) MALFORMED("unexpected end");
    uint8_t *r = alloc(d, t->nr);
    for (uint32_t i = 0; i < t->nr; i++) r[i] = core_valtype(d);
    t->p = p;
    t->r = r;
    return t;
}

static const ct_type *core_ft(dec *d, const uint8_t *ps, uint32_t np, const uint8_t *rs, uint32_t nr) {
    ct_type *t = new_type(d, CT_CORE_FUNC);
    uint8_t *p = alloc(d, np), *r = alloc(d, nr);
    if (np) memcpy(p, ps, np);
    if (nr) memcpy(r, rs, nr);
    t->np = np;
    t->nr = nr;
    t->p = p;
    t->r = r;
    return t;
}

static void limits(dec *d, hive_limits *l, int *mem64) {
    uint8_t f = byte(d);
    if (f > 7) MALFORMED("integer too large");
    if (mem64) *mem64 = (f & 4) != 0;
    l->shared = (f & 2) != 0;
    l->min = u32(d);
    l->has_max = f & 1;
    l->max = l->has_max ? u32(d) : 0;
}

/* core:externtype (import descriptors and module type exports), with core
 * types looked up in sc's core type space. */
static core_ext core_externtype(dec *d, scope *sc) {
    core_ext e;
    memset(&e, 0, sizeof e);
    const uint8_t *at = d->p;
    e.kind = byte(d);
    switch (e.kind) {
    case 0x00: case 0x04: {
        if (e.kind == 0x04 && byte(d) != 0) MALFORMED("invalid tag attribute");
        uint32_t ti = u32(d);
        ent *t = get(d, sc, S_CORE_TYPE, ti, at);
        if (t->t->kind != CT_CORE_FUNC) INVALID(at, "core type %u is not a function type", ti);
        e.ft = t->t;
        break;
    }
    case 0x01:
        e.elemtype = core_valtype(d);
        limits(d, &e.lim, NULL);
        break;
    case 0x02: limits(d, &e.lim, &e.memory64); break;
    case 0x03:
        e.valtype = core_valtype(d);
        e.mut = byte(d);
        if (e.mut > 1) MALFORMED("malformed mutability");
        break;
    default: d->p = at; MALFORMED("invalid external kind 0x%02x", e.kind);
    }
    return e;
}

static int core_sort_of(dec *d, uint8_t b) {
    switch (b) {
    case 0x00: return S_CORE_FUNC;
    case 0x01: return S_CORE_TABLE;
    case 0x02: return S_CORE_MEMORY;
    case 0x03: return S_CORE_GLOBAL;
    case 0x04: return S_CORE_TAG;
    case 0x10: return S_CORE_TYPE;
    case 0x11: return S_CORE_MODULE;
    case 0x12: return S_CORE_INSTANCE;
    default: d->p--; MALFORMED("invalid core sort 0x%02x", b);
    }
}

static int sort_of(dec *d) {
    uint8_t b = byte(d);
    switch (b) {
    case 0x00: return core_sort_of(d, byte(d));
    case 0x01: return S_FUNC;
    case 0x02: return S_VALUE;
    case 0x03: return S_TYPE;
    case 0x04: return S_COMPONENT;
    case 0x05: return S_INSTANCE;
    default: d->p--; MALFORMED("invalid sort 0x%02x", b);
    }
}

static int ext_kind_sort(uint8_t k) {
    switch (k) {
    case HIVE_EXTERN_FUNC: return S_CORE_FUNC;
    case HIVE_EXTERN_TABLE: return S_CORE_TABLE;
    case HIVE_EXTERN_MEMORY: return S_CORE_MEMORY;
    case HIVE_EXTERN_GLOBAL: return S_CORE_GLOBAL;
    default: return S_CORE_TAG;
    }
}

static void push_core_ext(dec *d, scope *sc, core_ext e) {
    ent *n = push(d, sc, ext_kind_sort(e.kind));
    n->ce = e;
    n->t = e.ft;
}

/* core:moduletype body: vec(moduledecl), with its own type space. */
static const ct_type *core_moduletype(dec *d, scope *outer) {
    scope ms;
    memset(&ms, 0, sizeof ms);
    ms.parent = outer;
    ms.kind = SC_MTYPE;
    uint32_t n = u32(d);
    core_named *imps = NULL, *exps = NULL;
    uint32_t ni = 0, ne = 0, ci = 0, ce = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *at = d->p;
        uint8_t k = byte(d);
        switch (k) {
        case 0x00: {
            const char *m = name(d), *nm = name(d);
            core_ext e = core_externtype(d, &ms);
            for (uint32_t j = 0; j < ni; j++)
                if (!strcmp(imps[j].mod, m) && !strcmp(imps[j].name, nm))
                    INVALID(at, "duplicate import name `%s:%s`", m, nm);
            if (e.kind == 0x02 && !e.memory64 && (e.lim.min > 65536 || (e.lim.has_max && e.lim.max > 65536)))
                INVALID(at, "memory size must be at most 65536 pages (4GiB)");
            if (ni == ci) {
                ci = ci ? ci * 2 : 8;
                core_named *v = alloc(d, ci * sizeof *v);
                if (ni) memcpy(v, imps, ni * sizeof *v);
                imps = v;
            }
            imps[ni].mod = m;
            imps[ni].name = nm;
            imps[ni].ext = e;
            ni++;
            break;
        }
        case 0x01: {
            uint8_t f = byte(d);
            if (f == 0x50) INVALID(at, "core type in module type may not be a module type");
            if (f != 0x60) MALFORMED("unsupported core type 0x%02x", f);
            push(d, &ms, S_CORE_TYPE)->t = core_functype_body(d);
            break;
        }
        case 0x02: {
            if (byte(d) != 0x10 || byte(d) != 0x01) MALFORMED("invalid outer alias in module type");
            uint32_t ct = u32(d), idx = u32(d);
            scope *t = &ms;
            for (uint32_t c = 0; c < ct; c++) {
                t = t->parent;
                if (!t) INVALID(at, "invalid outer alias count of %u", ct);
            }
            ent *e = get(d, t, S_CORE_TYPE, idx, at);
            if (e->t->kind == CT_MODULE) INVALID(at, "cannot alias a module type into a module type");
            push(d, &ms, S_CORE_TYPE)->t = e->t;
            break;
        }
        case 0x03: {
            const char *nm = name(d);
            core_ext e = core_externtype(d, &ms);
            for (uint32_t j = 0; j < ne; j++)
                if (!strcmp(exps[j].name, nm)) INVALID(at, "duplicate export name `%s`", nm);
            if (ne == ce) {
                ce = ce ? ce * 2 : 8;
                core_named *v = alloc(d, ce * sizeof *v);
                if (ne) memcpy(v, exps, ne * sizeof *v);
                exps = v;
            }
            exps[ne].name = nm;
            exps[ne].ext = e;
            ne++;
            break;
        }
        default: d->p = at; MALFORMED("invalid module type declaration 0x%02x", k);
        }
    }
    ct_type *t = new_type(d, CT_MODULE);
    t->ncimports = ni;
    t->cimports = imps;
    t->ncexports = ne;
    t->cexports = exps;
    return t;
}

static void core_type_def(dec *d, scope *sc) {
    const uint8_t *at = d->p;
    uint8_t f = byte(d);
    const ct_type *t;
    if (f == 0x60) t = core_functype_body(d);
    else if (f == 0x50) t = core_moduletype(d, sc);
    else if (f == 0x00 || f == 0x4f) {
        /* a (non-final with the 0x00 prefix, or final) subtype of a
         * function type: kept as the function type */
        if (f == 0x00 && byte(d) != 0x50) { d->p--; MALFORMED("invalid core type"); }
        uint32_t n = u32(d);
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *ia = d->p;
            uint32_t x = u32(d);
            get(d, sc, S_CORE_TYPE, x, ia);
        }
        const uint8_t *ca = d->p;
        uint8_t k = byte(d);
        if (k != 0x60) {
            d->p = ca;
            if (k == 0x5f || k == 0x5e) INVALID(ca, "core GC struct and array types are not supported");
            MALFORMED("invalid core composite type 0x%02x", k);
        }
        t = core_functype_body(d);
    } else if (f == 0x4e || f == 0x5f || f == 0x5e)
        INVALID(at, "core GC types are not supported");
    else { d->p = at; MALFORMED("invalid core type 0x%02x", f); }
    if (sc->kind == SC_COMPONENT) add_def(d, sc, D_CORE_TYPE, at);
    push(d, sc, S_CORE_TYPE)->t = t;
}

/* ---- value and component types ----------------------------------------- */

static int prim_kind(int64_t b) {
    switch (b) {
    case -1: return CT_BOOL;   case -2: return CT_S8;   case -3: return CT_U8;
    case -4: return CT_S16;    case -5: return CT_U16;  case -6: return CT_S32;
    case -7: return CT_U32;    case -8: return CT_S64;  case -9: return CT_U64;
    case -10: return CT_F32;   case -11: return CT_F64; case -12: return CT_CHAR;
    case -13: return CT_STRING; case -28: return CT_ERRCTX;
    default: return 0;
    }
}

static const ct_type *prim(dec *d, int k) {
    if (!d->prim[k]) {
        ct_type *t = new_type(d, k);
        hv_ct_compute_abi(t);
        d->prim[k] = t;
    }
    return d->prim[k];
}

static const ct_type *valtype(dec *d, scope *sc) {
    const uint8_t *at = d->p;
    int64_t v = s33(d);
    if (v < 0) {
        int k = prim_kind(v);
        if (!k) { d->p = at; MALFORMED("invalid value type"); }
        return prim(d, k);
    }
    if (v > 0xffffffffll) INVALID(at, "type index out of bounds");
    ent *e = get(d, sc, S_TYPE, (uint32_t)v, at);
    if (!hv_ct_is_value(e->t)) INVALID(at, "type index %u is not a defined type", (uint32_t)v);
    return e->t;
}

static const ct_type *opt_valtype(dec *d, scope *sc) {
    uint8_t b = byte(d);
    if (b == 0) return NULL;
    if (b != 1) { d->p--; MALFORMED("invalid optional value type"); }
    return valtype(d, sc);
}

static void check_labels(dec *d, const uint8_t *at, const char **l, uint32_t n, const char *what) {
    for (uint32_t i = 0; i < n; i++) {
        check_label(d, at, l[i]);
        for (uint32_t j = 0; j < i; j++)
            if (!strcasecmp(l[i], l[j]))
                INVALID(at, "%s name `%s` conflicts with previous %s name `%s`", what, l[i], what, l[j]);
    }
}

static void vec_check(dec *d, uint32_t n) {
    if (n > (size_t)(d->end - d->p)) MALFORMED("unexpected end");
}

static const ct_type *defvaltype(dec *d, scope *sc, int64_t op, const uint8_t *at) {
    ct_type *t;
    int k = prim_kind(op);
    if (k) return prim(d, k);
    switch (op) {
    case -14: /* 0x72 record */
    case -15: { /* 0x71 variant */
        int rec = op == -14;
        t = new_type(d, rec ? CT_RECORD : CT_VARIANT);
        t->n = u32(d);
        vec_check(d, t->n);
        if (!t->n) INVALID(at, rec ? "record type must have at least one field"
                                   : "variant type must have at least one case");
        t->labels = alloc(d, t->n * sizeof *t->labels);
        t->types = alloc(d, t->n * sizeof *t->types);
        for (uint32_t i = 0; i < t->n; i++) {
            t->labels[i] = name(d);
            if (rec) t->types[i] = valtype(d, sc);
            else {
                t->types[i] = opt_valtype(d, sc);
                uint8_t r = byte(d);
                if (r != 0) { d->p--; MALFORMED("invalid variant case refinement"); }
            }
        }
        check_labels(d, at, t->labels, t->n, rec ? "record field" : "variant case");
        break;
    }
    case -16: /* 0x70 list */
        t = new_type(d, CT_LIST);
        t->a = valtype(d, sc);
        break;
    case -25: /* 0x67 fixed list */
        t = new_type(d, CT_LIST);
        t->a = valtype(d, sc);
        t->n = u32(d);
        if (!t->n) INVALID(at, "Fixed size lists must have more than zero elements");
        break;
    case -17: /* 0x6f tuple */
        t = new_type(d, CT_TUPLE);
        t->n = u32(d);
        vec_check(d, t->n);
        if (!t->n) INVALID(at, "tuple type must have at least one type");
        t->types = alloc(d, t->n * sizeof *t->types);
        for (uint32_t i = 0; i < t->n; i++) t->types[i] = valtype(d, sc);
        break;
    case -18: /* 0x6e flags */
    case -19: { /* 0x6d enum */
        int fl = op == -18;
        t = new_type(d, fl ? CT_FLAGS : CT_ENUM);
        t->n = u32(d);
        vec_check(d, t->n);
        if (!t->n) INVALID(at, fl ? "flags must have at least one entry" : "enum type must have at least one variant");
        if (fl && t->n > 32) INVALID(at, "cannot have more than 32 flags");
        t->labels = alloc(d, t->n * sizeof *t->labels);
        for (uint32_t i = 0; i < t->n; i++) t->labels[i] = name(d);
        check_labels(d, at, t->labels, t->n, fl ? "flag" : "enum tag");
        break;
    }
    case -21: /* 0x6b option */
        t = new_type(d, CT_OPTION);
        t->a = valtype(d, sc);
        break;
    case -22: /* 0x6a result */
        t = new_type(d, CT_RESULT);
        t->a = opt_valtype(d, sc);
        t->b = opt_valtype(d, sc);
        break;
    case -23: /* 0x69 own */
    case -24: { /* 0x68 borrow */
        t = new_type(d, op == -23 ? CT_OWN : CT_BORROW);
        const uint8_t *ia = d->p;
        uint32_t i = u32(d);
        ent *e = get(d, sc, S_TYPE, i, ia);
        if (e->t->kind != CT_RESOURCE) INVALID(ia, "type index %u is not a resource type", i);
        t->rid = e->t->rid;
        t->rid_id = rid_id(d, t->rid);
        t->ref = e->t;
        t->labels = alloc(d, sizeof *t->labels);
        t->labels[0] = e->t->labels ? e->t->labels[0] : NULL;
        break;
    }
    case -26: /* 0x66 stream */
    case -27: { /* 0x65 future */
        t = new_type(d, op == -26 ? CT_STREAM : CT_FUTURE);
        t->a = opt_valtype(d, sc);
        if (t->a && t->a->has_borrow) INVALID(at, "stream and future element types cannot contain a borrow");
        if (op == -26 && t->a && t->a->kind == CT_CHAR) INVALID(at, "`stream<char>` is not valid at this time");
        break;
    }
    case -29: /* 0x63 map */
        t = new_type(d, CT_MAP);
        t->a = valtype(d, sc);
        t->b = valtype(d, sc);
        break;
    default: d->p = at; MALFORMED("invalid leading byte (0x%02x) for component defined type", (unsigned)(op & 0x7f));
    }
    hv_ct_compute_abi(t);
    if (t->depth > MAX_TYPE_DEPTH) fail_at(d, HIVE_ELIMIT, at, "value types nested more than %d deep", MAX_TYPE_DEPTH);
    if (t->size >= (1u << 28) && t->kind != CT_LIST) INVALID(at, "value type too large");
    if (t->kind == CT_LIST && t->n && (uint64_t)t->n * t->a->size >= (1u << 28))
        INVALID(at, "value type too large");
    return t;
}

static const ct_type *functype(dec *d, scope *sc, int async_, const uint8_t *at) {
    ct_type *t = new_type(d, CT_FUNC);
    t->async_ = (uint8_t)async_;
    t->n = u32(d);
    vec_check(d, t->n);
    t->labels = alloc(d, (t->n ? t->n : 1) * sizeof *t->labels);
    t->types = alloc(d, (t->n ? t->n : 1) * sizeof *t->types);
    for (uint32_t i = 0; i < t->n; i++) {
        t->labels[i] = name(d);
        t->types[i] = valtype(d, sc);
    }
    check_labels(d, at, t->labels, t->n, "function parameter");
    uint8_t r = byte(d);
    if (r == 0x00) t->a = valtype(d, sc);
    else if (r == 0x01) {
        if (byte(d) != 0x00) { d->p--; MALFORMED("invalid function result list"); }
    } else { d->p--; MALFORMED("invalid function result list"); }
    if (t->a && t->a->has_borrow) INVALID(at, "function result cannot contain a `borrow` type");
    return t;
}

static const ct_type *instance_or_component_type(dec *d, scope *sc, int comp, const uint8_t *at);
static void alias_decl(dec *d, scope *sc, const uint8_t *at);

/* externtype: the type an import or export declares. */
static ct_extern externtype(dec *d, scope *sc) {
    ct_extern x;
    memset(&x, 0, sizeof x);
    const uint8_t *at = d->p;
    uint8_t k = byte(d);
    switch (k) {
    case 0x00: {
        if (byte(d) != 0x11) { d->p--; MALFORMED("invalid core sort in extern type"); }
        uint32_t i = u32(d);
        ent *e = get(d, sc, S_CORE_TYPE, i, at);
        if (e->t->kind != CT_MODULE) INVALID(at, "core type index %u is not a module type", i);
        x.sort = S_CORE_MODULE;
        x.type = e->t;
        break;
    }
    case 0x01: {
        uint32_t i = u32(d);
        ent *e = get(d, sc, S_TYPE, i, at);
        if (e->t->kind != CT_FUNC) INVALID(at, "type index %u is not a function type", i);
        x.sort = S_FUNC;
        x.type = e->t;
        break;
    }
    case 0x02: INVALID(at, "value imports and exports require the component-model-values feature");
    case 0x03: {
        uint8_t b = byte(d);
        x.sort = S_TYPE;
        if (b == 0x00) {
            uint32_t i = u32(d);
            ent *e = get(d, sc, S_TYPE, i, at);
            x.type = e->t;
        } else if (b == 0x01) {
            ct_type *r = new_type(d, CT_RESOURCE);
            r->rid = new_rid(d);
            r->rid_id = rid_id(d, r->rid);
            x.type = r;
        } else { d->p--; MALFORMED("invalid type bound"); }
        break;
    }
    case 0x04: case 0x05: {
        uint32_t i = u32(d);
        ent *e = get(d, sc, S_TYPE, i, at);
        int want = k == 0x04 ? CT_COMPONENT : CT_INSTANCE;
        if (e->t->kind != want)
            INVALID(at, "type index %u is not a %s type", i, k == 0x04 ? "component" : "instance");
        x.sort = k == 0x04 ? S_COMPONENT : S_INSTANCE;
        x.type = e->t;
        break;
    }
    default: d->p = at; MALFORMED("invalid extern type 0x%02x", k);
    }
    return x;
}

/* nameattributes; *impl is set when an `implements` attribute is there. */
static const char *nameattributes_i(dec *d, int *impl) {
    const uint8_t *at = d->p;
    uint8_t k = byte(d);
    if (k > 2) { d->p = at; MALFORMED("invalid extern name discriminant 0x%02x", k); }
    const char *nm = name(d);
    if (impl) *impl = 0;
    if (k == 2) {
        uint32_t n = u32(d);
        int seen = 0;
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *aa = d->p;
            uint8_t a = byte(d);
            if (a > 2) { d->p = aa; MALFORMED("invalid attribute 0x%02x", a); }
            if (seen & (1 << a)) INVALID(aa, "duplicate attribute");
            seen |= 1 << a;
            const char *v = name(d);
            if (a == 0) {
                if (!*v) INVALID(aa, "`` is not a valid name");
                if (!interface_ok(v)) INVALID(aa, "`%s` must be an interface name", v);
                if (impl) *impl = 1;
            }
        }
    }
    return nm;
}

static void check_implements(dec *d, const uint8_t *at, const char *nm, int sort, int impl) {
    if (!impl) return;
    if (sort != S_INSTANCE) INVALID(at, "only instances can have an `implements` attribute");
    if (strchr(nm, ':')) INVALID(at, "name `%s` is not valid with `implements`", nm);
}

/* Pushes an extern into the index space of its sort (an import, or an
 * export declaration in a type, or an exported definition). */
static ent *push_extern(dec *d, scope *sc, ct_extern x) {
    ent *e = push(d, sc, x.sort);
    e->t = x.type;
    return e;
}

/* A handle type names resource node res. */
static int same_res(const ct_type *h, const ct_type *res) { return h->rid == res->rid; }

static void check_func_name(dec *d, scope *sc, named_list *l, const char *nm, ct_extern x,
                            const uint8_t *at) {
    int kind = check_extern_name(d, at, nm);
    if (kind >= 1 && kind <= 3) {
        if (x.sort != S_FUNC) INVALID(at, "name `%s` is not valid for a %s", nm, sort_name(x.sort));
        /* A bag-of-exports instance introduces no names: its exports of
         * resource types do not name them for these functions (as in
         * wasm-tools, whose validator checks them in an empty name context) */
        if (d->bag_of_exports) INVALID(at, "resource used in function does not have a name in this context");
        const char *r = strchr(nm, ']') + 1;
        size_t rl = kind == 1 ? strlen(r) : (size_t)(strchr(r, '.') - r);
        /* the resource must be a preceding import/export in this scope */
        const ct_type *res = NULL;
        for (uint32_t i = 0; i < l->n; i++)
            if (l->v[i].ext.sort == S_TYPE && strlen(l->v[i].name) == rl &&
                !strncmp(l->v[i].name, r, rl) && l->v[i].ext.type->kind == CT_RESOURCE)
                res = l->v[i].ext.type;
        if (!res) INVALID(at, "resource used in function does not have a name in this context");
        const ct_type *ft = x.type;
        if (kind == 1) {
            const ct_type *rt = ft->a;
            int ok = rt && rt->kind == CT_OWN && same_res(rt, res);
            if (rt && rt->kind == CT_RESULT && rt->a && rt->a->kind == CT_OWN && same_res(rt->a, res)) ok = 1;
            if (!ok) INVALID(at, "function `%s` should return an owned handle of its resource", nm);
        } else if (kind == 2) {
            if (!ft->n || strcmp(ft->labels[0], "self") || ft->types[0]->kind != CT_BORROW ||
                !same_res(ft->types[0], res))
                INVALID(at, "function `%s` should have a first parameter `self: borrow` of its resource", nm);
        }
    }
    (void)sc;
}

static void collect_rids(dec *d, const ct_type *t, uint32_t lo, uint32_t hi, rid_map *m, const rid_map *skip);

/* Each import or export of an instance type gets its own abstract
 * resources. */
typedef struct memo {
    const ct_type **from, **to;
    uint32_t n, cap;
} memo;
static const ct_type *subst_m(dec *d, const ct_type *t, const rid_map *m, memo *mm);
static const ct_type *subst(dec *d, const ct_type *t, const rid_map *m);

static ct_extern fresh_instance(dec *d, ct_extern x) {
    if (x.sort != S_INSTANCE || x.type->rid >= x.type->np) return x;
    rid_map m, none;
    memset(&m, 0, sizeof m);
    memset(&none, 0, sizeof none);
    collect_rids(d, x.type, x.type->rid, x.type->np, &m, &none);
    if (m.n) x.type = subst(d, x.type, &m);
    return x;
}

static ct_extern name_extern(dec *d, scope *sc, ct_extern x, int import, int check, const uint8_t *at, const char *nm);

static void import_decl(dec *d, scope *sc, const uint8_t *at) {
    int impl;
    const char *nm = nameattributes_i(d, &impl);
    ct_extern x = fresh_instance(d, externtype(d, sc));
    check_implements(d, at, nm, x.sort, impl);
    x = name_extern(d, sc, x, 1, sc->kind != SC_ITYPE, at, nm);
    check_func_name(d, sc, &sc->imports, nm, x, at);
    if (x.sort == S_TYPE && x.type->kind == CT_RESOURCE) {
        ct_type *r = (ct_type *)x.type; /* fresh from externtype */
        r->labels = alloc(d, sizeof *r->labels);
        r->labels[0] = nm;
    }
    named_push(d, &sc->imports, nm, x, at, "import");
    push_extern(d, sc, x);
    if (sc->kind == SC_COMPONENT) {
        def *df = add_def(d, sc, D_IMPORT, at);
        df->name = nm;
        df->ext = x;
        df->sort = x.sort;
    }
}

static void export_decl(dec *d, scope *sc, const uint8_t *at) {
    int impl;
    const char *nm = nameattributes_i(d, &impl);
    ct_extern x = fresh_instance(d, externtype(d, sc));
    check_implements(d, at, nm, x.sort, impl);
    x = name_extern(d, sc, x, 0, sc->kind != SC_ITYPE, at, nm);
    check_func_name(d, sc, &sc->exports, nm, x, at);
    if (x.sort == S_TYPE && x.type->kind == CT_RESOURCE && !x.type->labels) {
        ct_type *r = (ct_type *)x.type;
        r->labels = alloc(d, sizeof *r->labels);
        r->labels[0] = nm;
    }
    if (x.sort == S_FUNC && x.type->a && x.type->a->has_borrow)
        INVALID(at, "function result cannot contain a `borrow` type");
    named_push(d, &sc->exports, nm, x, at, "export");
    push_extern(d, sc, x);
}

/* Instance or component type: a new scope whose index spaces start empty. */
static const ct_type *instance_or_component_type(dec *d, scope *sc, int comp, const uint8_t *at) {
    if (++d->depth > 100) fail_at(d, HIVE_ELIMIT, at, "type nesting too deep");
    scope ts;
    memset(&ts, 0, sizeof ts);
    ts.parent = sc;
    ts.kind = comp ? SC_CTYPE : SC_ITYPE;
    ts.id = ++d->nscopes;
    ts.rid_lo = d->comp->nrids;
    uint32_t n = u32(d);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *da = d->p;
        uint8_t k = byte(d);
        switch (k) {
        case 0x00: core_type_def(d, &ts); break;
        case 0x01: {
            const uint8_t *ta = d->p;
            if (peek(d) == 0x3f) INVALID(ta, "resources can only be defined within a concrete component");
            int64_t op = s33(d);
            const ct_type *t;
            if (op == -64 || op == -61) t = functype(d, &ts, op == -61, ta);
            else if (op == -63 || op == -62) t = instance_or_component_type(d, &ts, op == -63, ta);
            else t = defvaltype(d, &ts, op, ta);
            push(d, &ts, S_TYPE)->t = t;
            break;
        }
        case 0x02: alias_decl(d, &ts, da); break;
        case 0x03:
            if (!comp) { d->p = da; MALFORMED("invalid leading byte (0x03) for instance type declaration"); }
            import_decl(d, &ts, da);
            break;
        case 0x04: export_decl(d, &ts, da); break;
        default: d->p = da; MALFORMED("invalid leading byte (0x%02x) for %s type declaration", k, comp ? "component" : "instance");
        }
    }
    ct_type *t = new_type(d, comp ? CT_COMPONENT : CT_INSTANCE);
    t->nimports = ts.imports.n;
    t->imports = ts.imports.v;
    t->nexports = ts.exports.n;
    t->exports = ts.exports.v;
    t->rid = ts.rid_lo;          /* rids [rid, np) belong to this type */
    t->np = d->comp->nrids;
    d->depth--;
    return t;
}

/* ---- substitution and subtyping ---------------------------------------- */

static void map_add(dec *d, rid_map *m, uint32_t from, uint32_t to) {
    if (m->n == m->cap) {
        uint32_t cap = m->cap ? m->cap * 2 : 8;
        uint32_t *f = alloc(d, cap * sizeof *f), *t = alloc(d, cap * sizeof *t);
        if (m->n) {
            memcpy(f, m->from, m->n * sizeof *f);
            memcpy(t, m->to, m->n * sizeof *t);
        }
        m->from = f;
        m->to = t;
        m->cap = cap;
    }
    m->from[m->n] = from;
    m->to[m->n] = to;
    m->n++;
}

static int map_has(const rid_map *m, uint32_t rid) {
    for (uint32_t i = 0; i < m->n; i++)
        if (m->from[i] == rid) return 1;
    return 0;
}

/* A copy of t with rids mapped (t itself when nothing changes). */
static const ct_type *memo_get(memo *mm, const ct_type *t) {
    for (uint32_t i = 0; i < mm->n; i++)
        if (mm->from[i] == t) return mm->to[i];
    return NULL;
}

static void memo_put(dec *d, memo *mm, const ct_type *from, const ct_type *to) {
    if (mm->n == mm->cap) {
        uint32_t cap = mm->cap ? mm->cap * 2 : 16;
        const ct_type **f = alloc(d, cap * sizeof *f), **t = alloc(d, cap * sizeof *t);
        if (mm->n) {
            memcpy(f, mm->from, mm->n * sizeof *f);
            memcpy(t, mm->to, mm->n * sizeof *t);
        }
        mm->from = f;
        mm->to = t;
        mm->cap = cap;
    }
    mm->from[mm->n] = from;
    mm->to[mm->n] = to;
    mm->n++;
}

/* A copy of t with rids mapped through m (t itself when nothing changes);
 * with all set, every node is copied (a new identity for each named
 * type). One node maps to one copy throughout (mm). */
static const ct_type *subst_all(dec *d, const ct_type *t, const rid_map *m, memo *mm, int all) {
    if (!t) return t;
    const ct_type *done = memo_get(mm, t);
    if (done) return done;
    ct_type *c;
    switch (t->kind) {
    case CT_OWN: case CT_BORROW: case CT_RESOURCE: {
        uint32_t r = hv_rid_lookup(m, t->rid);
        const ct_type *ref = t->ref ? subst_all(d, t->ref, m, mm, all) : NULL;
        if (r == t->rid && ref == t->ref && !all) return t;
        c = alloc(d, sizeof *c);
        *c = *t;
        c->rid = r;
        c->rid_id = rid_id(d, r);
        c->ref = ref;
        break;
    }
    case CT_LIST: case CT_OPTION: case CT_RESULT: case CT_STREAM: case CT_FUTURE: case CT_MAP: case CT_FUNC:
    case CT_RECORD: case CT_VARIANT: case CT_TUPLE: case CT_ENUM: case CT_FLAGS: {
        if (!all && t->kind != CT_FUNC && !t->has_res) return t;
        const ct_type *a = subst_all(d, t->a, m, mm, all), *b = subst_all(d, t->b, m, mm, all);
        const ct_type **ts = NULL;
        int changed = all || a != t->a || b != t->b;
        if (t->types) {
            ts = alloc(d, (t->n ? t->n : 1) * sizeof *ts);
            for (uint32_t i = 0; i < t->n; i++) {
                ts[i] = subst_all(d, t->types[i], m, mm, all);
                if (ts[i] != t->types[i]) changed = 1;
            }
        }
        if (!changed) return t;
        c = alloc(d, sizeof *c);
        *c = *t;
        c->a = a;
        c->b = b;
        if (ts) c->types = ts;
        break;
    }
    case CT_INSTANCE: case CT_COMPONENT: {
        c = alloc(d, sizeof *c);
        *c = *t;
        memo_put(d, mm, t, c);
        for (int imp = 0; imp < 2; imp++) {
            uint32_t n = imp ? t->nimports : t->nexports;
            const ct_named *src = imp ? t->imports : t->exports;
            ct_named *v = alloc(d, (n ? n : 1) * sizeof *v);
            for (uint32_t i = 0; i < n; i++) {
                v[i] = src[i];
                v[i].ext.type = subst_all(d, src[i].ext.type, m, mm, all);
            }
            if (imp) c->imports = v;
            else c->exports = v;
        }
        return c;
    }
    default:
        if (!all || hv_ct_is_value(t) == 0 || t->kind <= CT_ERRCTX) return t;
        c = alloc(d, sizeof *c);
        *c = *t;
        break;
    }
    memo_put(d, mm, t, c);
    return c;
}

static const ct_type *subst_m(dec *d, const ct_type *t, const rid_map *m, memo *mm) {
    return subst_all(d, t, m, mm, 0);
}

static const ct_type *subst(dec *d, const ct_type *t, const rid_map *m) {
    if (!t || !m->n) return t;
    memo mm;
    memset(&mm, 0, sizeof mm);
    return subst_m(d, t, m, &mm);
}

/* ---- external visibility (Explainer.md "External visibility of types") ---- */

static int in_set(const nodeset *s, const ct_type *t) {
    if (!s) return 0;
    for (uint32_t i = 0; i < s->n; i++)
        if (s->v[i] == t) return 1;
    return 0;
}

static void set_add(dec *d, nodeset *s, const ct_type *t) {
    if (in_set(s, t)) return;
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 16;
        const ct_type **v = alloc(d, cap * sizeof *v);
        if (s->n) memcpy(v, s->v, s->n * sizeof *v);
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = t;
}

static int is_named(const ct_type *t) {
    return t->kind == CT_RECORD || t->kind == CT_VARIANT || t->kind == CT_ENUM || t->kind == CT_FLAGS ||
           t->kind == CT_RESOURCE;
}

/* The type exports of an instance type, nested instances' included. */
static void add_type_exports(dec *d, nodeset *s, const ct_type *it) {
    for (uint32_t i = 0; i < it->nexports; i++) {
        const ct_extern *x = &it->exports[i].ext;
        if (x->sort == S_TYPE) set_add(d, s, x->type);
        else if (x->sort == S_INSTANCE) add_type_exports(d, s, x->type);
    }
}

/* A named type other than a resource also counts as imported when a
 * structurally equal copy of it is in s, the imported ones (type
 * substitution copies the value types around a resource, so a record
 * nested in an imported variant may stand for the imported one under
 * another pointer). Exported names keep their identity: a type that was
 * exported under a new name must be used by that name. */
static int in_set_eq(const nodeset *s, const ct_type *t) {
    if (in_set(s, t)) return 1;
    if (!s || t->kind == CT_RESOURCE) return 0;
    for (uint32_t i = 0; i < s->n; i++)
        if (s->v[i]->kind == t->kind && hv_ct_eq(s->v[i], t, NULL)) return 1;
    return 0;
}

/* Does every named type t uses appear in a, b or own? At top, t itself
 * is being named (its members are checked, not t). */
static int visible(dec *d, const ct_type *t, const nodeset *a, const nodeset *b, const nodeset *own, int top) {
    if (!t) return 1;
    if (!top && is_named(t)) return in_set_eq(a, t) || in_set(b, t) || in_set(own, t);
    switch (t->kind) {
    case CT_OWN: case CT_BORROW:
        return !t->ref || in_set(a, t->ref) || in_set(b, t->ref) || in_set(own, t->ref);
    case CT_FUNC:
        for (uint32_t i = 0; i < t->n; i++)
            if (!visible(d, t->types[i], a, b, own, 0)) return 0;
        return visible(d, t->a, a, b, own, 0);
    case CT_INSTANCE: {
        nodeset local;
        memset(&local, 0, sizeof local);
        if (own)
            for (uint32_t i = 0; i < own->n; i++) set_add(d, &local, own->v[i]);
        /* in order, as wasm-tools registers them: an export may use the
         * types the instance exports before it */
        for (uint32_t i = 0; i < t->nexports; i++) {
            const ct_extern *x = &t->exports[i].ext;
            if (x->sort == S_TYPE || x->sort == S_FUNC || x->sort == S_INSTANCE)
                if (!visible(d, x->type, a, b, &local, x->sort == S_TYPE)) return 0;
            if (x->sort == S_TYPE) set_add(d, &local, x->type);
            else if (x->sort == S_INSTANCE) add_type_exports(d, &local, x->type);
        }
        return 1;
    }
    case CT_COMPONENT: case CT_RESOURCE: return 1;
    default:
        if (!hv_ct_is_value(t)) return 1;
        if (!visible(d, t->a, a, b, own, 0) || !visible(d, t->b, a, b, own, 0)) return 0;
        if (t->types)
            for (uint32_t i = 0; i < t->n; i++)
                if (!visible(d, t->types[i], a, b, own, 0)) return 0;
        return 1;
    }
}

static const char *vis_sort(int sort) {
    return sort == S_FUNC ? "func" : sort == S_TYPE ? "type" : sort == S_INSTANCE ? "instance" : "component";
}

/* An import or export of sc gets its identity and is checked: imports
 * may use only imported named types, exports imported or exported ones. */
static ct_extern name_extern(dec *d, scope *sc, ct_extern x, int import, int check, const uint8_t *at, const char *nm) {
    if (x.sort == S_TYPE) {
        ct_type *c = alloc(d, sizeof *c);
        *c = *x.type;
        x.type = c;
    }
    if (check && (x.sort == S_TYPE || x.sort == S_FUNC || x.sort == S_INSTANCE)) {
        int ok = import ? visible(d, x.type, &sc->vis_imp, NULL, NULL, x.sort == S_TYPE)
                        : visible(d, x.type, &sc->vis_imp, &sc->vis_exp, NULL, x.sort == S_TYPE);
        if (!ok) INVALID(at, "%s not valid to be used as %s (`%s`)", vis_sort(x.sort), import ? "import" : "export", nm);
    }
    nodeset *s = import ? &sc->vis_imp : &sc->vis_exp;
    if (x.sort == S_TYPE) set_add(d, s, x.type);
    if (x.sort == S_INSTANCE) add_type_exports(d, s, x.type);
    return x;
}

static int ext_sub(dec *d, ct_extern actual, ct_extern expected, rid_map *m, char *why, size_t wn);

static int core_ext_sub(const core_ext *a, const core_ext *e) {
    if (a->kind != e->kind) return 0;
    switch (a->kind) {
    case 0x00: case 0x04: return hv_ct_eq(a->ft, e->ft, NULL);
    case 0x01:
        if (a->elemtype != e->elemtype) return 0;
        /* fallthrough */
    case 0x02:
        if (a->kind == 0x02 && a->lim.shared != e->lim.shared) return 0;
        if (a->lim.min < e->lim.min) return 0;
        if (e->lim.has_max && (!a->lim.has_max || a->lim.max > e->lim.max)) return 0;
        return a->memory64 == e->memory64;
    case 0x03: return a->valtype == e->valtype && a->mut == e->mut;
    }
    return 0;
}

/* actual (an instance's or component's type) against expected; rids of
 * expected's abstract resource declarations are bound in m as they are
 * met. */
static int ext_sub(dec *d, ct_extern actual, ct_extern expected, rid_map *m, char *why, size_t wn) {
    if (actual.sort != expected.sort) {
        snprintf(why, wn, "expected %s, found %s", sort_name(expected.sort), sort_name(actual.sort));
        return 0;
    }
    const ct_type *a = actual.type, *e = expected.type;
    switch (actual.sort) {
    case S_TYPE:
        if (e->kind == CT_RESOURCE) {
            if (a->kind != CT_RESOURCE) {
                snprintf(why, wn, "expected resource, found defined type");
                return 0;
            }
            if (!map_has(m, e->rid)) {
                map_add(d, m, e->rid, a->rid);
                return 1;
            }
            if (hv_rid_lookup(m, e->rid) != a->rid) {
                snprintf(why, wn, "resource types are not the same");
                return 0;
            }
            return 1;
        }
        if (!hv_ct_eq(e, a, m)) {
            snprintf(why, wn, "type mismatch");
            return 0;
        }
        return 1;
    case S_FUNC:
        if (!hv_ct_eq(e, a, m)) {
            snprintf(why, wn, "type mismatch in function");
            return 0;
        }
        return 1;
    case S_INSTANCE:
        for (uint32_t i = 0; i < e->nexports; i++) {
            const ct_named *en = &e->exports[i];
            const ct_named *an = NULL;
            for (uint32_t j = 0; j < a->nexports; j++)
                if (!strcmp(a->exports[j].name, en->name)) an = &a->exports[j];
            if (!an) {
                snprintf(why, wn, "missing expected export `%s`", en->name);
                return 0;
            }
            if (!ext_sub(d, an->ext, en->ext, m, why, wn)) {
                size_t l = strlen(why);
                snprintf(why + l, wn - l, " (in export `%s`)", en->name);
                return 0;
            }
        }
        return 1;
    case S_COMPONENT: {
        /* imports contravariant (the actual component's abstract imports
         * are bound to the expected ones in m2), exports covariant */
        rid_map m2;
        memset(&m2, 0, sizeof m2);
        for (uint32_t i = 0; i < a->nimports; i++) {
            const ct_named *an = &a->imports[i];
            const ct_named *en = NULL;
            for (uint32_t j = 0; j < e->nimports; j++)
                if (!strcmp(e->imports[j].name, an->name)) en = &e->imports[j];
            if (!en) {
                snprintf(why, wn, "missing expected import `%s`", an->name);
                return 0;
            }
            ct_extern ee = en->ext;
            ee.type = subst(d, ee.type, m);
            if (!ext_sub(d, ee, an->ext, &m2, why, wn)) return 0;
        }
        for (uint32_t i = 0; i < e->nexports; i++) {
            const ct_named *en = &e->exports[i];
            const ct_named *an = NULL;
            for (uint32_t j = 0; j < a->nexports; j++)
                if (!strcmp(a->exports[j].name, en->name)) an = &a->exports[j];
            if (!an) {
                snprintf(why, wn, "missing expected export `%s`", en->name);
                return 0;
            }
            ct_extern ax = an->ext;
            ax.type = subst(d, ax.type, &m2);
            if (!ext_sub(d, ax, en->ext, m, why, wn)) return 0;
        }
        return 1;
    }
    case S_CORE_MODULE:
        for (uint32_t i = 0; i < a->ncimports; i++) {
            const core_named *an = &a->cimports[i];
            const core_named *en = NULL;
            for (uint32_t j = 0; j < e->ncimports; j++)
                if (!strcmp(e->cimports[j].mod, an->mod) && !strcmp(e->cimports[j].name, an->name))
                    en = &e->cimports[j];
            if (!en || !core_ext_sub(&en->ext, &an->ext)) {
                snprintf(why, wn, "module import `%s::%s` does not match", an->mod, an->name);
                return 0;
            }
        }
        for (uint32_t i = 0; i < e->ncexports; i++) {
            const core_named *en = &e->cexports[i];
            const core_named *an = NULL;
            for (uint32_t j = 0; j < a->ncexports; j++)
                if (!strcmp(a->cexports[j].name, en->name)) an = &a->cexports[j];
            if (!an || !core_ext_sub(&an->ext, &en->ext)) {
                snprintf(why, wn, "module export `%s` does not match", en->name);
                return 0;
            }
        }
        return 1;
    }
    return 1;
}

/* ---- aliases ------------------------------------------------------------ */

/* Does t mention a resource other than those it declares itself (rids in
 * [lo, hi) of a component or instance type)? */
static int refers_res(const ct_type *t, uint32_t lo, uint32_t hi) {
    if (!t) return 0;
    switch (t->kind) {
    case CT_RESOURCE: case CT_OWN: case CT_BORROW:
        return !(t->rid >= lo && t->rid < hi && lo < hi);
    case CT_INSTANCE: case CT_COMPONENT:
        for (uint32_t i = 0; i < t->nimports; i++)
            if (refers_res(t->imports[i].ext.type, t->rid, t->np)) return 1;
        for (uint32_t i = 0; i < t->nexports; i++)
            if (refers_res(t->exports[i].ext.type, t->rid, t->np)) return 1;
        return 0;
    case CT_FUNC:
        for (uint32_t i = 0; i < t->n; i++)
            if (refers_res(t->types[i], lo, hi)) return 1;
        return refers_res(t->a, lo, hi);
    default:
        if (hv_ct_is_value(t)) {
            if (!t->has_res) return 0;
            if (refers_res(t->a, lo, hi) || refers_res(t->b, lo, hi)) return 1;
            if (t->types)
                for (uint32_t i = 0; i < t->n; i++)
                    if (refers_res(t->types[i], lo, hi)) return 1;
        }
        return 0;
    }
}

static scope *outer_scope(dec *d, scope *sc, uint32_t ct, const uint8_t *at, int *crosses) {
    scope *t = sc;
    *crosses = 0;
    for (uint32_t c = 0; c < ct; c++) {
        if (t->kind == SC_COMPONENT) *crosses = 1;
        t = t->parent;
        if (!t) INVALID(at, "invalid outer alias count of %u", ct);
    }
    return t;
}

static const ct_named *find_named(const ct_named *v, uint32_t n, const char *nm) {
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(v[i].name, nm)) return &v[i];
    return NULL;
}

/* alias (in a component, or as a declarator in a type). */
static void alias_any(dec *d, scope *sc, const uint8_t *at, int in_type) {
    int sort = sort_of(d);
    uint8_t k = byte(d);
    def *df = NULL;
    switch (k) {
    case 0x00: {
        uint32_t ii = u32(d);
        const char *nm = name(d);
        if (in_type && sort != S_INSTANCE && sort != S_TYPE)
            INVALID(at, "instance export alias of %s not allowed in a type", sort_name(sort));
        ent *ie = get(d, sc, S_INSTANCE, ii, at);
        const ct_named *x = find_named(ie->t->exports, ie->t->nexports, nm);
        if (!x) INVALID(at, "instance %u has no export named `%s`", ii, nm);
        if (x->ext.sort != sort)
            INVALID(at, "export `%s` for instance %u is not a %s", nm, ii, sort_name(sort));
        push_extern(d, sc, x->ext);
        if (!in_type) {
            df = add_def(d, sc, D_ALIAS_EXPORT, at);
            df->sort = (uint8_t)sort;
            df->a = ii;
            df->name = nm;
            df->type = x->ext.type;
        }
        break;
    }
    case 0x01: {
        uint32_t ii = u32(d);
        const char *nm = name(d);
        if (in_type) INVALID(at, "core export aliases are not allowed in a type");
        ent *ie = get(d, sc, S_CORE_INSTANCE, ii, at);
        const core_named *x = NULL;
        for (uint32_t i = 0; i < ie->t->ncexports; i++)
            if (!strcmp(ie->t->cexports[i].name, nm)) x = &ie->t->cexports[i];
        if (!x) INVALID(at, "core instance %u has no export named `%s`", ii, nm);
        if (ext_kind_sort(x->ext.kind) != sort)
            INVALID(at, "export `%s` for core instance %u is not a %s", nm, ii, sort_name(sort));
        push_core_ext(d, sc, x->ext);
        df = add_def(d, sc, D_ALIAS_CORE_EXPORT, at);
        df->sort = (uint8_t)sort;
        df->a = ii;
        df->name = nm;
        break;
    }
    case 0x02: {
        uint32_t ct = u32(d), idx = u32(d);
        if (sort != S_CORE_MODULE && sort != S_CORE_TYPE && sort != S_TYPE && sort != S_COMPONENT)
            fail_at(d, HIVE_EMALFORMED, at, "invalid leading byte (0x%x) for component outer alias kind",
                    sort == S_FUNC ? 1 : sort == S_VALUE ? 2 : sort == S_INSTANCE ? 5 : 0);
        if (in_type && sort != S_CORE_TYPE && sort != S_TYPE)
            INVALID(at, "outer aliases of %s are not allowed in a type", sort_name(sort));
        int crosses;
        scope *t = outer_scope(d, sc, ct, at, &crosses);
        ent *src = get(d, t, sort, idx, at);
        if (sort == S_TYPE && crosses && ct > 0 && refers_res(src->t, src->t->rid, src->t->np))
            INVALID(at, "refers to resources not defined in the current component");
        ent *n = push(d, sc, sort);
        *n = *src;
        if (!in_type) {
            df = add_def(d, sc, D_ALIAS_OUTER, at);
            df->sort = (uint8_t)sort;
            df->a = ct;
            df->b = idx;
            df->child = src->cd;
            df->module_index = src->midx;
            df->type = src->t;
        }
        break;
    }
    default: d->p--; MALFORMED("invalid alias target 0x%02x", k);
    }
}

static void alias_decl(dec *d, scope *sc, const uint8_t *at) { alias_any(d, sc, at, 1); }

/* ---- canon --------------------------------------------------------------- */

static int needs_mem(const ct_type *t) {
    if (!t) return 0;
    switch (t->kind) {
    case CT_STRING: case CT_MAP: return 1;
    case CT_LIST: return t->n == 0 || needs_mem(t->a);
    case CT_RECORD: case CT_TUPLE: case CT_VARIANT:
        for (uint32_t i = 0; i < t->n; i++)
            if (needs_mem(t->types[i])) return 1;
        return 0;
    case CT_OPTION: case CT_RESULT: return needs_mem(t->a) || needs_mem(t->b);
    default: return 0;
    }
}

static uint32_t flat_params(const ct_type *ft, uint8_t *out, uint32_t cap) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < ft->n; i++) {
        uint8_t tmp[FLAT_CAP];
        uint32_t k = hv_ct_flatten(ft->types[i], tmp, FLAT_CAP);
        for (uint32_t j = 0; j < k && j < FLAT_CAP; j++)
            if (n + j < cap) out[n + j] = tmp[j];
        n += k;
        if (n > cap) n = cap + 1;
    }
    return n;
}

/* The core function type of lifting (ctx 0) or lowering (1) ft. */
static const ct_type *flat_functype(dec *d, const ct_type *ft, int lower, int async_, int callback) {
    uint8_t p[FLAT_CAP + 2], r[FLAT_CAP];
    uint32_t np = flat_params(ft, p, FLAT_CAP);
    uint32_t nr = ft->a ? hv_ct_flatten(ft->a, r, FLAT_CAP) : 0;
    if (!async_) {
        if (np > MAX_FLAT_PARAMS) { np = 1; p[0] = HIVE_I32; }
        if (nr > MAX_FLAT_RESULTS) {
            if (!lower) { nr = 1; r[0] = HIVE_I32; }
            else { p[np++] = HIVE_I32; nr = 0; }
        }
    } else if (!lower) {
        if (np > MAX_FLAT_PARAMS) { np = 1; p[0] = HIVE_I32; }
        if (callback) { nr = 1; r[0] = HIVE_I32; } else nr = 0;
    } else {
        if (np > 4) { np = 1; p[0] = HIVE_I32; }
        if (nr > 0) p[np++] = HIVE_I32;
        nr = 1;
        r[0] = HIVE_I32;
    }
    return core_ft(d, p, np, r, nr);
}

static const char *opt_name(int o) {
    static const char *n[] = {"utf8", "utf16", "latin1-utf16", "memory", "realloc", "post-return", "async", "callback"};
    return o >= 0 && o < 8 ? n[o] : "?";
}

static canon_opts read_opts(dec *d, scope *sc, const uint8_t *at) {
    canon_opts o = {ENC_UTF8, 0, -1, -1, -1, -1};
    uint32_t n = u32(d);
    int seen = 0, enc_seen = -1;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *oa = d->p;
        uint8_t k = byte(d);
        if (k > 7) { d->p = oa; MALFORMED("invalid canonical option 0x%02x", k); }
        if (k <= 2) {
            if (enc_seen >= 0)
                INVALID(at, "canonical encoding option `%s` conflicts with option `%s`", opt_name(enc_seen), opt_name(k));
            enc_seen = k;
            o.enc = k;
            continue;
        }
        if (seen & (1 << k)) INVALID(at, "`%s` is specified more than once", opt_name(k));
        seen |= 1 << k;
        switch (k) {
        case 3: {
            uint32_t m = u32(d);
            ent *e = get(d, sc, S_CORE_MEMORY, m, oa);
            if (e->ce.memory64) INVALID(oa, "64-bit memories are not supported by the canonical ABI");
            o.memory = (int32_t)m;
            break;
        }
        case 4: o.realloc = (int32_t)u32(d); get(d, sc, S_CORE_FUNC, (uint32_t)o.realloc, oa); break;
        case 5: o.post_return = (int32_t)u32(d); get(d, sc, S_CORE_FUNC, (uint32_t)o.post_return, oa); break;
        case 6: o.async_ = 1; break;
        case 7: o.callback = (int32_t)u32(d); get(d, sc, S_CORE_FUNC, (uint32_t)o.callback, oa); break;
        }
    }
    return o;
}

static void check_realloc(dec *d, scope *sc, const canon_opts *o, const uint8_t *at) {
    if (o->realloc < 0) return;
    const ct_type *t = sc->s[S_CORE_FUNC].v[o->realloc].t;
    static const uint8_t p4[] = {HIVE_I32, HIVE_I32, HIVE_I32, HIVE_I32}, r1[] = {HIVE_I32};
    if (t->np != 4 || t->nr != 1 || memcmp(t->p, p4, 4) || memcmp(t->r, r1, 1))
        INVALID(at, "canonical option `realloc` uses a core function with an incorrect signature");
}

static void canon_def(dec *d, scope *sc) {
    const uint8_t *at = d->p;
    uint8_t op = byte(d);
    def *df = add_def(d, sc, D_CANON, at);
    df->canon = op;
    const ct_type *cft = NULL;
    static const uint8_t I[] = {HIVE_I32, HIVE_I32, HIVE_I32}, L[] = {HIVE_I64};
    switch (op) {
    case CANON_LIFT: {
        if (byte(d) != 0x00) { d->p--; MALFORMED("invalid canon lift sort"); }
        uint32_t fi = u32(d);
        ent *core = get(d, sc, S_CORE_FUNC, fi, at);
        canon_opts o = read_opts(d, sc, at);
        const uint8_t *ta = d->p;
        uint32_t ti = u32(d);
        ent *te = get(d, sc, S_TYPE, ti, ta);
        if (te->t->kind != CT_FUNC) INVALID(ta, "type index %u is not a function type", ti);
        const ct_type *ft = te->t;
        if (o.async_ && !ft->async_) INVALID(at, "the `async` canonical option requires an async function type");
        if (o.callback >= 0 && !o.async_) INVALID(at, "cannot specify callback without async");
        int mem = needs_mem(ft->a) || (ft->a && ft->a->nflat > MAX_FLAT_RESULTS);
        int realloc = 0;
        for (uint32_t i = 0; i < ft->n; i++) {
            if (needs_mem(ft->types[i])) mem = realloc = 1;
        }
        uint8_t tmp[FLAT_CAP];
        if (flat_params(ft, tmp, FLAT_CAP) > MAX_FLAT_PARAMS) mem = realloc = 1;
        if (o.async_) mem = realloc; /* results go through task.return */
        if (mem && o.memory < 0) INVALID(at, "canonical option `memory` is required");
        if (realloc && o.realloc < 0) INVALID(at, "canonical option `realloc` is required");
        check_realloc(d, sc, &o, at);
        const ct_type *want = flat_functype(d, ft, 0, o.async_, o.callback >= 0);
        if (!hv_ct_eq(core->t, want, NULL))
            INVALID(at, "lowered type of lifted function does not match the core function's type");
        if (o.post_return >= 0) {
            if (o.async_) INVALID(at, "cannot specify post-return with async");
            const ct_type *pt = sc->s[S_CORE_FUNC].v[o.post_return].t;
            if (!hv_ct_eq(pt, core_ft(d, want->r, want->nr, NULL, 0), NULL))
                INVALID(at, "canonical option `post-return` uses a core function with an incorrect signature");
        }
        if (o.callback >= 0) {
            const ct_type *ct = sc->s[S_CORE_FUNC].v[o.callback].t;
            if (!hv_ct_eq(ct, core_ft(d, I, 3, I, 1), NULL))
                INVALID(at, "canonical option `callback` uses a core function with an incorrect signature");
        }
        df->opts = o;
        df->a = fi;
        df->type = ft;
        push(d, sc, S_FUNC)->t = ft;
        return;
    }
    case CANON_LOWER: {
        if (byte(d) != 0x00) { d->p--; MALFORMED("invalid canon lower sort"); }
        uint32_t fi = u32(d);
        ent *f = get(d, sc, S_FUNC, fi, at);
        canon_opts o = read_opts(d, sc, at);
        const ct_type *ft = f->t;
        if (o.post_return >= 0) INVALID(at, "canonical option `post-return` cannot be used with lowering");
        if (o.async_ && !ft->async_) INVALID(at, "the `async` canonical option requires an async function type");
        if (o.callback >= 0) INVALID(at, "cannot specify callback without lifting");
        if (o.async_ && !ft->async_) INVALID(at, "the `async` canonical option requires an async function type");
        int mem = 0, realloc = needs_mem(ft->a);
        for (uint32_t i = 0; i < ft->n; i++)
            if (needs_mem(ft->types[i])) mem = 1;
        uint8_t tmp[FLAT_CAP];
        if (flat_params(ft, tmp, FLAT_CAP) > (o.async_ ? 4u : MAX_FLAT_PARAMS)) mem = 1;
        if (ft->a && (needs_mem(ft->a) || ft->a->nflat > MAX_FLAT_RESULTS || o.async_)) mem = 1;
        if (realloc) mem = 1;
        if (mem && o.memory < 0) INVALID(at, "canonical option `memory` is required");
        if (realloc && o.realloc < 0 && !o.async_) INVALID(at, "canonical option `realloc` is required");
        check_realloc(d, sc, &o, at);
        df->opts = o;
        df->a = fi;
        df->type = ft;
        cft = flat_functype(d, ft, 1, o.async_, 0);
        break;
    }
    case CANON_RESOURCE_NEW: case CANON_RESOURCE_DROP: case CANON_RESOURCE_REP: case 0x07: {
        if (op == 0x07) { d->p = at; MALFORMED("invalid leading byte (0x7) for canonical function"); }
        uint32_t ti = u32(d);
        ent *te = get(d, sc, S_TYPE, ti, at);
        if (te->t->kind != CT_RESOURCE) INVALID(at, "type index %u is not a resource type", ti);
        int local = 0;
        for (uint32_t k = 0; k < sc->nlocal; k++)
            if (sc->local_rids[k] == te->t->rid) local = 1;
        if (op != CANON_RESOURCE_DROP && !local)
            INVALID(at, "type index %u is not a resource type defined in this component", ti);
        df->rid = te->t->rid;
        df->type = te->t;
        static const uint8_t one[] = {HIVE_I32};
        cft = core_ft(d, one, 1, one, op == CANON_RESOURCE_DROP ? 0 : 1);
        break;
    }
    case 0x24: case 0x25: case 0x05: case 0x0d: case 0x1e: case 0x22: case 0x28:
        /* [] -> [] or [i32] -> [] */
        cft = (op == 0x24 || op == 0x25 || op == 0x05) ? core_ft(d, NULL, 0, NULL, 0) : core_ft(d, I, 1, NULL, 0);
        break;
    case 0x09: { /* task.return */
        const uint8_t *ra = d->p;
        uint8_t r = byte(d);
        const ct_type *rt = NULL;
        if (r == 0x00) rt = valtype(d, sc);
        else if (r == 0x01) { if (byte(d) != 0) MALFORMED("invalid result list"); }
        else { d->p = ra; MALFORMED("invalid result list"); }
        canon_opts o = read_opts(d, sc, at);
        if (o.async_ || o.realloc >= 0 || o.post_return >= 0 || o.callback >= 0)
            INVALID(at, "cannot specify this option on task.return");
        if (rt && needs_mem(rt) && o.memory < 0) INVALID(at, "canonical option `memory` is required");
        uint8_t p[FLAT_CAP];
        uint32_t np = rt ? hv_ct_flatten(rt, p, FLAT_CAP) : 0;
        if (np > MAX_FLAT_PARAMS) {
            if (o.memory < 0) INVALID(at, "canonical option `memory` is required");
            np = 1;
            p[0] = HIVE_I32;
        }
        df->opts = o;
        df->type = rt;
        cft = core_ft(d, p, np, NULL, 0);
        break;
    }
    case 0x0a: case 0x0b: { /* context.get/set */
        const uint8_t *va = d->p;
        uint8_t t = byte(d);
        uint32_t i = u32(d);
        if (t != HIVE_I32) INVALID(va, "context.get/set: type must be i32");
        if (i >= 1) INVALID(va, "context slot %u out of bounds", i);
        df->a = i;
        cft = op == 0x0a ? core_ft(d, NULL, 0, I, 1) : core_ft(d, I, 1, NULL, 0);
        break;
    }
    case 0x06: { /* subtask.cancel async? */
        uint8_t a = byte(d);
        if (a > 1) MALFORMED("invalid async flag");
        df->a = a;
        cft = core_ft(d, I, 1, I, 1);
        break;
    }
    case 0x0e: case 0x15: case 0x13: case 0x14: case 0x1a: case 0x1b:
    case 0x0f: case 0x10: case 0x16: case 0x17: case 0x11: case 0x12: case 0x18: case 0x19: {
        const uint8_t *ta = d->p;
        uint32_t ti = u32(d);
        ent *te = get(d, sc, S_TYPE, ti, ta);
        int is_stream = op <= 0x14;
        if (te->t->kind != (is_stream ? CT_STREAM : CT_FUTURE))
            INVALID(ta, "type index %u is not a %s type", ti, is_stream ? "stream" : "future");
        df->type = te->t;
        if (op == 0x0f || op == 0x10 || op == 0x16 || op == 0x17) {
            canon_opts o = read_opts(d, sc, at);
            const ct_type *el = te->t->a;
            if (el && o.memory < 0) INVALID(at, "canonical option `memory` is required");
            if (el && (op == 0x0f || op == 0x16) && needs_mem(el) && o.realloc < 0)
                INVALID(at, "canonical option `realloc` is required");
            check_realloc(d, sc, &o, at);
            df->opts = o;
            cft = is_stream ? core_ft(d, I, 3, I, 1) : core_ft(d, I, 2, I, 1);
        } else if (op == 0x11 || op == 0x12 || op == 0x18 || op == 0x19) {
            uint8_t a = byte(d);
            if (a > 1) MALFORMED("invalid async flag");
            df->a = a;
            cft = core_ft(d, I, 1, I, 1);
        } else if (op == 0x0e || op == 0x15) {
            cft = core_ft(d, NULL, 0, L, 1);
        } else {
            cft = core_ft(d, I, 1, NULL, 0);
        }
        break;
    }
    case 0x1c: case 0x1d: {
        canon_opts o = read_opts(d, sc, at);
        if (o.memory < 0) INVALID(at, "canonical option `memory` is required");
        if (op == 0x1d && o.realloc < 0) INVALID(at, "canonical option `realloc` is required");
        check_realloc(d, sc, &o, at);
        df->opts = o;
        cft = op == 0x1c ? core_ft(d, I, 2, I, 1) : core_ft(d, I, 2, NULL, 0);
        break;
    }
    case 0x1f: cft = core_ft(d, NULL, 0, I, 1); break;
    case 0x20: case 0x21: {
        uint8_t c = byte(d);
        if (c > 1) MALFORMED("invalid cancellable flag");
        uint32_t m = u32(d);
        get(d, sc, S_CORE_MEMORY, m, at);
        df->a = c;
        df->opts.memory = (int32_t)m;
        cft = core_ft(d, I, 2, I, 1);
        break;
    }
    case 0x23: cft = core_ft(d, I, 2, NULL, 0); break;
    case 0x26: cft = core_ft(d, NULL, 0, I, 1); break;
    case 0x27: {
        uint32_t ft = u32(d), tbl = u32(d);
        ent *fe = get(d, sc, S_CORE_TYPE, ft, at);
        if (fe->t->kind != CT_CORE_FUNC || fe->t->np != 1 || fe->t->p[0] != HIVE_I32 || fe->t->nr)
            INVALID(at, "thread start function must have type [i32] -> []");
        get(d, sc, S_CORE_TABLE, tbl, at);
        df->a = ft;
        df->b = tbl;
        cft = core_ft(d, I, 2, I, 1);
        break;
    }
    case 0x29: case 0x0c: case 0x2a: case 0x2b: case 0x2c: case 0x2d: {
        uint8_t c = byte(d);
        if (c > 1) MALFORMED("invalid cancellable flag");
        df->a = c;
        cft = (op == 0x29 || op == 0x0c) ? core_ft(d, NULL, 0, I, 1) : core_ft(d, I, 1, I, 1);
        break;
    }
    case 0x40: case 0x41: case 0x42:
        INVALID(at, "shared-everything threads built-ins are not supported");
    default: d->p = at; MALFORMED("invalid leading byte (0x%02x) for canonical function", op);
    }
    df->core_ft = cft;
    ent *e = push(d, sc, S_CORE_FUNC);
    e->t = cft;
    e->ce.kind = HIVE_EXTERN_FUNC;
    e->ce.ft = cft;
}

/* ---- instances ------------------------------------------------------------ */

static ct_extern ext_of(dec *d, scope *sc, int sort, uint32_t idx, const uint8_t *at);

/* The arguments of an instantiation, each checked to exist and to be named
 * once, their count in *np; core: of a module (core instances only). */
static def_arg *inst_args(dec *d, scope *sc, int core, uint32_t *np) {
    uint32_t n = u32(d);
    vec_check(d, n);
    def_arg *args = alloc(d, (n ? n : 1) * sizeof *args);
    for (uint32_t i = 0; i < n; i++) {
        args[i].name = name(d);
        args[i].len = (uint32_t)strlen(args[i].name);
        const uint8_t *sa = d->p;
        if (core) {
            if (byte(d) != 0x12) { d->p = sa; MALFORMED("invalid core instantiation argument sort"); }
            args[i].sort = S_CORE_INSTANCE;
            args[i].idx = u32(d);
            get(d, sc, S_CORE_INSTANCE, args[i].idx, sa);
        } else {
            args[i].sort = (uint8_t)sort_of(d);
            args[i].idx = u32(d);
            ext_of(d, sc, args[i].sort, args[i].idx, sa);
        }
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(args[j].name, args[i].name)) continue;
            if (core) INVALID(sa, "duplicate module instantiation argument named `%s`", args[i].name);
            INVALID(sa, "instantiation argument `%s` conflicts with previous argument `%s`", args[i].name, args[j].name);
        }
    }
    *np = n;
    return args;
}

/* The (last) argument named nm, or NULL. */
static const def_arg *arg_named(const def_arg *args, uint32_t n, const char *nm) {
    const def_arg *arg = NULL;
    for (uint32_t j = 0; j < n; j++)
        if (!strcmp(args[j].name, nm)) arg = &args[j];
    return arg;
}

static void core_instance_def(dec *d, scope *sc) {
    const uint8_t *at = d->p;
    uint8_t k = byte(d);
    if (k == 0x00) {
        uint32_t mi = u32(d);
        ent *me = get(d, sc, S_CORE_MODULE, mi, at);
        uint32_t n;
        def_arg *args = inst_args(d, sc, 1, &n);
        const ct_type *mt = me->t;
        for (uint32_t i = 0; i < mt->ncimports; i++) {
            const core_named *im = &mt->cimports[i];
            const def_arg *arg = arg_named(args, n, im->mod);
            if (!arg) INVALID(at, "missing module instantiation argument named `%s`", im->mod);
            const ct_type *it = sc->s[S_CORE_INSTANCE].v[arg->idx].t;
            const core_named *x = NULL;
            for (uint32_t j = 0; j < it->ncexports; j++)
                if (!strcmp(it->cexports[j].name, im->name)) x = &it->cexports[j];
            if (!x) INVALID(at, "module instantiation argument `%s` does not export an item named `%s`", im->mod, im->name);
            if (!core_ext_sub(&x->ext, &im->ext))
                INVALID(at, "type mismatch for export `%s` of module instantiation argument `%s`", im->name, im->mod);
        }
        ct_type *it = new_type(d, CT_MODULE);
        it->ncexports = mt->ncexports;
        it->cexports = mt->cexports;
        push(d, sc, S_CORE_INSTANCE)->t = it;
        def *df = add_def(d, sc, D_CORE_INSTANTIATE, at);
        df->a = mi;
        df->nargs = n;
        df->args = args;
    } else if (k == 0x01) {
        uint32_t n = u32(d);
        vec_check(d, n);
        def_arg *args = alloc(d, (n ? n : 1) * sizeof *args);
        core_named *ex = alloc(d, (n ? n : 1) * sizeof *ex);
        for (uint32_t i = 0; i < n; i++) {
            args[i].name = name(d);
            args[i].len = (uint32_t)strlen(args[i].name);
            const uint8_t *sa = d->p;
            int s = core_sort_of(d, byte(d));
            if (s > S_CORE_TAG) INVALID(sa, "invalid core sort for inline export");
            args[i].sort = (uint8_t)s;
            args[i].idx = u32(d);
            ent *e = get(d, sc, s, args[i].idx, sa);
            for (uint32_t j = 0; j < i; j++)
                if (!strcmp(args[j].name, args[i].name)) INVALID(sa, "export name `%s` already defined", args[i].name);
            ex[i].name = args[i].name;
            ex[i].ext = e->ce;
            if (s == S_CORE_FUNC) { ex[i].ext.kind = HIVE_EXTERN_FUNC; ex[i].ext.ft = e->t; }
        }
        ct_type *it = new_type(d, CT_MODULE);
        it->ncexports = n;
        it->cexports = ex;
        push(d, sc, S_CORE_INSTANCE)->t = it;
        def *df = add_def(d, sc, D_CORE_INLINE, at);
        df->nargs = n;
        df->args = args;
    } else {
        d->p = at;
        MALFORMED("invalid leading byte (0x%02x) for core instance", k);
    }
}

static void collect_rids(dec *d, const ct_type *t, uint32_t lo, uint32_t hi, rid_map *m, const rid_map *skip);

static void collect_named(dec *d, const ct_named *v, uint32_t n, uint32_t lo, uint32_t hi, rid_map *m,
                          const rid_map *skip) {
    for (uint32_t i = 0; i < n; i++) collect_rids(d, v[i].ext.type, lo, hi, m, skip);
}

/* Every rid in [lo, hi) used by t and not in skip gets a fresh rid in m. */
static void collect_rids(dec *d, const ct_type *t, uint32_t lo, uint32_t hi, rid_map *m, const rid_map *skip) {
    if (!t) return;
    switch (t->kind) {
    case CT_OWN: case CT_BORROW: case CT_RESOURCE:
        if (t->rid >= lo && t->rid < hi && !map_has(skip, t->rid) && !map_has(m, t->rid))
            map_add(d, m, t->rid, new_rid(d));
        return;
    case CT_INSTANCE: case CT_COMPONENT:
        collect_named(d, t->exports, t->nexports, lo, hi, m, skip);
        return;
    default:
        if (hv_ct_is_value(t) && !t->has_res) return;
        collect_rids(d, t->a, lo, hi, m, skip);
        collect_rids(d, t->b, lo, hi, m, skip);
        if (t->types)
            for (uint32_t i = 0; i < t->n; i++) collect_rids(d, t->types[i], lo, hi, m, skip);
    }
}

static ct_extern ext_of(dec *d, scope *sc, int sort, uint32_t idx, const uint8_t *at) {
    ct_extern x;
    memset(&x, 0, sizeof x);
    x.sort = (uint8_t)sort;
    if (sort == S_VALUE) INVALID(at, "values are not supported");
    if (sort < S_FUNC && sort != S_CORE_MODULE) INVALID(at, "cannot use a %s here", sort_name(sort));
    x.type = get(d, sc, sort, idx, at)->t;
    return x;
}

static void instance_def(dec *d, scope *sc) {
    const uint8_t *at = d->p;
    uint8_t k = byte(d);
    if (k == 0x00) {
        uint32_t ci = u32(d);
        ent *ce = get(d, sc, S_COMPONENT, ci, at);
        uint32_t n;
        def_arg *args = inst_args(d, sc, 0, &n);
        const ct_type *ct = ce->t;
        rid_map m;
        memset(&m, 0, sizeof m);
        for (uint32_t i = 0; i < ct->nimports; i++) {
            const ct_named *im = &ct->imports[i];
            const def_arg *arg = arg_named(args, n, im->name);
            if (!arg) INVALID(at, "missing import named `%s`", im->name);
            ct_extern ax = ext_of(d, sc, arg->sort, arg->idx, at);
            char why[200] = "";
            if (!ext_sub(d, ax, im->ext, &m, why, sizeof why))
                INVALID(at, "type mismatch for import `%s`: %s", im->name, why);
        }
        /* the new instance's type: exports with imports substituted and
         * the component's own resources made fresh */
        rid_map fresh;
        memset(&fresh, 0, sizeof fresh);
        collect_named(d, ct->exports, ct->nexports, ct->rid, ct->np, &fresh, &m);
        rid_map all = m;
        for (uint32_t i = 0; i < fresh.n; i++) map_add(d, &all, fresh.from[i], fresh.to[i]);
        ct_type *it = new_type(d, CT_INSTANCE);
        ct_named *ex = alloc(d, (ct->nexports ? ct->nexports : 1) * sizeof *ex);
        memo mm;
        memset(&mm, 0, sizeof mm);
        /* imported value types are replaced by the arguments' own */
        int seeded = 0;
        for (uint32_t i = 0; i < ct->nimports; i++) {
            const ct_named *im = &ct->imports[i];
            if (im->ext.sort != S_TYPE || !hv_ct_is_value(im->ext.type)) continue;
            for (uint32_t j = 0; j < n; j++)
                if (!strcmp(args[j].name, im->name) && args[j].sort == S_TYPE) {
                    memo_put(d, &mm, im->ext.type, get(d, sc, S_TYPE, args[j].idx, at)->t);
                    seeded = 1;
                }
        }
        for (uint32_t i = 0; i < ct->nexports; i++) {
            ex[i] = ct->exports[i];
            ex[i].ext.type = (all.n || seeded) ? subst_all(d, ct->exports[i].ext.type, &all, &mm, seeded)
                                               : ct->exports[i].ext.type;
        }
        it->nexports = ct->nexports;
        it->exports = ex;
        push(d, sc, S_INSTANCE)->t = it;
        def *df = add_def(d, sc, D_INSTANTIATE, at);
        df->a = ci;
        df->nargs = n;
        df->args = args;
        df->child = ce->cd;
        /* runtime: child rid m.from[i] := parent rid m.to[i]; parent rid
         * fresh.to[i] := child rid fresh.from[i] */
        df->nbind = m.n;
        df->bind_child = m.from;
        df->bind_parent = m.to;
        df->nfresh = fresh.n;
        df->fresh_parent = fresh.to;
        df->fresh_child = fresh.from;
    } else if (k == 0x01) {
        uint32_t n = u32(d);
        vec_check(d, n);
        def_arg *args = alloc(d, (n ? n : 1) * sizeof *args);
        named_list l;
        memset(&l, 0, sizeof l);
        for (uint32_t i = 0; i < n; i++) {
            int impl;
            args[i].name = nameattributes_i(d, &impl);
            args[i].len = (uint32_t)strlen(args[i].name);
            const uint8_t *sa = d->p;
            args[i].sort = (uint8_t)sort_of(d);
            args[i].idx = u32(d);
            check_implements(d, sa, args[i].name, args[i].sort, impl);
            ct_extern x = ext_of(d, sc, args[i].sort, args[i].idx, sa);
            d->bag_of_exports = 1;
            check_func_name(d, sc, &l, args[i].name, x, sa);
            d->bag_of_exports = 0;
            named_push(d, &l, args[i].name, x, sa, "export");
        }
        ct_type *it = new_type(d, CT_INSTANCE);
        it->nexports = l.n;
        it->exports = l.v;
        push(d, sc, S_INSTANCE)->t = it;
        def *df = add_def(d, sc, D_INLINE, at);
        df->nargs = n;
        df->args = args;
    } else {
        d->p = at;
        MALFORMED("invalid leading byte (0x%02x) for instance", k);
    }
}

/* ---- types section --------------------------------------------------------- */

static void type_def(dec *d, scope *sc) {
    const uint8_t *at = d->p;
    int is_res = peek(d) == 0x3f;
    int64_t op = is_res ? (d->p++, 0) : s33(d);
    const ct_type *t;
    uint32_t scope_id = 0;
    if (is_res) { /* 0x3f resource */
        const uint8_t *ra = d->p;
        uint8_t rep = byte(d);
        if (rep != HIVE_I32) { d->p = ra; INVALID(ra, "resources can only be represented by `i32`"); }
        ct_type *r = new_type(d, CT_RESOURCE);
        r->rid = new_rid(d);
        r->rid_id = rid_id(d, r->rid);
        uint8_t has = byte(d);
        if (has == 1) {
            uint32_t f = u32(d);
            ent *fe = get(d, sc, S_CORE_FUNC, f, at);
            static const uint8_t one[] = {HIVE_I32};
            if (!hv_ct_eq(fe->t, core_ft(d, one, 1, NULL, 0), NULL))
                INVALID(at, "core function %u has wrong signature for a destructor", f);
            r->has_dtor = 1;
            r->np = f;
        } else if (has != 0) { d->p--; MALFORMED("invalid optional destructor"); }
        t = r;
        scope_id = sc->id;
        if (sc->nlocal == sc->caplocal) {
            uint32_t cap = sc->caplocal ? sc->caplocal * 2 : 8;
            uint32_t *v = alloc(d, cap * sizeof *v);
            if (sc->nlocal) memcpy(v, sc->local_rids, sc->nlocal * sizeof *v);
            sc->local_rids = v;
            sc->caplocal = cap;
        }
        sc->local_rids[sc->nlocal++] = r->rid;
    } else if (op == -64 || op == -61) t = functype(d, sc, op == -61, at);
    else if (op == -63 || op == -62) t = instance_or_component_type(d, sc, op == -63, at);
    else {
        t = defvaltype(d, sc, op, at);
    }
    ent *e = push(d, sc, S_TYPE);
    e->t = t;
    e->scope_id = scope_id;
    def *df = add_def(d, sc, D_TYPE, at);
    df->type = t;
}

/* ---- exports -------------------------------------------------------------- */

static void export_def(dec *d, scope *sc) {
    const uint8_t *at = d->p;
    int64_t fresh_from = -1;
    int impl;
    const char *nm = nameattributes_i(d, &impl);
    const uint8_t *sa = d->p;
    int sort = sort_of(d);
    check_implements(d, at, nm, sort, impl);
    uint32_t idx = u32(d);
    ct_extern x = ext_of(d, sc, sort, idx, sa);
    if (sort != S_CORE_MODULE && sort < S_FUNC) INVALID(sa, "cannot export a %s", sort_name(sort));
    uint8_t has = byte(d);
    if (has == 1) {
        ct_extern asc = externtype(d, sc);
        rid_map m;
        memset(&m, 0, sizeof m);
        char why[200] = "";
        if (!ext_sub(d, x, asc, &m, why, sizeof why))
            INVALID(at, "type mismatch in export `%s`: %s", nm, why);
        /* a (sub resource) ascription: an abstract type, a new identity
         * for the same resource at run time */
        if (asc.sort == S_TYPE && asc.type->kind == CT_RESOURCE) {
            fresh_from = x.type->rid;
            x.type = asc.type;
        } else {
            x.type = subst(d, asc.type, &m);
        }
    } else if (has != 0) {
        d->p--;
        MALFORMED("invalid optional export type");
    }
    x = name_extern(d, sc, x, 0, 1, at, nm);
    if (x.sort == S_TYPE && x.type->kind == CT_RESOURCE) { /* a new node: name it */
        ct_type *r = (ct_type *)x.type;
        r->labels = alloc(d, sizeof *r->labels);
        r->labels[0] = nm;
    }
    check_func_name(d, sc, &sc->exports, nm, x, at);
    if (sort == S_FUNC && x.type->a && x.type->a->has_borrow)
        INVALID(at, "function result cannot contain a `borrow` type");
    named_push(d, &sc->exports, nm, x, at, "export");
    ent *src = get(d, sc, sort, idx, sa);
    ent copy = *src;
    ent *e = push(d, sc, sort);
    *e = copy;
    e->t = x.type;
    def *df = add_def(d, sc, D_EXPORT, at);
    df->name = nm;
    df->sort = (uint8_t)sort;
    df->a = idx;
    df->ext = x;
    if (fresh_from >= 0) {
        df->nbind = 1;
        df->rid = (uint32_t)fresh_from; /* runtime: res[x.type->rid] = res[rid] */
    }
}

/* ---- core modules ------------------------------------------------------------ */

static void module_def(dec *d, scope *sc, const uint8_t *start, size_t len) {
    hive_module *m = NULL;
    hive_error e;
    memset(&e, 0, sizeof e);
    int rc = hive_module_new(d->engine, start, len, &m, &e);
    if (rc != HIVE_OK) {
        d->p = start;
        fail_at(d, rc == HIVE_ENOMEM ? HIVE_ENOMEM : rc == HIVE_EMALFORMED ? HIVE_EMALFORMED : HIVE_EINVALID,
                start + e.offset, "%s", e.message);
    }
    /* its type, copied into the arena */
    ct_type *t = new_type(d, CT_MODULE);
    size_t ni = hive_module_import_count(m), ne = hive_module_export_count(m);
    core_named *imps = alloc(d, (ni ? ni : 1) * sizeof *imps), *exps = alloc(d, (ne ? ne : 1) * sizeof *exps);
    int ok = 1;
    for (size_t i = 0; i < ni + ne && ok; i++) {
        const char *mn = NULL, *nm;
        size_t ml = 0, nl;
        hive_externtype xt;
        core_named *cn = i < ni ? &imps[i] : &exps[i - ni];
        if (i < ni) hive_module_import(m, i, &mn, &ml, &nm, &nl, &xt);
        else hive_module_export(m, i - ni, &nm, &nl, &xt);
        if (mn) {
            char *s = alloc(d, ml + 1);
            memcpy(s, mn, ml);
            cn->mod = s;
        }
        char *s = alloc(d, nl + 1);
        memcpy(s, nm, nl);
        cn->name = s;
        cn->ext.kind = (uint8_t)xt.kind;
        switch (xt.kind) {
        case HIVE_EXTERN_FUNC:
            cn->ext.ft = core_ft(d, xt.func.params, xt.func.nparams, xt.func.results, xt.func.nresults);
            break;
        case HIVE_EXTERN_TABLE: cn->ext.elemtype = xt.elemtype; cn->ext.lim = xt.limits; break;
        case HIVE_EXTERN_MEMORY: cn->ext.lim = xt.limits; break;
        case HIVE_EXTERN_GLOBAL: cn->ext.valtype = xt.valtype; cn->ext.mut = (uint8_t)xt.mutable_; break;
        case HIVE_EXTERN_TAG: cn->ext.ft = core_ft(d, xt.func.params, xt.func.nparams, NULL, 0); break;
        }
    }
    for (size_t i = 0; i < ni && ok; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(imps[i].mod, imps[j].mod) && !strcmp(imps[i].name, imps[j].name)) {
                hive_module_release(m);
                d->p = start;
                INVALID(start, "duplicate import name `%s:%s`", imps[i].mod, imps[i].name);
            }
    t->ncimports = (uint32_t)ni;
    t->cimports = imps;
    t->ncexports = (uint32_t)ne;
    t->cexports = exps;
    ent *en = push(d, sc, S_CORE_MODULE);
    en->t = t;
    if (d->compile) {
        if (d->nmods == d->capmods) {
            uint32_t cap = d->capmods ? d->capmods * 2 : 8;
            hive_module **v = hv_realloc(d->ar->al, d->mods, cap * sizeof *v);
            if (!v) {
                hive_module_release(m);
                fail_at(d, HIVE_ENOMEM, start, "out of memory");
            }
            d->mods = v;
            d->capmods = cap;
        }
        en->midx = d->nmods;
        d->mods[d->nmods++] = m;
    } else {
        hive_module_release(m);
    }
    def *df = add_def(d, sc, D_CORE_MODULE, start);
    df->module_index = en->midx;
}

/* ---- components ---------------------------------------------------------------- */

static const comp_def *component_body(dec *d, scope *parent);

static void preamble(dec *d) {
    static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6d};
    if (d->end - d->p < 4 || memcmp(d->p, magic, 4)) MALFORMED("magic header not detected");
    d->p += 4;
    if (d->end - d->p < 4) MALFORMED("unexpected end");
    const uint8_t *v = d->p;
    if (v[2] != 0x01 || v[3] != 0x00) MALFORMED("unknown binary version and encoding combination: 0x%x and 0x%x, note: encoded as a core module", v[0] | v[1] << 8, v[2] | v[3] << 8);
    if (v[0] != 0x0d || v[1] != 0x00) MALFORMED("unknown component version: 0x%x", v[0] | v[1] << 8);
    d->p += 4;
}

static const comp_def *component_body(dec *d, scope *parent) {
    if (++d->depth > 100) fail_at(d, HIVE_ELIMIT, d->p, "component nesting too deep");
    scope sc;
    memset(&sc, 0, sizeof sc);
    sc.parent = parent;
    sc.kind = SC_COMPONENT;
    sc.id = ++d->nscopes;
    sc.rid_lo = d->comp->nrids;
    preamble(d);
    while (d->p < d->end) {
        const uint8_t *sa = d->p;
        uint8_t id = byte(d);
        uint32_t size = u32(d);
        if ((size_t)(d->end - d->p) < size) MALFORMED("section size mismatch: unexpected end");
        const uint8_t *send = d->p + size, *save_end = d->end;
        d->end = send;
        switch (id) {
        case 0: name(d); d->p = send; break;
        case 1: module_def(d, &sc, d->p, size); d->p = send; break;
        case 2: { uint32_t n = u32(d); for (uint32_t i = 0; i < n; i++) core_instance_def(d, &sc); break; }
        case 3: { uint32_t n = u32(d); for (uint32_t i = 0; i < n; i++) core_type_def(d, &sc); break; }
        case 4: {
            const comp_def *cd = component_body(d, &sc);
            ent *e = push(d, &sc, S_COMPONENT);
            e->t = cd->type;
            e->cd = cd;
            def *df = add_def(d, &sc, D_COMPONENT, sa);
            df->child = cd;
            break;
        }
        case 5: { uint32_t n = u32(d); for (uint32_t i = 0; i < n; i++) instance_def(d, &sc); break; }
        case 6: { uint32_t n = u32(d); for (uint32_t i = 0; i < n; i++) { const uint8_t *a = d->p; alias_any(d, &sc, a, 0); } break; }
        case 7: { uint32_t n = u32(d); for (uint32_t i = 0; i < n; i++) type_def(d, &sc); break; }
        case 8: { uint32_t n = u32(d); for (uint32_t i = 0; i < n; i++) canon_def(d, &sc); break; }
        case 9: INVALID(sa, "start functions require the component-model-values feature");
        case 10: { uint32_t n = u32(d); for (uint32_t i = 0; i < n; i++) { const uint8_t *a = d->p; import_decl(d, &sc, a); } break; }
        case 11: { uint32_t n = u32(d); for (uint32_t i = 0; i < n; i++) export_def(d, &sc); break; }
        case 12: INVALID(sa, "value definitions require the component-model-values feature");
        default: d->p = sa; MALFORMED("invalid section id: %u", id);
        }
        if (d->p != send) MALFORMED("section size mismatch: unexpected content after last item");
        d->end = save_end;
    }
    comp_def *cd = alloc(d, sizeof *cd);
    cd->ndefs = sc.ndefs;
    cd->defs = sc.defs;
    for (int s = 0; s < S_COUNT; s++) cd->count[s] = sc.s[s].n;
    ct_type *t = new_type(d, CT_COMPONENT);
    t->nimports = sc.imports.n;
    t->imports = sc.imports.v;
    t->nexports = sc.exports.n;
    t->exports = sc.exports.v;
    t->rid = sc.rid_lo;
    t->np = d->comp->nrids;
    cd->type = t;
    d->depth--;
    return cd;
}

int hv_comp_decode(hive_component *comp, const uint8_t *bytes, size_t len, int compile, hive_error *err) {
    dec *d = hv_calloc(comp->ar.al, 1, sizeof *d);
    if (!d) {
        if (err) {
            err->code = HIVE_ENOMEM;
            err->offset = 0;
            snprintf(err->message, sizeof err->message, "out of memory");
        }
        return HIVE_ENOMEM;
    }
    d->base = d->p = bytes;
    d->end = bytes + len;
    d->err = err;
    d->comp = comp;
    d->ar = &comp->ar;
    d->engine = comp->engine;
    d->compile = compile;
    if (err) {
        err->code = HIVE_OK;
        err->offset = 0;
        err->message[0] = '\0';
    }
    int rc = setjmp(d->jb);
    if (rc != 0) {
        for (uint32_t i = 0; i < d->nmods; i++) hive_module_release(d->mods[i]);
        if (d->mods) hv_free(comp->ar.al, d->mods);
        hv_free(comp->ar.al, d);
        return rc;
    }
    comp->root = component_body(d, NULL);
    comp->modules = d->mods;
    comp->nmodules = d->nmods;
    hv_free(comp->ar.al, d);
    return HIVE_OK;
}

/*
 * link.c -- components (load, types of imports and exports), the linker
 * (host functions and resources by interface name, semver matching) and
 * instantiation: the definitions of each (nested) component replayed in
 * order, building its runtime index spaces.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/internal.h"
#include "component/runtime.h"
#include "wasm/runtime.h"

const hv_alloc *hv_engine_alloc(hive_engine *engine) { return &engine->alloc; }


/* ---- components ------------------------------------------------------------ */

int hive_is_component(const uint8_t *bytes, size_t len) {
    if (!bytes || len < 8 || memcmp(bytes, "\0asm", 4)) return -1;
    if (bytes[6] == 1 && bytes[7] == 0) return 1;
    if (bytes[6] == 0 && bytes[7] == 0) return 0;
    return -1;
}

static int comp_new(hive_engine *engine, const uint8_t *bytes, size_t len, int compile,
                    hive_component **out, hive_error *err) {
    if (out) *out = NULL;
    if (!engine || (!bytes && len)) return HIVE_EARG;
    const hv_alloc *al = hv_engine_alloc(engine);
    hive_component *c = hv_calloc(al, 1, sizeof *c);
    if (!c) return HIVE_ENOMEM;
    c->refs = 1;
    c->engine = engine;
    c->ar.al = al;
    int rc = hv_comp_decode(c, bytes, len, compile, err);
    if (rc != HIVE_OK) {
        hv_arena_free(&c->ar);
        hv_free(al, c);
        return rc;
    }
    pthread_mutex_init(&c->pool_mu, NULL);
    if (out) *out = c;
    else hive_component_release(c);
    return HIVE_OK;
}

int hive_component_new(hive_engine *engine, const uint8_t *bytes, size_t len, hive_component **out,
                       hive_error *err) {
    if (!out) return HIVE_EARG;
    return comp_new(engine, bytes, len, 1, out, err);
}

int hive_component_validate(hive_engine *engine, const uint8_t *bytes, size_t len, hive_error *err) {
    return comp_new(engine, bytes, len, 0, NULL, err);
}

void hive_component_retain(hive_component *c) {
    if (c) __atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
}

static void memos_free(hive_component *c);

void hive_component_release(hive_component *c) {
    if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    const hv_alloc *al = c->ar.al;
    for (uint32_t i = 0; i < c->nmodules; i++) hive_module_release(c->modules[i]);
    if (c->modules) hv_free(al, c->modules);
    for (int i = 0; i < c->npool; i++) hive_exec_free(c->pool[i]);
    memos_free(c);
    pthread_mutex_destroy(&c->pool_mu);
    hv_arena_free(&c->ar);
    hv_free(al, c);
}

hive_exec *hv_comp_exec_take(hive_component *c) {
    hive_exec *e = NULL;
    pthread_mutex_lock(&c->pool_mu);
    if (c->npool) e = c->pool[--c->npool];
    pthread_mutex_unlock(&c->pool_mu);
    return e ? e : hive_exec_new(c->engine);
}

void hv_comp_exec_give(hive_component *c, hive_exec *e) {
    if (!e) return;
    hive_exec_reset(e);
    pthread_mutex_lock(&c->pool_mu);
    if (c->npool < (int)(sizeof c->pool / sizeof c->pool[0])) {
        c->pool[c->npool++] = e;
        e = NULL;
    }
    pthread_mutex_unlock(&c->pool_mu);
    hive_exec_free(e);
}

size_t hive_component_import_count(const hive_component *c) { return c ? c->root->type->nimports : 0; }
size_t hive_component_export_count(const hive_component *c) { return c ? c->root->type->nexports : 0; }

const hive_cextern *hive_component_import(const hive_component *c, size_t i, const char **name) {
    if (!c || i >= c->root->type->nimports) return NULL;
    if (name) *name = c->root->type->imports[i].name;
    return &c->root->type->imports[i].ext;
}

const hive_cextern *hive_component_export(const hive_component *c, size_t i, const char **name) {
    if (!c || i >= c->root->type->nexports) return NULL;
    if (name) *name = c->root->type->exports[i].name;
    return &c->root->type->exports[i].ext;
}

hive_csort hive_cextern_sort(const hive_cextern *x) {
    switch (x->sort) {
    case S_CORE_MODULE: return HIVE_CSORT_MODULE;
    case S_FUNC: return HIVE_CSORT_FUNC;
    case S_VALUE: return HIVE_CSORT_VALUE;
    case S_TYPE: return HIVE_CSORT_TYPE;
    case S_COMPONENT: return HIVE_CSORT_COMPONENT;
    default: return HIVE_CSORT_INSTANCE;
    }
}

size_t hive_cextern_member_count(const hive_cextern *x, int imports) {
    if (!x || (x->sort != S_INSTANCE && x->sort != S_COMPONENT)) return 0;
    return imports ? x->type->nimports : x->type->nexports;
}

const hive_cextern *hive_cextern_member(const hive_cextern *x, int imports, size_t i, const char **name) {
    if (i >= hive_cextern_member_count(x, imports)) return NULL;
    const ct_named *v = imports ? x->type->imports : x->type->exports;
    if (name) *name = v[i].name;
    return &v[i].ext;
}

/* ct_type -> hive_ctype; resources are identified by their rid's
 * address (unique within the component) or, in host signatures, the host
 * resource. */
static hive_ctype *to_hctype(const ct_type *t) {
    if (!t) return NULL;
    hive_ctype *r = NULL;
    switch (t->kind) {
    case CT_BOOL: return hive_ctype_prim(HIVE_C_BOOL);
    case CT_S8: return hive_ctype_prim(HIVE_C_S8);
    case CT_U8: return hive_ctype_prim(HIVE_C_U8);
    case CT_S16: return hive_ctype_prim(HIVE_C_S16);
    case CT_U16: return hive_ctype_prim(HIVE_C_U16);
    case CT_S32: return hive_ctype_prim(HIVE_C_S32);
    case CT_U32: return hive_ctype_prim(HIVE_C_U32);
    case CT_S64: return hive_ctype_prim(HIVE_C_S64);
    case CT_U64: return hive_ctype_prim(HIVE_C_U64);
    case CT_F32: return hive_ctype_prim(HIVE_C_F32);
    case CT_F64: return hive_ctype_prim(HIVE_C_F64);
    case CT_CHAR: return hive_ctype_prim(HIVE_C_CHAR);
    case CT_STRING: return hive_ctype_prim(HIVE_C_STRING);
    case CT_ERRCTX: return hive_ctype_prim(HIVE_C_ERROR_CONTEXT);
    case CT_LIST: return t->n ? hive_ctype_fixed_list(to_hctype(t->a), t->n) : hive_ctype_list(to_hctype(t->a));
    case CT_OPTION: return hive_ctype_option(to_hctype(t->a));
    case CT_RESULT: return hive_ctype_result(to_hctype(t->a), to_hctype(t->b));
    case CT_MAP: return hive_ctype_map(to_hctype(t->a), to_hctype(t->b));
    case CT_STREAM: return hive_ctype_async(HIVE_C_STREAM, to_hctype(t->a));
    case CT_FUTURE: return hive_ctype_async(HIVE_C_FUTURE, to_hctype(t->a));
    case CT_OWN: case CT_BORROW:
        return hive_ctype_handle(t->kind == CT_OWN ? HIVE_C_OWN : HIVE_C_BORROW,
                                 t->hres ? t->hres : t->rid_id,
                                 t->labels ? t->labels[0] : NULL);
    case CT_ENUM: return hive_ctype_enum(t->n, t->labels);
    case CT_FLAGS: return hive_ctype_flags(t->n, t->labels);
    case CT_RECORD: case CT_TUPLE: case CT_VARIANT: {
        hive_ctype **ts = calloc(t->n, sizeof *ts);
        if (!ts) return NULL;
        for (uint32_t i = 0; i < t->n; i++) ts[i] = to_hctype(t->types[i]);
        if (t->kind == CT_RECORD) r = hive_ctype_record(t->n, t->labels, ts);
        else if (t->kind == CT_TUPLE) r = hive_ctype_tuple(t->n, ts);
        else r = hive_ctype_variant(t->n, t->labels, ts);
        free(ts);
        return r;
    }
    default: return NULL;
    }
}

size_t hive_cextern_func_param_count(const hive_cextern *x) {
    return x && x->sort == S_FUNC ? x->type->n : 0;
}

hive_ctype *hive_cextern_func_param(const hive_cextern *x, size_t i, const char **name) {
    if (!x || x->sort != S_FUNC || i >= x->type->n) return NULL;
    if (name) *name = x->type->labels[i];
    return to_hctype(x->type->types[i]);
}

hive_ctype *hive_cextern_func_result(const hive_cextern *x) {
    if (!x) return NULL;
    if (x->sort == S_FUNC) return to_hctype(x->type->a);
    if (x->sort == S_TYPE && hv_ct_is_value(x->type)) return to_hctype(x->type);
    return NULL;
}

int hive_cextern_func_async(const hive_cextern *x) { return x && x->sort == S_FUNC && x->type->async_; }

typedef struct sbuf {
    char *p;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char tmp[512];
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0) return;
    if ((size_t)k >= sizeof tmp) k = sizeof tmp - 1;
    if (b->n + (size_t)k + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 128) + (size_t)k;
        char *p = realloc(b->p, cap);
        if (!p) { b->oom = 1; return; }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, tmp, (size_t)k + 1);
    b->n += (size_t)k;
}

static void fmt_type(sbuf *b, const ct_type *t) {
    hive_ctype *h = to_hctype(t);
    char *s = NULL;
    if (h && hive_ctype_format(h, &s) == HIVE_OK) sb_add(b, "%s", s);
    else sb_add(b, "?");
    free(s);
    hive_ctype_release(h);
}

static void fmt_ext(sbuf *b, const ct_extern *x, int depth) {
    const ct_type *t = x->type;
    switch (x->sort) {
    case S_FUNC:
        sb_add(b, "%sfunc(", t->async_ ? "async " : "");
        for (uint32_t i = 0; i < t->n; i++) {
            sb_add(b, "%s%s: ", i ? ", " : "", t->labels[i]);
            fmt_type(b, t->types[i]);
        }
        sb_add(b, ")");
        if (t->a) {
            sb_add(b, " -> ");
            fmt_type(b, t->a);
        }
        return;
    case S_TYPE:
        if (t->kind == CT_RESOURCE) sb_add(b, "resource");
        else if (hv_ct_is_value(t)) { sb_add(b, "type "); fmt_type(b, t); }
        else sb_add(b, "type");
        return;
    case S_INSTANCE: case S_COMPONENT:
        sb_add(b, x->sort == S_INSTANCE ? "instance {" : "component {");
        if (depth > 8) { sb_add(b, " ... }"); return; }
        for (int imp = 1; imp >= 0; imp--) {
            uint32_t n = imp ? t->nimports : t->nexports;
            const ct_named *v = imp ? t->imports : t->exports;
            for (uint32_t i = 0; i < n; i++) {
                sb_add(b, " %s %s: ", imp ? "import" : "export", v[i].name);
                fmt_ext(b, &v[i].ext, depth + 1);
                sb_add(b, ";");
            }
        }
        sb_add(b, " }");
        return;
    case S_CORE_MODULE: sb_add(b, "core module"); return;
    default: sb_add(b, "value"); return;
    }
}

char *hive_cextern_format(const hive_cextern *x) {
    if (!x) return NULL;
    sbuf b = {0};
    fmt_ext(&b, x, 0);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* ---- linker ------------------------------------------------------------------ */

hive_linker *hive_linker_new(hive_engine *engine) {
    if (!engine) return NULL;
    hive_linker *l = hv_calloc(hv_engine_alloc(engine), 1, sizeof *l);
    if (l) {
        l->engine = engine;
        l->ar.al = hv_engine_alloc(engine);
    }
    return l;
}

void hive_linker_free(hive_linker *l) {
    if (!l) return;
    const hv_alloc *al = l->ar.al;
    if (l->funcs) hv_free(al, l->funcs);
    if (l->fnext) hv_free(al, l->fnext);
    if (l->res) hv_free(al, l->res);
    if (l->insts) hv_free(al, l->insts);
    hv_arena_free(&l->ar);
    hv_free(al, l);
}

static char *ldup(hive_linker *l, const char *s) {
    if (!s) s = "";
    size_t n = strlen(s);
    char *d = hv_arena_alloc(&l->ar, n + 1);
    if (d) memcpy(d, s, n + 1);
    return d;
}

/* Splits "ns:pkg/iface@1.2.3" into base length and version numbers. */
static int parse_ver(const char *s, size_t *baselen, unsigned v[3], const char **pre) {
    const char *at = strchr(s, '@');
    *pre = NULL;
    if (!at) {
        *baselen = strlen(s);
        return 0;
    }
    *baselen = (size_t)(at - s);
    const char *p = at + 1;
    for (int i = 0; i < 3; i++) {
        char *e;
        unsigned long x = strtoul(p, &e, 10);
        if (e == p) return -1;
        v[i] = (unsigned)x;
        p = e;
        if (i < 2) {
            if (*p != '.') return -1;
            p++;
        }
    }
    if (*p) *pre = p;
    return 1;
}

int hv_semver_match(const char *want, const char *have) {
    if (!strcmp(want, have)) return 1;
    size_t bw, bh;
    unsigned vw[3], vh[3];
    const char *pw, *ph;
    int hw = parse_ver(want, &bw, vw, &pw), hh = parse_ver(have, &bh, vh, &ph);
    if (hw != 1 || hh != 1 || bw != bh || memcmp(want, have, bw)) return 0;
    if (pw || ph) return 0; /* prereleases match only exactly */
    if (vw[0] != vh[0]) return 0;
    if (vw[0] == 0) {
        if (vw[1] != vh[1]) return 0;
        if (vw[1] == 0) return vw[2] == vh[2];
        return vh[2] >= vw[2];
    }
    if (vh[1] != vw[1]) return vh[1] > vw[1];
    return vh[2] >= vw[2];
}

/* The best definition: exact, else the newest compatible. */
static int better(const char *cur, const char *cand) {
    if (!cur) return 1;
    size_t b;
    unsigned a[3], c[3];
    const char *p;
    if (parse_ver(cur, &b, a, &p) != 1 || parse_ver(cand, &b, c, &p) != 1) return 0;
    return memcmp(c, a, sizeof c) > 0 &&
           (c[0] > a[0] || (c[0] == a[0] && (c[1] > a[1] || (c[1] == a[1] && c[2] > a[2]))));
}

static uint32_t name_hash(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
    return h % LINKER_BUCKETS;
}

const host_func *hv_linker_find_func(const hive_linker *l, const char *iface, const char *name) {
    if (!l) return NULL;
    const host_func *best = NULL;
    for (uint32_t i1 = l->fbucket[name_hash(name)]; i1; i1 = l->fnext[i1 - 1]) {
        const host_func *h = &l->funcs[i1 - 1];
        if (strcmp(h->name, name)) continue;
        if (!strcmp(h->iface, iface)) return h;
        if (hv_semver_match(iface, h->iface) && (!best || better(best->iface, h->iface))) best = h;
    }
    return best;
}

host_res *hv_linker_find_res(const hive_linker *l, const char *iface, const char *name) {
    if (!l) return NULL;
    host_res *best = NULL;
    for (uint32_t i = 0; i < l->nres; i++) {
        host_res *r = l->res[i];
        if (strcmp(r->name, name)) continue;
        if (!strcmp(r->iface, iface)) return r;
        if (hv_semver_match(iface, r->iface) && (!best || better(best->iface, r->iface))) best = r;
    }
    return best;
}

hive_cinstance *hv_linker_find_inst(const hive_linker *l, const char *name) {
    if (!l) return NULL;
    hive_cinstance *best = NULL;
    const char *bn = NULL;
    for (uint32_t i = 0; i < l->ninsts; i++) {
        if (!strcmp(l->insts[i].name, name)) return l->insts[i].inst;
        if (hv_semver_match(name, l->insts[i].name) && (!bn || better(bn, l->insts[i].name))) {
            best = l->insts[i].inst;
            bn = l->insts[i].name;
        }
    }
    return best;
}

/* A linker's state changed: a new generation, never seen before by any
 * linker (so a memo of a freed linker never matches one at its address). */
static void linker_renew(hive_linker *l) {
    static _Atomic uint64_t gens;
    l->gen = atomic_fetch_add(&gens, 1) + 1;
}

int hive_linker_define_func(hive_linker *l, const char *iface, const char *name, const char *type,
                            hive_chost_fn fn, void *user) {
    if (!l || !name || !fn) return HIVE_EARG;
    if (!iface) iface = "";
    for (uint32_t i1 = l->fbucket[name_hash(name)]; i1; i1 = l->fnext[i1 - 1])
        if (!strcmp(l->funcs[i1 - 1].iface, iface) && !strcmp(l->funcs[i1 - 1].name, name)) return HIVE_EARG;
    const ct_type *ft = NULL;
    if (type) {
        ft = hv_parse_host_type(l, iface, type);
        if (!ft) return HIVE_EARG;
    }
    if (l->nfuncs == l->capfuncs) {
        uint32_t cap = l->capfuncs ? l->capfuncs * 2 : 16;
        host_func *v = hv_realloc(l->ar.al, l->funcs, cap * sizeof *v);
        if (!v) return HIVE_ENOMEM;
        l->funcs = v;
        uint32_t *nx = hv_realloc(l->ar.al, l->fnext, cap * sizeof *nx);
        if (!nx) return HIVE_ENOMEM;
        l->fnext = nx;
        l->capfuncs = cap;
    }
    host_func *h = &l->funcs[l->nfuncs];
    h->iface = ldup(l, iface);
    h->name = ldup(l, name);
    if (!h->iface || !h->name) return HIVE_ENOMEM;
    h->ft = ft;
    h->fn = fn;
    h->user = user;
    uint32_t b = name_hash(name);
    l->fnext[l->nfuncs] = l->fbucket[b];
    l->fbucket[b] = l->nfuncs + 1;
    l->nfuncs++;
    linker_renew(l);
    return HIVE_OK;
}

int hive_linker_define_resource(hive_linker *l, const char *iface, const char *name,
                                const hive_host_resource *res) {
    if (!l || !name) return HIVE_EARG;
    if (!iface) iface = "";
    for (uint32_t i = 0; i < l->nres; i++)
        if (!strcmp(l->res[i]->iface, iface) && !strcmp(l->res[i]->name, name)) return HIVE_EARG;
    if (l->nres == l->capres) {
        uint32_t cap = l->capres ? l->capres * 2 : 16;
        host_res **v = hv_realloc(l->ar.al, l->res, cap * sizeof *v);
        if (!v) return HIVE_ENOMEM;
        l->res = v;
        l->capres = cap;
    }
    host_res *r = hv_arena_alloc(&l->ar, sizeof *r);
    if (!r) return HIVE_ENOMEM;
    r->iface = ldup(l, iface);
    r->name = ldup(l, name);
    if (res) r->r = *res;
    r->r.name = r->name;
    r->rt.host = &r->r;
    r->rt.name = r->name;
    l->res[l->nres++] = r;
    linker_renew(l);
    return HIVE_OK;
}

void *hive_linker_alloc(hive_linker *l, size_t size) {
    if (!l) return NULL;
    if (size > ((size_t)1 << 30)) return NULL;
    return hv_arena_alloc(&l->ar, size ? size : 1);
}

int hive_linker_define_instance(hive_linker *l, const char *name, hive_cinstance *inst) {
    if (!l || !name || !inst) return HIVE_EARG;
    if (l->ninsts == l->capinsts) {
        uint32_t cap = l->capinsts ? l->capinsts * 2 : 8;
        host_inst *v = hv_realloc(l->ar.al, l->insts, cap * sizeof *v);
        if (!v) return HIVE_ENOMEM;
        l->insts = v;
        l->capinsts = cap;
    }
    l->insts[l->ninsts].name = ldup(l, name);
    l->insts[l->ninsts].inst = inst;
    l->ninsts++;
    linker_renew(l);
    return HIVE_OK;
}

const void *hive_linker_resource_id(const hive_linker *l, const char *iface, const char *name) {
    host_res *r = hv_linker_find_res(l, iface ? iface : "", name);
    return r ? (const void *)&r->rt : NULL;
}

/* ---- instantiation ---------------------------------------------------------------- */

typedef struct ictx {
    hive_cinstance *root;
    hive_error *err;
    jmp_buf jb;
    uint32_t find_hint; /* inst_find_next: where the last alias was found */
} ictx;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static _Noreturn void ifail(ictx *x, int code, const char *fmt, ...) {
    if (x->err) {
        x->err->code = code;
        x->err->offset = 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(x->err->message, sizeof x->err->message, fmt, ap);
        va_end(ap);
    }
    longjmp(x->jb, code);
}

static void *ialloc(ictx *x, size_t n) {
    void *p = hv_arena_alloc(&x->root->ar, n ? n : 1);
    if (!p) ifail(x, HIVE_ENOMEM, "out of memory");
    return p;
}

static void track_func(ictx *x, hive_func *f) {
    hive_cinstance *r = x->root;
    if (!f) ifail(x, HIVE_ENOMEM, "out of memory");
    if (r->nhfuncs == r->caphfuncs) {
        uint32_t cap = r->caphfuncs ? r->caphfuncs * 2 : 16;
        hive_func **v = hv_realloc(r->ar.al, r->hfuncs, cap * sizeof *v);
        if (!v) {
            hive_func_free(f);
            ifail(x, HIVE_ENOMEM, "out of memory");
        }
        r->hfuncs = v;
        r->caphfuncs = cap;
    }
    r->hfuncs[r->nhfuncs++] = f;
}

static void track_core(ictx *x, hive_instance *inst) {
    hive_cinstance *r = x->root;
    if (r->ncores == r->capcores) {
        uint32_t cap = r->capcores ? r->capcores * 2 : 8;
        hive_instance **v = hv_realloc(r->ar.al, r->cores, cap * sizeof *v);
        if (!v) {
            hive_instance_free(inst);
            ifail(x, HIVE_ENOMEM, "out of memory");
        }
        r->cores = v;
        r->capcores = cap;
    }
    r->cores[r->ncores++] = inst;
}

static rt_item *push_item(cinst *ci, int sort) {
    return &ci->sp[sort][ci->nsp[sort]++];
}

static const rt_item *inst_find(const rt_inst *in, const char *name) {
    for (uint32_t i = 0; i < in->n; i++)
        if (!strcmp(in->names[i], name)) return &in->items[i];
    return NULL;
}

/* inst_find, searching from just after the last find: a component's
 * aliases mostly name an instance's exports in order. */
static const rt_item *inst_find_next(ictx *x, const rt_inst *in, const char *name) {
    uint32_t n = in->n, at = x->find_hint + 1 < n ? x->find_hint + 1 : 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = at + k < n ? at + k : at + k - n;
        if (!strcmp(in->names[i], name)) {
            x->find_hint = i;
            return &in->items[i];
        }
    }
    return NULL;
}

/* Resource identities: an import's abstract resources take the provided
 * ones. */
static void bind_rids(cinst *ci, const ct_extern *x, const rt_item *it) {
    if (x->sort == S_TYPE && x->type->kind == CT_RESOURCE) {
        if (it->of.res) ci->res[x->type->rid] = it->of.res;
        return;
    }
    if (x->sort == S_INSTANCE && it->sort == S_INSTANCE && it->of.inst) {
        for (uint32_t i = 0; i < x->type->nexports; i++) {
            const rt_item *m = inst_find(it->of.inst, x->type->exports[i].name);
            if (m) bind_rids(ci, &x->type->exports[i].ext, m);
        }
    }
}

/* Equality of types from two instances (or a host signature, cb NULL):
 * resources compare by their runtime identity. */
static int rt_eq(const ct_type *a, cinst *ca, const ct_type *b, cinst *cb) {
    if (!a || !b) return a == b;
    if (a->kind != b->kind) return 0;
    switch (a->kind) {
    case CT_OWN: case CT_BORROW: {
        const void *ra = ca->res[a->rid];
        const void *rb = cb ? (const void *)cb->res[b->rid] : b->hres;
        return ra && ra == rb;
    }
    case CT_LIST: return a->n == b->n && rt_eq(a->a, ca, b->a, cb);
    case CT_OPTION: case CT_RESULT: case CT_MAP: case CT_STREAM: case CT_FUTURE:
        return rt_eq(a->a, ca, b->a, cb) && rt_eq(a->b, ca, b->b, cb);
    case CT_RECORD: case CT_VARIANT: case CT_TUPLE: case CT_FLAGS: case CT_ENUM: case CT_FUNC:
        if (a->n != b->n) return 0;
        for (uint32_t i = 0; i < a->n; i++) {
            if (a->labels && strcmp(a->labels[i], b->labels[i])) return 0;
            if (a->types && !rt_eq(a->types[i], ca, b->types[i], cb)) return 0;
        }
        if (a->kind == CT_FUNC) return a->async_ == b->async_ && rt_eq(a->a, ca, b->a, cb);
        return 1;
    default: return 1;
    }
}

static void fmt_name(char *buf, size_t n, const char *iface, const char *name) {
    if (iface && *iface) snprintf(buf, n, "%s#%s", iface, name);
    else snprintf(buf, n, "%s", name);
}

static rt_func *host_rt_func(ictx *x, cinst *ci, const char *iface, const char *name, const ct_type *ft) {
    char nm[300];
    const host_func *h = hv_linker_find_func(x->root->linker, iface ? iface : "", name);
    if (!h) {
        fmt_name(nm, sizeof nm, iface, name);
        ifail(x, HIVE_EUNLINKABLE, "import `%s` has no definition in the linker", nm);
    }
    if (h->ft && !rt_eq(ft, ci, h->ft, NULL)) {
        fmt_name(nm, sizeof nm, iface, name);
        sbuf a = {0}, b = {0};
        ct_extern ea = {S_FUNC, ft}, eb = {S_FUNC, h->ft};
        fmt_ext(&a, &ea, 0);
        fmt_ext(&b, &eb, 0);
        char m[512];
        snprintf(m, sizeof m, "import `%.60s` has the wrong type: the component expects %.80s, the host defines %.80s",
                 nm, a.p ? a.p : "?", b.p ? b.p : "?");
        free(a.p);
        free(b.p);
        ifail(x, HIVE_EUNLINKABLE, "%s", m);
    }
    rt_func *f = ialloc(x, sizeof *f);
    f->kind = F_HOST;
    f->ft = ft;
    f->host = h;
    f->name = h->name;
    f->ext.sort = S_FUNC;
    f->ext.type = ft;
    return f;
}

/* The host functions an instance import of the root resolved to, for one
 * linker state: the next instance with that linker takes them without
 * looking each up by name and checking its type again (both gave the
 * same answer: they depend on the component and the linker only). */
typedef struct import_memo {
    struct import_memo *next;
    const ct_extern *ext; /* the import */
    const hive_linker *linker;
    uint64_t gen;
    uint32_t n;
    const host_func *funcs[]; /* per export of the import's type (NULL: not a function) */
} import_memo;

/* A copy (in the instance's arena: the memo may be replaced meanwhile) of
 * the memo of ext for l's current state with n entries; NULL when none. */
static const host_func **memo_take(ictx *x, const ct_extern *ext, const hive_linker *l, uint32_t n) {
    if (!l || !l->gen) return NULL;
    hive_component *c = x->root->comp;
    const host_func **funcs = NULL;
    pthread_mutex_lock(&c->pool_mu);
    for (const import_memo *m = c->memos; m; m = m->next) {
        if (m->ext != ext) continue;
        if (m->linker == l && m->gen == l->gen && m->n == n) {
            funcs = hv_arena_alloc(&x->root->ar, (n + 1) * sizeof *funcs);
            if (funcs) memcpy(funcs, m->funcs, n * sizeof *funcs);
        }
        break;
    }
    pthread_mutex_unlock(&c->pool_mu);
    return funcs;
}

/* Records what in (the import's items) resolved to; best effort. */
static void memo_add(hive_component *c, const ct_extern *ext, const hive_linker *l, const rt_inst *in) {
    if (!l || !l->gen) return;
    const hv_alloc *al = c->ar.al;
    import_memo *m = hv_malloc(al, sizeof *m + (in->n + 1) * sizeof m->funcs[0]);
    if (!m) return;
    m->ext = ext;
    m->linker = l;
    m->gen = l->gen;
    m->n = in->n;
    for (uint32_t i = 0; i < in->n; i++) {
        const rt_item *it = &in->items[i];
        m->funcs[i] = it->sort == S_FUNC && it->of.func && it->of.func->kind == F_HOST ? it->of.func->host : NULL;
    }
    pthread_mutex_lock(&c->pool_mu);
    /* one memo per import: a newer linker state replaces the older */
    import_memo **pp = &c->memos;
    while (*pp && (*pp)->ext != ext) pp = &(*pp)->next;
    import_memo *old = *pp;
    m->next = old ? old->next : NULL;
    *pp = m;
    pthread_mutex_unlock(&c->pool_mu);
    hv_free(al, old);
}

static void memos_free(hive_component *c) {
    while (c->memos) {
        import_memo *m = c->memos;
        c->memos = m->next;
        hv_free(c->ar.al, m);
    }
}

/* host_rt_func for a definition found and checked before (import_memo). */
static rt_func *host_rt_func_known(ictx *x, const host_func *h, const ct_type *ft) {
    rt_func *f = ialloc(x, sizeof *f);
    f->kind = F_HOST;
    f->ft = ft;
    f->host = h;
    f->name = h->name;
    f->ext.sort = S_FUNC;
    f->ext.type = ft;
    return f;
}

/* An import of the root component, from the linker. */
static rt_item resolve_import(ictx *x, cinst *ci, const char *name, const ct_extern *ext) {
    rt_item it;
    memset(&it, 0, sizeof it);
    it.sort = ext->sort;
    const hive_linker *l = x->root->linker;
    hive_cinstance *other = hv_linker_find_inst(l, name);
    if (other && ext->sort == S_INSTANCE) {
        /* another instance's exports, checked member by member */
        rt_inst *in = other->top->exports;
        for (uint32_t i = 0; i < ext->type->nexports; i++) {
            const ct_named *m = &ext->type->exports[i];
            const rt_item *have = inst_find(in, m->name);
            if (!have || have->sort != m->ext.sort)
                ifail(x, HIVE_EUNLINKABLE, "import `%s`: the linked instance has no %s export `%s`", name,
                      m->ext.sort == S_FUNC ? "function" : "matching", m->name);
            if (m->ext.sort == S_TYPE && m->ext.type->kind == CT_RESOURCE) ci->res[m->ext.type->rid] = have->of.res;
        }
        for (uint32_t i = 0; i < ext->type->nexports; i++) {
            const ct_named *m = &ext->type->exports[i];
            const rt_item *have = inst_find(in, m->name);
            if (m->ext.sort == S_FUNC) {
                rt_func *hf = have->of.func;
                cinst *owner = hf->kind == F_LIFTED ? hf->inst : NULL;
                if (owner && !rt_eq(m->ext.type, ci, hf->ft, owner))
                    ifail(x, HIVE_EUNLINKABLE, "import `%s`: export `%s` has the wrong type", name, m->name);
            }
        }
        it.of.inst = in;
        return it;
    }
    switch (ext->sort) {
    case S_FUNC:
        it.of.func = host_rt_func(x, ci, "", name, ext->type);
        return it;
    case S_TYPE:
        if (ext->type->kind == CT_RESOURCE) {
            host_res *r = hv_linker_find_res(l, "", name);
            if (!r) ifail(x, HIVE_EUNLINKABLE, "import `%s`: no resource of that name in the linker", name);
            it.of.res = &r->rt;
            ci->res[ext->type->rid] = &r->rt;
        }
        it.type = ext->type;
        return it;
    case S_INSTANCE: {
        const ct_type *t = ext->type;
        const host_func **memo = memo_take(x, ext, l, t->nexports);
        rt_inst *in = ialloc(x, sizeof *in);
        in->n = t->nexports;
        in->names = ialloc(x, (t->nexports + 1) * sizeof *in->names);
        in->items = ialloc(x, (t->nexports + 1) * sizeof *in->items);
        /* resources first: function types refer to them */
        for (int pass = 0; pass < 2; pass++) {
            for (uint32_t i = 0; i < t->nexports; i++) {
                const ct_named *m = &t->exports[i];
                rt_item *mi = &in->items[i];
                in->names[i] = m->name;
                mi->sort = m->ext.sort;
                if (pass == 0 && m->ext.sort == S_TYPE) {
                    mi->type = m->ext.type;
                    if (m->ext.type->kind == CT_RESOURCE && ci->res[m->ext.type->rid]) {
                        /* (eq R) of a resource bound by an earlier import */
                        mi->of.res = ci->res[m->ext.type->rid];
                    } else if (m->ext.type->kind == CT_RESOURCE) {
                        host_res *r = hv_linker_find_res(l, name, m->name);
                        if (!r)
                            ifail(x, HIVE_EUNLINKABLE, "import `%s` has no definition for resource `%s` in the linker", name, m->name);
                        mi->of.res = &r->rt;
                        ci->res[m->ext.type->rid] = &r->rt;
                    }
                } else if (pass == 1 && m->ext.sort == S_FUNC) {
                    mi->of.func = memo && memo[i] ? host_rt_func_known(x, memo[i], m->ext.type)
                                                  : host_rt_func(x, ci, name, m->name, m->ext.type);
                } else if (pass == 1 && m->ext.sort != S_TYPE) {
                    ifail(x, HIVE_EUNLINKABLE, "import `%s`: exports of kind %s are not supported from the host", name,
                          m->ext.sort == S_INSTANCE ? "instance" : "component or module");
                }
            }
        }
        if (!memo) memo_add(x->root->comp, ext, l, in);
        it.of.inst = in;
        return it;
    }
    default:
        ifail(x, HIVE_EUNLINKABLE, "import `%s`: the host cannot provide a %s", name,
              ext->sort == S_COMPONENT ? "component" : ext->sort == S_CORE_MODULE ? "core module" : "value");
    }
}

static void *core_of(ictx *x, cinst *ci, int sort, uint32_t idx) {
    (void)x;
    return ci->sp[sort][idx].of.p;
}

static hive_extern core_extern(cinst *ci, int sort, uint32_t idx) {
    hive_extern e;
    memset(&e, 0, sizeof e);
    switch (sort) {
    case S_CORE_FUNC: e.kind = HIVE_EXTERN_FUNC; e.of.func = ci->sp[sort][idx].of.p; break;
    case S_CORE_TABLE: e.kind = HIVE_EXTERN_TABLE; e.of.table = ci->sp[sort][idx].of.p; break;
    case S_CORE_MEMORY: e.kind = HIVE_EXTERN_MEMORY; e.of.memory = ci->sp[sort][idx].of.p; break;
    case S_CORE_GLOBAL: e.kind = HIVE_EXTERN_GLOBAL; e.of.global = ci->sp[sort][idx].of.p; break;
    default: e.kind = HIVE_EXTERN_TAG; e.of.tag = ci->sp[sort][idx].of.p; break;
    }
    return e;
}

static int core_inst_export(rt_core_inst *ri, const char *name, size_t len, hive_extern *out) {
    if (ri->inst) return hive_instance_export(ri->inst, name, len, out) == HIVE_OK;
    for (uint32_t i = 0; i < ri->n; i++)
        if (ri->lens[i] == len && !memcmp(ri->names[i], name, len)) {
            *out = ri->ext[i];
            return 1;
        }
    return 0;
}

static cinst *new_cinst(ictx *x, cinst *parent, const comp_def *cd) {
    hive_cinstance *root = x->root;
    cinst *ci = ialloc(x, sizeof *ci);
    ci->root = root;
    ci->parent = parent;
    ci->def = cd;
    ci->may_enter = ci->may_leave = 1;
    for (int s = 0; s < S_COUNT; s++) ci->sp[s] = ialloc(x, (cd->count[s] + 1) * sizeof(rt_item));
    ci->res = ialloc(x, (root->comp->nrids + 1) * sizeof *ci->res);
    ci->handles.al = root->ar.al;
    ci->next_all = root->all;
    root->all = ci;
    return ci;
}

typedef struct import_args {
    uint32_t n;
    const def_arg *args;
    cinst *from; /* parent whose spaces hold the arguments */
} import_args;

static void run_component(ictx *x, cinst *ci, const import_args *ia);

static const char *canon_name(uint8_t op) {
    switch (op) {
    case 0x24: return "backpressure.inc";
    case 0x25: return "backpressure.dec";
    case 0x09: return "task.return";
    case 0x05: return "task.cancel";
    case 0x0a: return "context.get";
    case 0x0b: return "context.set";
    case 0x06: return "subtask.cancel";
    case 0x0d: return "subtask.drop";
    case 0x0e: return "stream.new";
    case 0x0f: return "stream.read";
    case 0x10: return "stream.write";
    case 0x11: return "stream.cancel-read";
    case 0x12: return "stream.cancel-write";
    case 0x13: return "stream.drop-readable";
    case 0x14: return "stream.drop-writable";
    case 0x15: return "future.new";
    case 0x16: return "future.read";
    case 0x17: return "future.write";
    case 0x18: return "future.cancel-read";
    case 0x19: return "future.cancel-write";
    case 0x1a: return "future.drop-readable";
    case 0x1b: return "future.drop-writable";
    case 0x1c: return "error-context.new";
    case 0x1d: return "error-context.debug-message";
    case 0x1e: return "error-context.drop";
    case 0x1f: return "waitable-set.new";
    case 0x20: return "waitable-set.wait";
    case 0x21: return "waitable-set.poll";
    case 0x22: return "waitable-set.drop";
    case 0x23: return "waitable.join";
    case 0x26: return "thread.index";
    case 0x27: return "thread.new-indirect";
    case 0x28: return "thread.resume-later";
    case 0x29: return "thread.suspend";
    case 0x0c: return "thread.yield";
    case CANON_RESOURCE_NEW: return "resource.new";
    case CANON_RESOURCE_DROP: return "resource.drop";
    case CANON_RESOURCE_REP: return "resource.rep";
    default: return "thread built-in";
    }
}

static void do_canon(ictx *x, cinst *ci, const def *df) {
    hive_cinstance *root = x->root;
    const canon_opts *o = &df->opts;
    hive_memory *mem = o->memory >= 0 ? ci->sp[S_CORE_MEMORY][o->memory].of.p : NULL;
    hive_func *rea = o->realloc >= 0 ? ci->sp[S_CORE_FUNC][o->realloc].of.p : NULL;
    if (df->canon == CANON_LIFT) {
        rt_func *f = ialloc(x, sizeof *f);
        f->kind = F_LIFTED;
        f->ft = df->type;
        f->inst = ci;
        f->core = ci->sp[S_CORE_FUNC][df->a].of.p;
        f->memory = mem;
        f->realloc = rea;
        f->post_return = o->post_return >= 0 ? ci->sp[S_CORE_FUNC][o->post_return].of.p : NULL;
        f->enc = o->enc;
        f->async_lift = o->async_; /* async ABI (async.c) */
        f->callback = o->callback >= 0 ? ci->sp[S_CORE_FUNC][o->callback].of.p : NULL;
        f->ext.sort = S_FUNC;
        f->ext.type = df->type;
        rt_item *it = push_item(ci, S_FUNC);
        it->sort = S_FUNC;
        it->of.func = f;
        return;
    }
    hive_func *hf;
    if (df->canon == CANON_LOWER && !o->async_) {
        rt_func *callee = ci->sp[S_FUNC][df->a].of.func;
        lower_ctx *lx = hv_make_lower_ctx(&root->ar, ci, callee, df->type, mem, rea, o->enc);
        if (!lx) ifail(x, HIVE_ENOMEM, "out of memory");
        hive_functype ft = {df->core_ft->np, df->core_ft->nr, df->core_ft->p, df->core_ft->r};
        hf = hive_func_new_host(root->engine, &ft, hv_lowered_fn(), lx, NULL,
                                callee->name ? callee->name : "canon lower");
    } else if ((hf = hv_casync_builtin(root, ci, df)) != NULL) {
        /* async ABI built-ins and async lowers (async.c) */
    } else {
        uint8_t op = df->canon == CANON_LOWER ? 0xff : df->canon;
        hf = hv_make_builtin(root, ci, op, df->rid, df->core_ft, op == 0xff ? "canon lower async" : canon_name(op));
    }
    track_func(x, hf);
    rt_item *it = push_item(ci, S_CORE_FUNC);
    it->sort = S_CORE_FUNC;
    it->of.p = hf;
}

static void run_component(ictx *x, cinst *ci, const import_args *ia) {
    hive_cinstance *root = x->root;
    const comp_def *cd = ci->def;
    rt_inst *exports = ialloc(x, sizeof *exports);
    exports->names = ialloc(x, (cd->type->nexports + 1) * sizeof *exports->names);
    exports->items = ialloc(x, (cd->type->nexports + 1) * sizeof *exports->items);
    exports->owner = ci;
    ci->exports = exports;
    for (uint32_t di = 0; di < cd->ndefs; di++) {
        const def *df = &cd->defs[di];
        switch (df->kind) {
        case D_CORE_MODULE: {
            rt_item *it = push_item(ci, S_CORE_MODULE);
            it->of.module = root->comp->modules[df->module_index];
            break;
        }
        case D_CORE_TYPE: push_item(ci, S_CORE_TYPE); break;
        case D_CORE_INSTANTIATE: {
            hive_module *m = ci->sp[S_CORE_MODULE][df->a].of.module;
            size_t n = hive_module_import_count(m);
            hive_extern *imps = hv_calloc(root->ar.al, n ? n : 1, sizeof *imps);
            if (!imps) ifail(x, HIVE_ENOMEM, "out of memory");
            for (size_t i = 0; i < n; i++) {
                const char *mn, *nm;
                size_t ml, nl;
                hive_externtype xt;
                hive_module_import(m, i, &mn, &ml, &nm, &nl, &xt);
                rt_core_inst *src = NULL;
                for (uint32_t k = 0; k < df->nargs; k++)
                    if (df->args[k].len == ml && !memcmp(df->args[k].name, mn, ml))
                        src = ci->sp[S_CORE_INSTANCE][df->args[k].idx].of.p;
                if (!src || !core_inst_export(src, nm, nl, &imps[i])) {
                    hv_free(root->ar.al, imps);
                    ifail(x, HIVE_EUNLINKABLE, "core instantiation: import `%.*s::%.*s` not provided", (int)ml, mn, (int)nl, nm);
                }
            }
            hive_instance *inst = NULL;
            hive_error e;
            memset(&e, 0, sizeof e);
            int rc = hive_instance_new(root->engine, m, imps, n, &inst, &e);
            hv_free(root->ar.al, imps);
            if (inst) track_core(x, inst);
            if (rc != HIVE_OK) ifail(x, rc == HIVE_ETRAP ? HIVE_ETRAP : HIVE_EUNLINKABLE, "%s", e.message);
            hive_func *start = hive_instance_start_func(inst);
            if (start) {
                char msg[200];
                if (hv_run_nested(ci, start, NULL, 0, NULL, 0, msg, sizeof msg)) ifail(x, HIVE_ETRAP, "%s", msg);
            }
            rt_core_inst *ri = ialloc(x, sizeof *ri);
            ri->inst = inst;
            push_item(ci, S_CORE_INSTANCE)->of.p = ri;
            break;
        }
        case D_CORE_INLINE: {
            rt_core_inst *ri = ialloc(x, sizeof *ri);
            ri->n = df->nargs;
            ri->names = ialloc(x, (df->nargs + 1) * sizeof *ri->names);
            ri->ext = ialloc(x, (df->nargs + 1) * sizeof *ri->ext);
            uint32_t *lens = ialloc(x, (df->nargs + 1) * sizeof *lens);
            ri->lens = lens;
            for (uint32_t k = 0; k < df->nargs; k++) {
                lens[k] = df->args[k].len;
                ri->names[k] = df->args[k].name;
                ri->ext[k] = core_extern(ci, df->args[k].sort, df->args[k].idx);
            }
            push_item(ci, S_CORE_INSTANCE)->of.p = ri;
            break;
        }
        case D_COMPONENT: {
            rt_item *it = push_item(ci, S_COMPONENT);
            it->sort = S_COMPONENT;
            it->of.comp = df->child;
            it->env = ci;
            break;
        }
        case D_INSTANTIATE: {
            const rt_item *ck = &ci->sp[S_COMPONENT][df->a];
            if (!ck->of.comp) ifail(x, HIVE_EUNLINKABLE, "instantiating a component the host provides is not supported");
            cinst *cc = new_cinst(x, ci, ck->of.comp);
            cc->env = ck->env;
            import_args cia = {df->nargs, df->args, ci};
            run_component(x, cc, &cia);
            for (uint32_t k = 0; k < df->nfresh; k++) ci->res[df->fresh_parent[k]] = cc->res[df->fresh_child[k]];
            rt_item *it = push_item(ci, S_INSTANCE);
            it->sort = S_INSTANCE;
            it->of.inst = cc->exports;
            break;
        }
        case D_INLINE: {
            rt_inst *in = ialloc(x, sizeof *in);
            in->n = df->nargs;
            in->names = ialloc(x, (df->nargs + 1) * sizeof *in->names);
            in->items = ialloc(x, (df->nargs + 1) * sizeof *in->items);
            for (uint32_t k = 0; k < df->nargs; k++) {
                in->names[k] = df->args[k].name;
                in->items[k] = ci->sp[df->args[k].sort][df->args[k].idx];
                in->items[k].sort = df->args[k].sort;
            }
            rt_item *it = push_item(ci, S_INSTANCE);
            it->sort = S_INSTANCE;
            it->of.inst = in;
            break;
        }
        case D_ALIAS_EXPORT: {
            rt_inst *in = ci->sp[S_INSTANCE][df->a].of.inst;
            const rt_item *m = inst_find_next(x, in, df->name);
            if (!m) ifail(x, HIVE_EUNLINKABLE, "instance has no export `%s`", df->name);
            rt_item *it = push_item(ci, df->sort);
            *it = *m;
            if (df->sort == S_TYPE) {
                it->type = df->type;
                if (df->type->kind == CT_RESOURCE && m->of.res && !ci->res[df->type->rid])
                    ci->res[df->type->rid] = m->of.res;
            }
            break;
        }
        case D_ALIAS_CORE_EXPORT: {
            rt_core_inst *ri = ci->sp[S_CORE_INSTANCE][df->a].of.p;
            hive_extern e;
            if (!core_inst_export(ri, df->name, strlen(df->name), &e))
                ifail(x, HIVE_EUNLINKABLE, "core instance has no export `%s`", df->name);
            rt_item *it = push_item(ci, df->sort);
            it->sort = df->sort;
            it->of.p = e.kind == HIVE_EXTERN_FUNC ? (void *)e.of.func : e.kind == HIVE_EXTERN_TABLE ? (void *)e.of.table
                     : e.kind == HIVE_EXTERN_MEMORY ? (void *)e.of.memory
                     : e.kind == HIVE_EXTERN_TAG ? (void *)e.of.tag : (void *)e.of.global;
            break;
        }
        case D_ALIAS_OUTER: {
            rt_item *it = push_item(ci, df->sort);
            cinst *p = ci;
            for (uint32_t k = 0; k < df->a && p; k++) p = p->env;
            if (p && df->b < p->nsp[df->sort] && df->sort != S_TYPE && df->sort != S_CORE_TYPE) {
                *it = p->sp[df->sort][df->b];
            } else if (df->sort == S_CORE_MODULE) {
                it->of.module = root->comp->modules[df->module_index];
            } else if (df->sort == S_COMPONENT) {
                it->of.comp = df->child;
                it->env = p;
            }
            it->sort = df->sort;
            if (df->sort == S_TYPE) {
                it->type = df->type;
                if (df->type->kind == CT_RESOURCE && p) {
                    it->of.res = p->res[df->type->rid];
                    ci->res[df->type->rid] = p->res[df->type->rid];
                }
            }
            break;
        }
        case D_TYPE: {
            rt_item *it = push_item(ci, S_TYPE);
            it->sort = S_TYPE;
            it->type = df->type;
            if (df->type->kind == CT_RESOURCE) {
                rt_resource *r = ialloc(x, sizeof *r);
                r->impl = ci;
                r->dtor = df->type->has_dtor ? ci->sp[S_CORE_FUNC][df->type->np].of.p : NULL;
                r->name = df->type->labels ? df->type->labels[0] : "resource";
                ci->res[df->type->rid] = r;
                it->of.res = r;
            }
            break;
        }
        case D_CANON: do_canon(x, ci, df); break;
        case D_IMPORT: {
            rt_item got;
            if (!ia) {
                got = resolve_import(x, ci, df->name, &df->ext);
            } else {
                const def_arg *a = NULL;
                for (uint32_t k = 0; k < ia->n; k++)
                    if (!strcmp(ia->args[k].name, df->name)) a = &ia->args[k];
                if (!a) ifail(x, HIVE_EUNLINKABLE, "missing import `%s`", df->name);
                got = ia->from->sp[a->sort][a->idx];
                got.sort = a->sort;
                if (a->sort == S_TYPE && got.type && got.type->kind == CT_RESOURCE)
                    got.of.res = ia->from->res[got.type->rid];
                bind_rids(ci, &df->ext, &got);
            }
            if (df->ext.sort == S_TYPE) {
                got.type = df->ext.type;
                if (df->ext.type->kind == CT_RESOURCE && got.of.res) ci->res[df->ext.type->rid] = got.of.res;
            }
            *push_item(ci, df->ext.sort) = got;
            break;
        }
        case D_EXPORT: {
            rt_item it = ci->sp[df->sort][df->a];
            it.sort = df->sort;
            if (df->nbind) ci->res[df->ext.type->rid] = ci->res[df->rid];
            if (df->sort == S_TYPE) {
                it.type = df->ext.type;
                if (df->ext.type->kind == CT_RESOURCE) it.of.res = ci->res[df->ext.type->rid];
            }
            *push_item(ci, df->sort) = it;
            exports->names[exports->n] = df->name;
            exports->items[exports->n] = it;
            exports->n++;
            break;
        }
        }
    }
    (void)core_of;
}

int hive_cinstance_new(hive_engine *engine, hive_component *comp, const hive_linker *linker,
                       hive_cinstance **out, hive_error *err) {
    if (!out) return HIVE_EARG;
    *out = NULL;
    if (!engine || !comp) return HIVE_EARG;
    if (err) {
        err->code = HIVE_OK;
        err->offset = 0;
        err->message[0] = '\0';
    }
    const hv_alloc *al = hv_engine_alloc(engine);
    hive_cinstance *root = hv_calloc(al, 1, sizeof *root);
    if (!root) return HIVE_ENOMEM;
    root->ar.al = al;
    root->host_handles.al = al;
    root->engine = engine;
    root->comp = comp;
    root->linker = linker;
    hive_component_retain(comp);
    root->main = hv_comp_exec_take(comp);
    ictx *x = hv_calloc(al, 1, sizeof *x);
    if (!root->main || !x) {
        if (x) hv_free(al, x);
        hive_cinstance_free(root);
        return HIVE_ENOMEM;
    }
    x->root = root;
    x->err = err;
    hive_cinstance *volatile outer = hv_comp_set_active_root(NULL);
    hv_comp_set_active_root(outer);
    int rc = setjmp(x->jb);
    if (rc) {
        hv_comp_set_active_root(outer);
        hv_free(al, x);
        hive_cinstance_free(root);
        return rc;
    }
    /* start functions run with this instance's helpers, also when a host
     * function of another instance's call instantiates */
    hive_cinstance *saved = hv_comp_set_active_root(root);
    root->top = new_cinst(x, NULL, comp->root);
    run_component(x, root->top, NULL);
    hv_comp_set_active_root(saved);
    hv_free(al, x);
    *out = root;
    return HIVE_OK;
}

void hive_cinstance_free(hive_cinstance *root) {
    if (!root) return;
    hv_cinstance_frames_free(root);
    hv_casync_free(root); /* async ABI (async.c) */
    hive_cval_clear(&root->result);
    const hv_alloc *al = root->ar.al;
    for (cinst *c = root->all; c; c = c->next_all)
        if (c->handles.v) hv_free(al, c->handles.v);
    if (root->host_handles.v) hv_free(al, root->host_handles.v);
    for (uint32_t i = root->ncores; i-- > 0;) hive_instance_free(root->cores[i]);
    if (root->cores) hv_free(al, root->cores);
    for (uint32_t i = 0; i < root->nhfuncs; i++) hive_func_free(root->hfuncs[i]);
    if (root->hfuncs) hv_free(al, root->hfuncs);
    hv_comp_exec_give(root->comp, root->main);
    for (int i = 0; i < MAX_NESTED; i++) hv_comp_exec_give(root->comp, root->helpers[i]);
    hv_arena_free(&root->ar);
    hive_component_release(root->comp);
    hv_free(al, root);
}

hive_component *hive_cinstance_component(const hive_cinstance *ci) { return ci ? ci->comp : NULL; }

hive_cfunc *hive_cinstance_func(hive_cinstance *ci, const char *name) {
    if (!ci || !name) return NULL;
    rt_inst *ex = ci->top->exports;
    const rt_item *it = inst_find(ex, name);
    if (it && it->sort == S_FUNC) return (hive_cfunc *)it->of.func;
    const char *hash = strrchr(name, '#');
    if (!hash) return NULL;
    char iname[512];
    snprintf(iname, sizeof iname, "%.*s", (int)(hash - name), name);
    it = inst_find(ex, iname);
    if (!it || it->sort != S_INSTANCE) return NULL;
    const rt_item *f = inst_find(it->of.inst, hash + 1);
    return f && f->sort == S_FUNC ? (hive_cfunc *)f->of.func : NULL;
}

const hive_cextern *hive_cfunc_type(const hive_cfunc *func) {
    rt_func *f = (rt_func *)func;
    if (!f) return NULL;
    /* a static extern per function type */
    return (const hive_cextern *)&f->ext;
}

void hive_cinstance_set_data(hive_cinstance *ci, void *data) {
    if (ci) ci->data = data;
}
void *hive_cinstance_data(const hive_cinstance *ci) { return ci ? ci->data : NULL; }

uint64_t hive_cinstance_memory_size(const hive_cinstance *ci) {
    uint64_t n = 0;
    for (uint32_t i = 0; ci && i < ci->ncores; i++)
        if (ci->cores[i]) n += hive_memory_size(hive_instance_memory(ci->cores[i]));
    return n;
}

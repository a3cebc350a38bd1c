/*
 * hosttype.c -- host function signatures in WIT syntax, for
 * hive_linker_define_func: "func(a: u32, s: string) -> list<u8>".
 *
 *   type := bool | s8..s64 | u8..u64 | f32 | f64 | char | string
 *         | list<T> | list<T, N> | option<T> | result | result<T>
 *         | result<T, E> | result<_, E> | tuple<T, ...> | map<K, V>
 *         | own<R> | borrow<R> | R            (R: a resource of the
 *           interface, defined with hive_linker_define_resource, or
 *           IFACE#R for one of another interface: own<wasi:io/streams@0.2.0#input-stream>)
 *         | record { a: T, ... } | variant { a, b(T), ... }
 *         | enum { a, ... } | flags { a, ... }
 *         | stream | stream<T> | future | future<T>
 */
#include <stdlib.h>
#include <string.h>

#include "component/internal.h"
#include "component/runtime.h"

typedef struct hp {
    hive_linker *l;
    const char *iface;
    const char *s;
    int bad;
} hp;

static void ws(hp *p) {
    while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n') p->s++;
}

static int eat(hp *p, char c) {
    ws(p);
    if (*p->s == c) {
        p->s++;
        return 1;
    }
    return 0;
}

static const char *ident(hp *p) {
    ws(p);
    const char *b = p->s;
    if (*p->s == '%') { p->s++; b++; }
    while ((*p->s >= 'a' && *p->s <= 'z') || (*p->s >= 'A' && *p->s <= 'Z') || (*p->s >= '0' && *p->s <= '9') ||
           *p->s == '-' || *p->s == '_')
        p->s++;
    if (p->s == b) {
        p->bad = 1;
        return NULL;
    }
    size_t n = (size_t)(p->s - b);
    char *r = hv_arena_alloc(&p->l->ar, n + 1);
    if (!r) {
        p->bad = 1;
        return NULL;
    }
    memcpy(r, b, n);
    return r;
}

static ct_type *nt(hp *p, int kind) {
    ct_type *t = hv_arena_alloc(&p->l->ar, sizeof *t);
    if (!t) p->bad = 1;
    else t->kind = (uint8_t)kind;
    return t;
}

static const ct_type *type(hp *p);

static void members(hp *p, ct_type *t, int with_types, int opt_types) {
    if (!eat(p, '{')) { p->bad = 1; return; }
    const char *names[256];
    const ct_type *types[256];
    uint32_t n = 0;
    while (!p->bad && !eat(p, '}')) {
        if (n == 256) { p->bad = 1; return; }
        names[n] = ident(p);
        types[n] = NULL;
        if (with_types) {
            if (!eat(p, ':')) { p->bad = 1; return; }
            types[n] = type(p);
        } else if (opt_types && eat(p, '(')) {
            types[n] = type(p);
            if (!eat(p, ')')) p->bad = 1;
        }
        n++;
        if (!eat(p, ',')) {
            if (!eat(p, '}')) p->bad = 1;
            break;
        }
    }
    if (p->bad || !n) { p->bad = 1; return; }
    t->n = n;
    t->labels = hv_arena_alloc(&p->l->ar, n * sizeof *t->labels);
    t->types = (with_types || opt_types) ? hv_arena_alloc(&p->l->ar, n * sizeof *t->types) : NULL;
    if (!t->labels || ((with_types || opt_types) && !t->types)) { p->bad = 1; return; }
    memcpy(t->labels, names, n * sizeof *names);
    if (t->types) memcpy(t->types, types, n * sizeof *types);
}

static const ct_type *type(hp *p) {
    static const struct { const char *n; int k; } prims[] = {
        {"bool", CT_BOOL}, {"s8", CT_S8}, {"u8", CT_U8}, {"s16", CT_S16}, {"u16", CT_U16},
        {"s32", CT_S32}, {"u32", CT_U32}, {"s64", CT_S64}, {"u64", CT_U64}, {"f32", CT_F32},
        {"float32", CT_F32}, {"f64", CT_F64}, {"float64", CT_F64}, {"char", CT_CHAR},
        {"string", CT_STRING}};
    const char *id = ident(p);
    if (!id) return NULL;
    ct_type *t = NULL;
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
        if (!strcmp(id, prims[i].n)) t = nt(p, prims[i].k);
    if (t) goto done;
    if (!strcmp(id, "list") || !strcmp(id, "option")) {
        t = nt(p, id[0] == 'l' ? CT_LIST : CT_OPTION);
        if (!t || !eat(p, '<')) { p->bad = 1; return NULL; }
        t->a = type(p);
        if (t->kind == CT_LIST && eat(p, ',')) {
            ws(p);
            t->n = (uint32_t)strtoul(p->s, (char **)&p->s, 10);
            if (!t->n) p->bad = 1;
        }
        if (!eat(p, '>')) p->bad = 1;
    } else if (!strcmp(id, "result")) {
        t = nt(p, CT_RESULT);
        if (t && eat(p, '<')) {
            ws(p);
            if (*p->s == '_') p->s++;
            else t->a = type(p);
            if (eat(p, ',')) t->b = type(p);
            if (!eat(p, '>')) p->bad = 1;
        }
    } else if (!strcmp(id, "tuple")) {
        t = nt(p, CT_TUPLE);
        if (!t || !eat(p, '<')) { p->bad = 1; return NULL; }
        const ct_type *ts[64];
        uint32_t n = 0;
        do {
            if (n == 64) { p->bad = 1; return NULL; }
            ts[n++] = type(p);
        } while (!p->bad && eat(p, ','));
        if (!eat(p, '>')) p->bad = 1;
        t->n = n;
        t->types = hv_arena_alloc(&p->l->ar, n * sizeof *ts);
        if (!t->types) { p->bad = 1; return NULL; }
        memcpy(t->types, ts, n * sizeof *ts);
    } else if (!strcmp(id, "map")) {
        t = nt(p, CT_MAP);
        if (!t || !eat(p, '<')) { p->bad = 1; return NULL; }
        t->a = type(p);
        if (!eat(p, ',')) p->bad = 1;
        t->b = type(p);
        if (!eat(p, '>')) p->bad = 1;
    } else if (!strcmp(id, "stream") || !strcmp(id, "future")) {
        t = nt(p, id[0] == 's' ? CT_STREAM : CT_FUTURE); /* stream, stream<T>, future, future<T> */
        if (t && eat(p, '<')) {
            t->a = type(p);
            if (!eat(p, '>')) p->bad = 1;
        }
    } else if (!strcmp(id, "record")) {
        t = nt(p, CT_RECORD);
        if (t) members(p, t, 1, 0);
    } else if (!strcmp(id, "variant")) {
        t = nt(p, CT_VARIANT);
        if (t) members(p, t, 0, 1);
    } else if (!strcmp(id, "enum") || !strcmp(id, "flags")) {
        t = nt(p, id[0] == 'e' ? CT_ENUM : CT_FLAGS);
        if (t) members(p, t, 0, 0);
        if (t && t->kind == CT_FLAGS && t->n > 32) p->bad = 1;
    } else {
        int kind = CT_OWN;
        const char *rn = id, *ri = p->iface;
        if (!strcmp(id, "own") || !strcmp(id, "borrow")) {
            kind = id[0] == 'o' ? CT_OWN : CT_BORROW;
            if (!eat(p, '<')) { p->bad = 1; return NULL; }
            /* NAME, or IFACE#NAME for a resource of another interface */
            ws(p);
            const char *b = p->s, *hash = NULL;
            while (*p->s && *p->s != '>' && *p->s != ' ') {
                if (*p->s == '#') hash = p->s;
                p->s++;
            }
            if (hash) {
                size_t il = (size_t)(hash - b), nl = (size_t)(p->s - hash - 1);
                char *iv = hv_arena_alloc(&p->l->ar, il + 1), *nv = hv_arena_alloc(&p->l->ar, nl + 1);
                if (!iv || !nv || !il || !nl) { p->bad = 1; return NULL; }
                memcpy(iv, b, il);
                memcpy(nv, hash + 1, nl);
                ri = iv;
                rn = nv;
            } else {
                p->s = b;
                rn = ident(p);
            }
            if (!eat(p, '>')) p->bad = 1;
        }
        if (p->bad) return NULL;
        host_res *r = hv_linker_find_res(p->l, ri, rn);
        if (!r) { p->bad = 1; return NULL; }
        t = nt(p, kind);
        if (!t) return NULL;
        t->hres = &r->rt;
        t->labels = hv_arena_alloc(&p->l->ar, sizeof *t->labels);
        if (t->labels) t->labels[0] = r->name;
    }
done:
    if (p->bad || !t) return NULL;
    if ((t->kind == CT_LIST || t->kind == CT_OPTION || t->kind == CT_MAP) && !t->a) { p->bad = 1; return NULL; }
    if (t->types && t->kind != CT_VARIANT)
        for (uint32_t i = 0; i < t->n; i++)
            if (!t->types[i]) { p->bad = 1; return NULL; }
    hv_ct_compute_abi(t);
    if (t->depth > MAX_TYPE_DEPTH) { p->bad = 1; return NULL; }
    return t;
}

const ct_type *hv_parse_host_type(hive_linker *l, const char *iface, const char *text) {
    hp p = {l, iface, text, 0};
    const char *id = ident(&p);
    int is_async = id && !strcmp(id, "async"); /* async ABI: "async func(...)" */
    if (is_async) id = ident(&p);
    if (!id || strcmp(id, "func") || !eat(&p, '(')) return NULL;
    ct_type *f = nt(&p, CT_FUNC);
    if (!f) return NULL;
    f->async_ = (uint8_t)is_async;
    const char *names[64];
    const ct_type *types[64];
    uint32_t n = 0;
    while (!p.bad && !eat(&p, ')')) {
        if (n == 64) return NULL;
        names[n] = ident(&p);
        if (!eat(&p, ':')) return NULL;
        types[n] = type(&p);
        n++;
        if (!eat(&p, ',')) {
            if (!eat(&p, ')')) return NULL;
            break;
        }
    }
    if (p.bad) return NULL;
    f->n = n;
    f->labels = hv_arena_alloc(&l->ar, (n + 1) * sizeof *f->labels);
    f->types = hv_arena_alloc(&l->ar, (n + 1) * sizeof *f->types);
    if (!f->labels || !f->types) return NULL;
    memcpy(f->labels, names, n * sizeof *names);
    memcpy(f->types, types, n * sizeof *types);
    ws(&p);
    if (p.s[0] == '-' && p.s[1] == '>') {
        p.s += 2;
        f->a = type(&p);
        if (!f->a) return NULL;
    }
    ws(&p);
    if (*p.s || p.bad) return NULL;
    return f;
}
